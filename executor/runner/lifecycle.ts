import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { JobSpec } from '../../dsl/jobspec.js';

/**
 * The lifecycle's graceful shutdown before a kill (Aurora's HttpLifecycleConfig): POST the
 * graceful endpoint (/quitquitquit), give the task its wait, then POST the shutdown endpoint
 * (/abortabortabort) and wait again; signals follow. It applies only when the task uses the
 * named port. Each wait ends early once nothing of the task runs.
 */

export interface LifecyclePlan {
  readonly port: number;
  readonly steps: readonly { readonly endpoint: string; readonly waitMs: number }[];
}

/** The graceful shutdown for a task, or null when it has none (or does not use the port). Pure. */
export function lifecyclePlan(job: JobSpec, ports: Readonly<Record<string, number>>): LifecyclePlan | null {
  const http = job.lifecycle.http;
  if (!http) return null;
  const port = ports[http.port];
  if (port === undefined) return null;
  return {
    port,
    steps: [
      { endpoint: http.gracefulShutdownEndpoint, waitMs: http.gracefulShutdownWaitSecs * 1000 },
      { endpoint: http.shutdownEndpoint, waitMs: http.shutdownWaitSecs * 1000 },
    ],
  };
}

export async function gracefulShutdown(
  plan: LifecyclePlan,
  isAlive: () => boolean,
  log: (line: string) => void,
  pollMs = 100,
): Promise<void> {
  for (const step of plan.steps) {
    if (!isAlive()) return;
    const url = `http://127.0.0.1:${plan.port}${step.endpoint}`;
    try {
      const res = await request(url, { method: 'POST', headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      log(`POST ${step.endpoint} answered ${res.statusCode}`);
    } catch (err) {
      log(`POST ${step.endpoint} failed: ${(err as Error).message}`);
    }
    const end = Date.now() + step.waitMs;
    while (Date.now() < end && isAlive()) await sleep(Math.min(pollMs, Math.max(1, end - Date.now())));
  }
}
