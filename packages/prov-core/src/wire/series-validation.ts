/**
 * Validation of a metric series batch, the bulk of what ranks send: its step and timestamp columns are
 * checked point by point (or run by run) at millions of points a second.
 */
import { defineRunColumn, type CheckedColumn } from './column-codec.js';
import type { MetricSeriesBatch } from './records.js';
import { column, context, fail, float64, name, plainObject, text } from './field-checks.js';

/** Longest `source` of a series (the sampler or API that produced it). */
const MAX_SOURCE_LENGTH = 256;

/**
 * One series of a metrics record: its values, and its steps and timestamps raw or as runs, one per value.
 * `pointsChecked`: the points were checked when these bytes were received (see ValidationOptions).
 */
export function seriesBatch(raw: unknown, at: string, pointsChecked: boolean): MetricSeriesBatch {
  const o = plainObject(raw, at);
  const values = float64(o, 'values', at);
  const steps = column(o, 'steps', values.length, at);
  const timestamps = column(o, 'timestamps', values.length, at);
  if (!pointsChecked) checkPoints(steps, timestamps, at);
  const batch = {
    name: name(o, 'name', at),
    context: context(o, at),
    source: text(o, 'source', at, MAX_SOURCE_LENGTH),
    unit: text(o, 'unit', at, 64),
  } as MetricSeriesBatch;
  defineColumn(batch, 'steps', steps, values.length);
  Object.assign(batch, { values });
  defineColumn(batch, 'timestamps', timestamps, values.length);
  return batch;
}

function checkPoints(steps: CheckedColumn, timestamps: CheckedColumn, at: string): void {
  const badStep = 'raw' in steps ? firstNonInteger(steps.raw) : firstRunOf(steps.runs, runOfSafeIntegers);
  if (badStep >= 0) fail(`${at}.steps ${'raw' in steps ? 'point' : 'run'} ${badStep}: not a safe integer`);
  const badTime = 'raw' in timestamps ? firstNonFinite(timestamps.raw) : firstRunOf(timestamps.runs, runOfFiniteNumbers);
  if (badTime >= 0) fail(`${at}.timestamps ${'raw' in timestamps ? 'point' : 'run'} ${badTime}: not finite`);
}

function defineColumn(batch: MetricSeriesBatch, key: 'steps' | 'timestamps', column: CheckedColumn, length: number): void {
  if ('raw' in column) Object.assign(batch, { [key]: column.raw });
  else defineRunColumn(batch, key, column.runs, length);
}

/*
 * The point checks below run over millions of points per second, so they only count in the loop (a
 * loop that can throw with a message is several times slower in V8) and look for the index afterwards.
 */

function firstNonInteger(steps: Float64Array): number {
  let bad = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    // Math.floor(NaN) is not NaN.
    bad += Math.floor(step) !== step || step > Number.MAX_SAFE_INTEGER || step < -Number.MAX_SAFE_INTEGER ? 1 : 0;
  }
  return bad === 0 ? -1 : steps.findIndex((step) => !Number.isSafeInteger(step));
}

function firstNonFinite(timestamps: Float64Array): number {
  let bad = 0;
  // t - t is 0 only for a finite t.
  for (let i = 0; i < timestamps.length; i++) bad += timestamps[i]! - timestamps[i]! !== 0 ? 1 : 0;
  return bad === 0 ? -1 : timestamps.findIndex((timestamp) => !Number.isFinite(timestamp));
}

/** Index of the first run (start, stride, count) that fails `check`, or -1. */
function firstRunOf(runs: Float64Array, check: (start: number, stride: number, count: number) => boolean): number {
  for (let r = 0; r < runs.length; r += 3) if (!check(runs[r]!, runs[r + 1]!, runs[r + 2]!)) return r / 3;
  return -1;
}

/**
 * Every point of the run is a safe integer. The points lie between the first and the last, and adding
 * an integer stride to a safe integer is exact while the result stays safe, so checking the last point
 * checks them all. (Only a stride beyond 2^32 can make its computation round, by one, and only next to
 * 2^53.)
 */
function runOfSafeIntegers(start: number, stride: number, count: number): boolean {
  return Number.isSafeInteger(start) && Number.isSafeInteger(stride) && Number.isSafeInteger(start + stride * (count - 1));
}

/** Every point of the run is finite: it lies between the first and the last, which is far from overflowing. */
function runOfFiniteNumbers(start: number, stride: number, count: number): boolean {
  return Number.isFinite(start) && Number.isFinite(stride) && Math.abs(start) + Math.abs(stride) * count < Number.MAX_VALUE / 2;
}
