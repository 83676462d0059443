/**
 * What `watch` knows of one rank, folded from the envelopes of its received log as they arrive: host,
 * start, end, point counts and rates, each series' last value and sparkline, energy and CO2 so far.
 * Memory is bounded per series (the sparkline's buckets) and by the rate window, never by the points.
 */
import { LoggingItemKind, type Envelope, type MetricSeriesBatch, type RunEndRecord } from '@prov4ml/prov-core';
import { EMISSIONS_METRIC, ENERGY_METRIC, StepClock, type RankTimingInput } from '@prov4ml/aggregator';
import { RATE_WINDOW_MS } from './limits.js';
import { SparkSeries } from './sparkline.js';

/** Sources a program's own log_metric calls carry; samplers name their instrument ('procfs', 'rapl', …). */
const USER_SOURCES: ReadonlySet<string> = new Set(
  Object.values(LoggingItemKind).filter((kind) => kind !== LoggingItemKind.SYSTEM_METRIC && kind !== LoggingItemKind.CARBON_METRIC),
);

const GPU_USAGE_METRIC = 'gpu_usage';

export interface SeriesTrack {
  readonly name: string;
  readonly context: string;
  readonly unit: string;
  readonly user: boolean;
  points: number;
  last: number;
  readonly spark: SparkSeries;
}

/** (time, step reached, points so far) after an envelope: what rates are computed from. */
interface Checkpoint {
  readonly ms: number;
  readonly step: number;
  readonly points: number;
}

export interface Rates {
  readonly pointsPerS: number | null;
  readonly stepsPerS: number | null;
}

export class RankWatch {
  host: string | null = null;
  startMs: number | null = null;
  end: RunEndRecord | null = null;
  job: string | null = null;
  worldSize = 0;
  /** Every metric point received, user metrics and samples. */
  points = 0;
  /** Latest point timestamp (epoch ms). */
  lastPointMs: number | null = null;
  /** Latest time a frame of this rank was sealed, per its envelope (epoch ms). */
  lastSentMs: number | null = null;
  /** Series in the order they first appeared. */
  readonly series = new Map<string, SeriesTrack>();
  #maxStep = Number.NEGATIVE_INFINITY;
  #checkpoints: Checkpoint[] = [];
  /** The envelope being added: its oldest and newest point timestamps, its lowest user step. */
  #oldestMs = Number.POSITIVE_INFINITY;
  #newestMs = Number.NEGATIVE_INFINITY;
  #firstStep = Number.POSITIVE_INFINITY;
  /** The step clock of "Ranks compared" (aggregator `diagnostics/`): kept only when asked, it costs 16 bytes a step. */
  readonly #clock: StepClock | null;
  #clocked = false;
  #gpuSum = 0;
  #gpuCount = 0;

  constructor(readonly rank: number, options: { stepClock: boolean }) {
    this.#clock = options.stepClock ? new StepClock() : null;
  }

  add(envelope: Envelope): void {
    this.job ??= envelope.job;
    this.worldSize = Math.max(this.worldSize, envelope.worldSize);
    this.lastSentMs = Math.max(this.lastSentMs ?? envelope.sent, envelope.sent);
    this.#oldestMs = Number.POSITIVE_INFINITY;
    this.#newestMs = Number.NEGATIVE_INFINITY;
    this.#firstStep = Number.POSITIVE_INFINITY;
    for (const record of envelope.records) {
      if (record.kind === 'run_start') {
        this.host = record.hostname;
        this.startMs = Math.min(this.startMs ?? record.time, record.time);
      } else if (record.kind === 'run_end') this.end = record;
      else if (record.kind === 'metrics') for (const batch of record.series) this.#addBatch(batch);
    }
    const newestMs = this.#newestMs;
    if (newestMs === Number.NEGATIVE_INFINITY) return;
    // The first envelope also marks where the rank's points began, so its rates show from its first frame on.
    if (this.#checkpoints.length === 0 && this.#oldestMs < newestMs) {
      this.#checkpoints.push({ ms: this.#oldestMs, step: Number.isFinite(this.#firstStep) ? this.#firstStep : Number.NEGATIVE_INFINITY, points: 0 });
    }
    this.lastPointMs = Math.max(this.lastPointMs ?? newestMs, newestMs);
    this.#checkpoint({ ms: this.lastPointMs, step: this.#maxStep, points: this.points });
  }

