/**
 * Placement core: an incrementally maintained pool of host capacity and a placement function
 * that costs what the pending work needs, not a rescan of the cluster per task.
 */
export { DEDICATED_ATTRIBUTE, dedicatedConstraintProblem, dedicationAllows } from './dedicated.js';
export { hostMeetsConstraints } from './host-constraints.js';
export { HostPool, type Holding, type HostSpec, type PoolSnapshot } from './host-pool.js';
export {
  applyPlacement,
  placeGroups,
  type Assignment,
  type PlacementGroup,
  type PlacementOptions,
  type PlacementResult,
  type Unplaced,
} from './place.js';
export type { PlacementPolicy } from './score.js';
