import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkFast, fastCheck, wireJsonSchema } from './zod-shape.js';

describe('compiled checks of zod schemas', () => {
  it("say yes to what zod accepts unchanged, and leave the rest to zod's verdict and message", () => {
    const schema = z.object({ name: z.string().min(1), n: z.number().int().nonnegative(), tags: z.array(z.enum(['a', 'b'])) }).strict();
    const check = fastCheck(schema);
    expect(check({ name: 'x', n: 3, tags: ['a'] })).toBe(true);
    expect(check({ name: '', n: 3, tags: [] })).toBe(false);
    expect(check({ name: 'x', n: 1.5, tags: [] })).toBe(false);
    expect(check({ name: 'x', n: 1, tags: ['c'] })).toBe(false);
    expect(check({ name: 'x', n: 1, tags: [], extra: 1 })).toBe(false);
    const refused = checkFast(schema, { name: 'x', n: -1, tags: [] });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(['n']);
    const value = { name: 'x', n: 0, tags: [] };
    expect(checkFast(schema, value)).toEqual({ success: true, data: value });
  });

  it('refuse what zod would change: unknown keys it strips, defaults it fills, transforms', () => {
    expect(fastCheck(z.object({ a: z.string() }))({ a: 'x', b: 1 })).toBe(false);
    expect(fastCheck(z.object({ a: z.string().default('d') }))({})).toBe(false);
    expect(fastCheck(z.object({ a: z.string().transform((s) => s.trim()) }))({ a: ' x ' })).toBe(false);
    expect(fastCheck(z.object({ a: z.preprocess((v) => String(v), z.string()) }))({ a: 'x' })).toBe(false);
    expect(fastCheck(z.object({ a: z.coerce.number() }))({ a: '5' })).toBe(false);
    // zod still decides: the same values pass through checkFast.
    expect(checkFast(z.object({ a: z.string().default('d') }), {})).toEqual({ success: true, data: { a: 'd' } });
  });

  it("render a known refinement as the JSON Schema that says the same, and leave others to zod", () => {
    const key = z.string().refine((s) => s !== '.' && s !== '..', "name must not be '.' or '..'");
    expect(fastCheck(key)('web')).toBe(true);
    expect(fastCheck(key)('..')).toBe(false);
    const range = z.object({ begin: z.number(), end: z.number() }).refine((r) => r.end >= r.begin, 'the range must not end before it begins');
    expect(wireJsonSchema(range).unknownRefinements).toEqual(['the range must not end before it begins']);
    expect(fastCheck(range)({ begin: 1, end: 2 })).toBe(false);
    expect(checkFast(range, { begin: 2, end: 1 }).success).toBe(false);
    expect(checkFast(range, { begin: 1, end: 2 }).success).toBe(true);
  });
});
