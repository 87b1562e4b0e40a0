/**
 * The line protocol between the agent and its spawn helper (runner/spawn-helper.ts and the perl
 * program in runner/spawn-helper-script.ts). One message a line, fields separated by one space.
 * Every string field is `x` followed by its UTF-8 bytes in hex, so nothing a path, argument or
 * environment value holds can break a line; a list is such fields joined by `,`, or `-` if empty.
 *
 * Agent → helper:
 *
 *     L id dir cwd stdout stderr uid gid cmdline exit env setup   make a process (S or F)
 *     G id                                                        the process runs its command
 *     C id                                                        the process exits; nothing ran
 *
 * The helper makes `dir` (given to uid) before it answers. The process is the wrapper shell
 * (process-launcher.ts, SPARE_SCRIPT); after G it enters `cwd`, opens its output files, applies
 * `env` (entries `NAME=value` set, `NAME` unsets, over the environment the helper was started
 * with), runs `cmdline` with bash, as uid/gid when given (`-` keeps the helper's user), and
 * writes the exit status to `exit`. If it cannot enter `cwd` it exits 127, as a shell does for a
 * command it cannot run. `setup` lists steps (the task's cgroups) the helper takes after S and
 * before it passes G on, when it has nothing else to do: `mkdir` a directory with its parents,
 * `write` a value to a file, `chown` a file; each step's fields are joined by NUL.
 *
 * Helper → agent:
 *
 *     H pid                     the helper runs
 *     S id pid startTicks       the process exists in a session and group of its own and waits
 *                               for G; startTicks is `-` when the helper leaves it to the agent
 *     F id message              no process could be made (fork, pipe); nothing runs
 *     W id message              a setup step failed (the steps after it were not taken)
 *     E pid status              a process the helper made ended (exit code, 128+N for signal N)
 *     B message                 a request made no sense; the helper carries on
 *
 * Pure: formatting and parsing only.
 */

/** A step the helper takes for a launch before its command runs (it runs as root, the agent's user). */
export type SetupStep =
  | { readonly mkdir: string }
  | { readonly write: string; readonly value: string }
  | { readonly chown: string; readonly uid: number; readonly gid: number };

/** One process to prepare. */
export interface SpawnRequest {
  /** Chosen by the agent, unique for the helper's life. */
  readonly id: number;
  /** A directory to make (with its parents) before the output files are opened; '' for none. */
  readonly dir: string;
  readonly cwd: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Run the command as this user and group; null keeps the helper's. */
  readonly user: { readonly uid: number; readonly gid: number } | null;
  /** The command line, run with `bash -c`. */
  readonly cmdline: string;
  /** Where the wrapper writes the exit status. */
  readonly exitFile: string;
  /** Changes to the helper's environment: a string sets the variable, null unsets it. */
  readonly env: Readonly<Record<string, string | null>>;
  /** Steps before the command runs (its task's cgroups). @default none */
  readonly setup?: readonly SetupStep[];
}

/** What the helper says. */
export type HelperEvent =
  | { readonly kind: 'hello'; readonly pid: number }
  | { readonly kind: 'prepared'; readonly id: number; readonly pid: number; readonly startTicks: number | undefined }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string }
  | { readonly kind: 'setupFailed'; readonly id: number; readonly message: string }
  | { readonly kind: 'exited'; readonly pid: number; readonly status: number }
  | { readonly kind: 'bad'; readonly message: string };

/** `x` and the hex of the UTF-8 bytes. */
export function encodeField(value: string): string {
  return `x${Buffer.from(value, 'utf8').toString('hex')}`;
}

/** The inverse of encodeField; null if `field` is not one. */
export function decodeField(field: string): string | null {
  if (!/^x(?:[0-9a-fA-F]{2})*$/.test(field)) return null;
  return Buffer.from(field.slice(1), 'hex').toString('utf8');
}

function encodeList(values: readonly string[]): string {
  return values.length === 0 ? '-' : values.map(encodeField).join(',');
}

/** The `L` line (newline included). Throws for a value the protocol cannot carry. */
export function formatLaunch(req: SpawnRequest): string {
  if (!Number.isSafeInteger(req.id) || req.id < 0) throw new Error(`bad launch id ${req.id}`);
  if (req.exitFile === '') throw new Error('a launch needs an exit file');
  const env = Object.entries(req.env).map(([name, value]) => {
    if (name === '' || name.includes('=')) throw new Error(`bad environment variable name '${name}'`);
    return value === null ? name : `${name}=${value}`;
  });
  const user = req.user ? `${req.user.uid} ${req.user.gid}` : '- -';
  const setup = (req.setup ?? []).map((step) => {
    const fields = 'mkdir' in step ? ['mkdir', step.mkdir] : 'write' in step ? ['write', step.write, step.value] : ['chown', step.chown, String(step.uid), String(step.gid)];
    if (fields.some((f) => f.includes('\0'))) throw new Error('a setup step cannot hold a NUL');
    return fields.join('\0');
  });
  const paths = [req.dir, req.cwd, req.stdout, req.stderr].map(encodeField).join(' ');
  return `L ${req.id} ${paths} ${user} ${encodeField(req.cmdline)} ${encodeField(req.exitFile)} ${encodeList(env)} ${encodeList(setup)}\n`;
}

/** The `G` line: run the prepared process. */
export function formatGo(id: number): string {
  return `G ${id}\n`;
}

/** The `C` line: the prepared process exits without running anything. */
export function formatCancel(id: number): string {
  return `C ${id}\n`;
}

const int = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);

/** One line the helper wrote (without its newline); null if it is not a message of the protocol. */
export function parseHelperLine(line: string): HelperEvent | null {
  const [op, a, b, c, ...rest] = line.split(' ');
  if (rest.length > 0) return null;
  switch (op) {
    case 'H': {
      const pid = int(a);
      return pid !== null && b === undefined ? { kind: 'hello', pid } : null;
    }
    case 'S': {
      const id = int(a);
      const pid = int(b);
      if (id === null || pid === null || c === undefined) return null;
      const ticks = int(c);
      if (ticks === null && c !== '-') return null;
      return { kind: 'prepared', id, pid, startTicks: ticks ?? undefined };
    }
    case 'F':
    case 'W': {
      const id = int(a);
      const message = b === undefined ? null : decodeField(b);
      if (id === null || message === null || c !== undefined) return null;
      return { kind: op === 'F' ? 'failed' : 'setupFailed', id, message };
    }
    case 'E': {
      const pid = int(a);
      const status = int(b);
      return pid !== null && status !== null && c === undefined ? { kind: 'exited', pid, status } : null;
    }
    case 'B': {
      const message = a === undefined ? null : decodeField(a);
      return message !== null && b === undefined ? { kind: 'bad', message } : null;
    }
    default:
      return null;
  }
}

/**
 * The environment changes that turn `base` into `target`: what differs or is new is set, what
 * `target` lacks is unset. A request then carries a few bindings, not the agent's whole environment.
 */
export function environmentChanges(
  base: Readonly<Record<string, string>>,
  target: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(target)) if (base[name] !== value) changes[name] = value;
  for (const name of Object.keys(base)) if (!(name in target)) changes[name] = null;
  return changes;
}

/** Splits a byte stream into lines, keeping a partial last line for the next chunk. */
export class LineBuffer {
  private rest = '';

  /** The complete lines `chunk` finishes, without their newlines. */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }
}
