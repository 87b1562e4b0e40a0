import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Reading the task documents at start-up in a worker thread, a chunk at a time, while the main
 * thread parses the chunks already read: reading and parsing overlap instead of adding up. The
 * scheduler's entry point starts the reader before it loads the rest of its code, so reading
 * also overlaps that; the store takes the documents when it loads (or reads them in place
 * when there is no reader, or it read another file, or failed before it read anything).
 */
export class TaskDocsReader {
  private readonly chunks: string[][] = [];
  private finished = false;
  private failure: Error | null = null;
  private notify: (() => void) | null = null;
  private readonly worker: Worker;

  private constructor(readonly file: string) {
    this.worker = new Worker(new URL('./task-docs-worker.js', import.meta.url), { workerData: { file } });
    // A scheduler that stops early (--help, a bad flag) must not wait for the reader.
    this.worker.unref();
    this.worker.on('message', (message: string[] | null | { error: string }) => {
      if (message === null) this.finished = true;
      else if (Array.isArray(message)) this.chunks.push(message);
      else this.failure = new Error(message.error);
      this.notify?.();
    });
    this.worker.once('error', (e) => {
      this.failure ??= e;
      this.notify?.();
    });
    this.worker.once('exit', () => {
      if (!this.finished) this.failure ??= new Error('the task reader stopped before it was done');
      this.notify?.();
    });
  }

  /** Starts reading `file` (a store's database), or returns null when there is nothing to read. */
  static start(file: string): TaskDocsReader | null {
    const path = resolve(file);
    // Source files under a test runner cannot be a worker's entry point.
    if (!existsSync(path) || !import.meta.url.endsWith('.js')) return null;
    return new TaskDocsReader(path);
  }

  /**
   * Calls `each` with every document in creation order, those read so far first; resolves at
   * the end, rejects if the reader failed (`delivered` says how many it had given by then).
   */
  async forEach(each: (doc: string) => void): Promise<void> {
    let delivered = 0;
    for (;;) {
      for (let chunk = this.chunks.shift(); chunk; chunk = this.chunks.shift()) {
        for (const doc of chunk) each(doc);
        delivered += chunk.length;
      }
      if (this.failure) throw Object.assign(this.failure, { delivered });
      if (this.finished) return;
      await new Promise<void>((wake) => (this.notify = wake));
      this.notify = null;
    }
  }

  stop(): void {
    void this.worker.terminate();
  }
}

/**
 * Every task document of the store at `file`, in creation order: from `reader` when it read
 * that file, otherwise read in place.
 */
export async function forEachTaskDoc(
  file: string,
  reader: TaskDocsReader | null | undefined,
  readInPlace: () => Iterable<string>,
  each: (doc: string) => void,
): Promise<void> {
  if (reader && file !== ':memory:' && reader.file === resolve(file)) {
    try {
      await reader.forEach(each);
      return;
    } catch (e) {
      // Nothing given yet (an older schema, say): read in place after all.
      if ((e as { delivered?: number }).delivered !== 0) throw e;
    } finally {
      reader.stop();
    }
  }
  for (const doc of readInPlace()) each(doc);
}
