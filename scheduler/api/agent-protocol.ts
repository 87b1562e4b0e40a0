import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';
import { AgentCommandSchema } from './task-commands-api.js';
import { HealthSchema } from './task.js';

/**
 * Headers of the agent channel. Registration carries the cluster's agent secret (the
 * `--agent-secret-file` both sides read); the answer gives the agent a token of its own, which
 * every later call carries (syncs in the body, with a sequence number; spec reads in headers).
 */
export const AGENT_SECRET_HEADER = 'x-aurora-agent-secret';
export const AGENT_ID_HEADER = 'x-aurora-agent-id';
export const AGENT_TOKEN_HEADER = 'x-aurora-agent-token';

export { CLIENT_HEADER } from './constants.js';

/**
 * The agent channel: an agent registers, then syncs level-triggered. Each sync carries every
 * task the agent runs; the answer says what to launch and what to kill. A sync with nothing to
 * do is held open (long poll) until there is work or `waitMs` passes.
 */

export const AgentResourcesSchema = z
  .object({
    cpu: z.number().positive(),
    ramMb: z.number().int().positive(),
    diskMb: z.number().int().positive(),
    gpu: z.number().int().nonnegative(),
  })
  .strict();
export type AgentResources = z.infer<typeof AgentResourcesSchema>;

export const PortRangeSchema = z
  .object({ begin: z.number().int().min(1).max(65535), end: z.number().int().min(1).max(65535) })
  .strict()
  .refine((r) => r.begin <= r.end, 'port range must not end before it begins');

/**
 * What an agent says of `aurora task run|scp|ssh` when it registers; both optional, so an older
 * agent registers as before (and is told it is too old when a user asks it for a command).
 */
const TASK_COMMAND_FIELDS = {
  /** The absolute directory holding its tasks' sandboxes (`<sandboxRoot>/<taskId>`), for `aurora task ssh`. */
  sandboxRoot: z.string().optional(),
  /** It runs the commands the scheduler relays (the `commands` of a sync's answer). */
  taskCommands: z.boolean().optional(),
};

export const AgentRegistrationSchema = z
  .object({
    /** The id the agent had before (kept in its data dir); absent on first start. */
    agentId: z.string().optional(),
    host: z.string().min(1),
    /** Base URL of the observer this agent serves. */
    observerUrl: z.string(),
    attributes: z.record(z.string(), z.string()),
    resources: AgentResourcesSchema,
    portRange: PortRangeSchema,
    version: z.string(),
    ...TASK_COMMAND_FIELDS,
  })
  .strict();
export type AgentRegistration = z.infer<typeof AgentRegistrationSchema>;

export const AgentRegisterResponseSchema = z
  .object({
    agentId: z.string(),
    /** The agent's own token: every later call carries it. A new one comes with every registration. */
    token: z.string(),
    /** The longest the scheduler will hold a sync open; agents sync again at once after a reply. */
    longPollMs: z.number().int().positive(),
  })
  .strict();
export type AgentRegisterResponse = z.infer<typeof AgentRegisterResponseSchema>;

/** What the executor says about a task. */
export const ExecutorTaskStateSchema = z.enum(['STARTING', 'RUNNING', 'KILLING', 'FINISHED', 'FAILED', 'KILLED']);
export type ExecutorTaskState = z.infer<typeof ExecutorTaskStateSchema>;

export const AgentTaskReportSchema = z
  .object({
    taskId: z.string(),
    state: ExecutorTaskStateSchema,
    /** Why the task ended or what it is doing, in words ("Process hello exited with status 1"). */
    message: z.string().nullable(),
    health: HealthSchema,
    ports: z.record(z.string(), z.number().int()),
  })
  .strict();
export type AgentTaskReport = z.infer<typeof AgentTaskReportSchema>;

/** The most ended tasks one sync reports; the rest follow in later syncs as these are acknowledged. */
export const MAX_ENDED_REPORTS_PER_SYNC = 500;

export const AgentSyncRequestSchema = z
  .object({
    agentId: z.string(),
    /** The token the agent's registration gave it. */
    token: z.string(),
    /** Grows with every sync of this registration; a sync at or below the last one seen is a replay and refused. */
    seq: z.number().int().nonnegative(),
    /** Every active task, and ended ones until the scheduler acknowledges them (at most MAX_ENDED_REPORTS_PER_SYNC). */
    tasks: z.array(AgentTaskReportSchema),
    /** How long the agent is willing to wait for work; 0 asks for an answer at once. */
    waitMs: z.number().int().nonnegative(),
  })
  .strict();
