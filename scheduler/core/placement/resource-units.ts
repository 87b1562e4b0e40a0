import type { ResourcesSpec } from '../../../dsl/jobspec.js';

/**
 * Resources are counted in integer millionths (of a cpu, a MiB, a gpu): sums of integers are
 * exact, so 0.1 + 0.2 cpu fits 0.3 and a release gives back exactly what its hold took, where
 * floating point sums would drift. 256 GiB is 2.7e11 millionths, far inside 2^53.
 */
export const UNITS_PER_RESOURCE = 1_000_000;

/** An amount of cpu, MiB or gpu in millionths. */
export function toUnits(amount: number): number {
  return Math.round(amount * UNITS_PER_RESOURCE);
}

/** Millionths back to an amount of cpu, MiB or gpu. */
export function fromUnits(units: number): number {
  return units / UNITS_PER_RESOURCE;
}

/** A task's resources in units, computed once per placement group. */
export interface ResourceUnits {
  readonly cpu: number;
  readonly ram: number;
  readonly disk: number;
  readonly gpu: number;
}

/** A resource spec in millionths. */
export function resourceUnits(resources: ResourcesSpec): ResourceUnits {
  return { cpu: toUnits(resources.cpu), ram: toUnits(resources.ramMb), disk: toUnits(resources.diskMb), gpu: toUnits(resources.gpu) };
}
