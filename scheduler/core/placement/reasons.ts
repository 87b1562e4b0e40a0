import { meetsValueConstraint } from './constraints.js';
import type { GroupNeeds } from './group-needs.js';
import { fromUnits, type HostPool } from './host-pool.js';

/**
 * Why a task fits nowhere, in words for `aurora job status` and the web UI. One counting pass
 * over every host runs every check (so one host can count under several reasons; an unavailable
 * host counts only under its status) and keeps counts and extremes, never a record per host.
 * Reasons come in check order, one clause each, joined with '; ', each with how many agents it
 * applies to: "Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)".
 */

type ScalarResource = 'cpu' | 'ram' | 'disk' | 'gpu';

interface Shortfall {
  agents: number;
  largestFree: number;
}

export function explainUnplaced(pool: HostPool, needs: GroupNeeds): string {
  if (pool.size === 0) return 'No agents registered';
  const columns = pool.columns;
  const units = needs.units;
  const constraints = needs.constraints.all;
  const statuses = new Map<string, number>();
  const scalar: { resource: ScalarResource; free: Float64Array; needs: number; shown: number }[] = [
    { resource: 'cpu', free: columns.freeCpu, needs: units.cpu, shown: needs.resources.cpu },
    { resource: 'ram', free: columns.freeRam, needs: units.ram, shown: needs.resources.ramMb },
    { resource: 'disk', free: columns.freeDisk, needs: units.disk, shown: needs.resources.diskMb },
    { resource: 'gpu', free: columns.freeGpu, needs: units.gpu, shown: needs.resources.gpu },
  ];
  const shortOf = scalar.map((): Shortfall => ({ agents: 0, largestFree: -Infinity }));
  const ports: Shortfall = { agents: 0, largestFree: -Infinity };
  const portsNeeded = needs.portNames.length;
  const unmet = constraints.map(() => 0);

  for (let host = 0; host < pool.size; host++) {
    if (!pool.isAvailable(host)) {
      const status = pool.spec(host).unavailable ?? 'unavailable';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      continue;
    }
    scalar.forEach(({ free, needs: needed }, i) => {
      const available = free[host]!;
      if (available >= needed) return;
      const s = shortOf[i]!;
      s.agents++;
      s.largestFree = Math.max(s.largestFree, available);
    });
    const freePorts = columns.freePorts[host]!;
    if (portsNeeded > 0 && freePorts < portsNeeded) {
      ports.agents++;
      ports.largestFree = Math.max(ports.largestFree, freePorts);
    }
    constraints.forEach((c, i) => {
      const met = c.kind === 'value' ? meetsValueConstraint(c, pool.attribute(host, c.attribute)) : !needs.limitReached(needs.limitIndex(c), host);
      if (!met) unmet[i]!++;
    });
  }

  const clauses: string[] = [];
  for (const [status, count] of [...statuses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    clauses.push(`${agents(count)} ${count === 1 ? 'is' : 'are'} ${status}`);
  }
  scalar.forEach(({ resource, shown }, i) => {
    const s = shortOf[i]!;
    if (s.agents === 0) return;
    const unit = UNITS[resource];
    clauses.push(`Insufficient ${resource} on ${agents(s.agents)} (needs ${unit(shown)}, largest free ${unit(fromUnits(s.largestFree))})`);
  });
  if (ports.agents > 0) {
    clauses.push(`Insufficient ports on ${agents(ports.agents)} (needs ${portsNeeded}, most free ${Math.max(ports.largestFree, 0)})`);
  }
  constraints.forEach((c, i) => {
    const count = unmet[i]!;
    if (count === 0) return;
    if (c.kind === 'limit') {
      clauses.push(`Limit of ${c.limit} instance${c.limit === 1 ? '' : 's'} per ${c.attribute} reached on ${agents(count)}`);
    } else {
      const wanted = c.negated ? `${c.attribute} != ${c.wanted.slice(1)}` : `${c.attribute} = ${c.wanted}`;
      clauses.push(`Constraint ${wanted} not met on ${agents(count)}`);
    }
  });
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
