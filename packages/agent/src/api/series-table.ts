import type { ContextName, MetricSeriesBatch } from '@prov4ml/prov-core';
import type { PendingPoints, PendingPointsWatcher } from '../pipeline/batch-processor.js';

const INITIAL_CAPACITY = 128;

/** The points of one (metric, context) not yet taken by the table's watcher, in growable typed arrays. */
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
  /**
   * Checks a (metric, context) the first time it is seen and returns the context's canonical name
   * (e.g. 'training' → 'TRAINING'); throws to refuse it. Later calls with the same strings skip it.
   */
  checkNewSeries?: (name: string, context: string) => ContextName;
}

/** Until a watcher is set, no mark is ever reached (nothing logs before the run's sink has set one). */
const UNWATCHED: PendingPointsWatcher = { dueAt: Number.POSITIVE_INFINITY, fullAt: Number.POSITIVE_INFINITY, due: () => undefined, full: () => undefined };

/**
 * The logging hot path: one typed-array buffer per (metric, context), found through two map lookups
 * (with a one-entry cache for the common case of logging the same metric in a loop). No I/O, no
 * allocation per call. It decides nothing: its watcher (the agent's batch processor, or the pacer of
 * the local channel) sets the marks at which it is told, and takes the points out with {@link drain}.
 */
export class SeriesTable implements PendingPoints {
  private readonly byName = new Map<string, Map<ContextName, SeriesBuffer>>();
  private lastName = '';
  private lastContext = '';
  private last: SeriesBuffer | undefined;
  private watcher = UNWATCHED;
  /** The watcher's due mark until it is reached, then infinite until the next drain. */
  private dueAt = UNWATCHED.dueAt;
  /** Points until the watcher's full mark. */
  private room = UNWATCHED.fullAt;

  constructor(private readonly options: SeriesTableOptions = {}) {}

  watch(watcher: PendingPointsWatcher): void {
    this.watcher = watcher;
    this.dueAt = watcher.dueAt;
    this.room = watcher.fullAt - this.pendingPoints();
    if (this.room <= 0) watcher.full();
  }

  append(name: string, context: ContextName, value: number, step: number, time: number, source: string, unit: string): void {
    let series = this.last;
    if (series === undefined || name !== this.lastName || context !== this.lastContext) {
      series = this.lookup(name, context, source, unit);
    }
    const i = series.length;
    if (i === series.steps.length) series.grow();
    series.steps[i] = step;
    series.values[i] = value;
    series.timestamps[i] = time;
    series.length = i + 1;
    if (i + 1 >= this.dueAt) {
      this.dueAt = Number.POSITIVE_INFINITY;
      this.watcher.due();
    }
    // Inside a loop that never yields this is where points leave: the watcher drains the table now.
    if (--this.room === 0) this.watcher.full();
  }

  /**
   * Every buffered point, as batches; the table is empty afterwards. The batches are views into the
   * series' arrays, valid until the next append: encode or copy them before the program logs again.
   */
  drain(): MetricSeriesBatch[] {
    this.dueAt = this.watcher.dueAt;
    this.room = this.watcher.fullAt;
    const batches: MetricSeriesBatch[] = [];
    for (const contexts of this.byName.values()) {
      for (const series of contexts.values()) {
        if (series.length > 0) batches.push(series.drain());
      }
    }
    return batches;
  }

  private pendingPoints(): number {
    let points = 0;
    for (const contexts of this.byName.values()) for (const series of contexts.values()) points += series.length;
    return points;
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
