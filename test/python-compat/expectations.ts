/**
 * What each compatibility script (fixtures/*.py) must leave for one rank, value by value: metric rows
 * and steps, contexts, parameters, dataset stats, artifacts with their hashes, final metrics.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { artifactsOf, datasetsOf, entitiesOf, finalMetric, idsOf, metricRows, paramsOf, plain, sha256, type RankRun } from './run-reader.js';

export interface HowItRan {
  /** What the script printed (stdout and stderr). */
  output: string;
  /** Where it ran. */
  cwd: string;
  /** Under `prov4ml run` (the wrapper finishes the documents after the program). */
  wrapped: boolean;
}

export interface Fixture {
  script: string;
  experiment: string;
  check: (run: RankRun, how: HowItRan) => void;
}

/** Every stored file hashes to the sha256 its entity records. */
function assertArtifactsIntact(run: RankRun): void {
  for (const artifact of artifactsOf(run)) {
    if (artifact.fileSha256 !== null) assert.equal(artifact.fileSha256, artifact.sha256, `${artifact.path} is the file that was hashed`);
  }
}

function assertDocumentsBeside(run: RankRun): void {
  for (const extension of ['dot', 'svg']) assert.ok(existsSync(run.document.replace(/json$/, extension)), `${extension} of rank ${run.rank}`);
}

/** seed_g1.py: 3 epochs of 4 batches; Linear(2, 1) on batches of 4. */
const SEED_STEPS = 12;
const SEED_EPOCHS = 3;

export const SEED: Fixture = {
  script: 'seed_g1.py',
  experiment: 'compat_seed',
  check(run) {
    const loss = metricRows(run, 'loss', 'TRAINING');
    assert.equal(loss.separator, ',');
    assert.deepEqual(loss.steps, Array.from({ length: SEED_STEPS }, (_, i) => i));
    assert.ok(loss.values.every((v) => Number.isFinite(v) && v > 0), '0-d tensors are numbers');
    const samples = metricRows(run, 'samples_seen', 'TRAINING');
    assert.deepEqual(samples.values, Array(SEED_STEPS).fill(4));
    assert.deepEqual(metricRows(run, 'val_loss', 'TRAINING'), { separator: ',', steps: [0, 1, 2], values: [1, 0.5, 1 / 3] }, 'ProvMLLogger: every key but epoch, step = epoch');
    const perStep = metricRows(run, 'loss_step', 'TRAINING');
    assert.deepEqual(perStep.steps, Array.from({ length: SEED_STEPS }, (_, i) => Math.floor(i / (SEED_STEPS / SEED_EPOCHS))), 'Lightning\'s per-step calls land at their epoch');
    assert.deepEqual(perStep.values, loss.values);
    assert.deepEqual(metricRows(run, 'epoch_end', 'TRAINING').steps, [0, 1, 2]);
    assert.deepEqual(finalMetric(run, 'loss'), { value: Math.min(...loss.values), operation: 'MIN', count: SEED_STEPS });
    assert.deepEqual(finalMetric(run, 'samples_seen'), { value: 4 * SEED_STEPS, operation: 'ADD', count: SEED_STEPS });
    assert.deepEqual(finalMetric(run, 'val_loss'), { value: 1, operation: 'MAX', count: SEED_EPOCHS });
    const params = paramsOf(run);
    assert.deepEqual(['lr', 'batch_size', 'model_name', 'total_params'].map((name) => params.get(name)), [0.01, 4, 'linear_final', 3]);
    assert.equal(typeof params.get('execution_start_time'), 'number');
    assert.equal(typeof params.get('execution_end_time'), 'number');
    assert.deepEqual(datasetsOf(run).get('train_loader'), { batch_size: 4, num_workers: 0, total_steps: 4, shuffle: false, total_samples: 16 });
    const artifacts = artifactsOf(run);
    const notes = artifacts.find((a) => a.label === 'seed_notes.txt');
    assert.equal(notes?.sha256, sha256('seed generation notes\n'));
    assert.deepEqual(artifacts.filter((a) => a.role === 'model_version').map((a) => [a.label, a.step]), [['linear.pth', 0], ['linear.pth', 1], ['linear.pth', 2]]);
    assert.deepEqual(artifacts.filter((a) => a.role === 'model_version_final').map((a) => a.label), ['linear_final.pth']);
    assertArtifactsIntact(run);
    assertDocumentsBeside(run);
    // By hand: Linear(2, 1) on a batch of 4 is 4·2·1 = 8 multiply-accumulates = 16 FLOP; one sample is 2
    // multiply-accumulates = 4 FLOP, 16 samples an epoch = 64 FLOP. Both counters are cumulative.
    assert.deepEqual(metricRows(run, 'flops_pb', 'TRAINING').values, Array.from({ length: SEED_STEPS }, (_, i) => 16 * (i + 1)));
    assert.deepEqual(metricRows(run, 'flops_pe', 'TRAINING').values, [64, 128, 192]);
    assert.match(String(params.get('flops_counting')), /2 FLOP per multiply-accumulate/);
  },
};

