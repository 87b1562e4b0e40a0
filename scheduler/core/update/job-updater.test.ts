import { describe, expect, it } from 'vitest';
import { MAX_INSTANCE_EVENTS, SLA_HOLD_PREFIX, SLA_PASSED_MESSAGE, slaHolds, type JobUpdate, type UpdateStatus } from '../../api/updates-api.js';
import { applyUserAction, desiredSpecFor, evaluateUpdate } from './job-updater.js';
import { FakeJob, HOUR, NEW, obs, OLD, settings, T0 } from './testing/fake-job.js';

const statuses = (u: JobUpdate) => u.instances.map((p) => p.status);
const instanceActions = (u: JobUpdate) => u.instanceEvents.map((e) => `${e.action} ${e.instance}`);

describe('planning an update', () => {
  it('takes only the instances that change: spec differs, added, removed', () => {
    const job = new FakeJob({ instances: 3 });
    job.tasks.set(1, obs.running('t1-x', NEW, T0 - HOUR)); // already on the new spec (an earlier update)
    const u = job.plan({ toInstanceCount: 4 });
    expect(u.instances.map((p) => [p.instance, p.fromSpecHash, p.toSpecHash])).toEqual([
      [0, OLD, NEW],
      [2, OLD, NEW],
      [3, null, NEW],
    ]);
    expect(u.status).toBe('ROLLING_FORWARD');
    expect(u.events).toEqual([{ status: 'ROLLING_FORWARD', at: T0, user: 'alice', message: null }]);
  });

  it('an update that changes nothing is ROLLED_FORWARD at once, and says so', () => {
    const job = new FakeJob({ instances: 2 });
    const u = job.plan({ toSpecHash: OLD, message: 'same again' });
    expect(u.status).toBe('ROLLED_FORWARD');
    expect(u.instances).toEqual([]);
    expect(u.events).toEqual([
      { status: 'ROLLING_FORWARD', at: T0, user: 'alice', message: 'same again' },
      { status: 'ROLLED_FORWARD', at: T0, user: null, message: 'nothing to change: every instance already runs the new config' },
    ]);
    expect(job.step(T0)).toEqual({ update: u, actions: [], wakeAt: null });
  });

  it('does not start an instance that runs no task; adds the new ones', () => {
    const job = new FakeJob({ instances: 3 });
    job.tasks.set(1, obs.in('FINISHED', 't1-x', OLD));
    const u = job.plan({ toInstanceCount: 4 });
    expect(u.instances.map((p) => p.instance)).toEqual([0, 2, 3]);
  });

  it('a pulsed update starts awaiting its first pulse', () => {
    const job = new FakeJob({ instances: 1 });
    expect(job.plan({ settings: settings({ pulseIntervalSecs: 60 }) }).status).toBe('ROLL_FORWARD_AWAITING_PULSE');
  });
});

