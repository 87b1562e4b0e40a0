import { describe, expect, it } from 'vitest';
import { ANONYMOUS, PERMISSIONS } from './authorize.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import { authorizerFor, parseSecurityIni, splitItems } from './security-ini.js';

const HASH = 'scrypt$16$8$1$U29kaXVtQ2hsb3JpZGU=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const lines = (...l: string[]) => l.join('\n');
const job = { role: 'www-data', environment: 'prod', name: 'hello' };

describe('parseSecurityIni', () => {
  it("reads Aurora's documented example, with Shiro's comments and quoting", () => {
    const { config, errors, warnings } = parseSecurityIni(
      lines(
        '# Aurora docs/operations/security.md',
        '[users]',
        'sally = apple, admin',
        'jim = 123456, accounting',
        '  becky=letmein,webapp  ',
        'larry = 654321,accounting',
        'steve = password',
        '',
        '; roles',
        '[roles]',
        'admin = *',
        'accounting = thrift.AuroraAdmin:setQuota',
        'webapp = thrift.AuroraSchedulerManager:*:webapp',
        'deployer = "thrift.AuroraSchedulerManager:createJob,killTasks:www-data", thrift.AuroraSchedulerManager:getJobs',
      ),
    );
    expect(errors).toEqual([]);
    expect([...config.users.values()]).toEqual([
      { name: 'sally', password: 'apple', roles: ['admin'] },
      { name: 'jim', password: '123456', roles: ['accounting'] },
      { name: 'becky', password: 'letmein', roles: ['webapp'] },
      { name: 'larry', password: '654321', roles: ['accounting'] },
      { name: 'steve', password: 'password', roles: [] },
    ]);
    expect([...config.roles]).toEqual([
      ['admin', ['*']],
      ['accounting', ['thrift.AuroraAdmin:setQuota']],
      ['webapp', ['thrift.AuroraSchedulerManager:*:webapp']],
      ['deployer', ['thrift.AuroraSchedulerManager:createJob,killTasks:www-data', 'thrift.AuroraSchedulerManager:getJobs']],
    ]);
    const plain = (user: string) => `the password of user ${user} is plain text; replace it with a hash from aurora-admin hash_password`;
    expect(warnings).toEqual([
      { line: 3, message: plain('sally') },
      { line: 4, message: plain('jim') },
      { line: 5, message: plain('becky') },
      { line: 6, message: plain('larry') },
      { line: 7, message: plain('steve') },
      { line: 7, message: 'user steve is in no role: it may only read where reads are open' },
    ]);
  });

  it('keeps passwords that the ini package would mangle (#, ;, =, quotes, true) and accepts hashes without warning', () => {
    const { config, errors, warnings } = parseSecurityIni(
      lines('[users]', 'a = p#ss;word, admin', 'b = "with,comma", admin', 'c = true, admin', `d = ${HASH}, admin`, 'e = x=y, admin', '[roles]', 'admin = *'),
    );
    expect(errors).toEqual([]);
    expect([...config.users.values()].map((u) => u.password)).toEqual(['p#ss;word', 'with,comma', 'true', HASH, 'x=y']);
    expect(warnings.map((w) => w.line)).toEqual([2, 3, 4, 6]);
  });

  it('reads a whole-value quoted permission as one permission', () => {
    const { config, errors } = parseSecurityIni(lines('[roles]', 'ops = "thrift.AuroraAdmin:setQuota,pruneTasks"'));
    expect(errors).toEqual([]);
    expect(config.roles.get('ops')).toEqual(['thrift.AuroraAdmin:setQuota,pruneTasks']);
  });

  it('reports each error at its line, and never repeats a password', () => {
    const { errors } = parseSecurityIni(
      lines(
        'orphan = s3cret, admin', // 1
        '[users]', // 2
        'alice = s3cret, admin', // 3
        'no equals s3cret', // 4
        ' = s3cret, admin', // 5
        'bob =', // 6
        'carol = , admin', // 7
        'dave = "s3cret, admin', // 8
        'alice = other, admin', // 9
        'erin = s3cret, , admin', // 10
        `frank = ${HASH.replace('$16$', '$15$')}, admin`, // 11
        'anonymous = s3cret', // 12
        'gi na = s3cret', // 13
        'h:i = s3cret', // 14
        'continued = s3cret\\', // 15
        '[roles]', // 16
        'admin = *', // 17
        'admin = thrift.AuroraAdmin:setQuota', // 18
        'broken = thrift.AuroraAdmin::setQuota, ok:x', // 19
        'lists = a,,b', // 20
        'quoted = "a:b', // 21
        'no permissions here', // 22
        ' = *', // 23
        'two words = *', // 24
        '[users', // 25
      ),
    );
    expect(errors).toEqual([
      { line: 1, message: 'this line is outside any section; put it under [users] or [roles]' },
      { line: 4, message: 'expected user = password, role, ... (this line has no =)' },
      { line: 5, message: 'a user needs a name before =' },
      { line: 6, message: 'user bob has no password (write bob = password, role, ...)' },
      { line: 7, message: 'user carol has no password (write carol = password, role, ...)' },
      { line: 8, message: 'the value of user dave has an unterminated quote (a " without its closing ")' },
      { line: 9, message: 'user alice is defined again (first at line 3)' },
      { line: 10, message: 'user erin has an empty role name in its list' },
      {
        line: 11,
        message:
          'the password of user frank looks like a scrypt hash but is damaged (N must be a power of two from 2 to 2^20, got 15); make a new one with aurora-admin hash_password',
      },
      { line: 12, message: 'the user name anonymous is reserved for callers without credentials' },
      { line: 13, message: 'user name "gi na" contains whitespace, a comma or a quote' },
      { line: 14, message: 'user name "h:i" contains ":", which HTTP basic authentication cannot carry' },
      { line: 15, message: 'a line ending in \\ would continue on the next line in Shiro; write the entry on one line' },
      { line: 18, message: 'role admin is defined again (first at line 17)' },
      {
        line: 19,
        message:
          'role broken: permission "thrift.AuroraAdmin::setQuota" does not parse: part 2 of "thrift.AuroraAdmin::setQuota" is empty (parts are separated by ":")',
      },
      { line: 20, message: 'role lists has an empty permission (item 2 of its list)' },
      { line: 21, message: 'the permissions of role quoted have an unterminated quote (a " without its closing ")' },
      { line: 22, message: 'expected role = permission, ... (this line has no =)' },
      { line: 23, message: 'a role needs a name before =' },
      { line: 24, message: 'role name "two words" contains whitespace, a comma or a quote' },
      { line: 25, message: 'a section header is written [name]; found "[users"' },
    ]);
    for (const e of errors) expect(e.message).not.toContain('s3cret');
  });

  it("refuses Shiro's [main] and [urls] and unknown sections, skipping their lines", () => {
    const { config, errors } = parseSecurityIni(
      lines('[main]', 'securityManager.realms = $realm', '[urls]', '/** = authcBasic', '[Users]', 'x = y', '[users]', `alice = ${HASH}, admin`, '[roles]', 'admin = *'),
    );
    expect(errors).toEqual([
      { line: 1, message: "[main] is not supported: Aurora's security.ini has only [users] and [roles] (the scheduler's flags configure what Shiro's [main] and [urls] would)" },
      { line: 3, message: "[urls] is not supported: Aurora's security.ini has only [users] and [roles] (the scheduler's flags configure what Shiro's [main] and [urls] would)" },
      { line: 5, message: 'unknown section [Users]: a security.ini has only [users] and [roles]' },
    ]);
    expect([...config.users.keys()]).toEqual(['alice']);
  });

  it.each([[''], ['# only a comment\n\n'], ['\n;\n']])('refuses a file with no section: %j', (text) => {
    expect(parseSecurityIni(text).errors).toEqual([{ line: 0, message: 'the file has no [users] or [roles] section, so it lets no one do anything' }]);
  });

  it('warns about unknown names, undefined roles, roles that grant nothing and a repeated section', () => {
    const { errors, warnings } = parseSecurityIni(
      lines(
        '[users]', // 1
        `alice = ${HASH}, admin, auditors`, // 2
        '[roles]', // 3
        'admin = "thrift.AuroraAdmin:setQuota,setQuotas", thrift.AuroraSchedulerManager:createJob,killTasks', // 4
        'typo = thrift.AuroraScheduler:*:www-data', // 5
        'empty =', // 6
        '[users]', // 7
        `bob = ${HASH}, ghost`, // 8
      ),
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      { line: 4, message: 'role admin: permission "thrift.AuroraAdmin:setQuota,setQuotas" names setQuotas, which is not an RPC of its domain (a typo?)' },
      {
        line: 4,
        message:
          'role admin: permission "killTasks" names the unknown domain killTasks (Aurora\'s are thrift.AuroraSchedulerManager and thrift.AuroraAdmin), so it grants nothing; to list alternatives inside one permission, quote it: "domain:rpc1,rpc2"',
      },
      {
        line: 5,
        message:
          'role typo: permission "thrift.AuroraScheduler:*:www-data" names the unknown domain thrift.AuroraScheduler (Aurora\'s are thrift.AuroraSchedulerManager and thrift.AuroraAdmin), so it grants nothing',
      },
      { line: 6, message: 'role empty grants no permissions' },
      { line: 7, message: '[users] appears again (first at line 1); the entries of both are read' },
      { line: 2, message: 'user alice is in role auditors, which [roles] does not define (it grants nothing)' },
      { line: 8, message: 'user bob is in role ghost, which [roles] does not define (it grants nothing)' },
    ]);
  });

  it('accepts CRLF line endings and a byte order mark', () => {
    const { config, errors } = parseSecurityIni('\uFEFF[users]\r\nalice = pw, admin\r\n[roles]\r\nadmin = *\r\n');
    expect(errors).toEqual([]);
    expect(config.users.get('alice')).toEqual({ name: 'alice', password: 'pw', roles: ['admin'] });
  });
});