export const NEWEST: Fixture = {
  script: 'newest_yprov4ml.py',
  experiment: 'compat_newest',
  check(run, how) {
    const loss = metricRows(run, 'loss', 'TRAINING');
    assert.deepEqual(loss, { separator: ';', steps: [0, 1, 2, 3], values: [1, 0.5, 1 / 3, 0.25] });
    assert.deepEqual(metricRows(run, 'accuracy', 'VALIDATION').values, [0, 0.1, 0.2, 0.3]);
    assert.deepEqual(metricRows(run, 'finetune_loss', 'FINETUNE').steps, [0, 1, 2, 3]);
    const params = paramsOf(run);
    assert.deepEqual(
      ['epochs', 'seed', 'outliers (TESTING, step 0)', 'output_0', 'execution_command'].map((name) => params.get(name)),
      [4, 7, '[1, 5, 9]', 0.75, 'python3 newest_yprov4ml.py'],
    );
    assert.deepEqual(datasetsOf(run).get('numbers'), { total_samples: 10 });
    const plot = sha256('a plot, as text\n');
    assert.deepEqual(artifactsOf(run).map((a) => [a.label, a.sha256]), [['plot', plot], ['input_0_newest_plot.txt', plot]]);
    assertArtifactsIntact(run);
    assertDocumentsBeside(run);
    assertNewestProvenance(run, how.cwd);
    if (run.rank === 0) assertUnified(run, how);
  },
};

/** The newest API's provenance: inputs used and outputs generated, copies derived from their original,
 * the context hierarchy, the logged source code, and no carbon samples with disable_codecarbon. */
