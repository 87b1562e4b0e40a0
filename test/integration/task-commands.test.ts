/**
 * `aurora task run|scp|ssh` as users run them: the compiled CLI against the real scheduler (with
 * a security.ini) and a real agent on loopback, both compiled (`npm run build` first). alice may
 * do anything; carol may do anything to another role's jobs only. The agent runs as root here
 * and so runs www-data's tasks as www-data, where the host has that user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, freePort } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';
import { lookupUser } from '../../executor/runner/users.js';

const KEY = 'devcluster/www-data/prod/web';
const CONFIG = `import { Process, Resources, Service, Task, MB } from '@aurora/dsl';
export const jobs = [
  Service({
    cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'web', instances: 2,
    task: Task({
      processes: [Process({ name: 'web', cmdline: 'echo listening on {{thermos.ports[http]}}; exec sleep 600' })],
      resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }),
    }),
  }),
];
`;
/** Where sshd is (Debian's openssh-server); $AURORA_TEST_SSHD names another. */
const SSHD = process.env['AURORA_TEST_SSHD'] ?? '/usr/sbin/sshd';
const runsAsRole = process.getuid?.() === 0 && lookupUser('www-data') !== null;

let cluster: TestCluster;
let root: string;

type User = 'alice' | 'carol';
function as(user: User, args: string[], env: Record<string, string> = {}) {
  return cluster.run(BINS.aurora, args, { cwd: root, env: { HOME: path.join(root, user), ...env } });
}
const aurora = (...args: string[]) => as('alice', args);

/** Each instance's `host:  line`s, by the first word of each line. */
const lines = (stdout: string) => stdout.split('\n').filter(Boolean);

