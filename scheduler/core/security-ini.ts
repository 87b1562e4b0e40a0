import { ANONYMOUS, KNOWN_RPCS, type AuthorizationDecision, type Authorizer, type Principal } from './authorize.js';
import { passwordHashProblem, isPasswordHash } from './password-hash.js';
import { isPermitted, parsePermission, unknownNames, type Permission } from './permissions.js';

/**
 * Aurora's security.ini: Shiro's INI format with only a `[users]` and a `[roles]` section.
 *
 *     [users]
 *     alice = scrypt$16384$8$1$..., admin     # user = password, role, role...
 *     bob = secret, accounting
 *
 *     [roles]
 *     admin = *                                # role = permission, permission...
 *     accounting = thrift.AuroraAdmin:setQuota
 *     deployer = "thrift.AuroraSchedulerManager:createJob,killTasks:www-data", thrift.AuroraSchedulerManager:getJobs
 *
 * The file is read line by line here rather than with the `ini` package, because that package
 * reads Shiro's format differently in ways that matter: it unquotes a value that is one quoted
 * string (so `role = "a:b,c"` would become the two permissions `a:b` and `c`), it ends a value
 * at `#` or `;` (truncating passwords that contain them; Shiro has no inline comments), it turns
 * the values `true`, `false` and `null` into other types, it keeps only the last of two equal
 * keys, and it reads any line as a key without a line number. As in Shiro, whole lines starting
 * with `#` or `;` are comments, items are separated by commas, and double quotes keep commas
 * inside an item. Unlike Shiro, a key is separated from its value only by `=` (Shiro also
 * accepts `:` and whitespace, which would make `alice: pw` or a mistyped line silently mean
 * something), and a line ending in `\` (Shiro's continuation) is refused.
 */

/** A user of the cluster. */
export interface SecurityUser {
  readonly name: string;
  /** Plain text or a hash from `aurora-admin hash_password` (see password-hash.ts). */
  readonly password: string;
  readonly roles: readonly string[];
}

/** What a security.ini says. */
export interface SecurityConfig {
  readonly users: ReadonlyMap<string, SecurityUser>;
  /** Role name to its permission strings (Shiro wildcard permissions). */
  readonly roles: ReadonlyMap<string, readonly string[]>;
}

/** A problem at a line of the file (1-based; 0 means the file as a whole). */
export interface IniProblem {
  readonly line: number;
  readonly message: string;
}

/** The result of reading a security.ini: the scheduler refuses to start if `errors` is not empty. */
export interface SecurityIniResult {
  readonly config: SecurityConfig;
  readonly errors: IniProblem[];
  readonly warnings: IniProblem[];
}

const SECTIONS = ['users', 'roles'] as const;
type Section = (typeof SECTIONS)[number];

/** Shiro sections Aurora configures through the scheduler's flags instead. */
const SHIRO_ONLY_SECTIONS = new Set(['main', 'urls']);

/**
 * Reads a security.ini. Every error and warning names its line; messages never repeat a
 * password. Errors: a line outside any section, a section other than [users] and [roles], a line
 * without `=`, an empty or unusable user or role name, an empty password, a damaged password
 * hash, an unterminated quote, an empty item in a list, a duplicate user or role, a permission
 * that does not parse, a file with no section. Warnings: plain-text passwords, names in
 * permissions that Aurora's API does not have, users in roles that [roles] does not define,
 * users in no role, roles that grant nothing, a section that appears twice.
 */
