#!/usr/bin/env node
/**
 * `aurora-scheduler`'s entry point. Before it loads the scheduler's code (about half a second of
 * a start), it starts reading the store's task documents in a worker, so that a restart with a
 * large store spends that time reading too. Everything else is scheduler-main.ts.
 */
import { join } from 'node:path';
import { DATABASE_FILE } from '../storage/sqlite-storage.js';
import { TaskDocsReader } from '../storage/task-docs-reader.js';

/** Where the flags put the data dir (`--data-dir D` or `--data-dir=D`); the store checks it is the file it opens. */
function dataDirOf(argv: readonly string[]): string {
  let dir = './.aurora-scheduler';
  argv.forEach((arg, i) => {
    if (arg === '--data-dir' && argv[i + 1] !== undefined) dir = argv[i + 1] as string;
    else if (arg.startsWith('--data-dir=')) dir = arg.slice('--data-dir='.length);
  });
  return dir;
}

const argv = process.argv.slice(2);
const quick = argv.some((a) => a === '--help' || a === '--version');
const reader = quick ? null : TaskDocsReader.start(join(dataDirOf(argv), DATABASE_FILE));
const { main } = await import('./scheduler-main.js');
await main(argv, reader);
