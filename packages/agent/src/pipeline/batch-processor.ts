import type { MetricSeriesBatch, EnvelopeRecord } from '@prov4ml/prov-core';
import {
  FLUSH_INTERVAL_MS,
  HEARTBEAT_INTERVAL_MS,
  MAX_PENDING_POINTS,
  MAX_POINTS_PER_ENVELOPE,
  MAX_RECORDS_PER_SEAL,
} from '../config/limits.js';

/** When records become an envelope: every rule the agent applies, in one object. */
export interface BatchPolicy {
  /**
   * The original's save_after_n_logs: a series with this many points pending makes a seal due, and a
   * due seal takes everything pending at the end of the current turn of the event loop (so a burst
   * logged in one turn, or received in one read of the channel, is one envelope, not one per series).
   */
  saveAfterNLogs: number;
  /** Everything pending is sealed at least this often. */
  flushIntervalMs: number;
  /** Points pending at which they are sealed at once, even inside a loop that never yields. */
  maxPendingPoints: number;
  /** Points in one envelope at most; a longer series is split across envelopes. */
  maxPointsPerEnvelope: number;
  /** Non-metric records in one envelope at most. */
  maxRecordsPerEnvelope: number;
  /** With nothing sealed for this long, an empty envelope is sealed, so that the aggregator sees the rank alive. */
  heartbeatIntervalMs: number;
}

/** The policy until the run's configuration names its saveAfterNLogs (see {@link BatchProcessor.start}). */
export const DEFAULT_BATCH_POLICY: Readonly<BatchPolicy> = Object.freeze({
  saveAfterNLogs: Number.POSITIVE_INFINITY,
  flushIntervalMs: FLUSH_INTERVAL_MS,
  maxPendingPoints: MAX_PENDING_POINTS,
  maxPointsPerEnvelope: MAX_POINTS_PER_ENVELOPE,
  maxRecordsPerEnvelope: MAX_RECORDS_PER_SEAL,
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
});

/**
 * Points a logging hot path keeps in this process (the API's series table). It decides nothing: it
 * tells its watcher when one of the watcher's marks is reached, and gives its points up on demand.
 */
export interface PendingPoints {
  /** Every pending point, as views valid until the next append: encode or copy them before returning. */
  drain(): MetricSeriesBatch[];
  watch(watcher: PendingPointsWatcher): void;
}

export interface PendingPointsWatcher {
  /** Points of one series at which {@link due} is called, once until the next drain. */
  readonly dueAt: number;
  /** Points of the whole table at which {@link full} is called, synchronously; it must drain the table. */
  readonly fullAt: number;
  due(): void;
  full(): void;
}

export interface BatchProcessorOptions {
  /** Receives the records of one envelope, in order. Called synchronously. */
  seal: (records: EnvelopeRecord[]) => void;
  /** The points of a logging hot path in this process, watched from {@link BatchProcessor.start} on. */
  pending?: PendingPoints;
  policy?: Partial<BatchPolicy>;
}

/**
 * The one owner of "when": every record of the rank (the in-process API's table, records from the local
 * channel, samples) becomes an envelope by the same {@link BatchPolicy}, so the same saveAfterNLogs gives
 * the same envelopes from TypeScript and from Python. It never sends; sealing hands the records to the
 * agent's pipeline (spool, then sender).
 */
export class BatchProcessor {
  private policy: BatchPolicy;
  private records: EnvelopeRecord[] = [];
  /** Run configs go ahead of the points sealed with them: a replay reads the CSV separator before any point. */
  private leading: EnvelopeRecord[] = [];
  private metrics: MetricSeriesBatch[] = [];
  private pendingPoints = 0;
  /** Points pending per series ('context\0name'), for saveAfterNLogs. */
  private readonly seriesPoints = new Map<string, number>();
  private lastSealAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private dueSeal: NodeJS.Immediate | undefined;

  constructor(private readonly options: BatchProcessorOptions) {
    this.policy = { ...DEFAULT_BATCH_POLICY, ...options.policy };
  }