export function parseSecurityIni(text: string): SecurityIniResult {
  const errors: IniProblem[] = [];
  const warnings: IniProblem[] = [];
  const users = new Map<string, SecurityUser>();
  const roles = new Map<string, readonly string[]>();
  const userLine = new Map<string, number>();
  const roleLine = new Map<string, number>();
  const sectionLine = new Map<Section, number>();
  let section: Section | null = null;
  /** Inside a section that is refused: its lines are skipped rather than each reported. */
  let skipping = false;

  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const error = (message: string) => errors.push({ line, message });
    const content = raw.trim();
    if (content === '' || content.startsWith('#') || content.startsWith(';')) return;

    if (content.startsWith('[')) {
      const header = /^\[([^\]]*)\]$/.exec(content);
      if (!header) return error(`a section header is written [name]; found ${quote(content)}`);
      const name = header[1]!.trim();
      skipping = false;
      if (name === 'users' || name === 'roles') {
        const first = sectionLine.get(name);
        if (first !== undefined) warnings.push({ line, message: `[${name}] appears again (first at line ${first}); the entries of both are read` });
        else sectionLine.set(name, line);
        section = name;
        return;
      }
      section = null;
      skipping = true;
      if (SHIRO_ONLY_SECTIONS.has(name.toLowerCase())) {
        return error(`[${name}] is not supported: Aurora's security.ini has only [users] and [roles] (the scheduler's flags configure what Shiro's [main] and [urls] would)`);
      }
      return error(`unknown section [${name}]: a security.ini has only [users] and [roles]`);
    }
    if (skipping) return;
    if (content.endsWith('\\')) return error('a line ending in \\ would continue on the next line in Shiro; write the entry on one line');
    // Not repeated: the line may hold a password.
    if (section === null) return error('this line is outside any section; put it under [users] or [roles]');

    const equals = content.indexOf('=');
    if (equals < 0) {
      // The line may be a password: say what is expected without repeating it.
      return error(section === 'users' ? 'expected user = password, role, ... (this line has no =)' : 'expected role = permission, ... (this line has no =)');
    }
    const key = content.slice(0, equals).trim();
    const value = content.slice(equals + 1).trim();

    if (section === 'users') {
      const nameProblem = userNameProblem(key);
      if (nameProblem) return error(nameProblem);
      const first = userLine.get(key);
      if (first !== undefined) return error(`user ${key} is defined again (first at line ${first})`);
      userLine.set(key, line);
      const items = splitItems(value);
      if (typeof items === 'string') return error(`the value of user ${key} has ${items}`);
      const [password, ...roleNames] = items;
      if (password === undefined || password === '') return error(`user ${key} has no password (write ${key} = password, role, ...)`);
      if (roleNames.some((r) => r === '')) return error(`user ${key} has an empty role name in its list`);
      const hashProblem = passwordHashProblem(password);
      if (hashProblem) return error(`the password of user ${key} looks like a scrypt hash but is damaged (${hashProblem}); make a new one with aurora-admin hash_password`);
      if (!isPasswordHash(password)) {
        warnings.push({ line, message: `the password of user ${key} is plain text; replace it with a hash from aurora-admin hash_password` });
      }
      users.set(key, { name: key, password, roles: [...new Set(roleNames)] });
      return;
    }

    // [roles]
    const nameProblem = roleNameProblem(key);
    if (nameProblem) return error(nameProblem);
    const first = roleLine.get(key);
    if (first !== undefined) return error(`role ${key} is defined again (first at line ${first})`);
    roleLine.set(key, line);
    const items = splitItems(value);
    if (typeof items === 'string') return error(`the permissions of role ${key} have ${items}`);
    if (items.length === 0) warnings.push({ line, message: `role ${key} grants no permissions` });
    const permissions: string[] = [];
    for (const [i, item] of items.entries()) {
      if (item === '') {
        error(`role ${key} has an empty permission (item ${i + 1} of its list)`);
        continue;
      }
      let permission: Permission;
      try {
        permission = parsePermission(item);
      } catch (e) {
        error(`role ${key}: permission ${quote(item)} does not parse: ${(e as Error).message}`);
        continue;
      }
      for (const unknown of unknownNames(permission)) warnings.push({ line, message: unknownNameMessage(key, permission.text, unknown) });
      permissions.push(permission.text);
    }
    roles.set(key, permissions);
  });

  if (sectionLine.size === 0 && errors.length === 0) {
    errors.push({ line: 0, message: 'the file has no [users] or [roles] section, so it lets no one do anything' });
  }
  for (const user of users.values()) {
    const line = userLine.get(user.name)!;
    if (user.roles.length === 0) {
      warnings.push({ line, message: `user ${user.name} is in no role: it may only read where reads are open` });
    }
    for (const role of user.roles) {
      if (!roles.has(role)) warnings.push({ line, message: `user ${user.name} is in role ${role}, which [roles] does not define (it grants nothing)` });
    }
  }
  return { config: { users, roles }, errors, warnings };
}

