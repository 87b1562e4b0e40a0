import type { GetQuotaResponse, ResourceAmounts } from '../../scheduler/api/quota-api.js';

/**
 * What `aurora quota get` and `aurora-admin get_quota` print, in the shape of Aurora's `quota
 * get`: the quota, then what production and other tasks hold, one resource a line with Aurora's
 * names and units (its MB are MiB). This scheduler has one pool, Aurora's shared one. Pure.
 */

/** A cpu amount without the float noise of sums (0.1 + 0.2). */
function cpus(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

/** `  CPU: 4 core(s)` and so on; GPU lines only when `gpu`. Pure. */
export function resourceLines(r: ResourceAmounts, gpu: boolean, indent = '  '): string[] {
  return [
    `${indent}CPU: ${cpus(r.cpu)} core(s)`,
    `${indent}RAM: ${r.ramMb} MB`,
    `${indent}Disk: ${r.diskMb} MB`,
    ...(gpu ? [`${indent}GPU: ${r.gpu} GPU(s)`] : []),
  ];
}

/** One line: `CPU: 4 core(s), RAM: 4096 MB, Disk: 8192 MB`. Pure. */
export function resourceSummary(r: ResourceAmounts): string {
  return resourceLines(r, r.gpu > 0, '').join(', ');
}

/** The quota and the use of a role. Pure. */
export function formatQuota(q: GetQuotaResponse): string[] {
  const gpu = q.quota.gpu > 0 || q.prodUse.gpu > 0 || q.nonProdUse.gpu > 0;
  return [
    'Allocated:',
    ...resourceLines(q.quota, gpu),
    'Production shared pool resources consumed:',
    ...resourceLines(q.prodUse, gpu),
    'Non-production shared pool resources consumed:',
    ...resourceLines(q.nonProdUse, gpu),
  ];
}
