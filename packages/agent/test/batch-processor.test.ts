/** The batch processor, the one owner of "when": its policy, for the in-process table and for channel records alike. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSeriesBatch, EnvelopeRecord, RunConfigRecord } from '@prov4ml/prov-core';
import { SeriesTable } from '../src/api/series-table.js';
import { decodeClientMessage, encodeClientMessage } from '../src/channel/codec.js';
import { BatchProcessor, type BatchPolicy, type PendingPoints } from '../src/pipeline/batch-processor.js';

const config: RunConfigRecord = {
  kind: 'run_config',
  time: 1,
  provUserNamespace: 'www.example.org',
  experimentName: 'e',
  collectAllProcesses: false,
  saveAfterNLogs: 100,
  csvSeparator: ';',
};
const points = { name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: Float64Array.of(0, 1), values: Float64Array.of(1, 2), timestamps: Float64Array.of(5, 6) };

/** A table that only ever holds `batches`: what the processor takes from it at a flush. */
function fixedPending(batches: MetricSeriesBatch[]): PendingPoints {
  return { drain: () => batches.splice(0), watch: () => undefined };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** An envelope as plain data: each record's kind, and a metric record's series as name, steps and values. */
function describeEnvelope(records: EnvelopeRecord[]): unknown[] {
  return records.map((record) =>
    record.kind === 'metrics'
      ? { kind: 'metrics', series: record.series.map((s) => ({ name: s.name, context: s.context, steps: [...s.steps], values: [...s.values], timestamps: [...s.timestamps] })) }
      : { kind: record.kind },
  );
}

function recorder(policy: Partial<BatchPolicy>, pending?: PendingPoints) {
  const sealed: unknown[][] = [];
  // The seal encodes (here: copies) at once: the table's batches are views it reuses.
  const processor = new BatchProcessor({ seal: (records) => sealed.push(describeEnvelope(records)), ...(pending ? { pending } : {}) });
  processor.start(policy);
  return { processor, sealed };
}

/** The rows a program logs: `count` points of each named series, interleaved as a training loop logs them. */
function rowsOf(names: string[], count: number): Array<{ name: string; step: number; value: number; time: number }> {
  const rows = [];
  for (let i = 0; i < count; i++) for (const name of names) rows.push({ name, step: i, value: i * 0.5 + name.length, time: 1000 + Math.floor(i / 10) });
  return rows;
}

/** The TypeScript API's path: the rows appended to the table the processor watches, in one turn. */
function throughTable(policy: Partial<BatchPolicy>, rows: ReturnType<typeof rowsOf>) {
  const table = new SeriesTable();
  const run = recorder(policy, table);
  for (const row of rows) table.append(row.name, 'TRAINING', row.value, row.step, row.time, 'metric', '');
  return run;
}

/**
 * The local channel's path: the rows as a client sends them (one series record per name, in messages of
 * at most `perMessage` points, base64 columns through the real codec), all read in one turn.
 */
function throughChannel(policy: Partial<BatchPolicy>, rows: ReturnType<typeof rowsOf>, perMessage: number) {
  const run = recorder(policy);
  const names = [...new Set(rows.map((row) => row.name))];
  for (const name of names) {
    const mine = rows.filter((row) => row.name === name);
    for (let start = 0; start < mine.length; start += perMessage) {
      const part = mine.slice(start, start + perMessage);
      const series = {
        name,
        context: 'TRAINING',
        source: 'metric',
        unit: '',
        steps: Float64Array.from(part, (row) => row.step),
        values: Float64Array.from(part, (row) => row.value),
        timestamps: Float64Array.from(part, (row) => row.time),
      };
      const check = decodeClientMessage(JSON.parse(encodeClientMessage({ t: 'records', records: [{ kind: 'metrics', series: [series] }] })));
      assert.ok(check.ok && check.message.t === 'records');
      for (const record of check.message.records) run.processor.add(record);
    }
  }
  return run;
}

test('a run config is sealed ahead of the points flushed with it, in the first envelope', () => {
  const sealed: EnvelopeRecord[][] = [];
  const batcher = new BatchProcessor({ seal: (records) => sealed.push(records), pending: fixedPending([points]) });
  batcher.add({ kind: 'param', time: 2, name: 'lr', value: 0.1 });
  batcher.add(config);
  batcher.flush();
  assert.deepEqual(sealed.map((records) => records.map((record) => record.kind)), [['run_config', 'metrics'], ['param']]);
});

test('a run config with no points to lead is sealed before the other records', () => {
  const sealed: EnvelopeRecord[][] = [];
  const batcher = new BatchProcessor({ seal: (records) => sealed.push(records) });
  batcher.add({ kind: 'param', time: 2, name: 'lr', value: 0.1 });
  batcher.add(config);
  batcher.flush();
  batcher.flush();
  assert.deepEqual(sealed.map((records) => records.map((record) => record.kind)), [['run_config', 'param']]);
});

test('saveAfterNLogs: a series that reaches it is sealed, with everything pending, once the turn ends', async () => {
  const { processor, sealed } = throughTable({ saveAfterNLogs: 100 }, rowsOf(['loss', 'acc'], 150));
  assert.equal(sealed.length, 0, 'nothing is sealed inside the turn below the pending bound');
  await turn();
  assert.equal(sealed.length, 1);
  const [envelope] = sealed as [Array<{ series: Array<{ name: string; steps: number[] }> }>];
  assert.deepEqual(envelope[0]!.series.map((s) => `${s.name}:${s.steps.length}`), ['loss:150', 'acc:150']);
  processor.stop();
});

test('saveAfterNLogs: below it nothing is sealed until the interval or a flush', async () => {
  for (const run of [throughTable({ saveAfterNLogs: 100 }, rowsOf(['loss'], 99)), throughChannel({ saveAfterNLogs: 100 }, rowsOf(['loss'], 99), 40)]) {
    await turn();
    assert.equal(run.sealed.length, 0);
    run.processor.flush();
    assert.equal(run.sealed.length, 1);
    run.processor.stop();
  }
});

test('the same saveAfterNLogs gives the same envelopes from the in-process table and from channel records', async () => {
  const rows = rowsOf(['loss', 'acc'], 250);
  const table = throughTable({ saveAfterNLogs: 100 }, rows);
  const channel = throughChannel({ saveAfterNLogs: 100 }, rows, 4096);
  await turn();
  assert.equal(table.sealed.length, 1);
  assert.deepEqual(channel.sealed, table.sealed);
  table.processor.stop();
  channel.processor.stop();
});

test('the pending bound seals at once, inside a loop that never yields, at the same points on both paths', async () => {
  const policy = { saveAfterNLogs: 1_000_000, maxPendingPoints: 128 };
  const rows = rowsOf(['loss'], 300);
  const table = throughTable(policy, rows);
  // Channel messages cut elsewhere than the bound: the processor splits a batch at the bound itself.
  const channel = throughChannel(policy, rows, 100);
  const sizes = (sealed: unknown[][]) => sealed.map((records) => (records as Array<{ series: Array<{ steps: number[] }> }>)[0]!.series.map((s) => s.steps.length));
  assert.deepEqual(sizes(table.sealed), [[128], [128]], 'sealed synchronously, before the loop yields');
  assert.deepEqual(sizes(channel.sealed), [[128], [128]]);
  table.processor.flush();
  channel.processor.flush();
  assert.deepEqual(sizes(table.sealed), [[128], [128], [44]]);
  assert.deepEqual(channel.sealed, table.sealed);
  const steps = table.sealed.flatMap((records) => (records as Array<{ series: Array<{ steps: number[] }> }>)[0]!.series[0]!.steps);
  assert.deepEqual(steps, Array.from({ length: 300 }, (_, i) => i), 'no point lost or reordered');
  table.processor.stop();
  channel.processor.stop();
});

test('an envelope holds at most maxPointsPerEnvelope points and maxRecordsPerEnvelope other records', () => {
  const { processor, sealed } = throughChannel({ maxPointsPerEnvelope: 40 }, rowsOf(['loss'], 100), 4096);
  for (let i = 0; i < 5; i++) processor.add({ kind: 'param', time: i, name: `p${i}`, value: i });
  processor.flush();
  const shapes = sealed.map((records) => (records as Array<{ kind: string; series?: Array<{ steps: number[] }> }>).map((r) => (r.kind === 'metrics' ? r.series!.map((s) => s.steps.length).join('+') : r.kind)));
  assert.deepEqual(shapes, [['40'], ['40'], ['20'], ['param', 'param', 'param', 'param', 'param']]);
  processor.stop();

  const few = recorder({ maxRecordsPerEnvelope: 2 });
  for (let i = 0; i < 5; i++) few.processor.add({ kind: 'param', time: i, name: `p${i}`, value: i });
  assert.equal(few.sealed.length, 2, 'sealed as soon as an envelope is full');
  few.processor.flush();
  assert.deepEqual(few.sealed.map((records) => records.length), [2, 2, 1]);
  few.processor.stop();
});

test('the interval seals what is pending, and a quiet rank seals an empty heartbeat envelope', async () => {
  const { processor, sealed } = throughChannel({ flushIntervalMs: 5, heartbeatIntervalMs: 0 }, rowsOf(['loss'], 3), 4096);
  while (sealed.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  processor.stop();
  assert.deepEqual((sealed[0] as Array<{ series: Array<{ steps: number[] }> }>)[0]!.series[0]!.steps, [0, 1, 2]);
  assert.deepEqual(sealed.slice(1), Array.from({ length: sealed.length - 1 }, () => []), 'then only empty heartbeats');
});

test('stop() cancels a due seal: nothing is sealed after it', async () => {
  const { processor, sealed } = throughChannel({ saveAfterNLogs: 2 }, rowsOf(['loss'], 3), 4096);
  processor.stop();
  await turn();
  assert.equal(sealed.length, 0);
});
