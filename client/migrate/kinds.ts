/**
 * What the translator's parts share: what a translated expression is (its kind), the names a file
 * binds, and the context through which the modules that translate one construct each (profiles.ts,
 * host.ts, tasks.ts, formatting.ts) call back into the translator (translate.ts).
 */
import type { SyntaxNode } from '@lezer/common';
import type { Code, Entry, Item } from './printer.js';
import type { PythonSource } from './python.js';
import type { DslCapabilities } from './translate.js';

/** A field of a translated Pystachio Struct class. */
export interface ProfileField {
  readonly required: boolean;
  /** What the field holds: numbers take numeric strings ('3') as numbers. */
  readonly type: 'string' | 'number' | 'bool' | 'profile';
}

/** What a translated expression is, as far as the translation needs to know. */
export type Kind =
  | { readonly k: 'string'; readonly literal?: string }
  | { readonly k: 'number'; readonly literal?: string }
  | { readonly k: 'bool' }
  | { readonly k: 'null' }
  | { readonly k: 'list' }
  | { readonly k: 'dict' }
  /** Task order constraints: what order(...) returns (a list), or a list of them. */
  | { readonly k: 'constraints' }
  | { readonly k: 'struct'; readonly struct: string; readonly fields: ReadonlySet<string>; readonly partial: boolean }
  /** A Struct class (`class Profile(Struct)`), which makes values when called. */
  | { readonly k: 'profileType'; readonly fields: ReadonlyMap<string, ProfileField> }
  /** A value of a Struct class; `type` is the class's TypeScript name. */
  | { readonly k: 'profile'; readonly type: string; readonly fields: ReadonlyMap<string, ProfileField> }
  /** A Python module or function the translation knows (getpass, os, hashlib): `from hashlib import md5`. */
  | { readonly k: 'python'; readonly name: string }
  | { readonly k: 'unknown' };

export interface Tx {
  readonly code: Code;
  readonly kind: Kind;
  /** For a struct call that lacks required fields: the props object alone (declared as a template). */
  readonly props?: Code;
  /** The props carry `bindings` (a template that was bound), so they are typed as the object, not its props. */
  readonly propsBound?: boolean;
}

/** One argument of a call, as written. */
export interface Arg {
  readonly name?: string;
  readonly nameNode?: SyntaxNode;
  readonly value: SyntaxNode;
  readonly from: number;
  readonly star?: string;
  readonly comment?: string;
}

/** A name the file binds (a variable, a class, an included file's name). */
export interface Binding {
  readonly py: string;
  readonly ts: string;
  readonly line: number;
  translated: boolean;
  kind: Kind;
  /** Why the statement that defines it was not translated. */
  reason?: string;
  declared: boolean;
  /** Declared as a props object (a template lacking required fields), not as a DSL object. */
  template?: boolean;
  /** Defined by an included file: imported from this specifier when used. */
  importedFrom?: string;
  /** The name the included file exports it as, when this file imports it under another (`ts`). */
  importedName?: string;
  /** Used after it was defined (an imported name is imported only then). */
  used?: boolean;
}

/** A construct that could not be translated; caught at the nearest boundary. */
export class Untranslatable extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** An untranslated construct: its line, why, and the source lines it stands for. */
export interface Note {
  readonly line: number;
  readonly reason: string;
  readonly lines: readonly string[];
  /** Not untranslated: dropped on purpose (it means nothing here), or translated with a change. */
  readonly remark?: 'dropped' | 'rewritten';
}

/** A translation run as its own boundary: its value and the notes made inside, or why it failed. */
export type Framed<T> = { readonly ok: true; readonly value: T; readonly notes: Note[] } | { readonly ok: false; readonly error: Untranslatable };

/** What the construct modules may ask of the translator. */
export interface Ctx {
  readonly py: PythonSource;
  readonly dsl: DslCapabilities;
  /** Runs a translation as a boundary: a failure inside is caught, and what it recorded undone. */
  frame<T>(fn: () => T): Framed<T>;
  /** Notes said above the statement (or list item) being translated. */
  note(...notes: Note[]): void;
  /** Adds a note as a comment among entries or items, joining one about the same source lines. */
  pushNote(list: (Entry | Item)[], note: Note): void;
  /** The whole source lines from one offset to another. */
  linesBetween(from: number, to: number): string[];
  /** Translates an expression; `want: 'string'` lets an unknown value become a `{{placeholder}}`. */
  expr(node: SyntaxNode, want?: 'string'): Tx;
  /** Gives up on the construct at `node`. */
  fail(node: SyntaxNode, reason: string): never;
  /** A DSL export the output uses (imported for it). */
  value(name: string): string;
  /** The arguments of an ArgList, comments kept. */
  args(argList: SyntaxNode): Arg[];
  /** The binding of a Python name, if the file (or an included one) defines it. */
  binding(py: string): Binding | undefined;
  /** Something translated with a change the reader should know about (a comment, not an issue). */
  remark(node: SyntaxNode, message: string, kind: 'dropped' | 'rewritten'): void;
  /** A string built from literal text and values. */
  templateLiteral(parts: readonly (string | Tx)[]): Tx;
}

/** Arguments without the comments between them. */
export function plainArgs(args: readonly Arg[]): Arg[] {
  return args.filter((a) => a.comment === undefined);
}