describe('one instance', () => {
  it('replaces the task on the old spec once, then watches the new one until RUNNING and healthy for watchSecs', () => {
    const job = new FakeJob({ instances: 1 });
    job.plan({ settings: settings({ watchSecs: 30 }) });
    const first = job.step(T0);
    expect(first.actions).toEqual([{ kind: 'replace', instance: 0, taskId: 't0-1', message: 'Killed for job update u1' }]);
    expect(instanceActions(first.update)).toEqual(['INSTANCE_UPDATING 0']);
    expect(desiredSpecFor(job.update, 0)).toBe(NEW);

    // The story of the new task; each row is what the task is at `at`, then what the update says.
    const story: { at: number; task: 'pending' | 'healthy' | 'unhealthy'; status: string; wakeAt: number | null }[] = [
      { at: 1_000, task: 'pending', status: 'UPDATING', wakeAt: null },
      { at: 2_000, task: 'healthy', status: 'UPDATING', wakeAt: 32_000 },
      // Health drops: the watch starts again when it comes back.
      { at: 10_000, task: 'unhealthy', status: 'UPDATING', wakeAt: null },
      { at: 20_000, task: 'healthy', status: 'UPDATING', wakeAt: 50_000 },
      { at: 49_999, task: 'healthy', status: 'UPDATING', wakeAt: 50_000 },
      { at: 50_000, task: 'healthy', status: 'SUCCEEDED', wakeAt: null },
    ];
    for (const row of story) {
      if (row.task === 'healthy' && job.tasks.get(0)!.state === 'PENDING') job.start(0, T0 + row.at);
      if (row.task !== 'pending') job.setHealthy(0, row.task === 'healthy');
      const step = job.step(T0 + row.at);
      expect({ at: row.at, status: step.update.instances[0]!.status, actions: step.actions, wakeAt: step.wakeAt }).toEqual({
        at: row.at,
        status: row.status,
        actions: [],
        wakeAt: row.wakeAt === null ? null : T0 + row.wakeAt,
      });
    }
    expect(job.update.status).toBe('ROLLED_FORWARD');
    expect(job.update.events.at(-1)).toMatchObject({ status: 'ROLLED_FORWARD', user: null, message: 'the instance updated' });
    expect(instanceActions(job.update)).toEqual(['INSTANCE_UPDATING 0', 'INSTANCE_UPDATED 0']);
  });

  it('asks for nothing new while the replaced task is on its way out or the new one starts', () => {
    const job = new FakeJob({ instances: 1 });
    job.plan({});
    const u = evaluateUpdate(job.update, job.tasks, T0, null).update;
    for (const state of ['RESTARTING', 'KILLING'] as const) {
      expect(evaluateUpdate(u, new Map([[0, obs.in(state, 't0-1', OLD)]]), T0 + 1, null).actions).toEqual([]);
    }
    for (const state of ['PENDING', 'THROTTLED', 'ASSIGNED', 'STARTING'] as const) {
      const step = evaluateUpdate(u, new Map([[0, obs.in(state, 't0-2', NEW)]]), T0 + 1, null);
      expect(step.actions).toEqual([]);
      expect(step.update.instances[0]).toMatchObject({ status: 'UPDATING', watchTaskId: 't0-2', healthySince: null });
    }
  });

  it('an instance whose old task already ended gets a new one on the target spec', () => {
    const job = new FakeJob({ instances: 1 });
    job.plan({});
    const u = evaluateUpdate(job.update, job.tasks, T0, null).update;
    expect(evaluateUpdate(u, new Map([[0, obs.in('KILLED', 't0-1', OLD)]]), T0 + 1, null).actions).toEqual([
      { kind: 'add', instance: 0, specHash: NEW },
    ]);
  });
});

