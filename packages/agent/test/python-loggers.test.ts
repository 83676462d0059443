/**
 * The Lightning and itwinai loggers (packages/agent/python/tests/test_loggers.py) against real agents:
 * the files each run wrote. The shape of the messages is checked in python-wire.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { pythonProvErrors } from '../../../test/support/run-dir.js';
import { useAgentSuite } from './python-harness.js';
import { attributes } from './rank-run.js';

const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const torchAvailable = pythonAvailable && pythonModuleAvailable('torch');

describe('Python client against real agents: the Lightning and itwinai loggers (tests/test_loggers.py)', needs('Debian python3', pythonAvailable), () => {
  const suite = useAgentSuite('loggers', ['tests.test_loggers']);

  it('every run has its collection, and python prov reads every document', { skip: pythonModuleAvailable('prov') ? false : 'python prov not importable' }, async () => {
    const runs = [...suite().runs('lightning_own'), suite().only('lightning_g1'), suite().only('itwinai_logger')];
    for (const run of runs) run.assertCollection();
    assert.deepEqual(await pythonProvErrors(runs.flatMap((run) => [run.documentPath, join(run.runDir, 'prov_collection.json')])), []);
  });

  it('ProvMLLogger starts its run as G2 did, logs every metric but epoch at step = epoch, and finalize ends it; the next Trainer call starts the next run', () => {
    const runs = suite().runs('lightning_own');
    assert.deepEqual(runs.map((run) => run.runId), [0, 1], 'fit, then test');
    const [fit, test] = runs as [(typeof runs)[0], (typeof runs)[0]];
    assert.deepEqual(fit.points('train_loss', 'TRAINING'), [0, 1, 2, 3, 4, 5].map((step) => [Math.floor(step / 3), 1 / (step + 1)]));
    assert.deepEqual(fit.points('val_loss', 'TRAINING'), [[1, 0.5]]);
    assert.deepEqual(fit.points('lr', 'TRAINING'), [[9, 0.1]], "no epoch: Lightning's step");
    assert.deepEqual(fit.seriesKeys, ['lr/TRAINING', 'train_loss/TRAINING', 'val_loss/TRAINING']);
    assert.deepEqual(['lr', 'layers', 'batch_size', 'optim'].map((name) => fit.param(name)), [0.01, 2, 4, "{'name': 'sgd'}"]);
    assert.equal(fit.params.has('hp_metric'), false);
    assert.deepEqual(attributes(fit.execution, ['save_after_n_logs']), { save_after_n_logs: 7 });
    assert.deepEqual([fit.has('prov_lightning_own_GR0.dot'), fit.has('prov_lightning_own_GR0.svg')], [true, true]);
    assert.deepEqual(test.points('test_loss', 'TRAINING'), [[0, 0.125]]);
    assert.deepEqual(test.seriesKeys, ['test_loss/TRAINING']);
    assert.deepEqual([test.has('prov_lightning_own_GR0.dot'), test.has('prov_lightning_own_GR0.svg')], [true, true]);
  });

  it('ProvMLLogger in a seed script that started its run: joins it, applies its prefix as Lightning does, ends nothing', () => {
    const { runs, only } = suite();
    assert.deepEqual(runs('lightning_logs'), [], 'the logger started no run of its own');
    const run = only('lightning_g1');
    assert.deepEqual(run.points('fold0-val_loss', 'TRAINING'), [[2, 0.25]]);
    assert.deepEqual(run.points('fold0-acc', 'TRAINING'), [[2, 0.5]]);
    assert.deepEqual(run.points('after', 'TRAINING'), [[0, 1]], 'the run went on after finalize');
    assert.equal(run.param('seed'), 7);
    assert.equal(run.has('prov_lightning_g1_GR0.dot'), false, 'end_run() asked for no graph');
  });

  it('ProvMLItwinAILogger: the run of its worker, every kind of log, log_freq on batches, documents', () => {
    const { runs, only } = suite();
    const run = only('itwinai_logger');
    assert.ok(run.runDir.includes('/tmp/prov4ml-loggers-'), 'in the provenance_save_dir given');
    assert.deepEqual(attributes(run.execution, ['collect_all_processes', 'save_after_n_logs', 'user_namespace']), { collect_all_processes: true, save_after_n_logs: 10, user_namespace: 'www.example.org' });
    assert.deepEqual(run.points('batch_loss', 'TRAINING'), [[0, 0], [2, 0.5]], 'log_freq=2: batches 0 and 2');
    assert.deepEqual(run.points('train_loss', 'TRAINING'), [[0, 0.5]]);
    assert.deepEqual(run.points('val_loss', 'VALIDATION'), [[0, 0.25]]);
    assert.equal(run.metric('epoch_time', 'TRAINING')['prov-ml:source'], 'execution_time');
    assert.deepEqual([run.rows('cpu_usage', 'TRAINING'), run.rows('energy_consumed', 'VALIDATION')].map((rows) => rows.map((row) => row.step)), [[0], [1]]);
    assert.deepEqual(['batch_size', 'optimizer', 'seed'].map((name) => run.param(name)), [8, 'adam', 3]);
    assert.equal(run.params.has('plot'), false, "another logger's kind is ignored");
    assert.deepEqual([run.has('prov_itwinai_logger_GR0.dot'), run.has('prov_itwinai_logger_GR0.svg')], [true, true]);
    assert.deepEqual(runs('itwinai_rank1'), [], 'a worker that does not log starts no run');
  });

  it('ProvMLItwinAILogger: models, the best model, a DataLoader and FLOPs through log', { skip: torchAvailable ? false : 'torch not importable' }, () => {
    const run = suite().only('itwinai_logger');
    assert.deepEqual(run.artifacts.map((a) => attributes(a, ['type', 'prov:label', 'context', 'step', 'role', 'artifact_path'])), [
      { type: 'ModelVersion', 'prov:label': 'net.pth', context: 'TRAINING', step: 0, role: 'model_version', artifact_path: 'artifacts/GR0/net.pth' },
      { type: 'ModelVersion', 'prov:label': 'best.pth', context: 'EVALUATION', step: undefined, role: 'model_version_final', artifact_path: 'artifacts/GR0/best.pth' },
    ]);
    for (const artifact of run.artifacts) run.copyOf(artifact);
    assert.deepEqual(['model_name', 'total_params'].map((name) => run.param(name)), ['best', 3]);
    assert.deepEqual(run.datasets, [['train_loader', { batch_size: 3, num_workers: 0, total_steps: 2, shuffle: false, total_samples: 6 }]]);
    // By hand: Linear(2, 1) is 2 multiply-accumulates = 4 FLOP per sample; a batch of 3 is 12, 6 samples 24.
    assert.deepEqual(run.points('flops', 'TRAINING'), [[0, 12]]);
    assert.deepEqual(run.points('flops_epoch', 'TRAINING'), [[0, 24]]);
  });
});
