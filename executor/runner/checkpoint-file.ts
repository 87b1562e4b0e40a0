import { appendFileSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { formatRecord, parseCheckpoint, replayCheckpoint, type CheckpointRecord, type TaskRunState } from '../core/checkpoint.js';

/**
 * Appends records to a task's checkpoint stream. Each call is one synchronous append of whole
 * lines, so records land in order and a crash tears at most the last line (which replay drops).
 */
export class CheckpointWriter {
  constructor(readonly path: string) {}

  /** Appends the records in one write. */
  append(...records: CheckpointRecord[]): void {
    appendFileSync(this.path, records.map(formatRecord).join(''));
  }
}

/** Reads and replays a checkpoint file; null when it does not exist. */
export async function readTaskRunState(path: string): Promise<TaskRunState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return replayCheckpoint(parseCheckpoint(text));
}

/** readTaskRunState, synchronously (a single task, on request). */
export function readTaskRunStateSync(path: string): TaskRunState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return replayCheckpoint(parseCheckpoint(text));
}
