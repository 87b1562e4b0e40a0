import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

/**
 * `aurora task run|scp|ssh` (Aurora's, through the scheduler: see task-remote.ts) and
 * `aurora task run-local KEY FILE [--instance N] [--bind k=v]` (Thermos' `thermos simplerun`):
 * the job's task on this machine with the real executor runner and no scheduler. Ports come
 * from the free ports of this host; each process's state changes print as they happen; the
 * sandbox stays in the printed directory. `{{docker.image[NAME][TAG]}}` is pinned through the
 * cluster's Docker registry as `job create` does (unless `--bind` gives it), so clusters.json and
 * the registry are read only then. Exit 0 when the task succeeds, 4 when it fails (with the
 * reason), 3 or 7 when an image cannot be resolved (as job create), 130 after Ctrl-C (which kills
 * the task cleanly).
 */
export function taskCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('task', 'Run tasks', (task) =>
    task
      .command(
        'run-local <jobkey> <config>',
        "Run an instance's task on this machine, without a scheduler",
        (c) =>
          c
            .positional('jobkey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name' })
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
            .option('instance', { type: 'number', default: 0, describe: 'which instance to run ({{mesos.instance}})' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
            .option('sandbox-root', { type: 'string', describe: 'where the sandbox goes [default: a new directory under the temp dir]' })
            .option('kill-grace-ms', { type: 'number', default: 5000, describe: 'time between SIGTERM and SIGKILL when killing a process' }),
        async (a) =>
          (await import('./task-run-local.js')).runLocal(ctx, {
            jobkey: a.jobkey,
            config: a.config,
            instance: a.instance,
            bind: a.bind,
            sandboxRoot: a['sandbox-root'],
            killGraceMs: a['kill-grace-ms'],
          }),
      )
      .command(
        'run <instancekey> [cmd..]',
        "Run a shell command in each instance's sandbox, as the task's user, through the scheduler; prints host:  line",
        (c) =>
          c
            .positional('instancekey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name[/instances], instances as 0-1 or 0,2 (default: every instance whose task runs)' })
            .positional('cmd', {
              type: 'string',
              array: true,
              describe: 'the command line (bash), one quoted word or the words after --; {{thermos.ports[NAME]}}, {{mesos.instance}}, {{thermos.task_id}}, %port:NAME%, %shard_id%, %task_id% are bound per instance',
            })
            .option('threads', { alias: 't', type: 'number', default: 1, describe: 'instances that run the command at once' })
            .option('timeout', { type: 'number', default: 60, describe: 'seconds before the command is killed (at most 600)' })
            .option('ssh-user', { alias: 'l', type: 'string', describe: "accepted for Aurora's scripts: the command runs as the task's user" })
            .option('ssh-options', { type: 'string', describe: "accepted for Aurora's scripts and ignored" })
            .option('json', { type: 'boolean', default: false, describe: 'print one object per instance: instance, host, taskId, exitCode, output, truncated, timedOut, error' })
            // `aurora task run KEY -- ls -l`: the words after -- are the command's, options and all.
            .parserConfiguration({ 'populate--': true }),
        async (a) =>
          (await import('./task-remote.js')).runTaskCommand(ctx, {
            instancekey: a.instancekey,
            cmd: [...(a.cmd ?? []), ...((a['--'] as unknown[] | undefined) ?? [])].map(String),
            threads: a.threads,
            timeout: a.timeout,
            sshUser: a['ssh-user'],
            sshOptions: a['ssh-options'],
            json: a.json,
          }),
      )
      .command(
        'scp <paths..>',
        'Copy files to, from or between task sandboxes (at most 16 MiB a file), through the scheduler: SRC... DST, a task side as cluster/role/env/name/instance:path',
        (c) =>
          c
            .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'sources, then the destination; a path in a sandbox as KEY/INSTANCE:path (relative to the sandbox)' })
            .option('scp-options', { type: 'string', describe: "accepted for Aurora's scripts and ignored" }),
        async (a) => (await import('./task-remote.js')).copyTaskFiles(ctx, { paths: a.paths.map(String), scpOptions: a['scp-options'] }),
      )
      .command(
        'ssh <instancekey>',
        "ssh to the host of an instance's task, into its sandbox, as the task's user: ssh -t user@host 'cd SANDBOX;bash'",
        (c) =>
          c
            .positional('instancekey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name/instance (without an instance: the first whose task runs)' })
            .option('command', { alias: 'c', type: 'string', describe: 'run this instead of an interactive bash (bindings as in aurora task run)' })
            .option('ssh-user', { alias: 'l', type: 'string', describe: "log in as this user instead of the task's" })
            .option('ssh-options', { type: 'string', describe: 'more ssh options, space separated' })
            .option('tunnels', { alias: 'L', type: 'string', array: true, default: [] as string[], describe: "PORT:NAME forwards local PORT to the task's port NAME (repeatable)" })
            .option('pid-file', { alias: 'p', type: 'string', describe: "write ssh's pid to this file" }),
        async (a) =>
          (await import('./task-remote.js')).sshToTask(ctx, {
            instancekey: a.instancekey,
            command: a.command,
            sshUser: a['ssh-user'],
            sshOptions: a['ssh-options'],
            tunnels: a.tunnels,
            pidFile: a['pid-file'],
          }),
      )
      .demandCommand(1, 'Please give a task command: run, scp, ssh or run-local.'),
  );
}

