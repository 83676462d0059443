import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCollection, buildRankDocument, toProvJson, userNamespaceIri, type RankSummary } from '@prov4ml/prov-core';

const job = { jobKey: 'slurm-42.0', worldSize: 2, experimentName: 'mnist', runName: 'mnist_3', provUserNamespace: 'www.example.org' };

function summary(overrides: Partial<RankSummary> = {}): RankSummary {
  return {
    job,
    rank: 1,
    sender: 'abc',
    runStart: {
      kind: 'run_start', time: Date.UTC(2026, 0, 1), rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, nodeRank: 0, jobId: '42', stepId: '0',
      launcher: 'slurm', hostname: 'gpu001', pid: 4242, user: 'bob', argv: ['python3', 'train.py', '--epochs', '2'], cwd: '/home/bob',
      environment: { SLURM_JOB_ID: '42' }, versions: { python: '3.11.2' }, gitCommit: 'deadbeef', wrapped: true,
    },
    runConfig: { kind: 'run_config', time: Date.UTC(2026, 0, 1), provUserNamespace: 'www.example.org', experimentName: 'mnist', collectAllProcesses: true, saveAfterNLogs: 100 },
    runEnd: { kind: 'run_end', time: Date.UTC(2026, 0, 1, 1), exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: { metrics: 3 } },
    params: [{ kind: 'param', time: 1, name: 'lr', value: 0.01 }, { kind: 'param', time: 1, name: 'batch size', value: 64 }],
    series: [{
      name: 'loss', context: 'TRAINING', source: 'metric', unit: '', count: 3, nanCount: 1, firstStep: 0, lastStep: 2, min: 0.5, max: 1.5,
      lastValue: Number.NaN, firstTimestampMs: Date.UTC(2026, 0, 1, 0, 1), lastTimestampMs: Date.UTC(2026, 0, 1, 0, 2), file: 'metrics/loss_TRAINING_GR1.csv',
    }],
    artifacts: [],
    datasets: [{ kind: 'dataset', time: Date.UTC(2026, 0, 1), label: 'train', context: 'TRAINING', stats: { samples: 60000, shuffle: true } }],
    finalMetrics: [{ kind: 'final_metric', time: 1, name: 'loss', operation: 'MIN', initialValue: 1e9, value: 0.5, count: 3 }],
    carbonAttribution: null,
    firstSeenMs: Date.UTC(2026, 0, 1),
    lastSeenMs: Date.UTC(2026, 0, 1, 1),
    missingFrames: 0,
    finished: true,
    omittedEntries: 0,
    ...overrides,
  };
}

type Json = Record<string, Record<string, Record<string, unknown>>>;

test('a rank document fixes the original: distinct run and experiment ids, typed literals, real source, context activity with times', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(summary()))) as Json;
  assert.deepEqual(json.prefix, { 'prov-ml': 'https://prov4ml.org/ns#', default: 'http://www.example.org/' });
  assert.ok(json.entity!.mnist, 'experiment entity');
  assert.ok(json.entity!.mnist_3_GR1, 'run entity with its own id');
  assert.deepEqual(json.entity!.mnist_3_GR1!['prov-ml:global_rank'], { $: '1', type: 'xsd:int' });
  const execution = json.activity!['mnist_3_GR1.execution']!;
  assert.equal(execution['prov:startTime'], '2026-01-01T00:00:00.000Z');
  assert.equal(execution['prov-ml:unfinished'], false);
  assert.equal(execution['prov-ml:hostname'], 'gpu001');
  assert.equal(json.entity!['mnist_3_GR1.source_code']!['prov-ml:source_name'], 'train.py');
  const metric = json.entity!['mnist_3_GR1.metric.TRAINING.loss']!;
  assert.deepEqual(metric['prov-ml:last_value'], { $: 'NaN', type: 'xsd:double' });
  assert.equal(metric['prov-ml:metric_file'], 'metrics/loss_TRAINING_GR1.csv');
  assert.deepEqual(json.entity!['mnist_3_GR1.param.batch%20size']!['prov-ml:parameter_value'], { $: '64', type: 'xsd:long' });
  const training = json.activity!['mnist_3_GR1.context.TRAINING']!;
  assert.equal(training['prov-ml:type'], 'TrainingExecution');
  assert.equal(training['prov:endTime'], '2026-01-01T00:02:00.000Z');
  assert.deepEqual(json.entity!['mnist_3_GR1.dataset.TRAINING.train']!['prov-ml:stat_samples'], { $: '60000', type: 'xsd:long' });
  assert.ok(!toProvJson(buildRankDocument(summary())).includes('NaN,'), 'no bare NaN in JSON');
});

test('a rank that never ended says so, with the time it was last seen', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(summary({ runEnd: null, finished: false, missingFrames: 2 })))) as Json;
  const execution = json.activity!['mnist_3_GR1.execution']!;
  assert.equal(execution['prov-ml:unfinished'], true);
  assert.deepEqual(execution['prov-ml:last_seen'], { $: '2026-01-01T01:00:00.000Z', type: 'xsd:dateTime' });
  assert.deepEqual(execution['prov-ml:missing_frames'], { $: '2', type: 'xsd:long' });
});

test('the collection has one member per rank document and starts each rank\'s run activity from the job', () => {
  const members = [0, 1].map((rank) => ({ rank, path: `prov_mnist_GR${rank}.json`, sha256: 'a'.repeat(64), sizeBytes: 100 + rank, finished: true }));
  const json = JSON.parse(toProvJson(buildCollection({ job, members, startMs: 0, endMs: 1000 }))) as Json;
  assert.deepEqual(json.entity!['mnist_3.collection']!['prov:type'], { $: 'prov:Collection', type: 'prov:QUALIFIED_NAME' });
  assert.equal(Object.keys(json.hadMember!).length, 2);
  assert.deepEqual(json.entity!['mnist_3.document.GR1']!['prov-ml:size_bytes'], { $: '101', type: 'xsd:long' });
  const started = Object.values(json.wasStartedBy!).map((relation) => relation['prov:activity']);
  assert.deepEqual(started.sort(), ['mnist_3_GR0.execution', 'mnist_3_GR1.execution']);
});

test('the user namespace becomes an IRI', () => {
  assert.equal(userNamespaceIri('www.example.org'), 'http://www.example.org/');
  assert.equal(userNamespaceIri('https://lab.org/ns#'), 'https://lab.org/ns#');
  assert.equal(userNamespaceIri(''), 'https://prov4ml.org/run/');
});
