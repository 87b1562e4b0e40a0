import { request } from 'undici';
import type { JobSpec } from '../../dsl/jobspec.js';
import { TERMINAL_STATES, type ScheduledTask } from '../api/task.js';
import {
  coordinatorRequest,
  DEFAULT_COORDINATOR_ANSWER_TTL_MS,
  judgeCoordinatorAnswer,
  type CoordinatorAnswer,
  type CoordinatorAnswers,
  type CoordinatorQuestion,
} from '../core/sla-coordinator.js';

/**
 * Asks SLA coordinators (Aurora's CoordinatorSlaPolicy): the I/O around core/sla-coordinator.ts.
 * The decisions of drains and updates list the questions; this POSTs them and keeps the answers,
 * which the decisions read on their next run. As in Aurora, one request at a time goes to each
 * coordinator URL, and a yes is acted on (the decisions run again through `answered`) before the
 * next question goes to that URL, so a coordinator can judge from the tasks as they are without
 * tracking requests in flight. Nothing waits for a coordinator: requests run beside the
 * scheduler's work, and one that hangs holds only the questions for its own URL, for at most
 * the timeout.
 */

export interface SlaCoordinatorSettings {
  /** A request with no whole answer within this long counts as a no. @default 10000 */
  readonly timeoutMs: number;
  /** A longer answer is cut off and counts as a no. @default 65536 */
  readonly maxAnswerBytes: number;
  /** How long an answer counts; a no is asked again after it. @default 30000 */
  readonly answerTtlMs: number;
}

const GOING_AWAY: ReadonlySet<string> = new Set(['DRAINING', 'KILLING', 'RESTARTING', 'PREEMPTING']);

export const DEFAULT_SLA_COORDINATOR: SlaCoordinatorSettings = {
  timeoutMs: 10_000,
  maxAnswerBytes: 64 * 1024,
  answerTtlMs: DEFAULT_COORDINATOR_ANSWER_TTL_MS,
};

export interface CoordinatorHost {
  readonly clusterName: string;
  now(): number;
  task(taskId: string): ScheduledTask | undefined;
  spec(hash: string): JobSpec | undefined;
  /** An answer about the task is at hand: run the decisions that wait on it, and resolve once what they did is durable. */
  answered(task: ScheduledTask): Promise<void>;
  info(message: string): void;
  warn(message: string): void;
}

export class SlaCoordinators {
  readonly settings: SlaCoordinatorSettings;
  private readonly answerMap = new Map<string, CoordinatorAnswer>();
  /** Questions waiting, by coordinator URL. */
  private readonly queues = new Map<string, CoordinatorQuestion[]>();
  /** Tasks asked about (waiting or in flight): never two questions about one task at once. */
  private readonly asking = new Set<string>();
  /** URLs with a request in flight. */
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  /** Requests sent, and those that failed (no answer, not 200, not JSON), since start. */
  readonly counts = { asked: 0, failed: 0 };

  constructor(
    private readonly host: CoordinatorHost,
    settings: Partial<SlaCoordinatorSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SLA_COORDINATOR, ...settings };
  }

  /** The answers at hand, by task id; ones that no longer count are dropped. */
  answers(): CoordinatorAnswers {
    const now = this.host.now();
    for (const [taskId, a] of this.answerMap) if (now >= a.at + this.settings.answerTtlMs) this.answerMap.delete(taskId);
    return this.answerMap;
  }

  /** Asks the questions not already being asked; returns at once. */
  ask(questions: readonly CoordinatorQuestion[]): void {
    if (this.closing.signal.aborted) return;
    for (const q of questions) {
      if (this.asking.has(q.taskId)) continue;
      this.asking.add(q.taskId);
      const queue = this.queues.get(q.coordinatorUrl) ?? [];
      queue.push(q);
      this.queues.set(q.coordinatorUrl, queue);
      this.pump(q.coordinatorUrl);
    }
  }

  /** Whether a question about the task is waiting or in flight. */
  isAsking(taskId: string): boolean {
    return this.asking.has(taskId);
  }

  /** Resolves once no question is waiting or in flight (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Aborts what is in flight and asks nothing more. */
  close(): void {
    this.closing.abort();
    this.queues.clear();
  }

  private pump(url: string): void {
    if (this.busy.has(url) || this.closing.signal.aborted) return;
    const queue = this.queues.get(url);
    const next = queue?.shift();
    if (!next) {
      this.queues.delete(url);
      return;
    }
    this.busy.add(url);
    const run = this.askOne(next)
      .catch((e: Error) => this.host.warn(`asking the SLA coordinator ${url} about ${next.taskId} failed: ${e.stack ?? e.message}`))
      .finally(() => {
        this.busy.delete(url);
        this.asking.delete(next.taskId);
        this.running.delete(run);
        this.pump(url);
      });
    this.running.add(run);
  }

  private async askOne(q: CoordinatorQuestion): Promise<void> {
    const task = this.host.task(q.taskId);
    // Ended, or already on its way out (forced, killed): the question is moot.
    if (!task || TERMINAL_STATES.has(task.state) || GOING_AWAY.has(task.state)) return;
    const { allowed, detail } = await this.post(q, task);
    if (this.closing.signal.aborted) return;
    this.answerMap.set(q.taskId, { allowed, at: this.host.now(), detail });
    this.host.info(`SLA coordinator ${q.coordinatorUrl} on ${task.taskId}: ${allowed ? 'yes' : 'no'} (${detail})`);
    await this.host.answered(this.host.task(q.taskId) ?? task);
    // A yes is acted on now, under this URL's turn; later the coordinator may think otherwise.
    if (allowed) this.answerMap.delete(q.taskId);
  }

  /** One request; never rejects: whatever goes wrong is a no that says what. */
  private async post(q: CoordinatorQuestion, task: ScheduledTask): Promise<{ allowed: boolean; detail: string }> {
    this.counts.asked++;
    const result = await this.send(q, task);
    if (!result.allowed) this.counts.failed++;
    return result;
  }

  private async send(q: CoordinatorQuestion, task: ScheduledTask): Promise<{ allowed: boolean; detail: string }> {
    let target: { url: string; body: string };
    try {
      target = coordinatorRequest(q, task, this.host.spec(task.specHash), this.host.clusterName);
    } catch {
      return { allowed: false, detail: 'the coordinator URL is not a URL' };
    }
    const protocol = new URL(target.url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') return { allowed: false, detail: `the coordinator URL is ${protocol}, not http: or https:` };
    const { timeoutMs, maxAnswerBytes } = this.settings;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]);
    try {
      const res = await request(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: target.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal,
      });
      // Cutting the answer short (below) makes the body emit an abort error: it is expected.
      res.body.on('error', () => {});
      // Redirects are not followed (a 3xx is an answer other than 200): the URL is the job's word.
      if (res.statusCode !== 200) {
        res.body.destroy();
        return judgeCoordinatorAnswer(res.statusCode, '', q.statusKey);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxAnswerBytes) {
          res.body.destroy();
          return { allowed: false, detail: `the answer is larger than ${maxAnswerBytes} bytes` };
        }
        chunks.push(chunk as Buffer);
      }
      return judgeCoordinatorAnswer(res.statusCode, Buffer.concat(chunks).toString('utf8'), q.statusKey);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.code ?? '')) {
        return { allowed: false, detail: `no answer within ${timeoutMs} ms` };
      }
      return { allowed: false, detail: `the request failed: ${e.code ?? e.message}` };
    }
  }
}