export type AgentSyncRequest = z.infer<typeof AgentSyncRequestSchema>;

/**
 * What the scheduler adds to every task's resources for the executor's part of it (its
 * `--executor-*` flags): it places the task with this much more, and the agent limits the task
 * to its resources plus this (scheduler/core/effective-resources.ts). Quota does not count it.
 */
export const ExecutorAllowanceSchema = z
  .object({
    cpu: z.number().nonnegative(),
    ramMb: z.number().int().nonnegative(),
    diskMb: z.number().int().nonnegative(),
  })
  .strict();
export type ExecutorAllowance = z.infer<typeof ExecutorAllowanceSchema>;

/**
 * A task to launch, as the scheduler sends it: the JobSpec goes by hash, so a job of a thousand
 * instances does not send its spec a thousand times. The agent fetches a spec it lacks once
 * (`PATHS.spec`) and keeps it.
 */
export const TaskLaunchSchema = z
  .object({
    taskId: z.string(),
    jobKey: JobKeySchema,
    instance: z.number().int().nonnegative(),
    /** Ports the scheduler assigned from the agent's range, by name. */
    ports: z.record(z.string(), z.number().int()),
    /** `specHash` of the JobSpec the task runs. */
    specHash: z.string(),
    /** The allowance the scheduler placed the task with; absent is none. */
    allowance: ExecutorAllowanceSchema.optional(),
  })
  .strict();
export type TaskLaunch = z.infer<typeof TaskLaunchSchema>;

/** A launch with its spec resolved: what the executor runs and writes to the task's first checkpoint record. */
export const TaskAssignmentSchema = z
  .object({
    taskId: z.string(),
    jobKey: JobKeySchema,
    instance: z.number().int().nonnegative(),
    /** Ports the scheduler assigned from the agent's range, by name. */
    ports: z.record(z.string(), z.number().int()),
    job: JobSpecSchema,
    /** The executor allowance of the launch: the agent's limits are the task's resources plus this. Absent is none. */
    allowance: ExecutorAllowanceSchema.optional(),
  })
  .strict();
export type TaskAssignment = z.infer<typeof TaskAssignmentSchema>;

export const AgentSyncResponseSchema = z
  .object({
    launch: z.array(TaskLaunchSchema),
    /** Task ids to kill (SIGTERM, grace period, SIGKILL). */
    kill: z.array(z.string()),
    /**
     * Ended tasks (FINISHED, FAILED, KILLED) of this sync's reports that the scheduler has
     * recorded durably: the agent stops reporting them, so syncs stay small whatever its history.
     */
    ack: z.array(z.string()),
    /**
     * Commands users asked for in this agent's tasks (aurora task run, scp); absent when there
     * are none. Only agents that registered with `taskCommands` get any.
     */
    commands: z.array(AgentCommandSchema).optional(),
  })
  .strict();
export type AgentSyncResponse = z.infer<typeof AgentSyncResponseSchema>;

/** An agent as the scheduler knows it. */
export const AgentInfoSchema = z
  .object({
    agentId: z.string(),
    host: z.string(),
    observerUrl: z.string(),
    attributes: z.record(z.string(), z.string()),
    resources: AgentResourcesSchema,
    portRange: PortRangeSchema,
    /** ACTIVE while it syncs; LOST once it missed its syncs. Maintenance states come later. */
    status: z.enum(['ACTIVE', 'LOST']),
    lastSeenAt: z.number(),
    ...TASK_COMMAND_FIELDS,
  })
  .strict();
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

export const ListAgentsResponseSchema = z.object({ agents: z.array(AgentInfoSchema) }).strict();
export type ListAgentsResponse = z.infer<typeof ListAgentsResponseSchema>;

export const GetSpecResponseSchema = z.object({ spec: JobSpecSchema }).strict();
export type GetSpecResponse = z.infer<typeof GetSpecResponseSchema>;

/** `aurora-admin reconcile_tasks`: how many active agents there are, and how many were asked to report at once. */
export const ReconcileResponseSchema = z.object({ agents: z.number().int(), askedNow: z.number().int() }).strict();
export type ReconcileResponse = z.infer<typeof ReconcileResponseSchema>;
