import type { JobKey } from '../../../dsl/job-key.js';
import {
  ACTIVE_UPDATE_STATUSES,
  slaHoldReason,
  slaHolds,
  type InstanceEvent,
  type InstanceProgress,
  type JobUpdate,
  type UpdateEvent,
  type UpdateSettings,
  type UpdateStatus,
} from '../../api/updates-api.js';
import type { CoordinatorQuestion } from '../sla-coordinator.js';
import { evaluateInstance, targetSpec, type InstanceContext, type UpdateAction } from './instance-updater.js';
import type { InstanceObservation } from './observation.js';
import { slaAllowsTakeDown, type SlaInput } from './sla.js';
import { autopauses, pendingInOrder, startCount, usesBatches } from './strategy.js';
import {
  appendInstanceEvents,
  awaitingPulseStatus,
  directionOf,
  doneStatus,
  isRolling,
  pausedStatus,
  pulseDeadline,
  pulseExpired,
  resetForRollback,
  rollingStatus,
  withStatus,
  type Direction,
} from './update-record.js';

/**
 * A job update as a pure state machine (Aurora's OneWayJobUpdater and JobUpdateController):
 * planUpdate makes the record, evaluateUpdate moves it on from what the instances' tasks are and
 * says what the scheduler must do, applyUserAction applies pause, resume, abort, rollback and
 * pulse. No clock, no I/O: the scheduler passes `now` and the observations, performs the actions
 * and evaluates again on every change of the job's tasks, after a user action, and at `wakeAt`.
 *
 * It decides from observations, not from what it asked before: a task already on its way out is
 * not asked for again, and a step repeated before its actions were applied asks for the same
 * ones (the scheduler ignores an `add` for an instance that has an active task by then). A
 * watched task that stops being the instance's current task is a failure, so the observation
 * may already show the task the scheduler rescheduled in its place.
 */

export type { UpdateAction } from './instance-updater.js';
export type { UpdateUserAction } from '../../api/updates-api.js';
export { applyUserAction } from './user-actions.js';

export interface UpdateStep {
  /** The same object as the one evaluated when nothing changed. */
  readonly update: JobUpdate;
  readonly actions: readonly UpdateAction[];
  /** evaluate again at this time even if nothing changes (watchSecs, pulse expiry); null: only on change */
  readonly wakeAt: number | null;
  /** Coordinators to ask before tasks may go (an SLA-aware update under a coordinator policy); absent when none. */
  readonly ask?: readonly CoordinatorQuestion[];
}

export interface PlanUpdateInput {
  id: string;
  job: JobKey;
  kind: 'update' | 'restart';
  user: string;
  message: string | null;
  now: number;
  settings: UpdateSettings;
  fromJobSpecHash: string;
  toSpecHash: string;
  fromInstanceCount: number;
  toInstanceCount: number;
  /** active task per instance now */
  current: ReadonlyArray<{ instance: number; taskId: string; specHash: string }>;
  /** Only these instances (null = all): those of a restart, or of a partial update (`KEY/0-2`). */
  scope: readonly number[] | null;
}

/**
 * The record of a new update: ROLLING_FORWARD (ROLL_FORWARD_AWAITING_PULSE when pulsed), with
 * only the instances it changes; one that changes nothing is ROLLED_FORWARD at once. Evaluate it
 * right away to start the first instances.
 */
export function planUpdate(input: PlanUpdateInput): JobUpdate {
  const current = new Map(input.current.map((c) => [c.instance, c]));
  const instances = input.kind === 'restart' ? restartedInstances(input, current) : changedInstances(input, current);
  const status: UpdateStatus = input.settings.pulseIntervalSecs === null ? 'ROLLING_FORWARD' : 'ROLL_FORWARD_AWAITING_PULSE';
  const update: JobUpdate = {
    id: input.id,
    job: input.job,
    kind: input.kind,
    user: input.user,
    message: input.message,
    status,
    createdAt: input.now,
    lastModifiedAt: input.now,
    settings: input.settings,
    fromJobSpecHash: input.fromJobSpecHash,
    toSpecHash: input.toSpecHash,
    fromInstanceCount: input.fromInstanceCount,
    toInstanceCount: input.toInstanceCount,
    instances,
    batchesStarted: 0,
    lastPulseAt: null,
    events: [{ status, at: input.now, user: input.user, message: input.message }],
    instanceEvents: [],
  };
  if (instances.length > 0) return update;
  const why =
    input.kind === 'restart'
      ? 'no instance to restart: none in scope has an active task'
      : 'nothing to change: every instance already runs the new config';
  return withStatus(update, 'ROLLED_FORWARD', input.now, null, why);
}

type CurrentTasks = ReadonlyMap<number, { instance: number; taskId: string; specHash: string }>;

