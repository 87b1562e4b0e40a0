/**
 * Aurora's end-to-end script, its first part: test_sla_aware_maintenance (count, percentage and
 * coordinator SLA policies through `aurora_admin sla_host_drain`, a scheduler restart and a
 * forced drain) and test_partition_awareness (a stopped agent, then `aurora_admin
 * reconcile_tasks`), on a cluster of its own. ./aurora-e2e-script.test.ts says how the script is
 * ported and what differs.
 */
import { describeAuroraE2eScript, testPartitionAwareness, testSlaAwareMaintenance } from './aurora-e2e-script-steps.js';

describeAuroraE2eScript('maintenance and partitions', 22_000, () => {
  testSlaAwareMaintenance();
  testPartitionAwareness();
});