beforeAll(async () => {
  cluster = await startTestCluster({
    tmpPrefix: 'aurora-task-commands-',
    // Other users pass through to the sandboxes, so the agent runs tasks as their roles.
    rootMode: 0o711,
    securityIni: ['[users]', 'alice = alice-secret, admin', 'carol = carol-secret, other', '', '[roles]', 'admin = *', 'other = thrift.AuroraSchedulerManager:*:other-role', ''].join('\n'),
    agents: [{ args: ['--host', '127.0.0.1', '--kill-grace-ms', '500'] }],
  });
  root = cluster.root;
  for (const [user, password] of [['alice', 'alice-secret'], ['carol', 'carol-secret']] as const) cluster.home(user, user, password);
  writeFileSync(path.join(root, 'web.aurora.ts'), CONFIG);
  const created = await aurora('job', 'create', KEY, path.join(root, 'web.aurora.ts'), '--wait-until', 'RUNNING');
  expect(created.code, created.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  if (cluster) await aurora('job', 'kill', KEY);
  await cluster?.stop();
});

describe('aurora task run|scp|ssh end to end', () => {
  let sandboxes: string[];

  it("runs a command in each instance's sandbox as the task's user, with its bindings, and prints host:  line", async () => {
    const r = await aurora('task', 'run', KEY, 'echo $PWD; id -un; echo port {{thermos.ports[http]}} $THERMOS_PORT_HTTP %shard_id%');
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(6);
    for (const line of out) expect(line).toMatch(/^127\.0\.0\.1: {2}/);
    const words = out.map((l) => l.slice('127.0.0.1:  '.length));
    sandboxes = [words[0]!, words[3]!];
    for (const sandbox of sandboxes) expect(sandbox).toMatch(new RegExp(`^${path.join(root, 'agent', 'sandboxes')}/www-data-prod-web-\\d-`));
    expect([words[1], words[4]]).toEqual(runsAsRole ? ['www-data', 'www-data'] : ['root', 'root']);
    expect(words[2]).toMatch(/^port (\d+) \1 0$/);
    expect(words[5]).toMatch(/^port (\d+) \1 1$/);
    // Aurora's e2e test counts the sandboxes this way.
    const listed = await aurora('task', 'run', KEY, 'ls -a');
    expect(lines(listed.stdout).map((l) => l.split(/\s+/)[1]).filter((w) => w === '.logs')).toHaveLength(2);
  });

  it('exits 4 when the command fails, saying where', async () => {
    const r = await aurora('task', 'run', `${KEY}/1`, 'echo before; exit 3');
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('127.0.0.1:  before\n');
    expect(r.stderr).toContain('instance 1 on 127.0.0.1: exit status 3');
  });

  it('copies a file in (owned by the task user) and back out', async () => {
    writeFileSync(path.join(root, 'scp_success.txt'), 'copied in\n');
    const into = await aurora('task', 'scp', path.join(root, 'scp_success.txt'), `${KEY}/0:`);
    expect(into.code, into.stderr).toBe(0);
    const inSandbox = path.join(sandboxes[0]!, 'scp_success.txt');
    expect(readFileSync(inSandbox, 'utf8')).toBe('copied in\n');
    if (runsAsRole) expect(statSync(inSandbox).uid).toBe(lookupUser('www-data')!.uid);
    // As Aurora's e2e test checks it: the task sees the file.
    const seen = await aurora('task', 'run', `${KEY}/0`, 'ls');
    expect(lines(seen.stdout).map((l) => l.split(/\s+/)[1])).toContain('scp_success.txt');
    const out = await aurora('task', 'scp', `${KEY}/0:.logs/web/0/stdout`, path.join(root, 'stdout.txt'));
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'stdout.txt'), 'utf8')).toMatch(/^listening on \d+\n$/);
  });

  it("refuses paths outside the sandbox with exit 1: '..', absolute elsewhere, a symlink out", async () => {
    writeFileSync(path.join(root, 'scp_fail_permission.txt'), 'x');
    const up = await aurora('task', 'scp', path.join(root, 'scp_fail_permission.txt'), `${KEY}/0:../../`);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('../scp_fail_permission.txt: Permission denied');
    const absolute = await aurora('task', 'scp', `${KEY}/0:/etc/passwd`, path.join(root, 'passwd'));
    expect([absolute.code, absolute.stderr]).toEqual([1, expect.stringContaining("'/etc/passwd' is outside the task sandbox")]);
    expect((await aurora('task', 'run', `${KEY}/0`, 'ln -s /etc/shadow shadow-link')).code).toBe(0);
    const link = await aurora('task', 'scp', `${KEY}/0:shadow-link`, path.join(root, 'shadow'));
    expect([link.code, link.stderr]).toEqual([1, expect.stringContaining('resolves outside the task sandbox (through a symlink): refused')]);
    expect(existsSync(path.join(root, 'shadow'))).toBe(false);
    expect(existsSync(path.join(root, 'passwd'))).toBe(false);
  });

  it('refuses a user without the permission on the job (exit 8), and runs nothing', async () => {
    const run = await as('carol', ['task', 'run', KEY, 'touch carol-was-here']);
    expect(run.code).toBe(8);
    expect(run.stderr).toContain('thrift.AuroraSchedulerManager:runTaskCommand:www-data:prod:web');
    writeFileSync(path.join(root, 'planted.txt'), 'x');
    const scp = await as('carol', ['task', 'scp', path.join(root, 'planted.txt'), `${KEY}/0:`]);
    expect(scp.code).toBe(8);
    for (const sandbox of sandboxes) {
      expect(existsSync(path.join(sandbox, 'carol-was-here'))).toBe(false);
      expect(existsSync(path.join(sandbox, 'planted.txt'))).toBe(false);
    }
    expect(cluster.scheduler.log()).toContain(`alice runs a command in task`);
  });

  it("runs Aurora's ssh command line into the sandbox", async () => {
    const record = path.join(root, 'ssh-argv');
    const fake = path.join(root, 'fake-ssh');
    writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\n`, { mode: 0o755 });
    const r = await as('alice', ['task', 'ssh', `${KEY}/1`, '--command', 'tail -1 .logs/web/0/stdout'], { AURORA_SSH: fake });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(record, 'utf8').split('\n').slice(0, -1)).toEqual(['-t', 'www-data@127.0.0.1', `cd ${sandboxes[1]};tail -1 .logs/web/0/stdout`]);
  });

  // .ci/run installs Debian's openssh-server without starting its service; this test starts its own
  // sshd (only on 127.0.0.1, a free port, a temporary host key and authorized key) and stops it.
  it.runIf(existsSync(SSHD) && process.getuid?.() === 0)('logs in with a real sshd on loopback and runs the command in the sandbox', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aurora-sshd-'));
    const port = await freePort();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'user_key')]);
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'user_key.pub')), { mode: 0o600 });
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'StrictModes no',
      'UsePAM no',
    ];
    writeFileSync(path.join(dir, 'sshd_config'), `${config.join('\n')}\n`);
    // -D: stays in the foreground as this test's child; -e: logs to stderr.
    const { spawn } = await import('node:child_process');
    mkdirSync('/run/sshd', { recursive: true });
    const sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let sshdLog = '';
    sshd.stderr.setEncoding('utf8').on('data', (c: string) => (sshdLog += c));
    try {
      await waitForPort(port);
      const options = `-p ${port} -i ${path.join(dir, 'user_key')} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
      const r = await as('alice', ['task', 'ssh', `${KEY}/0`, '--ssh-user', 'root', `--ssh-options=${options}`, '--command', 'pwd; cat scp_success.txt']);
      expect(r.code, `${r.stderr}\nsshd: ${sshdLog}`).toBe(0);
      expect(r.stdout.replace(/\r/g, '')).toBe(`${sandboxes[0]}\ncopied in\n`);
    } finally {
      if (sshd.exitCode === null && sshd.signalCode === null) {
        const exited = new Promise((resolve) => sshd.once('exit', resolve));
        sshd.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}`);
}
