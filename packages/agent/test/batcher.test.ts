import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProvRecordData, RunConfigRecord } from '@prov4ml/prov-core';
import { Batcher } from '../src/pipeline/batch-processor.js';

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

test('a run config is sealed ahead of the points flushed with it, in the first envelope', () => {
  const sealed: ProvRecordData[][] = [];
  const batcher = new Batcher({ seal: (records) => sealed.push(records), collectPending: () => [points] });
  batcher.add({ kind: 'param', time: 2, name: 'lr', value: 0.1 });
  batcher.add(config);
  batcher.flush();
  assert.deepEqual(sealed.map((records) => records.map((record) => record.kind)), [['run_config', 'metrics'], ['param']]);
});

test('a run config with no points to lead is sealed before the other records', () => {
  const sealed: ProvRecordData[][] = [];
  const batcher = new Batcher({ seal: (records) => sealed.push(records) });
  batcher.add({ kind: 'param', time: 2, name: 'lr', value: 0.1 });
  batcher.add(config);
  batcher.flush();
  batcher.flush();
  assert.deepEqual(sealed.map((records) => records.map((record) => record.kind)), [['run_config', 'param']]);
});
