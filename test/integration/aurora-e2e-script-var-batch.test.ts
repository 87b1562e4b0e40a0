/**
 * Aurora's end-to-end script: test_http_example for http_example_var_batch_update (a variable
 * batch update strategy, batches of 1 then 2), on a cluster of its own.
 * ./aurora-e2e-script.test.ts says how the script is ported and what differs.
 */
import { TEST_CONFIG_QUICK_FILE, describeAuroraE2eScript, testHttpExample } from './aurora-e2e-script-steps.js';

describeAuroraE2eScript('http_example_var_batch_update', 24_000, () => {
  // TODO(rdelvalle), as in the script: add verification that each batch has the right number of active instances.
  testHttpExample('http_example_var_batch_update', TEST_CONFIG_QUICK_FILE);
});
