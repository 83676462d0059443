import type { ContextName, MetricSeriesBatch } from '@prov4ml/prov-core';
import { MAX_SERIES_POINTS_BEFORE_HANDOFF } from '../config/limits.js';

const INITIAL_CAPACITY = 128;

/** The points of one (metric, context) not yet handed to the batcher, in growable typed arrays. */
class SeriesBuffer {
  steps: Float64Array = new Float64Array(INITIAL_CAPACITY);
  values: Float64Array = new Float64Array(INITIAL_CAPACITY);
  timestamps: Float64Array = new Float64Array(INITIAL_CAPACITY);
  length = 0;

  constructor(
    readonly name: string,
    readonly context: ContextName,
    readonly source: string,
    readonly unit: string,
  ) {}

  grow(): void {
    const capacity = this.steps.length * 2;
    this.steps = copyInto(new Float64Array(capacity), this.steps);
    this.values = copyInto(new Float64Array(capacity), this.values);
    this.timestamps = copyInto(new Float64Array(capacity), this.timestamps);
  }

  /**
   * The buffered points as a batch of views into this buffer, which then starts empty again and
   * reuses its arrays: the consumer encodes or copies the batch before the series is appended to
   * again. Reusing them keeps the hot path off fresh memory, whose page faults and zeroing cost more
   * than the copy itself.
   */
  drain(): MetricSeriesBatch {
    const n = this.length;
    this.length = 0;
    return {
      name: this.name,
      context: this.context,
      source: this.source,
      unit: this.unit,
      steps: this.steps.subarray(0, n),
      values: this.values.subarray(0, n),
      timestamps: this.timestamps.subarray(0, n),
    };
  }
}

function copyInto(target: Float64Array, source: Float64Array): Float64Array {
  target.set(source);
  return target;
}

export interface SeriesTableOptions {
  /** Points of one series after which a hand-off is scheduled (the original's save_after_n_logs). */
  handoffAfterPoints: number;
  /** Called at most once per hand-off cycle to ask for an asynchronous drain. */
  scheduleHandoff: () => void;
  /**
   * Called synchronously when a series is full inside a loop that never yields. The batches are views
   * (see {@link SeriesTable.drain}): encode or copy them before returning.
   */
  handoffNow: (batches: MetricSeriesBatch[]) => void;
  /**
   * Checks a (metric, context) the first time it is seen and returns the context's canonical name
   * (e.g. 'training' → 'TRAINING'); throws to refuse it. Later calls with the same strings skip it.
   */
  checkNewSeries?: (name: string, context: string) => ContextName;
}

/**
 * The logging hot path: one typed-array buffer per (metric, context), found through two map lookups
 * (with a one-entry cache for the common case of logging the same metric in a loop). No I/O, no
 * allocation per call; the batcher takes the points out with {@link drain}.
 */
export class SeriesTable {
  private readonly byName = new Map<string, Map<ContextName, SeriesBuffer>>();
  private lastName = '';
  private lastContext = '';
  private last: SeriesBuffer | undefined;
  private handoffScheduled = false;
  private readonly handoffAfter: number;

  constructor(private readonly options: SeriesTableOptions) {
    this.handoffAfter = Math.min(options.handoffAfterPoints, MAX_SERIES_POINTS_BEFORE_HANDOFF);
  }

  append(name: string, context: ContextName, value: number, step: number, time: number, source: string, unit: string): void {
    let series = this.last;
    if (series === undefined || name !== this.lastName || context !== this.lastContext) {
      series = this.lookup(name, context, source, unit);
    }
    let i = series.length;
    if (i === series.steps.length) {
      if (i >= MAX_SERIES_POINTS_BEFORE_HANDOFF) {
        this.options.handoffNow([series.drain()]);
        i = 0;
      } else {
        series.grow();
      }
    }
    series.steps[i] = step;
    series.values[i] = value;
    series.timestamps[i] = time;
    series.length = i + 1;
    if (i + 1 >= this.handoffAfter && !this.handoffScheduled) {
      this.handoffScheduled = true;
      this.options.scheduleHandoff();
    }
  }

  /**
   * Every buffered point, as batches; the table is empty afterwards. The batches are views into the
   * series' arrays, valid until the next append: encode or copy them before the program logs again.
   */
  drain(): MetricSeriesBatch[] {
    this.handoffScheduled = false;
    const batches: MetricSeriesBatch[] = [];
    for (const contexts of this.byName.values()) {
      for (const series of contexts.values()) {
        if (series.length > 0) batches.push(series.drain());
      }
    }
    return batches;
  }

  private lookup(name: string, context: ContextName, source: string, unit: string): SeriesBuffer {
    let contexts = this.byName.get(name);
    if (contexts === undefined) {
      contexts = new Map();
      this.byName.set(name, contexts);
    }
    let series = contexts.get(context);
    if (series === undefined) {
      const canonical = this.options.checkNewSeries?.(name, context) ?? context;
      series = new SeriesBuffer(name, canonical, source, unit);
      contexts.set(context, series);
    }
    this.lastName = name;
    this.lastContext = context;
    this.last = series;
    return series;
  }
}
