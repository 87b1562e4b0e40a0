import { terminalSafe } from './terminal-text.js';

/**
 * The pure parts of `aurora task run|scp|ssh`: the output lines of a run, the operands of scp,
 * and the ssh command line, each as Aurora's client made them.
 */

/** What one instance's run came to, as `--json` prints it. */
export interface RunOutcome {
  readonly instance: number;
  readonly host: string | null;
  readonly taskId: string | null;
  /** The command's exit status; null when it was killed for its time or did not run. */
  readonly exitCode: number | null;
  readonly output: string;
  readonly truncated: boolean;
  readonly timedOut: boolean;
  /** Why the command did not run there (the scheduler's or agent's words), or null. */
  readonly error: string | null;
}

/**
 * Aurora's lines for one instance's output: `host:  line` for each line (two spaces, so `awk
 * '{print $2}'` gives the line's first word). On a terminal, control characters other than tab
 * are shown escaped; piped, the lines are as the command wrote them.
 */
export function formatRunOutput(host: string, output: string, onTerminal: boolean): string[] {
  const lines = output.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  const safeHost = terminalSafe(host);
  return lines.map((line) => `${safeHost}:  ${onTerminal ? line.split('\t').map(terminalSafe).join('\t') : line}`);
}

/** What stderr says of an instance whose run was not plainly a success, or null. */
export function runNote(o: RunOutcome): string | null {
  const where = `instance ${o.instance}${o.host ? ` on ${terminalSafe(o.host)}` : ''}`;
  if (o.error !== null) return `${where}: not run: ${terminalSafe(o.error)}`;
  const notes: string[] = [];
  if (o.timedOut) notes.push('killed after its timeout');
  else if (o.exitCode !== 0) notes.push(`exit status ${o.exitCode ?? 'unknown'}`);
  if (o.truncated) notes.push('output cut at 1 MiB');
  return notes.length > 0 ? `${where}: ${notes.join('; ')}` : null;
}

/** Whether the instance ran the command and it exited 0. */
export function runSucceeded(o: RunOutcome): boolean {
  return o.error === null && !o.timedOut && o.exitCode === 0;
}

/** One operand of `aurora task scp`: a local path, or a path in an instance's sandbox. */
export type ScpOperand =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'task'; readonly key: string; readonly instance: number; readonly path: string; readonly text: string };

/** Thrown for an operand Aurora's client refused too (exit INVALID_PARAMETER). */
export class ScpOperandError extends Error {
  override readonly name = 'ScpOperandError';
}

/**
 * `[CLUSTER/ROLE/ENV/NAME/INSTANCE:]path`, as Aurora's client reads it: a colon after a task
 * instance key makes the rest a path in that instance's sandbox (relative to it; '' is the
 * sandbox itself); anything else is a local path. The key's parts are checked by the caller.
 */
export function parseScpOperand(text: string): ScpOperand {
  const colon = text.indexOf(':');
  const head = colon < 0 ? '' : text.slice(0, colon);
  const parts = head.split('/');
  if (colon < 0 || parts.length !== 5) return { kind: 'local', path: text };
  const instance = parts[4] ?? '';
  if (!/^\d+$/.test(instance)) throw new ScpOperandError(`Instance must be an integer, but got ${instance} (in ${text})`);
  const path = text.slice(colon + 1);
  if (path === '~' || path.startsWith('~/')) throw new ScpOperandError(`Command does not support tilde expansion for path: ${path}`);
  return { kind: 'task', key: parts.slice(0, 4).join('/'), instance: Number(instance), path, text };
}

/** The last component of a path (`a/b.txt` → `b.txt`), or '' for a directory-like one. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed !== path) return '';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** How a refused task path reads, with the file name it would have had (`../../f.txt`). */
export function targetShown(path: string, name: string): string {
  return path === '' || path.endsWith('/') ? `${path}${name}` : path;
}

/** A word as the remote shell reads it: as it is when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SshPlan {
  readonly user: string;
  readonly host: string;
  /** The sandbox to cd into, or null when the agent did not say (an older agent). */
  readonly sandbox: string | null;
  /** The remote command after substitution; Aurora's default is `bash`. */
  readonly command: string;
  /** `--ssh-options`, split on whitespace as Aurora's client does. */
  readonly sshOptions: readonly string[];
  /** `-L PORT:NAME` tunnels, resolved to the task's port numbers. */
  readonly tunnels: readonly { readonly localPort: number; readonly remotePort: number }[];
}

/**
 * The arguments of ssh (after the program), as Aurora's client made them: `-t`, the user's ssh
 * options, a `-L local:host:remote` per tunnel, `user@host`, and `cd <sandbox>;<command>`.
 */
export function sshArguments(p: SshPlan): string[] {
  const remote = p.sandbox === null ? p.command : `cd ${shellWord(p.sandbox)};${p.command}`;
  return ['-t', ...p.sshOptions, ...p.tunnels.flatMap((t) => ['-L', `${t.localPort}:${p.host}:${t.remotePort}`]), `${p.user}@${p.host}`, remote];
}

/** `PORT:NAME` of `--tunnels`/`-L`, or null when it is not of that form. */
export function parseTunnel(text: string): { localPort: number; name: string } | null {
  const m = /^(\d{1,5}):([^:]+)$/.exec(text);
  if (!m || Number(m[1]) > 65535) return null;
  return { localPort: Number(m[1]), name: m[2] as string };
}
