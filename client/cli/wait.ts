import type { CommandContext } from './context.js';

export interface PollOptions<T> {
  /** Fetches the current state. */
  readonly poll: () => Promise<T>;
  readonly settled: (value: T) => boolean;
  /** The progress line for a state; printed whenever it changes. */
  readonly progress: (value: T) => string;
  readonly print: (line: string) => void;
  readonly timeoutMs: number;
}

/** The first poll interval; it grows by half each poll up to the context's interval. */
const FIRST_POLL_MS = 50;

/**
 * Polls until `settled` or the timeout passes (checked after each poll, so the state is always
 * fresh). Resolves to the last state and whether it timed out; the caller words the outcome.
 */
export async function pollUntil<T>(ctx: CommandContext, o: PollOptions<T>): Promise<{ value: T; timedOut: boolean }> {
  const deadline = ctx.now() + o.timeoutMs;
  let lastLine: string | undefined;
  // Most waits end within a second (placement takes milliseconds): poll fast first, then back off.
  let interval = Math.min(FIRST_POLL_MS, ctx.pollIntervalMs);
  for (;;) {
    const value = await o.poll();
    const line = o.progress(value);
    if (line !== lastLine) o.print(line);
    lastLine = line;
    if (o.settled(value)) return { value, timedOut: false };
    const left = deadline - ctx.now();
    if (left <= 0) return { value, timedOut: true };
    await ctx.sleep(Math.min(interval, left));
    interval = Math.min(interval * 1.5, ctx.pollIntervalMs);
  }
}