/** Instances whose spec changes, added ones and removed ones (of those in scope, when given). */
function changedInstances(input: PlanUpdateInput, current: CurrentTasks): InstanceProgress[] {
  const numbers = new Set<number>(current.keys());
  for (let i = 0; i < Math.max(input.fromInstanceCount, input.toInstanceCount); i++) numbers.add(i);
  const scope = input.scope === null ? null : new Set(input.scope);
  const instances: InstanceProgress[] = [];
  for (const instance of [...numbers].sort((a, b) => a - b)) {
    if (scope && !scope.has(instance)) continue;
    const task = current.get(instance);
    // An instance the job keeps but that runs no task (a batch run that finished, an instance a
    // user killed) is not started by an update; only new instances are added.
    if (task === undefined && instance < input.fromInstanceCount) continue;
    const fromSpecHash = task?.specHash ?? null;
    const toSpecHash = instance < input.toInstanceCount ? input.toSpecHash : null;
    if (fromSpecHash === toSpecHash) continue;
    instances.push(pending(instance, fromSpecHash, toSpecHash, task?.taskId ?? null));
  }
  return instances;
}

/** Every instance in scope that has an active task, to be replaced by one on the same spec. */
function restartedInstances(input: PlanUpdateInput, current: CurrentTasks): InstanceProgress[] {
  const scope = input.scope ?? [...current.keys()];
  const instances: InstanceProgress[] = [];
  for (const instance of [...new Set(scope)].sort((a, b) => a - b)) {
    const task = current.get(instance);
    if (task !== undefined) instances.push(pending(instance, task.specHash, task.specHash, task.taskId));
  }
  return instances;
}

function pending(instance: number, fromSpecHash: string | null, toSpecHash: string | null, replaceTaskId: string | null): InstanceProgress {
  return { instance, fromSpecHash, toSpecHash, status: 'PENDING', failures: 0, replaceTaskId, watchTaskId: null, healthySince: null };
}

/**
 * The spec an instance being updated must run (null: it must not run), for the scheduler to
 * reschedule it on; undefined when the update does not handle the instance now (not in the
 * update, PENDING in the current direction, or the update is over): the scheduler decides as
 * without an update.
 */
export function desiredSpecFor(update: JobUpdate, instance: number): string | null | undefined {
  if (!ACTIVE_UPDATE_STATUSES.has(update.status)) return undefined;
  const p = findInstance(update.instances, instance);
  if (p === undefined || p.status === 'PENDING') return undefined;
  return targetSpec(p, directionOf(update.status));
}

