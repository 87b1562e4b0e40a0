/** Following an update until it ends (`aurora update wait`, `update start --wait`, `job restart`). */
import { formatJobKey, type JobKey } from '../../dsl/key.js';
import { ACTIVE_UPDATE_STATUSES, type JobUpdate, type UpdateStatus } from '../../scheduler/api/updates-api.js';
import type { SchedulerClient } from '../api/index.js';
import { ApiCallError, CommandFailureError, InterruptedError, InvalidParameterError, UpdateEndedError } from '../errors.js';
import type { Output } from './context.js';
import type { CommandContext } from './context.js';
import { updateFailureDetails, updateProgressLine } from './update-format.js';
import { watchUntil } from './wait.js';

/**
 * Progress on stdout: on a terminal one line, rewritten as it changes; elsewhere (a pipe, a log)
 * a line per change, so nothing in a log is a carriage return.
 */
export interface ProgressDisplay {
  show(line: string): void;
  /** Ends the rewritten line (on a terminal), so what follows starts on a line of its own. */
  end(): void;
}

export function progressDisplay(out: Output): ProgressDisplay {
  if (!out.isTTY) return { show: (line) => void out.write(`${line}\n`), end: () => undefined };
  let open = false;
  return {
    show: (line) => {
      // A line longer than the terminal wraps, and \r would then rewrite only its last row.
      const width = out.columns && out.columns > 1 ? out.columns - 1 : undefined;
      const fitted = width !== undefined && line.length > width ? `${line.slice(0, width - 1)}…` : line;
      out.write(`\r\x1b[2K${fitted}`);
      open = true;
    },
    end: () => {
      if (open) out.write('\n');
      open = false;
    },
  };
}

/** Which way the caller asked the update to go: forward (start, wait, restart) or back (rollback). */
export type UpdateGoal = 'forward' | 'back';

export function isActive(status: UpdateStatus): boolean {
  return ACTIVE_UPDATE_STATUSES.has(status);
}

/**
 * The error an ended update means, as Aurora's client decides: none when it reached the goal,
 * COMMAND_FAILURE (4) when it went the other way (ROLLED_BACK when forward was asked), and
 * UNKNOWN_ERROR (20) for ABORTED, ERROR and FAILED. Pure.
 */
export function outcomeError(u: JobUpdate, goal: UpdateGoal): Error | undefined {
  const [reached, other] = goal === 'forward' ? ['ROLLED_FORWARD', 'ROLLED_BACK'] : ['ROLLED_BACK', 'ROLLED_FORWARD'];
  if (u.status === reached) return undefined;
  const what = `${u.kind === 'restart' ? 'Restart' : 'Update'} ${u.id} of ${formatJobKey(u.job)} ended ${u.status}`;
  const details = updateFailureDetails(u);
  if (u.status === other) return new CommandFailureError(what, { details });
  return new UpdateEndedError(what, { details });
}

/**
 * Follows `update` until it ends, each read held by the scheduler until the update changes
 * (`GET .../updates/ID?since=lastModifiedAt&waitMs=`), showing its progress. Resolves to the
 * ended update, or throws the error its outcome means (see outcomeError). Ctrl-C ends the wait
 * only: the update goes on.
 */
export async function followUpdate(ctx: CommandContext, client: SchedulerClient, key: JobKey, update: JobUpdate, goal: UpdateGoal): Promise<JobUpdate> {
  const display = progressDisplay(ctx.stdout);
  let ended = update;
  try {
    if (isActive(update.status)) {
      const { value } = await watchUntil(ctx, {
        since: update.lastModifiedAt,
        sinceLine: updateProgressLine(update),
        read: async (since, waitMs) => {
          const u = await readUpdate(client, key, update.id, since, waitMs);
          return { version: u.lastModifiedAt, value: u };
        },
        settled: (u) => !isActive(u.status),
        progress: updateProgressLine,
        print: (line) => display.show(line),
        // As Aurora's `update wait`: no time limit; Ctrl-C ends the wait.
        timeoutMs: Number.POSITIVE_INFINITY,
      });
      ended = value;
    } else {
      display.show(updateProgressLine(update));
    }
  } catch (err) {
    if (err instanceof InterruptedError) {
      throw new InterruptedError(
        `interrupted; ${update.kind} ${update.id} goes on (aurora update info|pause|abort ${formatJobKey(key)})`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    display.end();
  }
  const failure = outcomeError(ended, goal);
  if (failure) throw failure;
  return ended;
}

async function readUpdate(client: SchedulerClient, key: JobKey, id: string, since: number | undefined, waitMs: number): Promise<JobUpdate> {
  try {
    return await client.getUpdate(key, id, since === undefined ? {} : { since, waitMs });
  } catch (err) {
    throw notFound(err, key, id) ?? err;
  }
}

/** The CLI's error for an update that is not there (exit 6, as Aurora's), or undefined for any other error. */
export function notFound(err: unknown, key: JobKey, id: string): Error | undefined {
  if (!(err instanceof ApiCallError)) return undefined;
  if (err.code === 'NO_ACTIVE_UPDATE') return new InvalidParameterError('No active update found for this job.', { cause: err });
  if (err.code === 'UPDATE_NOT_FOUND') return new InvalidParameterError(`Job update not found: ${formatJobKey(key)} has no update ${id}.`, { cause: err });
  return undefined;
}
