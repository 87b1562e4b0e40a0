import type { AgentTaskReport } from '../api/agent-protocol.js';
import { report, type Harness } from './scheduler-harness.js';

/**
 * Agents played by a test over the real agent channel: each sync reports every task the agent
 * runs; a launch comes back RUNNING (FAILED where its spec is in `failing`), a kill KILLED.
 */
export class PlayedAgents {
  /** The tasks each agent runs, by agent id. */
  readonly running = new Map<string, Set<string>>();
  /** Specs whose launches fail at once (a health check that never passes, say). */
  readonly failing = new Set<string>();

  /** @param harness the harness in use (a test may restart it). */
  constructor(private readonly harness: () => Harness) {}

  /** Plays an agent already registered. */
  add(agentId: string): string {
    if (!this.running.has(agentId)) this.running.set(agentId, new Set());
    return agentId;
  }

  /** Registers an agent on `host` and plays it. */
  async register(host: string): Promise<string> {
    return this.add((await this.harness().register(host)).agentId);
  }

  /** Every agent syncs until nothing is new. */
  async round(): Promise<void> {
    const h = this.harness();
    const ended = new Map<string, AgentTaskReport[]>();
    for (let i = 0; i < 20; i++) {
      let quiet = true;
      for (const [agentId, running] of this.running) {
        const mine = ended.get(agentId) ?? [];
        ended.set(agentId, []);
        const answer = await h.sync(agentId, [...[...running].map((id) => report(id, 'RUNNING')), ...mine]);
        for (const launch of answer.launch) {
          if (this.failing.has(launch.specHash)) ended.get(agentId)!.push(report(launch.taskId, 'FAILED', 'health check failed'));
          else running.add(launch.taskId);
        }
        for (const id of answer.kill) {
          running.delete(id);
          ended.get(agentId)!.push(report(id, 'KILLED'));
        }
        if (mine.length > 0 || answer.launch.length > 0 || answer.kill.length > 0) quiet = false;
      }
      if (quiet) return;
    }
  }
}