describe('failure budgets', () => {
  /** Two instances; instance 0's new task fails `endings` times. */
  function failInstance0(endings: number, extra: Parameters<typeof settings>[0], service = true) {
    const job = new FakeJob({ instances: 2, service });
    job.plan({ settings: settings(extra) });
    job.step(T0);
    for (let n = 1; n <= endings; n++) {
      job.step(T0 + n * 10); // the new task is watched
      job.end(0);
      job.step(T0 + n * 10 + 1);
    }
    return job;
  }

  it.each([
    { maxPerInstanceFailures: 0, endings: 1, instance0: 'FAILED', failures: 1 },
    { maxPerInstanceFailures: 1, endings: 1, instance0: 'UPDATING', failures: 1 },
    { maxPerInstanceFailures: 1, endings: 2, instance0: 'FAILED', failures: 2 },
    { maxPerInstanceFailures: 3, endings: 3, instance0: 'UPDATING', failures: 3 },
  ])('maxPerInstanceFailures $maxPerInstanceFailures, $endings endings: instance $instance0', ({ maxPerInstanceFailures, endings, instance0, failures }) => {
    const job = failInstance0(endings, { maxPerInstanceFailures, maxTotalFailures: 1 });
    expect(job.update.instances[0]).toMatchObject({ status: instance0, failures });
    expect(job.update.status).toBe('ROLLING_FORWARD');
  });

  it('says why an instance failed', () => {
    const job = failInstance0(2, { maxPerInstanceFailures: 1, maxTotalFailures: 1 });
    expect(job.update.instanceEvents.at(-2)).toMatchObject({
      instance: 0,
      action: 'INSTANCE_UPDATE_FAILED',
      message: 'task t0-4 ended: 2 failures, more than maxPerInstanceFailures 1',
    });
    // Within maxTotalFailures the update goes on with the next instance.
    expect(job.update.instanceEvents.at(-1)).toMatchObject({ instance: 1, action: 'INSTANCE_UPDATING' });
  });

  it('a non-service task that ends is not rescheduled by the scheduler: the update adds one', () => {
    const job = failInstance0(1, { maxPerInstanceFailures: 1 }, false);
    expect(job.log).toEqual(['replace 0', 'add 0 spec-new']);
    expect(job.update.instances[0]).toMatchObject({ status: 'UPDATING', failures: 1 });
  });

  it.each<{ maxTotalFailures: number; rollbackOnFailure: boolean; status: UpdateStatus; message: string | null }>([
    { maxTotalFailures: 1, rollbackOnFailure: true, status: 'ROLLING_FORWARD', message: null },
    { maxTotalFailures: 0, rollbackOnFailure: true, status: 'ROLLING_BACK', message: '1 instance failed, more than maxTotalFailures 0; rolling back' },
    { maxTotalFailures: 0, rollbackOnFailure: false, status: 'FAILED', message: '1 instance failed, more than maxTotalFailures 0; rollbackOnFailure is off' },
  ])('maxTotalFailures $maxTotalFailures, rollbackOnFailure $rollbackOnFailure: $status', ({ maxTotalFailures, rollbackOnFailure, status, message }) => {
    const job = failInstance0(1, { maxTotalFailures, rollbackOnFailure });
    expect(job.update.status).toBe(status);
    if (message !== null) expect(job.update.events.at(-1)).toEqual({ status, at: T0 + 11, user: null, message });
  });

  it('FAILED without rollback: no more actions, and the update no longer says what instances run', () => {
    const job = failInstance0(1, { rollbackOnFailure: false });
    expect(job.log).toEqual(['replace 0']);
    expect(desiredSpecFor(job.update, 0)).toBeUndefined();
    expect(job.step(T0 + 100).actions).toEqual([]);
  });

  it('counts FAILED instances against maxTotalFailures across the update', () => {
    const job = new FakeJob({ instances: 3 });
    job.plan({ settings: settings({ maxTotalFailures: 1, rollbackOnFailure: false }) });
    for (let n = 0; n < 2; n++) {
      job.step(T0 + n * 10);
      job.step(T0 + n * 10 + 1);
      job.end(n);
    }
    const step = job.step(T0 + 100);
    expect(step.update.status).toBe('FAILED');
    expect(step.update.events.at(-1)?.message).toBe('2 instances failed, more than maxTotalFailures 1; rollbackOnFailure is off');
    expect(statuses(step.update)).toEqual(['FAILED', 'FAILED', 'PENDING']);
  });
});

