/**
 * A checker for the subset of JSON Schema that zod's `toJSONSchema` emits for the scheduler's
 * schemas. Both sides use it to check JSON fast and ask zod only about a value it refuses:
 * the client checks the scheduler's answers with the shapes generated into
 * client/api/wire-schemas.ts (zod costs more to load than the whole round trip of a
 * `job create`), and the scheduler checks the lines of a backup it reads with shapes compiled
 * from the zod schemas at run time (zod-shape.ts; zod's verdict costs more than the line's
 * JSON.parse). It only says yes or no; on a no the caller asks zod for the verdict and the
 * message, so a schema the checker reads too strictly costs time, not correctness.
 * client/api/wire-schemas.test.ts and scheduler/api/zod-shape.test.ts hold its verdicts to
 * zod's. No imports here, zod least of all: the client's warm path loads this.
 */

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
type Scalar = string | number | boolean | null;

export interface JsonSchema {
  readonly $schema?: string;
  readonly description?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly enum?: readonly Scalar[];
  readonly const?: Scalar;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly not?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

export type ShapeCheck = (value: unknown) => boolean;

const KNOWN = new Set([
  '$schema', 'description', 'type', 'enum', 'const', 'anyOf', 'oneOf', 'not', 'properties', 'required', 'additionalProperties',
  'propertyNames', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum',
]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeTest(t: JsonType): ShapeCheck {
  switch (t) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return (v) => typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'object':
      return isPlainObject;
    case 'array':
      return Array.isArray;
    case 'null':
      return (v) => v === null;
  }
}

/**
 * Compiles a schema into a predicate. Throws on a keyword outside the subset, so a schema the
 * checker cannot read fully is found when wire-schemas.test.ts compiles every one of them.
 * A node's checks are merged into as few closures as its keywords allow: a 10,000-task job read
 * runs them about half a million times, mostly before V8 has optimized anything.
 */
export function compileShape(schema: JsonSchema): ShapeCheck {
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new Error(`json-shape: unsupported keyword(s) ${unknown.join(', ')}`);
  const checks: ShapeCheck[] = [];
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as readonly JsonType[]) : [schema.type as JsonType];
  if (schema.enum !== undefined) {
    const allowed = new Set<unknown>(schema.enum);
    checks.push((v) => allowed.has(v));
  }
  // An enum of values of the type already checks the type.
  const typeImplied = schema.enum !== undefined && types !== undefined && schema.enum.every((e) => types.some((t) => typeTest(t)(e)));
  if (types !== undefined && !typeImplied) {
    const structural = types.length === 1 && (types[0] === 'object' || types[0] === 'array');
    if (!structural) {
      const tests = types.map(typeTest);
      const [a, b] = tests as [ShapeCheck, ShapeCheck];
      // Two types is the common case (a nullable field): no loop for it.
      checks.push(tests.length === 1 ? a : tests.length === 2 ? (v) => a(v) || b(v) : (v) => tests.some((t) => t(v)));
    }
  }
  if (schema.const !== undefined) {
    const c = schema.const;
    checks.push((v) => v === c);
  }
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf.map(compileShape);
    checks.push((v) => branches.some((b) => b(v)));
  }
  if (schema.oneOf !== undefined) {
    // zod emits oneOf for discriminated unions (update strategies): exactly one branch holds.
    const branches = schema.oneOf.map(compileShape);
    checks.push((v) => {
      let held = 0;
      for (const b of branches) if (b(v) && ++held > 1) return false;
      return held === 1;
    });
  }
  if (schema.not !== undefined) {
    const excluded = compileShape(schema.not);
    checks.push((v) => !excluded(v));
  }
  const string = stringCheck(schema);
  if (string) checks.push(string);
  const number = numberCheck(schema);
  if (number) checks.push(number);
  const onlyObjects = types?.length === 1 && types[0] === 'object';
  const onlyArrays = types?.length === 1 && types[0] === 'array';
  if (schema.items !== undefined || schema.minItems !== undefined || schema.maxItems !== undefined || onlyArrays) {
    checks.push(arrayCheck(schema, onlyArrays));
  }
  if (schema.properties !== undefined || schema.additionalProperties !== undefined || schema.propertyNames !== undefined || onlyObjects) {
    checks.push(objectCheck(schema, onlyObjects));
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0] as ShapeCheck;
  const [a, b] = checks as [ShapeCheck, ShapeCheck];
  if (checks.length === 2) return (v) => a(v) && b(v);
  return (v) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

