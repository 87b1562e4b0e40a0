import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TASK_STATES } from '../api/constants.js';
import type { Scheduler } from '../service/scheduler.js';

/**
 * `/metrics` in Prometheus' text format (prom-client): tasks by state, jobs and agents, placement
 * and preemption counters, commits, API latency by route and status, authentication failures,
 * and Node's own process figures. Gauges are read from the state's counts when scraped.
 */
export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly authFailures: Counter;
  private readonly latency: Histogram;

  constructor(scheduler: Scheduler) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'aurora_scheduler_' });
    new Gauge({
      name: 'aurora_tasks',
      help: 'Tasks the scheduler keeps, by state (active ones and the bounded history)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = scheduler.state.tasksByState();
        for (const state of TASK_STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'aurora_jobs',
      help: 'Jobs the scheduler knows',
      registers: [registry],
      collect() {
        this.set(scheduler.state.jobCount);
      },
    });
    new Gauge({
      name: 'aurora_agents',
      help: 'Agents by status',
      labelNames: ['status'],
      registers: [registry],
      collect() {
        const by = new Map<string, number>([
          ['ACTIVE', 0],
          ['LOST', 0],
        ]);
        for (const a of scheduler.state.agents()) by.set(a.status, (by.get(a.status) ?? 0) + 1);
        for (const [status, n] of by) this.set({ status }, n);
      },
    });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counter('aurora_placements_total', 'Tasks placed on agents since start-up', () => scheduler.placements);
    counter('aurora_preemptions_total', 'Tasks preempted for production tasks since start-up', () => scheduler.preemptions);
    counter('aurora_storage_commits_total', 'Commits the store has taken since start-up', () => scheduler.commits);
    this.authFailures = new Counter({ name: 'aurora_auth_failures_total', help: 'Failed authentications (users) since start-up', registers: [registry] });
    this.latency = new Histogram({
      name: 'aurora_http_request_duration_seconds',
      help: 'Time to answer an API call, by route and status (held syncs and waits included)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
  }

  /** Times every request by its route's pattern (never its URL: names would blow up the labels). */
  observe(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unknown';
      this.latency.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }
}
