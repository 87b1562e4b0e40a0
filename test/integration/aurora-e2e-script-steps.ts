/**
 * The steps of Aurora's end-to-end script (test_end_to_end.sh) and the cluster they run on, shared
 * by test/integration/aurora-e2e-script*.test.ts: test/integration/aurora-e2e-script.test.ts says
 * what is ported, what differs and what is skipped, and why. Each test file runs some of the steps
 * on a cluster of its own (describeAuroraE2eScript), so vitest runs the parts side by side.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BINS, freePort, projectRoot, type CliResult } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'aurora-e2e');
const SSHD = process.env['AURORA_TEST_SSHD'] ?? '/usr/sbin/sshd';
const PYTHON3 = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p)) ?? whichPython3();
const hasSshd = existsSync(SSHD) && process.getuid?.() === 0;

// The script's names.
const TEST_CLUSTER = 'devcluster';
const TEST_ROLE = 'vagrant';
const TEST_ENV = 'test';
const TEST_SLAVE_IP = '127.0.0.1';
export const TEST_CONFIG_FILE = path.join(FIXTURES, 'http_example.aurora.ts');
export const TEST_CONFIG_QUICK_FILE = path.join(FIXTURES, 'http_example_quick.aurora.ts');
const TEST_CONFIG_UPDATED_FILE = path.join(FIXTURES, 'http_example_updated.aurora.ts');
const TEST_BAD_HEALTHCHECK_CONFIG_UPDATED_FILE = path.join(FIXTURES, 'http_example_bad_healthcheck.aurora.ts');
const TEST_SLA_POLICY_CONFIG_FILE = path.join(FIXTURES, 'sla_policy.aurora.ts');
const TEST_PARTITION_AWARENESS_CONFIG_FILE = path.join(FIXTURES, 'partition_aware.aurora.ts');
const TEST_EPHEMERAL_DAEMON_WITH_FINAL_CONFIG_FILE = path.join(FIXTURES, 'ephemeral_daemon_with_final.aurora.ts');
const TEST_DAEMONIZING_PROCESS_CONFIG_FILE = path.join(FIXTURES, 'test_daemonizing_process.aurora.ts');
const jobKey = (name: string) => `${TEST_CLUSTER}/${TEST_ROLE}/${TEST_ENV}/${name}`;
const TEST_JOB_COUNT_SLA = jobKey('count');
const TEST_JOB_PERCENTAGE_SLA = jobKey('percentage');
const TEST_JOB_COORDINATOR_SLA = jobKey('coordinator');
const TEST_JOB_PA_DEFAULT = jobKey('partition_aware_default');
const TEST_JOB_PA_DISABLED = jobKey('partition_aware_disabled');
const TEST_JOB_PA_DELAY = jobKey('partition_aware_delay');

/** How long the script's pollers (120 tries, 20 s apart) wait here, and how often they look. */
const WAIT_MS = 60_000;
const POLL_MS = 250;

// The cluster of the test file that runs these steps: vitest loads this module once per file.
let root: string;
let home: string;
let testCluster: TestCluster;
/** `--bind profile.cmd=...`: Aurora's `cp /vagrant/.../http_example.py .`, from this checkout. */
let stageBind: string[];
const bindings: Record<string, string> = {};

/** How often each command ran (by its first words), printed at the end: where the time goes. */
const cliCalls = new Map<string, number>();
function cli(bin: string, args: string[]): Promise<CliResult> {
  const name = `${path.basename(bin, '.js')} ${args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}`;
  cliCalls.set(name, (cliCalls.get(name) ?? 0) + 1);
  return testCluster.run(bin, args, { cwd: root });
}
const aurora = (...args: string[]) => cli(BINS.aurora, args);
const auroraAdmin = (...args: string[]) => cli(BINS.auroraAdmin, args);
/** The command must exit 0, as everything the script runs under `set -e`. */
async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}

