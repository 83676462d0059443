/**
 * The compact wire form of a metric batch's step and timestamp columns.
 *
 * Steps usually count up by one, and timestamps (the agent's millisecond clock) repeat while a loop
 * logs many points per millisecond, so both columns are mostly runs of arithmetic progressions. Such a
 * column travels as flat `[start, stride, count]` triples when that is at most half its raw size; else
 * as the raw float64s. Values always travel raw. Decoding is exact: each point of a run is the previous
 * one plus the stride, in float64, which is what the encoder checked every point against. The one
 * exception is a negative zero inside a run, which comes back as 0: no step or timestamp output (CSV,
 * PROV-JSON) tells them apart, and checking for it cost a third of the encoding time.
 */

import type { MetricSeriesBatch } from './records.js';

/** A column as runs of arithmetic progressions: `runs` holds `start, stride, count` for each run. */
export interface ProgressionColumn {
  runs: Float64Array;
}

export type WireColumn = Float64Array | ProgressionColumn;

/** Grown as needed and reused: encoding runs on the logging thread, which must not allocate per point. */
let scratch = new Float64Array(3 * 1024);

/** The smaller exact form of `column`: its runs when they take at most half its size, else the column itself. */
export function compactColumn(column: Float64Array): WireColumn {
  const n = column.length;
  const maxEntries = Math.floor(n / 2);
  if (maxEntries < 3) return column;
  if (scratch.length < maxEntries) scratch = new Float64Array(maxEntries);
  let entries = 0;
  let i = 0;
  while (i < n) {
    if (entries + 3 > maxEntries) return column;
    const start = column[i]!;
    let end = i + 1;
    let stride = 0;
    if (end < n) {
      stride = column[end]! - start;
      // Each point must be exactly the previous one plus the stride: the decoder adds the same way.
      let previous = start;
      while (end < n) {
        const value = column[end]!;
        if (previous + stride !== value) break;
        previous = value;
        end++;
      }
      if (end === i + 1) stride = 0;
    }
    scratch[entries] = start;
    scratch[entries + 1] = stride;
    scratch[entries + 2] = end - i;
    entries += 3;
    i = end;
  }
  return { runs: scratch.slice(0, entries) };
}

/** A wire column whose shape is checked: its raw points, or runs that describe exactly the points wanted. */
export type CheckedColumn = { raw: Float64Array } | ProgressionColumn;

/**
 * Checks that a wire column describes exactly `length` points, or says why not. A run list can never
 * describe more points than `length`, which the raw values column bounds; nothing is expanded here.
 */
export function checkColumn(column: unknown, length: number): CheckedColumn | string {
  if (column instanceof Float64Array) return column.length === length ? { raw: column } : `has ${column.length} points, not ${length}`;
  if (typeof column !== 'object' || column === null || !((column as ProgressionColumn).runs instanceof Float64Array)) {
    return 'is neither a Float64Array nor runs';
  }
  const runs = (column as ProgressionColumn).runs;
  if (runs.length % 3 !== 0) return 'has runs that are not start, stride, count triples';
  let total = 0;
  for (let r = 2; r < runs.length; r += 3) {
    const count = runs[r]!;
    if (!Number.isSafeInteger(count) || count < 1) return `has a run of ${count} points`;
    total += count;
    if (total > length) break;
  }
  if (total !== length) return `has runs of ${total > length ? 'more than ' : ''}${total} points, not ${length}`;
  return { runs };
}

/** The points of a checked run list (see {@link checkColumn}). */
export function expandRuns(runs: Float64Array, length: number): Float64Array {
  const expanded = new Float64Array(length);
  let at = 0;
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r]!;
    const stride = runs[r + 1]!;
    const count = runs[r + 2]!;
    let value = start;
    expanded[at] = value;
    for (let k = 1; k < count; k++) expanded[at + k] = value += stride;
    at += count;
  }
  return expanded;
}

type IndexColumnName = 'steps' | 'timestamps';

/** The runs behind each column defined by {@link defineRunColumn}, by batch. */
const runsOfBatches = new WeakMap<object, Partial<Record<IndexColumnName, Float64Array>>>();

/**
 * Defines `batch[key]` as the points of checked `runs`, expanded when first read: the aggregator's
 * receive loop only checks a frame, and a fold reads it later. The runs are remembered, so that
 * encoding the batch again (a wrapper forwarding what its program sent) sends them as they came.
 */
export function defineRunColumn(batch: object, key: IndexColumnName, runs: Float64Array, length: number): void {
  let points: Float64Array | undefined;
  // Not configurable, and without a setter: the column can never change, so its runs stay true.
  Object.defineProperty(batch, key, { enumerable: true, configurable: false, get: () => (points ??= expandRuns(runs, length)) });
  runsOfBatches.set(batch, { ...runsOfBatches.get(batch), [key]: runs });
}

/** The compact form of a batch's step or timestamp column: the runs it was decoded from, if any. */
export function compactBatchColumn(batch: MetricSeriesBatch, key: IndexColumnName): WireColumn {
  const runs = runsOfBatches.get(batch)?.[key];
  return runs === undefined ? compactColumn(batch[key]) : { runs };
}
