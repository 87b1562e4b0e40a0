import { Agent, request } from 'undici';
import type { z } from 'zod';
import type { JobSpec } from '../../dsl/jobspec.js';
import {
  AGENT_ID_HEADER,
  AGENT_SECRET_HEADER,
  AGENT_TOKEN_HEADER,
  AgentRegisterResponseSchema,
  AgentSyncResponseSchema,
  GetSpecResponseSchema,
  type AgentRegisterResponse,
  type AgentRegistration,
  type AgentSyncRequest,
  type AgentSyncResponse,
} from '../../scheduler/api/agent-protocol.js';
import { ApiErrorBodySchema } from '../../scheduler/api/errors.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { AgentCommandUploadResponseSchema, type AgentCommandResult } from '../../scheduler/api/task-commands-api.js';

/** The agent's side of the agent channel, over undici. */

/** The scheduler answered, but with an error (`code` from its error catalog). */
export class SchedulerError extends Error {
  override readonly name = 'SchedulerError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /**
   * The scheduler does not know this agent (it lost it, or restarted without it), or no longer
   * takes its token (a restarted scheduler issues new ones): register again.
   */
  get agentUnknown(): boolean {
    return this.code === 'AGENT_UNKNOWN' || this.code === 'AGENT_UNAUTHENTICATED';
  }
}

/** The scheduler could not be reached, or did not answer in time. */
export class SchedulerUnreachableError extends Error {
  override readonly name = 'SchedulerUnreachableError';
}

export interface SchedulerClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** How long a register call may take. @default 10000 */
  readonly timeoutMs?: number;
  /** The cluster's agent secret, sent when registering. @default none (a scheduler without one takes any agent) */
  readonly agentSecret?: string;
  /** PEM certificates to trust for an https scheduler, besides the system's. @default the system's */
  readonly ca?: string;
}

/** Who this agent is to the scheduler once registered: sent with calls that carry no body. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly token: string;
}

export class SchedulerClient {
  private readonly dispatcher: Agent;
  private readonly base: string;

  constructor(private readonly options: SchedulerClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.dispatcher = new Agent({ keepAliveTimeout: 30_000, connectTimeout: 5_000, ...(options.ca ? { connect: { ca: options.ca } } : {}) });
  }

  get url(): string {
    return this.base;
  }

  register(registration: AgentRegistration, signal?: AbortSignal): Promise<AgentRegisterResponse> {
    const secret: Record<string, string> = this.options.agentSecret ? { [AGENT_SECRET_HEADER]: this.options.agentSecret } : {};
    return this.send('POST', PATHS.agentRegister, registration, AgentRegisterResponseSchema, this.options.timeoutMs ?? 10_000, signal, secret);
  }

  /** Held open by the scheduler for up to `body.waitMs`; the timeout allows for that. */
  sync(body: AgentSyncRequest, signal?: AbortSignal): Promise<AgentSyncResponse> {
    return this.post(PATHS.agentSync, body, AgentSyncResponseSchema, body.waitMs + (this.options.timeoutMs ?? 10_000), signal);
  }

  /** The JobSpec a launch names by hash. */
  async getSpec(hash: string, as: AgentIdentity, signal?: AbortSignal): Promise<JobSpec> {
    const identity = { [AGENT_ID_HEADER]: as.agentId, [AGENT_TOKEN_HEADER]: as.token };
    const answer = await this.send('GET', PATHS.spec(hash), undefined, GetSpecResponseSchema, this.options.timeoutMs ?? 10_000, signal, identity);
    return answer.spec;
  }

  /** The bytes of a relayed write command (aurora task scp into a sandbox). */
  async getCommandUpload(commandId: string, as: AgentIdentity, signal?: AbortSignal): Promise<Buffer> {
    const answer = await this.send('GET', PATHS.agentCommandUpload(commandId), undefined, AgentCommandUploadResponseSchema, this.options.timeoutMs ?? 10_000, signal, identityHeaders(as));
    return Buffer.from(answer.data, 'base64');
  }

  /** The result of a relayed command. */
  async postCommandResult(commandId: string, result: AgentCommandResult, as: AgentIdentity, signal?: AbortSignal): Promise<void> {
    await this.send('POST', PATHS.agentCommandResult(commandId), result, null, this.options.timeoutMs ?? 10_000, signal, identityHeaders(as));
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private post<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<z.infer<S>> {
    return this.send('POST', path, body, schema, timeoutMs, signal);
  }

  private async send<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    /** null: the answer has no body worth reading (204). */
    schema: S | null,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    extraHeaders: Record<string, string> = {},
  ): Promise<z.infer<S>> {
    let res;
    try {
      res = await request(`${this.base}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extraHeaders,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new SchedulerUnreachableError(describeNetworkError(err));
    }
    const text = await res.body.text().catch((err: unknown) => {
      if (signal?.aborted) throw err;
      throw new SchedulerUnreachableError(describeNetworkError(err));
    });
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.statusCode >= 400) {
      const parsed = ApiErrorBodySchema.safeParse(json);
      if (parsed.success) throw new SchedulerError(res.statusCode, parsed.data.error.code, parsed.data.error.message);
      if (res.statusCode >= 500) throw new SchedulerUnreachableError(`HTTP ${res.statusCode} from ${path}`);
      throw new SchedulerError(res.statusCode, 'HTTP_ERROR', `HTTP ${res.statusCode} from ${path}: ${text.slice(0, 200)}`);
    }
    if (schema === null) return undefined as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new SchedulerError(res.statusCode, 'BAD_RESPONSE', `unexpected answer from ${path}: ${parsed.error.issues[0]?.message ?? 'not JSON'}`);
    }
    return parsed.data;
  }
}

function identityHeaders(as: AgentIdentity): Record<string, string> {
  return { [AGENT_ID_HEADER]: as.agentId, [AGENT_TOKEN_HEADER]: as.token };
}

/** `connect ECONNREFUSED 127.0.0.1:8081` rather than a stack. */
function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const message = e.cause?.message || e.message || String(err);
  const code = e.code ?? e.cause?.code;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
