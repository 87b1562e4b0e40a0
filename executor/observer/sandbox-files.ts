import { constants, type ReadStream } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isPlainName, LOG_STREAMS, logPath, type LogStream } from '../runner/sandbox.js';
import type { ByteRange, SandboxEntry, SandboxListingResponse } from './api.js';
import { ApiError } from '../../scheduler/api/errors.js';
import type { ObservedTask, TaskStore } from './task-store.js';

/**
 * Files inside a task's sandbox, and nothing outside it: every path is relative to the sandbox,
 * may not contain `..` or start at `/`, and must resolve (symlinks followed) inside the sandbox's
 * own real path.
 */

/** Listings stop here; a sandbox directory with more entries says it was cut. */
export const MAX_LISTING = 2000;

export interface SandboxPath {
  /** Relative to the sandbox, `/`-separated, '' for the sandbox itself. */
  readonly rel: string;
  /** The real path on disk, inside the sandbox. */
  readonly real: string;
  /** The sandbox's real path: what is opened is checked against it again (the path may change meanwhile). */
  readonly root: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly mtime: number;
}

/** Checks a path the user gave without touching the disk: relative, no `..`, no NUL. */
export function normalizeSandboxPath(raw: string): string {
  if (raw.includes('\0')) throw new ApiError('INVALID_PATH', 'The path contains a NUL byte');
  if (raw.startsWith('/')) {
    throw new ApiError('INVALID_PATH', `'${raw}' is an absolute path: give a path relative to the task sandbox`);
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ApiError('INVALID_PATH', `'${raw}' leaves the task sandbox: '..' is not allowed`);
  return parts.join('/');
}

/** Resolves a user's path inside the sandbox, refusing anything that would leave it. */
export async function resolveSandboxPath(sandbox: string, raw: string): Promise<SandboxPath> {
  const rel = normalizeSandboxPath(raw);
  const root = await realpath(sandbox);
  let real: string;
  try {
    real = await realpath(join(root, rel));
  } catch {
    // A dangling symlink lands here too. One pointing outside is refused like one whose target
    // exists, so the answer never tells whether a path outside the sandbox exists.
    if (await leavesSandbox(root, rel)) throw outside(rel);
    throw new ApiError('PATH_NOT_FOUND', `No file or directory '${rel}' in the task sandbox`);
  }
  if (real !== root && !real.startsWith(root + sep)) throw outside(rel);
  const info = await stat(real);
  return { rel, real, root, isDirectory: info.isDirectory(), size: info.size, mtime: info.mtimeMs };
}

function outside(rel: string): ApiError {
  return new ApiError('INVALID_PATH', `'${rel}' resolves outside the task sandbox (through a symlink): refused`);
}

/**
 * Whether following `rel` from the sandbox's root leaves it, by the symlinks' own targets, for a
 * path that does not resolve (a dangling link): the walk stops where a component is missing.
 */
export async function leavesSandbox(root: string, rel: string): Promise<boolean> {
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const pending = rel.split('/').filter(Boolean);
  let current = root;
  for (let hops = 0; pending.length > 0 && hops < 64; hops++) {
    const next = join(current, pending.shift()!);
    let info;
    try {
      info = await lstat(next);
    } catch {
      return !inside(next);
    }
    if (!info.isSymbolicLink()) {
      current = next;
      continue;
    }
    const target = await readlink(next);
    const resolved = target.startsWith('/') ? target : join(current, target);
    if (!inside(resolved)) return true;
    // Follow the link within the sandbox: its own components come first.
    pending.unshift(...resolved.slice(root.length).split('/').filter(Boolean));
    current = root;
  }
  return !inside(current);
}

/**
 * Opens a path checked before and checks again what was opened: a task may swap a directory for
 * a symlink between the check and the open, so the file descriptor's own path (Linux's
 * /proc/self/fd) must be inside the sandbox too. Where /proc cannot tell, the earlier check is all.
 */
export async function openInside(path: string, root: string, directory = false): Promise<FileHandle> {
  const handle = await open(path, directory ? constants.O_RDONLY | constants.O_DIRECTORY : constants.O_RDONLY);
  try {
    const actual = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (actual !== null && actual !== root && !actual.startsWith(root + sep)) {
      throw new ApiError('INVALID_PATH', 'The path resolves outside the task sandbox (through a symlink): refused');
    }
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

export async function listDirectory(taskId: string, sandbox: string, raw: string): Promise<SandboxListingResponse> {
  const dir = await resolveSandboxPath(sandbox, raw);
  if (!dir.isDirectory) throw new ApiError('INVALID_REQUEST', `'${dir.rel}' is a file, not a directory`);
  // Listed through the opened directory, so what is listed is what was checked.
  const handle = await openInside(dir.real, dir.root, true);
  let names: string[];
  try {
    const viaFd = `/proc/self/fd/${handle.fd}`;
    names = (await readdir(viaFd).catch(() => readdir(dir.real))).sort();
  } finally {
    await handle.close();
  }
  const entries = await Promise.all(
    names.slice(0, MAX_LISTING).map(async (name): Promise<SandboxEntry | null> => {
      try {
        const info = await lstat(join(dir.real, name));
        const type = info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
        return { name, path: dir.rel === '' ? name : `${dir.rel}/${name}`, type, size: info.size, mtime: info.mtimeMs };
      } catch {
        return null; // removed while listing
      }
    }),
  );
  return {
    taskId,
    path: dir.rel,
    entries: entries
      .filter((e): e is SandboxEntry => e !== null)
      .sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name)),
    truncated: names.length > MAX_LISTING,
  };
}

/** A file in the sandbox that can be read (not a directory). */
export async function resolveSandboxFile(sandbox: string, raw: string): Promise<SandboxPath> {
  const file = await resolveSandboxPath(sandbox, raw);
  if (file.isDirectory) throw new ApiError('INVALID_REQUEST', `'${file.rel || '.'}' is a directory, not a file`);
  return file;
}

export interface LogRef {
  readonly taskId: string;
  readonly process: string;
  readonly run: string;
  readonly stream: string;
}

/**
 * The file of a log, checked: each path component must be a plain name, and the file must
 * resolve (symlinks followed) inside the task's sandbox.
 */
export async function resolveLog(
  store: TaskStore,
  ref: LogRef,
): Promise<{ path: string; root: string; task: ObservedTask; stream: LogStream; run: number }> {
  for (const [what, value] of [
    ['task id', ref.taskId],
    ['process', ref.process],
    ['run', ref.run],
    ['stream', ref.stream],
  ] as const) {
    if (!isPlainName(value)) throw new ApiError('INVALID_PATH', `'${value}' is not a valid ${what}`);
  }
  if (!/^\d+$/.test(ref.run)) throw new ApiError('INVALID_PATH', `'${ref.run}' is not a run number`);
  if (!(LOG_STREAMS as readonly string[]).includes(ref.stream)) {
    throw new ApiError('INVALID_PATH', `'${ref.stream}' is not a log stream: use stdout or stderr`);
  }
  const stream = ref.stream as LogStream;
  const task = await store.get(ref.taskId);
  if (!(ref.process in task.state.processes)) {
    throw new ApiError('LOG_NOT_FOUND', `Task ${ref.taskId} has no process ${ref.process}`);
  }
  const wanted = logPath(task.sandbox, ref.process, ref.run, stream);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    throw new ApiError('LOG_NOT_FOUND', `No ${stream} for run ${ref.run} of process ${ref.process}`);
  }
  const root = await realpath(task.sandbox);
  if (!real.startsWith(root + sep)) throw new ApiError('INVALID_PATH', 'That log is outside the task sandbox');
  return { path: real, root, task, stream, run: Number(ref.run) };
}

