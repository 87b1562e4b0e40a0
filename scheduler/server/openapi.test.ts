import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHS } from '../api/routes.js';
import { startHarness, type Harness } from '../testing/scheduler-harness.js';

describe('OpenAPI document', () => {
  let h: Harness;
  let doc: any;
  beforeAll(async () => {
    h = await startHarness();
    const res = await h.app.inject({ method: 'GET', url: PATHS.openapi });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(() => h.close());

  it('is OpenAPI 3.1 and describes every API route', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        PATHS.jobs,
        '/api/v1/jobs/{role}/{environment}/{name}',
        '/api/v1/jobs/{role}/{environment}/{name}/kill',
        PATHS.tasks,
        PATHS.agents,
        PATHS.agentRegister,
        PATHS.agentSync,
        '/api/v1/specs/{hash}',
        PATHS.tasksPrune,
        '/api/v1/quotas/{role}',
        '/api/v1/quotas/{role}/increase',
        '/api/v1/jobs/{role}/{environment}/{name}/updates',
        '/api/v1/jobs/{role}/{environment}/{name}/updates/{id}',
        '/api/v1/jobs/{role}/{environment}/{name}/update/{action}',
        '/api/v1/jobs/{role}/{environment}/{name}/restart',
        PATHS.updates,
        PATHS.cronJobs,
        '/api/v1/cron/{role}/{environment}/{name}',
        '/api/v1/cron/{role}/{environment}/{name}/start',
        PATHS.maintenance,
        PATHS.maintenanceStart,
        PATHS.maintenanceDrain,
        PATHS.maintenanceEnd,
        PATHS.maintenanceSlaDrain,
        PATHS.agentsReconcile,
        '/api/v1/jobs/{role}/{environment}/{name}/instances/{instance}/run',
        '/api/v1/jobs/{role}/{environment}/{name}/instances/{instance}/files/read',
        '/api/v1/jobs/{role}/{environment}/{name}/instances/{instance}/files/write',
        '/api/v1/jobs/{role}/{environment}/{name}/instances/{instance}/sandbox',
        '/api/v1/agents/commands/{commandId}/upload',
        '/api/v1/agents/commands/{commandId}/result',
        PATHS.backups,
        PATHS.recovery,
        PATHS.recoveryStage,
        PATHS.recoveryTasks,
        PATHS.recoveryTasksDelete,
        PATHS.recoveryCommit,
        PATHS.recoveryUnload,
        PATHS.storageSnapshot,
        PATHS.slaProbeHosts,
        PATHS.slaSafeDomain,
      ].sort(),
    );
    expect(Object.keys(doc.paths[PATHS.jobs])).toEqual(['post', 'get']);
    expect(Object.keys(doc.paths['/api/v1/cron/{role}/{environment}/{name}']).sort()).toEqual(['delete', 'get', 'post']);
  });

  it('takes request and response bodies from the contract schemas', () => {
    const create = doc.paths[PATHS.jobs].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateJobRequest' });
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateJobResponse' });
    expect(create.responses['409'].description).toBe('JOB_EXISTS');
    const jobSpec = doc.components.schemas.JobSpec;
    expect(jobSpec.properties.key).toEqual({ $ref: '#/components/schemas/JobKey' });
    expect(jobSpec.properties.task.properties.resources.properties.cpu).toMatchObject({ type: 'number', exclusiveMinimum: 0 });
  });

  it('documents path and query parameters', () => {
    const get = doc.paths['/api/v1/jobs/{role}/{environment}/{name}'].get;
    expect(get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:role',
      'path:environment',
      'path:name',
      'query:history',
      'query:since',
      'query:waitMs',
    ]);
    const tasks = doc.paths[PATHS.tasks].get;
    expect(tasks.parameters.map((p: { name: string }) => p.name)).toEqual(['role', 'environment', 'name', 'instance', 'state', 'taskId', 'history', 'limit', 'offset']);
  });

  it('has no dangling references', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty([ref!]);
  });
});
