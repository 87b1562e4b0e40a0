/**
 * Aurora's end-to-end script (apache/aurora src/test/sh/org/apache/aurora/e2e/test_end_to_end.sh),
 * its command sequence ported step by step: the compiled `aurora` and `aurora_admin` (run
 * `npm run build` first) against the compiled scheduler (with a security.ini, so the cluster is
 * BASIC as Aurora's vagrant cluster is, and the client sends ~/.netrc) and one real agent named
 * 127.0.0.1 (Aurora's TEST_SLAVE_IP: one agent, so a drained or partitioned task waits PENDING as
 * there). Each step runs the script's commands with its flags and checks their output the way the
 * script does, its shell pipelines done in JS next to them: `tail -n +2 | awk '{print $3}'`,
 * `grep 'Current status' | awk '{print $NF}'`, `jq -r '.[0].active[N].status'`, `2>&1 | tail -n1
 * | awk '{print $6}'`, `awk '{print $2}' | grep .logs | sort | uniq -c`. The steps live in
 * ./aurora-e2e-script-steps.ts; the script runs in four parts, each on a cluster of its own, so
 * vitest runs them side by side:
 * - this file: test_version, test_http_example http_example, test_health_check,
 *   test_http_example_basic (revocable, and with a kill message), test_admin,
 *   test_basic_auth_unauthenticated, test_ephemeral_daemon_with_final, test_daemonizing_process,
 *   test_recovery_tool;
 * - aurora-e2e-script-maintenance.test.ts: test_sla_aware_maintenance, test_partition_awareness;
 * - aurora-e2e-script-watch-secs.test.ts: test_http_example http_example_watch_secs;
 * - aurora-e2e-script-var-batch.test.ts: test_http_example http_example_var_batch_update.
 *
 * The configs are Aurora's, ported by hand (test/fixtures/aurora-e2e): http_example.aurora.ts
 * (with Aurora's numbers; http_example_quick.aurora.ts is it with 1 s update watches for the
 * watch_secs and var_batch_update jobs), http_example_updated, http_example_bad_healthcheck,
 * sla_policy, partition_aware, ephemeral_daemon_with_final and test_daemonizing_process, each
 * saying in its header what differs from Aurora's and why. Aurora's Python 2 servers are ported
 * to Python 3 (http_example.py, sla_coordinator.py), listening on 127.0.0.1 only; the configs run
 * them as `python`, which the test points at the host's python3 (the agent's PATH starts with a
 * directory holding that one link). Aurora's `cp /vagrant/.../http_example.py .` is bound with
 * `--bind profile.cmd=...` to this checkout's copy. Without python3 the suites are skipped.
 *
 * Differences from the script, each for a reason:
 * - Shorter waits, so the script runs in minutes: polls every 250 ms rather than every 20 s;
 *   `job restart --watch-secs=1` (Aurora's 10); the SLA policies' duration bound to 2 s (Aurora's
 *   60); the configs' health checks and update watches shortened (in their headers); the
 *   scheduler's `--agent-lost-timeout-ms 8000`, `--min-required-instances-for-sla-check 1` (the
 *   script's SLA jobs have 2 instances) and `--flapping-initial-delay-ms`/`--lost-initial-delay-ms
 *   500`, the agent's `--kill-grace-ms 500`.
 * - Aurora's script relies on its updates lasting long enough for the commands it runs between
 *   `update start` and `update wait` (30 s health checks, a slow executor). Here the test holds the
 *   http_example servers' warm-up and drain (a hold file, see http_example.py) from `update start`
 *   until just before `update wait`, so each update is still in progress there on any host.
 * - `aurora task ssh` (test_thermos_profile) logs in as root with `--ssh-user root --ssh-options
 *   '-p PORT -i KEY ...'` to an sshd the test starts on 127.0.0.1 (the role, vagrant, is no user
 *   here, and Aurora's vagrant box had its own sshd on port 22); skipped without /usr/sbin/sshd
 *   (`.ci/run` installs openssh-server).
 * - The partition: Aurora stops mesos-slave; this stops the agent (its tasks keep running), and
 *   waits for the agent to sync again before `aurora_admin reconcile_tasks` instead of sleeping 30 s.
 * - The scheduler restarts (`systemctl restart aurora-scheduler`) stop the scheduler process and
 *   start it again on the same data dir and port. The recovery (test_recovery_tool, Aurora's
 *   recovery-tool from a backup into a fresh replicated log) starts it on an empty data dir and
 *   stages and commits the newest backup with `aurora_admin scheduler_stage_recovery` and
 *   `scheduler_commit_recovery`.
 * - test_http_example_basic with "--message='Test message'" (TEST_JOB_KILL_MESSAGE_ARGS, which the
 *   script passes where test_http_example_basic never reads it) passes the message to the kills.
 * - `aurora task run` exits 4 when the command fails on an instance (Aurora's client exited 0;
 *   docs/OPERATIONS.md); the script's `aurora task run` commands never fail, so no step differs.
 *
 * Steps of the script not run, and why:
 * - test_discovery_info: reads the DiscoveryInfo Aurora puts on Mesos tasks from the Mesos
 *   master's /state; there is no Mesos master.
 * - test_file_mount, test_appc_unified, test_docker_unified, setup_image_stores: the Mesos
 *   containerizer (appc and Docker images, volumes); agents here have none (docs/CONFIGURATION.md).
 * - test_http_example for http_example_docker, setup_docker_registry: Docker images from a registry.
 * - test_mesos_maintenance: Mesos maintenance schedules posted to the Mesos master.
 * - test_http_example_basic for http_example_gpu: the agent offers no GPUs (Mesos' GPU isolator).
 * - test_announce: validates a ZooKeeper serverset with kazoo; nothing here announces to ZooKeeper.
 * - setup_ssh, aurorabuild, vagrant: the environment (the ssh key is made with the test's sshd).
 * - test_kerberos_end_to_end.sh: SPNEGO/Kerberos authentication, which the scheduler does not offer.
 * - test_bypass_leader_redirect_end_to_end.sh: a scheduler awaiting registration with a stopped
 *   Mesos master, queried with --bypass-leader-redirect; there is no Mesos master.
 */
import {
  TEST_CONFIG_FILE,
  describeAuroraE2eScript,
  testAdmin,
  testBasicAuthUnauthenticated,
  testDaemonizingProcess,
  testEphemeralDaemonWithFinal,
  testHealthCheck,
  testHttpExample,
  testHttpExampleBasic,
  testRecoveryTool,
  testVersion,
} from './aurora-e2e-script-steps.js';

describeAuroraE2eScript('http_example and the rest', 21_000, () => {
  testVersion();
  testHttpExample('http_example', TEST_CONFIG_FILE);
  testHealthCheck();
  testHttpExampleBasic();
  testAdmin();
  testBasicAuthUnauthenticated();
  testEphemeralDaemonWithFinal();
  testDaemonizingProcess();
  testRecoveryTool();
});
