/**
 * The Python client (packages/agent/python/prov4ml) against real agents: runs the scenarios of its
 * unittest suite (tests/test_scenarios.py, tests/test_flops.py) with PROV4ML_TEST_HARNESS=agent, so that
 * every start_run starts `prov4ml agent`, which hosts its run's aggregator, and checks the files each
 * run wrote: metric CSVs row by row, the rank's PROV-JSON, the job's collection, the artifacts' copies.
 * What only the wire shows is checked in python-wire.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { pythonProvErrors } from '../../../test/support/run-dir.js';
import { run, useAgentSuite, PYTHON_DIR } from './python-harness.js';
import { attributes, literal } from './rank-run.js';

const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const torchAvailable = pythonAvailable && pythonModuleAvailable('torch');
const numpyAvailable = pythonAvailable && pythonModuleAvailable('numpy');
const withTorch = { skip: torchAvailable ? false : 'torch not importable' };
/** Experiments of tests/test_scenarios.py and tests/test_flops.py that start a run. */
const EXPERIMENTS = ['metrics', 'bad_arguments', 'final_metrics', 'params', 'artifacts', 'no_torch', 'fork', 'no_end_run', ...(torchAvailable ? ['torch', 'flops'] : [])];

describe('Python client against real agents: the files of each scenario', needs('Debian python3', pythonAvailable), () => {
  const suite = useAgentSuite('scenarios', ['tests.test_scenarios', 'tests.test_flops']);

  it('ran every scenario; a rank other than 0 needs the recorder (python-wire.test.ts)', () => {
    const { output, runs } = suite();
    assert.match(output, /test_ranks_other_than_0_do_not_record_without_collect_all_processes .* skipped 'a real agent of a one-rank job is rank 0/);
    assert.deepEqual(runs('rank1_quiet'), []);
    assert.doesNotMatch(output, /\(tests\.test_flops\.[\w.]+\) \.\.\. skipped/, 'every FLOP test ran');
  });

  it('every run has its rank document and a collection naming it with its sha256, and python prov reads both', { skip: pythonModuleAvailable('prov') ? false : 'python prov not importable' }, async () => {
    const runs = EXPERIMENTS.map((experiment) => suite().only(experiment));
    for (const run of runs) run.assertCollection();
    assert.deepEqual(await pythonProvErrors(runs.flatMap((run) => [run.documentPath, join(run.runDir, 'prov_collection.json')])), []);
  });

  it('writes every metric point with its step, value (NaN and ±inf too) and timestamp', () => {
    const run = suite().only('metrics');
    const loss = run.points('loss', 'TRAINING');
    assert.deepEqual(loss.map(([step]) => step), Array.from({ length: 253 }, (_, i) => i));
    assert.deepEqual(loss.slice(0, 250).map(([, value]) => value), Array.from({ length: 250 }, (_, i) => 1 / (i + 1)));
    assert.ok(Number.isNaN(loss[250]![1]));
    assert.deepEqual(loss.slice(251), [[251, Number.POSITIVE_INFINITY], [252, Number.NEGATIVE_INFINITY]]);
    assert.deepEqual(attributes(run.metric('loss', 'TRAINING'), ['source', 'unit', 'count', 'nan_count']), { source: 'metric', unit: '', count: 253, nan_count: 1 });
    assert.deepEqual(run.points('acc', 'VALIDATION'), [[0, 0.5], [1, 0.75], [2, 1]]);
    const [time] = run.points('epoch_time', 'TRAINING');
    assert.deepEqual([...Object.values(attributes(run.metric('epoch_time', 'TRAINING'), ['source', 'unit'])), time![0]], ['execution_time', 's', 1]);
    assert.ok(Math.abs(time![1]! - Date.now() / 1000) < 3600, 'a Unix time in seconds');
    const many = run.rows('many', 'TESTING');
    assert.equal(many.length, 200_000);
    assert.ok(many.every((row, i) => row.step === i && row.value === i * 0.5));
    assert.deepEqual(run.seriesKeys, ['acc/VALIDATION', 'epoch_time/TRAINING', 'loss/TRAINING', 'many/TESTING', ...(numpyAvailable ? ['numpy/TRAINING'] : []), ...(torchAvailable ? ['tensor/TRAINING'] : [])]);
  });

  it('accepts numpy scalars and 0-d tensors as numbers', (t) => {
    const run = suite().only('metrics');
    if (numpyAvailable) assert.deepEqual(run.points('numpy', 'TRAINING'), [[3, 0.5]]);
    else t.diagnostic('numpy not importable');
    if (torchAvailable) assert.deepEqual(run.points('tensor', 'TRAINING'), [[4, 2.5]]);
  });

  it('records execution start and end times as parameters', () => {
    const run = suite().only('metrics');
    for (const name of ['execution_start_time', 'execution_end_time']) assert.ok(Math.abs((run.param(name) as number) - Date.now() / 1000) < 3600, name);
  });

  it('lets nothing through from a call with a bad argument', () => {
    const run = suite().only('bad_arguments');
    assert.deepEqual(run.points('loss', 'TRAINING'), [[0, 0.5]]);
    assert.deepEqual(run.seriesKeys, ['loss/TRAINING']);
  });

  it('folds registered final metrics over every context and writes them with the graph and the SVG end_run asked for', () => {
    const run = suite().only('final_metrics');
    const finals = run.finalMetrics;
    assert.deepEqual(finals.get('loss'), { operation: 'MIN', value: 0.2, count: 6 });
    assert.deepEqual(finals.get('acc'), { operation: 'MAX', value: 1 - 0.4, count: 3 });
    assert.deepEqual(finals.get('seen'), { operation: 'ADD', value: 30, count: 3 });
    assert.deepEqual(finals.get('custom'), { operation: 'CUSTOM', value: 8, count: 3 });
    assert.ok(Number.isNaN(finals.get('diverged')?.value));
    assert.deepEqual([run.has('prov_final_metrics_GR0.dot'), run.has('prov_final_metrics_GR0.svg')], [true, true]);
  });

  it('writes parameters, datasets and the samples asked for, in the save directory start_run named (relative to the program)', () => {
    const { directory, only } = suite();
    const run = only('params');
    assert.equal(run.runDir, join(directory, 'relative', 'prov', 'params_0'));
    assert.deepEqual(attributes(run.execution, ['collect_all_processes', 'save_after_n_logs']), { collect_all_processes: true, save_after_n_logs: 10 });
    assert.deepEqual(['lr', 'epochs', 'amp', 'optimizer', 'nan_param'].map((name) => run.param(name)), [0.001, 3, false, "{'name': 'adam'}", 'NaN']);
    assert.deepEqual(run.datasets, [['plain_list', { total_samples: 42 }]]);
    assert.equal(run.entities('Dataset')[0]?.['prov-ml:context'], 'TRAINING');
    assert.deepEqual(run.rows('cpu_usage', 'TRAINING').map((row) => row.step), [2], 'the system sample at its step');
    assert.deepEqual(run.rows('energy_consumed', 'VALIDATION').map((row) => row.step), [0], 'the carbon sample at step 0');
    assert.equal(run.seriesKeys.includes('energy_consumed/TRAINING'), false, 'no carbon sample was asked for in TRAINING');
  });

  it('stores artifacts with their sha256, skipping missing files and what the agent refused', () => {
    const run = suite().only('artifacts');
    assert.equal(run.artifacts.length, 1);
    const [notes] = run.artifacts;
    const original = literal(notes!['prov-ml:original_path']) as string;
    assert.ok(original.startsWith('/') && original.endsWith('/notes.txt'));
    assert.deepEqual(attributes(notes, ['prov:label', 'context', 'step', 'role', 'copied', 'artifact_path']), {
      'prov:label': 'notes.txt',
      context: 'EVALUATION',
      step: 5,
      role: 'artifact',
      copied: true,
      artifact_path: 'artifacts/GR0/notes.txt',
    });
    assert.ok(Math.abs(Date.parse(literal(notes!['prov-ml:creation_timestamp']) as string) - Date.now()) < 3_600_000);
    assert.equal(run.copyOf(notes!).toString(), 'hello');
    assert.deepEqual(readdirSync(join(run.runDir, 'artifacts', 'GR0')), ['notes.txt'], 'nothing of the refused file');
  });

  it('saves torch models as versions with their copies, logs their size and DataLoader statistics', withTorch, () => {
    const run = suite().only('torch');
    const [version, final] = run.artifacts;
    assert.deepEqual(attributes(version, ['type', 'prov:label', 'context', 'step', 'role', 'artifact_path']), {
      type: 'ModelVersion', 'prov:label': 'net.pth', context: 'TRAINING', step: 1, role: 'model_version', artifact_path: 'artifacts/GR0/net.pth',
    });
    assert.deepEqual(attributes(final, ['type', 'prov:label', 'context', 'step', 'role', 'artifact_path']), {
      type: 'ModelVersion', 'prov:label': 'net.pth', context: 'EVALUATION', step: undefined, role: 'model_version_final', artifact_path: 'artifacts/GR0/net.1.pth',
    });
    assert.ok(run.copyOf(version!).length > 0, 'the state dict existed while the agent copied it');
    run.copyOf(final!);
    // The client wrote those state dicts in a scratch place for the run: the copies are the versions,
    // with no "Original" of a path that no longer exists.
    assert.deepEqual([version, final].map((artifact) => artifact!['prov-ml:original_path']), [undefined, undefined]);
    assert.deepEqual(run.entities('OriginalArtifact'), []);
    assert.equal(Object.keys(run.document.wasDerivedFrom ?? {}).length, 0);
    const totalParams = 4 * 3 + 3 + 3 * 1 + 1;
    assert.deepEqual(
      ['model_name', 'total_params', 'memory_of_model', 'total_memory_load_of_model'].map((name) => run.param(name)),
      ['net', totalParams, (totalParams * 32) / 8 / 1e6, (totalParams * 32) / 8 / 1e6 + 2 * totalParams * 4e-6],
    );
    assert.deepEqual(run.datasets, [['train_loader', { batch_size: 4, num_workers: 0, total_steps: 3, shuffle: true, total_samples: 10 }]]);
  });

  it('counts FLOPs on this torch, cumulative per run as the original, in FLOP with the counting method recorded', withTorch, () => {
    // tests/test_flops.py: a Conv2d(1, 2, 3, padding=1) → ReLU → Flatten → Linear(32, 3) model costs
    // 2·(2·16·9) + 2·(3·32) = 768 FLOP per [1, 4, 4] sample; a batch holds 5 samples, the data set 10.
    const perSample = 768;
    const run = suite().only('flops');
    assert.deepEqual(run.points('flops_pb', 'TRAINING'), [[0, 5 * perSample], [1, 10 * perSample]]);
    assert.deepEqual(run.points('flops_pe', 'TRAINING'), [[0, 10 * perSample], [1, 20 * perSample], [2, 26 * perSample]], 'a DataLoader, a Dataset, a Subset of 6');
    assert.deepEqual(
      ['flops_pb', 'flops_pe'].map((name) => attributes(run.metric(name, 'TRAINING'), ['source', 'unit'])),
      [{ source: 'flops_pb', unit: 'FLOP' }, { source: 'flops_pe', unit: 'FLOP' }],
    );
    assert.match(
      String(run.param('flops_counting')),
      /^(torch\.utils\.flop_counter\.FlopCounterMode|prov4ml TorchDispatchMode counter with FlopCounterMode's formulas) \(torch \d+\.\d+\S*\); 2 FLOP per multiply-accumulate/,
    );
  });

  it('without torch still records what needs no torch', () => {
    const run = suite().only('no_torch');
    assert.deepEqual(run.artifacts, []);
    assert.deepEqual(run.datasets, [['a_range', { total_samples: 7 }]]);
    assert.deepEqual(run.points('loss', 'TRAINING'), [[0, 0.5]]);
  });

  it('ignores what a forked child logs', () => {
    const run = suite().only('fork');
    assert.deepEqual(run.points('parent', 'TRAINING'), [[0, 1], [1, 2]]);
    assert.deepEqual(run.seriesKeys, ['parent/TRAINING']);
  });

  it('delivers at interpreter exit when end_run was never called, and records the exit as it was (status 0, no signal)', () => {
    const run = suite().only('no_end_run');
    assert.deepEqual(run.points('loss', 'TRAINING'), [[7, 0.25]]);
    assert.deepEqual(attributes(run.execution, ['clean', 'unfinished', 'exit_code']), { clean: true, unfinished: false, exit_code: 0 });
  });
});

describe('Python client without the wrapper', needs('Debian python3', pythonAvailable), () => {
  it('starts its own agent (the prov4ml CLI), which writes the rank\'s provenance by the time end_run returns', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'prov4ml-own-agent-'));
    try {
      const script = [
        'import math, prov4ml',
        'prov4ml.start_run("www.example.org", "own", provenance_save_dir="prov")',
        'for step in range(300):',
        '    prov4ml.log_metric("loss", 1.0 / (step + 1), prov4ml.Context.TRAINING, step)',
        'prov4ml.log_metric("loss", math.nan, "training", 300)',
        'prov4ml.end_run()',
      ].join('\n');
      const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' };
      delete env.PROV4ML_CHANNEL;
      const result = await run(DEBIAN_PYTHON, ['-c', script], { cwd: directory, env });
      assert.equal(result.code, 0, result.output);
      assert.doesNotMatch(result.output, /Prov4mlWarning/);
      const csv = readFileSync(join(directory, 'prov', 'own_0', 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8').trim().split('\n');
      assert.equal(csv.length, 1 + 301);
      assert.match(csv.at(-1)!, /^300,NaN,/);
      assert.ok(existsSync(join(directory, 'prov', 'own_0', 'prov_own_GR0.json')));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
