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
    this.everyMs = everyMs;
    this.timer = setInterval(() => this.round(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.cronTimer);
    this.timer = undefined;
    this.cronTimer = undefined;
  }

  private everyMs = 0;
  /** A tick at the next cron run, when it comes before the next regular one. */
  private cronTimer: NodeJS.Timeout | undefined;

  private round(): void {
    if (this.running || !this.timer) return;
    this.running = this.scheduler
      .tick()
      .catch((e: unknown) => this.log.warn(`background pass failed: ${(e as Error).stack ?? String(e)}`))
      .finally(() => {
        this.running = null;
        this.armCronTimer();
      });
  }

  /** Cron runs start at their minute, not up to a tick later. */
  private armCronTimer(): void {
    clearTimeout(this.cronTimer);
    this.cronTimer = undefined;
    if (!this.timer) return;
    const next = this.scheduler.nextCronRunAt();
    if (next === null) return;
    const wait = next - this.scheduler.now();
    if (wait >= this.everyMs) return;
    this.cronTimer = setTimeout(() => this.round(), Math.max(0, wait) + 1);
  }
}
