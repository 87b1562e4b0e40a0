import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { displayPath } from '../config/diagnostics.js';
import { CommandFailureError, InvalidConfigurationError } from '../errors.js';
import type { CommandContext } from './context.js';

export interface MigrateArgs {
  /** The Apache Aurora config (`hello_world.aurora`). */
  readonly file: string;
  /** Where the TypeScript goes. @default FILE.aurora.ts next to FILE */
  readonly out?: string | undefined;
  /** Overwrite `out` when it exists. */
  readonly force: boolean;
}

/**
 * `aurora config migrate FILE.aurora [--out FILE.aurora.ts] [--force]`, registered under the
 * `config` noun. The translator (ts-morph, the Python parser) loads only when the command runs.
 */
export function configMigrateCommand(ctx: CommandContext): CommandModule<object, MigrateArgs> {
  return {
    command: 'migrate <file>',
    describe: 'Translate an Apache Aurora .aurora config into a .aurora.ts config; report what is left untranslated',
    builder: (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the Apache Aurora config (Python, Pystachio)' })
        .option('out', { type: 'string', describe: 'where to write the TypeScript (default: FILE.aurora.ts next to FILE)' })
        .option('force', { type: 'boolean', default: false, describe: 'overwrite the output file if it exists' }),
    handler: (a) => migrateConfigFile(ctx, { file: a.file, out: a.out, force: a.force }),
  };
}

/** `hello_world.aurora` → `hello_world.aurora.ts`; `hello.py` → `hello.aurora.ts`. Pure. */
export function defaultOutput(file: string): string {
  if (file.endsWith('.aurora')) return `${file}.ts`;
  const ext = path.extname(file);
  return `${ext ? file.slice(0, -ext.length) : file}.aurora.ts`;
}

/**
 * Reads FILE, writes the translation, prints each untranslated construct as
 * `FILE:LINE: not translated: reason` (stderr) and a summary. Exits 0 (with a warning when
 * something was left as comments), 3 when FILE is missing or not Python, 4 when the output
 * exists and --force was not given.
 */
export async function migrateConfigFile(ctx: CommandContext, a: MigrateArgs): Promise<void> {
  const input = path.resolve(ctx.cwd, a.file);
  const shownIn = displayPath(input, ctx.cwd);
  if (!existsSync(input)) throw new InvalidConfigurationError(`Config file ${shownIn} does not exist`);
  if (!statSync(input).isFile()) throw new InvalidConfigurationError(`Config file ${shownIn} is not a file`);
  const output = path.resolve(ctx.cwd, a.out ?? defaultOutput(a.file));
  const shownOut = displayPath(output, ctx.cwd);
  if (output === input) throw new CommandFailureError(`--out ${shownOut} is the input file; choose another file`);
  if (existsSync(output) && !a.force) {
    throw new CommandFailureError(`${shownOut} already exists; nothing was written. Pass --force to overwrite it, or --out to write elsewhere`);
  }

  const { migrateAuroraConfig } = await import('../migrate/index.js');
  const result = migrateAuroraConfig(readFileSync(input, 'utf8'), input);
  if (result.syntaxErrors.length > 0) {
    throw new InvalidConfigurationError(`${shownIn} is not valid Python; nothing was written`, {
      details: result.syntaxErrors.map((e) => `${shownIn}:${e.line}: ${e.message}`),
    });
  }
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, result.text);
  for (const issue of result.issues) ctx.err(`${shownIn}:${issue.line}: not translated: ${issue.message}`);
  const n = result.issues.length;
  if (n === 0) {
    ctx.out(`Wrote ${shownOut}: everything in ${shownIn} was translated.`);
  } else {
    ctx.out(`Wrote ${shownOut}: ${n} construct${n === 1 ? '' : 's'} of ${shownIn} could not be translated.`);
    ctx.err(
      `Warning: ${n === 1 ? 'it is' : 'they are'} left in ${shownOut} as comments starting with "aurora config migrate: line"; ` +
        'translate them by hand before you use the file.',
    );
  }
  ctx.out(`Check it with: aurora config check ${shownOut}`);
}
