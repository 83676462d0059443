/**
 * The Python client (packages/agent/python/prov4ml) against the real Node channel server: runs its
 * unittest suite with Debian's python3 and PROV4ML_CHANNEL set, then checks every message that
 * arrived, decoded, per experiment.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContextRecord, DatasetRecord, FinalMetricRecord, MetricSeriesBatch, ParamRecord, SourceCodeRecord } from '@prov4ml/prov-core';
import type { ArtifactMessage, ClientMessage, DocumentsMessage, EndRunMessage, SampleMessage, StartRunMessage } from '../src/channel/index.js';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { seriesOf, startRecordingServer, waitFor, type RecordedConnection, type RecordingServer } from './channel-recorder.js';

const PYTHON_DIR = new URL('../python', import.meta.url).pathname;
const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const torchAvailable = pythonAvailable && pythonModuleAvailable('torch');

describe('Python client against the Node channel server', needs('Debian python3', pythonAvailable), () => {
  let directory: string;
  let recording: RecordingServer;
  let unittestOutput = '';

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'prov4ml-py-'));
    recording = await startRecordingServer(directory);
    const result = await run(DEBIAN_PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'], {
      cwd: PYTHON_DIR,
      env: { ...process.env, PROV4ML_CHANNEL: recording.path, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    });
    unittestOutput = result.output;
    assert.equal(result.code, 0, `python unittest failed:\n${result.output}`);
    // Subprocesses of the suite connected too; their last bytes may still be on the way.
    await waitFor('every Python connection to close', () => recording.connections.every((c) => c.disconnected));
  });

  after(async () => {
    await recording?.server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('ran the Python suite without skipping the scenarios', () => {
    assert.doesNotMatch(unittestOutput, /skipped 'needs the Node channel server/);
    assert.deepEqual(recording.logs, [], 'the server dropped nothing');
  });

  it('says hello and starts the run with what start_run was given (null where unset)', () => {
    const [connection] = only(recording.experiment('metrics'));
    const [hello, start] = connection.messages;
    assert.equal(hello?.t, 'hello');
    assert.equal(hello.t === 'hello' && hello.lang, 'python');
    assert.equal(hello.t === 'hello' && hello.version, '0.1.0');
    assert.equal(connection.info.pid, hello.t === 'hello' ? hello.pid : -1);
    assert.deepEqual(start, {
      t: 'start_run',
      id: 1,
      provUserNamespace: 'www.example.org',
      experimentName: 'metrics',
      provenanceSaveDir: null,
      collectAllProcesses: null,
      saveAfterNLogs: null,
      rank: 0,
      disableCodecarbon: false,
      csvSeparator: null,
      metricsFileType: null,
      runId: null,
    });
    assert.equal(connection.messages.at(-1)?.t, 'end_run');
  });

  it('delivers every metric point with its step, value (NaN and ±inf too), context and timestamp', () => {
    const [connection] = only(recording.experiment('metrics'));
    const series = seriesByKey(connection);
    const loss = series.get('loss/TRAINING')!;
    assert.equal(loss.steps.length, 253);
    assert.deepEqual([...loss.steps], Array.from({ length: 253 }, (_, i) => i));
    assert.deepEqual([...loss.values.subarray(0, 250)], Array.from({ length: 250 }, (_, i) => 1 / (i + 1)));
    assert.ok(Number.isNaN(loss.values[250]));
    assert.equal(loss.values[251], Number.POSITIVE_INFINITY);
    assert.equal(loss.values[252], Number.NEGATIVE_INFINITY);
    assert.deepEqual([loss.source, loss.unit], ['metric', '']);
    assert.ok(loss.timestamps.every((t) => Math.abs(t - Date.now()) < 3_600_000), 'timestamps are epoch milliseconds');

    const acc = series.get('acc/VALIDATION')!;
    assert.deepEqual([...acc.steps], [0, 1, 2]);
    assert.deepEqual([...acc.values], [0.5, 0.75, 1]);

    const time = series.get('epoch_time/TRAINING')!;
    assert.deepEqual([time.source, time.unit, time.steps[0]], ['execution_time', 's', 1]);
    assert.ok(Math.abs(time.values[0]! - Date.now() / 1000) < 3600, 'a Unix time in seconds');

    const many = series.get('many/TESTING')!;
    assert.equal(many.steps.length, 200_000);
    assert.ok(many.steps.every((step, i) => step === i) && many.values.every((value, i) => value === i * 0.5));
    const chunks = seriesOf(connection).filter((s) => s.name === 'many');
    assert.ok(chunks.length >= 4, `200,000 points travel in chunks of at most 65,536, got ${chunks.length}`);
  });

  it('accepts numpy scalars and 0-d tensors as numbers', (t) => {
    const series = seriesByKey(only(recording.experiment('metrics'))[0]);
    if (pythonModuleAvailable('numpy')) assert.deepEqual(pointsOf(series.get('numpy/TRAINING')), [[3, 0.5]]);
    else t.diagnostic('numpy not importable');
    if (torchAvailable) assert.deepEqual(pointsOf(series.get('tensor/TRAINING')), [[4, 2.5]]);
  });

  it('records execution start and end times as parameters', () => {
    const params = paramsOf(only(recording.experiment('metrics'))[0]);
    for (const name of ['execution_start_time', 'execution_end_time']) {
      assert.ok(Math.abs((params.get(name) as number) - Date.now() / 1000) < 3600, name);
    }
  });

  it('lets nothing through from a call with a bad argument', () => {
    const series = seriesByKey(only(recording.experiment('bad_arguments'))[0]);
    assert.deepEqual(pointsOf(series.get('loss/TRAINING')), [[0, 0.5]]);
    assert.equal(series.size, 1);
  });

  it('folds registered final metrics over every context and sends them at end_run', () => {
    const [connection] = only(recording.experiment('final_metrics'));
    const finals = new Map(recordsOf<FinalMetricRecord>(connection, 'final_metric').map((r) => [r.name, r]));
    assert.deepEqual(pick(finals.get('loss')), { operation: 'MIN', initialValue: Number.POSITIVE_INFINITY, value: 0.2, count: 6 });
    assert.deepEqual(pick(finals.get('acc')), { operation: 'MAX', initialValue: 0, value: 1 - 0.4, count: 3 });
    assert.deepEqual(pick(finals.get('seen')), { operation: 'ADD', initialValue: 0, value: 30, count: 3 });
    assert.deepEqual(pick(finals.get('custom')), { operation: 'CUSTOM', initialValue: 1, value: 8, count: 3 });
    assert.ok(Number.isNaN(finals.get('diverged')?.value));
    assert.deepEqual(connection.messages.at(-1), { t: 'end_run', id: 2, createGraph: true, createSvg: true });
  });

  it('sends parameters, datasets and sample requests, with start_run options made absolute', () => {
    const [connection] = only(recording.experiment('params'));
    const start = connection.messages.find((m) => m.t === 'start_run');
    assert.ok(start?.t === 'start_run');
    assert.ok(start.provenanceSaveDir?.startsWith('/') && start.provenanceSaveDir.endsWith('/relative/prov'));
    assert.deepEqual([start.collectAllProcesses, start.saveAfterNLogs, start.rank], [true, 10, 3]);
    const params = paramsOf(connection);
    assert.deepEqual(
      ['lr', 'epochs', 'amp', 'optimizer', 'nan_param'].map((name) => params.get(name)),
      [0.001, 3, false, "{'name': 'adam'}", 'NaN'],
    );
    const [dataset] = recordsOf<DatasetRecord>(connection, 'dataset');
    assert.deepEqual(pick(dataset, ['label', 'context', 'stats']), { label: 'plain_list', context: 'TRAINING', stats: { total_samples: 42 } });
    const samples = connection.messages.filter((m): m is SampleMessage => m.t === 'sample');
    assert.deepEqual(samples, [
      { t: 'sample', kind: 'system', context: 'TRAINING', step: 2 },
      { t: 'sample', kind: 'carbon', context: 'VALIDATION', step: 0 },
    ]);
    assert.equal(connection.messages.filter((m) => m.t === 'end_run').length, 1);
  });

  it('asks the agent to store artifacts, skipping missing files', () => {
    const [connection] = only(recording.experiment('artifacts'));
    const artifacts = artifactsOf(connection);
    assert.equal(artifacts.length, 2);
    const [notes, refused] = artifacts as [ArtifactMessage, ArtifactMessage];
    assert.ok(notes.path.startsWith('/') && notes.path.endsWith('/notes.txt'));
    assert.deepEqual(pick(notes, ['name', 'context', 'step', 'role']), { name: null, context: 'EVALUATION', step: 5, role: 'artifact' });
    assert.ok(Math.abs(notes.timestamp! - Date.now()) < 3_600_000);
    assert.equal(recording.artifactSizes.get(notes.path), 5);
    assert.ok(refused.path.endsWith('/refuse.txt'));
  });

  it('saves torch models as versions, logs their size and DataLoader statistics', { skip: torchAvailable ? false : 'torch not importable' }, () => {
    const [connection] = only(recording.experiment('torch'));
    const [version, final] = artifactsOf(connection);
    assert.deepEqual(pick(version, ['name', 'context', 'step', 'role']), { name: 'net.pth', context: 'TRAINING', step: 1, role: 'model_version' });
    assert.deepEqual(pick(final, ['name', 'context', 'step', 'role']), { name: 'net.pth', context: 'EVALUATION', step: null, role: 'model_version_final' });
    assert.ok((recording.artifactSizes.get(version!.path) ?? 0) > 0, 'the state dict existed while the agent copied it');
    const params = paramsOf(connection);
    const totalParams = 4 * 3 + 3 + 3 * 1 + 1;
    assert.deepEqual(
      ['model_name', 'total_params', 'memory_of_model', 'total_memory_load_of_model'].map((name) => params.get(name)),
      ['net', totalParams, (totalParams * 32) / 8 / 1e6, (totalParams * 32) / 8 / 1e6 + 2 * totalParams * 4e-6],
    );
    const [dataset] = recordsOf<DatasetRecord>(connection, 'dataset');
    assert.deepEqual(dataset?.stats, { batch_size: 4, num_workers: 0, total_steps: 3, shuffle: true, total_samples: 10 });
  });

  it('counts FLOPs on this torch, cumulative per run as the original, in FLOP with the counting method recorded', { skip: torchAvailable ? false : 'torch not importable' }, () => {
    // tests/test_flops.py: a Conv2d(1, 2, 3, padding=1) → ReLU → Flatten → Linear(32, 3) model costs
    // 2·(2·16·9) + 2·(3·32) = 768 FLOP per [1, 4, 4] sample; a batch holds 5 samples, the data set 10.
    const perSample = 768;
    assert.doesNotMatch(unittestOutput, /\(tests\.test_flops\.[\w.]+\) \.\.\. skipped/, 'every FLOP test ran');
    const [connection] = only(recording.experiment('flops'));
    const series = seriesByKey(connection);
    const perBatch = series.get('flops_pb/TRAINING');
    const perEpoch = series.get('flops_pe/TRAINING');
    assert.deepEqual(pointsOf(perBatch), [[0, 5 * perSample], [1, 10 * perSample]]);
    assert.deepEqual(pointsOf(perEpoch), [[0, 10 * perSample], [1, 20 * perSample], [2, 26 * perSample]], 'a DataLoader, a Dataset, a Subset of 6');
    assert.deepEqual([perBatch!.source, perBatch!.unit, perEpoch!.source, perEpoch!.unit], ['flops_pb', 'FLOP', 'flops_pe', 'FLOP']);
    assert.match(
      String(paramsOf(connection).get('flops_counting')),
      /^(torch\.utils\.flop_counter\.FlopCounterMode|prov4ml TorchDispatchMode counter with FlopCounterMode's formulas) \(torch \d+\.\d+\S*\); 2 FLOP per multiply-accumulate/,
    );
  });

  it('without torch still records what needs no torch', () => {
    const [connection] = only(recording.experiment('no_torch'));
    assert.deepEqual(artifactsOf(connection), []);
    assert.deepEqual(recordsOf<DatasetRecord>(connection, 'dataset')[0]?.stats, { total_samples: 7 });
    assert.deepEqual(pointsOf(seriesByKey(connection).get('loss/TRAINING')), [[0, 0.5]]);
  });

  it('records nothing from a rank other than 0 without collect_all_processes, but still ends the run', () => {
    const [connection] = only(recording.experiment('rank1_quiet'));
    assert.deepEqual(
      connection.messages.map((m) => m.t),
      ['hello', 'start_run', 'end_run'],
    );
  });

  it('ignores what a forked child logs', () => {
    const [connection] = only(recording.experiment('fork'));
    const series = seriesByKey(connection);
    assert.deepEqual(pointsOf(series.get('parent/TRAINING')), [[0, 1], [1, 2]]);
    assert.equal(series.has('child/TRAINING'), false);
    assert.equal(connection.messages.filter((m) => m.t === 'end_run').length, 1);
  });

  it('delivers and flushes at interpreter exit when end_run was never called', () => {
    const [connection] = only(recording.experiment('no_end_run'));
    assert.deepEqual(pointsOf(seriesByKey(connection).get('loss/TRAINING')), [[7, 0.25]]);
    assert.equal(connection.messages.at(-1)?.t, 'flush');
    assert.equal(connection.messages.some((m) => m.t === 'end_run'), false);
  });
});

/**
 * Runs one Python unittest module with Debian's python3 against a fresh recording channel server,
 * before the enclosing describe's tests; the server and its directory go after them.
 */
