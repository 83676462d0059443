/**
 * RankAccumulator: one rank's envelopes, added in sequence order, become the facts of its document and
 * the batches of its metric CSVs. Envelopes go through the wire encoding first, as the fold reads them.
 */
import assert from 'node:assert/strict';
import type { MetricFileSpec } from '../src/metric-files/metric-file-writer.js';
import { describe, it } from 'node:test';
import { decodeEnvelope, encodeEnvelope, PROTOCOL_VERSION, type Envelope, type MetricSeriesBatch, type EnvelopeRecord } from '@prov4ml/prov-core';
import { FileNameRegistry } from '../src/finalize/file-names.js';
import { RankAccumulator, type PointSink } from '../src/finalize/rank-accumulator.js';
import { MAX_SUMMARY_ENTRIES_PER_RANK } from '../src/limits.js';

const JOB = 'job-1';
const SENDER = 'sender-a';

/** An envelope of rank 0 of `SENDER`, through encodeEnvelope and decodeEnvelope. */
function envelope(seq: number, records: EnvelopeRecord[], rank = 0): Envelope {
  const decoded = decodeEnvelope(encodeEnvelope({ v: PROTOCOL_VERSION, job: JOB, rank, worldSize: 2, sender: SENDER, seq, sent: 1_000 + seq, runDir: '/runs/exp_0', records }));
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.detail);
  return decoded.envelope;
}

function series(name: string, context: string, points: [number, number][], firstTimestamp = 5_000): MetricSeriesBatch {
  return {
    name,
    context,
    source: 'metric',
    unit: '',
    steps: Float64Array.from(points.map(([step]) => step)),
    values: Float64Array.from(points.map(([, value]) => value)),
    timestamps: Float64Array.from(points.map((_, i) => firstTimestamp + i)),
  };
}

/** A PointSink that keeps every call, in order. */
class RecordingSink implements PointSink {
  readonly calls: (['create', string, string] | ['append', string, number[], number[], number[]])[] = [];
  create(relativePath: string, spec: MetricFileSpec): void {
    this.calls.push(['create', relativePath, spec.separator]);
  }
  async append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void> {
    this.calls.push(['append', relativePath, [...steps], [...values], [...timestamps]]);
  }
}

const RUN_CONFIG = { kind: 'run_config', time: 2, provUserNamespace: 'www.example.org', experimentName: 'exp', collectAllProcesses: false, saveAfterNLogs: 100, csvSeparator: ';' } as const;
const RUN_END = { kind: 'run_end', time: 9, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, crateRoCrate: false, zipRunDir: false, counts: { metrics: 5 } } as const;

function accumulator(sink: PointSink = new RecordingSink(), rank = 0): RankAccumulator {
  return new RankAccumulator(rank, new FileNameRegistry(), sink);
}