describe('rollback', () => {
  it('on failure, brings the touched instances back to their old spec in reverse order; untouched ones are left alone', () => {
    const job = new FakeJob({ instances: 4 });
    job.plan({});
    job.step(T0); // replace 0
    job.startAll(T0);
    job.step(T0 + 1); // 0 done, replace 1
    job.startAll(T0 + 1);
    job.step(T0 + 2); // 1 done, replace 2
    job.step(T0 + 3); // watching 2's new task
    job.end(2);
    const rolling = job.step(T0 + 4);
    expect(rolling.update.status).toBe('ROLLING_BACK');
    expect(rolling.update.batchesStarted).toBe(0);
    // Instance 3 was never reached: nothing to undo.
    expect(statuses(rolling.update)).toEqual(['PENDING', 'PENDING', 'UPDATING', 'SUCCEEDED']);
    expect(desiredSpecFor(rolling.update, 2)).toBe(OLD);
    expect(desiredSpecFor(rolling.update, 3)).toBe(OLD);

    job.rollOut(T0 + 5);
    expect(job.update.status).toBe('ROLLED_BACK');
    expect(job.update.events.at(-1)?.message).toBe('all 4 instances rolled back');
    expect(job.log).toEqual(['replace 0', 'replace 1', 'replace 2', 'replace 2', 'replace 1', 'replace 0']);
    expect([...job.tasks.values()].map((t) => t.specHash)).toEqual([OLD, OLD, OLD, OLD]);
    expect(job.tasks.get(3)?.taskId).toBe('t3-4'); // never touched
    expect(instanceActions(job.update).slice(-7)).toEqual([
      'INSTANCE_UPDATE_FAILED 2',
      'INSTANCE_ROLLING_BACK 2',
      'INSTANCE_ROLLED_BACK 2',
      'INSTANCE_ROLLING_BACK 1',
      'INSTANCE_ROLLED_BACK 1',
      'INSTANCE_ROLLING_BACK 0',
      'INSTANCE_ROLLED_BACK 0',
    ]);
  });

  it('kills instances the update added', () => {
    const job = new FakeJob({ instances: 1 });
    job.plan({ toSpecHash: OLD, toInstanceCount: 3, settings: settings({ strategy: { kind: 'queue', groupSize: 2 } }) });
    job.step(T0);
    expect(job.log).toEqual(['add 1 spec-old', 'add 2 spec-old']);
    job.step(T0 + 1);
    job.end(2);
    job.rollOut(T0 + 2);
    expect(job.update.status).toBe('ROLLED_BACK');
    expect(job.log.slice(2)).toEqual(['kill 2', 'kill 1']);
    expect(desiredSpecFor({ ...job.update, status: 'ROLLING_BACK' }, 1)).toBeNull();
  });

  it('a failure while rolling back beyond the budget fails the update', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({});
    job.step(T0);
    job.step(T0 + 1);
    job.end(0);
    expect(job.step(T0 + 2).update.status).toBe('ROLLING_BACK');
    job.step(T0 + 3); // watching 0's task on the old spec
    job.end(0);
    const step = job.step(T0 + 4);
    expect(step.update.status).toBe('FAILED');
    expect(step.update.events.at(-1)?.message).toBe('1 instance failed to roll back, more than maxTotalFailures 0');
    expect(instanceActions(step.update).at(-1)).toBe('INSTANCE_ROLLBACK_FAILED 0');
  });

  it("waits for a task on the old spec that the way forward was still taking down; its end is not the rollback's failure", () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({ settings: settings({ strategy: { kind: 'queue', groupSize: 2 }, watchSecs: 30 }) });
    job.step(T0); // replace 0 and 1
    // Instance 0's old task is still on its way out (a graceful shutdown takes its time).
    job.tasks.set(0, obs.in('RESTARTING', 't0-1', OLD));
    job.start(1, T0 + 1);
    job.step(T0 + 1); // watching 1's new task
    job.end(1);
    expect(job.step(T0 + 2).update.status).toBe('ROLLING_BACK');
    // Instance 0 runs its old spec's task, which is going away: wait for it rather than watch it.
    const waiting = job.step(T0 + 3);
    expect(waiting.update.instances.find((p) => p.instance === 0)).toMatchObject({ status: 'UPDATING', watchTaskId: null, failures: 0 });
    job.end(0, 'KILLED'); // it ended; the scheduler gives the instance a task on the old spec
    for (let n = 0; n < 5 && job.update.status === 'ROLLING_BACK'; n++) {
      job.step(T0 + 4 + n * 31_000);
      job.startAll(T0 + 4 + n * 31_000);
    }
    expect(job.update.status).toBe('ROLLED_BACK');
    expect([...job.tasks.values()].map((t) => [t.specHash, t.state])).toEqual([
      [OLD, 'RUNNING'],
      [OLD, 'RUNNING'],
    ]);
  });

  it('a restart is never rolled back: it fails', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({ kind: 'restart', toSpecHash: OLD });
    job.step(T0);
    job.step(T0 + 1);
    job.end(0);
    expect(job.step(T0 + 2).update.status).toBe('FAILED');
  });
});

