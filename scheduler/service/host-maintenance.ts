import type { HostStatus, MaintenanceMode } from '../api/maintenance-api.js';
import { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import type { ClusterState } from '../state/cluster-state.js';

/** What host maintenance needs of the scheduler around it. */
export interface MaintenanceHost {
  readonly state: ClusterState;
  now(): number;
  change(task: ScheduledTask, to: TaskState, message: string | null): boolean;
  durable(): Promise<void>;
  info(message: string): void;
}

/**
 * Aurora's host maintenance: SCHEDULED (no new tasks), DRAINING (its tasks are moved: each goes
 * DRAINING, is killed by its agent and replaced elsewhere), DRAINED (nothing left on it), and back
 * to NONE. States are stored, so they survive a restart. Costs grow with the hosts named and the
 * tasks on them.
 */
export class HostMaintenanceService {
  constructor(private readonly host: MaintenanceHost) {}

  /** `host_deactivate`: the hosts take no new tasks; what runs there stays. */
  async start(hosts: readonly string[], principal: string): Promise<HostStatus[]> {
    this.host.state.operation(() => {
      for (const h of unique(hosts)) {
        if (!this.host.state.maintenance(h)) this.host.state.putMaintenance(h, { mode: 'SCHEDULED', since: this.host.now(), by: principal });
      }
    });
    await this.host.durable();
    this.host.info(`${principal} put ${hosts.length} host(s) in maintenance: ${unique(hosts).join(', ')}`);
    return this.status(hosts);
  }

  /** `host_drain`: the hosts take no new tasks, and their tasks move elsewhere. */
  async drain(hosts: readonly string[], principal: string): Promise<HostStatus[]> {
    let moved = 0;
    this.host.state.operation(() => {
      for (const h of unique(hosts)) {
        const current = this.host.state.maintenance(h);
        if (current?.mode !== 'DRAINING' && current?.mode !== 'DRAINED') {
          this.host.state.putMaintenance(h, { mode: 'DRAINING', since: this.host.now(), by: principal });
        }
        moved += this.moveTasks(h);
        this.finishIfEmpty(h);
      }
    });
    await this.host.durable();
    this.host.info(`${principal} drains ${unique(hosts).join(', ')}: ${moved} task(s) moving`);
    return this.status(hosts);
  }

  /** `host_activate`: the hosts are back in service. */
  async end(hosts: readonly string[], principal: string): Promise<HostStatus[]> {
    this.host.state.operation(() => {
      for (const h of unique(hosts)) if (this.host.state.maintenance(h)) this.host.state.putMaintenance(h, null);
    });
    await this.host.durable();
    this.host.info(`${principal} ended maintenance of ${unique(hosts).join(', ')}`);
    return this.status(hosts);
  }

  /** The hosts' modes; without names, every host in maintenance. */
  status(hosts: readonly string[] | null): HostStatus[] {
    const names = hosts ? unique(hosts) : [...this.host.state.hostsInMaintenance()].map(([h]) => h).sort();
    return names.map((h) => {
      const m = this.host.state.maintenance(h);
      const mode: MaintenanceMode = m?.mode ?? 'NONE';
      return { host: h, mode, since: m?.since ?? null, activeTasks: this.activeTasks(h).length, known: this.host.state.agentsOnHost(h).size > 0 };
    });
  }

  /** DRAINING hosts with nothing left on them are DRAINED. Call inside a state operation (few hosts). */
  tick(): void {
    for (const [h, m] of [...this.host.state.hostsInMaintenance()]) {
      if (m.mode !== 'DRAINING') continue;
      // A task placed there before the drain may have started since: move it too.
      this.moveTasks(h);
      this.finishIfEmpty(h);
    }
  }

  /** Moves every active task off the host: DRAINING (its agent kills it, it is replaced elsewhere). */
  private moveTasks(h: string): number {
    let moved = 0;
    for (const task of this.activeTasks(h)) {
      if (task.state === 'DRAINING' || task.state === 'KILLING' || task.state === 'RESTARTING' || task.state === 'PREEMPTING') continue;
      if (task.state === 'PARTITIONED') {
        // Its agent cannot be told; it runs elsewhere, and is killed if the agent comes back.
        if (this.host.change(task, 'LOST', `Its host ${h} is being drained and its agent is unreachable`)) moved++;
      } else if (ACTIVE_ON_AGENT_STATES.has(task.state) && this.host.change(task, 'DRAINING', `Draining host ${h}`)) {
        moved++;
      }
    }
    return moved;
  }

  /** A task on the host ended: a DRAINING host with nothing left is DRAINED at once. */
  taskEnded(h: string): void {
    if (this.host.state.maintenance(h)?.mode === 'DRAINING') this.finishIfEmpty(h);
  }

  private finishIfEmpty(h: string): void {
    const m = this.host.state.maintenance(h);
    if (m?.mode === 'DRAINING' && this.activeTasks(h).length === 0) {
      this.host.state.putMaintenance(h, { ...m, mode: 'DRAINED', since: this.host.now() });
      this.host.info(`host ${h} is DRAINED`);
    }
  }

  private activeTasks(h: string): ScheduledTask[] {
    const out: ScheduledTask[] = [];
    for (const agentId of this.host.state.agentsOnHost(h)) {
      for (const id of this.host.state.tasksOnAgent(agentId)) {
        const task = this.host.state.task(id);
        if (task && !TERMINAL_STATES.has(task.state)) out.push(task);
      }
    }
    return out;
  }
}

function unique(hosts: readonly string[]): string[] {
  return [...new Set(hosts)];
}
