import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinMaxDownsampler, downsampleSeries } from '../src/downsample.js';
import { MAX_LINES_PER_PLOT, MAX_REPORT_VERTICES, MIN_BUCKETS_PER_LINE, buildPlots } from '../src/plots.js';
import { linearScale, logScale } from '../src/scale.js';
import type { SeriesSource } from '../src/run-contents.js';

function source(rank: number, name: string, values: readonly number[], steps?: readonly number[]): SeriesSource {
  return {
    rank, name, context: 'TRAINING', unit: '', lastValue: null,
    async forEachPoint(visit) {
      values.forEach((value, i) => visit(steps?.[i] ?? i, value));
    },
  };
}

test('min/max downsampling keeps every spike and at most two vertices per bucket', async () => {
  const values = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 500));
  values[12_345] = 50;
  values[67_890] = -40;
  const result = await downsampleSeries(source(0, 'wave', values), 100);
  assert.ok(result.values.length <= 200, `${result.values.length} vertices`);
  assert.equal(Math.max(...result.values), 50);
  assert.equal(Math.min(...result.values), -40);
  assert.equal(result.steps[result.values.indexOf(50)], 12_345);
  assert.equal(result.pointCount, 100_000);
  assert.equal(result.max, 50);
  assert.equal(result.min, -40);
  assert.equal(result.last, values[99_999]);
  // Vertices come in step order, so the line never runs backwards.
  for (let i = 1; i < result.steps.length; i++) assert.ok((result.steps[i] as number) >= (result.steps[i - 1] as number));
});

test('NaN and infinities are counted, not drawn, and break the line where they occur', () => {
  const downsampler = new MinMaxDownsampler(0, 9, 10);
  [1, 2, Number.NaN, 4, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 7, 8, 9, 10].forEach((value, step) => downsampler.add(step, value));
  const result = downsampler.result();
  assert.equal(result.nanCount, 1);
  assert.equal(result.infiniteCount, 2);
  assert.deepEqual(result.values.map((value) => (Number.isNaN(value) ? 'break' : value)), [1, 2, 'break', 4, 'break', 7, 8, 9, 10]);
  assert.equal(result.min, 1);
  assert.equal(result.max, 10);
  assert.equal(result.minPositive, 1);
});

test('the last value is the one at the largest step, whatever the order of logging', async () => {
  const result = await downsampleSeries(source(0, 'shuffled', [5, 9, 7], [2, 10, 4]), 8);
  assert.equal(result.last, 9);
  assert.deepEqual(result.steps, [2, 4, 10]);
});

test('a series with one step (or none) still gets a usable range', async () => {
  const single = await downsampleSeries(source(0, 'one', [0.25, 0.5], [3, 3]), 10);
  assert.deepEqual(single.values, [0.25, 0.5]);
  const empty = await downsampleSeries(source(0, 'none', []), 10);
  assert.deepEqual([empty.values.length, empty.min, empty.last], [0, null, null]);
});

test('linear ticks are round and label with enough digits to differ; log ticks are decades', () => {
  const linear = linearScale(24.92452, 24.92468, [0, 100]);
  const labels = linear.ticks.map((tick) => linear.label(tick));
  assert.equal(new Set(labels).size, labels.length, labels.join(' '));
  assert.ok(linear.domain[0] <= 24.92452 && linear.domain[1] >= 24.92468);
  const steps = linearScale(0, 0, [0, 100], { integerTicks: true });
  assert.ok(steps.ticks.every(Number.isInteger), steps.ticks.join(' '));
  const log = logScale(0.002, 30, [100, 0]);
  assert.deepEqual(log.ticks, [0.001, 0.01, 0.1, 1, 10, 100]);
  assert.equal(log.at(0.001), 100);
  assert.equal(log.at(100), 0);
  assert.ok(Number.isNaN(log.at(0)));
});

test('the page budget bounds vertices and lines however many series a run has', async () => {
  const series: SeriesSource[] = [];
  const ranks = MAX_LINES_PER_PLOT + 6;
  const metrics = 60;
  for (let metric = 0; metric < metrics; metric++) {
    for (let rank = 0; rank < ranks; rank++) series.push(source(rank, `m${metric}`, Array.from({ length: 2_000 }, (_, i) => Math.cos(i + rank))));
  }
  const { plots, notes } = await buildPlots(series);
  const lines = plots.flatMap((plot) => plot.lines);
  const vertices = lines.reduce((sum, line) => sum + line.series.values.length, 0);
  assert.ok(vertices <= MAX_REPORT_VERTICES, `${vertices} vertices`);
  assert.ok(plots.every((plot) => plot.lines.length <= MAX_LINES_PER_PLOT));
  assert.deepEqual(plots[0]?.omittedRanks, [64, 65, 66, 67, 68, 69]);
  assert.equal(lines.length, Math.floor(MAX_REPORT_VERTICES / (2 * MIN_BUCKETS_PER_LINE)));
  const plotted = plots.length + notes.filter((note) => note.includes('not plotted')).length;
  assert.equal(plotted, metrics);
  assert.ok(lines.every((line) => line.series.values.length <= 2 * MIN_BUCKETS_PER_LINE));
});