function assertNewestProvenance(run: RankRun, cwd: string): void {
  const pair = (relation: Record<string, unknown>, a: string, b: string): string => `${String(relation[a])} ${String(relation[b])}`;
  const used = run.relations('used').map((r) => pair(r, 'prov:activity', 'prov:entity'));
  const generated = run.relations('wasGeneratedBy').map((r) => pair(r, 'prov:entity', 'prov:activity'));
  const [execution] = idsOf(run, 'LearningExecution', {}, 'activity');
  const [seed] = idsOf(run, 'Parameter', { 'prov-ml:parameter_name': 'seed', 'prov-ml:role': 'input' });
  const [output] = idsOf(run, 'Parameter', { 'prov-ml:parameter_name': 'output_0', 'prov-ml:role': 'output' });
  assert.ok(used.includes(`${execution} ${seed}`), 'an input parameter is used by the run');
  assert.ok(generated.includes(`${output} ${execution}`), 'an output parameter is generated by the run');
  const originals = idsOf(run, 'OriginalArtifact');
  assert.equal(originals.length, 1, 'one "Original" entity per original path');
  const derived = run.relations('wasDerivedFrom').map((r) => pair(r, 'prov:generatedEntity', 'prov:usedEntity'));
  const copies = idsOf(run, 'Artifact');
  assert.deepEqual(copies.map((copy) => derived.includes(`${copy} ${originals[0]}`)), [true, true], 'both copies are derived from it');
  const [input] = idsOf(run, 'Artifact', { 'prov:label': 'input_0_newest_plot.txt' });
  assert.ok(used.some((relation) => relation.endsWith(` ${input}`)), 'log_input: the run used it');
  const informed = run.relations('wasInformedBy').map((r) => pair(r, 'prov:informed', 'prov:informant'));
  const context = (name: string): string => `${execution!.replace(/\.execution$/, '')}.context.${name}`;
  assert.ok(informed.includes(`${context('FINETUNE')} ${context('TRAINING')}`), 'FINETUNE is a sub-context of TRAINING');
  assert.ok(informed.includes(`${context('ARCHIVE')} ${execution}`), 'ARCHIVE is a context of the run');
  const logged = entitiesOf(run, 'SourceCode').filter((entity) => 'prov-ml:source_path' in entity);
  assert.equal(logged.length, 1, 'log_source_code');
  assert.equal(plain(logged[0]!['prov-ml:source_path']), cwd);
  const head = spawnSync('git', ['-C', cwd, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  assert.equal(plain(logged[0]!['prov-ml:source_git_commit']), head.status === 0 ? head.stdout.trim() : undefined, 'the commit git reports there');
  const carbon = readdirSync(join(run.runDir, 'metrics')).filter((file) => /^(emissions|energy_consumed)/.test(file) && file.endsWith(`_GR${run.rank}.csv`));
  assert.deepEqual(carbon, [], 'disable_codecarbon: no carbon samples');
}

/**
 * unify_experiments: once the job is finalised (before a standalone end_run returns, before `prov4ml run`
 * exits) <save dir>/<experiment>_UNIFIED.json holds every run of the experiment, this one included.
 */
function assertUnified(run: RankRun, how: HowItRan): void {
  const unified = join(dirname(run.runDir), 'compat_newest_UNIFIED.json');
  assert.ok(existsSync(unified), `${unified} exists${how.wrapped ? ' (wrapped)' : ''}`);
  assert.ok(readFileSync(unified, 'utf8').includes(basename(run.runDir)), `${unified} holds ${basename(run.runDir)}`);
  assert.doesNotMatch(how.output, /then run: prov4ml unify/);
}

export const ITWINAI: Fixture = {
  script: 'itwinai_style.py',
  experiment: 'compat_itwinai',
  check(run, how) {
    const documents = /^documents: (\S+) (\S+) (\S+)$/m.exec(how.output)?.slice(1);
    assert.deepEqual(documents?.map((path) => path.replace(/_GR\d+\./, '_GR.')), ['json', 'dot', 'svg'].map((ext) => run.document.replace(/_GR\d+\.json$/, `_GR.${ext}`)), 'log_provenance_documents returned the paths end_run rewrote');
    assert.deepEqual(metricRows(run, 'train_loss', 'TRAINING'), { separator: ',', steps: [0, 1, 2, 3, 4, 5], values: [0, 1, 2, 3, 4, 5] });
    assert.deepEqual(metricRows(run, 'val_loss', 'VALIDATION').values, [0.5, 0.25]);
    assert.deepEqual(metricRows(run, 'epoch_time', 'TRAINING').steps, [0, 1]);
    const params = paramsOf(run);
    assert.deepEqual(['optimizer', 'model_name', 'total_params'].map((name) => params.get(name)), ['adam', 'best_model', 3 * 2 + 2]);
    assert.deepEqual(datasetsOf(run).get('train_dataloader'), { batch_size: 2, num_workers: 0, total_steps: 3, shuffle: true, total_samples: 6 });
    const artifacts = artifactsOf(run);
    assert.deepEqual(artifacts.map((a) => [a.label, a.role, a.step]), [
      ['itwinai_model.pth', 'model_version', 0],
      ['itwinai_model.pth', 'model_version', 1],
      ['best_model.pth', 'model_version_final', null],
    ]);
    assertArtifactsIntact(run);
    assertDocumentsBeside(run);
  },
};

export const FIXTURES: readonly Fixture[] = [SEED, NEWEST, ITWINAI];
