import type { TaskState } from '../../../api/constants.js';
import type { JobUpdate, UpdateSettings } from '../../../api/updates-api.js';
import { desiredSpecFor, evaluateUpdate, planUpdate, type PlanUpdateInput, type UpdateAction, type UpdateStep } from '../job-updater.js';
import type { InstanceObservation } from '../observation.js';
import type { SlaInput } from '../sla.js';

/**
 * Builders for the updater's tests, and a fake job that plays the scheduler's part: it applies
 * the update's actions to its tasks at once, as the scheduler's operations would, so a test
 * reads as a story of steps.
 */

export const T0 = 1_700_000_000_000;
export const OLD = 'spec-old';
export const NEW = 'spec-new';
export const HOUR = 3_600_000;

export function settings(extra: Partial<UpdateSettings> = {}): UpdateSettings {
  return {
    strategy: { kind: 'queue', groupSize: 1 },
    watchSecs: 0,
    maxPerInstanceFailures: 0,
    maxTotalFailures: 0,
    rollbackOnFailure: true,
    pulseIntervalSecs: null,
    slaAware: false,
    ...extra,
  };
}

export const obs = {
  running: (taskId: string, specHash: string, since: number, healthy = true): InstanceObservation => ({
    taskId,
    specHash,
    state: 'RUNNING',
    runningSince: since,
    healthy,
  }),
  in: (state: TaskState, taskId: string, specHash: string): InstanceObservation => ({
    taskId,
    specHash,
    state,
    runningSince: null,
    healthy: false,
  }),
};

/** The actions of a step in short: `replace 0`, `kill 3 t3`, `add 2 spec-new`. */
export function describeActions(actions: readonly UpdateAction[]): string[] {
  return actions.map((a) => (a.kind === 'add' ? `add ${a.instance} ${a.specHash}` : `${a.kind} ${a.instance}`));
}

export interface FakeJobOptions {
  readonly instances: number;
  readonly spec?: string;
  /** A service's ended task is replaced at once (by the task state machine); other jobs' are not. */
  readonly service?: boolean;
  readonly sla?: SlaInput | null;
}

export class FakeJob {
  readonly tasks = new Map<number, InstanceObservation>();
  readonly service: boolean;
  readonly sla: SlaInput | null;
  update!: JobUpdate;
  /** Every action applied, in order, in short. */
  readonly log: string[] = [];
  private serial = 0;

  constructor(opts: FakeJobOptions) {
    this.service = opts.service ?? true;
    this.sla = opts.sla ?? null;
    for (let i = 0; i < opts.instances; i++) this.tasks.set(i, obs.running(this.newId(i), opts.spec ?? OLD, T0 - HOUR));
  }

  /** Plans an update of this job's tasks (the `current` list comes from the fake's tasks). */
  plan(input: Partial<PlanUpdateInput>): JobUpdate {
    const current = [...this.tasks]
      .filter(([, t]) => !isEnded(t.state))
      .map(([instance, t]) => ({ instance, taskId: t.taskId, specHash: t.specHash }));
    this.update = planUpdate({
      id: 'u1',
      job: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
      kind: 'update',
      user: 'alice',
      message: null,
      now: T0,
      settings: settings(),
      fromJobSpecHash: OLD,
      toSpecHash: NEW,
      fromInstanceCount: this.tasks.size,
      toInstanceCount: this.tasks.size,
      current,
      scope: null,
      ...input,
    });
    return this.update;
  }

  /** Evaluates the update and applies its actions. */
  step(now: number): UpdateStep {
    const step = evaluateUpdate(this.update, this.tasks, now, this.sla);
    this.update = step.update;
    for (const a of step.actions) this.apply(a);
    return step;
  }

  /** Every PENDING task starts RUNNING (and healthy) at `now`. */
  startAll(now: number, healthy = true): void {
    for (const [i, t] of this.tasks) if (t.state === 'PENDING') this.tasks.set(i, obs.running(t.taskId, t.specHash, now, healthy));
  }

  /** One instance's PENDING task starts RUNNING at `now`. */
  start(instance: number, now: number, healthy = true): void {
    const t = this.tasks.get(instance)!;
    this.tasks.set(instance, obs.running(t.taskId, t.specHash, now, healthy));
  }

  /** Steps and starts what the step asked for, until the update is over (or `steps` ran out). */
  rollOut(from: number, steps = 50): number[][] {
    const rounds: number[][] = [];
    for (let n = 0; n < steps && this.update.status.startsWith('ROLLING'); n++) {
      const step = this.step(from + n);
      if (step.actions.length > 0) rounds.push(step.actions.map((a) => a.instance));
      this.startAll(from + n);
    }
    return rounds;
  }

  setHealthy(instance: number, healthy: boolean): void {
    const t = this.tasks.get(instance)!;
    this.tasks.set(instance, { ...t, healthy });
  }

  /** The instance's task ends on its own; a service gets a new one, as the scheduler does. */
  end(instance: number, state: TaskState = 'FAILED'): void {
    const t = this.tasks.get(instance)!;
    this.tasks.set(instance, obs.in(state, t.taskId, t.specHash));
    if (this.service) this.reschedule(instance, t.specHash);
  }

  private apply(a: UpdateAction): void {
    this.log.push(describeActions([a])[0]!);
    const t = this.tasks.get(a.instance);
    switch (a.kind) {
      case 'replace':
        // RESTARTING, then ended; the scheduler reschedules on the spec the update wants.
        this.tasks.set(a.instance, obs.in('KILLED', a.taskId, t!.specHash));
        this.reschedule(a.instance, t!.specHash);
        break;
      case 'kill':
        this.tasks.set(a.instance, obs.in('KILLED', a.taskId, t!.specHash));
        break;
      case 'add':
        this.tasks.set(a.instance, obs.in('PENDING', this.newId(a.instance), a.specHash));
        break;
    }
  }

  private reschedule(instance: number, endedSpec: string): void {
    const desired = desiredSpecFor(this.update, instance);
    if (desired === null) return;
    this.tasks.set(instance, obs.in('PENDING', this.newId(instance), desired ?? endedSpec));
  }

  private newId(instance: number): string {
    this.serial += 1;
    return `t${instance}-${this.serial}`;
  }
}

function isEnded(state: TaskState): boolean {
  return state === 'FINISHED' || state === 'FAILED' || state === 'KILLED' || state === 'LOST';
}
