/** The tests' clock: the CLI reads it and sleeps on it; a test scheduler may move it (compressWaitsOn). */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

/** A clock at `start` that moves only when advanced. */
export function testClock(start = Date.UTC(2024, 0, 1, 0, 1)): TestClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
