/**
 * Agent syncs held open until the agent has work. The scheduler wakes an agent's waiters after
 * committing work for it; a waiter then re-reads its work and answers if there is any, or keeps
 * waiting until its time is up. A sync whose connection closes stops waiting at once. On
 * shutdown every held sync is answered at once.
 */
export class LongPolls {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /**
   * Holds until `poll()` says ready after a wake, `maxMs` passes, `signal` aborts (the agent
   * hung up) or the server closes; then resolves with the latest `poll()` value.
   */
  hold<T>(agentId: string, maxMs: number, poll: () => { readonly ready: boolean; readonly value: T }, signal?: AbortSignal): Promise<T> {
    if (this.closed || maxMs <= 0 || signal?.aborted) return Promise.resolve(poll().value);
    return new Promise<T>((resolve, reject) => {
      const set = this.waiters.get(agentId) ?? new Set<() => void>();
      this.waiters.set(agentId, set);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onTimeout);
        set.delete(onWake);
        if (set.size === 0 && this.waiters.get(agentId) === set) this.waiters.delete(agentId);
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

  /** Something for this agent was committed. */
  wake(agentId: string): void {
    for (const waiter of [...(this.waiters.get(agentId) ?? [])]) waiter();
  }

  /** Whether a sync of this agent is held now. */
  isHeld(agentId: string): boolean {
    return (this.waiters.get(agentId)?.size ?? 0) > 0;
  }

  /** How many syncs are held now. */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Answers every held sync and every later one at once. */
  close(): void {
    this.closed = true;
    for (const agentId of [...this.waiters.keys()]) this.wake(agentId);
  }
}
