/**
 * Accumulates one rank's records, in sequence order, into what its document says: first run start, last
 * parameter values, series summaries, artifacts, datasets, final metrics, run end.
 */
import {
  DEFAULT_CSV_SEPARATOR,
  LoggingItemKind,
  DEFAULT_METRIC_FORMAT,
  METRIC_FILE_SUFFIXES,
  metricFileStem,
  type ArtifactRecord,
  type ContextRecord,
  type DatasetRecord,
  type Envelope,
  type FinalMetricRecord,
  type MetricSeriesBatch,
  type ParamRecord,
  type RankSummary,
  type SeriesSummary,
  type SourceCodeRecord,
} from '@prov4ml/prov-core';
import { MAX_SUMMARY_ENTRIES_PER_RANK } from '../limits.js';
import { StepClock, type StepTimes } from '../diagnostics/step-clock.js';
import type { FileNameRegistry } from './file-names.js';
import type { MetricFileSpec } from '../metric-files/metric-file-writer.js';

/**
 * What a rank's accumulator gathered: everything of its summary except the job, which is only known
 * once every rank is read. (Not the report's RankFacts, which is read back from a document.)
 */
export type AccumulatedRank = Omit<RankSummary, 'job'>;

/** What the cross-rank diagnostics need of a rank beyond its summary (diagnostics/ranks-compared.ts). */
export interface RankTiming {
  stepTimes: StepTimes;
  /** Mean of its `gpu_usage` samples; null when it has none. */
  gpuUsagePercent: number | null;
}

/** The sampler series whose mean is the rank's GPU use. */
const GPU_USAGE_METRIC = 'gpu_usage';

/** Receives each new series' file path (and the format of its rank's run), then every batch of points for it. */
export interface PointSink {
  create(relativePath: string, spec: MetricFileSpec): void;
  append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void>;
  /** The series' rank ended: its buffered points can go to the file now rather than at finalisation. */
  settle?(relativePath: string): void;
}

interface SeriesState extends SeriesSummary {
  /** Values that are not NaN: min and max are only meaningful when this is positive. */
  ordinaryCount: number;
}

export class RankAccumulator {
  readonly #rank: number;
  readonly #files: FileNameRegistry;
  readonly #sink: PointSink;
  readonly #params = new Map<string, ParamRecord>();
  readonly #series = new Map<string, SeriesState>();
  readonly #artifacts: ArtifactRecord[] = [];
  readonly #datasets = new Map<string, DatasetRecord>();
  readonly #finalMetrics = new Map<string, FinalMetricRecord>();
  readonly #contexts = new Map<string, ContextRecord>();
  readonly #sourceCode = new Map<string | null, SourceCodeRecord>();
  readonly #facts: Pick<AccumulatedRank, 'sender' | 'runStart' | 'runConfig' | 'runEnd' | 'carbonAttribution' | 'node' | 'firstSeenMs' | 'lastSeenMs' | 'missingFrames'>;
  readonly #stepClock = new StepClock();
  #gpuUsageSum = 0;
  #gpuUsageCount = 0;
  #lastSeq = 0;
  #entries = 0;
  #omitted = 0;

  constructor(rank: number, files: FileNameRegistry, sink: PointSink) {
    this.#rank = rank;
    this.#files = files;
    this.#sink = sink;
    this.#facts = { sender: null, runStart: null, runConfig: null, runEnd: null, carbonAttribution: null, node: null, firstSeenMs: null, lastSeenMs: null, missingFrames: 0 };
  }

  /** The sender this rank's records come from: the first one added. */
  get sender(): string | null {
    return this.#facts.sender;
  }

  /** Seq of the last envelope added; envelopes at or below it are duplicates. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Whether its run end has been read. */
  get ended(): boolean {
    return this.#facts.runEnd !== null;
  }

