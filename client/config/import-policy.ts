import ts from 'typescript';
import { DSL_SPECIFIER } from '../../dsl/specifier.js';

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
  const found: { specifier: string; node: ts.Node }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push({ specifier: node.moduleSpecifier.text, node: node.moduleSpecifier });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) found.push({ specifier: e.text, node: e });
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const arg = node.arguments[0];
      if ((isImport || isRequire) && arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, node: arg });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, node: node.argument.literal });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