/**
 * The authorizer of a security.ini: a user may do what any permission of any of their roles
 * implies. Callers not in the file (including `anonymous`, the caller without credentials) may
 * do nothing; the scheduler decides separately which reads are open to everyone.
 */
export function authorizerFor(config: SecurityConfig): Authorizer {
  const grantsOf = new Map<string, { readonly roles: readonly string[]; readonly grants: readonly Permission[] }>();
  for (const user of config.users.values()) {
    const grants: Permission[] = [];
    for (const role of user.roles) {
      for (const text of config.roles.get(role) ?? []) {
        try {
          grants.push(parsePermission(text));
        } catch {
          // parseSecurityIni reports it; a permission that does not parse grants nothing.
        }
      }
    }
    grantsOf.set(user.name, { roles: user.roles, grants });
  }
  return {
    authorize(principal: Principal, permission: string): AuthorizationDecision {
      if (principal === ANONYMOUS || principal.name === ANONYMOUS.name) {
        return { allowed: false, reason: 'callers without credentials are allowed nothing here; authenticate as a user of the cluster' };
      }
      const user = grantsOf.get(principal.name);
      if (!user) return { allowed: false, reason: `${principal.name} is not a user of this cluster` };
      let allowed: boolean;
      try {
        allowed = isPermitted(user.grants, permission);
      } catch (e) {
        return { allowed: false, reason: `the permission asked for does not parse: ${(e as Error).message}` };
      }
      if (allowed) return { allowed: true };
      if (user.roles.length === 0) return { allowed: false, reason: `${principal.name} has no roles` };
      return { allowed: false, reason: `${principal.name}'s roles (${user.roles.join(', ')}) do not grant it` };
    },
  };
}

/**
 * Splits a comma-separated list as Shiro does (StringUtils.split): double quotes keep commas in
 * an item and are dropped, `""` inside quotes is a literal quote, items are trimmed. An empty
 * value is an empty list. Returns what is wrong instead (without repeating the value, which may
 * be a password).
 */
export function splitItems(value: string): string[] | string {
  if (value.trim() === '') return [];
  const items: string[] = [];
  let current = '';
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') {
      if (inQuotes && value[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        inQuotes = !inQuotes;
      }
    } else if (c === ',' && !inQuotes) {
      items.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (inQuotes) return 'an unterminated quote (a " without its closing ")';
  items.push(current.trim());
  return items;
}

function userNameProblem(name: string): string | null {
  if (name === '') return 'a user needs a name before =';
  if (/[\s",]/.test(name)) return `user name ${quote(name)} contains whitespace, a comma or a quote`;
  // HTTP basic authentication sends `name:password`: a name with a colon cannot log in.
  if (name.includes(':')) return `user name ${quote(name)} contains ":", which HTTP basic authentication cannot carry`;
  if (name === ANONYMOUS.name) return `the user name ${ANONYMOUS.name} is reserved for callers without credentials`;
  return null;
}

function roleNameProblem(name: string): string | null {
  if (name === '') return 'a role needs a name before =';
  if (/[\s",]/.test(name)) return `role name ${quote(name)} contains whitespace, a comma or a quote`;
  return null;
}

function unknownNameMessage(role: string, permission: string, unknown: { kind: 'domain' | 'rpc'; name: string }): string {
  if (unknown.kind === 'domain') {
    const message = `role ${role}: permission ${quote(permission)} names the unknown domain ${unknown.name} (Aurora's are ${Object.keys(KNOWN_RPCS).join(' and ')}), so it grants nothing`;
    // `a:b,c` unquoted is two permissions, `a:b` and `c`: the usual way to end up here.
    return permission.includes(':') ? message : `${message}; to list alternatives inside one permission, quote it: "domain:rpc1,rpc2"`;
  }
  return `role ${role}: permission ${quote(permission)} names ${unknown.name}, which is not an RPC of its domain (a typo?)`;
}

function quote(text: string): string {
  return `"${text}"`;
}
