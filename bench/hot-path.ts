/**
 * The logging hot path: `logMetric` in a tight loop, amortised over every hand-off, seal and spool
 * write it causes, beside its limit measured in the same run — the same loop calling a non-inlined
 * function that stores value and step into preallocated Float64Arrays — and beside the peer a
 * TypeScript user would otherwise reach for, an OpenTelemetry histogram's `record`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Context, endRun, logMetric, startRun } from '@prov4ml/agent';
import { median } from './stats.js';

const CALLS = 5_000_000;
const ROUNDS = 3;

function storeLimitNs(): number {
  const values = new Float64Array(CALLS);
  const steps = new Float64Array(CALLS);
  // Kept out of line so the loop pays for a call, as it does for logMetric.
  const store = new Function('values', 'steps', 'i', 'value', 'step', 'values[i] = value; steps[i] = step;') as (
    values: Float64Array,
    steps: Float64Array,
    i: number,
    value: number,
    step: number,
  ) => void;
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) store(values, steps, i, i * 0.5, i);
  return Number(process.hrtime.bigint() - start) / CALLS;
}

async function logMetricNs(saveDir: string): Promise<number> {
  await startRun({ provUserNamespace: 'www.example.org', experimentName: 'bench_hot_path', provenanceSaveDir: saveDir });
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) logMetric('loss', i * 0.5, Context.TRAINING, i);
  const elapsed = Number(process.hrtime.bigint() - start) / CALLS;
  await endRun();
  return elapsed;
}

/** A reader that only collects on demand: with it the SDK really aggregates every recorded value. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function otelRecordNs(): Promise<number> {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  const histogram = provider.getMeter('bench').createHistogram('loss');
  // One attributes object for every call, OpenTelemetry's cheapest use (no allocation per call).
  const attributes = { context: Context.TRAINING };
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) histogram.record(i * 0.5, attributes);
  const elapsed = Number(process.hrtime.bigint() - start) / CALLS;
  await checkRecorded(reader, CALLS);
  await provider.shutdown();
  return elapsed;
}

/** Fails the bench if the histogram did not aggregate every value (a no-op SDK would look fast). */
async function checkRecorded(reader: MetricReader, expected: number): Promise<void> {
  const { resourceMetrics } = await reader.collect();
  const point = resourceMetrics.scopeMetrics[0]?.metrics[0];
  const count = point?.dataPointType === DataPointType.HISTOGRAM ? point.dataPoints[0]?.value.count : undefined;
  if (count !== expected) throw new Error(`bench: the OpenTelemetry histogram counted ${count} values, not ${expected}`);
}

export async function measureHotPath(): Promise<Record<string, number>> {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-hot-'));
  const hot: number[] = [];
  const limit: number[] = [];
  const otel: number[] = [];
  try {
    // Alternate the three so that drift on a shared machine hits them alike.
    for (let round = 0; round < ROUNDS; round++) {
      limit.push(storeLimitNs());
      hot.push(await logMetricNs(saveDir));
      otel.push(await otelRecordNs());
    }
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
  return { hot_path_ns: median(hot), hot_path_limit_ns: median(limit), hot_path_otel_ns: median(otel) };
}
