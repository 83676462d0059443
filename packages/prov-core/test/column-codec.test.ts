import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { decodeEnvelope, encodeEnvelope, PROTOCOL_VERSION, type Envelope, type MetricSeriesBatch } from '@prov4ml/prov-core';
import { checkColumn, compactColumn, expandRuns, type ProgressionColumn } from '../src/wire/column-codec.js';

/** The points a wire column describes, or why it cannot describe `length` of them. */
function expandColumn(column: unknown, length: number): Float64Array | string {
  const checked = checkColumn(column, length);
  if (typeof checked === 'string') return checked;
  return 'raw' in checked ? checked.raw : expandRuns(checked.runs, length);
}

const plainPackr = new Packr({ useRecords: false, moreTypes: true });

/** Exact equality, telling -0 from 0 and NaN equal to NaN. */
function assertSameColumn(actual: Float64Array, expected: Float64Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `point ${i}: ${actual[i]} vs ${expected[i]}`);
}

function roundTrip(column: Float64Array): Float64Array {
  const expanded = expandColumn(compactColumn(column), column.length);
  assert.ok(typeof expanded !== 'string', String(expanded));
  return expanded;
}

test('steps that count up and timestamps that repeat travel as a few runs and come back exactly', () => {
  const steps = Float64Array.from({ length: 65_536 }, (_, i) => 1000 + i);
  const compactSteps = compactColumn(steps) as ProgressionColumn;
  assert.deepEqual([...compactSteps.runs], [1000, 1, 65_536]);
  assertSameColumn(roundTrip(steps), steps);
  // Four milliseconds of a loop that logs 10,000 points per millisecond.
  const timestamps = Float64Array.from({ length: 40_000 }, (_, i) => 1_700_000_000_000 + Math.floor(i / 10_000));
  const compactTimes = compactColumn(timestamps) as ProgressionColumn;
  assert.equal(compactTimes.runs.length, 4 * 3);
  assertSameColumn(roundTrip(timestamps), timestamps);
});

test('a column without runs stays raw (the same array), and every odd float comes back bit for bit', () => {
  const random = Float64Array.from({ length: 1000 }, () => Math.random() * 1e6);
  assert.equal(compactColumn(random), random);
  const odd = new Float64Array([-0, 0, 0, 0, Number.NaN, Number.NaN, Infinity, Infinity, -Infinity, 0.1, 0.2, 0.30000000000000004, 5e-324, 1.7976931348623157e308]);
  assertSameColumn(roundTrip(odd), odd);
  // A negative zero inside a run comes back as 0 (no output tells them apart); as a run's start it stays.
  const counting = Array.from({ length: 20 }, (_, k) => 5 + 4 * k);
  assert.ok('runs' in compactColumn(new Float64Array([-0, -0, -0, -0, ...counting])));
  assertSameColumn(roundTrip(new Float64Array([-0, -0, -0, -0, ...counting])), new Float64Array([-0, 0, 0, 0, ...counting]));
  // Fractional strides are kept only where start + k * stride reproduces each point exactly.
  const tenths = Float64Array.from({ length: 1000 }, (_, i) => i * 0.1);
  assertSameColumn(roundTrip(tenths), tenths);
  // Seeded random columns of short runs, with and without jumps.
  let seed = 42;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 200; trial++) {
    const column = new Float64Array(1 + Math.floor(next() * 500));
    let value = Math.floor(next() * 100);
    for (let i = 0; i < column.length; i++) {
      if (next() < 0.05) value += Math.floor(next() * 1000) - 500;
      else if (next() < 0.5) value += 1;
      column[i] = value;
    }
    assertSameColumn(roundTrip(column), column);
  }
});

test('runs that do not describe exactly the values column are refused without allocating what they claim', () => {
  const runs = (...numbers: number[]): ProgressionColumn => ({ runs: new Float64Array(numbers) });
  assert.match(expandColumn(runs(0, 1, 3), 4) as string, /3 points, not 4/);
  assert.match(expandColumn(runs(0, 1, 1e15), 4) as string, /more than/);
  assert.match(expandColumn(runs(0, 1, 2.5, 0, 1, 1.5), 4) as string, /run of 2.5 points/);
  assert.match(expandColumn(runs(0, 1, -1, 0, 1, 5), 4) as string, /run of -1 points/);
  assert.match(expandColumn(runs(0, 1), 4) as string, /triples/);
  assert.match(expandColumn({ runs: [0, 1, 4] }, 4) as string, /neither/);
  assert.match(expandColumn(new Float64Array(3), 4) as string, /3 points, not 4/);
  assert.deepEqual([...(expandColumn(runs(5, 2, 2, 0, 0, 2), 4) as Float64Array)], [5, 7, 0, 0]);
});

/** A loop's series: steps counting up from 0, `pointsPerMs` points logged in each millisecond. */
function denseLoopBatch(n: number, valueAt: (i: number) => number, pointsPerMs: number): MetricSeriesBatch {
  return {
    name: 'loss',
    context: 'TRAINING',
    source: 'metric',
    unit: '',
    steps: Float64Array.from({ length: n }, (_, i) => i),
    values: Float64Array.from({ length: n }, (_, i) => valueAt(i)),
    timestamps: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + Math.floor(i / pointsPerMs)),
  };
}

