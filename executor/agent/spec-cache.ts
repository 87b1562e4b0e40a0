import type { JobSpec } from '../../dsl/jobspec.js';

/**
 * The JobSpecs this agent has fetched, by hash. Launches name their spec by hash; a spec is
 * fetched once however many instances of its job arrive together, and the most recently used
 * ones are kept (a spec never changes under its hash, so there is nothing to invalidate).
 */
export class SpecCache {
  private readonly specs = new Map<string, JobSpec>();
  private readonly inFlight = new Map<string, Promise<JobSpec>>();

  constructor(
    private readonly fetch: (hash: string) => Promise<JobSpec>,
    /** @default 256 */
    private readonly capacity = 256,
  ) {}

  /** The spec of `hash`, fetched if this agent does not have it; concurrent calls share one fetch. */
  get(hash: string): Promise<JobSpec> {
    const known = this.specs.get(hash);
    if (known) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.specs.delete(hash);
      this.specs.set(hash, known);
      return Promise.resolve(known);
    }
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.fetch(hash).then(
        (spec) => {
          this.inFlight.delete(hash);
          this.remember(hash, spec);
          return spec;
        },
        (err: unknown) => {
          this.inFlight.delete(hash);
          throw err;
        },
      );
      this.inFlight.set(hash, pending);
    }
    return pending;
  }

  /** A spec this agent already has (from a recovered task's checkpoint, say). */
  remember(hash: string, spec: JobSpec): void {
    this.specs.delete(hash);
    this.specs.set(hash, spec);
    while (this.specs.size > this.capacity) this.specs.delete(this.specs.keys().next().value as string);
  }

  get size(): number {
    return this.specs.size;
  }
}
