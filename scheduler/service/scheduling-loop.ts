/**
 * Runs placement passes one at a time, soon after something asks for one: new pending work,
 * freed capacity, an agent coming or going. A pass that leaves more work it could do (its batch
 * was full) asks for the next at once, after yielding to the event loop, so a 4,000-instance
 * job is placed in batches without stalling the API.
 */
export class SchedulingLoop {
  private scheduled = false;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  /**
   * @param pass one placement pass; resolves to true when more work is ready at once.
   * @param onError a failed pass is reported, and the next request tries again.
   */
  constructor(
    private readonly pass: () => Promise<boolean>,
    private readonly onError: (e: Error) => void,
  ) {}

  /**
   * Asks for a pass soon; many requests before it runs make one pass. With `now`, the pass runs
   * before this turn of the event loop ends, so that its assignments join the commit of the
   * operation that asked (a job's creation, an agent's sync) instead of waiting for another.
   */
  request(now = false): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      this.run();
    };
    if (now) queueMicrotask(go);
    else setImmediate(go);
  }

  /** Resolves once no pass is running or asked for. */
  async idle(): Promise<void> {
    while (this.running || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private run(): void {
    if (this.stopped) return;
    this.again = false;
    this.running = this.pass()
      .then(
        (more) => {
          if (more) this.again = true;
        },
        (e: unknown) => this.onError(e as Error),
      )
      .finally(() => {
        this.running = null;
        if (this.again) this.request();
      });
  }
}
