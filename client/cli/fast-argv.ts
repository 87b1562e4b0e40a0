import type { ArgumentsCamelCase, Argv, InferredOptionTypes, Options } from 'yargs';

/**
 * Commands the runner may parse without yargs. Loading yargs costs more CPU than everything else
 * a warm `aurora job create --wait-until RUNNING` does, so a command line in the plainest form
 * (the command's words, its positionals, its known options spelled out) is parsed here, from the
 * same option table yargs gets; anything else (help, a typo, an unusual spelling) goes to yargs,
 * which parses, validates and reports as always. fast-argv.test.ts holds both parsers to the
 * same result on every command line this one accepts.
 */
export interface FastCommand {
  /** The command's words: `['job', 'create']`. */
  readonly words: readonly string[];
  /** Required string positionals, in order, with their help text. */
  readonly positionals: Readonly<Record<string, string>>;
  readonly describe: string;
  /** yargs option definitions, kebab-case names. */
  readonly options: Readonly<Record<string, Options>>;
  /** Runs the command with yargs-shaped arguments (kebab and camelCase keys). */
  readonly run: (args: Readonly<Record<string, unknown>>) => Promise<void>;
}

/** The arguments yargs gives a command with these options and positionals. */
export type FastArgs<O extends Record<string, Options>, P extends string> = ArgumentsCamelCase<InferredOptionTypes<O>> & Record<P, string>;

/** A FastCommand whose `run` sees the arguments typed as yargs would type them. */
export function fastCommand<const O extends Record<string, Options>, const P extends string>(c: {
  readonly words: readonly string[];
  readonly positionals: Readonly<Record<P, string>>;
  readonly describe: string;
  readonly options: O;
  readonly run: (args: FastArgs<O, P>) => Promise<void>;
}): FastCommand {
  return c as unknown as FastCommand;
}

/** Registers a FastCommand with yargs (under its noun's builder): the same table for both parsers. */
export function registerFast(y: Argv, c: FastCommand): Argv {
  const usage = [c.words[c.words.length - 1], ...Object.keys(c.positionals).map((p) => `<${p}>`)].join(' ');
  return y.command(
    usage,
    c.describe,
    (b) => {
      let built = b;
      for (const [name, describe] of Object.entries(c.positionals)) built = built.positional(name, { type: 'string', demandOption: true, describe });
      return built.options(c.options);
    },
    (a) => c.run(a),
  );
}

function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

const OPTION = /^--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?:=([\s\S]*))?$/;
const NEGATED = /^--no-([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;
const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * The command and its yargs-shaped arguments when `argv` is in the plainest form, else
 * undefined (then yargs parses it). Refuses whatever yargs might read otherwise: short or
 * camelCase options, `--no-x` for an x that is not a boolean, `--`, a repeated option that is not an array, a value that
 * starts with '-', `--flag true`, a number that is not plain digits, a choice not among the
 * choices, an array option followed by a word (yargs would take it as another value). Pure.
 */
export function parseFast(argv: readonly string[], commands: readonly FastCommand[]): { command: FastCommand; args: Record<string, unknown> } | undefined {
  const command = commands.find((c) => c.words.every((w, i) => argv[i] === w));
  if (!command) return undefined;
  const rest = argv.slice(command.words.length);
  const positionals: string[] = [];
  const values = new Map<string, unknown>();
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (token === '') return undefined;
    if (!token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    const negated = NEGATED.exec(token)?.[1];
    if (negated !== undefined && Object.hasOwn(command.options, negated) && command.options[negated]?.type === 'boolean') {
      const next = rest[i + 1];
      if (next === 'true' || next === 'false' || values.has(negated)) return undefined;
      values.set(negated, false);
      continue;
    }
    const m = OPTION.exec(token);
    const name = m?.[1];
    const spec = name !== undefined && Object.hasOwn(command.options, name) ? command.options[name] : undefined;
    if (!m || name === undefined || !spec) return undefined;
    const inline = m[2];
    if (spec.type === 'boolean') {
      const next = rest[i + 1];
      if (inline !== undefined || next === 'true' || next === 'false' || values.has(name)) return undefined;
      values.set(name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = rest[++i];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    if (value === '') return undefined;
    if (spec.array) {
      const next = rest[i + 1];
      if (spec.type !== 'string' || (next !== undefined && !next.startsWith('-'))) return undefined;
      values.set(name, [...((values.get(name) as string[] | undefined) ?? []), value]);
      continue;
    }
    if (values.has(name)) return undefined;
    if (spec.choices !== undefined) {
      if (spec.type !== undefined || !(spec.choices as readonly unknown[]).includes(value)) return undefined;
      values.set(name, value);
    } else if (spec.type === 'number') {
      if (!PLAIN_NUMBER.test(value)) return undefined;
      values.set(name, Number(value));
    } else if (spec.type === 'string') {
      values.set(name, value);
    } else {
      return undefined;
    }
  }
  const names = Object.keys(command.positionals);
  if (positionals.length !== names.length) return undefined;
  const args: Record<string, unknown> = {};
  names.forEach((p, i) => (args[p] = positionals[i]));
  for (const [name, spec] of Object.entries(command.options)) {
    const v = values.has(name) ? values.get(name) : spec.default;
    if (v === undefined) continue;
    args[name] = v;
    args[camelCase(name)] = v;
  }
  return { command, args };
}
