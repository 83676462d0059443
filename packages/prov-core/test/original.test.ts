import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserError, decodeOriginalList, originalInlineSeries, parseOriginalMetricFile, parseProvJson } from '@prov4ml/prov-core';
import { G1_JSON, readFixture } from './support/fixtures.js';

describe("the original's stringified lists", () => {
  it('decodes plain, numpy-wrapped and non-finite numbers', () => {
    assert.deepEqual(decodeOriginalList('[0, 1]', 'epochs'), [0, 1]);
    assert.deepEqual(decodeOriginalList('[np.float64(1.5), nan, inf, -inf, np.int64(3), 1e-05]', 'values'), [1.5, NaN, Infinity, -Infinity, 3, 0.00001]);
    assert.deepEqual(decodeOriginalList('[]', 'values'), []);
  });

  it('rejects what is not a list of numbers with a UserError naming it', () => {
    assert.throws(() => decodeOriginalList('[1, None]', 'MSE values'), (error: unknown) => error instanceof UserError && /^MSE values: cannot read "None" as a number$/.test(error.message));
    assert.throws(() => decodeOriginalList('1, 2', 'MSE values'), /expected a list/);
  });

  it('reads a G1 metric entity inlined in the JSON', () => {
    const doc = parseProvJson(readFixture(G1_JSON));
    const metric = doc.records().find((record) => record.id === 'MSE_train_Context.TRAINING');
    const series = originalInlineSeries(metric?.attributes ?? {}, 'MSE_train_Context.TRAINING');
    assert.equal(series?.name, 'MSE_train');
    assert.equal(series?.context, 'Context.TRAINING');
    assert.deepEqual(series?.steps, [0, 0, 0, 1, 1, 1]);
    assert.equal(series?.values[0], 1.1072804927825928);
    assert.equal(series?.timestamps[5], 1795726690393);
    assert.equal(originalInlineSeries({ 'prov-ml:type': 'Parameter' }, 'lr'), null);
  });
});

describe("the original's metric side files", () => {
  it('reads a G1 .txt file', () => {
    const series = parseOriginalMetricFile(readFixture('cpu_usage_Context.TRAINING_GR0.txt'), 'cpu_usage_Context.TRAINING_GR0.txt');
    assert.deepEqual(series, { name: 'cpu_usage', context: 'Context.TRAINING', source: 'LoggingItemKind.SYSTEM_METRIC', steps: [0, 1], values: [53.5, 0], timestamps: [1795726690386, 1795726690393] });
    assert.equal(parseOriginalMetricFile(readFixture('MSE_train_Context.TRAINING_GR0.txt'), 'MSE_train_Context.TRAINING_GR0.txt').values.length, 6);
  });

  it('reads a G2 TAB-separated .csv, numpy reprs included', () => {
    const text = 'loss\tContext.TRAINING\tNone\n0\tnp.float64(0.5)\t1700000000000\n1\tnan\t1700000000100\n';
    const series = parseOriginalMetricFile(text, 'loss_Context.TRAINING_GR0.csv');
    assert.deepEqual(series.values, [0.5, NaN]);
    assert.deepEqual(series.timestamps, [1700000000000, 1700000000100]);
  });

  it('takes name and context from the file name when the header lacks them, as the original split it', () => {
    const series = parseOriginalMetricFile(',,\n0,1.0,5\n', 'run/metrics/val_top_1_Context.VALIDATION_GR3.csv');
    assert.equal(series.name, 'val_top_1');
    assert.equal(series.context, 'Context.VALIDATION');
  });

  it('names the file and line of a bad row', () => {
    assert.throws(() => parseOriginalMetricFile('m, Context.TRAINING, None\n0, 1.0\n', 'm.txt'), /^UserError: m\.txt line 2: expected step, value and timestamp, got 2 field\(s\)$/);
  });
});
