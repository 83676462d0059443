import type { MetricSeriesBatch, ProvRecordData } from '@prov4ml/prov-core';
import {
  FLUSH_INTERVAL_MS,
  HEARTBEAT_INTERVAL_MS,
  MAX_PENDING_POINTS,
  MAX_POINTS_PER_ENVELOPE,
  MAX_RECORDS_PER_ENVELOPE,
} from '../config/limits.js';

export interface BatcherOptions {
  /** Receives the records of one envelope, in order. Called synchronously. */
  seal: (records: ProvRecordData[]) => void;
  /** Pulls points still held on the logging hot path (the API's series table) into this batch. */
  collectPending?: () => MetricSeriesBatch[];
  flushIntervalMs?: number;
  heartbeatIntervalMs?: number;
}

/**
 * Decides when records become an envelope: on an interval, when a bound is reached, or when asked.
 * It never sends; sealing hands the records to the agent's pipeline (spool, then sender).
 */
export class Batcher {
  private records: ProvRecordData[] = [];
  /** Run configs go ahead of the points sealed with them: a fold reads the CSV separator before any point. */
  private leading: ProvRecordData[] = [];
  private metrics: MetricSeriesBatch[] = [];
  private pendingPoints = 0;
  private lastSealAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BatcherOptions) {}

  /** Starts the interval flush (unref'd: it never keeps a process alive). */
  start(): void {
    const interval = this.options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    const heartbeat = this.options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.timer ??= setInterval(() => {
      this.flush();
      if (Date.now() - this.lastSealAt >= heartbeat) this.sealOne([]);
    }, interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  add(record: ProvRecordData): void {
    if (record.kind === 'metrics') {
      this.addMetrics(record.series);
      return;
    }
    (record.kind === 'run_config' ? this.leading : this.records).push(record);
    if (this.records.length >= MAX_RECORDS_PER_ENVELOPE) this.flush();
  }

  addMetrics(batches: readonly MetricSeriesBatch[]): void {
    this.take(batches);
    if (this.pendingPoints >= MAX_PENDING_POINTS) this.flush();
  }

  /** Seals everything pending (including the hot path's buffered points) into envelopes now. */
  flush(): void {
    if (this.options.collectPending) this.take(this.options.collectPending());
    if (this.records.length === 0 && this.metrics.length === 0 && this.leading.length === 0) return;
    let leading = this.leading;
    const records = this.records;
    const metrics = this.metrics;
    this.records = [];
    this.metrics = [];
    this.leading = [];
    this.pendingPoints = 0;
    for (const chunk of chunkSeries(metrics, MAX_POINTS_PER_ENVELOPE)) {
      this.sealOne([...leading, { kind: 'metrics', series: chunk }]);
      leading = [];
    }
    if (leading.length > 0) records.unshift(...leading);
    for (let i = 0; i < records.length; i += MAX_RECORDS_PER_ENVELOPE) {
      this.sealOne(records.slice(i, i + MAX_RECORDS_PER_ENVELOPE));
    }
  }

  private take(batches: readonly MetricSeriesBatch[]): void {
    for (const batch of batches) {
      if (batch.values.length === 0) continue;
      this.metrics.push(batch);
      this.pendingPoints += batch.values.length;
    }
  }

  private sealOne(records: ProvRecordData[]): void {
    this.lastSealAt = Date.now();
    this.options.seal(records);
  }
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
      current.push(
        offset === 0 && take === batch.values.length
          ? batch
          : {
              ...batch,
              steps: batch.steps.subarray(offset, offset + take),
              values: batch.values.subarray(offset, offset + take),
              timestamps: batch.timestamps.subarray(offset, offset + take),
            },
      );
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
