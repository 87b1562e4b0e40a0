import type { Scheduler, SchedulerLog } from '../service/scheduler.js';

/**
 * The scheduler's timers, kept thin: one round a tick (agents that stopped syncing, partition
 * delays, flapping holds, the history bound, then placement). Rounds never overlap.
 */
export class BackgroundTasks {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly log: SchedulerLog,
  ) {}

  /** One round of periodic work; tests call it directly instead of waiting for the timer. */
  async tick(): Promise<void> {
    await this.scheduler.tick();
    await this.scheduler.idle();
  }

  start(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.scheduler
        .tick()
        .catch((e: unknown) => this.log.warn(`background pass failed: ${(e as Error).stack ?? String(e)}`))
        .finally(() => (this.running = null));
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
