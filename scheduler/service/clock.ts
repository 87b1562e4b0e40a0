/** Where the scheduler's shell reads the time; tests pass a fake one. Core code never reads it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
