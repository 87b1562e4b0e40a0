import { describe, expect, it } from 'vitest';
import type { JobUpdate, UpdateStatus, UpdateUserAction } from '../../api/updates-api.js';
import { applyUserAction } from './job-updater.js';
import { FakeJob, settings, T0 } from './testing/fake-job.js';

function planned(status: UpdateStatus, extra: Partial<JobUpdate> = {}): JobUpdate {
  return { ...new FakeJob({ instances: 2 }).plan({}), status, ...extra };
}

function act(update: JobUpdate, action: UpdateUserAction, now = T0 + 1): JobUpdate {
  const result = applyUserAction(update, action, 'bob', `${action} please`, now);
  if ('error' in result) throw new Error(result.error);
  return result.update;
}

const pulsed = settings({ pulseIntervalSecs: 60 });

describe('user actions', () => {
  it.each<{ from: UpdateStatus; action: UpdateUserAction; to: UpdateStatus; extra?: Partial<JobUpdate> }>([
    { from: 'ROLLING_FORWARD', action: 'pause', to: 'ROLL_FORWARD_PAUSED' },
    { from: 'ROLL_FORWARD_AWAITING_PULSE', action: 'pause', to: 'ROLL_FORWARD_PAUSED' },
    { from: 'ROLLING_BACK', action: 'pause', to: 'ROLL_BACK_PAUSED' },
    { from: 'ROLL_BACK_AWAITING_PULSE', action: 'pause', to: 'ROLL_BACK_PAUSED' },
    { from: 'ROLL_FORWARD_PAUSED', action: 'resume', to: 'ROLLING_FORWARD' },
    { from: 'ROLL_BACK_PAUSED', action: 'resume', to: 'ROLLING_BACK' },
    // A pulsed update resumes awaiting a pulse once its last one ran out...
    { from: 'ROLL_FORWARD_PAUSED', action: 'resume', to: 'ROLL_FORWARD_AWAITING_PULSE', extra: { settings: pulsed, lastPulseAt: T0 - 60_000 } },
    // ...and rolling while it still counts.
    { from: 'ROLL_BACK_PAUSED', action: 'resume', to: 'ROLLING_BACK', extra: { settings: pulsed, lastPulseAt: T0 - 59_000 } },
    { from: 'ROLLING_FORWARD', action: 'abort', to: 'ABORTED' },
    { from: 'ROLL_BACK_PAUSED', action: 'abort', to: 'ABORTED' },
    { from: 'ROLL_FORWARD_AWAITING_PULSE', action: 'abort', to: 'ABORTED' },
    { from: 'ROLLING_FORWARD', action: 'rollback', to: 'ROLLING_BACK' },
    { from: 'ROLL_FORWARD_PAUSED', action: 'rollback', to: 'ROLLING_BACK' },
    { from: 'ROLL_FORWARD_AWAITING_PULSE', action: 'pulse', to: 'ROLLING_FORWARD', extra: { settings: pulsed } },
    { from: 'ROLL_BACK_AWAITING_PULSE', action: 'pulse', to: 'ROLLING_BACK', extra: { settings: pulsed } },
    { from: 'ROLL_FORWARD_PAUSED', action: 'pulse', to: 'ROLL_FORWARD_PAUSED', extra: { settings: pulsed } },
  ])('$action: $from -> $to', ({ from, action, to, extra }) => {
    const before = planned(from, extra);
    const after = act(before, action);
    expect(after.status).toBe(to);
    expect(after.lastModifiedAt).toBe(T0 + 1);
    if (to !== from) expect(after.events.at(-1)).toEqual({ status: to, at: T0 + 1, user: 'bob', message: `${action} please` });
    else expect(after.events).toEqual(before.events);
  });

  it.each<{ status: UpdateStatus; action: UpdateUserAction; error: string; extra?: Partial<JobUpdate> }>([
    { status: 'ROLLED_FORWARD', action: 'pause', error: 'the update is ROLLED_FORWARD; only active updates can be paused' },
    { status: 'ABORTED', action: 'abort', error: 'the update is ABORTED; only active updates can be aborted' },
    { status: 'FAILED', action: 'pulse', error: 'the update is FAILED; only active updates can be pulsed' },
    { status: 'ROLL_BACK_PAUSED', action: 'pause', error: 'the update is already paused (ROLL_BACK_PAUSED)' },
    { status: 'ROLLING_FORWARD', action: 'resume', error: 'the update is ROLLING_FORWARD, not paused; only a paused update can be resumed' },
    { status: 'ROLLING_BACK', action: 'rollback', error: 'the update is already rolling back (ROLLING_BACK)' },
    { status: 'ROLL_BACK_PAUSED', action: 'rollback', error: 'the update is already rolling back (ROLL_BACK_PAUSED)' },
    { status: 'ROLLING_FORWARD', action: 'pulse', error: 'the update is not pulsed (its settings have no pulseIntervalSecs)' },
    {
      status: 'ROLLING_FORWARD',
      action: 'rollback',
      error: 'a restart cannot be rolled back (its instances keep their config); abort it to stop it',
      extra: { kind: 'restart' },
    },
  ])('$action refused when $status', ({ status, action, error, extra }) => {
    expect(applyUserAction(planned(status, extra), action, 'bob', null, T0)).toEqual({ error });
  });

  it('pause holds every action until resumed', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({});
    job.step(T0);
    job.update = act(job.update, 'pause');
    job.startAll(T0 + 1);
    expect(job.step(T0 + 2)).toMatchObject({ actions: [], wakeAt: null });
    expect(job.update.instances[0]?.status).toBe('UPDATING');
    job.update = act(job.update, 'resume', T0 + 3);
    expect(job.step(T0 + 3).actions.map((a) => a.instance)).toEqual([1]);
  });

  it('abort stops the update where it is', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({});
    job.step(T0);
    job.update = act(job.update, 'abort');
    job.startAll(T0 + 1);
    expect(job.step(T0 + 2).actions).toEqual([]);
    expect(job.update.status).toBe('ABORTED');
    expect(job.log).toEqual(['replace 0']);
  });

  it("a user's rollback undoes what was done, newest first", () => {
    const job = new FakeJob({ instances: 3 });
    job.plan({ settings: settings({ strategy: { kind: 'queue', groupSize: 2 } }) });
    job.step(T0);
    job.startAll(T0);
    job.update = act(job.update, 'rollback');
    expect(job.update.instances.map((p) => p.status)).toEqual(['PENDING', 'PENDING', 'SUCCEEDED']);
    job.rollOut(T0 + 2);
    expect(job.update.status).toBe('ROLLED_BACK');
    expect(job.log).toEqual(['replace 0', 'replace 1', 'replace 1', 'replace 0']);
  });

  it('pulses: awaiting the first, rolling while pulsed, awaiting again when the pulse runs out', () => {
    const job = new FakeJob({ instances: 2 });
    job.plan({ settings: settings({ pulseIntervalSecs: 60, watchSecs: 600 }) });
    expect(job.step(T0)).toMatchObject({ actions: [], wakeAt: null });

    job.update = act(job.update, 'pulse', T0 + 1_000);
    expect(job.update.lastPulseAt).toBe(T0 + 1_000);
    const rolling = job.step(T0 + 1_000);
    expect(rolling.actions.map((a) => a.instance)).toEqual([0]);
    // Look again just after the pulse runs out.
    expect(rolling.wakeAt).toBe(T0 + 61_001);
    expect(job.step(T0 + 61_000).update.status).toBe('ROLLING_FORWARD');

    const blocked = job.step(T0 + 61_001);
    expect(blocked.update.status).toBe('ROLL_FORWARD_AWAITING_PULSE');
    expect(blocked.update.events.at(-1)).toEqual({
      status: 'ROLL_FORWARD_AWAITING_PULSE',
      at: T0 + 61_001,
      user: null,
      message: 'no pulse for pulseIntervalSecs 60',
    });
    job.startAll(T0 + 62_000);
    expect(job.step(T0 + 62_000).actions).toEqual([]);

    job.update = act(job.update, 'pulse', T0 + 70_000);
    expect(job.update.status).toBe('ROLLING_FORWARD');
    expect(job.step(T0 + 70_000).wakeAt).toBe(T0 + 130_001);
  });
});