/** Binary search: `instances` is ascending and the scheduler asks for every rescheduled task. */
function findInstance(instances: readonly InstanceProgress[], instance: number): InstanceProgress | undefined {
  let lo = 0;
  let hi = instances.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = instances[mid]!;
    if (p.instance === instance) return p;
    if (p.instance < instance) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/**
 * Moves a rolling update on. `observed` holds every instance of the job that has a task (the
 * SLA counts instances the update does not touch). Paused, awaiting a pulse or over: nothing.
 */
export function evaluateUpdate(
  update: JobUpdate,
  observed: ReadonlyMap<number, InstanceObservation>,
  now: number,
  sla: SlaInput | null,
): UpdateStep {
  if (!isRolling(update.status)) return { update, actions: [], wakeAt: null };
  let direction = directionOf(update.status);
  if (pulseExpired(update, now)) {
    const why =
      update.lastPulseAt === null ? 'awaiting the first pulse' : `no pulse for pulseIntervalSecs ${update.settings.pulseIntervalSecs}`;
    return { update: withStatus(update, awaitingPulseStatus(direction), now, null, why), actions: [], wakeAt: null };
  }

  const { settings } = update;
  const instances = [...update.instances];
  const events: UpdateEvent[] = [];
  const instanceEvents: InstanceEvent[] = [];
  let batchesStarted = update.batchesStarted;
  let changed = false;
  let actions: UpdateAction[] = [];
  let wakes: number[] = [];
  let asks: CoordinatorQuestion[] = [];
  /** Instances this step takes down: the observations do not show it yet, the SLA must. */
  const goingDown = new Set<number>();
  const slaAware = settings.slaAware && sla !== null;
  /** The instances the record holds and why (slaHolds), read once and only if asked. */
  let recordedHolds: Map<number, string> | undefined;
  /**
   * The hold an instance's latest event says, this step's events included. An instance evaluated
   * here is UPDATING: it was so in the record, or this step started it and its event is this step's.
   */
  const heldFor = (instance: number): string | null => {
    for (let i = instanceEvents.length - 1; i >= 0; i--) {
      const e = instanceEvents[i]!;
      if (e.instance === instance) return slaHoldReason(e);
    }
    recordedHolds ??= slaHolds(update);
    return recordedHolds.get(instance) ?? null;
  };
  const ctx = (): InstanceContext => ({
    updateId: update.id,
    kind: update.kind,
    direction,
    settings,
    now,
    mayTakeDown: (instance) => (slaAware ? slaAllowsTakeDown(sla, observed, instance, goingDown, now) : { ok: true }),
    heldFor: slaAware ? heldFor : () => null,
  });

  /** Ends the step with a new status (no actions: the update stops acting, or waits for a user). */
  const stop = (status: UpdateStatus, why: string): UpdateStep => {
    events.push({ status, at: now, user: null, message: why });
    return { update: record(status), actions: [], wakeAt: null };
  };
  const record = (status: UpdateStatus): JobUpdate => ({
    ...update,
    status,
    lastModifiedAt: now,
    instances,
    batchesStarted,
    events: [...update.events, ...events],
    instanceEvents: appendInstanceEvents(update.instanceEvents, instanceEvents),
  });

  let toEvaluate = instances.flatMap((p, i) => (p.status === 'UPDATING' ? [i] : []));
  // Each round evaluates the instances just started; the next round starts more if the strategy
  // lets it (instances with nothing to do finish at once), until nothing more starts.
  for (;;) {
    let finishedThisRound = false;
    const c = ctx();
    for (const i of toEvaluate) {
      const p = instances[i]!;
      const outcome = evaluateInstance(p, observed.get(p.instance), c);
      if (outcome.progress !== p) {
        instances[i] = outcome.progress;
        changed = true;
      }
      if (outcome.action !== null) {
        actions.push(outcome.action);
        if (outcome.action.kind !== 'add') goingDown.add(p.instance);
      }
      if (outcome.wakeAt !== null) wakes.push(outcome.wakeAt);
      if (outcome.ask) asks.push(outcome.ask);
      if (outcome.note) {
        instanceEvents.push(outcome.note);
        changed = true;
      }
      if (outcome.event !== null) {
        instanceEvents.push(outcome.event);
        finishedThisRound = true;
      }
    }

    const failed = instances.filter((p) => p.status === 'FAILED').length;
    if (failed > settings.maxTotalFailures) {
      const instancesFailed = `${failed} instance${failed === 1 ? '' : 's'} failed${direction === 'back' ? ' to roll back' : ''}`;
      const what = `${instancesFailed}, more than maxTotalFailures ${settings.maxTotalFailures}`;
      if (direction === 'back') return stop('FAILED', what);
      if (update.kind === 'restart') return stop('FAILED', what);
      if (!settings.rollbackOnFailure) return stop('FAILED', `${what}; rollbackOnFailure is off`);
      // What was asked for the way forward no longer applies; the rollback decides afresh.
      direction = 'back';
      instances.splice(0, instances.length, ...resetForRollback(instances));
      batchesStarted = 0;
      actions = [];
      wakes = [];
      asks = [];
      goingDown.clear();
      toEvaluate = [];
      finishedThisRound = false;
      events.push({ status: 'ROLLING_BACK', at: now, user: null, message: `${what}; rolling back` });
      changed = true;
    }

    const updating = instances.filter((p) => p.status === 'UPDATING').length;
    const pendingOrder = pendingInOrder(instances, direction);
    if (updating === 0 && pendingOrder.length === 0) return stop(doneStatus(direction), doneMessage(instances, direction, update.kind));

    const batchDone = finishedThisRound && updating === 0;
    if (batchDone && autopauses(settings.strategy)) {
      return stop(pausedStatus(direction), `batch ${batchesStarted} finished; paused after it (autopauseAfterBatch)`);
    }

    const count = startCount(settings.strategy, updating, batchesStarted, pendingOrder.length);
    if (count === 0) break;
    toEvaluate = pendingOrder.slice(0, count);
    for (const i of toEvaluate) {
      const p = instances[i]!;
      instances[i] = { ...p, status: 'UPDATING' };
      const action = direction === 'forward' ? 'INSTANCE_UPDATING' : 'INSTANCE_ROLLING_BACK';
      instanceEvents.push({ instance: p.instance, action, at: now, message: null });
    }
    if (usesBatches(settings.strategy)) batchesStarted += 1;
    changed = true;
  }

  const deadline = pulseDeadline(update);
  // The pulse runs out once now > deadline, so look again just after it.
  if (deadline !== null) wakes.push(deadline + 1);
  const wakeAt = wakes.length === 0 ? null : Math.min(...wakes);
  // The pulse was checked above, so a rollback begun in this step is rolling.
  return { update: changed ? record(rollingStatus(direction)) : update, actions, wakeAt, ...(asks.length > 0 ? { ask: asks } : {}) };
}

function doneMessage(instances: readonly InstanceProgress[], direction: Direction, kind: 'update' | 'restart'): string {
  const failed = instances.filter((p) => p.status === 'FAILED').length;
  const done = instances.length - failed;
  const verb = direction === 'back' ? 'rolled back' : kind === 'restart' ? 'restarted' : 'updated';
  const all = failed === 0 ? (done === 1 ? 'the instance' : `all ${done} instances`) : `${done} instance${done === 1 ? '' : 's'}`;
  return failed === 0 ? `${all} ${verb}` : `${all} ${verb}, ${failed} failed (within maxTotalFailures)`;
}
