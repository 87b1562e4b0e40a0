import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import {
  AgentCommandResultSchema,
  AgentCommandUploadResponseSchema,
  DEFAULT_TASK_COMMAND_TIMEOUT_MS,
  FILE_BODY_LIMIT,
  MAX_TASK_COMMAND_OUTPUT_BYTES,
  MAX_TASK_FILE_BYTES,
  ReadTaskFileRequestSchema,
  ReadTaskFileResponseSchema,
  RunTaskCommandRequestSchema,
  RunTaskCommandResponseSchema,
  TaskSandboxResponseSchema,
  WriteTaskFileRequestSchema,
  WriteTaskFileResponseSchema,
  type AgentCommandResult,
} from '../api/task-commands-api.js';
import { ACTIVE_ON_AGENT_STATES, type ScheduledTask } from '../api/task.js';
import { PATHS } from '../api/routes.js';
import { PERMISSIONS, type Principal } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import type { StoredAgent } from '../storage/storage.js';
import type { AgentAuth } from './agent-auth.js';
import { hangUp } from './api-routes.js';
import { AGENT, defineRoute, read, write, type Route } from './route.js';
import type { NewAgentCommand, TaskCommandRelay } from './task-command-relay.js';

/**
 * `aurora task run|scp|ssh`: a user's request about one instance's task, relayed to its agent
 * (task-command-relay.ts), and the two agent routes that complete a relayed command.
 */

export interface TaskCommandContext {
  readonly scheduler: Scheduler;
  readonly relay: TaskCommandRelay;
  readonly agentAuth: AgentAuth;
  /** Who asked for what in which task: a line per relayed command. @default none */
  readonly log?: (line: string) => void;
}

/** Time for a command to reach its agent and its result to come back, on top of its own time. */
export const DELIVERY_ALLOWANCE_MS = 15_000;
/** How long a file copy may take on the agent. */
export const FILE_COMMAND_WAIT_MS = 30_000;

const InstanceParamsSchema = z
  .object({ role: z.string(), environment: z.string(), name: z.string(), instance: z.coerce.number().int().nonnegative() })
  .strict();
type InstanceParams = z.infer<typeof InstanceParamsSchema>;
const CommandParamsSchema = z.object({ commandId: z.string().max(200) }).strict();

const INSTANCE_URL = `${PATHS.jobs}/:role/:environment/:name/instances/:instance`;

const USER_ERRORS = ['JOB_NOT_FOUND', 'TASK_NOT_RUNNING', 'AGENT_UNAVAILABLE', 'AGENT_TIMEOUT', 'AGENT_FAILED', 'PERMISSION_DENIED'] as const;

/** The instance's current task and its agent, when it runs on one now. */
function locate(scheduler: Scheduler, p: InstanceParams, needsCommands: boolean): { task: ScheduledTask & { agentId: string; host: string }; agent: StoredAgent } {
  const path = `${p.role}/${p.environment}/${p.name}`;
  const key = `${scheduler.clusterName}/${path}`;
  if (!scheduler.state.job(path)) throw new ApiError('JOB_NOT_FOUND', `no job ${key}; list the role's jobs with aurora job list ${scheduler.clusterName}/${p.role}`);
  const task = scheduler.state.currentTasks(path).find((t) => t.instance === p.instance);
  if (!task) throw new ApiError('TASK_NOT_RUNNING', `${key} has no instance ${p.instance}`);
  if (!ACTIVE_ON_AGENT_STATES.has(task.state) || task.agentId === null || task.host === null) {
    throw new ApiError('TASK_NOT_RUNNING', `instance ${p.instance} of ${key} is ${task.state}: its task runs on no agent now`);
  }
  const agent = scheduler.state.agent(task.agentId);
  if (!agent || agent.status !== 'ACTIVE' || task.state === 'PARTITIONED') {
    throw new ApiError('AGENT_UNAVAILABLE', `the agent on ${task.host}, where instance ${p.instance} runs, is not in touch with the scheduler now`);
  }
  if (needsCommands && agent.taskCommands !== true) {
    throw new ApiError('AGENT_UNAVAILABLE', `the agent on ${task.host} (version ${agent.version}) does not run task commands; upgrade it`);
  }
  return { task: task as ScheduledTask & { agentId: string; host: string }, agent };
}

