/**
 * Requests held open until there is something for them, by key: agent syncs by agent id (until
 * the agent has work), job reads by job path (until the job changes). The scheduler wakes a
 * key's waiters after committing something for it; a waiter then polls and answers if it is
 * ready, or keeps waiting until its time is up. A request whose connection closes stops waiting
 * at once. On shutdown every held request is answered at once.
 */
export class LongPolls {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /**
   * Holds until `poll()` says ready after a wake, `maxMs` passes, `signal` aborts (the agent
   * hung up) or the server closes; then resolves with the latest `poll()` value.
   */
  hold<T>(key: string, maxMs: number, poll: () => { readonly ready: boolean; readonly value: T }, signal?: AbortSignal): Promise<T> {
    if (this.closed || maxMs <= 0 || signal?.aborted) return Promise.resolve(poll().value);
    return new Promise<T>((resolve, reject) => {
      const set = this.waiters.get(key) ?? new Set<() => void>();
      this.waiters.set(key, set);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onTimeout);
        set.delete(onWake);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
      };
      const settle = () => {
        cleanup();
        try {
          resolve(poll().value);
        } catch (e) {
          reject(e);
        }
      };
      const onWake = () => {
        let result: { readonly ready: boolean; readonly value: T };
        try {
          result = poll();
        } catch (e) {
          cleanup();
          reject(e);
          return;
        }
        if (result.ready || this.closed) {
          cleanup();
          resolve(result.value);
        }
      };
      const onTimeout = () => settle();
      const timer = setTimeout(onTimeout, maxMs);
      signal?.addEventListener('abort', onTimeout);
      set.add(onWake);
    });
  }

  /** Something for this key (an agent, a job) was committed. */
  wake(key: string): void {
    for (const waiter of [...(this.waiters.get(key) ?? [])]) waiter();
  }

  /** Whether a request of this key is held now. */
  isHeld(key: string): boolean {
    return (this.waiters.get(key)?.size ?? 0) > 0;
  }

  /** How many requests are held now. */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Answers every held request and every later one at once. */
  close(): void {
    this.closed = true;
    for (const key of [...this.waiters.keys()]) this.wake(key);
  }
}