describe('splitItems (Shiro\'s StringUtils.split)', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    [' a , b ,c ', ['a', 'b', 'c']],
    ['"a,b", c', ['a,b', 'c']],
    ['x"a,b"y, c', ['xa,by', 'c']],
    ['"say ""hi"""', ['say "hi"']],
    ['a,', ['a', '']],
    ['"a', 'an unterminated quote (a " without its closing ")'],
  ])('%j', (value, expected) => {
    expect(splitItems(value)).toEqual(expected);
  });
});

describe('authorizerFor', () => {
  const { config } = parseSecurityIni(
    lines(
      '[users]',
      `alice = ${HASH}, admin`,
      `bob = ${HASH}, accounting`,
      `carol = ${HASH}`,
      `dave = ${HASH}, webapp, ghost`,
      '[roles]',
      'admin = *',
      'accounting = thrift.AuroraAdmin:setQuota',
      'webapp = thrift.AuroraSchedulerManager:*:www-data',
      'broken = a::b',
    ),
  );
  const authorizer = authorizerFor(config);
  const as = (name: string) => ({ name });

  // The acceptance example: alice is admin, bob may only set quotas, carol has nothing.
  it.each([
    ['alice', PERMISSIONS.createJob(job), { allowed: true }],
    ['alice', PERMISSIONS.killTasks({ ...job, role: 'other' }), { allowed: true }],
    ['alice', PERMISSIONS.setQuota, { allowed: true }],
    ['bob', PERMISSIONS.setQuota, { allowed: true }],
    ['bob', PERMISSIONS.createJob(job), { allowed: false, reason: "bob's roles (accounting) do not grant it" }],
    ['carol', PERMISSIONS.setQuota, { allowed: false, reason: 'carol has no roles' }],
    ['carol', PERMISSIONS.createJob(job), { allowed: false, reason: 'carol has no roles' }],
    ['dave', PERMISSIONS.killTasks(job), { allowed: true }],
    ['dave', PERMISSIONS.getQuota('www-data'), { allowed: true }],
    ['dave', PERMISSIONS.createJob({ ...job, role: 'other' }), { allowed: false, reason: "dave's roles (webapp, ghost) do not grant it" }],
    ['mallory', PERMISSIONS.getJobs(), { allowed: false, reason: 'mallory is not a user of this cluster' }],
    ['anonymous', PERMISSIONS.getJobs(), { allowed: false, reason: 'callers without credentials are allowed nothing here; authenticate as a user of the cluster' }],
    ['alice', 'a::b', { allowed: false, reason: 'the permission asked for does not parse: part 2 of "a::b" is empty (parts are separated by ":")' }],
  ])('%s asking for %s: %o', (user, permission, decision) => {
    expect(authorizer.authorize(as(user), permission)).toEqual(decision);
  });

  it('allows the ANONYMOUS principal nothing, even with a wildcard user in the file', () => {
    expect(authorizer.authorize(ANONYMOUS, PERMISSIONS.getJobs()).allowed).toBe(false);
  });

  it('skips a permission that does not parse in a hand-made config, granting nothing by it', () => {
    const handMade = authorizerFor({
      users: new Map([['eve', { name: 'eve', password: 'x', roles: ['broken'] }]]),
      roles: new Map([['broken', ['a::b', 'thrift.AuroraAdmin:pruneTasks']]]),
    });
    expect(handMade.authorize(as('eve'), PERMISSIONS.pruneTasks)).toEqual({ allowed: true });
    expect(handMade.authorize(as('eve'), PERMISSIONS.setQuota)).toEqual({ allowed: false, reason: "eve's roles (broken) do not grant it" });
  });

  it('works with a hash made by hashPassword (the file holds what aurora-admin hash_password prints)', async () => {
    const hash = await hashPassword('apple', { N: 16 });
    const { config: withHash, warnings } = parseSecurityIni(lines('[users]', `sally = ${hash}, admin`, '[roles]', 'admin = *'));
    expect(warnings).toEqual([]);
    expect(await verifyPassword('apple', withHash.users.get('sally')!.password)).toBe(true);
  });
});
