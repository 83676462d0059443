import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSeriesBatch } from '@prov4ml/prov-core';
import { SeriesTable } from '../src/api/series-table.js';
import { chunkSeries } from '../src/pipeline/batch-processor.js';

function copyOf(batch: MetricSeriesBatch): MetricSeriesBatch {
  return { ...batch, steps: batch.steps.slice(), values: batch.values.slice(), timestamps: batch.timestamps.slice() };
}

/** A table watched as the batch processor watches it, recording what it is told. */
function table(dueAt = 100, fullAt = Number.POSITIVE_INFINITY) {
  const handedOff: MetricSeriesBatch[] = [];
  let scheduled = 0;
  const series = new SeriesTable({ checkNewSeries: (_name, context) => context.toUpperCase() });
  series.watch({
    dueAt,
    fullAt,
    due: () => scheduled++,
    // The batches are views the table reuses: a consumer copies (or encodes) them before returning.
    full: () => handedOff.push(...series.drain().map(copyOf)),
  });
  return { series, handedOff, scheduled: () => scheduled };
}

test('points come out per (metric, context) in order, with canonical contexts', () => {
  const { series } = table();
  for (let i = 0; i < 10; i++) {
    series.append('loss', 'training', i * 0.5, i, 1000 + i, 'metric', '');
    series.append('acc', 'validation', i, i, 2000 + i, 'metric', '%');
  }
  const batches = series.drain();
  assert.equal(batches.length, 2);
  const loss = batches.find((b) => b.name === 'loss')!;
  assert.equal(loss.context, 'TRAINING');
  assert.deepEqual([...loss.values], [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
  assert.deepEqual([...loss.steps], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...loss.timestamps], [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
  const acc = batches.find((b) => b.name === 'acc')!;
  assert.equal(acc.unit, '%');
  assert.deepEqual(series.drain(), []);
});

test('the table tells its watcher once per drain when a series reaches the due mark (saveAfterNLogs), and decides nothing', () => {
  const { series, scheduled } = table(5);
  for (let i = 0; i < 12; i++) series.append('loss', 'TRAINING', i, i, 0, 'metric', '');
  assert.equal(scheduled(), 1);
  series.drain();
  for (let i = 0; i < 5; i++) series.append('loss', 'TRAINING', i, i, 0, 'metric', '');
  assert.equal(scheduled(), 2);
  assert.equal(series.drain()[0]!.values.length, 5, 'being due takes nothing out of the table');
});

test('a table nobody watches yet only buffers', () => {
  const series = new SeriesTable();
  for (let i = 0; i < 1000; i++) series.append('loss', 'TRAINING', i, i, 0, 'metric', '');
  assert.equal(series.drain()[0]!.values.length, 1000);
});

test('a series reuses its arrays across hand-offs: drained batches are views, not fresh memory', () => {
  const { series } = table();
  for (let i = 0; i < 10; i++) series.append('loss', 'TRAINING', i, i, 0, 'metric', '');
  const [first] = series.drain();
  const firstValues = [...first!.values];
  for (let i = 0; i < 5; i++) series.append('loss', 'TRAINING', 100 + i, 10 + i, 0, 'metric', '');
  const [second] = series.drain();
  assert.equal(second!.values.buffer, first!.values.buffer);
  assert.deepEqual([...second!.values], [100, 101, 102, 103, 104]);
  assert.deepEqual(firstValues, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('NaN and infinities are kept as values', () => {
  const { series } = table();
  series.append('loss', 'TRAINING', Number.NaN, 0, 0, 'metric', '');
  series.append('loss', 'TRAINING', Number.POSITIVE_INFINITY, 1, 0, 'metric', '');
  series.append('loss', 'TRAINING', Number.NEGATIVE_INFINITY, 2, 0, 'metric', '');
  const [loss] = series.drain();
  assert.ok(Number.isNaN(loss!.values[0]));
  assert.equal(loss!.values[1], Number.POSITIVE_INFINITY);
  assert.equal(loss!.values[2], Number.NEGATIVE_INFINITY);
});

test('a series that never yields is handed off synchronously at its bound, losing nothing', () => {
  const { series, handedOff } = table(Number.MAX_SAFE_INTEGER, 65_536);
  const total = 200_000;
  let sum = 0;
  for (let i = 0; i < total; i++) {
    series.append('loss', 'TRAINING', i, i, 0, 'metric', '');
    sum += i;
  }
  const all = [...handedOff, ...series.drain()];
  assert.ok(handedOff.length >= 2, 'the bound forced hand-offs');
  assert.deepEqual(handedOff.map((b) => b.values.length), [65_536, 65_536, 65_536], 'the full mark counts the points of the whole table');
  assert.equal(all.reduce((n, b) => n + b.values.length, 0), total);
  assert.equal(all.reduce((s, b) => s + b.values.reduce((a, v) => a + v, 0), 0), sum);
  const steps = all.flatMap((b) => [...b.steps]);
  assert.deepEqual(steps.slice(0, 3), [0, 1, 2]);
  assert.equal(steps.at(-1), total - 1);
});

test('chunkSeries splits long series across envelopes without losing or reordering points', () => {
  const make = (name: string, n: number): MetricSeriesBatch => ({
    name,
    context: 'TRAINING',
    source: 'metric',
    unit: '',
    steps: Float64Array.from({ length: n }, (_, i) => i),
    values: Float64Array.from({ length: n }, (_, i) => i * 2),
    timestamps: new Float64Array(n),
  });
  const chunks = chunkSeries([make('a', 25), make('b', 3), make('c', 12)], 10);
  assert.deepEqual(
    chunks.map((chunk) => chunk.map((s) => `${s.name}:${s.values.length}`)),
    [['a:10'], ['a:10'], ['a:5', 'b:3', 'c:2'], ['c:10']],
  );
  const a = chunks.flat().filter((s) => s.name === 'a').flatMap((s) => [...s.steps]);
  assert.deepEqual(a, Array.from({ length: 25 }, (_, i) => i));
});

test('the full mark counts the points of every series together, and a drain resets it', () => {
  const { series, handedOff } = table(Number.MAX_SAFE_INTEGER, 10);
  for (let i = 0; i < 12; i++) {
    series.append('loss', 'TRAINING', i, i, 0, 'metric', '');
    series.append('acc', 'TRAINING', i, i, 0, 'metric', '');
  }
  assert.deepEqual(handedOff.map((b) => `${b.name}:${b.values.length}`), ['loss:5', 'acc:5', 'loss:5', 'acc:5']);
  assert.deepEqual(series.drain().map((b) => `${b.name}:${b.values.length}`), ['loss:2', 'acc:2']);
});
