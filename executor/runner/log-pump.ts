import { closeSync, copyFileSync, openSync, readSync, renameSync, statSync, truncateSync } from 'node:fs';
import type { LoggerSpec } from '../../dsl/jobspec.js';
import { logPath, LOG_STREAMS, type LogStream } from './sandbox.js';

/**
 * The logger settings of a process, applied by the agent to the log files it owns. Processes
 * always write straight into `.logs/<process>/<run>/{stdout,stderr}` (opened for append), which
 * is what lets them outlive the agent; the agent then:
 *
 * - `rotate` mode: once a file is past `logSizeBytes`, copies it to `<file>.1` (shifting older
 *   backups up to `logBackups`) and truncates it (logrotate's copytruncate). The writer keeps its
 *   descriptor; with O_APPEND it goes on at the new end. A file may pass the cap by what is
 *   written between two looks, and what lands between the copy and the truncation is lost.
 * - `console` and `both`: forwards new complete lines to the agent's console; with `console` the
 *   file is truncated once forwarded, so the sandbox only holds what was not forwarded yet.
 * - `none`: the process writes to /dev/null (decided at spawn, see process-launcher.ts).
 *
 * A restarted agent forwards only what is written after it re-attached.
 */

export interface PumpedRun {
  readonly process: string;
  readonly run: number;
  readonly logger: LoggerSpec;
  /** Forward from the beginning of the file (a run this agent started) rather than from its end. */
  readonly fromStart: boolean;
}

export type ConsoleSink = (process: string, stream: LogStream, line: string) => void;

export class LogPump {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();

  constructor(
    private readonly sandbox: string,
    private readonly sink: ConsoleSink | null,
  ) {}

  /** Whether a logger needs the pump at all. */
  static needed(logger: LoggerSpec): boolean {
    return logger.mode === 'rotate' || logger.destination === 'console' || logger.destination === 'both';
  }

  /** One look at the runs' files. Synchronous and cheap (a stat per file when nothing changed). */
  pump(runs: readonly PumpedRun[], final = false): void {
    for (const r of runs) {
      if (r.logger.destination === 'none') continue;
      for (const stream of LOG_STREAMS) this.pumpFile(r, stream, final);
    }
  }

  /** Forgets a run once it is over and pumped for the last time. */
  forget(process: string, run: number): void {
    for (const stream of LOG_STREAMS) {
      const key = `${process}/${run}/${stream}`;
      this.offsets.delete(key);
      this.partial.delete(key);
    }
  }

  private pumpFile(r: PumpedRun, stream: LogStream, final: boolean): void {
    const path = logPath(this.sandbox, r.process, r.run, stream);
    const key = `${r.process}/${r.run}/${stream}`;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    const forwarding = this.sink !== null && (r.logger.destination === 'console' || r.logger.destination === 'both');
    if (forwarding) {
      let offset = this.offsets.get(key) ?? (r.fromStart ? 0 : size);
      if (size < offset) offset = 0; // truncated under us
      if (size > offset) {
        this.forward(r.process, stream, key, readRange(path, offset, size), final);
        offset = size;
      } else if (final) {
        this.forward(r.process, stream, key, '', true);
      }
      if (r.logger.destination === 'console' && size > 0) {
        truncateSync(path, 0);
        offset = 0;
      }
      this.offsets.set(key, offset);
    }
    if (r.logger.mode === 'rotate' && r.logger.destination !== 'console' && size > r.logger.logSizeBytes) {
      rotate(path, r.logger.logBackups);
      if (forwarding) this.offsets.set(key, 0);
    }
  }

  private forward(process: string, stream: LogStream, key: string, text: string, final: boolean): void {
    const all = (this.partial.get(key) ?? '') + text;
    const lines = all.split('\n');
    const rest = lines.pop() ?? '';
    for (const line of lines) this.sink?.(process, stream, line);
    if (final && rest !== '') this.sink?.(process, stream, rest);
    this.partial.set(key, final ? '' : rest);
  }
}

function readRange(path: string, from: number, to: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `stdout` → `stdout.1` → ... → `stdout.<backups>` (the oldest dropped), then `stdout` emptied. */
export function rotate(path: string, backups: number): void {
  for (let i = backups - 1; i >= 1; i--) {
    try {
      renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    } catch {
      // that backup does not exist yet
    }
  }
  if (backups > 0) copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
}