describe('restart', () => {
  it('replaces the tasks in scope on the same spec, with new task ids', () => {
    const job = new FakeJob({ instances: 3 });
    const before = [...job.tasks.values()].map((t) => t.taskId);
    const u = job.plan({ kind: 'restart', toSpecHash: OLD, scope: [2, 0, 7] });
    expect(u.instances.map((p) => [p.instance, p.fromSpecHash, p.toSpecHash, p.replaceTaskId])).toEqual([
      [0, OLD, OLD, 't0-1'],
      [2, OLD, OLD, 't2-3'],
    ]);
    const first = job.step(T0);
    expect(first.actions).toEqual([{ kind: 'replace', instance: 0, taskId: 't0-1', message: 'Restarted by job restart u1' }]);
    job.rollOut(T0 + 1);
    expect(job.update.status).toBe('ROLLED_FORWARD');
    expect(job.update.events.at(-1)?.message).toBe('all 2 instances restarted');
    const after = [...job.tasks.values()];
    expect(after.map((t) => t.specHash)).toEqual([OLD, OLD, OLD]);
    expect(after[0]!.taskId).not.toBe(before[0]);
    expect(after[1]!.taskId).toBe(before[1]);
    expect(after[2]!.taskId).not.toBe(before[2]);
  });

  it('restarts every instance that has a task when no scope is given', () => {
    const job = new FakeJob({ instances: 3 });
    job.tasks.set(1, obs.in('FINISHED', 't1-x', OLD));
    expect(job.plan({ kind: 'restart', toSpecHash: OLD }).instances.map((p) => p.instance)).toEqual([0, 2]);
  });

  it('a restart with nothing in scope is over at once', () => {
    const job = new FakeJob({ instances: 1 });
    const u = job.plan({ kind: 'restart', toSpecHash: OLD, scope: [5] });
    expect(u.status).toBe('ROLLED_FORWARD');
    expect(u.events.at(-1)?.message).toBe('no instance to restart: none in scope has an active task');
  });
});

describe('a partial update (KEY/INSTANCES)', () => {
  it('changes only the instances in scope; the others keep their config', () => {
    const job = new FakeJob({ instances: 3 });
    const u = job.plan({ kind: 'update', toSpecHash: NEW, scope: [1] });
    expect(u.instances.map((p) => [p.instance, p.fromSpecHash, p.toSpecHash])).toEqual([[1, OLD, NEW]]);
    job.rollOut(T0 + 1);
    expect(job.update.status).toBe('ROLLED_FORWARD');
    expect([...job.tasks.values()].map((t) => t.specHash)).toEqual([OLD, NEW, OLD]);
  });
});

describe('added and removed instances', () => {
  it('adds new instances on the new spec', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({ toInstanceCount: 4, settings: settings({ strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: false } }) });
    job.rollOut(T0);
    expect(job.log).toEqual(['replace 0', 'replace 1', 'add 2 spec-new', 'add 3 spec-new']);
    expect(job.update.status).toBe('ROLLED_FORWARD');
  });

  it('kills removed instances for good: they are done once they have no active task', () => {
    const job = new FakeJob({ instances: 3 });
    job.plan({ toSpecHash: OLD, toInstanceCount: 1 });
    const step = job.step(T0);
    expect(step.actions).toEqual([{ kind: 'kill', instance: 1, taskId: 't1-2', message: 'Killed for job update u1' }]);
    expect(desiredSpecFor(step.update, 1)).toBeNull();
    expect(desiredSpecFor(step.update, 2)).toBeUndefined(); // not its turn yet
    job.rollOut(T0 + 1);
    expect(job.log).toEqual(['kill 1', 'kill 2']);
    expect(job.update.status).toBe('ROLLED_FORWARD');
    expect(job.tasks.get(1)?.state).toBe('KILLED');
  });
});

