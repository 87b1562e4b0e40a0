import { TERMINAL_STATES, type TaskState } from '../../api/constants.js';
import { SLA_HOLD_PREFIX, SLA_PASSED_MESSAGE, type InstanceEvent, type InstanceProgress, type UpdateSettings } from '../../api/updates-api.js';
import type { CoordinatorQuestion } from '../sla-coordinator.js';
import type { InstanceObservation } from './observation.js';
import type { SlaVerdict } from './sla.js';
import type { Direction } from './update-record.js';

/**
 * One instance of an update (Aurora's InstanceUpdater): from what the instance's current task is,
 * decide whether to take it down, add one, keep watching, or call the instance done. It decides
 * from observations only, so asking again with the same observation asks for nothing new.
 */

/** What the update asks the scheduler to do for one instance. */
export type UpdateAction =
  /** Move the task to RESTARTING; once it ended, reschedule the instance on desiredSpecFor(update, instance). */
  | { kind: 'replace'; instance: number; taskId: string; message: string }
  /** KILLING, final: the update removes the instance. */
  | { kind: 'kill'; instance: number; taskId: string; message: string }
  /** A new PENDING task for an instance that has no active task. */
  | { kind: 'add'; instance: number; specHash: string };

export interface InstanceContext {
  readonly updateId: string;
  readonly kind: 'update' | 'restart';
  readonly direction: Direction;
  readonly settings: UpdateSettings;
  readonly now: number;
  /** Whether the job's SLA lets this instance's RUNNING task go down now. */
  readonly mayTakeDown: (instance: number) => SlaVerdict;
  /** Why the SLA holds the instance as its events last said (see SLA_HOLD_PREFIX); null when it is not held. */
  readonly heldFor: (instance: number) => string | null;
}

export interface InstanceOutcome {
  /** The same object when nothing changed. */
  readonly progress: InstanceProgress;
  readonly action: UpdateAction | null;
  /** Evaluate again then even if nothing changes (end of the watch, SLA). */
  readonly wakeAt: number | null;
  /** Set when the instance finished (SUCCEEDED or FAILED) in this evaluation. */
  readonly event: InstanceEvent | null;
  /** A coordinator to ask before the task may go (a coordinator SLA policy). */
  readonly ask?: CoordinatorQuestion;
  /**
   * An event of the instance that does not finish it: the SLA holds it (with why, when that is
   * new), or let it go after holding it.
   */
  readonly note?: InstanceEvent;
  /** The job's SLA holds the instance: its task may not go down yet. */
  readonly held?: true;
}

/** The task is already on its way out; whatever replaces it is the scheduler's (desiredSpecFor). */
const GOING_AWAY: ReadonlySet<TaskState> = new Set<TaskState>(['KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING']);

const SUCCEEDED_ACTION = { forward: 'INSTANCE_UPDATED', back: 'INSTANCE_ROLLED_BACK' } as const;
const FAILED_ACTION = { forward: 'INSTANCE_UPDATE_FAILED', back: 'INSTANCE_ROLLBACK_FAILED' } as const;

/** The spec the instance must run in this direction; null: it must not run. */
export function targetSpec(p: InstanceProgress, direction: Direction): string | null {
  return direction === 'forward' ? p.toSpecHash : p.fromSpecHash;
}

/**
 * Evaluates an UPDATING instance. An instance the SLA held before and holds no more gets an
 * event saying so, so its latest event never claims a hold that is over.
 */
export function evaluateInstance(p: InstanceProgress, obs: InstanceObservation | undefined, ctx: InstanceContext): InstanceOutcome {
  const outcome = evaluateUpdating(p, obs, ctx);
  if (outcome.held || outcome.note || outcome.event || ctx.heldFor(p.instance) === null) return outcome;
  const why = obs === undefined ? 'the instance has no task' : `task ${obs.taskId} is ${obs.state}`;
  return { ...outcome, note: progressEvent(p, `No SLA check needed any more: ${why}`, ctx) };
}

