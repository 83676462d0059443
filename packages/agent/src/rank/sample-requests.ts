import type { ContextName, MetricSeriesBatch } from '@prov4ml/prov-core';
import { samplesToBatches, type SampleKind, type Sampler } from '../metrics/sampling.js';

/**
 * The program's sample requests (log_system_metrics, log_carbon_metrics): each is taken
 * asynchronously, never on the caller's stack, and gives exactly one batch — also one made before the
 * samplers have started (it waits for them).
 */
export class SampleRequests {
  /** Samples still being taken; shutdown waits for them so that none lands after run_end. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The rank's samplers once they have started (null: they could not); requests made earlier wait for them. */
  private readonly sampler: Promise<Sampler | null>;
  private settle!: (sampler: Sampler | null) => void;

  constructor(
    private readonly record: (series: MetricSeriesBatch[]) => void,
    private readonly log: (line: string) => void,
  ) {
    this.sampler = new Promise((resolve) => (this.settle = resolve));
  }

  /** The samplers, or null when they cannot start (or never will: the rank ends). Only the first call counts. */
  attach(sampler: Sampler | null): void {
    this.settle(sampler);
  }

  /**
   * Resolves once the samplers have started (or cannot), or after `withinMs`, whichever comes first:
   * from then on a request is taken when it arrives.
   */
  started(withinMs: number): Promise<void> {
    let bound: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (bound = setTimeout(resolve, withinMs).unref()));
    return Promise.race([this.sampler.then(() => undefined), elapsed]).finally(() => clearTimeout(bound));
  }

  request(kind: SampleKind, context: ContextName, step: number): void {
    const taking = this.sampler.then(async (sampler) => {
      if (sampler === null) {
        this.log(`no ${kind} sampler in this agent (see above); log_${kind}_metrics at step ${step} is not recorded`);
        return;
      }
      const samples = await sampler(kind);
      this.record(samplesToBatches(samples, context, step, Date.now()));
    }).catch((error: unknown) => this.log(`${kind} sample failed: ${(error as Error).message}`));
    this.inFlight.add(taking);
    void taking.finally(() => this.inFlight.delete(taking));
  }

  /** Resolves once every sample requested so far is recorded. */
  async taken(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