describe('SLA-aware updates', () => {
  // A production job, and a minimum it meets (Aurora's 20 would leave a 3-instance job unchecked).
  const sla = { policy: { kind: 'count' as const, count: 2, durationSecs: 60 }, instanceCount: 3, production: true, minRequiredInstances: 1 };

  it('takes an instance down only while the others keep the SLA; waits for a new task to have run long enough', () => {
    const job = new FakeJob({ instances: 3, sla });
    job.plan({ settings: settings({ slaAware: true }) });
    job.step(T0);
    expect(job.log).toEqual(['replace 0']); // 1 and 2 have run an hour
    job.startAll(T0 + 1_000);
    const waiting = job.step(T0 + 1_000);
    // 0 is done, but has run 0 s of 60: taking 1 down would leave one instance that counts.
    expect(statuses(waiting.update)).toEqual(['SUCCEEDED', 'UPDATING', 'PENDING']);
    expect(waiting.actions).toEqual([]);
    expect(waiting.wakeAt).toBe(T0 + 61_000);
    expect(job.step(T0 + 60_999).actions).toEqual([]);
    expect(job.step(T0 + 61_000).actions.map((a) => a.instance)).toEqual([1]);
  });

  it('counts what it takes down in the same step', () => {
    const job = new FakeJob({ instances: 3, sla });
    job.plan({ settings: settings({ slaAware: true, strategy: { kind: 'queue', groupSize: 2 } }) });
    const step = job.step(T0);
    expect(step.actions.map((a) => a.instance)).toEqual([0]);
    expect(step.wakeAt).toBeNull(); // nothing gets there by waiting: only a change will
  });

  it('under a coordinator policy, takes down only the tasks the coordinator said yes to, and lists whom to ask', () => {
    const coordinator = { kind: 'coordinator' as const, coordinatorUrl: 'http://c/sla', statusKey: 'drain' };
    const answers = new Map<string, { allowed: boolean; at: number; detail: string }>();
    // Coordinator policies apply whatever the job's tier and size.
    const job = new FakeJob({ instances: 3, sla: { policy: coordinator, instanceCount: 3, production: false, minRequiredInstances: 20, coordinatorAnswers: answers } });
    job.plan({ settings: settings({ slaAware: true, strategy: { kind: 'queue', groupSize: 3 } }) });
    const first = job.step(T0);
    expect(first.actions).toEqual([]);
    expect(first.ask?.map((q) => [q.taskId, q.coordinatorUrl])).toEqual([
      ['t0-1', 'http://c/sla'],
      ['t1-2', 'http://c/sla'],
      ['t2-3', 'http://c/sla'],
    ]);
    answers.set('t0-1', { allowed: true, at: T0 + 10, detail: 'yes' });
    answers.set('t1-2', { allowed: false, at: T0 + 10, detail: 'no' });
    const second = job.step(T0 + 20);
    expect(job.log).toEqual(['replace 0']);
    expect(second.ask?.map((q) => q.taskId)).toEqual(['t2-3']);
    expect(second.wakeAt).toBe(T0 + 10 + 30_000); // t1's no runs out: ask again then
  });

  /** The instance events of the update after `from`, in short: `1 INSTANCE_UPDATING: message`. */
  const eventsSince = (u: JobUpdate, from: number) => u.instanceEvents.slice(from).map((e) => `${e.instance} ${e.action}${e.message ? `: ${e.message}` : ''}`);

  it("records why the SLA holds an instance, once, a new reason when it changes, and Aurora's words when it goes on", () => {
    const job = new FakeJob({ instances: 3, sla });
    job.plan({ settings: settings({ slaAware: true }) });
    job.step(T0);
    job.startAll(T0 + 1_000);
    const held = job.step(T0 + 1_000);
    expect(eventsSince(held.update, 0)).toEqual([
      '0 INSTANCE_UPDATING',
      '0 INSTANCE_UPDATED: running and healthy for 0s',
      '1 INSTANCE_UPDATING',
      `1 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}count policy needs 2 other instances RUNNING for 60s, 1 is`,
    ]);
    // Evaluated again with nothing new: the same reason is not recorded again, the record is the same object.
    const again = job.step(T0 + 30_000);
    expect(again.update).toBe(held.update);
    // Instance 2 stops running: the reason changes, and is recorded.
    job.end(2, 'LOST');
    const worse = job.step(T0 + 40_000);
    expect(eventsSince(worse.update, 4)).toEqual([`1 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}count policy needs 2 other instances RUNNING for 60s, 0 are`]);
    // Both run long enough: the instance goes, with Aurora's SlaKillController message.
    job.startAll(T0 - HOUR);
    const passed = job.step(T0 + 61_000);
    expect(passed.actions.map((a) => a.instance)).toEqual([1]);
    expect(eventsSince(passed.update, 5)).toEqual([`1 INSTANCE_UPDATING: ${SLA_PASSED_MESSAGE}`]);
  });

  it('a held instance whose task ends on its own is held no more, and its events say so', () => {
    const job = new FakeJob({ instances: 3, sla, service: false });
    job.plan({ settings: settings({ slaAware: true, strategy: { kind: 'queue', groupSize: 3 } }) });
    const first = job.step(T0);
    expect(first.actions.map((a) => a.instance)).toEqual([0]);
    expect(eventsSince(first.update, 3)).toEqual([
      `1 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}count policy needs 2 other instances RUNNING for 60s, 1 is`,
      `2 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}count policy needs 2 other instances RUNNING for 60s, 1 is`,
    ]);
    job.end(1, 'FAILED');
    const next = job.step(T0 + 1_000);
    expect(eventsSince(next.update, 5)).toEqual([
      '1 INSTANCE_UPDATING: No SLA check needed any more: task t1-2 is FAILED',
      `2 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}count policy needs 2 other instances RUNNING for 60s, 0 are`,
    ]);
  });

  it('holds on the way back are recorded as INSTANCE_ROLLING_BACK, and a coordinator that said no is the reason until it says yes', () => {
    const coordinator = { kind: 'coordinator' as const, coordinatorUrl: 'http://c/sla', statusKey: 'drain' };
    const answers = new Map<string, { allowed: boolean; at: number; detail: string }>();
    const job = new FakeJob({ instances: 1, sla: { policy: coordinator, instanceCount: 1, production: false, minRequiredInstances: 20, coordinatorAnswers: answers, coordinatorAnswerTtlMs: 30_000 } });
    job.plan({ settings: settings({ slaAware: true, watchSecs: 60 }) });
    const asked = job.step(T0);
    expect(eventsSince(asked.update, 1)).toEqual([`0 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}waiting for SLA coordinator http://c/sla to answer`]);
    answers.set('t0-1', { allowed: false, at: T0 + 10, detail: '{"drain": false}' });
    const no = job.step(T0 + 20);
    expect(eventsSince(no.update, 2)).toEqual([`0 INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}SLA coordinator http://c/sla said no ({"drain": false})`]);
    // The no runs out and the coordinator is asked again: the reason stands, nothing is recorded,
    // whether the answer is still at hand or dropped (the service drops answers that ran out).
    const reasked = job.step(T0 + 40_000);
    expect(reasked.ask?.map((q) => q.taskId)).toEqual(['t0-1']);
    expect(reasked.update).toBe(no.update);
    answers.delete('t0-1');
    expect(job.step(T0 + 40_005).update).toBe(no.update);

    answers.set('t0-1', { allowed: true, at: T0 + 40_010, detail: '{"drain": true}' });
    expect(eventsSince(job.step(T0 + 40_020).update, 3)).toEqual([`0 INSTANCE_UPDATING: ${SLA_PASSED_MESSAGE}`]);
    job.startAll(T0 + 41_000);
    job.step(T0 + 41_000); // the new task is watched for 60 s
    // Rolled back while the new task runs: the coordinator is asked about it first.
    const rollback = applyUserAction(job.update, 'rollback', 'alice', null, T0 + 42_000);
    if (!('update' in rollback)) throw new Error(rollback.error);
    job.update = rollback.update;
    const back = job.step(T0 + 42_000);
    expect(back.update.status).toBe('ROLLING_BACK');
    expect(back.actions).toEqual([]);
    expect(back.update.instanceEvents.at(-1)).toMatchObject({
      instance: 0,
      action: 'INSTANCE_ROLLING_BACK',
      message: `${SLA_HOLD_PREFIX}waiting for SLA coordinator http://c/sla to answer`,
    });
  });

  it.each([
    { name: 'not SLA-aware', slaAware: false, policy: sla.policy },
    { name: 'not SLA-aware, a coordinator policy', slaAware: false, policy: { kind: 'coordinator' as const, coordinatorUrl: 'http://c', statusKey: 'drain' } },
    { name: 'no policy', slaAware: true, policy: null },
    // Aurora's SlaManager.skipSla, as for drains: count and percentage policies bind only production jobs of the minimum size.
    { name: 'a count policy of a non-production job', slaAware: true, policy: sla.policy, production: false },
    { name: 'a count policy of a production job below the minimum', slaAware: true, policy: sla.policy, minRequiredInstances: 4 },
    { name: 'a percentage policy of a production job below the minimum', slaAware: true, policy: { kind: 'percentage' as const, percentage: 90, durationSecs: 60 }, minRequiredInstances: 20 },
  ])('$name: no SLA gate', ({ slaAware, policy, production = true, minRequiredInstances = 1 }) => {
    const job = new FakeJob({ instances: 3, sla: { policy, instanceCount: 3, production, minRequiredInstances } });
    job.plan({ settings: settings({ slaAware, strategy: { kind: 'queue', groupSize: 3 } }) });
    expect(job.step(T0).actions.map((a) => a.instance)).toEqual([0, 1, 2]);
  });

  it('a production job at the minimum is held by its count policy', () => {
    const job = new FakeJob({ instances: 3, sla: { ...sla, minRequiredInstances: 3 } });
    job.plan({ settings: settings({ slaAware: true, strategy: { kind: 'queue', groupSize: 3 } }) });
    const step = job.step(T0);
    expect(step.actions.map((a) => a.instance)).toEqual([0]);
    expect(slaHolds(step.update)).toEqual(new Map([
      [1, 'count policy needs 2 other instances RUNNING for 60s, 1 is'],
      [2, 'count policy needs 2 other instances RUNNING for 60s, 1 is'],
    ]));
  });
});

