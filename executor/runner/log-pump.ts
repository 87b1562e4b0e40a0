import { appendFileSync, closeSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import type { LoggerSpec } from '../../dsl/jobspec.js';
import { logPath, LOG_STREAMS, type LogStream } from './sandbox.js';

/**
 * The logger settings of a process, applied by the agent to the log files it owns. Processes
 * always write straight into `.logs/<process>/<run>/{stdout,stderr}` (opened for append), which
 * is what lets them outlive the agent; the agent then:
 *
 * - `rotate` mode: once a file is past `logSizeBytes`, copies it to `<file>.1` (shifting older
 *   backups up to `logBackups`) and truncates it (logrotate's copytruncate). The writer keeps its
 *   descriptor; with O_APPEND it goes on at the new end. A rotated file never holds more than
 *   `logSizeBytes`: a file that grew past several caps between two looks (a fast writer) is cut
 *   into pieces of at most the cap, the newest in `.1`, and what does not fit in `logBackups`
 *   pieces is dropped. The live file may pass the cap by what is written between two looks (the
 *   runner's tick). What lands while the backups are copied is rotated too, or kept in the emptied
 *   file; only what lands between the last look at the file and its truncation is lost.
 * - `console` and `both`: forwards new complete lines to the agent's console, read from the file
 *   a chunk at a time (the file is the buffer: at most MAX_PUMP_BYTES per file and look, the rest
 *   at the next look). A line longer than MAX_LINE_BYTES is forwarded cut there, with CUT_MARK,
 *   and the rest of it is dropped, so no line, however long and whether or not it ends, is held
 *   whole. With `console` the file is truncated once everything in it was forwarded, so the
 *   sandbox only holds what was not forwarded yet.
 * - `none`: the process writes to /dev/null (decided at spawn, see process-launcher.ts).
 *
 * A restarted agent forwards only what is written after it re-attached.
 *
 * What the pump keeps per log file (how far it forwarded, the start of an unended line) lives as
 * long as the run needs it: a run superseded by a newer run of its process is pumped a last time
 * and forgotten (`finish`), and once the task is over and pumped for the last time the runner
 * forgets every run, so an agent that runs tasks for months keeps nothing of the ended ones.
 */

/** The longest line forwarded to the console, in bytes; a longer one is cut there (CUT_MARK). */
export const MAX_LINE_BYTES = 64 * 1024;

/** What ends a line cut at MAX_LINE_BYTES. */
export const CUT_MARK = ` [line cut: longer than ${MAX_LINE_BYTES} bytes]`;

/** The most bytes of a file forwarded in one look (the rest waits in the file for the next). */
export const MAX_PUMP_BYTES = 32 * 1024 * 1024;

/** Bytes read (or copied) at a time. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * The one read buffer of every pump of the agent, made on first use: a look is synchronous from
 * the read to the sink, so no two pumps ever read into it at once, and a thousand tasks with
 * console logs do not hold a thousand of them.
 */
let sharedChunk: Buffer | null = null;
const readBuffer = (): Buffer => (sharedChunk ??= Buffer.allocUnsafe(CHUNK_BYTES));

export interface PumpedRun {
  readonly process: string;
  readonly run: number;
  readonly logger: LoggerSpec;
  /** Forward from the beginning of the file (a run this agent started) rather than from its end. */
  readonly fromStart: boolean;
}

export type ConsoleSink = (process: string, stream: LogStream, line: string) => void;

/** The beginning of a line not ended yet: at most MAX_LINE_BYTES, or nothing while the rest of a cut line is skipped. */
interface Partial {
  parts: Buffer[];
  bytes: number;
  cut: boolean;
}

export class LogPump {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, Partial>();
  /** Runs pumped a last time and forgotten before the task ended (`finish`): never pumped again. */
  private readonly finished = new Set<string>();

  constructor(
    private readonly sandbox: string,
    private readonly sink: ConsoleSink | null,
  ) {}

  /** Whether a logger needs the pump at all. */
  static needed(logger: LoggerSpec): boolean {
    return logger.mode === 'rotate' || logger.destination === 'console' || logger.destination === 'both';
  }

  /** One look at the runs' files. Synchronous; a stat per file when nothing changed. */
  pump(runs: readonly PumpedRun[], final = false): void {
    for (const r of runs) {
      if (r.logger.destination === 'none' || this.finished.has(`${r.process}/${r.run}`)) continue;
      for (const stream of LOG_STREAMS) this.pumpFile(r, stream, final);
    }
  }

  /**
   * Runs that are over while their task goes on (a newer run of the process started): pumped a
   * last time (their last lines go out, unended or not), then forgotten, and left out of every
   * later look, the task's final one included.
   */
  finish(runs: readonly PumpedRun[]): void {
    this.pump(runs, true);
    for (const r of runs) {
      this.forget(r.process, r.run);
      this.finished.add(`${r.process}/${r.run}`);
    }
  }

  /** Whether the pump keeps anything of a run: where it stopped forwarding, or an unended line. */
  holds(process: string, run: number): boolean {
    return LOG_STREAMS.some((stream) => this.offsets.has(`${process}/${run}/${stream}`) || this.partial.has(`${process}/${run}/${stream}`));
  }

  /** Forgets a run once it is over and pumped for the last time (its task over, or `finish`). */
  forget(process: string, run: number): void {
    for (const stream of LOG_STREAMS) {
      const key = `${process}/${run}/${stream}`;
      this.offsets.delete(key);
      this.partial.delete(key);
    }
    this.finished.delete(`${process}/${run}`);
  }

  /** How many entries (log files and finished runs) the pump keeps: 0 once every run was forgotten. */
  get entries(): number {
    return this.offsets.size + this.partial.size + this.finished.size;
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
    const rotating = r.logger.mode === 'rotate' && r.logger.destination !== 'console' && size > r.logger.logSizeBytes;
    if (forwarding) {
      let offset = this.offsets.get(key) ?? (r.fromStart ? 0 : size);
      if (size < offset) offset = 0; // truncated under us
      // All of it when the file is about to be emptied: what was not forwarded would never be.
      if (size > offset) offset = this.forwardRange(r.process, stream, key, path, offset, size, final || rotating);
      const caughtUp = offset >= size;
      if (final && caughtUp) this.endLine(r.process, stream, key);
      // Emptied only once all of it went out (and nothing came since the look).
      if (r.logger.destination === 'console' && caughtUp && size > 0 && statSync(path).size === size) {
        truncateSync(path, 0);
        offset = 0;
      }
      this.offsets.set(key, offset);
    }
    if (rotating) {
      rotate(path, r.logger.logBackups, r.logger.logSizeBytes);
      if (forwarding) this.offsets.set(key, 0);
    }
  }

  /** Forwards the lines in [from, to) a chunk at a time (all of it when `all`); returns where it stopped. */
  private forwardRange(process: string, stream: LogStream, key: string, path: string, from: number, to: number, all: boolean): number {
    const end = all ? to : Math.min(to, from + MAX_PUMP_BYTES);
    const fd = openSync(path, 'r');
    const chunk = readBuffer();
    let offset = from;
    try {
      while (offset < end) {
        const n = readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, end - offset), offset);
        if (n <= 0) break;
        this.forward(process, stream, key, chunk.subarray(0, n));
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
    return offset;
  }

  /** Splits bytes into lines; a line never holds more than MAX_LINE_BYTES here. */
  private forward(process: string, stream: LogStream, key: string, bytes: Buffer): void {
    let p = this.partial.get(key);
    if (!p) this.partial.set(key, (p = { parts: [], bytes: 0, cut: false }));
    let start = 0;
    while (start < bytes.length) {
      const nl = bytes.indexOf(0x0a, start);
      const piece = bytes.subarray(start, nl === -1 ? bytes.length : nl);
      if (!p.cut) {
        const room = MAX_LINE_BYTES - p.bytes;
        if (piece.length > room) {
          // Cut at a character's start, so the line stays valid UTF-8.
          let take = room;
          while (take > 0 && ((piece[take] as number) & 0xc0) === 0x80) take--;
          p.parts.push(Buffer.from(piece.subarray(0, take)));
          this.sink?.(process, stream, Buffer.concat(p.parts).toString('utf8') + CUT_MARK);
          p.parts = [];
          p.bytes = 0;
          p.cut = true;
        } else if (piece.length > 0) {
          // A copy: the read buffer is used again.
          p.parts.push(Buffer.from(piece));
          p.bytes += piece.length;
        }
      }
      if (nl === -1) break;
      if (!p.cut) this.sink?.(process, stream, Buffer.concat(p.parts).toString('utf8'));
      p.parts = [];
      p.bytes = 0;
      p.cut = false;
      start = nl + 1;
    }
  }

  /** The run is over: its last line goes out even without a newline. */
  private endLine(process: string, stream: LogStream, key: string): void {
    const p = this.partial.get(key);
    if (p && !p.cut && p.bytes > 0) this.sink?.(process, stream, Buffer.concat(p.parts).toString('utf8'));
    this.partial.delete(key);
  }
}

/**
 * `stdout` → `stdout.1` → ... → `stdout.<backups>` (the oldest dropped), then `stdout` emptied.
 * No backup holds more than `capBytes`: a file past several caps goes into as many backups (the
 * newest bytes in `.1`), as many as there are, and the older bytes are dropped. What the writer
 * appends while the backups are copied is rotated the same way (more than a cap of it, in
 * another round, at most `backups` rounds) or stays in the emptied file (a cap at most), so a
 * fast writer loses only what lands in the moment between the last look at the file and its
 * truncation. `onCopied` runs after the first round's copy (tests write there, as a writer would).
 */
export function rotate(path: string, backups: number, capBytes = Number.POSITIVE_INFINITY, onCopied?: () => void): void {
  const cap = Math.max(1, capBytes);
  const fd = openSync(path, 'r');
  let tail: Buffer | null = null;
  try {
    let from = 0;
    let size = fstatSync(fd).size;
    for (let round = 0; ; round++) {
      if (backups > 0) cutIntoBackups(fd, path, from, size, backups, cap);
      if (round === 0) onCopied?.();
      const grown = fstatSync(fd).size;
      if (grown - size <= cap || round + 1 >= backups) {
        if (grown > size) tail = readRange(fd, Math.max(size, grown - Math.min(cap, MAX_PUMP_BYTES)), grown);
        break;
      }
      from = size;
      size = grown;
    }
  } finally {
    closeSync(fd);
  }
  truncateSync(path, 0);
  if (tail) appendFileSync(path, tail);
}

/** Bytes [from, to) of the file into backups of at most `cap` each, the newest in `.1`, older backups shifted up. */
function cutIntoBackups(fd: number, path: string, from: number, to: number, backups: number, cap: number): void {
  const pieces = Math.min(backups, Math.max(1, Math.ceil((to - from) / cap)));
  for (let i = backups; i >= 1; i--) {
    try {
      if (i + pieces > backups) rmSync(`${path}.${i}`, { force: true });
      else renameSync(`${path}.${i}`, `${path}.${i + pieces}`);
    } catch {
      // that backup does not exist yet
    }
  }
  for (let j = 1; j <= pieces; j++) {
    const end = Math.max(from, to - (j - 1) * cap);
    copyRange(fd, `${path}.${j}`, Math.max(from, end - cap), end);
  }
}

/** Bytes [from, to) of `fd`. */
function readRange(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(to - from);
  let at = 0;
  while (at < buf.length) {
    const n = readSync(fd, buf, at, buf.length - at, from + at);
    if (n <= 0) break;
    at += n;
  }
  return buf.subarray(0, at);
}

/** Copies bytes [from, to) of `fd` into a new file at `dest`, a chunk at a time. */
function copyRange(fd: number, dest: string, from: number, to: number): void {
  const out = openSync(dest, 'w');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, to - from)));
  try {
    for (let at = from; at < to; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, to - at), at);
      if (n <= 0) break;
      writeSync(out, buf, 0, n);
      at += n;
    }
  } finally {
    closeSync(out);
  }
}