/** `?offset=&length=` of a byte-range read; no offset means the tail of `length` bytes. */
export function parseRange(query: unknown, defaultLength: number, maxLength: number): { offset: number | undefined; length: number } {
  const q = (query ?? {}) as { offset?: string; length?: string };
  const num = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw)) throw new ApiError('INVALID_REQUEST', `${name} must be a number of bytes, not '${raw}'`);
    return Number(raw);
  };
  const length = num('length', q.length) ?? defaultLength;
  if (length < 1 || length > maxLength) throw new ApiError('INVALID_REQUEST', `length must be between 1 and ${maxLength} bytes`);
  return { offset: num('offset', q.offset), length };
}

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** Bytes from `end` back to the start of a UTF-8 character cut at the end of `buf`, or 0. */
export function cutCharacterBytes(buf: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, buf.length); back++) {
    const byte = buf[buf.length - back]!;
    if (isContinuation(byte)) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/**
 * Reads `length` bytes at `offset` (or the last `length` bytes), as UTF-8 text that neither
 * starts nor ends inside a character: `next` is where the following read should start.
 */
export async function readRange(path: string, offset: number | undefined, length: number, root: string): Promise<ByteRange> {
  const handle = await openInside(path, root);
  try {
    const { size } = await handle.stat();
    let start = offset === undefined ? Math.max(0, size - length) : Math.min(offset, size);
    const buf = Buffer.alloc(Math.min(length, size - start));
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    let bytes = buf.subarray(0, bytesRead);
    if (offset === undefined) {
      // A tail may begin inside a character: skip to the next one.
      let skip = 0;
      while (skip < Math.min(3, bytes.length) && isContinuation(bytes[skip]!)) skip++;
      bytes = bytes.subarray(skip);
      start += skip;
    }
    // Cut a character split at the end, unless that leaves nothing (a length too short for it).
    const cut = cutCharacterBytes(bytes);
    if (cut < bytes.length) bytes = bytes.subarray(0, bytes.length - cut);
    return { offset: start, next: start + bytes.length, size, data: bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** The last `bytes` bytes of a file (all of it if shorter), as text. */
export async function readTail(path: string, bytes: number, root: string): Promise<{ text: string; truncated: boolean; size: number }> {
  const range = await readRange(path, undefined, bytes, root);
  return { text: range.data, truncated: range.offset > 0, size: range.size };
}

/** The whole file as a stream. */
export async function readWhole(path: string, root: string): Promise<ReadStream> {
  const handle = await openInside(path, root);
  return handle.createReadStream();
}

/** A file name safe in a Content-Disposition header. */
export function attachmentName(...parts: string[]): string {
  return parts.join('-').replace(/[^\w.\-]+/g, '_') || 'file';
}

