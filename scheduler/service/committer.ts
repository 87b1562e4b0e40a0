import { ApiError } from '../api/errors.js';
import type { ChangeSet } from '../state/change-set.js';
import type { ClusterState } from '../state/cluster-state.js';
import type { Storage } from '../storage/storage.js';

/**
 * Group commit of the in-memory state's changes to the store. Operations change memory at once
 * and wait (`durable()`) until their changes are committed; everything changed while one commit
 * is in flight goes into the next, so a burst of work is a few commits rather than one per
 * change. A commit that fails undoes, in memory, its changes and every change made after them
 * (they may build on them), and fails every operation waiting on either: memory and store stay
 * as they were, and each caller gets the error.
 */

export interface CommitEffects {
  /** Called with every ChangeSet once it is durable. */
  readonly onCommitted: (changes: ChangeSet) => void;
  /** Called when a commit failed and was undone. */
  readonly onFailed: (error: Error) => void;
}

interface Pending {
  readonly changes: ChangeSet;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function pending(changes: ChangeSet): Pending {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody waits on must not become an unhandled rejection.
  promise.catch(() => {});
  return { changes, promise, resolve, reject };
}

export class Committer {
  private current: Pending | null = null;
  private inFlight: Pending | null = null;
  private scheduled = false;
  private closed = false;
  /** How many commits the store has taken, for figures. */
  commits = 0;

  constructor(
    private readonly state: ClusterState,
    private readonly storage: Storage,
    private readonly effects: CommitEffects,
  ) {}

  /**
   * Resolves once every change made so far is durable; rejects with STORAGE_UNAVAILABLE when
   * the commit that carried them failed (and they were undone).
   */
  durable(): Promise<void> {
    const open = this.state.openChanges;
    if (open.empty) return this.inFlight?.promise ?? Promise.resolve();
    if (!this.current || this.current.changes !== open) this.current = pending(open);
    this.schedule();
    return this.current.promise;
  }

  /** Waits for everything so far, then for nothing more: for shutdown and tests. */
  async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const waits = [this.inFlight?.promise, this.state.openChanges.empty ? undefined : this.durable()].filter(Boolean);
      if (waits.length === 0) return;
      await Promise.allSettled(waits);
    }
  }

  close(): void {
    this.closed = true;
  }

  /** Whether a commit is in flight or about to start. */
  get busy(): boolean {
    return this.inFlight !== null || this.scheduled;
  }

  /** Whether the task has a change that is not durable yet. */
  isPending(taskId: string): boolean {
    return this.state.openChanges.tasks.has(taskId) || (this.inFlight?.changes.tasks.has(taskId) ?? false);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.closed) return;
    this.scheduled = true;
    // Everything the current turn of the event loop changes joins this commit.
    setImmediate(() => {
      this.scheduled = false;
      void this.commitNext();
    });
  }

  private async commitNext(): Promise<void> {
    if (this.inFlight || this.closed) return;
    const open = this.state.openChanges;
    if (open.empty) return;
    const batch = this.current?.changes === open ? this.current : pending(open);
    this.current = null;
    this.state.takeChanges();
    this.inFlight = batch;
    try {
      await this.storage.commit(batch.changes);
      this.commits++;
      this.inFlight = null;
      batch.resolve();
      this.effects.onCommitted(batch.changes);
    } catch (e) {
      this.inFlight = null;
      // Undo what came after first (it may build on the failed batch), then the batch itself.
      const later = this.state.takeChanges();
      const waitingOnLater = this.current as Pending | null;
      this.current = null;
      later.rollbackTo(0);
      batch.changes.rollbackTo(0);
      const error = new ApiError(
        'STORAGE_UNAVAILABLE',
        `the change could not be stored and was not made: ${(e as Error).message}; the scheduler keeps serving what it had`,
      );
      batch.reject(error);
      waitingOnLater?.reject(error);
      this.effects.onFailed(e as Error);
    }
    if (!this.state.openChanges.empty) this.schedule();
  }
}
