import { signatureOf } from './constraints.js';
import type { GroupNeeds } from './group-needs.js';
import type { HostPool } from './host-pool.js';
import { fromUnits, toUnits } from './resource-units.js';

/**
 * Why a task fits nowhere, in words for `aurora job status` and the web UI. One counting pass
 * over every host runs every check (so one host can count under several reasons; a dedicated host
 * the job may not use counts only as such, and an unavailable host only under its status) and
 * keeps counts and extremes, never a record per host. Reasons come in check order, one clause
 * each, joined with '; ', each with how many agents it applies to: "2 agents are dedicated to
 * other jobs; Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)". Where the
 * executor allowance adds to what the task asked for, the need says both: "needs 17 MiB: 1 MiB
 * and 16 MiB executor allowance".
 */

type ScalarResource = 'cpu' | 'ram' | 'disk' | 'gpu';

const RESOURCES: readonly ScalarResource[] = ['cpu', 'ram', 'disk', 'gpu'];

export function explainUnplaced(pool: HostPool, needs: GroupNeeds): string {
  const hosts = pool.size;
  if (hosts === 0) return 'No agents registered';
  const { freeCpu, freeRam, freeDisk, freeGpu, freePorts } = pool.columns;
  const { cpu, ram, disk, gpu } = needs.units;
  const portsNeeded = needs.portNames.length;
  // Per check (cpu, ram, disk, gpu, ports): agents it fails on, and the most any of them has free.
  const short = [0, 0, 0, 0, 0];
  const mostFree = [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity];
  const fails = (check: number, free: number) => {
    short[check]!++;
    if (free > mostFree[check]!) mostFree[check] = free;
  };
  const statuses = new Map<string, number>();
  let available = 0;
  const excludesDedicated = needs.excludesDedicated;
  let dedicatedElsewhere = 0;

  // Straight-line checks over typed arrays: this pass reads every host.
  for (let host = 0; host < hosts; host++) {
    // As in Aurora, a dedicated host is vetoed before anything else.
    if (excludesDedicated && pool.isDedicated(host)) {
      dedicatedElsewhere++;
      continue;
    }
    if (!pool.isAvailable(host)) {
      const status = pool.spec(host).unavailable ?? 'unavailable';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      continue;
    }
    available++;
    if (freeCpu[host]! < cpu) fails(0, freeCpu[host]!);
    if (freeRam[host]! < ram) fails(1, freeRam[host]!);
    if (freeDisk[host]! < disk) fails(2, freeDisk[host]!);
    if (freeGpu[host]! < gpu) fails(3, freeGpu[host]!);
    if (freePorts[host]! < portsNeeded) fails(4, freePorts[host]!);
  }
  const shown = [needs.resources.cpu, needs.resources.ramMb, needs.resources.diskMb, needs.resources.gpu];
  const asked = [needs.requested.cpu, needs.requested.ramMb, needs.requested.diskMb, needs.requested.gpu];

  const clauses: string[] = [];
  if (dedicatedElsewhere > 0) clauses.push(`${agents(dedicatedElsewhere)} ${dedicatedElsewhere === 1 ? 'is' : 'are'} dedicated to other jobs`);
  for (const [status, count] of [...statuses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    clauses.push(`${agents(count)} ${count === 1 ? 'is' : 'are'} ${status}`);
  }
  RESOURCES.forEach((resource, r) => {
    if (short[r] === 0) return;
    const unit = UNITS[resource];
    const allowance = fromUnits(toUnits(shown[r]!) - toUnits(asked[r]!));
    const need = allowance > 0 ? `${unit(shown[r]!)}: ${unit(asked[r]!)} and ${unit(allowance)} executor allowance` : unit(shown[r]!);
    clauses.push(`Insufficient ${resource} on ${agents(short[r]!)} (needs ${need}, largest free ${unit(fromUnits(mostFree[r]!))})`);
  });
  if (short[4]! > 0) clauses.push(`Insufficient ports on ${agents(short[4]!)} (needs ${portsNeeded}, most free ${Math.max(mostFree[4]!, 0)})`);
  for (const c of needs.constraints.all) {
    let unmet: number;
    if (c.kind === 'value') {
      // The pool's cached list of available hosts meeting this one constraint, among the hosts
      // the job may use (the same dedicated rule as `available` above).
      unmet = available - pool.eligibleHosts([c], signatureOf([c]), excludesDedicated).length;
    } else {
      unmet = 0;
      const limit = needs.constraints.limits.indexOf(c);
      for (let host = 0; host < hosts; host++) {
        if (pool.isAvailable(host) && !(excludesDedicated && pool.isDedicated(host)) && needs.limitReached(limit, host)) unmet++;
      }
    }
    if (unmet === 0) continue;
    if (c.kind === 'limit') {
      clauses.push(`Limit of ${c.limit} instance${c.limit === 1 ? '' : 's'} per ${c.attribute} reached on ${agents(unmet)}`);
    } else {
      const wanted = c.negated ? `${c.attribute} != ${c.wanted.slice(1)}` : `${c.attribute} = ${c.wanted}`;
      clauses.push(`Constraint ${wanted} not met on ${agents(unmet)}`);
    }
  }
  // Only reachable if a caller explains a task that fits somewhere.
  return clauses.length > 0 ? clauses.join('; ') : 'No agent fits';
}

const UNITS: Record<ScalarResource, (n: number) => string> = {
  cpu: (n) => `${round(n)} cpu`,
  ram: (n) => `${round(n)} MiB`,
  disk: (n) => `${round(n)} MiB`,
  gpu: (n) => `${round(n)} gpu`,
};

function round(n: number): number {
  return Math.round(Math.max(n, 0) * 100) / 100;
}

function agents(n: number): string {
  return `${n} agent${n === 1 ? '' : 's'}`;
}