/** Length and pattern, in one closure; non-strings pass (the type keyword decides about them). */
function stringCheck(schema: JsonSchema): ShapeCheck | undefined {
  const { minLength, maxLength } = schema;
  if (minLength === undefined && maxLength === undefined && schema.pattern === undefined) return undefined;
  const min = minLength ?? 0;
  const max = maxLength ?? Number.POSITIVE_INFINITY;
  const re = schema.pattern === undefined ? undefined : new RegExp(schema.pattern);
  // zod measures strings in UTF-16 code units (String.length), and so does this.
  return (v) => typeof v !== 'string' || (v.length >= min && v.length <= max && (re === undefined || re.test(v)));
}

/** Bounds in one closure; non-numbers pass (the type keyword decides about them). */
function numberCheck(schema: JsonSchema): ShapeCheck | undefined {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (minimum === undefined && maximum === undefined && exclusiveMinimum === undefined && exclusiveMaximum === undefined) return undefined;
  const lo = minimum ?? Number.NEGATIVE_INFINITY;
  const hi = maximum ?? Number.POSITIVE_INFINITY;
  const xlo = exclusiveMinimum ?? Number.NEGATIVE_INFINITY;
  const xhi = exclusiveMaximum ?? Number.POSITIVE_INFINITY;
  return (v) => typeof v !== 'number' || (v >= lo && v <= hi && (exclusiveMinimum === undefined || v > xlo) && (exclusiveMaximum === undefined || v < xhi));
}

/** Items and size; with `only`, the type too. */
function arrayCheck(schema: JsonSchema, only: boolean): ShapeCheck {
  const item = schema.items === undefined ? undefined : compileShape(schema.items);
  const min = schema.minItems ?? 0;
  const max = schema.maxItems ?? Number.POSITIVE_INFINITY;
  return (v) => {
    if (!Array.isArray(v)) return !only;
    if (v.length < min || v.length > max) return false;
    if (item) for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
    return true;
  };
}

/** Properties, required ones, extra ones and their names; with `only`, the type too. */
function objectCheck(schema: JsonSchema, only: boolean): ShapeCheck {
  const props: Record<string, ShapeCheck> = Object.create(null) as Record<string, ShapeCheck>;
  for (const [k, s] of Object.entries(schema.properties ?? {})) props[k] = compileShape(s);
  const required: Record<string, true> = Object.create(null) as Record<string, true>;
  for (const k of schema.required ?? []) required[k] = true;
  const requiredCount = Object.keys(required).length;
  const extra = schema.additionalProperties;
  const extraCheck: ShapeCheck | undefined = typeof extra === 'object' ? compileShape(extra) : undefined;
  const names = schema.propertyNames ? compileShape(schema.propertyNames) : undefined;
  return (v) => {
    if (!isPlainObject(v)) return !only;
    let seen = 0;
    // Objects from JSON.parse have own enumerable keys only, so for-in is Object.keys without the array.
    for (const k in v) {
      if (names !== undefined && !names(k)) return false;
      const known = props[k];
      if (known !== undefined) {
        if (!known(v[k])) return false;
        if (required[k]) seen++;
      } else if (extra === false || (extraCheck !== undefined && !extraCheck(v[k]))) {
        return false;
      }
    }
    return seen === requiredCount;
  };
}