  /** Rates over the last {@link RATE_WINDOW_MS} of this rank's own timestamps (so a finished run reads the same forever). */
  rates(): Rates {
    const last = this.#checkpoints.at(-1);
    const first = this.#checkpoints[0];
    if (last === undefined || first === undefined || last.ms <= first.ms) return { pointsPerS: null, stepsPerS: null };
    const seconds = (last.ms - first.ms) / 1000;
    const stepped = Number.isFinite(first.step) && Number.isFinite(last.step);
    return { pointsPerS: (last.points - first.points) / seconds, stepsPerS: stepped ? (last.step - first.step) / seconds : null };
  }

  /** energy_consumed's total so far (J); null when never sampled. */
  energyJ(): number | null {
    return this.total(ENERGY_METRIC);
  }

  /** emissions' total so far (gCO2eq); null when never sampled. */
  co2G(): number | null {
    return this.total(EMISSIONS_METRIC);
  }

  /** What `compareRanks` needs of this rank; `finalised`: a rank without a run end never ended cleanly. */
  timingInput(finalised: boolean): RankTimingInput {
    return {
      rank: this.rank,
      node: this.host,
      stepTimes: this.#clock !== null && this.#clocked ? this.#clock.times() : null,
      energyJ: this.energyJ(),
      emissionsG: this.co2G(),
      gpuUsagePercent: this.#gpuCount === 0 ? null : this.#gpuSum / this.#gpuCount,
      exitCode: this.end?.exitCode ?? null,
      signal: this.end?.signal ?? null,
      clean: this.end?.clean ?? (finalised ? false : null),
    };
  }

  /** Largest last value of a cumulative series over its contexts; null when never sampled. */
  total(name: string): number | null {
    let total: number | null = null;
    for (const track of this.series.values()) if (track.name === name && Number.isFinite(track.last)) total = Math.max(total ?? track.last, track.last);
    return total;
  }

  /** The context of `name` with the most points (a metric logged in TRAINING and VALIDATION shows the busier one). */
  track(name: string): SeriesTrack | null {
    let best: SeriesTrack | null = null;
    for (const track of this.series.values()) if (track.name === name && (best === null || track.points > best.points)) best = track;
    return best;
  }

  #addBatch(batch: MetricSeriesBatch): void {
    const key = `${batch.name}\u0000${batch.context}`;
    let track = this.series.get(key);
    if (track === undefined) {
      track = { name: batch.name, context: batch.context, unit: batch.unit, user: USER_SOURCES.has(batch.source), points: 0, last: Number.NaN, spark: new SparkSeries() };
      this.series.set(key, track);
    }
    const { steps, values, timestamps } = batch;
    const count = values.length;
    if (count === 0) return;
    for (let index = 0; index < count; index++) track.spark.add(values[index]!);
    if (track.user) {
      for (let index = 0; index < count; index++) {
        if (steps[index]! > this.#maxStep) this.#maxStep = steps[index]!;
        if (steps[index]! < this.#firstStep) this.#firstStep = steps[index]!;
      }
    }
    if (this.#clock !== null && batch.source === LoggingItemKind.METRIC) {
      this.#clock.add(steps, timestamps);
      this.#clocked = true;
    }
    if (batch.name === GPU_USAGE_METRIC) {
      for (let index = 0; index < count; index++) {
        if (!Number.isFinite(values[index]!)) continue;
        this.#gpuSum += values[index]!;
        this.#gpuCount++;
      }
    }
    track.points += count;
    track.last = values[count - 1]!;
    this.points += count;
    for (let index = 0; index < count; index++) {
      if (timestamps[index]! > this.#newestMs) this.#newestMs = timestamps[index]!;
      if (timestamps[index]! < this.#oldestMs) this.#oldestMs = timestamps[index]!;
    }
  }

  #checkpoint(point: Checkpoint): void {
    this.#checkpoints.push(point);
    // Keep the newest checkpoint at or before the window's start, so the window is covered whole.
    const start = point.ms - RATE_WINDOW_MS;
    let drop = 0;
    while (drop + 1 < this.#checkpoints.length && this.#checkpoints[drop + 1]!.ms <= start) drop++;
    if (drop > 0) this.#checkpoints.splice(0, drop);
  }
}
