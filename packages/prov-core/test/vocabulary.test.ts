import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCollection, buildRankDocument, toProvJson, userNamespaceIri, validateProvJson, type ArtifactRecord, type RankSummary } from '@prov4ml/prov-core';
import { needs } from '../../../test/support/components.js';
import { pythonProvAvailable, pythonProvErrors } from './support/interop.js';

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
    contexts: [],
    sourceCode: [],
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

/** An artifact record as the agent writes it; `overrides` set what the test is about. */
function artifact(overrides: Partial<ArtifactRecord>): ArtifactRecord {
  return {
    kind: 'artifact', time: Date.UTC(2026, 0, 1, 0, 5), name: 'a.bin', context: 'TRAINING', step: null, originalPath: '/data/a.bin',
    storedPath: 'artifacts/GR1/a.bin', sizeBytes: 3, sha256: 'c'.repeat(64), isDirectory: false, role: 'artifact', isInput: false, copied: true, isModel: false,
    ...overrides,
  };
}

/** The newest API's records in one rank: directed params, inputs and outputs, copies and originals, a context tree, source code. */
function newestApiSummary(): RankSummary {
  return summary({
    runConfig: { ...summary().runConfig!, csvSeparator: ';', disableCodecarbon: true },
    params: [
      { kind: 'param', time: 1, name: 'lr', value: 0.01, context: 'TRAINING', source: 'config.yaml', isInput: true },
      { kind: 'param', time: 1, name: 'lr', value: 0.02, context: 'FINETUNE', source: null, isInput: true },
      { kind: 'param', time: 1, name: 'best_acc', value: 0.9, context: null, source: null, isInput: false },
      { kind: 'param', time: 1, name: 'legacy', value: 'x' },
    ],
    artifacts: [
      artifact({ name: 'in.csv', originalPath: '/data/in.csv', storedPath: 'artifacts/GR1/inputs/in.csv', isInput: true }),
      artifact({ name: 'model.pt', originalPath: '/tmp/model.pt', storedPath: 'artifacts/GR1/model.pt', isModel: true }),
      artifact({ name: 'model.pt', originalPath: '/tmp/model.pt', storedPath: 'artifacts/GR1/model.pt.1', isModel: true }),
      artifact({ name: 'huge.h5', originalPath: '/scratch/huge.h5', storedPath: null, copied: false, isInput: true }),
      artifact({ name: 'train.py', originalPath: '/home/bob/train.py', storedPath: 'artifacts/GR1/train.py', role: 'source_code' }),
    ],
    contexts: [
      { kind: 'context', time: 2, name: 'FINETUNE', parent: 'TRAINING', sourceOfData: '/data/ft' },
      { kind: 'context', time: 2, name: 'LORA', parent: 'FINETUNE', sourceOfData: null },
      { kind: 'context', time: 2, name: 'PRETRAIN', parent: null, sourceOfData: null },
    ],
    sourceCode: [{ kind: 'source_code', time: Date.UTC(2026, 0, 1), path: '/home/bob/proj', gitCommit: 'f'.repeat(40), gitRemote: 'git@example.org:bob/proj.git', gitBranch: 'main' }],
  });
}

type Relation = Record<string, string>;

function relations(json: Json, kind: string): Relation[] {
  return Object.values(json[kind] ?? {}) as Relation[];
}

test('the newest API\'s params: context and source kept, inputs used by the run, outputs generated by it, older ones used', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(newestApiSummary()))) as Json;
  const entity = json.entity!;
  const run = 'mnist_3_GR1.execution';
  assert.deepEqual(
    ['mnist_3_GR1.param.TRAINING.lr', 'mnist_3_GR1.param.FINETUNE.lr'].map((id) => [entity[id]!['prov-ml:context'], entity[id]!['prov-ml:role'], entity[id]!['prov-ml:parameter_value']]),
    [['TRAINING', 'input', { $: '0.01', type: 'xsd:double' }], ['FINETUNE', 'input', { $: '0.02', type: 'xsd:double' }]],
  );
  assert.equal(entity['mnist_3_GR1.param.TRAINING.lr']!['prov-ml:source'], 'config.yaml');
  assert.equal(entity['mnist_3_GR1.param.FINETUNE.lr']!['prov-ml:source'], undefined);
  assert.equal(entity['mnist_3_GR1.param.best_acc']!['prov-ml:role'], 'output');
  assert.equal(entity['mnist_3_GR1.param.legacy']!['prov-ml:role'], undefined);
  const usedByRun = relations(json, 'used').filter((r) => r['prov:activity'] === run).map((r) => r['prov:entity']);
  const generatedByRun = relations(json, 'wasGeneratedBy').filter((r) => r['prov:activity'] === run).map((r) => r['prov:entity']);
  for (const id of ['mnist_3_GR1.param.TRAINING.lr', 'mnist_3_GR1.param.FINETUNE.lr', 'mnist_3_GR1.param.legacy']) {
    assert.ok(usedByRun.includes(id) && !generatedByRun.includes(id), id);
  }
  assert.ok(generatedByRun.includes('mnist_3_GR1.param.best_acc') && !usedByRun.includes('mnist_3_GR1.param.best_acc'));
  const execution = json.activity![run]!;
  assert.equal(execution['prov-ml:csv_separator'], ';');
  assert.equal(execution['prov-ml:disable_codecarbon'], true);
});

