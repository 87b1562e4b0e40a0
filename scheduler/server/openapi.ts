import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';
import {
  AgentInfoSchema,
  AgentRegisterResponseSchema,
  AgentRegistrationSchema,
  AgentSyncRequestSchema,
  AgentSyncResponseSchema,
  AgentTaskReportSchema,
  GetSpecResponseSchema,
  ListAgentsResponseSchema,
  TaskLaunchSchema,
} from '../api/agent-protocol.js';
import { API_ERRORS, ApiErrorBodySchema, type ApiErrorCode } from '../api/errors.js';
import {
  CreateJobRequestSchema,
  CreateJobResponseSchema,
  GetJobResponseSchema,
  JobDetailSchema,
  JobSummarySchema,
  KillJobRequestSchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
  ListTasksResponseSchema,
} from '../api/jobs-api.js';
import { GetQuotaResponseSchema, IncreaseQuotaRequestSchema, ResourceAmountsSchema, SetQuotaRequestSchema } from '../api/quota-api.js';
import { ScheduledTaskSchema, TaskEventSchema, TaskStateSchema } from '../api/task.js';
import type { Route } from './route.js';

/**
 * The OpenAPI 3.1 document, generated from the route table and the contract's zod schemas so
 * that it cannot drift from what the server validates.
 */

/** Contract schemas that get a name under components/schemas (and are referenced by it). */
const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  JobKey: JobKeySchema,
  JobSpec: JobSpecSchema,
  TaskState: TaskStateSchema,
  TaskEvent: TaskEventSchema,
  ScheduledTask: ScheduledTaskSchema,
  JobSummary: JobSummarySchema,
  JobDetail: JobDetailSchema,
  CreateJobRequest: CreateJobRequestSchema,
  CreateJobResponse: CreateJobResponseSchema,
  ListJobsResponse: ListJobsResponseSchema,
  GetJobResponse: GetJobResponseSchema,
  KillJobRequest: KillJobRequestSchema,
  KillJobResponse: KillJobResponseSchema,
  ListTasksResponse: ListTasksResponseSchema,
  AgentInfo: AgentInfoSchema,
  ListAgentsResponse: ListAgentsResponseSchema,
  AgentRegistration: AgentRegistrationSchema,
  AgentRegisterResponse: AgentRegisterResponseSchema,
  AgentTaskReport: AgentTaskReportSchema,
  AgentSyncRequest: AgentSyncRequestSchema,
  AgentSyncResponse: AgentSyncResponseSchema,
  TaskLaunch: TaskLaunchSchema,
  GetSpecResponse: GetSpecResponseSchema,
  ApiErrorBody: ApiErrorBodySchema,
  ResourceAmounts: ResourceAmountsSchema,
  GetQuotaResponse: GetQuotaResponseSchema,
  SetQuotaRequest: SetQuotaRequestSchema,
  IncreaseQuotaRequest: IncreaseQuotaRequestSchema,
};

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

export interface OpenApiInfo {
  readonly clusterName: string;
  readonly version: string;
}

export function buildOpenApi(routes: readonly Route[], info: OpenApiInfo): JsonSchema {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) {
    registry.add(schema, { id });
    names.set(schema, id);
  }
  const uri = (id: string) => `${COMPONENTS}${id}`;
  const generated = z.toJSONSchema(registry, { uri, io: 'input', unrepresentable: 'any' }) as { schemas: Record<string, JsonSchema> };
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) schemas[id] = withoutHeader(schema);

  /** A named schema by reference, anything else inline (its named parts by reference). */
  const ref = (schema: z.ZodType): JsonSchema => {
    const name = names.get(schema);
    if (name) return { $ref: uri(name) };
    const inline = z.toJSONSchema(schema, { metadata: registry, io: 'input', unrepresentable: 'any' }) as JsonSchema;
    return relinked(withoutHeader(inline));
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes.filter((r) => r.api)) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...objectProperties(route.params).map(([name, s]) => ({ name, in: 'path', required: true, schema: ref(s) })),
      ...objectProperties(route.query).map(([name, s]) => ({ name, in: 'query', required: false, schema: ref(s) })),
    ];
    const body = route.body ? unwrapOptional(route.body) : undefined;
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body
        ? { requestBody: { required: body.required, content: { 'application/json': { schema: ref(body.schema) } } } }
        : {}),
      responses: {
        [String(route.success.status)]: {
          description: 'Success',
          content: { [route.success.contentType]: { schema: route.success.schema ? ref(route.success.schema) : { type: 'string' } } },
        },
        ...errorResponses(route.errors),
      },
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Aurora scheduler API',
      version: info.version,
      description: `The scheduler of cluster ${info.clusterName}. Errors are ApiErrorBody with a stable code.`,
    },
    paths,
    components: {
      schemas,
      securitySchemes: { basic: { type: 'http', scheme: 'basic' } },
    },
    security: [{}, { basic: [] }],
  };
}

/** Every error status the route may answer with, each listing its codes. */
function errorResponses(codes: readonly ApiErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of ['INVALID_REQUEST', ...codes, 'INTERNAL'] as ApiErrorCode[]) {
    const status = API_ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.join(', '),
      content: { 'application/json': { schema: { $ref: `${COMPONENTS}ApiErrorBody` } } },
    };
  }
  return out;
}

function objectProperties(schema: z.ZodType | undefined): [string, z.ZodType][] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>);
}

function unwrapOptional(schema: z.ZodType): { schema: z.ZodType; required: boolean } {
  return schema instanceof z.ZodOptional ? { schema: schema.unwrap() as z.ZodType, required: false } : { schema, required: true };
}

function withoutHeader(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** Inline schemas name registered parts under $defs; point them at the components instead. */
function relinked(schema: JsonSchema): JsonSchema {
  const { $defs: _defs, ...rest } = schema;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', `"${COMPONENTS}`)) as JsonSchema;
}