/** An agent's refusal or failure as the user's error. */
function agentError(result: Extract<AgentCommandResult, { kind: 'error' }>, host: string): ApiError {
  switch (result.code) {
    case 'TASK_NOT_FOUND':
      return new ApiError('TASK_NOT_RUNNING', `the agent on ${host}: ${result.message}`);
    case 'INVALID_PATH':
    case 'NOT_A_FILE':
      return new ApiError('INVALID_PATH', result.message);
    case 'PATH_NOT_FOUND':
      return new ApiError('PATH_NOT_FOUND', result.message);
    case 'FILE_TOO_LARGE':
      return new ApiError('FILE_TOO_LARGE', result.message);
    case 'UNBOUND_TEMPLATE':
      return new ApiError('INVALID_REQUEST', result.message);
    case 'FAILED':
      return new ApiError('AGENT_FAILED', `the agent on ${host} could not do it: ${result.message}`);
  }
}

export function taskCommandRoutes({ scheduler, relay, agentAuth, log }: TaskCommandContext): Route[] {
  /** Relays one command to the instance's agent and returns the agent's result of the expected kind. */
  async function relayed<K extends AgentCommandResult['kind']>(
    principal: Principal,
    p: InstanceParams,
    kind: K,
    command: (taskId: string) => NewAgentCommand,
    waitMs: number,
    reply: FastifyReply,
    upload?: Buffer,
  ): Promise<{ result: Extract<AgentCommandResult, { kind: K }>; task: ScheduledTask & { host: string } }> {
    const { task } = locate(scheduler, p, true);
    const what = { run: 'runs a command', read: 'reads a file', write: 'writes a file' }[kind as 'run' | 'read' | 'write'];
    log?.(`${principal.name} ${what} in task ${task.taskId} on ${task.host} (aurora task ${kind === 'run' ? 'run' : 'scp'})`);
    const gone = hangUp(reply);
    let result: AgentCommandResult;
    try {
      result = await relay.send(task.agentId, command(task.taskId), { waitMs, signal: gone.signal, host: task.host, ...(upload ? { upload } : {}) });
    } finally {
      gone.done();
    }
    if (result.kind === 'error') throw agentError(result, task.host);
    if (result.kind !== kind) throw new ApiError('AGENT_FAILED', `the agent on ${task.host} answered a ${kind} command with a ${result.kind} result`);
    return { result: result as Extract<AgentCommandResult, { kind: K }>, task };
  }

  const where = (p: InstanceParams, task: ScheduledTask & { host: string }) => ({ instance: p.instance, taskId: task.taskId, host: task.host });

  return [
    defineRoute({
      method: 'POST',
      url: `${INSTANCE_URL}/run`,
      operationId: 'runTaskCommand',
      summary: "Run a shell command in the sandbox of an instance's task, as the task's user, through its agent (aurora task run)",
      api: true,
      params: InstanceParamsSchema,
      body: RunTaskCommandRequestSchema,
      access: ({ params }) => write(PERMISSIONS.runTaskCommand(params)),
      success: { status: 200, contentType: 'application/json', schema: RunTaskCommandResponseSchema },
      errors: [...USER_ERRORS],
      handler: async ({ params, body, principal }, reply) => {
        const timeoutMs = body.timeoutMs ?? DEFAULT_TASK_COMMAND_TIMEOUT_MS;
        const { result, task } = await relayed(
          principal,
          params,
          'run',
          (taskId) => ({ kind: 'run', taskId, command: body.command, timeoutMs, maxOutputBytes: MAX_TASK_COMMAND_OUTPUT_BYTES }),
          timeoutMs + DELIVERY_ALLOWANCE_MS,
          reply,
        );
        const { kind: _kind, ...run } = result;
        return { ...where(params, task), ...run };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${INSTANCE_URL}/files/read`,
      operationId: 'readTaskFile',
      summary: `A file of an instance's sandbox, up to ${MAX_TASK_FILE_BYTES} bytes, base64 (aurora task scp from a task)`,
      api: true,
      params: InstanceParamsSchema,
      body: ReadTaskFileRequestSchema,
      access: ({ params }) => write(PERMISSIONS.runTaskCommand(params)),
      success: { status: 200, contentType: 'application/json', schema: ReadTaskFileResponseSchema },
      errors: [...USER_ERRORS, 'INVALID_PATH', 'PATH_NOT_FOUND', 'FILE_TOO_LARGE'],
      handler: async ({ params, body, principal }, reply) => {
        const { result, task } = await relayed(principal, params, 'read', (taskId) => ({ kind: 'read', taskId, path: body.path, maxBytes: MAX_TASK_FILE_BYTES }), FILE_COMMAND_WAIT_MS + DELIVERY_ALLOWANCE_MS, reply);
        const { kind: _kind, ...file } = result;
        return { ...where(params, task), ...file };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${INSTANCE_URL}/files/write`,
      operationId: 'writeTaskFile',
      summary: `Write a file of up to ${MAX_TASK_FILE_BYTES} bytes into an instance's sandbox, owned by the task's user (aurora task scp to a task)`,
      api: true,
      params: InstanceParamsSchema,
      body: WriteTaskFileRequestSchema,
      bodyLimit: FILE_BODY_LIMIT,
      access: ({ params }) => write(PERMISSIONS.runTaskCommand(params)),
      success: { status: 200, contentType: 'application/json', schema: WriteTaskFileResponseSchema },
      errors: [...USER_ERRORS, 'INVALID_PATH', 'PATH_NOT_FOUND', 'FILE_TOO_LARGE', 'BODY_TOO_LARGE'],
      handler: async ({ params, body, principal }, reply) => {
        const data = Buffer.from(body.data, 'base64');
        if (data.length > MAX_TASK_FILE_BYTES) throw new ApiError('FILE_TOO_LARGE', `the file is ${data.length} bytes; aurora task scp copies at most ${MAX_TASK_FILE_BYTES}`);
        const { result, task } = await relayed(
          principal,
          params,
          'write',
          (taskId) => ({ kind: 'write', taskId, path: body.path, name: body.name, mode: body.mode ?? 0o644, size: data.length }),
          FILE_COMMAND_WAIT_MS + DELIVERY_ALLOWANCE_MS,
          reply,
          data,
        );
        const { kind: _kind, ...file } = result;
        return { ...where(params, task), ...file };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${INSTANCE_URL}/sandbox`,
      operationId: 'getTaskSandbox',
      summary: "Where an instance's task runs: host, user, sandbox path and ports (aurora task ssh)",
      api: true,
      params: InstanceParamsSchema,
      access: ({ params }) => read(PERMISSIONS.getJobSummary(params)),
      success: { status: 200, contentType: 'application/json', schema: TaskSandboxResponseSchema },
      errors: ['JOB_NOT_FOUND', 'TASK_NOT_RUNNING', 'AGENT_UNAVAILABLE', 'PERMISSION_DENIED'],
      handler: ({ params }) => {
        const { task, agent } = locate(scheduler, params, false);
        const sandbox = agent.sandboxRoot === undefined ? null : `${agent.sandboxRoot.replace(/\/+$/, '')}/${task.taskId}`;
        return { ...where(params, task), user: task.jobKey.role, sandbox, ports: { ...task.ports } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.agents}/commands/:commandId/upload`,
      operationId: 'getAgentCommandUpload',
      summary: 'The bytes of a relayed file copy, for the agent it was queued for',
      api: true,
      params: CommandParamsSchema,
      access: () => AGENT,
      success: { status: 200, contentType: 'application/json', schema: AgentCommandUploadResponseSchema },
      errors: ['AGENT_UNAUTHENTICATED', 'COMMAND_NOT_FOUND'],
      handler: ({ params, headers }) => {
        const agentId = agentAuth.checkHeaders(headers);
        return { data: relay.upload(agentId, params.commandId).toString('base64') };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.agents}/commands/:commandId/result`,
      operationId: 'postAgentCommandResult',
      summary: "An agent's result of a relayed command",
      api: true,
      params: CommandParamsSchema,
      body: AgentCommandResultSchema,
      bodyLimit: FILE_BODY_LIMIT,
      access: () => AGENT,
      success: { status: 204, contentType: 'application/json' },
      errors: ['AGENT_UNAUTHENTICATED', 'COMMAND_NOT_FOUND', 'BODY_TOO_LARGE'],
      handler: ({ params, body, headers }, reply) => {
        const agentId = agentAuth.checkHeaders(headers);
        relay.complete(agentId, params.commandId, body);
        return reply.code(204).send();
      },
    }),
  ];
}
