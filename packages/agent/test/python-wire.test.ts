/**
 * The shape of the Python client's messages on the wire, against a recording channel server: the whole
 * unittest suite runs with PROV4ML_TEST_HARNESS=recorder. What the messages carry into the run's files
 * (points, parameters, datasets, final values, artifacts' copies) is checked on the files a real agent
 * writes, in python-client.test.ts and its neighbours; here only what the files cannot show: which
 * messages, their fields (null where unset), their order, and how they are cut.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContextRecord, FinalMetricRecord, MetricSeriesBatch, ParamRecord, SourceCodeRecord } from '@prov4ml/prov-core';
import type { ArtifactMessage, ClientMessage, DocumentsMessage, EndRunMessage, SampleMessage, StartRunMessage } from '../src/channel/index.js';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { seriesOf, type RecordedConnection } from './channel-recorder.js';
import { DISCOVER, PYTHON_DIR, useRecordedSuite } from './python-harness.js';

const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const torchAvailable = pythonAvailable && pythonModuleAvailable('torch');
const withTorch = { skip: torchAvailable ? false : 'torch not importable' };

describe('Python client on the wire (the whole suite against a recording channel server)', needs('Debian python3', pythonAvailable), () => {
  const suite = useRecordedSuite('wire', DISCOVER);

  it('the server dropped nothing', () => {
    assert.deepEqual(suite().recording.logs, []);
  });

  it('says hello and starts the run with what start_run was given (null where unset)', () => {
    const connection = suite().only('metrics');
    const [hello, start] = connection.messages;
    assert.equal(hello?.t, 'hello');
    assert.equal(hello.t === 'hello' && hello.lang, 'python');
    assert.equal(hello.t === 'hello' && hello.version, '0.1.0');
    assert.equal(connection.info.pid, hello.t === 'hello' ? hello.pid : -1);
    assert.deepEqual(startedAtCall(start), {
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
      zarrCodec: null,
      runId: null,
    });
    assert.equal(connection.messages.at(-1)?.t, 'end_run');
  });

  it('cuts a long series into chunks; a series is named metric, unitless, and carries its timestamps', () => {
    const connection = suite().only('metrics');
    const chunks = seriesOf(connection).filter((s) => s.name === 'many');
    assert.ok(chunks.length >= 4, `200,000 points travel in chunks of at most 65,536, got ${chunks.length}`);
    const loss = seriesByKey(connection).get('loss/TRAINING')!;
    assert.deepEqual([loss.source, loss.unit], ['metric', '']);
    assert.equal(loss.timestamps.length, 253);
  });

  it('registers final metrics with their initial value and ends the run with the graph and the SVG asked for', () => {
    const connection = suite().only('final_metrics');
    const finals = new Map(recordsOf<FinalMetricRecord>(connection, 'final_metric').map((r) => [r.name, r]));
    assert.deepEqual(
      ['loss', 'acc', 'seen', 'custom', 'diverged'].map((name) => [finals.get(name)?.operation, finals.get(name)?.initialValue]),
      [['MIN', Number.POSITIVE_INFINITY], ['MAX', 0], ['ADD', 0], ['CUSTOM', 1], ['ADD', 0]],
    );
    assert.deepEqual(connection.messages.at(-1), { t: 'end_run', id: 2, createGraph: true, createSvg: true });
  });

  it('start_run options made absolute, sample requests as asked, one end_run', () => {
    const connection = suite().only('params');
    const start = connection.messages.find((m): m is StartRunMessage => m.t === 'start_run')!;
    assert.ok(start.provenanceSaveDir?.startsWith('/') && start.provenanceSaveDir.endsWith('/relative/prov'));
    assert.deepEqual([start.collectAllProcesses, start.saveAfterNLogs, start.rank], [true, 10, 3]);
    assert.deepEqual(samplesOf(connection), [
      { t: 'sample', kind: 'system', context: 'TRAINING', step: 2 },
      { t: 'sample', kind: 'carbon', context: 'VALIDATION', step: 0 },
    ]);
    assert.equal(connection.messages.filter((m) => m.t === 'end_run').length, 1);
  });

  it('asks the agent to store artifacts (absolute paths, null where unset), and sends nothing for a missing file', () => {
    const { recording, only } = suite();
    const artifacts = artifactsOf(only('artifacts'));
    assert.equal(artifacts.length, 2);
    const [notes, refused] = artifacts as [ArtifactMessage, ArtifactMessage];
    assert.ok(notes.path.startsWith('/') && notes.path.endsWith('/notes.txt'));
    assert.deepEqual(pick(notes, ['name', 'context', 'step', 'role']), { name: null, context: 'EVALUATION', step: 5, role: 'artifact' });
    assert.ok(Math.abs(notes.timestamp! - Date.now()) < 3_600_000);
    assert.equal(recording.artifactSizes.get(notes.path), 5);
    assert.ok(refused.path.endsWith('/refuse.txt'));
  });

  it('torch models: a version and a final model, the state dict there while the agent copies it', withTorch, () => {
    const { recording, only } = suite();
    const [version, final] = artifactsOf(only('torch'));
    assert.deepEqual(pick(version, ['name', 'context', 'step', 'role']), { name: 'net.pth', context: 'TRAINING', step: 1, role: 'model_version' });
    assert.deepEqual(pick(final, ['name', 'context', 'step', 'role']), { name: 'net.pth', context: 'EVALUATION', step: null, role: 'model_version_final' });
    assert.ok((recording.artifactSizes.get(version!.path) ?? 0) > 0);
  });

  it('sends nothing from a rank other than 0 without collect_all_processes, but still ends the run', () => {
    assert.deepEqual(suite().only('rank1_quiet').messages.map((m) => m.t), ['hello', 'start_run', 'end_run']);
  });

  it('a forked child sends nothing: one end_run', () => {
    assert.equal(suite().only('fork').messages.filter((m) => m.t === 'end_run').length, 1);
  });

  it('flushes at interpreter exit when end_run was never called', () => {
    const connection = suite().only('no_end_run');
    assert.equal(connection.messages.at(-1)?.t, 'flush');
    assert.equal(connection.messages.some((m) => m.t === 'end_run'), false);
  });

  describe('every generation of the original API (tests/test_generations.py)', () => {

    it('the name-first start_run sends every option, and the server dropped nothing', () => {
      const start = suite().only('newest_api').messages.find((m): m is StartRunMessage => m.t === 'start_run');
      assert.deepEqual(startedAtCall(start), {
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
        zarrCodec: null,
        runId: 7,
      });
      assert.deepEqual(suite().recording.logs, []);
    });

    it('parameters without is_input leave it unset', () => {
      const params = new Map(recordsOf<ParamRecord>(suite().only('newest_api'), 'param').map((p) => [p.name, p]));
      assert.equal(params.get('execution_start_time')?.isInput, undefined);
      assert.equal(params.get('accuracy')?.source, undefined);
    });

    it('artifacts in the name-first form with copy, subdirectory, model and input flags', () => {
      const connection = suite().only('newest_api');
      const fields = ['name', 'context', 'step', 'role', 'isInput', 'copy', 'subdirectory', 'isModel'];
      assert.deepEqual(artifactsOf(connection).map((a) => pick(a, fields)), [
        { name: 'plot', context: 'TRAINING', step: null, role: 'artifact', isInput: false, copy: true, subdirectory: null, isModel: false },
        { name: 'plot_in', context: 'VALIDATION', step: 3, role: 'artifact', isInput: true, copy: true, subdirectory: 'figures', isModel: false },
        { name: 'plot_ref', context: 'TRAINING', step: null, role: 'artifact', isInput: false, copy: false, subdirectory: null, isModel: false },
        { name: 'input_0_plot.png', context: 'TRAINING', step: null, role: 'artifact', isInput: true, copy: true, subdirectory: null, isModel: false },
      ]);
      assert.ok(artifactsOf(connection).every((a) => a.path.endsWith('/plot.png')));
    });

    it('source code with its git facts (null outside a work tree), samples without carbon, documents mid-run after what was logged before, then end_run', () => {
      const connection = suite().only('newest_api');
      const [source] = recordsOf<SourceCodeRecord>(connection, 'source_code');
      assert.equal(source?.path, PYTHON_DIR);
      assert.ok(source && 'gitCommit' in source && 'gitRemote' in source && 'gitBranch' in source);
      assert.deepEqual(samplesOf(connection), [{ t: 'sample', kind: 'system', context: 'TRAINING', step: 1 }], 'log_carbon_metrics raised and sent nothing');
      const documents = connection.messages.filter((m): m is DocumentsMessage => m.t === 'documents');
      assert.deepEqual(documents.map((d) => pick(d, ['createGraph', 'createSvg'])), [{ createGraph: true, createSvg: true }]);
      const beforeDocuments = connection.messages.slice(0, connection.messages.indexOf(documents[0]!));
      assert.ok(beforeDocuments.some((m) => m.t === 'records' && m.records.some((r) => r.kind === 'context' && r.name === 'ARCHIVE')), 'what was logged before goes first');
      assert.deepEqual(recordsOf<ContextRecord>(connection, 'context').map((c) => c.sourceOfData), [null, 's3://bucket/data']);
      const end = connection.messages.at(-1) as EndRunMessage;
      assert.deepEqual(pick(end, ['t', 'createGraph', 'createSvg', 'crateRoCrate']), { t: 'end_run', createGraph: true, createSvg: true, crateRoCrate: true });
    });

    it('the itwinai logger style: samples as asked, log_provenance_documents then end_run', () => {
      const connection = suite().only('itwinai_style');
      assert.deepEqual(samplesOf(connection).map((m) => [m.kind, m.context, m.step]), [['system', 'TRAINING', 2], ['carbon', 'TRAINING', 2]]);
      assert.deepEqual(connection.messages.map((m) => m.t).filter((t) => t === 'documents' || t === 'end_run'), ['documents', 'end_run']);
      // log_provenance_documents(crate_ro_crate=True) asks for the crate of the finished run: end_run carries it.
      assert.equal((connection.messages.at(-1) as EndRunMessage).crateRoCrate, true);
    });

    it('models in both orders: names, steps, roles, subdirectories, model and input flags; each model_name sent', withTorch, () => {
      const connection = suite().only('models');
      assert.deepEqual(artifactsOf(connection).map((a) => pick(a, ['name', 'step', 'role', 'subdirectory', 'isModel', 'isInput'])), [
        { name: 'net.pth', step: 1, role: 'model_version', subdirectory: null, isModel: true, isInput: false },
        { name: 'net_0.pt', step: 2, role: 'model_version', subdirectory: 'net', isModel: true, isInput: false },
        { name: 'net_1.pt', step: 3, role: 'model_version', subdirectory: 'net', isModel: true, isInput: false },
        { name: 'net.pth', step: null, role: 'model_version', subdirectory: null, isModel: true, isInput: false },
        { name: 'final.pth', step: null, role: 'model_version_final', subdirectory: null, isModel: true, isInput: false },
        { name: 'final2_layers_description.json', step: null, role: 'artifact', subdirectory: null, isModel: false, isInput: true },
        { name: 'final2.pth', step: null, role: 'model_version_final', subdirectory: null, isModel: true, isInput: true },
      ]);
      // The document keeps the last value of a parameter name; the wire shows both were sent.
      assert.deepEqual(recordsOf<ParamRecord>(connection, 'param').filter((p) => p.name === 'model_name').map((p) => p.value), ['final2', 'info_only']);
    });

    it('the seed artifact form: no name, a context as second argument', () => {
      assert.deepEqual(artifactsOf(suite().only('seed_artifacts')).map((a) => pick(a, ['name', 'context', 'step'])), [
        { name: null, context: 'TRAINING', step: null },
        { name: null, context: 'VALIDATION', step: 2 },
        { name: 'named', context: 'TRAINING', step: null },
      ]);
    });

    it('start_run_ctx in both orders: its end_run options and the metric format are sent', () => {
      const seed = suite().only('ctx_seed');
      assert.deepEqual(pick(seed.messages.at(-1), ['t', 'createGraph', 'createSvg']), { t: 'end_run', createGraph: true, createSvg: false });
      const start = suite().only('ctx_newest').messages.find((m): m is StartRunMessage => m.t === 'start_run')!;
      assert.deepEqual(pick(start, ['provUserNamespace', 'metricsFileType', 'zarrCodec']), { provUserNamespace: 'www.example.org', metricsFileType: 'zarr', zarrCodec: 'blosc' });
      assert.ok(start.provenanceSaveDir?.includes('prov4ml-generations-'), 'prov_save_path is provenance_save_dir');
    });
    });

  describe('the Lightning and itwinai loggers (tests/test_loggers.py)', () => {

    it('ProvMLLogger starts its run as G2 did and ends it at finalize; the next Trainer call starts the next run', () => {
      const runs = suite().recording.experiment('lightning_own');
      assert.equal(runs.length, 2, 'fit, then test');
      const [fit, test] = runs as [RecordedConnection, RecordedConnection];
      assert.deepEqual(startedAtCall(fit.messages.find((m) => m.t === 'start_run')), {
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
        zarrCodec: null,
        runId: null,
      });
      assert.deepEqual(fit.messages.filter((m) => m.t === 'end_run'), [{ t: 'end_run', id: 2, createGraph: true, createSvg: true }]);
      assert.deepEqual(pick(test.messages.at(-1), ['t', 'createGraph', 'createSvg']), { t: 'end_run', createGraph: true, createSvg: true });
    });

    it('ProvMLLogger in a seed script that started its run: starts none of its own, ends nothing', () => {
      assert.deepEqual(suite().recording.experiment('lightning_logs'), []);
      assert.deepEqual(suite().only('lightning_g1').messages.filter((m) => m.t === 'end_run'), [{ t: 'end_run', id: 2, createGraph: false, createSvg: false }]);
    });

    it('ProvMLItwinAILogger: the start_run of its worker, samples, documents mid-run, end_run; a worker that does not log connects not', () => {
      const connection = suite().only('itwinai_logger');
      const start = connection.messages.find((m): m is StartRunMessage => m.t === 'start_run')!;
      assert.deepEqual(pick(start, ['provUserNamespace', 'collectAllProcesses', 'saveAfterNLogs', 'rank']), {
        provUserNamespace: 'www.example.org',
        collectAllProcesses: true,
        saveAfterNLogs: 10,
        rank: 0,
      });
      assert.ok(start.provenanceSaveDir?.includes('prov4ml-loggers-'));
      assert.deepEqual(samplesOf(connection).map((m) => [m.kind, m.context, m.step]), [['system', 'TRAINING', 0], ['carbon', 'VALIDATION', 1]]);
      const documents = connection.messages.filter((m): m is DocumentsMessage => m.t === 'documents');
      assert.deepEqual(documents.map((d) => pick(d, ['createGraph', 'createSvg'])), [{ createGraph: true, createSvg: true }]);
      assert.deepEqual(pick(connection.messages.at(-1), ['t', 'createGraph', 'createSvg']), { t: 'end_run', createGraph: true, createSvg: true });
      assert.deepEqual(suite().recording.experiment('itwinai_rank1'), []);
    });

    it('ProvMLItwinAILogger: a model and the best model through log', withTorch, () => {
      assert.deepEqual(artifactsOf(suite().only('itwinai_logger')).map((a) => pick(a, ['name', 'context', 'step', 'role'])), [
        { name: 'net.pth', context: 'TRAINING', step: 0, role: 'model_version' },
        { name: 'best.pth', context: 'EVALUATION', step: null, role: 'model_version_final' },
      ]);
    });
  });
});

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

function recordsOf<R>(connection: RecordedConnection, kind: string): R[] {
  return connection.messages.flatMap((m: ClientMessage) => (m.t === 'records' ? m.records.filter((r) => r.kind === kind) : [])) as R[];
}

function samplesOf(connection: RecordedConnection): SampleMessage[] {
  return connection.messages.filter((m): m is SampleMessage => m.t === 'sample');
}

function artifactsOf(connection: RecordedConnection): ArtifactMessage[] {
  return connection.messages.filter((m): m is ArtifactMessage => m.t === 'artifact');
}

function pick<T extends object>(value: T | undefined, keys: string[]): Record<string, unknown> {
  assert.ok(value);
  return Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));
}

/** The start_run message without its `time`, after checking that it is the call's moment (epoch ms, within the suite's hour). */
function startedAtCall(start: ClientMessage | undefined): Omit<StartRunMessage, 'time'> {
  assert.equal(start?.t, 'start_run');
  const { time, ...rest } = start as StartRunMessage;
  assert.ok(typeof time === 'number' && Math.abs(Date.now() - time) < 3_600_000, `start_run time ${time}`);
  return rest;
}