describe('RankAccumulator', () => {
  it('folds a whole rank: the run config (its separator ahead of the points), last parameter values, series summaries, the rest as logged', async () => {
    const sink = new RecordingSink();
    const rank = accumulator(sink);
    const artifact = { kind: 'artifact', time: 7, name: 'model.pt', context: 'TRAINING', step: 2, originalPath: '/tmp/model.pt', storedPath: 'artifacts/GR0/model.pt', sizeBytes: 5, sha256: 'ab'.repeat(32), isDirectory: false, role: 'model_version' } as const;
    await rank.add(envelope(1, [RUN_CONFIG, { kind: 'param', time: 3, name: 'lr', value: 0.1 }, { kind: 'param', time: 3, name: 'lr', value: 0.2, context: 'TRAINING' }]));
    await rank.add(envelope(2, [{ kind: 'metrics', series: [series('loss', 'TRAINING', [[0, 0.5], [1, Number.NaN], [2, 0.25]])] }, { kind: 'param', time: 4, name: 'lr', value: 0.01 }]));
    await rank.add(envelope(3, [
      { kind: 'metrics', series: [series('loss', 'TRAINING', [[3, Number.POSITIVE_INFINITY], [4, -1]], 6_000), series('acc', 'VALIDATION', [[0, Number.NaN]])] },
      artifact,
      { kind: 'dataset', time: 7, label: 'train', context: 'TRAINING', stats: { total_samples: 10 } },
      { kind: 'context', time: 7, name: 'FINETUNE', parent: 'TRAINING', sourceOfData: null },
      { kind: 'source_code', time: 7, path: '/src', gitCommit: null, gitRemote: null, gitBranch: null },
      { kind: 'final_metric', time: 8, name: 'loss', operation: 'MIN', initialValue: 1e9, value: 0.5, count: 2 },
      { kind: 'final_metric', time: 8, name: 'loss', operation: 'MIN', initialValue: 1e9, value: -1, count: 5 },
      RUN_END,
    ]));

    assert.deepEqual(sink.calls, [
      ['create', 'metrics/loss_TRAINING_GR0.csv', ';'],
      ['append', 'metrics/loss_TRAINING_GR0.csv', [0, 1, 2], [0.5, Number.NaN, 0.25], [5_000, 5_001, 5_002]],
      ['append', 'metrics/loss_TRAINING_GR0.csv', [3, 4], [Number.POSITIVE_INFINITY, -1], [6_000, 6_001]],
      ['create', 'metrics/acc_VALIDATION_GR0.csv', ';'],
      ['append', 'metrics/acc_VALIDATION_GR0.csv', [0], [Number.NaN], [5_000]],
    ]);
    const facts = rank.accumulated();
    assert.deepEqual(
      { rank: facts.rank, sender: facts.sender, firstSeenMs: facts.firstSeenMs, lastSeenMs: facts.lastSeenMs, missingFrames: facts.missingFrames, finished: facts.finished, omittedEntries: facts.omittedEntries },
      { rank: 0, sender: SENDER, firstSeenMs: 1_001, lastSeenMs: 1_003, missingFrames: 0, finished: true, omittedEntries: 0 },
    );
    assert.deepEqual([facts.runConfig, facts.runEnd, facts.runStart], [RUN_CONFIG, RUN_END, null]);
    assert.deepEqual(facts.params.map((p) => [p.context ?? null, p.name, p.value]), [[null, 'lr', 0.01], ['TRAINING', 'lr', 0.2]], 'one per name and context, the last value');
    assert.deepEqual(facts.series, [
      { name: 'loss', context: 'TRAINING', source: 'metric', unit: '', count: 5, nanCount: 1, firstStep: 0, lastStep: 4, min: -1, max: Number.POSITIVE_INFINITY, lastValue: -1, firstTimestampMs: 5_000, lastTimestampMs: 6_001, file: 'metrics/loss_TRAINING_GR0.csv' },
      { name: 'acc', context: 'VALIDATION', source: 'metric', unit: '', count: 1, nanCount: 1, firstStep: 0, lastStep: 0, min: null, max: null, lastValue: Number.NaN, firstTimestampMs: 5_000, lastTimestampMs: 5_000, file: 'metrics/acc_VALIDATION_GR0.csv' },
    ]);
    assert.deepEqual(facts.artifacts, [artifact]);
    assert.deepEqual(facts.datasets.map((d) => [d.label, d.stats]), [['train', { total_samples: 10 }]]);
    assert.deepEqual(facts.contexts.map((c) => [c.name, c.parent]), [['FINETUNE', 'TRAINING']]);
    assert.deepEqual(facts.sourceCode.map((s) => s.path), ['/src']);
    assert.deepEqual(facts.finalMetrics.map((f) => [f.name, f.value, f.count]), [['loss', -1, 5]], 'the last value of a final metric');
  });

  it('counts the frames missing before each envelope; a rank with a gap, or without run_end, is not finished', async () => {
    const gapped = accumulator();
    await gapped.add(envelope(1, [RUN_CONFIG]));
    await gapped.add(envelope(4, []));
    await gapped.add(envelope(6, [RUN_END]));
    assert.deepEqual([gapped.lastSeq, gapped.accumulated().missingFrames, gapped.accumulated().finished], [6, 3, false]);

    const unfinished = accumulator();
    await unfinished.add(envelope(1, [RUN_CONFIG, { kind: 'metrics', series: [series('loss', 'TRAINING', [[0, 1]])] }]));
    assert.deepEqual([unfinished.accumulated().runEnd, unfinished.accumulated().missingFrames, unfinished.accumulated().finished], [null, 0, false]);

    const late = accumulator();
    await late.add(envelope(3, [RUN_END]));
    assert.deepEqual([late.accumulated().missingFrames, late.accumulated().finished], [2, false], 'frames 1 and 2 never came');
  });

  it('keeps the first run start and run config and the last run end', async () => {
    const rank = accumulator();
    await rank.add(envelope(1, [RUN_CONFIG, { ...RUN_END, clean: false }]));
    await rank.add(envelope(2, [{ ...RUN_CONFIG, experimentName: 'other' }, RUN_END]));
    assert.deepEqual([rank.accumulated().runConfig, rank.accumulated().runEnd], [RUN_CONFIG, RUN_END]);
  });

  it('without a run config ahead of the points, writes with the default separator', async () => {
    const sink = new RecordingSink();
    const rank = accumulator(sink, 1);
    await rank.add(envelope(1, [{ kind: 'metrics', series: [series('loss', 'TRAINING', [[0, 1]])] }], 1));
    await rank.add(envelope(2, [RUN_CONFIG], 1));
    await rank.add(envelope(3, [{ kind: 'metrics', series: [series('loss', 'TRAINING', [[1, 2]])] }], 1));
    assert.deepEqual(sink.calls.filter((call) => call[0] === 'create'), [['create', 'metrics/loss_TRAINING_GR1.csv', ',']]);
  });

  it('two series whose files would have one name get two files', async () => {
    const sink = new RecordingSink();
    const rank = accumulator(sink);
    await rank.add(envelope(1, [{ kind: 'metrics', series: [series('a', 'B_C', [[0, 1]]), series('a_B', 'C', [[0, 2]])] }]));
    assert.deepEqual(rank.accumulated().series.map((s) => s.file), ['metrics/a_B_C_GR0.csv', 'metrics/a_B_C_GR0~2.csv']);
  });

  it(`keeps at most ${MAX_SUMMARY_ENTRIES_PER_RANK} entries per rank and counts the others; a kept entry still takes new values`, async () => {
    const rank = accumulator();
    // In envelopes of 10,000 records, the most one envelope may hold.
    const envelopes = Math.ceil((MAX_SUMMARY_ENTRIES_PER_RANK + 2) / 10_000);
    for (let e = 0; e < envelopes; e++) {
      const count = Math.min(10_000, MAX_SUMMARY_ENTRIES_PER_RANK + 2 - e * 10_000);
      await rank.add(envelope(e + 1, Array.from({ length: count }, (_, i): EnvelopeRecord => ({ kind: 'param', time: 1, name: `p${e * 10_000 + i}`, value: i }))));
    }
    await rank.add(envelope(envelopes + 1, [{ kind: 'param', time: 2, name: 'p0', value: 'new' }, { kind: 'metrics', series: [series('loss', 'TRAINING', [[0, 1]])] }]));
    const facts = rank.accumulated();
    assert.equal(facts.params.length, MAX_SUMMARY_ENTRIES_PER_RANK);
    assert.equal(facts.params[0]?.value, 'new');
    assert.deepEqual([facts.series.length, facts.omittedEntries], [0, 3], 'two parameters and the series over the limit');
  });
});
