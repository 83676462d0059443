import type { ContextName, MetricSeriesBatch } from '@prov4ml/prov-core';
import type { MetricSample } from './metrics/sample.js';

/** What logSystemMetrics / logCarbonMetrics ask for. */
export type SampleKind = 'system' | 'carbon';

/** Takes one sample of a kind; runs in the agent, never on the training program's thread. */
export type Sampler = (kind: SampleKind) => Promise<MetricSample[]>;

/** One single-point series per sample, so each keeps its own unit and source. */
export function samplesToBatches(samples: readonly MetricSample[], context: ContextName, step: number, time: number): MetricSeriesBatch[] {
  return samples.map((sample) => ({
    name: sample.name,
    context,
    source: sample.source,
    unit: sample.unit,
    steps: Float64Array.of(step),
    values: Float64Array.of(sample.value),
    timestamps: Float64Array.of(time),
  }));
}
