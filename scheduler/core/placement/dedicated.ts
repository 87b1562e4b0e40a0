/**
 * Dedicated hosts, as in Aurora: an agent with the attribute `dedicated=<role>/<name>` (or
 * `*\/<name>`, for any role) takes only tasks of jobs whose `dedicated` constraint asks for that
 * value, and a job without a `dedicated` constraint is never placed on a host that has the
 * attribute (whatever its value). A job's `dedicated` constraint is otherwise a value constraint
 * like any other: the host's value must equal it.
 */

/** The attribute and constraint name Aurora gives its meaning. */
export const DEDICATED_ATTRIBUTE = 'dedicated';

const DEDICATED_VALUE = /^([\w\-.]+|\*)\/[\w\-.*]+$/;

/**
 * What is wrong with a job's `dedicated` constraint for its role, or null (also for a job without
 * one): the value is a single `role/name` or `*\/name`, and its role is the job's or `*`. The DSL
 * compile checks the same; this is the scheduler's own check at admission, since specs may come
 * from any client. Aurora's messages where it has them.
 */
export function dedicatedConstraintProblem(role: string, constraints: Readonly<Record<string, string>>): string | null {
  const value = constraints[DEDICATED_ATTRIBUTE];
  if (value === undefined) return null;
  if (value.startsWith('limit:')) return 'A dedicated constraint must be of value type.';
  if (value.startsWith('!') || value.includes(',')) return `A dedicated constraint must have exactly one value (found '${value}')`;
  const m = DEDICATED_VALUE.exec(value);
  if (!m) return `A dedicated constraint is 'role/name' or '*/name' (found '${value}')`;
  if (m[1] !== '*' && m[1] !== role) return `Only ${m[1]} may use hosts dedicated for that role (the job's role is ${role}).`;
  return null;
}

/**
 * Whether a host with these attributes may take a job with these constraints as far as dedication
 * goes: a dedicated host only a job asking for its exact value, any other host only a job
 * asking for none.
 */
export function dedicationAllows(hostAttributes: Readonly<Record<string, string>>, constraints: Readonly<Record<string, string>>): boolean {
  const wanted = constraints[DEDICATED_ATTRIBUTE];
  const offered = hostAttributes[DEDICATED_ATTRIBUTE];
  return wanted === undefined ? offered === undefined : offered === wanted;
}