function envelopeOf(batch: MetricSeriesBatch): Envelope {
  return { v: PROTOCOL_VERSION, job: 'local-1', rank: 0, worldSize: 1, sender: 'abc123', seq: 1, sent: 1, runDir: '/tmp/r', records: [{ kind: 'metrics', series: [batch] }] };
}

test('an envelope of a dense loop is about a third of its raw size and decodes to the same columns', () => {
  const batch = denseLoopBatch(65_536, Math.sin, 5000);
  const compact = encodeEnvelope(envelopeOf(batch));
  const raw = plainPackr.pack(envelopeOf(batch));
  assert.ok(compact.length < raw.length * 0.35, `${compact.length} bytes vs ${raw.length} raw`);
  const decoded = decodeEnvelope(compact);
  assert.ok(decoded.ok);
  const [record] = decoded.envelope.records;
  assert.ok(record?.kind === 'metrics');
  const [back] = record.series;
  assertSameColumn(back!.steps, batch.steps);
  assertSameColumn(back!.values, batch.values);
  assertSameColumn(back!.timestamps, batch.timestamps);
  // Raw columns (an older agent, or a column without runs) are still accepted.
  const decodedRaw = decodeEnvelope(raw);
  assert.ok(decodedRaw.ok);
});

test('a hostile run list in an envelope is a wrong_shape drop naming the column', () => {
  const hostile = plainPackr.pack({
    ...envelopeOf({ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: new Float64Array(2), values: new Float64Array(2), timestamps: new Float64Array(2) }),
    records: [{ kind: 'metrics', series: [{ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: { runs: new Float64Array([0, 1, 1e9]) }, values: new Float64Array(2), timestamps: new Float64Array(2) }] }],
  });
  const decoded = decodeEnvelope(hostile);
  assert.equal(decoded.ok, false);
  assert.ok(!decoded.ok && decoded.cause === 'wrong_shape' && /series\[0\]\.steps/.test(decoded.detail), JSON.stringify(decoded));
});

test('run lists of steps and timestamps are checked without expanding them: a bad run is named by its index', () => {
  const batchWith = (steps: unknown, timestamps: unknown) =>
    plainPackr.pack({
      ...envelopeOf({ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: new Float64Array(4), values: new Float64Array(4), timestamps: new Float64Array(4) }),
      records: [{ kind: 'metrics', series: [{ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps, values: new Float64Array(4), timestamps }] }],
    });
  const runs = (...numbers: number[]): ProgressionColumn => ({ runs: new Float64Array(numbers) });
  const detail = (bytes: Uint8Array): string => {
    const decoded = decodeEnvelope(bytes);
    return decoded.ok ? 'ok' : decoded.detail;
  };
  const times = runs(1e12, 1, 4);
  assert.equal(detail(batchWith(runs(0, 1, 2, 10, 0.5, 2), times)), 'records[0].series[0].steps run 1: not a safe integer');
  assert.equal(detail(batchWith(runs(Number.MAX_SAFE_INTEGER - 2, 1, 4), times)), 'records[0].series[0].steps run 0: not a safe integer');
  assert.equal(detail(batchWith(runs(0, 1, 4), runs(1, Number.POSITIVE_INFINITY, 4))), 'records[0].series[0].timestamps run 0: not finite');
  assert.equal(detail(batchWith(runs(0, 1, 4), runs(1, 1e308, 4))), 'records[0].series[0].timestamps run 0: not finite');
  assert.equal(detail(batchWith(new Float64Array([0, 1, 2.5, 3]), times)), 'records[0].series[0].steps point 2: not a safe integer');
  // Valid runs decode lazily to the same points as raw columns would.
  const decoded = decodeEnvelope(batchWith(runs(-(Number.MAX_SAFE_INTEGER), 1, 4), times));
  assert.ok(decoded.ok);
  const record = decoded.envelope.records[0];
  assert.ok(record?.kind === 'metrics');
  assert.deepEqual([...record.series[0]!.steps], [-Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER + 1, -Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER + 3]);
  assert.deepEqual({ ...record.series[0]! }.timestamps, new Float64Array([1e12, 1e12 + 1, 1e12 + 2, 1e12 + 3]));
});

test('a decoded batch forwarded as it is goes out with the runs it came with, never expanded', () => {
  const n = 50_000;
  const batch = denseLoopBatch(n, (i) => i / 7, 1000);
  const first = encodeEnvelope(envelopeOf(batch));
  const decoded = decodeEnvelope(first);
  assert.ok(decoded.ok);
  // Re-encoding (what a wrapper does with its program's records) gives the same bytes.
  assert.ok(encodeEnvelope(decoded.envelope).equals(first), 'the re-encoded bytes differ');
  const [record] = decoded.envelope.records;
  assert.ok(record?.kind === 'metrics');
  // The lazy columns cannot be replaced, so the remembered runs stay true to them.
  assert.throws(() => Object.assign(record.series[0]!, { steps: new Float64Array(n) }), TypeError);
  assertSameColumn(record.series[0]!.steps, batch.steps);
});
