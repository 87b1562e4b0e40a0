/**
 * TLS with the real processes: a certificate this test makes with openssl (its own CA signs the
 * scheduler's certificate for 127.0.0.1), the scheduler serving https with it, and an agent that
 * trusts the CA through --ca-file registering and running a task. An agent that does not trust it
 * cannot connect.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, startScheduler, type Daemon } from '../../devcluster/daemons.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { jobSpec } from '../../scheduler/testing/scheduler-harness.js';

const root = mkdtempSync(path.join(tmpdir(), 'aurora-tls-'));
const file = (name: string) => path.join(root, name);
const daemons: Daemon[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: root, stdio: 'ignore' });
}

beforeAll(() => {
  // A CA, and a certificate for 127.0.0.1 that it signs.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=aurora test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'scheduler.key', '-out', 'scheduler.csr');
  writeFileSync(file('san.ext'), 'subjectAltName = IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'scheduler.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'scheduler.pem');
});

afterAll(async () => {
  for (const d of daemons.reverse()) await d.stop('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('a scheduler serving https', () => {
  it('takes an agent that trusts its CA, which runs tasks; an agent that does not cannot connect', async () => {
    const scheduler = await startScheduler({
      dataDir: file('scheduler'),
      extraArgs: ['--tls-cert', file('scheduler.pem'), '--tls-key', file('scheduler.key')],
    });
    daemons.push(scheduler);
    expect(scheduler.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trusting = new Agent({ connect: { ca: readFileSync(file('ca.pem'), 'utf8') } });
    const get = async (url: string) => (await request(url, { dispatcher: trusting })).body.json() as Promise<any>;

    const untrusting = await startAgent({ schedulerUrl: scheduler.url, dataDir: file('agent-untrusting') });
    daemons.push(untrusting);
    const agent = await startAgent({ schedulerUrl: scheduler.url, dataDir: file('agent'), extraArgs: ['--ca-file', file('ca.pem')] });
    daemons.push(agent);

    const spec = jobSpec({ name: 'over-tls', service: true, resources: { cpu: 0.1, ramMb: 16, diskMb: 16 } });
    const sleeper = { ...spec, task: { ...spec.task, processes: [{ ...spec.task.processes[0]!, cmdline: 'sleep 600' }] } };
    const created = await request(`${scheduler.url}${PATHS.jobs}`, {
      method: 'POST',
      dispatcher: trusting,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: sleeper }),
    });
    expect(created.statusCode).toBe(201);
    await created.body.dump();

    const deadline = Date.now() + 30_000;
    let state = '';
    while (Date.now() < deadline && state !== 'RUNNING') {
      state = (await get(`${scheduler.url}${PATHS.job('www-data', 'prod', 'over-tls')}`)).job.tasks[0]?.state ?? '';
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('RUNNING');
    const agents = (await get(`${scheduler.url}${PATHS.agents}`)).agents as { host: string }[];
    // Only the agent that trusts the CA got through.
    expect(agents).toHaveLength(1);
    expect(untrusting.log()).toMatch(/certificate|self[- ]signed|unable to verify/i);
    await request(`${scheduler.url}${PATHS.jobKill('www-data', 'prod', 'over-tls')}`, {
      method: 'POST',
      dispatcher: trusting,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  });
});
