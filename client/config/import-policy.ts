import type ts from 'typescript';
import { DSL_SPECIFIER } from '../../dsl/specifier.js';
import { typescript } from './lazy-ts.js';

/**
 * What a config may import: the DSL and other config files next to it. Configs are
 * deterministic: no network, no I/O, no npm packages. Pure.
 */
export function isAllowedImport(specifier: string): boolean {
  return specifier === DSL_SPECIFIER || specifier.startsWith('./') || specifier.startsWith('../');
}

export function refusedImportMessage(specifier: string): string {
  return (
    `cannot import '${specifier}': configs are deterministic, no network and no I/O; ` +
    `they may import only '${DSL_SPECIFIER}' and relative .ts files such as './common.ts'`
  );
}

/** Every module specifier a source file names (imports, re-exports, `import()`, `require()`), with its node. */
export function moduleSpecifiers(sf: ts.SourceFile): { specifier: string; node: ts.Node }[] {
  const t = typescript();
  const found: { specifier: string; node: ts.Node }[] = [];
  const visit = (node: ts.Node): void => {
    if ((t.isImportDeclaration(node) || t.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (t.isStringLiteral(node.moduleSpecifier)) found.push({ specifier: node.moduleSpecifier.text, node: node.moduleSpecifier });
    } else if (t.isImportEqualsDeclaration(node) && t.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (t.isStringLiteral(e)) found.push({ specifier: e.text, node: e });
    } else if (t.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === t.SyntaxKind.ImportKeyword;
      const isRequire = t.isIdentifier(callee) && callee.text === 'require';
      const arg = node.arguments[0];
      if ((isImport || isRequire) && arg && t.isStringLiteralLike(arg)) found.push({ specifier: arg.text, node: arg });
    } else if (t.isImportTypeNode(node) && t.isLiteralTypeNode(node.argument) && t.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, node: node.argument.literal });
    }
    t.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
