import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Process groups: every run of a process is the leader of its own group, so one signal reaches
 * the command and everything it started.
 */

/** Sends a signal to a whole group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw err;
  }
}

/**
 * Whether anything of the group still runs. A group whose members are all zombies (dead, not
 * yet reaped by their parent or init) counts as gone; on Linux /proc tells them apart.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

export interface TerminateOptions {
  /** How long the group has after SIGTERM before SIGKILL. */
  readonly graceMs: number;
  /** How often to look whether it is gone. @default 50 */
  readonly pollMs?: number;
  /** How long to wait for the group to vanish after SIGKILL before giving up. @default 10000 */
  readonly killWaitMs?: number;
}

export interface TerminateResult {
  /** SIGKILL was needed. */
  readonly escalated: boolean;
  /** The group is gone. */
  readonly gone: boolean;
}

/** SIGTERM to the group, then SIGKILL after the grace period if anything is left. */
export async function terminateGroup(pgid: number, options: TerminateOptions): Promise<TerminateResult> {
  const pollMs = options.pollMs ?? 50;
  if (!signalGroup(pgid, 'SIGTERM')) return { escalated: false, gone: true };
  const graceEnd = Date.now() + options.graceMs;
  while (Date.now() < graceEnd) {
    if (!isGroupAlive(pgid)) return { escalated: false, gone: true };
    await sleep(pollMs);
  }
  if (!isGroupAlive(pgid)) return { escalated: false, gone: true };
  signalGroup(pgid, 'SIGKILL');
  const killEnd = Date.now() + (options.killWaitMs ?? 10_000);
  while (Date.now() < killEnd) {
    if (!isGroupAlive(pgid)) return { escalated: true, gone: true };
    await sleep(pollMs);
  }
  return { escalated: true, gone: !isGroupAlive(pgid) };
}