function evaluateUpdating(p: InstanceProgress, obs: InstanceObservation | undefined, ctx: InstanceContext): InstanceOutcome {
  const target = targetSpec(p, ctx.direction);
  let progress = p;

  // The updater never takes down a task on the target spec, so a watched task that is no longer
  // the instance's active one ended on its own (or by someone else's hand): a failure. The
  // scheduler may already have replaced it, so the observation may show its successor.
  if (p.watchTaskId !== null && (obs === undefined || obs.taskId !== p.watchTaskId || TERMINAL_STATES.has(obs.state))) {
    const failures = p.failures + 1;
    progress = { ...p, failures, watchTaskId: null, healthySince: null };
    if (failures > ctx.settings.maxPerInstanceFailures) {
      const ended = obs?.taskId === p.watchTaskId ? `task ${p.watchTaskId} ended ${obs.state}` : `task ${p.watchTaskId} ended`;
      const why = `${ended}: ${failures} failures, more than maxPerInstanceFailures ${ctx.settings.maxPerInstanceFailures}`;
      return finished(progress, 'FAILED', why, ctx);
    }
  }

  const active = obs !== undefined && !TERMINAL_STATES.has(obs.state);

  if (target === null) {
    if (!active) return finished(progress, 'SUCCEEDED', 'removed', ctx);
    return GOING_AWAY.has(obs.state) ? waiting(progress, null) : takeDown(progress, obs, 'kill', ctx);
  }

  if (!active) return { progress, action: { kind: 'add', instance: p.instance, specHash: target }, wakeAt: null, event: null };

  const replaced = obs.specHash !== target || (ctx.kind === 'restart' && obs.taskId === p.replaceTaskId);
  if (replaced) return GOING_AWAY.has(obs.state) ? waiting(progress, null) : takeDown(progress, obs, 'replace', ctx);
  // On the target spec but already on its way out, and not watched: the task the way forward was
  // taking down when the update turned back (a graceful shutdown takes its time). Its end is not
  // the instance's failure; its successor is the one to watch.
  if (GOING_AWAY.has(obs.state) && progress.watchTaskId !== obs.taskId) return waiting(progress, null);

  return watch(progress, obs, ctx);
}

/** A task on the target spec: done once RUNNING and healthy for watchSecs without a break. */
function watch(p: InstanceProgress, obs: InstanceObservation, ctx: InstanceContext): InstanceOutcome {
  const fresh = p.watchTaskId !== obs.taskId;
  if (obs.state !== 'RUNNING' || !obs.healthy) {
    return waiting(fresh || p.healthySince !== null ? { ...p, watchTaskId: obs.taskId, healthySince: null } : p, null);
  }
  // A task first seen already running and healthy counts from when it began running (Aurora's
  // appearsStable); a watched one from when it was first seen healthy, as health may come late.
  const healthySince = fresh ? (obs.runningSince ?? ctx.now) : (p.healthySince ?? ctx.now);
  const progress = fresh || p.healthySince !== healthySince ? { ...p, watchTaskId: obs.taskId, healthySince } : p;
  const doneAt = healthySince + ctx.settings.watchSecs * 1000;
  if (ctx.now >= doneAt) return finished(progress, 'SUCCEEDED', `running and healthy for ${ctx.settings.watchSecs}s`, ctx);
  return waiting(progress, doneAt);
}

function takeDown(p: InstanceProgress, obs: InstanceObservation, kind: 'replace' | 'kill', ctx: InstanceContext): InstanceOutcome {
  // Only a RUNNING task counts toward the SLA; taking down one that is not costs it nothing.
  let passed = false;
  if (obs.state === 'RUNNING') {
    const verdict = ctx.mayTakeDown(p.instance);
    if (!verdict.ok) {
      // Recorded when the hold begins and when its reason changes, not at every evaluation; a
      // question to a coordinator in flight leaves the reason the hold had.
      const was = ctx.heldFor(p.instance);
      const same = was === verdict.reason || (was !== null && verdict.awaitingAnswer === true);
      const note = same ? undefined : progressEvent(p, `${SLA_HOLD_PREFIX}${verdict.reason}`, ctx);
      return { ...waiting(p, verdict.wakeAt), held: true, ...(verdict.ask ? { ask: verdict.ask } : {}), ...(note ? { note } : {}) };
    }
    passed = ctx.heldFor(p.instance) !== null;
  }
  const message = ctx.kind === 'restart' ? `Restarted by job restart ${ctx.updateId}` : `Killed for job update ${ctx.updateId}`;
  return {
    progress: p,
    action: { kind, instance: p.instance, taskId: obs.taskId, message },
    wakeAt: null,
    event: null,
    ...(passed ? { note: progressEvent(p, SLA_PASSED_MESSAGE, ctx) } : {}),
  };
}

/** An event of an instance still on its way (INSTANCE_UPDATING, or INSTANCE_ROLLING_BACK going back). */
function progressEvent(p: InstanceProgress, message: string, ctx: InstanceContext): InstanceEvent {
  return { instance: p.instance, action: ctx.direction === 'forward' ? 'INSTANCE_UPDATING' : 'INSTANCE_ROLLING_BACK', at: ctx.now, message };
}

function waiting(progress: InstanceProgress, wakeAt: number | null): InstanceOutcome {
  return { progress, action: null, wakeAt, event: null };
}

function finished(p: InstanceProgress, status: 'SUCCEEDED' | 'FAILED', message: string, ctx: InstanceContext): InstanceOutcome {
  const action = (status === 'SUCCEEDED' ? SUCCEEDED_ACTION : FAILED_ACTION)[ctx.direction];
  return {
    progress: { ...p, status },
    action: null,
    wakeAt: null,
    event: { instance: p.instance, action, at: ctx.now, message },
  };
}
