/**
 * Reads of a job waiting for it to change (`GET job?since=V&waitMs=N`): a client waiting for its
 * job to be RUNNING asks once and is answered when something happens, instead of polling. The
 * scheduler calls `changed` after a commit that touched the job; a waiter answers on its next
 * change, when its time is up, or when the server closes.
 */
export class JobWatchers {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /** Resolves on the job's next change, after `maxMs`, or at shutdown, whichever comes first. */
  wait(jobPath: string, maxMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || maxMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const set = this.waiters.get(jobPath) ?? new Set<() => void>();
      this.waiters.set(jobPath, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(jobPath) === set) this.waiters.delete(jobPath);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }

  changed(jobPath: string): void {
    for (const done of [...(this.waiters.get(jobPath) ?? [])]) done();
  }

  /** How many reads are waiting now. */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  close(): void {
    this.closed = true;
    for (const path of [...this.waiters.keys()]) this.changed(path);
  }
}
