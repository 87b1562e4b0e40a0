/**
 * Many lightweight agents in one process that speak the real agent protocol to a real
 * scheduler: register, long-polled level-triggered syncs carrying every task they "run",
 * each JobSpec fetched once per agent by hash, ended tasks reported until acknowledged. They run
 * no processes: a launched task is reported RUNNING on the next sync, a killed one KILLED.
 * For benchmarks only; tests of the agent use the real one.
 */
import { Agent, request } from 'undici';
import { PATHS } from '../scheduler/api/routes.js';
import { AGENT_ID_HEADER, AGENT_SECRET_HEADER, AGENT_TOKEN_HEADER, type AgentSyncResponse, type AgentTaskReport } from '../scheduler/api/agent-protocol.js';

export interface SimulatedAgentOptions {
  readonly schedulerUrl: string;
  readonly host: string;
  readonly resources: { cpu: number; ramMb: number; diskMb: number; gpu: number };
  readonly attributes?: Record<string, string>;
  /** The cluster's agent secret. @default none */
  readonly secret?: string;
  /** How long a sync may be held. @default 20000 */
  readonly waitMs?: number;
}

const dispatcher = new Agent({ connections: null, keepAliveTimeout: 60_000, pipelining: 1 });

async function post<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await request(url, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  return { status: res.statusCode, body: (await res.body.json()) as T };
}

export class SimulatedAgent {
  agentId: string | null = null;
  private token = '';
  private seq = 0;
  /** Tasks it runs, as it reports them. */
  readonly running = new Map<string, AgentTaskReport>();
  private readonly ended = new Map<string, AgentTaskReport>();
  private readonly specs = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  specFetches = 0;
  syncs = 0;

  constructor(private readonly options: SimulatedAgentOptions) {}

  start(): void {
    this.stopped = false;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop?.catch(() => {});
    this.loop = null;
  }

  private async register(): Promise<void> {
    const o = this.options;
    const { status, body } = await post<{ agentId: string; token: string }>(`${o.schedulerUrl}${PATHS.agentRegister}`, {
      ...(this.agentId ? { agentId: this.agentId } : {}),
      host: o.host,
      observerUrl: `http://${o.host}:1338`,
      attributes: o.attributes ?? {},
      resources: o.resources,
      portRange: { begin: 31000, end: 32000 },
      version: 'simulated',
    }, o.secret ? { [AGENT_SECRET_HEADER]: o.secret } : {});
    if (status !== 200) throw new Error(`register answered ${status}`);
    this.agentId = body.agentId;
    this.token = body.token;
    this.seq = 0;
  }

  private async run(): Promise<void> {
    const url = this.options.schedulerUrl;
    while (!this.stopped) {
      try {
        if (!this.agentId) await this.register();
        const tasks = [...this.running.values(), ...this.ended.values()];
        const { status, body } = await post<AgentSyncResponse & { error?: { code: string } }>(`${url}${PATHS.agentSync}`, {
          agentId: this.agentId,
          token: this.token,
          seq: ++this.seq,
          tasks,
          waitMs: this.options.waitMs ?? 20_000,
        });
        if ((status === 404 || status === 401) && (body.error?.code === 'AGENT_UNKNOWN' || body.error?.code === 'AGENT_UNAUTHENTICATED')) {
          await this.register();
          continue;
        }
        if (status !== 200) throw new Error(`sync answered ${status}`);
        this.syncs++;
        for (const id of body.ack) this.ended.delete(id);
        for (const id of body.kill) {
          const t = this.running.get(id);
          this.running.delete(id);
          if (t) this.ended.set(id, { ...t, state: 'KILLED', message: 'Killed by the scheduler' });
        }
        for (const l of body.launch) {
          if (!this.specs.has(l.specHash)) {
            const res = await request(`${url}${PATHS.spec(l.specHash)}`, {
              dispatcher,
              headers: { [AGENT_ID_HEADER]: this.agentId as string, [AGENT_TOKEN_HEADER]: this.token },
            });
            await res.body.json();
            this.specFetches++;
            this.specs.add(l.specHash);
          }
          this.running.set(l.taskId, { taskId: l.taskId, state: 'RUNNING', message: null, health: 'UNKNOWN', ports: l.ports });
        }
      } catch {
        if (this.stopped) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