  /** Adds an envelope of this rank's sender whose seq is above {@link lastSeq}. */
  async add(envelope: Envelope): Promise<void> {
    const facts = this.#facts;
    facts.sender ??= envelope.sender;
    facts.missingFrames += envelope.seq - this.#lastSeq - 1;
    this.#lastSeq = envelope.seq;
    facts.firstSeenMs ??= envelope.sent;
    facts.lastSeenMs = envelope.sent;
    for (const record of envelope.records) {
      switch (record.kind) {
        case 'run_start':
          facts.runStart ??= record;
          break;
        case 'run_config':
          facts.runConfig ??= record;
          break;
        case 'run_end':
          facts.runEnd = record;
          break;
        case 'carbon_attribution':
          facts.carbonAttribution = record;
          break;
        case 'node':
          facts.node = record;
          break;
        case 'param':
          // One parameter per name and context (the newest API logs the same key in several contexts).
          this.#keyed(this.#params, record.context == null ? record.name : `${record.context}\u0000${record.name}`, record);
          break;
        case 'context':
          this.#keyed(this.#contexts, record.name, record);
          break;
        case 'source_code':
          this.#keyed(this.#sourceCode, record.path, record);
          break;
        case 'dataset':
          this.#keyed(this.#datasets, `${record.context}\u0000${record.label}`, record);
          break;
        case 'final_metric':
          this.#keyed(this.#finalMetrics, record.name, record);
          break;
        case 'artifact':
          if (this.#admit()) this.#artifacts.push(record);
          break;
        case 'metrics':
          for (const batch of record.series) await this.#addPoints(batch);
          break;
      }
    }
    // Written while other ranks still run, so finalisation does not write 16k ranks' points at once.
    if (envelope.records.some((record) => record.kind === 'run_end')) for (const series of this.#series.values()) this.#sink.settle?.(series.file);
  }

  accumulated(): AccumulatedRank {
    const series = [...this.#series.values()].map(({ ordinaryCount, ...summary }) =>
      ordinaryCount > 0 ? summary : { ...summary, min: null, max: null },
    );
    return {
      rank: this.#rank,
      ...this.#facts,
      params: [...this.#params.values()],
      series,
      artifacts: this.#artifacts,
      datasets: [...this.#datasets.values()],
      finalMetrics: [...this.#finalMetrics.values()],
      contexts: [...this.#contexts.values()],
      sourceCode: [...this.#sourceCode.values()],
      finished: this.#facts.runEnd !== null && this.#facts.missingFrames === 0,
      omittedEntries: this.#omitted,
    };
  }

  timing(): RankTiming {
    return { stepTimes: this.#stepClock.times(), gpuUsagePercent: this.#gpuUsageCount === 0 ? null : this.#gpuUsageSum / this.#gpuUsageCount };
  }

  async #addPoints(batch: MetricSeriesBatch): Promise<void> {
    const key = `${batch.context}\u0000${batch.name}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      if (!this.#admit()) return;
      // A rank's agent seals its run config as its first frame, so its format is known before any point.
      const config = this.#facts.runConfig;
      const format = config?.metricsFormat ?? DEFAULT_METRIC_FORMAT;
      const file = this.#files.claim(metricFileStem(batch.name, batch.context, this.#rank), METRIC_FILE_SUFFIXES[format]);
      series = {
        name: batch.name,
        context: batch.context,
        source: batch.source,
        unit: batch.unit,
        count: 0,
        nanCount: 0,
        ordinaryCount: 0,
        firstStep: null,
        lastStep: null,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        lastValue: null,
        firstTimestampMs: null,
        lastTimestampMs: null,
        file,
      };
      this.#series.set(key, series);
      this.#sink.create(file, {
        format,
        separator: config?.csvSeparator ?? DEFAULT_CSV_SEPARATOR,
        zarrCodec: config?.zarrCodec ?? 'zlib',
        name: batch.name,
        context: batch.context,
        unit: batch.unit,
        source: batch.source,
        rank: this.#rank,
      });
    }
    const n = batch.values.length;
    if (n === 0) return;
    summarise(series, batch.values);
    this.#time(batch);
    series.count += n;
    series.firstStep ??= batch.steps[0]!;
    series.firstTimestampMs ??= batch.timestamps[0]!;
    series.lastStep = batch.steps[n - 1]!;
    series.lastTimestampMs = batch.timestamps[n - 1]!;
    series.lastValue = batch.values[n - 1]!;
    await this.#sink.append(series.file, batch.steps, batch.values, batch.timestamps);
  }

  /** Feeds the step clock (user metrics) and the GPU use (its sampler's series). */
  #time(batch: MetricSeriesBatch): void {
    if (batch.source === LoggingItemKind.METRIC) this.#stepClock.add(batch.steps, batch.timestamps);
    if (batch.name !== GPU_USAGE_METRIC) return;
    for (const value of batch.values) {
      if (!Number.isFinite(value)) continue;
      this.#gpuUsageSum += value;
      this.#gpuUsageCount++;
    }
  }

  #keyed<K, T>(map: Map<K, T>, key: K, record: T): void {
    if (map.has(key) || this.#admit()) map.set(key, record);
  }

  /** Counts a new entry; false once the rank has MAX_SUMMARY_ENTRIES_PER_RANK of them. */
  #admit(): boolean {
    if (this.#entries < MAX_SUMMARY_ENTRIES_PER_RANK) {
      this.#entries++;
      return true;
    }
    this.#omitted++;
    return false;
  }
}

function summarise(series: SeriesState, values: Float64Array): void {
  let min = series.min as number;
  let max = series.max as number;
  let nan = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value !== value) nan++;
    else {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  series.min = min;
  series.max = max;
  series.nanCount += nan;
  series.ordinaryCount += values.length - nan;
}
