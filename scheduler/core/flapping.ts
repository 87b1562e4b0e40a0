/**
 * Aurora's flapping penalty: an instance whose task ended on its own soon after it started is
 * not rescheduled at once but held THROTTLED, for a delay that doubles while it keeps flapping.
 * This keeps a crash-looping service from churning through tasks as fast as agents can sync.
 */
export interface FlappingPolicy {
  /** A task that ran (RUNNING) for less than this before it ended is flapping. */
  readonly thresholdMs: number;
  /** The first penalty. */
  readonly initialDelayMs: number;
  /** The penalty doubles up to this. */
  readonly maxDelayMs: number;
  /**
   * The first hold of an instance whose task was LOST within `thresholdMs` of being assigned
   * (an agent that cannot start it, or keeps going away). It doubles like the flapping
   * penalty, so one bad agent cannot make a storm of replacements.
   */
  readonly lostInitialDelayMs: number;
}

/** Aurora's defaults: flapping under 5 minutes, held 30 s at first, at most 5 minutes. */
export const DEFAULT_FLAPPING_POLICY: FlappingPolicy = {
  thresholdMs: 5 * 60_000,
  initialDelayMs: 30_000,
  maxDelayMs: 5 * 60_000,
  lostInitialDelayMs: 5_000,
};

export interface EndedRun {
  /** How the task ended. KILLED is not held; LOST is held with its own first delay. */
  readonly endedAs: 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST';
  /** How long it was RUNNING before it ended (for LOST: since it was ASSIGNED); 0 when it never got there. */
  readonly ranForMs: number;
  /** The penalty the ended task itself was held for, 0 if none. */
  readonly previousPenaltyMs: number;
}

/** How long the replacement of an ended task is held THROTTLED; 0 means it is PENDING at once. */
export function flappingPenaltyMs(run: EndedRun, policy: FlappingPolicy): number {
  if (run.endedAs === 'KILLED') return 0;
  if (run.ranForMs >= policy.thresholdMs) return 0;
  if (run.previousPenaltyMs <= 0) return run.endedAs === 'LOST' ? policy.lostInitialDelayMs : policy.initialDelayMs;
  return Math.min(run.previousPenaltyMs * 2, policy.maxDelayMs);
}

/** Milliseconds between a task's first `since` event (RUNNING by default) and `endedAt`; 0 when it never got there. */
export function ranForMs(
  events: readonly { readonly state: string; readonly at: number }[],
  endedAt: number,
  since: 'RUNNING' | 'ASSIGNED' = 'RUNNING',
): number {
  const first = events.find((e) => e.state === since);
  return first ? Math.max(0, endedAt - first.at) : 0;
}
