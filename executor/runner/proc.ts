import { readdirSync, readFileSync } from 'node:fs';
import { parseProcStat, type ProcStat } from '../core/resource-usage.js';

/** Reading /proc (Linux). Elsewhere every function answers "unknown" (null or empty). */

/** Bytes per page of /proc's rss; 4 KiB on the platforms Node runs on with Linux (x86-64, arm64 with 4 KiB pages). */
export const PAGE_SIZE = 4096;
/** Clock ticks per second of /proc's cpu times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Every process on the host by pid. */
export function scanProcs(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat) out.set(stat.pid, stat);
  }
  return out;
}

/**
 * Whether `pid` is still the process that was started with `startTicks`. False when it is gone
 * or the pid now names another process; null when this cannot be told (no /proc, or no start
 * time was recorded).
 */
export function isSameProcess(pid: number, startTicks: number | undefined): boolean | null {
  if (startTicks === undefined || process.platform !== 'linux') return null;
  const stat = readProcStat(pid);
  if (!stat) return false;
  return stat.startTicks === startTicks;
}
