import { z } from 'zod';
import { compileShape, type JsonSchema, type ShapeCheck } from './json-shape.js';

/**
 * The JSON Schema of a zod schema in the form json-shape.ts checks, and the compiled check of
 * it that the scheduler uses where zod would cost more than the work itself (the lines of a
 * backup). The same rendering generates the client's wire shapes (client/api/wire-schemas.test.ts).
 *
 * zod leaves refinements out of JSON Schema, and a transform has none: a check compiled from
 * such a schema would accept what zod refuses or changes. So a refinement listed in REFINEMENTS
 * is rendered as the JSON Schema that says the same, and any other refinement or transform as a
 * node nothing passes: the value goes to zod, which decides. The compiled check therefore only
 * says yes to a value that zod accepts and returns unchanged; a no costs zod's time, never
 * correctness (zod-shape.test.ts holds it to that).
 */

/** The refinements of the scheduler's schemas that JSON Schema can say, each with what says it. */
export const REFINEMENTS: readonly { readonly message: RegExp; readonly schema: JsonSchema }[] = [
  // dsl/job-key.ts: a job key component is never '.' or '..'.
  { message: /must not be '\.' or '\.\.'$/, schema: { not: { enum: ['.', '..'] } } },
];

/** Where the check cannot follow zod: nothing passes here, so zod decides. */
const ZOD_DECIDES: JsonSchema = { not: {} };

interface CustomCheck {
  _zod: { def: { check: string; error?: () => unknown } };
}
interface ZodInternals {
  _zod?: { def?: { type?: string; checks?: CustomCheck[]; in?: ZodInternals } };
}

/** The messages of the refinements a zod schema itself carries ('(no message)' for a superRefine). */
function refinementsOf(schema: unknown): string[] {
  const checks = (schema as ZodInternals)._zod?.def?.checks ?? [];
  return checks.filter((c) => c._zod.def.check === 'custom').map((c) => String(c._zod.def.error?.() ?? '(no message)'));
}

/** A node whose output JSON Schema does not describe what zod returns for it. */
function transforms(schema: unknown): boolean {
  const def = (schema as ZodInternals)._zod?.def;
  // A pipe from a transform is a preprocess: the output schema says nothing of what it accepts.
  return def?.type === 'transform' || def?.type === 'custom' || (def?.type === 'pipe' && def.in?._zod?.def?.type === 'transform');
}

/**
 * The JSON Schema of what `schema` accepts and returns unchanged, as far as json-shape.ts can
 * check it, and the refinements it rendered as nodes nothing passes (REFINEMENTS lacks them).
 */
export function wireJsonSchema(schema: z.ZodType): { schema: JsonSchema; unknownRefinements: string[] } {
  const unknownRefinements: string[] = [];
  const json = z.toJSONSchema(schema, {
    unrepresentable: 'any',
    override: (ctx) => {
      const target = ctx.jsonSchema as Record<string, unknown>;
      if (transforms(ctx.zodSchema)) Object.assign(target, ZOD_DECIDES);
      for (const message of refinementsOf(ctx.zodSchema)) {
        const known = REFINEMENTS.find((r) => r.message.test(message));
        if (known) {
          Object.assign(target, known.schema);
        } else {
          unknownRefinements.push(message);
          Object.assign(target, ZOD_DECIDES);
        }
      }
    },
  });
  return { schema: json as JsonSchema, unknownRefinements };
}

const compiled = new WeakMap<z.ZodType, ShapeCheck>();

/**
 * The compiled check of `schema`, made once: yes only for a value zod accepts and returns
 * unchanged. A schema json-shape.ts cannot read at all gets a check that always says no (zod
 * decides every value); zod-shape.test.ts keeps the scheduler's own schemas from that.
 */
export function fastCheck(schema: z.ZodType): ShapeCheck {
  let check = compiled.get(schema);
  if (!check) {
    try {
      check = compileShape(wireJsonSchema(schema).schema);
    } catch {
      check = () => false;
    }
    compiled.set(schema, check);
  }
  return check;
}

/**
 * `schema`'s verdict on `value`: the value itself where the compiled check says yes, else
 * zod's safeParse (its data, or the error with every issue for the caller's message).
 */
export function checkFast<T>(schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> {
  if (fastCheck(schema)(value)) return { success: true, data: value as T };
  return schema.safeParse(value);
}
