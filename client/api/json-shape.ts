/**
 * A checker for the subset of JSON Schema that zod's `toJSONSchema` emits for the scheduler's
 * response schemas (client/api/wire-schemas.ts is generated from scheduler/api that way). It
 * lets the CLI check answers on its fast paths without loading zod: zod costs more to load than
 * the whole round trip of a `job create`. It only says yes or no; on a no the caller asks zod for
 * the verdict and the message, so a schema the checker reads too strictly costs time, not
 * correctness. wire-schemas.test.ts holds its verdicts equal to zod's. No zod here.
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
  '$schema', 'description', 'type', 'enum', 'const', 'anyOf', 'not', 'properties', 'required', 'additionalProperties',
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
 */
export function compileShape(schema: JsonSchema): ShapeCheck {
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new Error(`json-shape: unsupported keyword(s) ${unknown.join(', ')}`);
  const checks: ShapeCheck[] = [];
  if (schema.type !== undefined) {
    const tests = (Array.isArray(schema.type) ? schema.type : [schema.type]).map((t: JsonType) => typeTest(t));
    checks.push(tests.length === 1 ? (tests[0] as ShapeCheck) : (v) => tests.some((t) => t(v)));
  }
  if (schema.enum !== undefined) {
    const allowed = new Set<unknown>(schema.enum);
    checks.push((v) => allowed.has(v));
  }
  if (schema.const !== undefined) {
    const c = schema.const;
    checks.push((v) => v === c);
  }
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf.map(compileShape);
    checks.push((v) => branches.some((b) => b(v)));
  }
  if (schema.not !== undefined) {
    const excluded = compileShape(schema.not);
    checks.push((v) => !excluded(v));
  }
  const { minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minItems, maxItems } = schema;
  // zod measures strings in UTF-16 code units (String.length), and so does this.
  if (minLength !== undefined) checks.push((v) => typeof v !== 'string' || v.length >= minLength);
  if (maxLength !== undefined) checks.push((v) => typeof v !== 'string' || v.length <= maxLength);
  if (schema.pattern !== undefined) {
    const re = new RegExp(schema.pattern);
    checks.push((v) => typeof v !== 'string' || re.test(v));
  }
  if (minimum !== undefined) checks.push((v) => typeof v !== 'number' || v >= minimum);
  if (maximum !== undefined) checks.push((v) => typeof v !== 'number' || v <= maximum);
  if (exclusiveMinimum !== undefined) checks.push((v) => typeof v !== 'number' || v > exclusiveMinimum);
  if (exclusiveMaximum !== undefined) checks.push((v) => typeof v !== 'number' || v < exclusiveMaximum);
  if (minItems !== undefined) checks.push((v) => !Array.isArray(v) || v.length >= minItems);
  if (maxItems !== undefined) checks.push((v) => !Array.isArray(v) || v.length <= maxItems);
  if (schema.items !== undefined) {
    const item = compileShape(schema.items);
    checks.push((v) => !Array.isArray(v) || v.every(item));
  }
  if (schema.properties !== undefined || schema.additionalProperties !== undefined || schema.propertyNames !== undefined) {
    checks.push(objectCheck(schema));
  }
  if (checks.length === 1) return checks[0] as ShapeCheck;
  return (v) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

function objectCheck(schema: JsonSchema): ShapeCheck {
  const props = new Map(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, compileShape(s)]));
  const required = schema.required ?? [];
  const extra = schema.additionalProperties;
  const extraCheck: ShapeCheck | undefined = typeof extra === 'object' ? compileShape(extra) : undefined;
  const names = schema.propertyNames ? compileShape(schema.propertyNames) : undefined;
  return (v) => {
    if (!isPlainObject(v)) return true; // the type keyword decides about non-objects
    for (const k of required) if (!Object.hasOwn(v, k)) return false;
    for (const k of Object.keys(v)) {
      if (names && !names(k)) return false;
      const known = props.get(k);
      if (known) {
        if (!known(v[k])) return false;
      } else if (extra === false) {
        return false;
      } else if (extraCheck && !extraCheck(v[k])) {
        return false;
      }
    }
    return true;
  };
}
