import type { ContextName, MetricSeriesBatch, EnvelopeRecord } from '@prov4ml/prov-core';
import type { SampleKind } from '../channel/protocol.js';
import { MetricsCollector, startPeriodicSampling, type MetricsCollectorOptions, type MetricsSnapshot } from './collector.js';
import type { MetricSample } from './sample.js';

export type { SampleKind } from '../channel/protocol.js';

/** Takes one sample of a kind; runs in the agent, never on the training program's thread. */
export type Sampler = (kind: SampleKind) => Promise<MetricSample[]>;

/** Context of the samples the agent takes on its own, outside any phase the program names. */
export const RUN_CONTEXT = 'RUN';

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

/** What the samplers need of a rank's agent (the Agent is one; nothing here knows it). */
export interface SampledRank {
  /** start_run(disable_codecarbon=True): no carbon metrics. */
  readonly carbonDisabled: boolean;
  submit(record: EnvelopeRecord): void;
  /** The samplers once started; null: they cannot start, and waiting requests end. */
  attachSampler(sampler: Sampler | null): void;
  /** Resolves once every sample requested so far is recorded. */
  samplesTaken(): Promise<void>;
}

export interface RankMetrics {
  /** Takes a last sample (so a run shorter than the interval still has one) and stops. */
  stop(): Promise<void>;
}

/**
 * Gives a rank's agent its samplers: on demand (logSystemMetrics / logCarbonMetrics) and, when
 * `intervalS` > 0, periodically under the RUN context. Records how the rank's energy share is computed.
 * A run started with disable_codecarbon gets no carbon metrics, periodic or on demand.
 * When the samplers cannot start, the agent is told so (its waiting requests end) and the error is thrown.
 */
export async function startRankMetrics(agent: SampledRank, options: MetricsCollectorOptions, intervalS: number, log: (line: string) => void): Promise<RankMetrics> {
  let collector: MetricsCollector;
  try {
    collector = await MetricsCollector.start(options);
  } catch (error) {
    agent.attachSampler(null);
    throw error;
  }
  const reported = new Set<string>();
  const samplesOf = (snapshot: MetricsSnapshot): MetricSample[] => {
    for (const error of snapshot.errors) {
      // A node without a GPU tool says so once, not every interval.
      if (!reported.has(error)) log(`metrics: ${error}`);
      reported.add(error);
    }
    return [...snapshot.system, ...snapshot.gpu, ...(agent.carbonDisabled ? [] : snapshot.carbon)];
  };
  agent.attachSampler(sharedReadings(async (kind) => samplesOf(await collector.sample(kind))));
  agent.submit(collector.attributionRecord(Date.now()));
  let step = 0;
  const record = (snapshot: MetricsSnapshot) =>
    agent.submit({ kind: 'metrics', series: samplesToBatches(samplesOf(snapshot), RUN_CONTEXT, step++, Date.now()) });
  const periodic = intervalS > 0 ? startPeriodicSampling(collector, intervalS, record) : null;
  return {
    async stop() {
      // Every requested sample is recorded before the samplers close.
      await agent.samplesTaken();
      await periodic?.stop();
      if (periodic) record(await collector.sample('all'));
      await collector.close();
    },
  };
}

/**
 * Requests of a kind that arrive while a reading of it waits its turn share that reading: a program
 * calling log_system_metrics in a tight loop gets one batch per call (each with its own context and
 * step) without queueing one GPU tool run per call. At most one reading per kind waits.
 */
export function sharedReadings(take: Sampler): Sampler {
  const waiting = new Map<SampleKind, Promise<MetricSample[]>>();
  let queue: Promise<unknown> = Promise.resolve();
  return (kind) => {
    const queued = waiting.get(kind);
    if (queued !== undefined) return queued;
    const reading = queue.then(() => {
      waiting.delete(kind);
      return take(kind);
    });
    waiting.set(kind, reading);
    queue = reading.catch(() => undefined);
    return reading;
  };
}