function recordPythonSuite(label: string, module: string): () => RecordingServer {
  let recording: RecordingServer | undefined;
  let directory: string;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), `prov4ml-py-${label}-`));
    const server = (recording = await startRecordingServer(directory));
    const result = await run(DEBIAN_PYTHON, ['-m', 'unittest', module, '-v'], {
      cwd: PYTHON_DIR,
      env: { ...process.env, PROV4ML_CHANNEL: server.path, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    });
    assert.equal(result.code, 0, `python unittest failed:\n${result.output}`);
    assert.doesNotMatch(result.output, /skipped 'needs the Node channel server/);
    await waitFor('every Python connection to close', () => server.connections.every((c) => c.disconnected));
  });

  after(async () => {
    await recording?.server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  return () => {
    assert.ok(recording, 'the recording server runs');
    return recording;
  };
}

describe('Python client: every generation of the original API (tests/test_generations.py)', needs('Debian python3', pythonAvailable), () => {
  const recording = recordPythonSuite('generations', 'tests.test_generations');

  it('the name-first start_run sends every option, and the server dropped nothing', () => {
    const [connection] = only(recording().experiment('newest_api'));
    const start = connection.messages.find((m): m is StartRunMessage => m.t === 'start_run');
    assert.deepEqual(start, {
      t: 'start_run',
      id: 1,
      provUserNamespace: 'www.example.org',
      experimentName: 'newest_api',
      provenanceSaveDir: null,
      collectAllProcesses: true,
      saveAfterNLogs: 50,
      rank: 0,
      disableCodecarbon: true,
      csvSeparator: ';',
      metricsFileType: 'csv',
      runId: 7,
    });
    assert.deepEqual(recording().logs, []);
  });

  it('parameters carry context, source and whether they are inputs', () => {
    const [connection] = only(recording().experiment('newest_api'));
    const params = new Map(recordsOf<ParamRecord>(connection, 'param').map((p) => [p.name, p]));
    assert.deepEqual(pick(params.get('lr'), ['value', 'context', 'source', 'isInput']), { value: 0.01, context: 'TRAINING', source: 'config', isInput: true });
    assert.deepEqual(pick(params.get('accuracy'), ['value', 'context', 'source', 'isInput']), { value: 0.9, context: 'VALIDATION', source: undefined, isInput: false });
    assert.deepEqual(pick(params.get('execution_command'), ['value']), { value: 'python3 train.py --epochs 2' });
    assert.ok(String(params.get('execution_path')?.value).startsWith('/'));
    assert.deepEqual(pick(params.get('input_1'), ['value', 'isInput']), { value: "{'seed': 1}", isInput: true });
    assert.deepEqual(pick(params.get('output_0'), ['value', 'isInput']), { value: 0.93, isInput: false });
    assert.equal(params.get('execution_start_time')?.isInput, undefined, 'parameters without is_input keep the default relation');
  });

  it('artifacts in the name-first form with copy, subdirectory, model and input flags', () => {
    const [connection] = only(recording().experiment('newest_api'));
    const fields = ['name', 'context', 'step', 'role', 'isInput', 'copy', 'subdirectory', 'isModel'];
    const artifacts = artifactsOf(connection).map((a) => pick(a, fields));
    assert.deepEqual(artifacts, [
      { name: 'plot', context: 'TRAINING', step: null, role: 'artifact', isInput: false, copy: true, subdirectory: null, isModel: false },
      { name: 'plot_in', context: 'VALIDATION', step: 3, role: 'artifact', isInput: true, copy: true, subdirectory: 'figures', isModel: false },
      { name: 'plot_ref', context: 'TRAINING', step: null, role: 'artifact', isInput: false, copy: false, subdirectory: null, isModel: false },
      { name: 'input_0_plot.png', context: 'TRAINING', step: null, role: 'artifact', isInput: true, copy: true, subdirectory: null, isModel: false },
    ]);
    assert.ok(artifactsOf(connection).every((a) => a.path.endsWith('/plot.png')));
  });

  it('contexts: created with their parent, logged with their source of data, used by metrics', () => {
    const [connection] = only(recording().experiment('newest_api'));
    const contexts = recordsOf<ContextRecord>(connection, 'context').map((c) => pick(c, ['name', 'parent', 'sourceOfData']));
    assert.deepEqual(contexts, [
      { name: 'FINETUNE', parent: 'TRAINING', sourceOfData: null },
      { name: 'ARCHIVE', parent: null, sourceOfData: 's3://bucket/data' },
    ]);
    const series = seriesByKey(connection);
    assert.deepEqual(pointsOf(series.get('loss/FINETUNE')), [[2, 0.25]]);
    assert.deepEqual([...series.get('loss/TRAINING')!.timestamps], [1_700_000_000_000], 'log_metric(timestamp=) is kept');
  });

  it('source code, samples without carbon, documents mid-run after what was logged before, then end_run', () => {
    const [connection] = only(recording().experiment('newest_api'));
    const [source] = recordsOf<SourceCodeRecord>(connection, 'source_code');
    assert.equal(source?.path, PYTHON_DIR.replace(/\/$/, ''));
    assert.ok(source && 'gitCommit' in source && 'gitRemote' in source && 'gitBranch' in source);
    const samples = connection.messages.filter((m): m is SampleMessage => m.t === 'sample');
    assert.deepEqual(samples, [{ t: 'sample', kind: 'system', context: 'TRAINING', step: 1 }], 'log_carbon_metrics raised and sent nothing');
    const documents = connection.messages.filter((m): m is DocumentsMessage => m.t === 'documents');
    assert.deepEqual(documents.map((d) => pick(d, ['createGraph', 'createSvg'])), [{ createGraph: true, createSvg: true }]);
    const beforeDocuments = connection.messages.slice(0, connection.messages.indexOf(documents[0]!));
    assert.ok(beforeDocuments.some((m) => m.t === 'records' && m.records.some((r) => r.kind === 'context' && r.name === 'ARCHIVE')), 'what was logged before goes first');
    const end = connection.messages.at(-1) as EndRunMessage;
    assert.deepEqual(pick(end, ['t', 'createGraph', 'createSvg', 'crateRoCrate']), { t: 'end_run', createGraph: true, createSvg: true, crateRoCrate: true });
  });

  it('the itwinai logger style: keywords, lowercase string contexts, log_provenance_documents then end_run', () => {
    const [connection] = only(recording().experiment('itwinai_style'));
    const series = seriesByKey(connection);
    assert.deepEqual(pointsOf(series.get('loss/TRAINING')), [[0, 1], [1, 0.5], [2, 1 / 3]]);
    assert.deepEqual(pointsOf(series.get('val_loss/VALIDATION')), [[0, 2], [1, 1], [2, 2 / 3]]);
    assert.equal(series.get('epoch_time/TRAINING')?.steps[0], 2);
    assert.deepEqual(
      connection.messages.filter((m): m is SampleMessage => m.t === 'sample').map((m) => [m.kind, m.context, m.step]),
      [['system', 'TRAINING', 2], ['carbon', 'TRAINING', 2]],
    );
    assert.equal(paramsOf(connection).get('batch_size'), 32);
    assert.deepEqual(recordsOf<DatasetRecord>(connection, 'dataset').map((d) => [d.label, d.stats]), [['train', { total_samples: 5 }], ['valid', { total_samples: 3 }]]);
    const kinds = connection.messages.map((m) => m.t).filter((t) => t === 'documents' || t === 'end_run');
    assert.deepEqual(kinds, ['documents', 'end_run']);
  });

  it('a metric value that is not one number is kept whole as text, in order, never a crash', () => {
    const [connection] = only(recording().experiment('metric_text'));
    const params = new Map(recordsOf<ParamRecord>(connection, 'param').map((p) => [p.name, p]));
    assert.deepEqual(pick(params.get('Outlier (TESTING, step 4)'), ['value', 'context', 'source']), { value: '[1, 2.5, 3]', context: 'TESTING', source: 'metric' });
    assert.equal(params.get('Outlier (TESTING, step 5)')?.value, '[4]');
    assert.equal(params.get('note (TRAINING, step 1)')?.value, '0.5');
    const whole = `[${Array.from({ length: 20000 }, (_, i) => i).join(', ')}]`;
    assert.equal(whole.length, 128_890);
    const parts = [...params.keys()].filter((name) => name.startsWith('long (TRAINING, step 0) part '));
    assert.deepEqual(parts, [1, 2, 3].map((n) => `long (TRAINING, step 0) part ${n} of 3`), 'parts of 60,000 characters');
    assert.equal(parts.map((name) => params.get(name)!.value).join(''), whole, 'split, not cut');
    const series = seriesByKey(connection);
    if (pythonModuleAvailable('numpy')) {
      assert.equal(params.get('array (TRAINING, step 2)')?.value, '[1.5, 2.5]');
      assert.deepEqual(pointsOf(series.get('np_scalar/TRAINING')), [[2, 0.125]]);
    }
    if (torchAvailable) {
      assert.equal(params.get('tensor (TRAINING, step 3)')?.value, '[0.5, 1.5]');
      assert.deepEqual(pointsOf(series.get('zero_d/TRAINING')), [[3, 0.75]]);
    }
    assert.deepEqual([...series.keys()].filter((key) => !['np_scalar/TRAINING', 'zero_d/TRAINING'].includes(key)), []);
  });

  it('models in both orders: seed files, incremental versions, layers description, loader and subset stats', { skip: torchAvailable ? false : 'torch not importable' }, () => {
    const [connection] = only(recording().experiment('models'));
    const artifacts = artifactsOf(connection).map((a) => pick(a, ['name', 'step', 'role', 'subdirectory', 'isModel', 'isInput']));
    assert.deepEqual(artifacts, [
      { name: 'net.pth', step: 1, role: 'model_version', subdirectory: null, isModel: true, isInput: false },
      { name: 'net_0.pt', step: 2, role: 'model_version', subdirectory: 'net', isModel: true, isInput: false },
      { name: 'net_1.pt', step: 3, role: 'model_version', subdirectory: 'net', isModel: true, isInput: false },
      { name: 'net.pth', step: null, role: 'model_version', subdirectory: null, isModel: true, isInput: false },
      { name: 'final.pth', step: null, role: 'model_version_final', subdirectory: null, isModel: true, isInput: false },
      { name: 'final2_layers_description.json', step: null, role: 'artifact', subdirectory: null, isModel: false, isInput: true },
      { name: 'final2.pth', step: null, role: 'model_version_final', subdirectory: null, isModel: true, isInput: true },
    ]);
    const params = recordsOf<ParamRecord>(connection, 'param').filter((p) => p.name === 'model_name').map((p) => p.value);
    assert.deepEqual(params, ['final2', 'info_only']);
    const datasets = recordsOf<DatasetRecord>(connection, 'dataset').map((d) => [d.label, d.stats]);
    const loaderStats = { batch_size: 4, num_workers: 0, total_steps: 3, shuffle: true, total_samples: 10 };
    assert.deepEqual(datasets, [['seed_loader', loaderStats], ['newest_loader', loaderStats], ['subset', { total_steps: 3, total_samples: 3 }]]);
  });

  it('writes the layers description of §1.10 (nested children, leaves with their shapes)', { skip: torchAvailable ? false : 'torch not importable' }, () => {
    const layers = [...recording().artifactContents.entries()].find(([path]) => path.endsWith('/final2_layers_description.json'))?.[1];
    assert.deepEqual(JSON.parse(layers ?? 'null'), {
      '0': { layer_type: 'Conv2d', in_channels: 1, out_channels: 2, kernel_size: [3, 3], stride: [1, 1], padding: [1, 1], dtype: 'torch.float32' },
      '1': { layer_type: 'Flatten' },
      '2': { layer_type: 'Linear', in_features: 8, out_features: 1, dtype: 'torch.float32' },
    });
  });

  it('the seed artifact form, with a context as second argument, and a file named like a context', () => {
    const [connection] = only(recording().experiment('seed_artifacts'));
    assert.deepEqual(artifactsOf(connection).map((a) => pick(a, ['name', 'context', 'step'])), [
      { name: null, context: 'TRAINING', step: null },
      { name: null, context: 'VALIDATION', step: 2 },
      { name: 'named', context: 'TRAINING', step: null },
    ]);
    assert.ok(artifactsOf(connection)[2]!.path.endsWith('/training'));
  });

  it('start_run_ctx in both orders; other metric formats and compressors are accepted and written as CSV', () => {
    const [seed] = only(recording().experiment('ctx_seed'));
    assert.deepEqual(pick(seed.messages.at(-1), ['t', 'createGraph', 'createSvg']), { t: 'end_run', createGraph: true, createSvg: false });
    const [newest] = only(recording().experiment('ctx_newest'));
    const start = newest.messages.find((m): m is StartRunMessage => m.t === 'start_run')!;
    assert.deepEqual(pick(start, ['provUserNamespace', 'metricsFileType']), { provUserNamespace: 'www.example.org', metricsFileType: 'csv' });
    assert.ok(start.provenanceSaveDir?.includes('prov4ml-generations-'), 'prov_save_path is provenance_save_dir');
    assert.deepEqual(pointsOf(seriesByKey(newest).get('loss/TRAINING')), [[0, 1]]);
  });
});

describe('Python client: the Lightning and itwinai loggers (tests/test_loggers.py)', needs('Debian python3', pythonAvailable), () => {
  const recording = recordPythonSuite('loggers', 'tests.test_loggers');

  it('ProvMLLogger starts its run as G2 did, logs every metric but epoch at step = epoch, and finalize ends it; the next Trainer call starts the next run', () => {
    const [fit, test] = recording().experiment('lightning_own');
    assert.equal(recording().experiment('lightning_own').length, 2, 'fit, then test');
    assert.deepEqual(fit!.messages.find((m) => m.t === 'start_run'), {
      t: 'start_run',
      id: 1,
      provUserNamespace: null,
      experimentName: 'lightning_own',
      provenanceSaveDir: null,
      collectAllProcesses: null,
      saveAfterNLogs: 7,
      rank: null,
      disableCodecarbon: false,
      csvSeparator: null,
      metricsFileType: null,
      runId: null,
    });
    const series = seriesByKey(fit!);
    assert.deepEqual(pointsOf(series.get('train_loss/TRAINING')), [0, 1, 2, 3, 4, 5].map((step) => [Math.floor(step / 3), 1 / (step + 1)]));
    assert.deepEqual(pointsOf(series.get('val_loss/TRAINING')), [[1, 0.5]]);
    assert.deepEqual(pointsOf(series.get('lr/TRAINING')), [[9, 0.1]], 'no epoch: Lightning\'s step');
    assert.deepEqual([...series.keys()].sort(), ['lr/TRAINING', 'train_loss/TRAINING', 'val_loss/TRAINING']);
    const params = paramsOf(fit!);
    assert.deepEqual(['lr', 'layers', 'batch_size', 'optim'].map((name) => params.get(name)), [0.01, 2, 4, "{'name': 'sgd'}"]);
    assert.equal(params.has('hp_metric'), false);
    assert.deepEqual(fit!.messages.filter((m) => m.t === 'end_run'), [{ t: 'end_run', id: 2, createGraph: true, createSvg: true }]);
    assert.deepEqual(pointsOf(seriesByKey(test!).get('test_loss/TRAINING')), [[0, 0.125]]);
    assert.deepEqual(pick(test!.messages.at(-1), ['t', 'createGraph', 'createSvg']), { t: 'end_run', createGraph: true, createSvg: true });
  });

  it('ProvMLLogger in a seed script that started its run: joins it, applies its prefix as Lightning does, ends nothing', () => {
    const [connection] = only(recording().experiment('lightning_g1'));
    assert.deepEqual(recording().experiment('lightning_logs'), [], 'the logger started no run of its own');
    const series = seriesByKey(connection);
    assert.deepEqual(pointsOf(series.get('fold0-val_loss/TRAINING')), [[2, 0.25]]);
    assert.deepEqual(pointsOf(series.get('fold0-acc/TRAINING')), [[2, 0.5]]);
    assert.deepEqual(pointsOf(series.get('after/TRAINING')), [[0, 1]], 'the run went on after finalize');
    assert.equal(paramsOf(connection).get('seed'), 7);
    assert.deepEqual(connection.messages.filter((m) => m.t === 'end_run'), [{ t: 'end_run', id: 2, createGraph: false, createSvg: false }]);
  });

  it('ProvMLItwinAILogger: the run of its worker, every kind of log, log_freq on batches, documents mid-run', () => {
    const [connection] = only(recording().experiment('itwinai_logger'));
    const start = connection.messages.find((m): m is StartRunMessage => m.t === 'start_run')!;
    assert.deepEqual(pick(start, ['provUserNamespace', 'collectAllProcesses', 'saveAfterNLogs', 'rank']), {
      provUserNamespace: 'www.example.org',
      collectAllProcesses: true,
      saveAfterNLogs: 10,
      rank: 0,
    });
    assert.ok(start.provenanceSaveDir?.includes('prov4ml-loggers-'));
    const series = seriesByKey(connection);
    assert.deepEqual(pointsOf(series.get('batch_loss/TRAINING')), [[0, 0], [2, 0.5]], 'log_freq=2: batches 0 and 2');
    assert.deepEqual(pointsOf(series.get('train_loss/TRAINING')), [[0, 0.5]]);
    assert.deepEqual(pointsOf(series.get('val_loss/VALIDATION')), [[0, 0.25]]);
    assert.equal(series.get('epoch_time/TRAINING')?.source, 'execution_time');
    assert.deepEqual(
      connection.messages.filter((m): m is SampleMessage => m.t === 'sample').map((m) => [m.kind, m.context, m.step]),
      [['system', 'TRAINING', 0], ['carbon', 'VALIDATION', 1]],
    );
    const params = paramsOf(connection);
    assert.deepEqual(['batch_size', 'optimizer', 'seed'].map((name) => params.get(name)), [8, 'adam', 3]);
    assert.equal(params.has('plot'), false, 'another logger\'s kind is ignored');
    const documents = connection.messages.filter((m): m is DocumentsMessage => m.t === 'documents');
    assert.deepEqual(documents.map((d) => pick(d, ['createGraph', 'createSvg'])), [{ createGraph: true, createSvg: true }]);
    assert.deepEqual(pick(connection.messages.at(-1), ['t', 'createGraph', 'createSvg']), { t: 'end_run', createGraph: true, createSvg: true });
    assert.deepEqual(recording().experiment('itwinai_rank1'), [], 'a worker that does not log starts no run');
  });

  it('ProvMLItwinAILogger: models, the best model, a DataLoader and FLOPs through log', { skip: torchAvailable ? false : 'torch not importable' }, () => {
    const [connection] = only(recording().experiment('itwinai_logger'));
    assert.deepEqual(artifactsOf(connection).map((a) => pick(a, ['name', 'context', 'step', 'role'])), [
      { name: 'net.pth', context: 'TRAINING', step: 0, role: 'model_version' },
      { name: 'best.pth', context: 'EVALUATION', step: null, role: 'model_version_final' },
    ]);
    const params = paramsOf(connection);
    assert.deepEqual(['model_name', 'total_params'].map((name) => params.get(name)), ['best', 3]);
    assert.deepEqual(recordsOf<DatasetRecord>(connection, 'dataset').map((d) => [d.label, d.stats]), [
      ['train_loader', { batch_size: 3, num_workers: 0, total_steps: 2, shuffle: false, total_samples: 6 }],
    ]);
    // By hand: Linear(2, 1) is 2 multiply-accumulates = 4 FLOP per sample; a batch of 3 is 12, 6 samples 24.
    const series = seriesByKey(connection);
    assert.deepEqual(pointsOf(series.get('flops/TRAINING')), [[0, 12]]);
    assert.deepEqual(pointsOf(series.get('flops_epoch/TRAINING')), [[0, 24]]);
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

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the channel server runs on this event loop.
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function only(connections: RecordedConnection[]): [RecordedConnection] {
  assert.equal(connections.length, 1, 'one connection for the experiment');
  return [connections[0]!];
}

/** The connection's series joined across messages, by `name/CONTEXT`. */
function seriesByKey(connection: RecordedConnection): Map<string, MetricSeriesBatch> {
  const joined = new Map<string, MetricSeriesBatch>();
  for (const s of seriesOf(connection)) {
    const key = `${s.name}/${s.context}`;
    const previous = joined.get(key);
    joined.set(key, previous ? { ...s, steps: concat(previous.steps, s.steps), values: concat(previous.values, s.values), timestamps: concat(previous.timestamps, s.timestamps) } : s);
  }
  return joined;
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const joined = new Float64Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function pointsOf(series: MetricSeriesBatch | undefined): number[][] {
  assert.ok(series, 'the series arrived');
  return [...series.steps].map((step, i) => [step, series.values[i]!]);
}

function recordsOf<R>(connection: RecordedConnection, kind: string): R[] {
  return connection.messages.flatMap((m: ClientMessage) => (m.t === 'records' ? m.records.filter((r) => r.kind === kind) : [])) as R[];
}

function paramsOf(connection: RecordedConnection): Map<string, ParamRecord['value']> {
  return new Map(recordsOf<ParamRecord>(connection, 'param').map((p) => [p.name, p.value]));
}

function artifactsOf(connection: RecordedConnection): ArtifactMessage[] {
  return connection.messages.filter((m): m is ArtifactMessage => m.t === 'artifact');
}

function pick<T extends object>(value: T | undefined, keys: string[] = ['operation', 'initialValue', 'value', 'count']): Record<string, unknown> {
  assert.ok(value);
  return Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));
}
