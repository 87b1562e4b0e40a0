import type { ResourcesSpec } from '../../dsl/jobspec.js';
import type { ExecutorAllowance } from '../api/agent-protocol.js';
import { fromUnits, toUnits } from './placement/resource-units.js';

/**
 * A task's effective resources: what it asked for plus the executor allowance, the share of
 * the host that the executor's own part of every task takes (Aurora's executor overhead,
 * `-thermos_executor_cpu` and `-thermos_executor_ram`: Mesos limited the executor and the task
 * together, so a task asking for `ram = 1*MB` ran). Here that part is the process wrapper that
 * runs each command line, and the checkpoint and samples in the sandbox.
 *
 * The one rule every part reads: placement holds effective resources on a host, preemption
 * frees them, the agent sets its cgroup and disk limits from them. Quota counts only what the
 * task asked for, as in Aurora, and `aurora job status` and `inspect` show that.
 *
 * Pure; the agent imports this module too.
 */

export type { ExecutorAllowance } from '../api/agent-protocol.js';

/** No allowance: effective resources are the task's own. */
export const NO_ALLOWANCE: ExecutorAllowance = Object.freeze({ cpu: 0, ramMb: 0, diskMb: 0 });

/**
 * The scheduler's default (`--executor-cpu 0 --executor-ram-mb 16 --executor-disk-mb 1`).
 * Smaller than Aurora's 0.25 cpu and 128 MiB, which paid for a Python executor and runner per
 * task: here the agent supervises every task from its own process, outside the task's cgroup,
 * and what runs inside is a `/bin/sh` wrapper and the `bash -c` of each process (under 1 MiB
 * as the kernel charges it, about 6 MiB as the no-cgroup monitor counts resident pages). 16 MiB
 * lets Aurora's `ram = 1*MB` configs run under either; no cpu, since nothing of the executor
 * spends the task's cpu; 1 MiB of disk for the checkpoint and samples the agent keeps in the
 * sandbox. Aurora's figures would let a 1-cpu host run no task of 0.8 cpu at all.
 */
export const DEFAULT_EXECUTOR_ALLOWANCE: ExecutorAllowance = Object.freeze({ cpu: 0, ramMb: 16, diskMb: 1 });

/**
 * The task's resources with the allowance added; gpus get none. Cpu is summed in millionths, as
 * placement counts it, so 0.1 + 0.2 is 0.3.
 */
export function effectiveResources(resources: ResourcesSpec, allowance: ExecutorAllowance): ResourcesSpec {
  if (isNoAllowance(allowance)) return resources;
  return {
    cpu: fromUnits(toUnits(resources.cpu) + toUnits(allowance.cpu)),
    ramMb: resources.ramMb + allowance.ramMb,
    diskMb: resources.diskMb + allowance.diskMb,
    gpu: resources.gpu,
  };
}

/** Whether the allowance adds nothing. */
export function isNoAllowance(allowance: ExecutorAllowance): boolean {
  return allowance.cpu === 0 && allowance.ramMb === 0 && allowance.diskMb === 0;
}
