import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import type { AgentCommandErrorCode } from '../../scheduler/api/task-commands-api.js';
import { normalizeSandboxPath, openInside, resolveSandboxPath, type SandboxPath } from '../observer/sandbox-files.js';
import type { UnixUser } from '../runner/users.js';

/**
 * `aurora task scp` on the agent: one file read from or written into a task's sandbox, and
 * nothing outside it. Paths are checked by the observer's rules (sandbox-files.ts: relative, no
 * `..`, resolving inside the sandbox's real path, symlinks followed and checked) and what is
 * opened is checked again (openInside), so a task swapping a directory for a symlink meanwhile
 * gets a refusal. A write goes to a new file in the checked directory (through its descriptor)
 * and is renamed over the target, so it never writes through a symlink or a hard link; the file
 * belongs to the task's user.
 */

/** Why a transfer was refused, with the code the scheduler passes on. */
export class TransferError extends Error {
  override readonly name = 'TransferError';
  constructor(
    readonly code: AgentCommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A path as the user gave it, relative to the sandbox: an absolute path is taken only when it is
 * inside the sandbox (as `aurora task ssh` shows it).
 */
export async function sandboxRelative(sandbox: string, raw: string): Promise<string> {
  if (!raw.startsWith('/')) return checked(() => normalizeSandboxPath(raw));
  const normal = posix.normalize(raw);
  for (const root of new Set([sandbox.replace(/\/+$/, ''), await realpath(sandbox).catch(() => sandbox)])) {
    if (normal === root) return '';
    if (normal.startsWith(`${root}/`)) return checked(() => normalizeSandboxPath(normal.slice(root.length + 1)));
  }
  throw new TransferError('INVALID_PATH', `'${raw}' is outside the task sandbox: give a path relative to the sandbox`);
}

/** The observer's refusals (errors with a code: INVALID_PATH, PATH_NOT_FOUND, INVALID_REQUEST) as transfer errors. */
async function checked<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && (code === 'INVALID_PATH' || code === 'PATH_NOT_FOUND' || code === 'INVALID_REQUEST')) {
      throw new TransferError(code === 'INVALID_REQUEST' ? 'NOT_A_FILE' : code, err.message);
    }
    throw err;
  }
}

export interface ReadResult {
  /** Relative to the sandbox. */
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  readonly data: Buffer;
}

/** One regular file of the sandbox, at most `maxBytes`. */
export async function readSandboxFile(sandbox: string, raw: string, maxBytes: number): Promise<ReadResult> {
  const rel = await sandboxRelative(sandbox, raw);
  const file = await checked(() => resolveSandboxPath(sandbox, rel));
  if (file.isDirectory) throw new TransferError('NOT_A_FILE', `'${file.rel || '.'}' is a directory; aurora task scp copies one file at a time`);
  const handle = await checked(() => openInside(file.real, file.root));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new TransferError('NOT_A_FILE', `'${file.rel}' is not a regular file`);
    if (info.size > maxBytes) throw tooLarge(file.rel, info.size, maxBytes);
    // Read at most one byte over the limit: a file that grows meanwhile is refused, not cut.
    const buf = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buf.length) break;
    }
    if (length > maxBytes) throw tooLarge(file.rel, length, maxBytes);
    return { path: file.rel, size: length, mode: info.mode & 0o7777, data: buf.subarray(0, length) };
  } finally {
    await handle.close();
  }
}

export interface WriteRequest {
  /** Where, as the user gave it; an existing directory takes the file under `name`. */
  readonly path: string;
  /** The file's own name (its source's). */
  readonly name: string;
  readonly data: Buffer;
  readonly mode: number;
  /** Owner of the new file; null leaves it the agent's. */
  readonly owner: UnixUser | null;
}

/** Writes a file into the sandbox; resolves to where it went, relative to the sandbox. */
export async function writeSandboxFile(sandbox: string, req: WriteRequest): Promise<string> {
  if (req.name.includes('/') || req.name === '.' || req.name === '..' || req.name === '') {
    throw new TransferError('INVALID_PATH', `'${req.name}' is not a file name`);
  }
  const rel = await sandboxRelative(sandbox, req.path);
  // The directory and the name the file gets: into an existing directory under its own name,
  // else as the path says (the directory it names must exist).
  let dir: SandboxPath;
  let name: string;
  const target = rel === '' ? null : await checked(() => resolveSandboxPath(sandbox, rel)).catch((err: unknown) => {
    if (err instanceof TransferError && err.code === 'PATH_NOT_FOUND') return null;
    throw err;
  });
  if (rel === '' || target?.isDirectory) {
    dir = await checked(() => resolveSandboxPath(sandbox, rel));
    name = req.name;
  } else {
    const parent = posix.dirname(rel);
    name = posix.basename(rel);
    dir = await checked(() => resolveSandboxPath(sandbox, parent === '.' ? '' : parent)).catch((err: unknown) => {
      if (err instanceof TransferError && err.code === 'PATH_NOT_FOUND') {
        throw new TransferError('PATH_NOT_FOUND', `no directory '${parent}' in the task sandbox to put '${name}' in`);
      }
      throw err;
    });
    if (!dir.isDirectory) throw new TransferError('PATH_NOT_FOUND', `'${parent}' in the task sandbox is not a directory`);
  }
  const written = dir.rel === '' ? name : `${dir.rel}/${name}`;
  const handle = await checked(() => openInside(dir.real, dir.root, true));
  try {
    // Through the checked directory's descriptor where /proc shows it, so a swap of the
    // directory meanwhile changes nothing; its real path (checked just now) otherwise.
    const viaFd = `/proc/self/fd/${handle.fd}`;
    const base = (await realpath(viaFd).then(() => true, () => false)) ? viaFd : dir.real;
    const temp = `${base}/.aurora-scp-${randomBytes(6).toString('hex')}`;
    await writeNew(temp, req);
    try {
      await rename(temp, `${base}/${name}`);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EISDIR' || e.code === 'ENOTEMPTY' || e.code === 'EEXIST') throw new TransferError('NOT_A_FILE', `'${written}' is a directory in the task sandbox`);
      throw err;
    }
  } finally {
    await handle.close();
  }
  return written;
}

/** A new file (never an existing one, never through a symlink) with the data, mode and owner. */
async function writeNew(path: string, req: WriteRequest): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw new TransferError('FAILED', `cannot create the file: ${(err as Error).message}`);
  }
  try {
    await file.writeFile(req.data);
    if (req.owner) await file.chown(req.owner.uid, req.owner.gid);
    await file.chmod(req.mode & 0o777);
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw new TransferError('FAILED', `cannot write the file: ${(err as Error).message}`);
  }
  await file.close();
}

function tooLarge(rel: string, size: number, max: number): TransferError {
  return new TransferError('FILE_TOO_LARGE', `'${rel}' is ${size} bytes; aurora task scp copies files of at most ${max} bytes`);
}
