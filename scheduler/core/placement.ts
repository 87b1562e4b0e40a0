import type { ResourcesSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../api/agent-protocol.js';

/**
 * Placement: which agent runs each pending task. A chain of small feasibility checks, each
 * returning a named veto when the task does not fit, so that "why is my task pending" always
 * has an answer. Pure and deterministic: same input, same assignments.
 */

/** A task that already holds resources on an agent (any ACTIVE_ON_AGENT_STATES state). */
export interface TaskOnAgent {
  /** `role/environment/name`: spreading and `limit:` constraints count tasks of the same job. */
  readonly jobKey: string;
  readonly resources: ResourcesSpec;
  readonly ports: readonly number[];
}

export type PlacementAgent = Pick<AgentInfo, 'agentId' | 'host' | 'status' | 'attributes' | 'resources' | 'portRange'> & {
  readonly tasks: readonly TaskOnAgent[];
};

export interface PendingTask {
  readonly taskId: string;
  readonly jobKey: string;
  readonly resources: ResourcesSpec;
  /** Named ports the task needs, in the order they are given ports. */
  readonly portNames: readonly string[];
  /** Attribute name to value (`r1`, `r1,r2`), negated value (`!r1`) or limit (`limit:1`). */
  readonly constraints: Readonly<Record<string, string>>;
}

export interface Assignment {
  readonly taskId: string;
  readonly agentId: string;
  readonly ports: Readonly<Record<string, number>>;
}

export interface Unplaced {
  readonly taskId: string;
  /** In words, for `aurora job status` and the web UI. */
  readonly reason: string;
  readonly vetoes: readonly AgentVeto[];
}

export interface PlacementResult {
  readonly assignments: readonly Assignment[];
  readonly unplaced: readonly Unplaced[];
}

type ScalarResource = 'cpu' | 'ram' | 'disk' | 'gpu';

/** Why one agent cannot take one task. */
export type Veto =
  | { readonly kind: 'AGENT_NOT_ACTIVE'; readonly status: string }
  | { readonly kind: 'INSUFFICIENT_RESOURCE'; readonly resource: ScalarResource; readonly needs: number; readonly free: number }
  | { readonly kind: 'INSUFFICIENT_PORTS'; readonly needs: number; readonly free: number }
  | { readonly kind: 'CONSTRAINT_NOT_MET'; readonly attribute: string; readonly wanted: string }
  | { readonly kind: 'LIMIT_REACHED'; readonly attribute: string; readonly limit: number };

export interface AgentVeto {
  readonly agentId: string;
  readonly veto: Veto;
}

/** One agent's capacity as placement goes along (tasks placed in this pass use it up). */
interface AgentState {
  readonly agent: PlacementAgent;
  free: Record<ScalarResource, number>;
  readonly usedPorts: Set<number>;
  readonly jobCounts: Map<string, number>;
  taskCount: number;
}

/** Floating point sums of cpu shares (0.1 + 0.2) must not veto an exact fit. */
const EPSILON = 1e-9;

type Check = (task: PendingTask, agent: AgentState, all: readonly AgentState[]) => Veto[];

const agentActive: Check = (_task, { agent }) =>
  agent.status === 'ACTIVE' ? [] : [{ kind: 'AGENT_NOT_ACTIVE', status: agent.status }];

const NEEDS: Record<ScalarResource, (r: ResourcesSpec) => number> = {
  cpu: (r) => r.cpu,
  ram: (r) => r.ramMb,
  disk: (r) => r.diskMb,
  gpu: (r) => r.gpu,
};

const enough =
  (resource: ScalarResource): Check =>
  (task, agent) => {
    const needs = NEEDS[resource](task.resources);
    const free = agent.free[resource];
    return needs <= free + EPSILON ? [] : [{ kind: 'INSUFFICIENT_RESOURCE', resource, needs, free }];
  };

const enoughPorts: Check = (task, agent) => {
  const needs = task.portNames.length;
  if (needs === 0) return [];
  const free = freePorts(agent, needs).length;
  return free >= needs ? [] : [{ kind: 'INSUFFICIENT_PORTS', needs, free: countFreePorts(agent) }];
};

const constraintsMet: Check = (task, agent, all) => {
  const vetoes: Veto[] = [];
  for (const [attribute, wanted] of Object.entries(task.constraints).sort(([a], [b]) => a.localeCompare(b))) {
    const limit = /^limit:(\d+)$/.exec(wanted);
    if (limit) {
      const max = Number(limit[1]);
      const value = attributeOf(agent.agent, attribute);
      const count = all
        .filter((other) => value !== undefined && attributeOf(other.agent, attribute) === value)
        .reduce((n, other) => n + (other.jobCounts.get(task.jobKey) ?? 0), 0);
      if (value === undefined || count >= max) vetoes.push({ kind: 'LIMIT_REACHED', attribute, limit: max });
      continue;
    }
    const negated = wanted.startsWith('!');
    const values = (negated ? wanted.slice(1) : wanted).split(',').map((v) => v.trim());
    const has = attributeOf(agent.agent, attribute);
    const matches = has !== undefined && values.includes(has);
    if (matches === negated) vetoes.push({ kind: 'CONSTRAINT_NOT_MET', attribute, wanted });
  }
  return vetoes;
};

/** The chain, in the order reasons are reported. An inactive agent is not examined further. */
const CHECKS: readonly Check[] = [enough('cpu'), enough('ram'), enough('disk'), enough('gpu'), enoughPorts, constraintsMet];

/** `host` is an attribute every agent has, as in Aurora (`limit:1` on host spreads instances). */
function attributeOf(agent: PlacementAgent, attribute: string): string | undefined {
  return agent.attributes[attribute] ?? (attribute === 'host' ? agent.host : undefined);
}

function vetoesFor(task: PendingTask, agent: AgentState, all: readonly AgentState[]): Veto[] {
  const inactive = agentActive(task, agent, all);
  if (inactive.length > 0) return inactive;
  return CHECKS.flatMap((check) => check(task, agent, all));
}

/** Lowest free ports of the agent's range, at most `count`. */
function freePorts(agent: AgentState, count: number): number[] {
  const ports: number[] = [];
  const { begin, end } = agent.agent.portRange;
  for (let p = begin; p <= end && ports.length < count; p++) if (!agent.usedPorts.has(p)) ports.push(p);
  return ports;
}

function countFreePorts(agent: AgentState): number {
  const { begin, end } = agent.agent.portRange;
  let used = 0;
  for (const p of agent.usedPorts) if (p >= begin && p <= end) used++;
  return end - begin + 1 - used;
}

function initialState(agent: PlacementAgent): AgentState {
  const free = { cpu: agent.resources.cpu, ram: agent.resources.ramMb, disk: agent.resources.diskMb, gpu: agent.resources.gpu };
  const state: AgentState = { agent, free, usedPorts: new Set(), jobCounts: new Map(), taskCount: 0 };
  for (const t of agent.tasks) use(state, t.jobKey, t.resources, t.ports);
  return state;
}

function use(state: AgentState, jobKey: string, resources: ResourcesSpec, ports: readonly number[]): void {
  for (const r of Object.keys(NEEDS) as ScalarResource[]) state.free[r] -= NEEDS[r](resources);
  for (const p of ports) state.usedPorts.add(p);
  state.jobCounts.set(jobKey, (state.jobCounts.get(jobKey) ?? 0) + 1);
  state.taskCount++;
}

/**
 * Among agents that fit, prefer the one with the fewest instances of the same job, then the
 * fewest tasks at all (spreading keeps one lost agent from taking a whole service), then host
 * and id so the choice is deterministic.
 */
function preferred(a: AgentState, b: AgentState, jobKey: string): number {
  return (
    (a.jobCounts.get(jobKey) ?? 0) - (b.jobCounts.get(jobKey) ?? 0) ||
    a.taskCount - b.taskCount ||
    a.agent.host.localeCompare(b.agent.host) ||
    a.agent.agentId.localeCompare(b.agent.agentId)
  );
}

/** Places pending tasks in the order given (the caller puts the most important first). */
export function placeTasks(pendingTasks: readonly PendingTask[], agents: readonly PlacementAgent[]): PlacementResult {
  const states = agents.map(initialState);
  const assignments: Assignment[] = [];
  const unplaced: Unplaced[] = [];
  for (const task of pendingTasks) {
    const vetoes: AgentVeto[] = [];
    const fits: AgentState[] = [];
    for (const state of states) {
      const found = vetoesFor(task, state, states);
      if (found.length === 0) fits.push(state);
      else vetoes.push(...found.map((veto) => ({ agentId: state.agent.agentId, veto })));
    }
    const best = fits.sort((a, b) => preferred(a, b, task.jobKey))[0];
    if (!best) {
      unplaced.push({ taskId: task.taskId, reason: pendingReason(vetoes, states.length), vetoes });
      continue;
    }
    const chosen = freePorts(best, task.portNames.length);
    const ports: Record<string, number> = {};
    task.portNames.forEach((name, i) => (ports[name] = chosen[i] as number));
    use(best, task.jobKey, task.resources, chosen);
    assignments.push({ taskId: task.taskId, agentId: best.agent.agentId, ports });
  }
  return { assignments, unplaced };
}

const UNITS: Record<ScalarResource, (n: number) => string> = {
  cpu: (n) => `${round(n)} cpu`,
  ram: (n) => `${round(n)} MiB`,
  disk: (n) => `${round(n)} MiB`,
  gpu: (n) => `${round(n)} gpu`,
};

function round(n: number): number {
  return Math.round(Math.max(n, 0) * 100) / 100;
}

const agents = (n: number) => `${n} agent${n === 1 ? '' : 's'}`;

/**
 * Summarizes vetoes by reason: "Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)".
 * Reasons come in check order, one clause each, joined with "; ".
 */
export function pendingReason(vetoes: readonly AgentVeto[], agentCount: number): string {
  if (agentCount === 0) return 'No agents registered';
  const groups = new Map<string, { vetoes: Veto[]; agentIds: Set<string> }>();
  for (const { agentId, veto } of vetoes) {
    const key = groupKey(veto);
    const group = groups.get(key) ?? { vetoes: [], agentIds: new Set<string>() };
    group.vetoes.push(veto);
    group.agentIds.add(agentId);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => describe(g.vetoes, g.agentIds.size)).join('; ');
}

function groupKey(veto: Veto): string {
  switch (veto.kind) {
    case 'AGENT_NOT_ACTIVE':
      return `${veto.kind}:${veto.status}`;
    case 'INSUFFICIENT_RESOURCE':
      return `${veto.kind}:${veto.resource}`;
    case 'INSUFFICIENT_PORTS':
      return veto.kind;
    case 'CONSTRAINT_NOT_MET':
    case 'LIMIT_REACHED':
      return `${veto.kind}:${veto.attribute}`;
  }
}

function describe(group: readonly Veto[], count: number): string {
  const first = group[0] as Veto;
  switch (first.kind) {
    case 'AGENT_NOT_ACTIVE':
      return `${agents(count)} ${count === 1 ? 'is' : 'are'} ${first.status}`;
    case 'INSUFFICIENT_RESOURCE': {
      const largest = Math.max(...group.map((v) => (v.kind === 'INSUFFICIENT_RESOURCE' ? v.free : 0)));
      const unit = UNITS[first.resource];
      return `Insufficient ${first.resource} on ${agents(count)} (needs ${unit(first.needs)}, largest free ${unit(largest)})`;
    }
    case 'INSUFFICIENT_PORTS': {
      const most = Math.max(...group.map((v) => (v.kind === 'INSUFFICIENT_PORTS' ? v.free : 0)));
      return `Insufficient ports on ${agents(count)} (needs ${first.needs}, most free ${Math.max(most, 0)})`;
    }
    case 'CONSTRAINT_NOT_MET': {
      const wanted = first.wanted.startsWith('!') ? `${first.attribute} != ${first.wanted.slice(1)}` : `${first.attribute} = ${first.wanted}`;
      return `Constraint ${wanted} not met on ${agents(count)}`;
    }
    case 'LIMIT_REACHED':
      return `Limit of ${first.limit} instance${first.limit === 1 ? '' : 's'} per ${first.attribute} reached on ${agents(count)}`;
  }
}
