import { TERMINAL_STATES, type TaskState } from '../api/task.js';

/**
 * The life of one task as a table of legal transitions. Like Aurora's TaskStateMachine it only
 * decides: it returns the side effects a transition calls for and the caller performs them.
 */

/** What the caller must do because a task changed state. */
export type SideEffect =
  /** Persist the new state and append it to the task's event history. */
  | { readonly kind: 'SAVE_STATE' }
  /** Tell the task's agent to kill it (on the agent's next sync, waking a held long poll). */
  | { readonly kind: 'KILL' }
  /** Add a new PENDING task for the same instance, carrying this failure count. */
  | { readonly kind: 'RESCHEDULE'; readonly failureCount: number }
  /** The task is over for good; if its job is being removed this may have been its last task. */
  | { readonly kind: 'DELETE_IF_JOB_DONE' };

export type SideEffectKind = SideEffect['kind'];

/** What the state machine needs to know about the task's job to decide on rescheduling. */
export interface RescheduleContext {
  /** A service is restarted however it ends. */
  readonly service: boolean;
  /** Failures before a non-service instance is given up; -1 means never give up. */
  readonly maxTaskFailures: number;
  /** Failures of earlier runs of this instance (the task's own count). */
  readonly failureCount: number;
}

export type TransitionResult =
  | { readonly ok: true; readonly from: TaskState; readonly to: TaskState; readonly effects: readonly SideEffect[] }
  | { readonly ok: false; readonly from: TaskState; readonly to: TaskState; readonly reason: string };

/** A task leaving these states was killed on purpose (by a user) and never runs again... */
const KILL_REQUESTED: ReadonlySet<TaskState> = new Set(['PENDING', 'THROTTLED', 'KILLING']);
/** ...while these end in order to run again (restart, preemption, drain). */
const ENDING_TO_RUN_AGAIN: ReadonlySet<TaskState> = new Set(['RESTARTING', 'PREEMPTING', 'DRAINING']);

const ENDINGS: readonly TaskState[] = ['FINISHED', 'FAILED', 'KILLED', 'LOST'];

/** For each state, the states it may move to. Terminal states move nowhere. */
export const LEGAL_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  PENDING: ['ASSIGNED', 'THROTTLED', 'KILLED'],
  THROTTLED: ['PENDING', 'KILLED'],
  ASSIGNED: ['STARTING', 'RUNNING', 'KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING', 'PARTITIONED', ...ENDINGS],
  STARTING: ['RUNNING', 'KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING', 'PARTITIONED', ...ENDINGS],
  RUNNING: ['KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING', 'PARTITIONED', ...ENDINGS],
  KILLING: ENDINGS,
  RESTARTING: ['KILLING', ...ENDINGS],
  PREEMPTING: ['KILLING', ...ENDINGS],
  DRAINING: ['KILLING', ...ENDINGS],
  /** Its agent stopped syncing. It comes back (STARTING, RUNNING, an ending), is given up (LOST) or killed. */
  PARTITIONED: ['STARTING', 'RUNNING', 'KILLING', ...ENDINGS],
  FINISHED: [],
  FAILED: [],
  KILLED: [],
  LOST: [],
};

/** Decides whether `from → to` is legal and what it entails. */
export function transition(from: TaskState, to: TaskState, ctx: RescheduleContext): TransitionResult {
  if (from === to) return { ok: false, from, to, reason: `task is already ${from}` };
  if (TERMINAL_STATES.has(from)) {
    return { ok: false, from, to, reason: `task is ${from}, which is final; a new task is created to run it again` };
  }
  if (!LEGAL_TRANSITIONS[from].includes(to)) {
    return { ok: false, from, to, reason: `a ${from} task cannot become ${to}` };
  }
  const effects: SideEffect[] = [{ kind: 'SAVE_STATE' }];
  if (to === 'KILLING' || ENDING_TO_RUN_AGAIN.has(to)) effects.push({ kind: 'KILL' });
  if (TERMINAL_STATES.has(to)) {
    const failureCount = ctx.failureCount + (to === 'FAILED' ? 1 : 0);
    if (ENDING_TO_RUN_AGAIN.has(from) || (!KILL_REQUESTED.has(from) && shouldReschedule(to, failureCount, ctx))) {
      effects.push({ kind: 'RESCHEDULE', failureCount });
    } else {
      effects.push({ kind: 'DELETE_IF_JOB_DONE' });
    }
  }
  return { ok: true, from, to, effects };
}

/**
 * Aurora's rule: a service runs again however it ends; other jobs retry FAILED and LOST runs
 * while the instance has failed fewer than maxTaskFailures times (LOST is not the task's fault
 * and does not count). A user's kill goes through KILLING (or hits a PENDING task) and is
 * filtered out before this; a KILLED that nobody asked for (the agent or an operator killed the
 * processes) counts like LOST.
 */
function shouldReschedule(ended: TaskState, failureCount: number, ctx: RescheduleContext): boolean {
  if (ctx.service) return true;
  if (ended === 'FINISHED') return false;
  return ctx.maxTaskFailures === -1 || failureCount < ctx.maxTaskFailures;
}
