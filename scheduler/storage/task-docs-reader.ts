import { parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * Reading the task documents at start-up in a worker thread, a chunk at a time, while the main
 * thread parses the chunks already read: reading and parsing overlap instead of adding up. A
 * large store loads in well under the time of the two one after the other; a small one is read
 * in place (starting a worker costs more than it saves).
 */

/** Documents per message from the worker. */
const CHUNK = 2_000;

const SQL = 'SELECT doc FROM tasks ORDER BY seq';

/** Runs in the worker: opens the file read-only and posts the documents in chunks, then null. */
function readInWorker(file: string): void {
  const port = parentPort;
  if (!port) return;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    let chunk: string[] = [];
    for (const doc of db.prepare(SQL).pluck().iterate() as Iterable<string>) {
      chunk.push(doc);
      if (chunk.length === CHUNK) {
        port.postMessage(chunk);
        chunk = [];
      }
    }
    port.postMessage(chunk);
    db.close();
    port.postMessage(null);
  } catch (e) {
    port.postMessage({ error: (e as Error).message });
  }
}

if (parentPort && (workerData as { taskDocsReader?: boolean } | undefined)?.taskDocsReader) {
  readInWorker((workerData as { file: string }).file);
}

/**
 * Calls `each` with every task document of the store at `file`, in creation order. Reads in a
 * worker when the store has more than `inWorkerAbove` tasks; `readInPlace` reads otherwise.
 */
export async function forEachTaskDoc(
  file: string,
  taskCount: number,
  readInPlace: () => Iterable<string>,
  each: (doc: string) => void,
  inWorkerAbove = 20_000,
): Promise<void> {
  // Source files under a test runner cannot be a worker's entry point; they hold small stores.
  if (file === ':memory:' || taskCount <= inWorkerAbove || !import.meta.url.endsWith('.js')) {
    for (const doc of readInPlace()) each(doc);
    return;
  }
  const worker = new Worker(new URL(import.meta.url), { workerData: { taskDocsReader: true, file } });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: string[] | null | { error: string }) => {
        if (message === null) resolve();
        else if (Array.isArray(message)) for (const doc of message) each(doc);
        else reject(new Error(message.error));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the task reader stopped (exit code ${code}) before it was done`)));
    });
  } finally {
    await worker.terminate();
  }
}
