import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AGENT_ID_HEADER, AGENT_SECRET_HEADER, AGENT_TOKEN_HEADER } from '../api/agent-protocol.js';
import { ApiError } from '../api/errors.js';

/**
 * Agents authenticate to the scheduler: registering takes the cluster's agent secret (read by
 * both sides from `--agent-secret-file`), and hands the agent a token of its own that every later
 * call carries; a sync also carries a sequence number that must grow, so a sync cannot be sent
 * under another agent's id nor replayed. Tokens live in memory: after a restart of the scheduler
 * agents register again, which they do on their own when a token is refused.
 */
export class AgentAuth {
  /** By agent id: a hash of its token and the last sequence number seen. */
  private readonly agents = new Map<string, { tokenHash: Buffer; lastSeq: number }>();
  private readonly secretHash: Buffer | null;

  /** @param secret the cluster's agent secret; null takes any agent at registration (with a warning at start-up). */
  constructor(secret: string | null) {
    this.secretHash = secret === null ? null : sha256(secret);
  }

  get requiresSecret(): boolean {
    return this.secretHash !== null;
  }

  /** Refuses a registration without the cluster's agent secret. */
  checkSecret(headers: IncomingHttpHeaders): void {
    if (!this.secretHash) return;
    const given = headerOf(headers, AGENT_SECRET_HEADER);
    if (given === undefined || !timingSafeEqual(sha256(given), this.secretHash)) {
      throw new ApiError(
        'AGENT_UNAUTHENTICATED',
        `registering an agent needs the cluster's agent secret; start the agent with --agent-secret-file naming the file the scheduler reads`,
      );
    }
  }

  /** A new token for an agent that registered; its earlier token stops working. */
  issue(agentId: string): string {
    const token = randomBytes(24).toString('base64url');
    this.agents.set(agentId, { tokenHash: sha256(token), lastSeq: -1 });
    return token;
  }

  /** Refuses a sync that does not carry the agent's token, or whose sequence number did not grow. */
  checkSync(agentId: string, token: string, seq: number): void {
    const entry = this.verify(agentId, token);
    if (seq <= entry.lastSeq) {
      throw new ApiError('AGENT_UNAUTHENTICATED', `sync ${seq} of agent ${agentId} came after sync ${entry.lastSeq}: refused as a replay`);
    }
    entry.lastSeq = seq;
  }

  /** Refuses a call without the agent's id and token in its headers. */
  checkHeaders(headers: IncomingHttpHeaders): string {
    const agentId = headerOf(headers, AGENT_ID_HEADER) ?? '';
    this.verify(agentId, headerOf(headers, AGENT_TOKEN_HEADER) ?? '');
    return agentId;
  }

  private verify(agentId: string, token: string): { tokenHash: Buffer; lastSeq: number } {
    const entry = this.agents.get(agentId);
    if (!entry || !timingSafeEqual(sha256(token), entry.tokenHash)) {
      throw new ApiError('AGENT_UNAUTHENTICATED', `agent ${agentId || '(none)'} did not present its token; an agent registers again to get one`);
    }
    return entry;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
