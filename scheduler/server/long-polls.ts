/**
 * Agent syncs held open until the agent has work. The scheduler wakes an agent's waiters after
 * committing work for it; a waiter then re-reads its work and answers if there is any, or keeps
 * waiting until its time is up. On shutdown every held sync is answered at once.
 */
export class LongPolls {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /**
   * Holds until `poll()` says ready after a wake, `maxMs` passes or the server closes; then
   * resolves with the latest `poll()` value.
   */
  hold<T>(agentId: string, maxMs: number, poll: () => { readonly ready: boolean; readonly value: T }): Promise<T> {
    if (this.closed || maxMs <= 0) return Promise.resolve(poll().value);
    return new Promise<T>((resolve, reject) => {
      const set = this.waiters.get(agentId) ?? new Set<() => void>();
      this.waiters.set(agentId, set);
      const finish = (value: T) => {
        clearTimeout(timer);
        set.delete(onWake);
        if (set.size === 0 && this.waiters.get(agentId) === set) this.waiters.delete(agentId);
        resolve(value);
      };
      const onWake = () => {
        try {
          const result = poll();
          if (result.ready || this.closed) finish(result.value);
        } catch (e) {
          clearTimeout(timer);
          set.delete(onWake);
          reject(e);
        }
      };
      const timer = setTimeout(() => {
        try {
          finish(poll().value);
        } catch (e) {
          set.delete(onWake);
          reject(e);
        }
      }, maxMs);
      set.add(onWake);
    });
  }

  /** Something for this agent was committed. */
  wake(agentId: string): void {
    for (const waiter of [...(this.waiters.get(agentId) ?? [])]) waiter();
  }

  /** Agents with a sync held open right now: they are alive even if their last sync is old. */
  heldAgents(): ReadonlySet<string> {
    return new Set(this.waiters.keys());
  }

  /** Answers every held sync and every later one at once. */
  close(): void {
    this.closed = true;
    for (const agentId of [...this.waiters.keys()]) this.wake(agentId);
  }
}
