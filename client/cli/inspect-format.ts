import { createHash } from 'node:crypto';
import { canonicalJson } from '../../dsl/canonical-json.js';
import { formatJobKey } from '../../dsl/key.js';
import type { JobSpec } from '../../dsl/jobspec.js';

/** The spec's hash, as `specHash` in dsl/jobspec.ts computes it (without loading zod). */
export function specHashOf(spec: JobSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}

function kind(spec: JobSpec): string {
  if (spec.cronSchedule !== null) {
    return `cron job '${spec.cronSchedule}' (${spec.cronTimezone ?? "the cluster's time zone"}), on collision ${spec.cronCollisionPolicy}`;
  }
  return spec.service ? 'service' : 'job';
}

function strategy(s: JobSpec['updateConfig']['strategy']): string {
  const pause = 'autopauseAfterBatch' in s && s.autopauseAfterBatch ? ', pausing after each' : '';
  switch (s.kind) {
    case 'queue':
      return `${s.groupSize} instance${s.groupSize === 1 ? '' : 's'} at a time`;
    case 'batch':
      return `batches of ${s.batchSize}${pause}`;
    case 'variable':
      return `batches of ${s.batchSizes.join(', ')} (the last repeating)${pause}`;
  }
}

function secs(n: number): string {
  return `${n} s`;
}

/** `aurora job inspect` without --json: the compiled spec, readable, every value shown. Pure. */
export function formatInspect(spec: JobSpec): string[] {
  const t = spec.task;
  const r = t.resources;
  const lines = [
    `Job ${formatJobKey(spec.key)}: ${kind(spec)}, ${spec.instances} instance${spec.instances === 1 ? '' : 's'}`,
    `  config hash:        ${specHashOf(spec)}`,
    `  production:         ${spec.production}`,
    `  tier:               ${spec.tier ?? '(the cluster default)'}`,
    `  priority:           ${spec.priority}`,
    `  max task failures:  ${spec.maxTaskFailures}`,
    `  contact:            ${spec.contact ?? '(none)'}`,
    `  ports:              ${spec.ports.length ? spec.ports.join(', ') : '(none)'}`,
  ];
  const constraints = Object.entries(spec.constraints);
  if (constraints.length) lines.push(`  constraints:        ${constraints.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (spec.metadata.length) lines.push(`  metadata:           ${spec.metadata.map((m) => `${m.key}=${m.value}`).join(', ')}`);
  const u = spec.updateConfig;
  lines.push(
    `  update:             ${strategy(u.strategy)}, watch ${secs(u.watchSecs)}, ${u.maxPerInstanceFailures} failures per instance, ` +
      `${u.maxTotalFailures} in total, ${u.rollbackOnFailure ? 'roll back on failure' : 'no rollback'}` +
      `${u.slaAware ? ', SLA-aware' : ''}${u.pulseIntervalSecs !== null ? `, pulse every ${secs(u.pulseIntervalSecs)}` : ''}`,
  );
  const h = spec.healthCheck;
  const c = h.checker;
  const check =
    c.kind === 'http'
      ? `GET ${c.endpoint} on port '${c.port}' expecting ${c.expectedResponse ? `'${c.expectedResponse}'` : 'any body'}${c.expectedResponseCode ? ` and status ${c.expectedResponseCode}` : ''}`
      : c.kind === 'shell'
        ? `shell '${c.command}'`
        : `tcp connect to port '${c.port}'`;
  const used = c.kind === 'shell' || spec.ports.includes(c.port) ? '' : ' (not used: the task has no such port)';
  lines.push(
    `  health check:       ${check}${used}; every ${secs(h.intervalSecs)} after ${secs(h.initialIntervalSecs)}, timeout ${secs(h.timeoutSecs)}, ` +
      `${h.maxConsecutiveFailures} failures tolerated`,
  );
  const l = spec.lifecycle.http;
  lines.push(
    `  graceful shutdown:  ${l ? `POST ${l.gracefulShutdownEndpoint}, then ${l.shutdownEndpoint} on port '${l.port}'${spec.ports.includes(l.port) ? '' : ' (not used: the task has no such port)'}` : 'off (signals only)'}`,
  );
  if (spec.container && 'docker' in spec.container) {
    const d = spec.container.docker;
    lines.push(`  container:          docker ${d.image}`);
    for (const p of d.parameters) lines.push(`    --${p.name}=${p.value}`);
    for (const [name, port] of Object.entries(d.portMappings)) lines.push(`    port ${name} -> ${port} in the container`);
    for (const v of d.volumes) lines.push(`    volume ${v.hostPath} -> ${v.containerPath} (${v.mode})`);
  } else if (spec.container) {
    const { image, volumes } = spec.container.mesos;
    const shown = !image ? 'no image (the host filesystem)' : image.kind === 'docker' ? `docker image ${image.name}:${image.tag}` : `appc image ${image.name} (${image.imageId})`;
    lines.push(`  container:          mesos, ${shown}`);
    for (const v of volumes) lines.push(`    volume ${v.hostPath} -> ${v.containerPath} (${v.mode})`);
  }
  if (spec.announce) lines.push(`  announce:           primary port '${spec.announce.primaryPort}', ${canonicalJson(spec.announce.portmap)}`);
  if (spec.slaPolicy) lines.push(`  SLA policy:         ${canonicalJson(spec.slaPolicy)}`);
  lines.push(`  partition policy:   ${spec.partitionPolicy.reschedule ? `reschedule after ${secs(spec.partitionPolicy.delaySecs)}` : 'do not reschedule'}`);
  lines.push(
    `Task ${t.name}: cpu ${r.cpu}, ram ${r.ramMb} MiB, disk ${r.diskMb} MiB${r.gpu ? `, gpu ${r.gpu}` : ''}; ` +
      `max failures ${t.maxFailures}, max concurrency ${t.maxConcurrency || 'unlimited'}, finalization wait ${secs(t.finalizationWaitSecs)}`,
  );
  for (const o of t.constraints) lines.push(`  order: ${o.order.join(' -> ')}`);
  for (const p of t.processes) {
    const flags = [p.daemon && 'daemon', p.ephemeral && 'ephemeral', p.final && 'final'].filter(Boolean).join(', ');
    lines.push(`  Process ${p.name}${flags ? ` (${flags})` : ''}:`);
    lines.push(`    cmdline: ${p.cmdline}`);
    lines.push(
      `    max failures ${p.maxFailures || 'unlimited'}, min duration ${secs(p.minDurationSecs)}, ` +
        `logs to ${p.logger.destination}${p.logger.mode === 'rotate' ? ` rotated at ${p.logger.logSizeBytes} bytes, ${p.logger.logBackups} kept` : ''}`,
    );
  }
  return lines;
}
