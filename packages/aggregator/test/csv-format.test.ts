import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCsvRows } from '../src/metric-files/csv-format.js';
import { writeShortestDouble } from '../src/metric-files/double-format.js';

function rows(steps: number[], values: number[], timestamps: number[]): string {
  return Buffer.from(formatCsvRows(new Float64Array(steps), new Float64Array(values), new Float64Array(timestamps))).toString('latin1');
}

test('rows spell special values as NaN, INF and -INF and end in a newline', () => {
  assert.equal(rows([0, 1, 2], [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], [5, 6, 7]), '0,NaN,5\n1,INF,6\n2,-INF,7\n');
  assert.equal(rows([], [], []), '');
});

test('integers are written exactly, from 0 to 2^53 - 1, negative too', () => {
  const cases = [0, 7, 10, 99, 100, 12_345_678, 99_999_999, 100_000_000, 100_000_001, 1_700_000_000_123, 2 ** 53 - 1, -1, -100_000_000, -(2 ** 53 - 1)];
  const text = rows(cases, cases, cases.map(Math.abs));
  const expected = cases.map((n) => `${n},${n},${Math.abs(n)}\n`).join('');
  assert.equal(text, expected);
  assert.equal(rows([0], [-0], [0]), '0,0,0\n');
});

test('every double reads back to the same number', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const values: number[] = [];
  for (let i = 0; i < 20_000; i++) values.push((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20), Math.fround(random()));
  values.push(Number.MIN_VALUE, Number.MAX_VALUE, 1e21, 1e-7, 0.1 + 0.2);
  const steps = values.map((_, i) => i);
  const lines = rows(steps, values, steps.map((i) => 1_700_000_000_000 + i + 0.25)).split('\n');
  assert.equal(lines.pop(), '');
  lines.forEach((line, i) => {
    const [step, value, timestamp] = line.split(',');
    assert.equal(Number(step), i);
    assert.equal(Number(value), values[i]);
    assert.equal(Number(timestamp), 1_700_000_000_000 + i + 0.25);
  });
});

test('fractional values are spelled exactly as Number#toString spells them', () => {
  let seed = 4242;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const values: number[] = [0.1, 0.2, 0.3, 0.1 + 0.2, 1e-6, 0.000123, 5e-7, 123456789012345.6, 999999999999999.9, 1e15 + 0.5, 2 ** -20, 0.5, -0.75];
  for (let i = 0; i < 40_000; i++) {
    values.push(random() * 10 ** Math.floor(random() * 24 - 8));
    values.push(Math.fround(random() * 4) - 2);
    values.push(Math.round(random() * 1e6) / 1e4);
  }
  // Neighbours of powers of ten, where the digit count changes.
  for (let k = -6; k < 15; k++) {
    const view = new Float64Array([10 ** k]);
    const bits = new BigUint64Array(view.buffer);
    for (let j = -20; j <= 20; j++) {
      const neighbour = new Float64Array(new BigUint64Array([bits[0]! + BigInt(j)]).buffer)[0]!;
      values.push(neighbour);
    }
  }
  const text = rows(values.map(() => 0), values, values.map(() => 0));
  const expected = values.map((v) => `0,${String(v)},0\n`).join('');
  assert.equal(text, expected);
});

test('the fast writer decides nearly every full-precision value itself', () => {
  const out = new Uint8Array(32);
  let decided = 0;
  for (let i = 1; i <= 10_000; i++) {
    const value = Math.fround(i / 10_007) + i;
    const end = writeShortestDouble(out, 0, value);
    if (end >= 0) {
      decided++;
      assert.equal(Buffer.from(out.subarray(0, end)).toString('latin1'), String(value));
    }
  }
  assert.ok(decided >= 9_900, `${decided} of 10000`);
  assert.equal(writeShortestDouble(out, 0, 0.5), -1, 'a power of two is left to Number#toString');
  assert.equal(writeShortestDouble(out, 0, 1e-7), -1, 'exponent notation is left to Number#toString');
});
