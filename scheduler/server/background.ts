import type { Scheduler, SchedulerLog } from '../service/scheduler.js';
import type { LongPolls } from './long-polls.js';

/**
 * The scheduler's periodic work, kept thin: a placement pass (tasks stay PENDING until an agent
 * has room, and agents free room without telling) and the check for agents that stopped syncing.
 */
export class BackgroundTasks {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly longPolls: LongPolls,
    private readonly log: SchedulerLog,
  ) {}

  /** One round of periodic work; tests call it directly instead of waiting for the timer. */
  tick(): void {
    this.scheduler.checkLostAgents(this.longPolls.heldAgents());
    this.scheduler.releaseThrottled();
    this.scheduler.placePending();
  }

  start(everyMs: number): void {
    if (everyMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (e) {
        this.log.warn(`background pass failed: ${(e as Error).stack ?? String(e)}`);
      }
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