// The script's shell pipelines.
const linesOf = (text: string) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
/** `tail -n +2` */
const tailFrom2 = (text: string) => (text === '' ? [] : linesOf(text).slice(1));
/** `tail -n1` */
const tailLast = (text: string) => (text === '' ? '' : (linesOf(text).at(-1) ?? ''));
/** `awk '{print $N}'` (0 is $NF) */
const awk = (line: string, n: number) => {
  const fields = line.trim().split(/\s+/).filter(Boolean);
  return (n === 0 ? fields.at(-1) : fields[n - 1]) ?? '';
};
/** `$(...)`: the lines joined, trailing newlines dropped. */
const captured = (lines: readonly string[]) => lines.join('\n').replace(/\n+$/, '');
/** `sort | uniq -c` of the lines that are `word`, in uniq's format. */
const uniqCount = (words: readonly string[], word: string) => {
  const n = words.filter((w) => w === word).length;
  return n === 0 ? '' : `${String(n).padStart(7)} ${word}`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function checkUrlLive(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { redirect: 'follow' });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

// The script's functions.

async function testConfig(config: string, key: string): Promise<void> {
  // joblist=$(aurora config list $_config | tr -dc '[[:print:]]'); [[ "$joblist" = *"$_jobkey"* ]]
  const r = await ok(aurora('config', 'list', config));
  expect(r.stdout.replace(/[^\x20-\x7e]/g, '')).toContain(key);
}

/** `aurora job status KEY --write-json | jq -r ".[0].active[$_id].status"` */
async function taskStatus(key: string, id: number): Promise<string> {
  const r = await ok(aurora('job', 'status', key, '--write-json'));
  const status = (JSON.parse(r.stdout) as { active?: { status?: string }[] }[])[0]?.active?.[id]?.status;
  return status ?? 'null';
}

/** `jq -r ".[0].active[].status" | grep $STATE | wc -l` */
async function taskCounts(key: string): Promise<{ running: number; pending: number }> {
  const r = await ok(aurora('job', 'status', key, '--write-json'));
  const statuses = ((JSON.parse(r.stdout) as { active?: { status?: string }[] }[])[0]?.active ?? []).map((t) => t.status ?? '');
  return { running: statuses.filter((s) => s.includes('RUNNING')).length, pending: statuses.filter((s) => s.includes('PENDING')).length };
}

async function assertTaskStatus(key: string, id: number, expected: string): Promise<void> {
  expect(await taskStatus(key, id), `task ${key}/${id}`).toBe(expected);
}

async function waitUntilTaskStatus(key: string, id: number, expected: string): Promise<void> {
  let state = '';
  await pollUntil(`${key}/${id} ${expected}`, async () => (state = await taskStatus(key, id)) === expected).catch((e: Error) => {
    throw new Error(`${e.message}; last seen ${state}`);
  });
}

async function waitUntilTaskCounts(key: string, running: number, pending: number): Promise<void> {
  let last = { running: -1, pending: -1 };
  await pollUntil(`${key}: ${running} RUNNING and ${pending} PENDING`, async () => {
    last = await taskCounts(key);
    return last.running === running && last.pending === pending;
  }).catch((e: Error) => {
    throw new Error(`${e.message}; last seen ${last.running} RUNNING and ${last.pending} PENDING`);
  });
}

/** `aurora_admin host_status --hosts=$_host $_cluster 2>&1 | tail -n1 | awk -F' ' '{print $6}'` */
async function assertHostStatus(host: string, cluster: string, expected: string): Promise<void> {
  const r = await ok(auroraAdmin('host_status', `--hosts=${host}`, cluster));
  expect(awk(tailLast(r.stdout + r.stderr), 6)).toBe(expected);
}

/** `aurora update list $_jobkey --status active | tail -n +2 | awk '{print $3}'` */
async function assertActiveUpdateState(key: string, expected: string): Promise<void> {
  const r = await ok(aurora('update', 'list', key, '--status', 'active'));
  expect(captured(tailFrom2(r.stdout).map((l) => awk(l, 3))), `${r.stdout}`).toBe(expected);
}

/** `aurora update list $_jobkey --status $STATUS | tail -n +2 | awk '{print $2}'` */
async function updateIdOf(key: string, status: string): Promise<string> {
  const r = await ok(aurora('update', 'list', key, '--status', status));
  const id = captured(tailFrom2(r.stdout).map((l) => awk(l, 2)));
  expect(id, r.stdout).toMatch(/^\S+$/);
  return id;
}

/** `aurora update info $_jobkey $_update_id | grep 'Current status' | awk '{print $NF}'` */
async function assertUpdateStateById(key: string, id: string, expected: string): Promise<void> {
  const r = await ok(aurora('update', 'info', key, id));
  expect(captured(linesOf(r.stdout).filter((l) => l.includes('Current status')).map((l) => awk(l, 0)))).toBe(expected);
}

async function testObserverUi(cluster: string, role: string, job: string): Promise<void> {
  // observer_url="$TEST_SLAVE_IP:1338"; check_url_live "$observer_url"
  expect(await checkUrlLive(testCluster.agent.url)).toBe(true);
  await pollUntil(`the observer's page of ${role}/${job}/0`, async () => {
    const r = await auroraAdmin('query', '-l', '%taskId%', '--shards=0', '--states=RUNNING', cluster, role, job);
    const taskId = r.stdout.trim();
    return r.code === 0 && taskId !== '' && (await checkUrlLive(`${testCluster.agent.url}/task/${taskId}`));
  });
}

async function testJobStatus(cluster: string, role: string, env_: string, job: string): Promise<void> {
  const key = `${cluster}/${role}/${env_}/${job}`;
  // aurora job list $_cluster/$_role/$_env | grep "$_jobkey"
  const list = await ok(aurora('job', 'list', `${cluster}/${role}/${env_}`));
  expect(linesOf(list.stdout).filter((l) => l.includes(key))).not.toHaveLength(0);
  await ok(aurora('job', 'status', key));
}

async function testKill(key: string, ...extra: string[]): Promise<void> {
  await ok(aurora('job', 'kill', `${key}/1`, ...extra));
  await ok(aurora('job', 'killall', key, ...extra));
}

/** test_file_removed: gone within 10 s. */
async function testFileRemoved(file: string): Promise<void> {
  await pollUntil(`${file} removed`, async () => !existsSync(file), 10_000);
}

async function waitForPort(port: number): Promise<void> {
  await pollUntil(`a listener on 127.0.0.1:${port}`, () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    }),
  );
}

