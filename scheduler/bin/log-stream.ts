/**
 * The scheduler logs through fastify's logger (pino, one JSON object a line). Operators who
 * ship logs keep JSON (`--log-format json`); people at a terminal get the same one-line text
 * the agent prints: `<ISO time> aurora-scheduler: <message>`.
 */
interface PinoLine {
  level?: number;
  time?: number;
  msg?: string;
  err?: { message?: string; stack?: string };
}

const LEVELS: Record<number, string> = { 40: 'warning: ', 50: 'error: ', 60: 'fatal: ' };

/** Formats one pino JSON line as text; a line that is not JSON passes through. */
export function formatLogLine(line: string, program: string): string {
  let entry: PinoLine;
  try {
    entry = JSON.parse(line) as PinoLine;
  } catch {
    return line;
  }
  const time = new Date(entry.time ?? 0).toISOString();
  const level = LEVELS[entry.level ?? 30] ?? '';
  const err = entry.err?.stack ?? entry.err?.message;
  return `${time} ${program}: ${level}${entry.msg ?? ''}${err && !entry.msg?.includes(err) ? `\n${err}` : ''}`;
}

/** A pino destination that writes text lines to `out`. */
export function textLogStream(out: NodeJS.WritableStream, program: string): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line.trim()) out.write(`${formatLogLine(line, program)}\n`);
    },
  };
}
