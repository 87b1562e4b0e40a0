import type { HostStatus, MaintenanceMode } from '../api/maintenance-api.js';
import { healthCheckApplies } from '../../dsl/health-check-applies.js';
import type { CoordinatorAnswers, CoordinatorQuestion } from '../core/sla-coordinator.js';
import { decideDrain, type DrainCandidate } from '../core/sla-drain.js';
import type { InstanceObservation } from '../core/update/observation.js';
import { jobPath } from '../storage/storage.js';
import { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import type { ClusterState } from '../state/cluster-state.js';

/** What host maintenance needs of the scheduler around it. */
export interface MaintenanceHost {
  readonly state: ClusterState;
  /** Aurora's -min_required_instances_for_sla_check: smaller jobs are drained without an SLA check. */
  readonly minRequiredInstancesForSla: number;
  /** Coordinators' answers at hand (coordinator SLA policies), and how long one counts. */
  coordinatorAnswers(): CoordinatorAnswers;
  readonly coordinatorAnswerTtlMs: number;
  /** Asks coordinators, beside the scheduler's work; answers come back through Scheduler's coordinatorAnswered. */
  askCoordinators(questions: readonly CoordinatorQuestion[]): void;
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

  /**
   * `sla_host_drain`: the hosts take no new tasks, and each task moves only while its job keeps its
   * SLA policy (core/sla-drain.ts), until `forceDrainTimeoutMs` after now, when the rest move.
   */
  async slaDrain(hosts: readonly string[], forceDrainTimeoutMs: number, principal: string): Promise<HostStatus[]> {
    const now = this.host.now();
    this.host.state.operation(() => {
      for (const h of unique(hosts)) {
        if (this.host.state.maintenance(h)?.mode === 'DRAINED') continue;
        this.host.state.putMaintenance(h, { mode: 'DRAINING', since: now, by: principal, slaForceAt: now + forceDrainTimeoutMs });
        this.moveTasks(h);
        this.finishIfEmpty(h);
      }
    });
    await this.host.durable();
    this.host.info(`${principal} drains ${unique(hosts).join(', ')} within SLAs, forced after ${forceDrainTimeoutMs} ms`);
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
      const waiting = m?.mode === 'DRAINING' && m.slaForceAt !== undefined ? this.slaDecision(h, m.slaForceAt).wait.slice(0, 100) : [];
      return {
        host: h,
        mode,
        since: m?.since ?? null,
        activeTasks: this.activeTasks(h).length,
        known: this.host.state.agentsOnHost(h).size > 0,
        ...(waiting.length > 0 ? { waiting: [...waiting] } : {}),
      };
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

  /** Moves the host's active tasks off it (all, or those its SLA drain allows): DRAINING, killed by the agent, replaced elsewhere. */
  private moveTasks(h: string): number {
    let moved = 0;
    const m = this.host.state.maintenance(h);
    let allowed: Set<string> | null = null;
    if (m?.slaForceAt !== undefined) {
      const decision = this.slaDecision(h, m.slaForceAt);
      allowed = new Set(decision.move);
      if (decision.ask.length > 0) this.host.askCoordinators(decision.ask);
    }
    for (const task of this.activeTasks(h)) {
      if (allowed && !allowed.has(task.taskId)) continue;
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

  /** What the SLA lets move off the host now (core/sla-drain.ts), over the jobs of its tasks. */
  private slaDecision(h: string, forceAt: number) {
    const state = this.host.state;
    const candidates: DrainCandidate[] = [];
    const jobs = new Map<string, Map<number, InstanceObservation>>();
    const goingDown = new Map<string, Set<number>>();
    for (const task of this.activeTasks(h)) {
      const path = jobPath(task.jobKey);
      const spec = state.spec(task.specHash);
      if (!jobs.has(path)) {
        const observed = new Map<number, InstanceObservation>();
        const down = new Set<number>();
        for (const [instance, ids] of state.jobTasks(path)?.byInstance ?? []) {
          const t = ids[0] === undefined ? undefined : state.task(ids[0]);
          if (!t) continue;
          const tSpec = state.spec(t.specHash);
          const running = t.state === 'RUNNING' ? lastRunningAt(t) : null;
          observed.set(instance, { taskId: t.taskId, specHash: t.specHash, state: t.state, runningSince: running, healthy: t.health === 'HEALTHY' || (tSpec !== undefined && !healthCheckApplies(tSpec, t.ports)) });
          if (MOVING.has(t.state)) down.add(instance);
        }
        jobs.set(path, observed);
        goingDown.set(path, down);
      }
      if (MOVING.has(task.state) || task.state === 'PARTITIONED') continue;
      const job = state.job(path);
      candidates.push({
        taskId: task.taskId,
        jobPath: path,
        instance: task.instance,
        production: spec?.production ?? false,
        policy: spec?.slaPolicy ?? null,
        instanceCount: job?.spec.instances ?? spec?.instances ?? 1,
      });
    }
    return decideDrain({
      candidates,
      jobs,
      goingDown,
      now: this.host.now(),
      forceAt: forceAt,
      minRequiredInstances: this.host.minRequiredInstancesForSla,
      coordinatorAnswers: this.host.coordinatorAnswers(),
      coordinatorAnswerTtlMs: this.host.coordinatorAnswerTtlMs,
    });
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

/** States of a task already on its way out. */
const MOVING: ReadonlySet<string> = new Set(['DRAINING', 'KILLING', 'RESTARTING', 'PREEMPTING']);

function lastRunningAt(task: ScheduledTask): number | null {
  for (let i = task.events.length - 1; i >= 0; i--) if (task.events[i]?.state === 'RUNNING') return task.events[i]!.at;
  return null;
}

function unique(hosts: readonly string[]): string[] {
  return [...new Set(hosts)];
}
