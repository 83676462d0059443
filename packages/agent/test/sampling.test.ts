import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricSample } from '../src/metrics/sample.js';
import { sharedReadings, type SampleKind } from '../src/metrics/sampling.js';

test('sample requests that arrive while a reading of their kind waits share it; each request still gets an answer', async () => {
  const readings: Array<{ kind: SampleKind; finish: () => void }> = [];
  const take = (kind: SampleKind) =>
    new Promise<MetricSample[]>((resolve) => {
      const n = readings.length;
      readings.push({ kind, finish: () => resolve([{ name: `reading${n}`, value: n, unit: '%', source: 'test' }]) });
    });
  const sample = sharedReadings(take);
  const first = sample('system');
  await Promise.resolve();
  // The first reading is under way: the next three system requests wait for one reading together,
  // a carbon request gets its own.
  const waiting = [sample('system'), sample('system'), sample('carbon'), sample('system')];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(readings.map((r) => r.kind), ['system']);
  readings[0]!.finish();
  assert.deepEqual((await first).map((s) => s.name), ['reading0']);
  await new Promise((resolve) => setImmediate(resolve));
  readings[1]!.finish();
  await new Promise((resolve) => setImmediate(resolve));
  readings[2]!.finish();
  const answers = await Promise.all(waiting);
  assert.deepEqual(readings.map((r) => r.kind), ['system', 'system', 'carbon']);
  assert.deepEqual(answers.map((samples) => samples[0]!.name), ['reading1', 'reading1', 'reading2', 'reading1']);
});
