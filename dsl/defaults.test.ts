import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DSL_DEFAULTS } from './defaults.js';
import { GB, KB, MB, TB } from './units.js';

/**
 * The one source of defaults: every `@default` an editor shows for a DSL field (its JSDoc) is held
 * to the table the compiler reads (dsl/defaults.ts), both ways, by reading the DSL's sources with
 * the TypeScript compiler.
 */

const dslDir = path.dirname(fileURLToPath(import.meta.url));

interface Field {
  readonly iface: string;
  readonly name: string;
  readonly optional: boolean;
  readonly doc: string;
  /** The `@default` tag's text, when there is one. */
  readonly defaultTag: string | undefined;
}

/** Every property of every exported `...Props` interface of the DSL, with its JSDoc. */
function propsFields(): Field[] {
  const fields: Field[] = [];
  for (const file of readdirSync(dslDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const sf = ts.createSourceFile(file, readFileSync(path.join(dslDir, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const stmt of sf.statements) {
      if (!ts.isInterfaceDeclaration(stmt) || !stmt.name.text.endsWith('Props')) continue;
      if (!stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      for (const member of stmt.members) {
        if (!ts.isPropertySignature(member) || !member.name || !ts.isIdentifier(member.name)) continue;
        const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
        const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? '').join('\n').trim();
        const tag = docs.flatMap((d) => d.tags ?? []).find((t) => t.tagName.text === 'default');
        fields.push({
          iface: stmt.name.text,
          name: member.name.text,
          optional: member.questionToken !== undefined,
          doc: text,
          defaultTag: tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '').trim() : undefined,
        });
      }
    }
  }
  return fields;
}

const UNITS: Readonly<Record<string, number>> = { KB, MB, GB, TB };

/**
 * The value a `@default` names when it is a plain value (`1`, `'file'`, `true`, `[]`, `{}`,
 * `100 * MB`, each maybe followed by a note in parentheses), else undefined: a default said in
 * words ("the task's name", "none", "UpdateConfig()"), which the compiler resolves itself.
 */
export function literalDefault(tag: string): { value: unknown } | undefined {
  const text = tag.replace(/\s+\(.*\)$/s, '').trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return { value: Number(text) };
  const quoted = /^'([^']*)'$/.exec(text);
  if (quoted) return { value: quoted[1] };
  if (text === 'true' || text === 'false') return { value: text === 'true' };
  if (text === '[]') return { value: [] };
  if (text === '{}') return { value: {} };
  const sized = /^(\d+) \* (KB|MB|GB|TB)$/.exec(text);
  if (sized) return { value: Number(sized[1]) * (UNITS[sized[2] as string] as number) };
  return undefined;
}

describe('DSL defaults', () => {
  const fields = propsFields();
  const table = DSL_DEFAULTS as Readonly<Record<string, Readonly<Record<string, unknown>>>>;

  it('reads the props of the DSL', () => {
    for (const iface of ['JobProps', 'TaskProps', 'ProcessProps', 'ResourcesProps', 'UpdateConfigProps', 'MesosProps', 'VolumeProps']) {
      expect(fields.some((f) => f.iface === iface), iface).toBe(true);
    }
  });

  it('documents every public field; every optional one says its @default, required ones have none', () => {
    const problems: string[] = [];
    for (const f of fields) {
      const where = `${f.iface}.${f.name}`;
      if (f.doc === '') problems.push(`${where} has no description`);
      if (f.optional && f.defaultTag === undefined) problems.push(`${where} is optional but has no @default`);
      if (!f.optional && f.defaultTag !== undefined) problems.push(`${where} is required but has a @default`);
      if (f.defaultTag === '') problems.push(`${where} has an empty @default`);
    }
    expect(problems).toEqual([]);
  });

  it("holds every plain @default to the compiler's table, and every table entry to a @default", () => {
    const problems: string[] = [];
    for (const f of fields) {
      const literal = f.defaultTag === undefined ? undefined : literalDefault(f.defaultTag);
      const inTable = table[f.iface] !== undefined && Object.prototype.hasOwnProperty.call(table[f.iface], f.name);
      if (literal && !inTable) problems.push(`${f.iface}.${f.name}: @default ${f.defaultTag} is not in DSL_DEFAULTS.${f.iface}`);
      if (literal && inTable) {
        try {
          expect(table[f.iface]?.[f.name]).toEqual(literal.value);
        } catch {
          problems.push(`${f.iface}.${f.name}: @default ${f.defaultTag} but DSL_DEFAULTS says ${JSON.stringify(table[f.iface]?.[f.name])}`);
        }
      }
      if (!literal && inTable) problems.push(`${f.iface}.${f.name}: DSL_DEFAULTS has ${JSON.stringify(table[f.iface]?.[f.name])} but the @default is '${f.defaultTag ?? '(none)'}'`);
    }
    for (const [iface, entries] of Object.entries(table)) {
      for (const name of Object.keys(entries)) {
        if (!fields.some((f) => f.iface === iface && f.name === name)) problems.push(`DSL_DEFAULTS.${iface}.${name} is no field of the DSL`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('reads plain defaults, and leaves defaults said in words to the compiler', () => {
    expect(literalDefault("'KILL_EXISTING'")).toEqual({ value: 'KILL_EXISTING' });
    expect(literalDefault('[] (every process starts at once)')).toEqual({ value: [] });
    expect(literalDefault('100 * MB')).toEqual({ value: 100 * MB });
    expect(literalDefault('-1')).toEqual({ value: -1 });
    expect(literalDefault("the task's name")).toBeUndefined();
    expect(literalDefault('UpdateConfig() (one instance at a time)')).toBeUndefined();
  });
});
