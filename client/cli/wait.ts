import { MAX_JOB_WAIT_MS } from '../api/wire.js';
import type { CommandContext } from './context.js';

/** One answer of a read: the state, and the job version it reflects (undefined: nothing to wait on). */
export interface Observed<T> {
  readonly version: number | undefined;
  readonly value: T;
}

export interface WatchOptions<T> {
  /**
   * Reads the state: at once when `since` is undefined, else once the job's version differs from
   * `since` or `waitMs` is over (the scheduler holds the read: `GET job?since=&waitMs=`).
   */
  readonly read: (since: number | undefined, waitMs: number) => Promise<Observed<T>>;
  /** The version the caller already knows the state of (the create response's), so the first read waits. */
  readonly since?: number | undefined;
  /** The progress line of that known state, printed at once so a wait never starts silent. */
  readonly sinceLine?: string | undefined;
  readonly settled: (value: T) => boolean;
  /** The progress line for a state; printed whenever it changes. */
  readonly print: (line: string) => void;
  readonly progress: (value: T) => string;
  readonly timeoutMs: number;
}

/** The first pause when a read could not wait; it grows by half each time up to the context's interval. */
const FIRST_PAUSE_MS = 50;

/**
 * Follows a job until `settled` or the timeout passes, each read held by the scheduler until
 * something changes, so a change is seen as soon as it happens and nothing polls. The timeout is
 * checked after each read, so the state is always fresh. When a read cannot wait (the job is
 * gone, or the scheduler answered unchanged before the wait was over) it pauses with back-off
 * before the next one rather than spin. Resolves to the last state and whether it timed out;
 * the caller words the outcome.
 */
export async function watchUntil<T>(ctx: CommandContext, o: WatchOptions<T>): Promise<{ value: T; timedOut: boolean }> {
  const deadline = ctx.now() + o.timeoutMs;
  let since = o.since;
  let lastLine = o.sinceLine;
  if (lastLine !== undefined) o.print(lastLine);
  let pause = Math.min(FIRST_PAUSE_MS, ctx.pollIntervalMs);
  for (;;) {
    const asked = ctx.now();
    const waitMs = since === undefined ? 0 : Math.ceil(Math.max(0, Math.min(deadline - asked, MAX_JOB_WAIT_MS)));
    const { version, value } = await o.read(since, waitMs);
    const line = o.progress(value);
    if (line !== lastLine) o.print(line);
    lastLine = line;
    if (o.settled(value)) return { value, timedOut: false };
    const now = ctx.now();
    if (now >= deadline) return { value, timedOut: true };
    const heldAsAsked = version !== undefined && (version !== since || now - asked >= waitMs);
    if (heldAsAsked) {
      pause = Math.min(FIRST_PAUSE_MS, ctx.pollIntervalMs);
    } else {
      await ctx.sleep(Math.min(pause, deadline - now));
      pause = Math.min(Math.round(pause * 1.5), ctx.pollIntervalMs);
    }
    since = version;
  }
}