test('artifacts: inputs used, outputs generated, each copy derived from one "Original <name>" per path, a file left in place has no copy', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(newestApiSummary()))) as Json;
  const entity = json.entity!;
  const training = 'mnist_3_GR1.context.TRAINING';
  const input = entity['mnist_3_GR1.artifact.inputs%2Fin%2Ecsv']!;
  assert.equal(input['prov-ml:is_input'], true);
  assert.equal(input['prov-ml:artifact_path'], 'artifacts/GR1/inputs/in.csv');
  const used = relations(json, 'used').filter((r) => r['prov:activity'] === training).map((r) => r['prov:entity']);
  const generated = relations(json, 'wasGeneratedBy').filter((r) => r['prov:activity'] === training).map((r) => r['prov:entity']);
  assert.deepEqual(used.filter((id) => id?.includes('.artifact.')).sort(), ['mnist_3_GR1.artifact.huge%2Eh5', 'mnist_3_GR1.artifact.inputs%2Fin%2Ecsv']);
  assert.deepEqual(generated.filter((id) => id?.includes('.artifact.')).sort(), ['mnist_3_GR1.artifact.model%2Ept', 'mnist_3_GR1.artifact.model%2Ept%2E1', 'mnist_3_GR1.artifact.train%2Epy']);
  assert.equal(entity['mnist_3_GR1.artifact.model%2Ept']!['prov-ml:type'], 'ModelVersion');
  assert.equal(entity['mnist_3_GR1.artifact.model%2Ept']!['prov-ml:final'], false);
  assert.equal(entity['mnist_3_GR1.artifact.train%2Epy']!['prov-ml:type'], 'SourceCode');
  const inPlace = entity['mnist_3_GR1.artifact.huge%2Eh5']!;
  assert.deepEqual([inPlace['prov-ml:copied'], inPlace['prov-ml:artifact_path'], inPlace['prov-ml:original_path']], [false, undefined, '/scratch/huge.h5']);
  const derived = relations(json, 'wasDerivedFrom').map((r) => [r['prov:generatedEntity'], r['prov:usedEntity']]);
  assert.deepEqual(derived.map((pair) => pair.join(' ')).sort(), [
    'mnist_3_GR1.artifact.inputs%2Fin%2Ecsv mnist_3_GR1.original.%2Fdata%2Fin%2Ecsv',
    'mnist_3_GR1.artifact.model%2Ept mnist_3_GR1.original.%2Ftmp%2Fmodel%2Ept',
    'mnist_3_GR1.artifact.model%2Ept%2E1 mnist_3_GR1.original.%2Ftmp%2Fmodel%2Ept',
    'mnist_3_GR1.artifact.train%2Epy mnist_3_GR1.original.%2Fhome%2Fbob%2Ftrain%2Epy',
  ]);
  const original = entity['mnist_3_GR1.original.%2Ftmp%2Fmodel%2Ept']!;
  assert.deepEqual([original['prov:label'], original['prov-ml:original_path'], original['prov-ml:type']], ['Original model.pt', '/tmp/model.pt', 'OriginalArtifact']);
  assert.equal(Object.keys(entity).filter((id) => id.includes('.original.')).length, 3);
});

test('declared contexts form a hierarchy: each is informed by its parent, top-level ones by the run', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(newestApiSummary()))) as Json;
  const activity = json.activity!;
  const prefix = 'mnist_3_GR1.context.';
  const informedBy = Object.fromEntries(relations(json, 'wasInformedBy').map((r) => [r['prov:informed'], r['prov:informant']]));
  assert.deepEqual(
    ['FINETUNE', 'LORA', 'PRETRAIN', 'TRAINING'].map((name) => informedBy[prefix + name]),
    [`${prefix}TRAINING`, `${prefix}FINETUNE`, 'mnist_3_GR1.execution', 'mnist_3_GR1.execution'],
  );
  assert.equal(activity[`${prefix}FINETUNE`]!['prov-ml:parent_context'], 'TRAINING');
  assert.equal(activity[`${prefix}FINETUNE`]!['prov-ml:source_of_data'], '/data/ft');
  assert.equal(activity[`${prefix}LORA`]!['prov-ml:type'], 'ContextExecution');
  // Declared but never logged in: an activity without times.
  assert.equal(activity[`${prefix}PRETRAIN`]!['prov:startTime'], undefined);
  assert.equal(Object.keys(activity).filter((id) => id.startsWith(prefix)).length, 4);
});

test('logged source code is an entity of type SourceCode used by the run, with its git facts', () => {
  const json = JSON.parse(toProvJson(buildRankDocument(newestApiSummary()))) as Json;
  const code = json.entity!['mnist_3_GR1.source_code.logged']!;
  assert.deepEqual(
    [code['prov-ml:type'], code['prov-ml:source_path'], code['prov-ml:source_git_commit'], code['prov-ml:source_git_remote'], code['prov-ml:source_git_branch']],
    ['SourceCode', '/home/bob/proj', 'f'.repeat(40), 'git@example.org:bob/proj.git', 'main'],
  );
  assert.ok(relations(json, 'used').some((r) => r['prov:activity'] === 'mnist_3_GR1.execution' && r['prov:entity'] === 'mnist_3_GR1.source_code.logged'));
});

test('the newest API\'s document passes our validator and python prov', needs('python3-prov', pythonProvAvailable), async () => {
  const text = toProvJson(buildRankDocument(newestApiSummary()));
  assert.deepEqual(validateProvJson(text).errors, []);
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-vocabulary-'));
  try {
    writeFileSync(join(dir, 'newest.json'), text);
    assert.deepEqual(await pythonProvErrors([join(dir, 'newest.json')]), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
