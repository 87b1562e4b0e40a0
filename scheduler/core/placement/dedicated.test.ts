import { describe, expect, it } from 'vitest';
import { dedicatedConstraintProblem, dedicationAllows } from './dedicated.js';
import { hostMeetsConstraints } from './host-constraints.js';
import { HostPool, type HostSpec } from './host-pool.js';

describe('dedicatedConstraintProblem', () => {
  it.each<[string, Record<string, string>, string | null]>([
    ['www-data', {}, null],
    ['www-data', { rack: 'r1' }, null],
    ['www-data', { dedicated: 'www-data/db' }, null],
    ['www-data', { dedicated: 'www-data/web.multi' }, null],
    ['www-data', { dedicated: '*/db' }, null],
    ['www-data', { dedicated: 'other/db' }, 'Only other may use hosts dedicated for that role (the job\'s role is www-data).'],
    ['www-data', { dedicated: 'limit:1' }, 'A dedicated constraint must be of value type.'],
    ['www-data', { dedicated: 'www-data/a,www-data/b' }, "A dedicated constraint must have exactly one value (found 'www-data/a,www-data/b')"],
    ['www-data', { dedicated: '!www-data/db' }, "A dedicated constraint must have exactly one value (found '!www-data/db')"],
    ['www-data', { dedicated: 'www-data' }, "A dedicated constraint is 'role/name' or '*/name' (found 'www-data')"],
    ['www-data', { dedicated: 'www-data/' }, "A dedicated constraint is 'role/name' or '*/name' (found 'www-data/')"],
  ])('role %s, constraints %o: %s', (role, constraints, expected) => {
    expect(dedicatedConstraintProblem(role, constraints)).toBe(expected);
  });
});

describe('dedicationAllows', () => {
  it.each<[Record<string, string>, Record<string, string>, boolean]>([
    [{}, {}, true],
    [{ rack: 'r1' }, { rack: 'r1' }, true],
    [{ dedicated: 'www-data/db' }, {}, false],
    [{ dedicated: '*/db' }, {}, false],
    [{ dedicated: 'www-data/db' }, { dedicated: 'www-data/db' }, true],
    [{ dedicated: '*/db' }, { dedicated: '*/db' }, true],
    [{ dedicated: 'www-data/db' }, { dedicated: '*/db' }, false],
    [{ dedicated: '*/db' }, { dedicated: 'www-data/db' }, false],
    [{}, { dedicated: 'www-data/db' }, false],
  ])('host %o, job constraints %o: %s', (host, constraints, expected) => {
    expect(dedicationAllows(host, constraints)).toBe(expected);
  });
});

describe('hostMeetsConstraints', () => {
  const spec = (agentId: string, attributes: Record<string, string>, unavailable: string | null = null): HostSpec => ({
    agentId,
    host: `${agentId}.example`,
    attributes,
    resources: { cpu: 1, ramMb: 1024, diskMb: 1024, gpu: 0 },
    portRange: { begin: 31000, end: 31009 },
    unavailable,
  });
  const pool = new HostPool();
  pool.upsertHost(spec('plain', { rack: 'r1' }));
  pool.upsertHost(spec('db', { rack: 'r1', dedicated: 'www-data/db' }));
  pool.upsertHost(spec('lost', { rack: 'r1' }, 'LOST'));
  pool.upsertHost(spec('r2', { rack: 'r2' }));
  pool.hold('r2', { jobKey: 'www-data/prod/web', resources: { cpu: 0.1, ramMb: 1, diskMb: 1, gpu: 0 }, ports: [] });

  it.each<[string, Record<string, string>, boolean]>([
    ['plain', {}, true],
    ['db', {}, false],
    ['db', { dedicated: 'www-data/db' }, true],
    ['plain', { dedicated: 'www-data/db' }, false],
    ['lost', {}, false],
    ['unknown', {}, false],
    ['plain', { rack: 'r2' }, false],
    ['plain', { rack: '!r2' }, true],
    ['r2', { host: 'limit:1' }, false],
    ['r2', { host: 'limit:2' }, true],
    ['plain', { zone: 'limit:1' }, false],
    ['db', { dedicated: 'www-data/db', rack: 'r1', host: 'limit:1' }, true],
  ])('%s for www-data/prod/web with %o: %s', (agentId, constraints, expected) => {
    expect(hostMeetsConstraints(pool, agentId, { jobKey: 'www-data/prod/web', constraints })).toBe(expected);
  });
});
