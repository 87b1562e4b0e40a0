import { bindString, MISSING_FIELDS, type BindingValues, type Template, type UnboundVariable } from './templates.js';

/**
 * Typed profiles, as Pystachio's `Struct` with `Default(...)` and `Required(...)` fields that
 * Aurora configs bind with `.bind(profile=Profile(...))` and use as `{{profile.x}}`:
 *
 * ```ts
 * const Profile = Struct({ role: Required(String), instances: Default(Integer, 1), gpu: Default(Integer, 0) });
 * job.bind({ profile: Profile({ role: 'www-data' }) })   // {{profile.instances}} is 1
 * ```
 *
 * A Struct value is a frozen plain object of its fields, the defaults filled in, so it binds like
 * any object. Leaving out a Required field is a type error; a field a config's code cannot know
 * yet may be a `{{template}}` (numbers included), bound when the job is compiled. Pure.
 */

/** Marks a field as a whole number (Pystachio's `Integer`). */
export interface IntegerType {
  readonly kind: 'Integer';
}
/** Marks a field as a number (Pystachio's `Float`). */
export interface FloatType {
  readonly kind: 'Float';
}
/** Pystachio's `Integer`: `Default(Integer, 1)`. */
export const Integer: IntegerType = Object.freeze({ kind: 'Integer' });
/** Pystachio's `Float`: `Default(Float, 0.5)`. */
export const Float: FloatType = Object.freeze({ kind: 'Float' });

/**
 * What a field holds: `String`, `Number` and `Boolean` (JavaScript's own), {@link Integer},
 * {@link Float}, or another Struct.
 */
export type FieldType = StringConstructor | NumberConstructor | BooleanConstructor | IntegerType | FloatType | AnyStructType;

/** The value a field of type `T` takes. Numbers and booleans may also be a `{{template}}`. */
export type ValueOf<T> = T extends StringConstructor
  ? string
  : T extends NumberConstructor | IntegerType | FloatType
    ? number | Template
    : T extends BooleanConstructor
      ? boolean | Template
      : T extends StructType<infer S>
        ? StructValue<S>
        : never;

/** A field with a default: `Default(Integer, 1)`. */
export interface DefaultField<T extends FieldType> {
  readonly kind: 'Default';
  readonly type: T;
  readonly value: ValueOf<T>;
}

/** A field that must be given: `Required(String)`. */
export interface RequiredField<T extends FieldType> {
  readonly kind: 'Required';
  readonly type: T;
}

/** A field of a Struct: a type alone (optional, no default), `Default(type, value)` or `Required(type)`. */
export type FieldSpec = FieldType | DefaultField<FieldType> | RequiredField<FieldType>;

/** A Struct's fields by name. */
export type StructFields = { readonly [name: string]: FieldSpec };

/** Pystachio's `Default(type, value)`: the field is `value` unless given. */
export function Default<T extends FieldType>(type: T, value: ValueOf<T>): DefaultField<T> {
  return Object.freeze({ kind: 'Default', type, value });
}

/** Pystachio's `Required(type)`: leaving the field out is a type error. */
export function Required<T extends FieldType>(type: T): RequiredField<T> {
  return Object.freeze({ kind: 'Required', type });
}

type FieldValue<F> = F extends DefaultField<infer T> ? ValueOf<T> : F extends RequiredField<infer T> ? ValueOf<T> : ValueOf<F>;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends RequiredField<FieldType> ? K : never }[keyof S];
type DefaultKeys<S> = { [K in keyof S]: S[K] extends DefaultField<FieldType> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** What a Struct takes: its Required fields, and any of the others. */
export type StructProps<S> = Simplify<
  { readonly [K in RequiredKeys<S>]: FieldValue<S[K]> } & { readonly [K in Exclude<keyof S, RequiredKeys<S>>]?: FieldValue<S[K]> }
>;

/** A Struct value: Required and Default fields always there, the others when given. */
export type StructValue<S> = Simplify<
  { readonly [K in RequiredKeys<S> | DefaultKeys<S>]: FieldValue<S[K]> } & {
    readonly [K in Exclude<keyof S, RequiredKeys<S> | DefaultKeys<S>>]?: FieldValue<S[K]>;
  }
>;

/** A Struct: call it (with the fields to set) to make a value; `Profile()` when no field is Required. */
export interface StructType<S> {
  (...props: {} extends StructProps<S> ? [props?: StructProps<S>] : [props: StructProps<S>]): StructValue<S>;
  readonly kind: 'Struct';
  /** The fields as declared. */
  readonly fields: S;
}

/** Any Struct, as a field type. */
export interface AnyStructType {
  readonly kind: 'Struct';
  readonly fields: StructFields;
}

function isFieldDecl(f: FieldSpec): f is DefaultField<FieldType> | RequiredField<FieldType> {
  return typeof f === 'object' && f !== null && (f.kind === 'Default' || f.kind === 'Required');
}

/**
 * A typed profile: `const Profile = Struct({ role: Required(String), instances: Default(Integer, 1) })`,
 * then `Profile({ role: 'www-data' })` is `{ role: 'www-data', instances: 1 }`. Pystachio's
 * `class Profile(Struct)`.
 */
export function Struct<const S extends StructFields>(fields: S): StructType<S> {
  const declared = Object.freeze({ ...fields });
  const build = (props?: Readonly<Record<string, unknown>>): unknown => {
    const value: Record<string, unknown> = {};
    const missing: string[] = [];
    for (const [name, spec] of Object.entries(declared)) {
      if (props && Object.prototype.hasOwnProperty.call(props, name) && props[name] !== undefined) value[name] = props[name];
      else if (isFieldDecl(spec) && spec.kind === 'Default') value[name] = spec.value;
      else if (isFieldDecl(spec) && spec.kind === 'Required') missing.push(name);
    }
    // Fields the Struct does not declare are a type error; kept, they bind like the rest.
    for (const [name, v] of Object.entries(props ?? {})) if (!(name in declared) && v !== undefined) value[name] = v;
    bindSiblings(value);
    Object.defineProperty(value, MISSING_FIELDS, { value: Object.freeze(missing), enumerable: false });
    return Object.freeze(value);
  };
  const type = Object.assign((props?: Readonly<Record<string, unknown>>) => build(props), { kind: 'Struct' as const, fields: declared });
  return Object.freeze(type) as unknown as StructType<S>;
}

/**
 * Binds, in each string field, the variables that name a field of the same value
 * (`base: Default(String, 'Python-{{version}}')`, or `{{self.version}}`), as Pystachio looks a
 * Struct's own fields up first. Other variables are left for the job's scope; a sibling that is
 * itself a template still unbound is left too.
 */
function bindSiblings(value: Record<string, unknown>): void {
  const own = value as BindingValues;
  const scope = [{ self: own }, own];
  const ignored: UnboundVariable[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string' && v.includes('{{')) value[name] = bindString(v, scope, [name], ignored, { reportUnbound: false });
  }
}

/** The Required fields a Struct value was made without (its type forbids it; JavaScript may not). */
export function missingFields(value: unknown): readonly string[] {
  if (typeof value !== 'object' || value === null) return [];
  return (value as { [MISSING_FIELDS]?: readonly string[] })[MISSING_FIELDS] ?? [];
}
