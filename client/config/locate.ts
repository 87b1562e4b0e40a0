import type ts from 'typescript';
import { lineOf } from './diagnostics.js';
import { typescript } from './lazy-ts.js';

/** A place in a config source, 1-based, with the length to underline. */
export interface SourceSpot {
  readonly line: number;
  readonly column: number;
  readonly length: number;
  readonly sourceLine: string | undefined;
}

/**
 * Narrows the position of a DSL factory call (from its captured stack) to the property that
 * wrote `field` inside the call's object argument (`cpu: 0` in `Resources({ cpu: 0, ... })`),
 * pointing at its value. Falls back to the call itself when the field is not written there (it
 * came from a spread, a variable or a default). Parses with the TypeScript compiler, so it is
 * used only when there is an error to show.
 */
export function refineToField(source: string, fileName: string, line: number, column: number, field: string | undefined): SourceSpot {
  const t = typescript();
  const sf = t.createSourceFile(fileName, source, t.ScriptTarget.ES2022, true, t.ScriptKind.TS);
  const lines = sf.getLineStarts();
  const pos = (lines[line - 1] ?? 0) + column - 1;
  let call: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (pos < node.getStart(sf) || pos >= node.getEnd()) return;
    if (t.isCallExpression(node)) call = node;
    t.forEachChild(node, visit);
  };
  visit(sf);
  if (!call) return spot(sf, pos, 1);
  const arg = call.arguments[0];
  if (field && arg && t.isObjectLiteralExpression(arg)) {
    for (const p of [...arg.properties].reverse()) {
      const name = p.name && (t.isIdentifier(p.name) || t.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (name !== field) continue;
      if (t.isPropertyAssignment(p)) return spot(sf, p.initializer.getStart(sf), p.initializer.getEnd() - p.initializer.getStart(sf));
      return spot(sf, p.getStart(sf), p.getEnd() - p.getStart(sf));
    }
  }
  const start = call.getStart(sf);
  return spot(sf, start, call.expression.getEnd() - start);
}

function spot(sf: ts.SourceFile, pos: number, length: number): SourceSpot {
  const { line, character } = sf.getLineAndCharacterOfPosition(pos);
  const lineEnd = sf.getLineEndOfPosition(pos);
  return {
    line: line + 1,
    column: character + 1,
    length: Math.max(1, Math.min(length, lineEnd - pos)),
    sourceLine: lineOf(sf.text, line + 1),
  };
}
