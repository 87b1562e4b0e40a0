import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from './authorize.js';
import { implies, isPermitted, parsePermission, unknownNames } from './permissions.js';

const p = parsePermission;
const job = { role: 'webapp', environment: 'prod', name: 'hello' };

describe('parsePermission', () => {
  it('splits parts on ":" and alternatives on ",", lower-cased and trimmed', () => {
    const parsed = p('  Thrift.AuroraAdmin:setQuota, pruneTasks  ');
    expect(parsed.text).toBe('Thrift.AuroraAdmin:setQuota, pruneTasks');
    expect(parsed.parts.map((part) => [...part])).toEqual([['thrift.auroraadmin'], ['setquota', 'prunetasks']]);
  });

  it.each([
    ['', 'a permission cannot be empty'],
    ['   ', 'a permission cannot be empty'],
    ['a::b', 'part 2 of "a::b" is empty (parts are separated by ":")'],
    [':a', 'part 1 of ":a" is empty (parts are separated by ":")'],
    ['a:b:', 'part 3 of "a:b:" is empty (parts are separated by ":")'],
    ['::,,::,:', 'part 1 of "::,,::,:" is empty (parts are separated by ":")'],
    ['a:b,,c', 'part 2 of "a:b,,c" has an empty alternative (alternatives are separated by ",")'],
    ['a:b, :c', 'part 2 of "a:b, :c" has an empty alternative (alternatives are separated by ",")'],
    ['a,', 'part 1 of "a," has an empty alternative (alternatives are separated by ",")'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => p(text)).toThrow(message);
  });
});

describe('implies (the cases of Shiro\'s WildcardPermissionTest)', () => {
  // [granted, wanted, implied]
  const table: [string, string, boolean][] = [
    // Named, case-insensitive.
    ['something', 'something', true],
    ['something', 'SOMETHING', true],
    ['SOMETHING', 'something', true],
    ['something', 'else', false],
    // Lists.
    ['one,two', 'one', true],
    ['one', 'one,two', false],
    ['one,two,three', 'one,three', true],
    ['one,three', 'one,two,three', false],
    ['one,two:one,two,three', 'one:three', true],
    ['one:three', 'one,two:one,two,three', false],
    ['one,two:one,two,three', 'one:two,three', true],
    ['one:three', 'one:two,three', false],
    ['one:two,three', 'one:three', true],
    ['one,two,three:one,two,three:one,two', 'one:three:two', true],
    ['one:three:two', 'one,two,three:one,two,three:one,two', false],
    // A shorter grant implies every longer permission it prefixes, not the other way round.
    ['one', 'one:two,three,four', true],
    ['one', 'one:two,three,four:five:six:seven', true],
    ['one:two,three,four', 'one', false],
    ['one:two,three,four:five:six:seven', 'one', false],
    ['one:two,three,four', 'one:two,three,four:five:six:seven', true],
    // Wildcards.
    ['*', 'one', true],
    ['*', 'one:two', true],
    ['*', 'one,two:three,four', true],
    ['*', 'one,two:three,four,five:six:seven,eight', true],
    ['newsletter:*', 'newsletter:read', true],
    ['newsletter:*', 'newsletter:read,write', true],
    ['newsletter:*', 'newsletter:*', true],
    ['newsletter:*', 'newsletter:*:*', true],
    ['newsletter:*', 'newsletter:*:read', true],
    ['newsletter:*', 'newsletter:write:*', true],
    ['newsletter:*', 'newsletter:read,write:*', true],
    ['newsletter:*:*', 'newsletter:read', true],
    ['newsletter:*:*', 'newsletter:read,write', true],
    ['newsletter:*:*', 'newsletter:*:read', true],
    ['newsletter:*:*:*', 'newsletter:read', true],
    ['newsletter:*:*:*', 'newsletter:write:*', true],
    // A longer grant implies a shorter permission only if its extra parts are all wildcards.
    ['newsletter:*:read', 'newsletter:123:read', true],
    ['newsletter:*:read', 'newsletter:123,456:read,write', false],
    ['newsletter:*:read', 'newsletter:read', false],
    ['newsletter:*:read', 'newsletter:read,write', false],
    ['newsletter:*:read', 'newsletter:123:read:write', true],
    ['newsletter:*:read:*', 'newsletter:123:read', true],
    ['newsletter:*:read:*', 'newsletter:123:read:write', true],
    // A wildcard wanted is implied only by a wildcard granted.
    ['newsletter:read', 'newsletter:*', false],
    ['other:*', 'newsletter:read', false],
  ];
  it.each(table)('%j implies %j: %s', (granted, wanted, expected) => {
    expect(implies(p(granted), p(wanted))).toBe(expected);
  });
});

