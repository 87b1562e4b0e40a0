/**
 * Which finished tasks' sandboxes to delete: those that ended more than `maxAgeMs` ago, then,
 * while all sandboxes together hold more than `maxTotalBytes`, the oldest finished ones. A task
 * that is not over is never chosen, whatever the disk use. Pure.
 */

export interface SandboxInfo {
  readonly taskId: string;
  /** The task is over (its checkpoint says FINISHED, FAILED or KILLED). */
  readonly terminal: boolean;
  /** When it ended; null while it runs (or when unknown). */
  readonly endedAt: number | null;
  readonly bytes: number;
}

export interface GcPolicy {
  readonly maxAgeMs: number;
  readonly maxTotalBytes: number;
}

export interface GcChoice {
  readonly taskId: string;
  /** "ended 4 days ago" or "sandboxes hold 12 GiB" in words, for the agent log. */
  readonly why: 'age' | 'disk';
}

export function sandboxesToCollect(sandboxes: readonly SandboxInfo[], now: number, policy: GcPolicy): GcChoice[] {
  const chosen: GcChoice[] = [];
  const finished = sandboxes
    .filter((s) => s.terminal)
    .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0) || a.taskId.localeCompare(b.taskId));
  let total = sandboxes.reduce((sum, s) => sum + s.bytes, 0);
  for (const s of finished) {
    if (s.endedAt === null || now - s.endedAt >= policy.maxAgeMs) {
      chosen.push({ taskId: s.taskId, why: 'age' });
      total -= s.bytes;
    }
  }
  for (const s of finished) {
    if (total <= policy.maxTotalBytes) break;
    if (chosen.some((c) => c.taskId === s.taskId)) continue;
    chosen.push({ taskId: s.taskId, why: 'disk' });
    total -= s.bytes;
  }
  return chosen;
}
