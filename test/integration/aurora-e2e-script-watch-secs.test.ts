/**
 * Aurora's end-to-end script: test_http_example for http_example_watch_secs (updates batch by 2,
 * each batch watched), on a cluster of its own. ./aurora-e2e-script.test.ts says how the script
 * is ported and what differs.
 */
import { TEST_CONFIG_QUICK_FILE, describeAuroraE2eScript, testHttpExample } from './aurora-e2e-script-steps.js';

describeAuroraE2eScript('http_example_watch_secs', 23_000, () => {
  testHttpExample('http_example_watch_secs', TEST_CONFIG_QUICK_FILE);
});
