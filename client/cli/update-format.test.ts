import { describe, expect, it } from 'vitest';
import { SLA_HOLD_PREFIX, SLA_PASSED_MESSAGE, UPDATE_STATUS_GROUPS, UPDATE_STATUSES } from '../../scheduler/api/updates-api.js';
import { sampleProgress, sampleSummary, sampleUpdate } from '../testing/update-samples.js';
import { sink } from '../testing/temp-dir.js';
import {
  auroraTimestamp,
  formatUpdateInfo,
  formatUpdateList,
  parseUpdateFilter,
  resolveStatuses,
  updateFailureDetails,
  updateInfoJson,
  updateListJson,
  updateProgressLine,
} from './update-format.js';
import { outcomeError, progressDisplay } from './update-wait.js';

const T0 = Date.UTC(2024, 0, 1);

describe('update output', () => {
  it("prints times as Aurora's utcfromtimestamp(ms / 1000).isoformat(): no zone, microseconds only for a fraction", () => {
    expect(auroraTimestamp(T0)).toBe('2024-01-01T00:00:00');
    expect(auroraTimestamp(T0 + 61_000)).toBe('2024-01-01T00:01:01');
    expect(auroraTimestamp(T0 + 5_500)).toBe('2024-01-01T00:00:05.500000');
    expect(auroraTimestamp(T0 + 7)).toBe('2024-01-01T00:00:00.007000');
  });

  it("lists updates in Aurora's fixed-width columns, the header only when there are rows", () => {
    const long = sampleSummary({ id: '5cd302a7-7bad-473a-98d1-0c4384a8706e', status: 'ROLL_FORWARD_AWAITING_PULSE', user: 'a-very-long-user' });
    expect(formatUpdateList([sampleSummary(), long])).toEqual([
      'JOB                                             UPDATE ID                            STATUS          CREATED BY  STARTED             LAST MODIFIED',
      'devcluster/www-data/prod/hello                  0000000a                             ROLLED_FORWARD  alice       2024-01-01T00:00:00 2024-01-01T00:01:01',
      // As Python's format: a longer value pushes the columns after it, never cut.
      'devcluster/www-data/prod/hello                  5cd302a7-7bad-473a-98d1-0c4384a8706e ROLL_FORWARD_AWAITING_PULSE a-very-long-user 2024-01-01T00:00:00 2024-01-01T00:01:01',
    ]);
    expect(formatUpdateList([])).toEqual([]);
    expect(updateListJson([sampleSummary()])).toEqual([
      { job: 'devcluster/www-data/prod/hello', id: '0000000a', user: 'alice', started: '2024-01-01T00:00:00', last_modified: '2024-01-01T00:01:01', status: 'ROLLED_FORWARD' },
    ]);
  });

  it('says where an update stands in one line: status, instances done of all, failures', () => {
    expect(updateProgressLine(sampleUpdate())).toBe('ROLLING_FORWARD: 1/3 instances updated, 1 failure');
    const failing = sampleUpdate({ status: 'ROLLING_BACK', instances: [sampleProgress(0, 'SUCCEEDED'), sampleProgress(1, 'FAILED', 2)] });
    expect(updateProgressLine(failing)).toBe('ROLLING_BACK: 1/2 instances rolled back, 2 failures, 1 instance failed');
    const restart = sampleUpdate({ kind: 'restart', status: 'ROLLED_FORWARD', instances: [sampleProgress(4, 'SUCCEEDED')] });
    expect(updateProgressLine(restart)).toBe('ROLLED_FORWARD: 1/1 instance restarted');
  });

  it("shows an update as Aurora's info does, with each instance's progress", () => {
    const u = sampleUpdate({ events: [...sampleUpdate().events, { status: 'ROLL_FORWARD_PAUSED', at: T0 + 5_500, user: 'bob', message: null }] });
    expect(formatUpdateInfo(u)).toEqual([
      'Job: devcluster/www-data/prod/hello, UpdateID: 0000000a',
      'Started 2024-01-01T00:00:00, last activity: 2024-01-01T00:00:05.500000',
      'Current status: ROLLING_FORWARD',
      'Update by alice: version 2',
      'Progress: 1/3 instances updated, 1 failure',
      'Instances:',
      '  Instance 0: SUCCEEDED, 0 failures',
      '  Instance 1: UPDATING, 1 failure',
      '  Instance 2: PENDING, 0 failures (added)',
      'Update events:',
      '  Status: ROLLING_FORWARD at 2024-01-01T00:00:00 by alice',
      '      message: version 2',
      '  Status: ROLL_FORWARD_PAUSED at 2024-01-01T00:00:05.500000 by bob',
      'Instance events:',
      '  Instance 0 at 2024-01-01T00:00:00: INSTANCE_UPDATING',
      '  Instance 0 at 2024-01-01T00:00:02: INSTANCE_UPDATED',
      '  Instance 1 at 2024-01-01T00:00:02: INSTANCE_UPDATING',
    ]);
    expect(updateInfoJson(sampleUpdate())).toMatchObject({
      updateId: '0000000a',
      job: 'devcluster/www-data/prod/hello',
      started: T0,
      last_modified: '2024-01-01T00:00:05.500000',
      status: 'ROLLING_FORWARD',
      instances: [{ instance: 0, status: 'SUCCEEDED', failures: 0 }, { instance: 1 }, { instance: 2, fromSpecHash: null }],
      update_events: [{ status: 'ROLLING_FORWARD', timestampMs: T0, user: 'alice', message: 'version 2' }],
      instance_update_events: [{ instance: 0, timestamp: T0, action: 'INSTANCE_UPDATING' }, {}, {}],
    });
  });

  it('says which instance the SLA holds and why: in the progress line, the info lines and the JSON, only while it holds', () => {
    const NO = 'SLA coordinator http://coordinator.example.com/sla said no ({"drain": false})';
    const COUNT = 'count policy needs 2 other instances RUNNING for 60s, 1 is';
    const held = sampleUpdate({
      instances: [sampleProgress(0, 'SUCCEEDED'), sampleProgress(1, 'UPDATING'), sampleProgress(2, 'UPDATING'), sampleProgress(3, 'UPDATING')],
      instanceEvents: [
        ...sampleUpdate().instanceEvents,
        { instance: 1, action: 'INSTANCE_UPDATING', at: T0 + 2000, message: `${SLA_HOLD_PREFIX}waiting for SLA coordinator http://coordinator.example.com/sla to answer` },
        { instance: 1, action: 'INSTANCE_UPDATING', at: T0 + 2100, message: `${SLA_HOLD_PREFIX}${NO}` },
        { instance: 2, action: 'INSTANCE_UPDATING', at: T0 + 2000, message: null },
        { instance: 2, action: 'INSTANCE_UPDATING', at: T0 + 2000, message: `${SLA_HOLD_PREFIX}${COUNT}` },
        // Held, then let go: no longer held.
        { instance: 3, action: 'INSTANCE_UPDATING', at: T0 + 2000, message: `${SLA_HOLD_PREFIX}${COUNT}` },
        { instance: 3, action: 'INSTANCE_UPDATING', at: T0 + 3000, message: SLA_PASSED_MESSAGE },
      ],
    });
    expect(updateProgressLine(held)).toBe(`ROLLING_FORWARD: 1/4 instances updated; instance 1 waits: ${NO} (and 1 more instance waits)`);
    const one = { ...held, instanceEvents: held.instanceEvents.filter((e) => e.instance !== 2) };
    expect(updateProgressLine(one)).toBe(`ROLLING_FORWARD: 1/4 instances updated; instance 1 waits: ${NO}`);
    expect(formatUpdateInfo(held).filter((l) => l.startsWith('  Instance ') && !l.includes(' at '))).toEqual([
      '  Instance 0: SUCCEEDED, 0 failures',
      `  Instance 1: UPDATING, 0 failures; waits: ${NO}`,
      `  Instance 2: UPDATING, 0 failures; waits: ${COUNT}`,
      '  Instance 3: UPDATING, 0 failures',
    ]);
    expect(formatUpdateInfo(held)).toContain(`  Instance 1 at 2024-01-01T00:00:02.100000: INSTANCE_UPDATING: ${SLA_HOLD_PREFIX}${NO}`);
    expect((updateInfoJson(held) as { instances: unknown[] }).instances).toEqual([
      expect.objectContaining({ instance: 0, slaHold: null }),
      expect.objectContaining({ instance: 1, slaHold: NO }),
      expect.objectContaining({ instance: 2, slaHold: COUNT }),
      expect.objectContaining({ instance: 3, slaHold: null }),
    ]);
    // Paused, it still holds them; once the update is over, nothing waits.
    expect(updateProgressLine({ ...held, status: 'ROLL_FORWARD_PAUSED' })).toContain('; instance 1 waits: ');
    const ended = { ...held, status: 'ABORTED' as const };
    expect(updateProgressLine(ended)).toBe('ABORTED: 1/4 instances updated');
    expect((updateInfoJson(ended) as { instances: { slaHold: unknown }[] }).instances.map((i) => i.slaHold)).toEqual([null, null, null, null]);
  });

  it("maps an ended update to Aurora's exit codes: 0 as asked, 4 the other way, 20 aborted, error or failed", () => {
    expect(outcomeError(sampleUpdate({ status: 'ROLLED_FORWARD' }), 'forward')).toBeUndefined();
    expect(outcomeError(sampleUpdate({ status: 'ROLLED_BACK' }), 'forward')).toMatchObject({ exitCode: 4, message: 'Update 0000000a of devcluster/www-data/prod/hello ended ROLLED_BACK' });
    for (const status of ['ABORTED', 'ERROR', 'FAILED'] as const) expect(outcomeError(sampleUpdate({ status }), 'forward')).toMatchObject({ exitCode: 20 });
    expect(outcomeError(sampleUpdate({ status: 'ROLLED_BACK' }), 'back')).toBeUndefined();
    expect(outcomeError(sampleUpdate({ status: 'ROLLED_FORWARD', kind: 'restart' }), 'back')).toMatchObject({ exitCode: 4, message: expect.stringMatching(/^Restart 0000000a/) });
  });

  it('says why an update failed: failed instances with their last event, then who changed its status and why', () => {
    const u = sampleUpdate({
      status: 'ROLLED_BACK',
      instances: [sampleProgress(0, 'SUCCEEDED'), sampleProgress(1, 'FAILED', 2)],
      instanceEvents: [{ instance: 1, action: 'INSTANCE_UPDATE_FAILED', at: T0, message: 'Process hello exited with status 1' }],
      events: [
        { status: 'ROLLING_FORWARD', at: T0, user: 'alice', message: 'version 2' },
        { status: 'ROLLING_BACK', at: T0 + 1, user: null, message: '1 instance failed, more than maxTotalFailures 0' },
        { status: 'ROLLED_BACK', at: T0 + 2, user: null, message: null },
      ],
    });
    expect(updateFailureDetails(u)).toEqual([
      '  instance 1: FAILED after 2 failures: Process hello exited with status 1',
      '  ROLLING_BACK: 1 instance failed, more than maxTotalFailures 0',
      '  ROLLED_BACK',
    ]);
  });

  it('reads update filters, from a cluster down to a job', () => {
    expect(parseUpdateFilter('devcluster')).toEqual({ cluster: 'devcluster' });
    expect(parseUpdateFilter('devcluster/www-data/prod/hello')).toEqual({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' });
    expect(() => parseUpdateFilter('devcluster/www-data/prod/hello/0')).toThrow(/expected CLUSTER\[\/ROLE\[\/ENV\[\/NAME\]\]\]/);
    expect(() => parseUpdateFilter('devcluster//prod')).toThrow(/not an update filter/);
    expect(() => parseUpdateFilter('devcluster/www data')).toThrow(/role may only contain/);
  });

  it("takes statuses and Aurora's groups for --status, and nothing else", () => {
    expect(resolveStatuses([])).toEqual([]);
    expect(resolveStatuses(['succeeded'])).toEqual(['ROLLED_FORWARD']);
    expect(resolveStatuses(['paused', 'ABORTED', 'blocked'])).toEqual(['ROLL_FORWARD_PAUSED', 'ROLL_BACK_PAUSED', 'ROLL_FORWARD_AWAITING_PULSE', 'ROLL_BACK_AWAITING_PULSE', 'ABORTED']);
    expect(resolveStatuses(['all'])).toEqual([...UPDATE_STATUSES]);
    for (const [group, statuses] of Object.entries(UPDATE_STATUS_GROUPS)) expect(new Set(resolveStatuses([group]))).toEqual(new Set(statuses));
    expect(() => resolveStatuses(['rolled_forward'])).toThrow(/--status rolled_forward is neither an update status nor a group; choose from active, paused/);
  });
});

describe('progress display', () => {
  it('rewrites one line on a terminal, cut to its width, and ends it', () => {
    const out = Object.assign(sink(), { isTTY: true, columns: 20 });
    const d = progressDisplay(out);
    d.show('ROLLING_FORWARD: 0/2');
    d.show('ROLLED_FORWARD: 2/2 instances updated');
    d.end();
    d.end();
    expect(out.text()).toBe('\r\x1b[2KROLLING_FORWARD: 0…\r\x1b[2KROLLED_FORWARD: 2/…\n');
  });

  it('prints a plain line per change elsewhere', () => {
    const out = sink();
    const d = progressDisplay(out);
    d.show('a');
    d.show('b');
    d.end();
    expect(out.text()).toBe('a\nb\n');
  });
});
