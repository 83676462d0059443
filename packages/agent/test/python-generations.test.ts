/**
 * Every generation of the original API (packages/agent/python/tests/test_generations.py) against real
 * agents: the files each run wrote. The shape of the messages is checked in python-wire.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetricFile } from '@prov4ml/report';
import { describe, it } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { pythonProvErrors } from '../../../test/support/run-dir.js';
import { useAgentSuite } from './python-harness.js';
import { attributes, literal } from './rank-run.js';

const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const torchAvailable = pythonAvailable && pythonModuleAvailable('torch');
const numpyAvailable = pythonAvailable && pythonModuleAvailable('numpy');
const withTorch = { skip: torchAvailable ? false : 'torch not importable' };
const ARTIFACT_FIELDS = ['type', 'prov:label', 'context', 'step', 'role', 'is_input', 'copied', 'artifact_path'];

describe('Python client against real agents: every generation of the original API (tests/test_generations.py)', needs('Debian python3', pythonAvailable), () => {
  const suite = useAgentSuite('generations', ['tests.test_generations']);

  it('every run has its collection, and python prov reads every document', { skip: pythonModuleAvailable('prov') ? false : 'python prov not importable' }, async () => {
    const runs = ['newest_api', 'itwinai_style', 'metric_text', 'seed_artifacts', 'ctx_seed', 'ctx_newest', ...(torchAvailable ? ['models'] : [])].map((e) => suite().only(e));
    for (const run of runs) run.assertCollection();
    assert.deepEqual(await pythonProvErrors(runs.flatMap((run) => [run.documentPath, join(run.runDir, 'prov_collection.json')])), []);
  });

  it('the name-first start_run: its run id names the run directory, its separator the CSVs', () => {
    const run = suite().only('newest_api');
    assert.equal(run.runDir, join(suite().directory, 'prov', 'newest_api_7'));
    assert.match(run.csv('loss', 'TRAINING').split('\n')[0]!, /^step;value;timestamp_ms$/);
    assert.deepEqual(attributes(run.execution, ['collect_all_processes', 'save_after_n_logs', 'disable_codecarbon']), { collect_all_processes: true, save_after_n_logs: 50, disable_codecarbon: true });
  });

  it('parameters carry context, source and whether they are inputs', () => {
    const params = suite().only('newest_api').params;
    assert.deepEqual(params.get('lr'), { value: 0.01, context: 'TRAINING', source: 'config', role: 'input' });
    assert.deepEqual(params.get('accuracy'), { value: 0.9, context: 'VALIDATION', role: 'output' });
    assert.deepEqual(params.get('execution_command'), { value: 'python3 train.py --epochs 2' });
    assert.ok(String(params.get('execution_path')?.value).startsWith('/'));
    assert.deepEqual(params.get('input_1'), { value: "{'seed': 1}", role: 'input' });
    assert.deepEqual(params.get('output_0'), { value: 0.93, role: 'output' });
    assert.equal(params.get('execution_start_time')?.role, undefined, 'parameters without is_input keep the default relation');
  });

  it('artifacts in the name-first form: copied or not, in a subdirectory, as inputs; the copies are the file', () => {
    const run = suite().only('newest_api');
    assert.deepEqual(run.artifacts.map((a) => attributes(a, ARTIFACT_FIELDS)), [
      { type: 'Artifact', 'prov:label': 'plot', context: 'TRAINING', step: undefined, role: 'artifact', is_input: false, copied: true, artifact_path: 'artifacts/GR0/plot' },
      { type: 'Artifact', 'prov:label': 'plot_in', context: 'VALIDATION', step: 3, role: 'artifact', is_input: true, copied: true, artifact_path: 'artifacts/GR0/figures/plot_in' },
      { type: 'Artifact', 'prov:label': 'plot_ref', context: 'TRAINING', step: undefined, role: 'artifact', is_input: false, copied: false, artifact_path: undefined },
      { type: 'Artifact', 'prov:label': 'input_0_plot.png', context: 'TRAINING', step: undefined, role: 'artifact', is_input: true, copied: true, artifact_path: 'artifacts/GR0/input_0_plot.png' },
    ]);
    assert.ok(run.artifacts.every((a) => String(literal(a['prov-ml:original_path'])).endsWith('/plot.png')));
    for (const artifact of run.artifacts.filter((a) => a['prov-ml:copied'] === true)) assert.equal(run.copyOf(artifact).toString(), 'png bytes');
    assert.equal(run.artifacts[2]!['prov-ml:sha256'], run.artifacts[0]!['prov-ml:sha256'], 'a file left in place is fingerprinted too');
  });

  it('contexts: created with their parent, logged with their source of data, used by metrics with the timestamp given', () => {
    const run = suite().only('newest_api');
    assert.deepEqual(attributes(run.contexts.get('FINETUNE'), ['parent_context', 'source_of_data']), { parent_context: 'TRAINING', source_of_data: undefined });
    assert.deepEqual(attributes(run.contexts.get('ARCHIVE'), ['parent_context', 'source_of_data']), { parent_context: undefined, source_of_data: 's3://bucket/data' });
    assert.deepEqual(run.points('loss', 'FINETUNE'), [[2, 0.25]]);
    assert.deepEqual(run.rows('loss', 'TRAINING').map((row) => [row.step, row.value, row.timestampMs]), [[1, 0.5, 1_700_000_000_000]], 'log_metric(timestamp=) is kept');
  });

  it('source code, the system sample and no carbon, documents with graph and SVG', () => {
    const run = suite().only('newest_api');
    const [source] = run.entities('SourceCode').filter((s) => 'prov-ml:source_path' in s);
    assert.equal(source?.['prov-ml:source_path'], suite().directory, 'log_source_code() records the working directory');
    assert.deepEqual(run.rows('cpu_usage', 'TRAINING').map((row) => row.step), [1]);
    assert.equal(run.seriesKeys.some((key) => key.startsWith('energy_consumed/')), false, 'log_carbon_metrics raised and asked for nothing');
    assert.deepEqual([run.has('prov_newest_api_GR0.dot'), run.has('prov_newest_api_GR0.svg')], [true, true]);
  });

  it('the itwinai logger style: keywords, lowercase string contexts, samples, documents', () => {
    const run = suite().only('itwinai_style');
    assert.ok(run.runDir.includes('/tmp/prov4ml-generations-'), 'in the provenance_save_dir given');
    assert.deepEqual(run.points('loss', 'TRAINING'), [[0, 1], [1, 0.5], [2, 1 / 3]]);
    assert.deepEqual(run.points('val_loss', 'VALIDATION'), [[0, 2], [1, 1], [2, 2 / 3]]);
    assert.equal(run.points('epoch_time', 'TRAINING')[0]?.[0], 2);
    assert.deepEqual([run.rows('cpu_usage', 'TRAINING'), run.rows('energy_consumed', 'TRAINING')].map((rows) => rows.map((row) => row.step)), [[2], [2]]);
    assert.equal(run.param('batch_size'), 32);
    assert.deepEqual(run.datasets, [['train', { total_samples: 5 }], ['valid', { total_samples: 3 }]]);
    assert.deepEqual([run.has('prov_itwinai_style_GR0.dot'), run.has('prov_itwinai_style_GR0.svg')], [true, true]);
  });

  it('a metric value that is not one number is kept whole as text, in order, never a crash', () => {
    const run = suite().only('metric_text');
    const params = run.params;
    assert.deepEqual(params.get('Outlier (TESTING, step 4)'), { value: '[1, 2.5, 3]', context: 'TESTING', source: 'metric' });
    assert.equal(params.get('Outlier (TESTING, step 5)')?.value, '[4]');
    assert.equal(params.get('note (TRAINING, step 1)')?.value, '0.5');
    const whole = `[${Array.from({ length: 20000 }, (_, i) => i).join(', ')}]`;
    assert.equal(whole.length, 128_890);
    const parts = [...params.keys()].filter((name) => name.startsWith('long (TRAINING, step 0) part '));
    assert.deepEqual(parts, [1, 2, 3].map((n) => `long (TRAINING, step 0) part ${n} of 3`), 'parts of 60,000 characters');
    assert.equal(parts.map((name) => params.get(name)!.value).join(''), whole, 'split, not cut');
    if (numpyAvailable) {
      assert.equal(params.get('array (TRAINING, step 2)')?.value, '[1.5, 2.5]');
      assert.deepEqual(run.points('np_scalar', 'TRAINING'), [[2, 0.125]]);
    }
    if (torchAvailable) {
      assert.equal(params.get('tensor (TRAINING, step 3)')?.value, '[0.5, 1.5]');
      assert.deepEqual(run.points('zero_d', 'TRAINING'), [[3, 0.75]]);
    }
    assert.deepEqual(run.seriesKeys, [...(numpyAvailable ? ['np_scalar/TRAINING'] : []), ...(torchAvailable ? ['zero_d/TRAINING'] : [])]);
  });

  it('models in both orders: versions, incremental versions in their folder, finals, input flags, loader and subset stats', withTorch, () => {
    const run = suite().only('models');
    assert.deepEqual(run.artifacts.map((a) => attributes(a, ['type', 'prov:label', 'step', 'role', 'is_input', 'artifact_path'])), [
      { type: 'ModelVersion', 'prov:label': 'net.pth', step: 1, role: 'model_version', is_input: false, artifact_path: 'artifacts/GR0/net.pth' },
      { type: 'ModelVersion', 'prov:label': 'net_0.pt', step: 2, role: 'model_version', is_input: false, artifact_path: 'artifacts/GR0/net/net_0.pt' },
      { type: 'ModelVersion', 'prov:label': 'net_1.pt', step: 3, role: 'model_version', is_input: false, artifact_path: 'artifacts/GR0/net/net_1.pt' },
      { type: 'ModelVersion', 'prov:label': 'net.pth', step: undefined, role: 'model_version', is_input: false, artifact_path: 'artifacts/GR0/net.1.pth' },
      { type: 'ModelVersion', 'prov:label': 'final.pth', step: undefined, role: 'model_version_final', is_input: false, artifact_path: 'artifacts/GR0/final.pth' },
      { type: 'Artifact', 'prov:label': 'final2_layers_description.json', step: undefined, role: 'artifact', is_input: true, artifact_path: 'artifacts/GR0/final2_layers_description.json' },
      { type: 'ModelVersion', 'prov:label': 'final2.pth', step: undefined, role: 'model_version_final', is_input: true, artifact_path: 'artifacts/GR0/final2.pth' },
    ]);
    for (const artifact of run.artifacts) run.copyOf(artifact);
    assert.equal(run.param('model_name'), 'info_only', 'the last model_name logged (python-wire.test.ts sees both)');
    const loaderStats = { batch_size: 4, num_workers: 0, total_steps: 3, shuffle: true, total_samples: 10 };
    assert.deepEqual(run.datasets, [['seed_loader', loaderStats], ['newest_loader', loaderStats], ['subset', { total_steps: 3, total_samples: 3 }]]);
  });

  it('writes the layers description of §1.10 (nested children, leaves with their shapes)', withTorch, () => {
    const run = suite().only('models');
    const layers = run.artifacts.find((a) => a['prov:label'] === 'final2_layers_description.json');
    assert.deepEqual(JSON.parse(run.copyOf(layers!).toString()), {
      '0': { layer_type: 'Conv2d', in_channels: 1, out_channels: 2, kernel_size: [3, 3], stride: [1, 1], padding: [1, 1], dtype: 'torch.float32' },
      '1': { layer_type: 'Flatten' },
      '2': { layer_type: 'Linear', in_features: 8, out_features: 1, dtype: 'torch.float32' },
    });
  });

  it('the seed artifact form, with a context as second argument, and a file named like a context', () => {
    const run = suite().only('seed_artifacts');
    assert.deepEqual(run.artifacts.map((a) => attributes(a, ['prov:label', 'context', 'step', 'artifact_path'])), [
      { 'prov:label': 'notes.txt', context: 'TRAINING', step: undefined, artifact_path: 'artifacts/GR0/notes.txt' },
      { 'prov:label': 'notes.1.txt', context: 'VALIDATION', step: 2, artifact_path: 'artifacts/GR0/notes.1.txt' },
      { 'prov:label': 'named', context: 'TRAINING', step: undefined, artifact_path: 'artifacts/GR0/named' },
    ]);
    assert.ok(String(literal(run.artifacts[2]!['prov-ml:original_path'])).endsWith('/training'));
    assert.equal(run.copyOf(run.artifacts[2]!).toString(), 'a file named like a context');
  });

  it('start_run_ctx in both orders: the graph without SVG, the save directory given; metrics_file_type=ZARR with BLOSC_ZSTD is a Zarr store of Blosc chunks', async () => {
    const seed = suite().only('ctx_seed');
    assert.deepEqual([seed.has('prov_ctx_seed_GR0.dot'), seed.has('prov_ctx_seed_GR0.svg')], [true, false]);
    assert.deepEqual(seed.points('loss', 'TRAINING'), [[0, 1]]);
    const newest = suite().only('ctx_newest');
    assert.ok(newest.runDir.includes('/tmp/prov4ml-generations-'), 'prov_save_path is provenance_save_dir');
    assert.equal(attributes(newest.metric('loss', 'TRAINING'), ['metric_file']).metric_file, 'metrics/loss_TRAINING_GR0.zarr');
    const store = join(newest.runDir, 'metrics/loss_TRAINING_GR0.zarr');
    const zarr = await readMetricFile(store);
    assert.deepEqual([[...zarr.steps], [...zarr.values]], [[0], [1]]);
    assert.equal(JSON.parse(readFileSync(join(store, 'value/.zarray'), 'utf8')).compressor.id, 'blosc');
  });
});
