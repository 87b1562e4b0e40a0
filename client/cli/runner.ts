import type { Argv } from 'yargs';
import { describeError, InvalidCommandError, InvalidParameterError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { JobKeyError } from '../../dsl/key.js';
import { CommandContext, type CliOptions } from './context.js';
import { parseFast, type FastCommand } from './fast-argv.js';

/** Help text width: fixed, so output does not depend on the terminal. */
const WRAP = 100;

/**
 * Runs one command line of a yargs CLI (`aurora`, `aurora-admin`) with injected streams:
 * `.exitProcess(false)`, `.strict()`, one `.fail()` handler, `.parseAsync()`. Resolves to the
 * exit code; never calls process.exit. A command line in the plainest form of one of the `fast`
 * commands runs without loading yargs at all (see fast-argv.ts).
 */
export async function runCommandLine(
  scriptName: string,
  options: CliOptions,
  register: Register,
  fast?: (ctx: CommandContext) => readonly FastCommand[],
): Promise<ExitCode> {
  const ctx = new CommandContext(options);
  const argv = [...options.argv];
  try {
    if (argv[0] === '--version') {
      // As Aurora's client: the version on stderr, exit 0.
      const { clientVersion } = await import('./version.js');
      ctx.err(clientVersion());
      return EXIT.OK;
    }
    const hit = fast && options.fastPath !== false ? parseFast(argv, fast(ctx)) : undefined;
    if (hit) {
      if (!CommandContext.isOffline(hit.command.words)) await ctx.loadServices();
      await hit.command.run(hit.args);
      return EXIT.OK;
    }
    await parseWithYargs(scriptName, options, ctx, argv, register);
    return EXIT.OK;
  } catch (err) {
    const { lines, exitCode } = describeError(asCliError(err));
    for (const line of lines) ctx.err(line);
    return exitCode;
  }
}

/**
 * Adds a CLI's commands to yargs. It may be async, to load command tables only when yargs runs
 * (a fast-path command line needs none of them).
 */
export type Register = (y: Argv, ctx: CommandContext) => Argv | Promise<Argv>;

async function parseWithYargs(scriptName: string, options: CliOptions, ctx: CommandContext, argv: string[], register: Register): Promise<void> {
  const { default: yargs } = await import('yargs');
  const base = (args: string[]): Argv => yargs(args).scriptName(scriptName).exitProcess(false).wrap(WRAP).help().version(false).demandCommand(1, 'Please give a command.');
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).includes('--help')) await refuseUnknownCommand(base, argv.filter((a, i) => a !== '--help' || (end >= 0 && i > end)), ctx, register);
  const registered = await register(
    base(argv)
      .strict()
      .middleware(async (argv) => {
        if (!CommandContext.isOffline(argv._)) await ctx.loadServices();
      }),
    ctx,
  );
  const y = registered.fail(((message: string | null | undefined, error: Error | undefined, usage: { help(): string }) => {
    if (error) throw error;
    throw new InvalidCommandError(message ?? 'invalid command line', { details: [usage.help(), ''] });
  }) as unknown as (msg: string, err: Error, y: Argv) => void);
  await y.parseAsync(argv, {}, (err: Error | undefined, _args: unknown, output: string) => {
    if (!err && output) options.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  });
}

/** Thrown where a command line checked for help would run its command: it names no unknown one. */
const KNOWN = Symbol('known command');

/**
 * yargs shows help for `--help` whatever the words before it, so `aurora job frobnicate --help`
 * would print the job help and exit 0. Aurora refuses an unknown command even then: the command
 * line without `--help` is parsed (nothing runs) and an unknown command word is an
 * InvalidCommandError (exit 5) naming it. Any other complaint (a missing argument) is left to
 * the help.
 */
async function refuseUnknownCommand(base: (args: string[]) => Argv, argv: string[], ctx: CommandContext, register: Register): Promise<void> {
  const registered = await register(
    base(argv)
      .strictCommands()
      .middleware(() => {
        throw KNOWN;
      }),
    ctx,
  );
  const y = registered.fail(((message: string | null | undefined, error: unknown, usage: { help(): string }) => {
    if (error !== undefined && error !== null) throw error;
    if (message?.startsWith('Unknown command')) throw new InvalidCommandError(message, { details: [usage.help(), ''] });
    throw KNOWN;
  }) as unknown as (msg: string, err: Error, y: Argv) => void);
  try {
    await y.parseAsync(argv, {}, () => undefined);
  } catch (err) {
    if (err !== KNOWN) throw err;
  }
}

/** Maps errors that have a user meaning but come from shared code (the DSL) to CLI errors. */
function asCliError(err: unknown): unknown {
  if (err instanceof JobKeyError) return new InvalidParameterError(err.message, { cause: err });
  return err;
}
