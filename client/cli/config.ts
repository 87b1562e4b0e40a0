import type { Argv } from 'yargs';
import { configMigrateCommand } from './config-migrate.js';
import type { CommandContext } from './context.js';

const implementation = () => import('./config-actions.js');

/**
 * `aurora config check|list|schema|init|migrate`: work on config files without a scheduler. The table
 * only; each handler loads its implementation when it runs. `config migrate` lives in its own
 * module, which loads the translator only when it runs.
 */
export function configCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('config', 'Check, list and set up configuration files', (config) =>
    config
      .command(
        'check <config>',
        'Type-check and compile every job of a config; print every problem (exit 3) or the job keys',
        (c) =>
          c
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON: the job keys, or every error with file, line and column' }),
        async (a) => (await implementation()).checkConfigFile(ctx, { config: a.config, bind: a.bind, json: a.json }),
      )
      .command(
        'list <config>',
        'List the job keys a config defines',
        (c) =>
          c
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable (in a templated job key too): --bind key=value (repeatable)' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        async (a) => (await implementation()).listConfigJobs(ctx, { config: a.config, bind: a.bind, json: a.json }),
      )
      .command(
        'schema',
        'Print the JSON Schema of the compiled job spec (what inspect --json prints)',
        (c) => c,
        async () => (await implementation()).printSchema(ctx),
      )
      .command(
        'init [dir]',
        'Write a tsconfig.json and the DSL type declarations so editors check configs in DIR',
        (c) =>
          c
            .positional('dir', { type: 'string', default: '.', describe: 'the config repository' })
            .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing tsconfig.json' })
            .option('json', { type: 'boolean', default: false, describe: 'print the files written as JSON' }),
        async (a) => (await implementation()).initConfigRepo(ctx, { dir: a.dir, force: a.force, json: a.json }),
      )
      .command(configMigrateCommand(ctx))
      .demandCommand(1, 'Please give a config command: check, list, schema, init or migrate.'),
  );
}