interface Sshd {
  readonly port: number;
  readonly key: string;
  stop(): Promise<void>;
}

/** An sshd of this test's own: 127.0.0.1 only, a free port, a temporary host key and authorized key. */
async function startSshd(dir: string): Promise<Sshd> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'user_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'user_key.pub')), { mode: 0o600 });
  // sshd's privilege separation directory (Debian's service makes it).
  mkdirSync('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn(
    SSHD,
    [
      '-D',
      '-e',
      '-f', '/dev/null',
      '-o', `Port=${port}`,
      '-o', 'ListenAddress=127.0.0.1',
      '-o', `HostKey=${path.join(dir, 'host_key')}`,
      '-o', `AuthorizedKeysFile=${path.join(dir, 'authorized_keys')}`,
      '-o', `PidFile=${path.join(dir, 'sshd.pid')}`,
      '-o', 'PermitRootLogin=prohibit-password',
      '-o', 'PasswordAuthentication=no',
      '-o', 'StrictModes=no',
      '-o', 'UsePAM=no',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  sshd.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
  const exited = new Promise<void>((resolve) => sshd.once('exit', () => resolve()));
  const stop = async () => {
    if (sshd.exitCode === null && sshd.signalCode === null) sshd.kill('SIGTERM');
    await exited;
  };
  try {
    await waitForPort(port);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; sshd: ${log}`);
  }
  return { port, key: path.join(dir, 'user_key'), stop };
}

let sshd: Sshd | undefined;

/**
 * Holds the http_example servers (test/fixtures/aurora-e2e/http_example.py): while held, a new
 * server warms up and one asked to quit drains, so an update is still in progress for the
 * script's commands between `update start` and `update wait` however fast the host is (Aurora's
 * executor start-up and 30 s health checks make sure of it there). Released before the wait.
 */
let holdFile: string;
async function holding<T>(steps: () => Promise<T>): Promise<T> {
  writeFileSync(holdFile, '');
  try {
    return await steps();
  } finally {
    rmSync(holdFile, { force: true });
  }
}

/** test_http_example for one job of the family: a `describe` of its steps. */
export function testHttpExample(job: string, baseConfig: string): void {
  const key = jobKey(job);
  const updated = TEST_CONFIG_UPDATED_FILE;
  const bad = TEST_BAD_HEALTHCHECK_CONFIG_UPDATED_FILE;
  const binds = () => stageBind;

  describe(`test_http_example ${job}`, () => {
    it('test_config, test_inspect, test_create, test_job_status', async () => {
      await testConfig(baseConfig, key);
      await ok(aurora('job', 'inspect', key, baseConfig, ...binds()));
      await ok(aurora('job', 'create', key, baseConfig, ...binds()));
      await testJobStatus(TEST_CLUSTER, TEST_ROLE, TEST_ENV, job);
    });

    it('test_scheduler_ui, test_observer_ui', async () => {
      for (const page of ['/leaderhealth', '/scheduler', `/scheduler/${TEST_ROLE}`, `/scheduler/${TEST_ROLE}/${TEST_ENV}/${job}`]) {
        expect(await checkUrlLive(`${testCluster.scheduler.url}${page}`), page).toBe(true);
      }
      await testObserverUi(TEST_CLUSTER, TEST_ROLE, job);
    });

    it.runIf(hasSshd)('test_thermos_profile: aurora task ssh runs in the sandbox, where .thermos_profile was sourced', async () => {
      // read_env_output=$(aurora task ssh $_jobkey/0 --command='tail -1 .logs/read_env/0/stdout' |tr -d '\r\n')
      const options = `-p ${sshd!.port} -i ${sshd!.key} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
      const r = await ok(aurora('task', 'ssh', `${key}/0`, '--ssh-user', 'root', `--ssh-options=${options}`, '--command=tail -1 .logs/read_env/0/stdout'));
      expect(r.stdout.replace(/[\r\n]/g, '')).toBe('hello');
    });

    it('test_restart', async () => {
      // Aurora's --watch-secs=10
      await ok(aurora('job', 'restart', '--batch-size=2', '--watch-secs=1', key));
    });

    it('test_update_add_only_kill_only', async () => {
      for (const [instances, running] of [
        ['3', 3],
        ['1', 1],
        ['3', 3],
      ] as const) {
        const id = await holding(async () => {
          await ok(aurora('update', 'start', key, baseConfig, ...binds(), '--bind', `profile.instances=${instances}`));
          await assertActiveUpdateState(key, 'ROLLING_FORWARD');
          return updateIdOf(key, 'ROLLING_FORWARD');
        });
        await ok(aurora('update', 'wait', key, id));
        await assertUpdateStateById(key, id, 'ROLLED_FORWARD');
        await waitUntilTaskCounts(key, running, 0);
      }
      await ok(aurora('job', 'killall', key));
    });

    const testUpdate = async () => {
      const id = await holding(async () => {
        await ok(aurora('update', 'start', key, updated, ...binds()));
        await assertActiveUpdateState(key, 'ROLLING_FORWARD');
        const id = await updateIdOf(key, 'ROLLING_FORWARD');
        await ok(auroraAdmin('scheduler_snapshot', 'devcluster'));
        await testCluster.restartScheduler();
        await assertActiveUpdateState(key, 'ROLLING_FORWARD');
        await ok(aurora('update', 'pause', key, '--message=hello'));
        await assertActiveUpdateState(key, 'ROLL_FORWARD_PAUSED');
        await ok(aurora('update', 'resume', key));
        await assertActiveUpdateState(key, 'ROLLING_FORWARD');
        return id;
      });
      await ok(aurora('update', 'wait', key, id));
      // Check that the update ended in ROLLED_FORWARD state.  Assumes the status is the last column.
      await assertUpdateStateById(key, id, 'ROLLED_FORWARD');
    };

    it('test_update: start, scheduler_snapshot and a scheduler restart mid-update, pause, resume, wait', testUpdate);

    it('test_update_fail: an update to a config whose health check fails rolls back', async () => {
      const first = await holding(async () => {
        await ok(aurora('update', 'start', key, baseConfig, ...binds()));
        await assertActiveUpdateState(key, 'ROLLING_FORWARD');
        return updateIdOf(key, 'ROLLING_FORWARD');
      });
      await ok(aurora('update', 'wait', key, first));

      const id = await holding(async () => {
        await ok(aurora('update', 'start', key, bad, ...binds()));
        return updateIdOf(key, 'active');
      });
      // aurora update wait $_jobkey $_update_id || echo $?
      const waited = await aurora('update', 'wait', key, id);
      expect(waited.code, waited.stderr).toBe(4);
      await assertUpdateStateById(key, id, 'ROLLED_BACK');
    });

    it('test_update again, to change state to success', testUpdate);

    it('test_run: aurora task run lists the sandbox of every instance', async () => {
      const r = await ok(aurora('task', 'run', key, 'ls -a'));
      expect(uniqCount(linesOf(r.stdout).map((l) => awk(l, 2)), '.logs')).toBe('      3 .logs');
    });

    it('test_scp_success, test_scp_permissions', async () => {
      const filename = 'scp_success.txt';
      const sandboxFiles = async () => linesOf((await aurora('task', 'run', `${key}/0`, 'ls')).stdout).map((l) => awk(l, 2));
      expect(uniqCount(await sandboxFiles(), filename)).not.toBe(`      1 ${filename}`);
      writeFileSync(path.join(root, filename), '');
      await ok(aurora('task', 'scp', filename, `${key}/0:`));
      expect(uniqCount(await sandboxFiles(), filename)).toBe(`      1 ${filename}`);

      writeFileSync(path.join(root, 'scp_fail_permission.txt'), '');
      // _sandbox_contents=$(aurora task scp $_filename ${_jobkey}:../../ 2>&1 > /dev/null)
      const denied = await aurora('task', 'scp', 'scp_fail_permission.txt', `${key}/0:../../`);
      expect(denied.code, 'Permission to exit chroot jail given when should have failed').toBe(1);
      expect(denied.stderr).toContain('../scp_fail_permission.txt: Permission denied');
    });

    it('test_kill, test_quota', async () => {
      await testKill(key);
      await ok(aurora('quota', 'get', `${TEST_CLUSTER}/${TEST_ROLE}`));
    });
  });
}