  /**
   * Applies the run's policy (its saveAfterNLogs is known once the run is configured), starts watching
   * the hot path's points and the interval flush (unref'd: it never keeps a process alive).
   */
  start(policy: Partial<BatchPolicy> = {}): void {
    this.policy = { ...this.policy, ...policy };
    const { saveAfterNLogs, maxPendingPoints } = this.policy;
    this.options.pending?.watch({ dueAt: saveAfterNLogs, fullAt: maxPendingPoints, due: () => this.sealSoon(), full: () => this.flush() });
    this.timer ??= setInterval(() => {
      this.flush();
      if (Date.now() - this.lastSealAt >= this.policy.heartbeatIntervalMs) this.sealOne([]);
    }, this.policy.flushIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearImmediate(this.dueSeal);
    this.timer = undefined;
    this.dueSeal = undefined;
  }

  add(record: EnvelopeRecord): void {
    if (record.kind === 'metrics') {
      this.addMetrics(record.series);
      return;
    }
    (record.kind === 'run_config' ? this.leading : this.records).push(record);
    if (this.records.length >= this.policy.maxRecordsPerEnvelope) this.flush();
  }

  /**
   * Takes points; a batch that reaches maxPendingPoints is split exactly there and sealed at once, as
   * the hot path's table is at the same bound, so that both give the same envelopes.
   */
  addMetrics(batches: readonly MetricSeriesBatch[]): void {
    for (const batch of batches) {
      const n = batch.values.length;
      for (let offset = 0; offset < n; ) {
        const take = Math.min(this.policy.maxPendingPoints - this.pendingPoints, n - offset);
        this.take(offset === 0 && take === n ? batch : sliceBatch(batch, offset, offset + take));
        offset += take;
        if (this.pendingPoints >= this.policy.maxPendingPoints) this.flush();
      }
    }
  }

  /** Seals everything pending (the hot path's points included) into envelopes now. */
  flush(): void {
    const metrics = this.metrics;
    // Sealed below, before the table is appended to again: its views need no copy.
    if (this.options.pending) for (const batch of this.options.pending.drain()) metrics.push(batch);
    this.seriesPoints.clear();
    if (this.records.length === 0 && metrics.length === 0 && this.leading.length === 0) return;
    let leading = this.leading;
    const records = this.records;
    this.records = [];
    this.metrics = [];
    this.leading = [];
    this.pendingPoints = 0;
    for (const chunk of chunkSeries(joinSeries(metrics), this.policy.maxPointsPerEnvelope)) {
      this.sealOne([...leading, { kind: 'metrics', series: chunk }]);
      leading = [];
    }
    if (leading.length > 0) records.unshift(...leading);
    for (let i = 0; i < records.length; i += this.policy.maxRecordsPerEnvelope) {
      this.sealOne(records.slice(i, i + this.policy.maxRecordsPerEnvelope));
    }
  }

  private take(batch: MetricSeriesBatch): void {
    const n = batch.values.length;
    if (n === 0) return;
    this.metrics.push(batch);
    this.pendingPoints += n;
    const key = `${batch.context}\u0000${batch.name}`;
    const points = (this.seriesPoints.get(key) ?? 0) + n;
    this.seriesPoints.set(key, points);
    if (points >= this.policy.saveAfterNLogs) this.sealSoon();
  }

  /** A seal is due: it happens once the current turn ends, with everything pending by then. */
  private sealSoon(): void {
    this.dueSeal ??= setImmediate(() => {
      this.dueSeal = undefined;
      this.flush();
    });
  }

  private sealOne(records: EnvelopeRecord[]): void {
    this.lastSealAt = Date.now();
    this.options.seal(records);
  }
}

function sliceBatch(batch: MetricSeriesBatch, from: number, to: number): MetricSeriesBatch {
  return {
    ...batch,
    steps: batch.steps.subarray(from, to),
    values: batch.values.subarray(from, to),
    timestamps: batch.timestamps.subarray(from, to),
  };
}

/**
 * One batch per series, in the order series first appear: points of a series that arrived in several
 * messages (the channel's clients cut them to pace the socket) travel as the in-process table's do.
 */
export function joinSeries(batches: readonly MetricSeriesBatch[]): MetricSeriesBatch[] {
  const bySeries = new Map<string, MetricSeriesBatch[]>();
  for (const batch of batches) {
    const key = `${batch.context}\u0000${batch.name}\u0000${batch.source}\u0000${batch.unit}`;
    const parts = bySeries.get(key);
    if (parts === undefined) bySeries.set(key, [batch]);
    else parts.push(batch);
  }
  if (bySeries.size === batches.length) return [...batches];
  return [...bySeries.values()].map((parts) =>
    parts.length === 1
      ? parts[0]!
      : { ...parts[0]!, steps: concat(parts, 'steps'), values: concat(parts, 'values'), timestamps: concat(parts, 'timestamps') },
  );
}

function concat(parts: readonly MetricSeriesBatch[], key: 'steps' | 'values' | 'timestamps'): Float64Array {
  const joined = new Float64Array(parts.reduce((n, part) => n + part.values.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part[key], at);
    at += part.values.length;
  }
  return joined;
}

/** Groups series into envelopes of at most `maxPoints` points, splitting a long series across envelopes. */
export function chunkSeries(series: readonly MetricSeriesBatch[], maxPoints: number): MetricSeriesBatch[][] {
  const chunks: MetricSeriesBatch[][] = [];
  let current: MetricSeriesBatch[] = [];
  let room = maxPoints;
  for (const batch of series) {
    let offset = 0;
    while (offset < batch.values.length) {
      const take = Math.min(room, batch.values.length - offset);
      current.push(offset === 0 && take === batch.values.length ? batch : sliceBatch(batch, offset, offset + take));
      offset += take;
      room -= take;
      if (room === 0) {
        chunks.push(current);
        current = [];
        room = maxPoints;
      }
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
