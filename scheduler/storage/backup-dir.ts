import { createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline as streamPipeline, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { BackupFormatError, decodeBackup, encodeBackup, MAX_BACKUP_LINE_CHARS, type BackupHeader } from './backup-file.js';
import type { LoadedState } from './storage.js';

/**
 * The scheduler's backup directory: one gzipped backup file (backup-file.ts) per backup, named
 * as Aurora names them, `scheduler-backup-YYYY-MM-DD-HH-mm` in UTC (a second one within the same
 * minute gets `-2`, `-3`: a backup never overwrites another). A backup is written to a hidden
 * temporary file, synced, then renamed, so the directory only ever lists whole backups. The
 * oldest beyond `keep` are removed after each write.
 */

export const BACKUP_PREFIX = 'scheduler-backup-';
const NAME = /^scheduler-backup-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}(-\d+)?$/;

export interface BackupInfo {
  readonly name: string;
  readonly bytes: number;
}

/** A backup as the web UI lists it: when its file was written, too. */
export interface BackupFileInfo extends BackupInfo {
  /** The file's modification time, milliseconds since the epoch. */
  readonly writtenAt: number;
}

export class BackupDirError extends Error {
  override readonly name = 'BackupDirError';
}

export class BackupDir {
  constructor(
    readonly dir: string,
    /** How many backups to keep; older ones are removed. */
    private readonly keep: number,
  ) {}

  /** Backup names, oldest first. */
  list(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => NAME.test(n))
      .sort(compareNames);
  }

  sizeOf(name: string): number {
    try {
      return statSync(join(this.dir, name)).size;
    } catch {
      return 0;
    }
  }

  /** Backups with their sizes and times, oldest first; one removed meanwhile is left out. */
  listFiles(): BackupFileInfo[] {
    return this.list().flatMap((name) => {
      try {
        const stat = statSync(join(this.dir, name));
        return [{ name, bytes: stat.size, writtenAt: stat.mtimeMs }];
      } catch {
        return [];
      }
    });
  }

  /** Writes a backup of `state` and returns its name and size; then removes the oldest beyond `keep`. */
  async write(state: LoadedState, meta: { cluster: string; createdAt: number; writtenBy: string }): Promise<BackupInfo> {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new BackupDirError(`cannot create the backup dir ${this.dir}: ${(e as Error).message}; set --backup-dir to a writable directory`);
    }
    const name = this.freshName(meta.createdAt);
    const tmp = join(this.dir, `.${name}.tmp`);
    try {
      await pipeline(Readable.from(withNewlines(encodeBackup(state, meta))), createGzip({ level: 6 }), createWriteStream(tmp, { mode: 0o600 }));
      syncPath(tmp);
      renameSync(tmp, join(this.dir, name));
      syncPath(this.dir);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing was written, or it is gone already.
      }
      const code = (e as NodeJS.ErrnoException).code;
      throw new BackupDirError(
        code === 'ENOSPC'
          ? `the disk holding ${this.dir} is full; the backup was not written (make room, or point --backup-dir elsewhere)`
          : `cannot write a backup to ${this.dir}: ${(e as Error).message}`,
      );
    }
    for (const old of this.list().slice(0, Math.max(0, this.list().length - this.keep))) {
      try {
        unlinkSync(join(this.dir, old));
      } catch {
        // Removed by someone else; nothing to do.
      }
    }
    return { name, bytes: statSync(join(this.dir, name)).size };
  }

  /** Reads a backup by name. BackupDirError for a name that is not one of this directory's backups. */
  async read(name: string, expect: { cluster: string }): Promise<{ header: BackupHeader; state: LoadedState }> {
    if (!NAME.test(name)) {
      throw new BackupDirError(`'${name}' is not a backup name (they look like scheduler-backup-2026-12-01-15-30); aurora_admin scheduler_list_backups lists them`);
    }
    const file = join(this.dir, name);
    if (!existsSync(file)) throw new BackupDirError(`there is no backup ${name} in ${this.dir}; aurora_admin scheduler_list_backups lists them`);
    const input = createGunzip();
    // A read error destroys the gunzip stream with it, so the reader below fails instead of waiting.
    streamPipeline(createReadStream(file), input, () => {});
    // Decoded by the stream, so a character split between two chunks stays whole.
    input.setEncoding('utf8');
    try {
      return await decodeBackup(name, lines(input), expect);
    } catch (e) {
      if (e instanceof BackupFormatError) throw e;
      throw new BackupFormatError(`backup ${name} cannot be read: ${(e as Error).message}`);
    } finally {
      input.destroy();
    }
  }

  private freshName(at: number): string {
    const d = new Date(at);
    const two = (n: number) => String(n).padStart(2, '0');
    const base = `${BACKUP_PREFIX}${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${two(d.getUTCHours())}-${two(d.getUTCMinutes())}`;
    let name = base;
    for (let n = 2; existsSync(join(this.dir, name)); n++) name = `${base}-${n}`;
    return name;
  }
}

/** Oldest first: by the minute, then by the `-N` suffix of backups of the same minute. */
function compareNames(a: string, b: string): number {
  const split = (n: string): [string, number] => {
    const m = /^(scheduler-backup-\d{4}-\d{2}-\d{2}-\d{2}-\d{2})(?:-(\d+))?$/.exec(n);
    return [m?.[1] ?? n, Number(m?.[2] ?? 1)];
  };
  const [ab, an] = split(a);
  const [bb, bn] = split(b);
  return ab < bb ? -1 : ab > bb ? 1 : an - bn;
}

/** Lines joined into chunks of about 256 KiB: one stream chunk per line would cost more than the lines. */
function* withNewlines(lines: Iterable<string>): Generator<string> {
  let chunk: string[] = [];
  let size = 0;
  for (const line of lines) {
    chunk.push(line);
    size += line.length + 1;
    if (size >= 256 * 1024) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}

/** Lines of a text stream, each bounded: a longer one is damage, not a reason to run out of memory. */
async function* lines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let from = 0;
    let at: number;
    while ((at = rest.indexOf('\n', from)) >= 0) {
      yield rest.slice(from, at);
      from = at + 1;
    }
    rest = rest.slice(from);
    if (rest.length > MAX_BACKUP_LINE_CHARS) throw new BackupFormatError(`a line is longer than ${MAX_BACKUP_LINE_CHARS} characters; the file was damaged`);
  }
  if (rest.length > 0) yield rest;
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