describe('desiredSpecFor', () => {
  const job = new FakeJob({ instances: 3 });
  const planned = job.plan({ toInstanceCount: 2 });
  const at = (status: UpdateStatus, instanceStatuses: string[]): JobUpdate => ({
    ...planned,
    status,
    instances: planned.instances.map((p, i) => ({ ...p, status: instanceStatuses[i] as 'PENDING' })),
  });

  it.each<{ status: UpdateStatus; instances: string[]; want: (string | null | undefined)[] }>([
    { status: 'ROLLING_FORWARD', instances: ['SUCCEEDED', 'UPDATING', 'PENDING'], want: [NEW, NEW, undefined] },
    { status: 'ROLL_FORWARD_PAUSED', instances: ['SUCCEEDED', 'FAILED', 'UPDATING'], want: [NEW, NEW, null] },
    { status: 'ROLLING_BACK', instances: ['PENDING', 'UPDATING', 'SUCCEEDED'], want: [undefined, OLD, OLD] },
    { status: 'ROLLED_FORWARD', instances: ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'], want: [undefined, undefined, undefined] },
    { status: 'ABORTED', instances: ['UPDATING', 'UPDATING', 'UPDATING'], want: [undefined, undefined, undefined] },
  ])('$status with $instances', ({ status, instances, want }) => {
    const u = at(status, instances);
    expect([0, 1, 2].map((i) => desiredSpecFor(u, i))).toEqual(want);
    expect(desiredSpecFor(u, 9)).toBeUndefined();
  });
});

describe('the record', () => {
  it('an evaluation that changes nothing returns the same record', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({ settings: settings({ watchSecs: 30 }) });
    job.step(T0);
    job.startAll(T0);
    const watching = job.step(T0 + 1).update;
    expect(job.step(T0 + 2).update).toBe(watching);
  });

  it('keeps at most MAX_INSTANCE_EVENTS instance events, dropping the oldest', () => {
    const job = new FakeJob({ instances: 1 });
    const old = Array.from({ length: MAX_INSTANCE_EVENTS }, (_, i) => ({ instance: 0, action: 'INSTANCE_UPDATED' as const, at: i, message: null }));
    job.update = { ...job.plan({}), instanceEvents: old };
    const u = job.step(T0).update;
    expect(u.instanceEvents).toHaveLength(MAX_INSTANCE_EVENTS);
    expect(u.instanceEvents[0]!.at).toBe(1);
    expect(u.instanceEvents.at(-1)).toMatchObject({ action: 'INSTANCE_UPDATING', at: T0 });
    expect(u.lastModifiedAt).toBe(T0);
  });

  it.each<UpdateStatus>(['ROLLED_FORWARD', 'ROLLED_BACK', 'ABORTED', 'ERROR', 'FAILED'])('%s: no actions', (status) => {
    const job = new FakeJob({ instances: 2 });
    const u = { ...job.plan({}), status };
    expect(evaluateUpdate(u, job.tasks, T0, null)).toEqual({ update: u, actions: [], wakeAt: null });
  });
});