async function runSlaAwareMaintenance(config: string, cluster: string, key: string): Promise<void> {
  const binds = ['--bind', `duration_secs=${bindings['duration_secs']}`, '--bind', `coordinator_port=${bindings['coordinator_port']}`, '--bind', `coordinator_dir=${FIXTURES}`];
  await ok(aurora('job', 'create', key, config, ...binds, '--wait-until', 'RUNNING'));
  // assert the number of tasks, the job should have 2 RUNNING tasks
  await waitUntilTaskCounts(key, 2, 0);
  // The coordinator must answer before the drain asks it (Aurora's vagrant box is slow enough).
  if (key === TEST_JOB_COORDINATOR_SLA) await waitForPort(Number(bindings['coordinator_port']));
  // check that the host starts with no maintenance mode
  await assertHostStatus(TEST_SLAVE_IP, cluster, 'NONE');
  // trigger sla aware drain with default timeout: only the allowed number (1 each) of tasks drain
  await ok(auroraAdmin('sla_host_drain', `--hosts=${TEST_SLAVE_IP}`, cluster));
  // force a scheduler restart and make sure that the maintenance request is still satisfied
  await testCluster.restartScheduler();
  await assertHostStatus(TEST_SLAVE_IP, cluster, 'DRAINING');
  // tasks get drained as allowed by the sla policy
  await waitUntilTaskCounts(key, 1, 1);
  if (key === TEST_JOB_COORDINATOR_SLA) {
    await assertTaskStatus(key, 0, 'PENDING');
    await assertTaskStatus(key, 1, 'RUNNING');
  }
  await assertHostStatus(TEST_SLAVE_IP, cluster, 'DRAINING');
  // force sla aware drain with zero timeout
  await ok(auroraAdmin('sla_host_drain', '--force_drain_timeout=0s', `--hosts=${TEST_SLAVE_IP}`, cluster));
  await waitUntilTaskCounts(key, 0, 2);
  await ok(auroraAdmin('host_activate', `--hosts=${TEST_SLAVE_IP}`, cluster));
  await waitUntilTaskCounts(key, 2, 0);
  await ok(aurora('job', 'killall', key));
}

