import { join } from 'node:path';

/**
 * Where a task lives on disk (Thermos' layout):
 *
 *     <dataDir>/sandboxes/<taskId>/                      the sandbox, processes' working directory
 *     <dataDir>/sandboxes/<taskId>/.checkpoint.jsonl     the checkpoint stream
 *     <dataDir>/sandboxes/<taskId>/.logs/<process>/<run>/stdout, stderr, exit
 */

export const CHECKPOINT_FILE = '.checkpoint.jsonl';
export const LOGS_DIR = '.logs';
export const LOG_STREAMS = ['stdout', 'stderr'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/** A task id, process name or run number that is safe as one path component. */
const PLAIN_NAME = /^[\w\-.]+$/;

export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name) && name !== '.' && name !== '..';
}

export function sandboxesDir(dataDir: string): string {
  return join(dataDir, 'sandboxes');
}

export function sandboxDir(dataDir: string, taskId: string): string {
  if (!isPlainName(taskId)) throw new Error(`task id '${taskId}' cannot name a sandbox directory`);
  return join(sandboxesDir(dataDir), taskId);
}

export function checkpointPath(sandbox: string): string {
  return join(sandbox, CHECKPOINT_FILE);
}

export function runLogDir(sandbox: string, process: string, run: number | string): string {
  return join(sandbox, LOGS_DIR, process, String(run));
}

export function logPath(sandbox: string, process: string, run: number | string, stream: LogStream): string {
  return join(runLogDir(sandbox, process, run), stream);
}

/** The file the wrapper writes the exit status to once the process ended. */
export function exitPath(sandbox: string, process: string, run: number | string): string {
  return join(runLogDir(sandbox, process, run), 'exit');
}