describe('isPermitted with Aurora\'s permission names (docs/operations/security.md)', () => {
  const admin = [p('*')];
  const accounting = [p('thrift.AuroraAdmin:setQuota')];
  const webapp = [p('thrift.AuroraSchedulerManager:*:webapp')];
  const deployer = [p('thrift.AuroraSchedulerManager:createJob,killTasks:webapp:prod'), p('thrift.AuroraSchedulerManager:getJobs')];
  const table: [string, readonly ReturnType<typeof p>[], string, boolean][] = [
    ['admin', admin, PERMISSIONS.createJob(job), true],
    ['admin', admin, PERMISSIONS.setQuota, true],
    ['admin', admin, PERMISSIONS.pruneTasks, true],
    ['accounting', accounting, PERMISSIONS.setQuota, true],
    ['accounting', accounting, PERMISSIONS.pruneTasks, false],
    ['accounting', accounting, PERMISSIONS.createJob(job), false],
    ['webapp', webapp, PERMISSIONS.createJob(job), true],
    ['webapp', webapp, PERMISSIONS.killTasks({ ...job, environment: 'devel', name: 'other' }), true],
    ['webapp', webapp, PERMISSIONS.getQuota('webapp'), true],
    ['webapp', webapp, PERMISSIONS.createJob({ ...job, role: 'www-data' }), false],
    ['webapp', webapp, PERMISSIONS.setQuota, false],
    // A role-wide read (getJobs of no role) is not implied by a grant for one role.
    ['webapp', webapp, PERMISSIONS.getJobs(), false],
    ['deployer', deployer, PERMISSIONS.createJob(job), true],
    ['deployer', deployer, PERMISSIONS.killTasks(job), true],
    ['deployer', deployer, PERMISSIONS.createJob({ ...job, environment: 'devel' }), false],
    ['deployer', deployer, PERMISSIONS.getJobs('anyrole'), true],
    ['nobody', [], PERMISSIONS.getJobs(), false],
  ];
  it.each(table)('%s: %s is %s', (_who, grants, wanted, expected) => {
    expect(isPermitted(grants, wanted)).toBe(expected);
    expect(isPermitted(grants, p(wanted))).toBe(expected);
  });

  it('throws for a malformed wanted permission', () => {
    expect(() => isPermitted(admin, 'a::b')).toThrow('part 2 of "a::b" is empty');
  });
});

describe('unknownNames', () => {
  it.each([
    ['*', []],
    ['thrift.AuroraSchedulerManager', []],
    ['thrift.AuroraSchedulerManager:*:webapp', []],
    ['thrift.AuroraSchedulerManager:createJob,killTasks:webapp', []],
    ['THRIFT.AURORAADMIN:SETQUOTA', []],
    ['thrift.AuroraAdmin:setQuota,setquotas', [{ kind: 'rpc', name: 'setquotas' }]],
    ['thrift.AuroraSchedulerManager:createjobs,killTask:webapp', [{ kind: 'rpc', name: 'createjobs' }, { kind: 'rpc', name: 'killTask' }]],
    // An admin RPC under the scheduler's domain is unknown there.
    ['thrift.AuroraSchedulerManager:setQuota', [{ kind: 'rpc', name: 'setQuota' }]],
    ['thrift.AuroraSchedulerManager,thrift.AuroraAdmin:setQuota,createJob', []],
    ['*:setQuota,createJob,launch', [{ kind: 'rpc', name: 'launch' }]],
    ['thrift.AuroraScheduler:createJob', [{ kind: 'domain', name: 'thrift.AuroraScheduler' }]],
    ['job:create,kill:www-data', [{ kind: 'domain', name: 'job' }]],
    ['a::b', []],
  ])('%j: %j', (permission, expected) => {
    expect(unknownNames(permission)).toEqual(expected);
  });
});