/** Kills, by pid, every process whose working directory is in `dir` (this test's tasks). */
function killProcessesIn(dir: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (!cwd.startsWith(`${dir}/`)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

function whichPython3(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A describe of some of the script's steps on a cluster of its own: the scheduler (with a
 * security.ini, BASIC like Aurora's vagrant cluster), one agent named 127.0.0.1 whose tasks get
 * ports from PORTBASE-(PORTBASE+999) (each part its own range, as parts run side by side), an
 * sshd of the test's own when the host has one, and the script's tear_down after. Skipped where
 * the host has no python3 (the configs' servers are Python).
 */
export function describeAuroraE2eScript(part: string, portBase: number, steps: () => void): void {
  let started = 0;
  describe.runIf(PYTHON3 !== undefined)(`Aurora's end-to-end script (test_end_to_end.sh): ${part}`, () => {
    beforeAll(async () => {
      started = Date.now();
      root = mkdtempSync(path.join(tmpdir(), 'aurora-e2e-script-'));
      // The tasks' users pass through to the hold file and the fixtures' files.
      chmodSync(root, 0o711);
      holdFile = path.join(root, 'hold');
      home = path.join(root, 'home');
      // `python`, as Aurora's configs call it: the host's python3.
      const bin = path.join(root, 'bin');
      mkdirSync(bin);
      symlinkSync(PYTHON3!, path.join(bin, 'python'));
      testCluster = await startTestCluster({
        root,
        securityIni: ['[users]', 'aurora = secret, admin', '', '[roles]', 'admin = *', ''].join('\n'),
        schedulerArgs: [
          '--agent-lost-timeout-ms', '8000',
          '--min-required-instances-for-sla-check', '1',
          '--backup-dir', path.join(root, 'backups'),
          '--backup-interval-ms', '0',
          // A task the bad health check killed, or one LOST with its agent, is replaced at once, not
          // held back as flapping.
          '--flapping-initial-delay-ms', '500',
          '--lost-initial-delay-ms', '500',
        ],
        agents: [
          {
            args: ['--host', TEST_SLAVE_IP, '--kill-grace-ms', '500', '--cpu', '8', '--ram-mb', '8192', '--disk-mb', '20000', '--port-range', `${portBase}-${portBase + 999}`],
            env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, HTTP_EXAMPLE_HOLD: holdFile },
          },
        ],
        clientEnv: { PATH: process.env['PATH'], HOME: home, USER: TEST_ROLE, LOGNAME: TEST_ROLE },
      });
      testCluster.home('home', 'aurora', 'secret');
      stageBind = ['--bind', `profile.cmd=cp ${path.join(FIXTURES, 'http_example.py')} .`];
      bindings['duration_secs'] = '2';
      bindings['coordinator_port'] = String(await freePort());
      if (hasSshd) sshd = await startSshd(path.join(root, 'sshd'));
    }, 60_000);

    afterAll(async () => {
      // The script's tear_down once more, when a failure kept its step from running.
      if (testCluster && !tornDown) await tearDown().catch(() => undefined);
      await sshd?.stop();
      await testCluster?.stop();
      // The agent leaves its tasks running when it stops (as the partition wants): any the
      // scheduler no longer knew of, and so never killed, go now.
      if (root) killProcessesIn(path.join(root, 'agent', 'sandboxes'));
      if (root) rmSync(root, { recursive: true, force: true });
      const calls = [...cliCalls].sort((x, y) => y[1] - x[1]);
      const commands = `${calls.reduce((n, [, c]) => n + c, 0)} commands (${calls.map(([k, c]) => `${c} ${k}`).join(', ')})`;
      console.log(`Aurora's end-to-end script, ${part}: ${Math.round((Date.now() - started) / 1000)} s, ${commands}`);
    }, 60_000);

    afterEach((ctx) => {
      if (ctx.task.result?.state !== 'fail') return;
      // What the daemons saw, to tell a flaky host from a bug.
      const tail = (log: string, n: number) => log.split('\n').slice(-n).join('\n');
      console.log(`scheduler log (last 40 lines):\n${tail(testCluster.scheduler.log(), 40)}\nagent log (last 60 lines):\n${tail(testCluster.agent.log(), 60)}`);
    });

    steps();

    it('tear_down: every job of the role killed with killall --no-batching, the quota set to 0, the host activated', async () => {
      await tearDown(ok);
      tornDown = true;
    });
  });
}

let tornDown = false;

/**
 * The script's tear_down: `for job in $(aurora job list CLUSTER/ROLE | grep ROLE)`, an update
 * abort (whatever it says) and `job killall --no-batching` each; then the role's quota to 0 and
 * the host out of maintenance. `check` holds the commands that must succeed.
 */
async function tearDown(check: (p: Promise<CliResult>) => Promise<CliResult> = (p) => p): Promise<void> {
  const list = await check(aurora('job', 'list', `${TEST_CLUSTER}/${TEST_ROLE}`));
  // bash's word splitting of the grep's lines
  const jobs = linesOf(list.stdout)
    .filter((l) => l.includes(TEST_ROLE))
    .flatMap((l) => l.split(/\s+/).filter(Boolean));
  for (const job of jobs) {
    await aurora('update', 'abort', job);
    await check(aurora('job', 'killall', '--no-batching', job));
  }
  await check(auroraAdmin('set_quota', TEST_CLUSTER, TEST_ROLE, '0', '0m', '0m'));
  await check(auroraAdmin('host_activate', `--hosts=${TEST_SLAVE_IP}`, TEST_CLUSTER));
}

/** test_sla_aware_maintenance, with run_sla_aware_maintenance for each of its jobs. */
export function testSlaAwareMaintenance(): void {
  it('test_sla_aware_maintenance: count, percentage and coordinator SLA policies through sla_host_drain and a scheduler restart', async () => {
    // add quota for each job (addl. for executor overhead) since only preferred jobs get sla policy
    await ok(auroraAdmin('increase_quota', TEST_CLUSTER, TEST_ROLE, '1.0', '10m', '50m'));
    for (const key of [TEST_JOB_COUNT_SLA, TEST_JOB_PERCENTAGE_SLA, TEST_JOB_COORDINATOR_SLA]) {
      await runSlaAwareMaintenance(TEST_SLA_POLICY_CONFIG_FILE, TEST_CLUSTER, key);
    }
  }, 150_000);
}

/** test_partition_awareness. */
export function testPartitionAwareness(): void {
  it('test_partition_awareness: a stopped agent, then reconcile_tasks', async () => {
    const config = TEST_PARTITION_AWARENESS_CONFIG_FILE;
    for (const key of [TEST_JOB_PA_DEFAULT, TEST_JOB_PA_DISABLED, TEST_JOB_PA_DELAY]) await ok(aurora('update', 'start', '--wait', key, config));
    // partition the agent (Aurora: sudo systemctl stop mesos-slave), then start it back up
    await testCluster.restartAgent({
      whileDown: async () => {
        // the default job should become LOST and then transition to PENDING
        await waitUntilTaskStatus(TEST_JOB_PA_DEFAULT, 0, 'PENDING');
        // the other two should be PARTITIONED
        await assertTaskStatus(TEST_JOB_PA_DISABLED, 0, 'PARTITIONED');
        await assertTaskStatus(TEST_JOB_PA_DELAY, 0, 'PARTITIONED');
      },
    });
    // Aurora sleeps 30 s for the agent to register again; here, until the scheduler has it ACTIVE.
    await pollUntil('the agent registered again', async () => {
      const r = await auroraAdmin('host_status', TEST_CLUSTER, '--json');
      return r.code === 0 && r.stdout.includes('ACTIVE');
    });
    await ok(auroraAdmin('reconcile_tasks', TEST_CLUSTER));
    // the PARTITIONED tasks should now be running
    await waitUntilTaskStatus(TEST_JOB_PA_DISABLED, 0, 'RUNNING');
    await assertTaskStatus(TEST_JOB_PA_DISABLED, 0, 'RUNNING');
    await assertTaskStatus(TEST_JOB_PA_DELAY, 0, 'RUNNING');
    for (const key of [TEST_JOB_PA_DEFAULT, TEST_JOB_PA_DISABLED, TEST_JOB_PA_DELAY]) await ok(aurora('job', 'killall', key));
  }, 90_000);
}

/** test_version. */
export function testVersion(): void {
  it('test_version: aurora --version prints the version on stderr', async () => {
    const r = await ok(aurora('--version'));
    const version = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect((r.stdout + r.stderr).trim()).toBe(version);
  });
}

/** test_health_check. */
export function testHealthCheck(): void {
  it("test_health_check: the scheduler's /health says OK", async () => {
    const res = await fetch(`${testCluster.scheduler.url}/health`);
    expect(await res.text()).toBe('OK');
  });
}

/** test_http_example_basic, of the revocable job and of TEST_JOB_KILL_MESSAGE_ARGS. */
export function testHttpExampleBasic(): void {
  for (const [job, extra] of [
    ['http_example_revocable', []],
    ['http_example', ["--message='Test message'"]],
  ] as const) {
    it(`test_http_example_basic ${job}${extra.length > 0 ? ' with a kill message' : ''}`, async () => {
      const key = jobKey(job);
      await ok(aurora('job', 'create', key, TEST_CONFIG_FILE, ...stageBind));
      await testObserverUi(TEST_CLUSTER, TEST_ROLE, job);
      await testKill(key, ...extra);
    });
  }
}

/** test_admin. */
export function testAdmin(): void {
  it('test_admin: get_scheduler and host_status', async () => {
    const leader = await ok(auroraAdmin('get_scheduler', TEST_CLUSTER));
    expect(linesOf(leader.stdout).filter((l) => l.includes(`:${new URL(testCluster.scheduler.url).port}`))).not.toHaveLength(0);
    await ok(auroraAdmin('host_status', `--hosts=${TEST_SLAVE_IP}`, TEST_CLUSTER));
  });
}

/** test_basic_auth_unauthenticated. */
export function testBasicAuthUnauthenticated(): void {
  it('test_basic_auth_unauthenticated: without ~/.netrc, job create exits 30', async () => {
    const netrc = path.join(home, '.netrc');
    renameSync(netrc, `${netrc}.bak`);
    try {
      const r = await aurora('job', 'create', jobKey('http_example'), TEST_CONFIG_FILE, ...stageBind);
      expect(r.code, `Expected auth error exit code, got ${r.code}: ${r.stderr}`).toBe(30);
    } finally {
      renameSync(`${netrc}.bak`, netrc);
    }
  });
}

/** test_ephemeral_daemon_with_final. */
export function testEphemeralDaemonWithFinal(): void {
  it('test_ephemeral_daemon_with_final: the final process runs once main ends, the ephemeral daemon not waited for', async () => {
    const job = 'ephemeral_daemon_with_final';
    const stopFile = path.join(mkdtempSync(path.join(root, 'stop-')), 'stop_file');
    await ok(aurora('job', 'create', jobKey(job), TEST_EPHEMERAL_DAEMON_WITH_FINAL_CONFIG_FILE, '--bind', `stop_file=${stopFile}`));
    await testObserverUi(TEST_CLUSTER, TEST_ROLE, job);
    await testJobStatus(TEST_CLUSTER, TEST_ROLE, TEST_ENV, job);
    writeFileSync(stopFile, ''); // Stops 'main_process'.
    await testFileRemoved(stopFile); // Removed by 'final_process'.
  });
}

/** test_daemonizing_process. */
export function testDaemonizingProcess(): void {
  it('test_daemonizing_process: a double-forked daemon still gets SIGTERM when the task is killed', async () => {
    const job = 'daemonize';
    const termFile = path.join(mkdtempSync(path.join(root, 'term-')), 'term_file');
    writeFileSync(termFile, '');
    await ok(aurora('job', 'create', jobKey(job), TEST_DAEMONIZING_PROCESS_CONFIG_FILE, '--bind', `term_file=${termFile}`));
    await testObserverUi(TEST_CLUSTER, TEST_ROLE, job);
    await testJobStatus(TEST_CLUSTER, TEST_ROLE, TEST_ENV, job);
    await testKill(jobKey(job));
    await testFileRemoved(termFile);
  });
}

/** test_recovery_tool. */
export function testRecoveryTool(): void {
  it('test_recovery_tool: a backup, a scheduler on empty storage, the backup recovered, the update still there', async () => {
    // update=$(aurora update list devcluster --write-json | jq -r '.[0] | .job + " " + .id')
    const list = await ok(aurora('update', 'list', TEST_CLUSTER, '--write-json'));
    const newest = (JSON.parse(list.stdout) as { job: string; id: string }[])[0]!;
    const update = [newest.job, newest.id];
    await ok(auroraAdmin('scheduler_backup_now', TEST_CLUSTER));
    let backup = '';
    await testCluster.restartScheduler({
      whileDown: () => {
        // Reset storage
        rmSync(path.join(root, 'scheduler'), { recursive: true, force: true });
        // Identify the newest backup file: basename $(ls -dtr1 $BACKUPS_DIR/* | tail -n1)
        const backups = readdirSync(path.join(root, 'backups'))
          .filter((f) => !f.startsWith('.'))
          .sort((a, b) => statSync(path.join(root, 'backups', a)).mtimeMs - statSync(path.join(root, 'backups', b)).mtimeMs);
        backup = backups.at(-1)!;
      },
    });
    // Recover: the scheduler is back, on empty storage
    await ok(auroraAdmin('scheduler_stage_recovery', TEST_CLUSTER, backup));
    await ok(auroraAdmin('scheduler_commit_recovery', TEST_CLUSTER));
    // This command exits non-zero if the update is not found.
    await pollUntil('the recovered scheduler answering', async () => (await aurora('update', 'info', ...update)).code === 0, 20_000);
    await ok(aurora('update', 'info', ...update));
  }, 60_000);
}
