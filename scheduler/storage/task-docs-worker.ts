import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The start-up reader's worker (see task-docs-reader.ts): opens the store read-only and posts
 * its task documents in creation order, a chunk at a time, then null; or `{ error }`.
 */

/** Documents per message. */
const CHUNK = 2_000;

const port = parentPort;
if (port) {
  try {
    const db = new Database((workerData as { file: string }).file, { readonly: true, fileMustExist: true });
    let chunk: string[] = [];
    for (const doc of db.prepare('SELECT doc FROM tasks ORDER BY seq').pluck().iterate() as Iterable<string>) {
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
