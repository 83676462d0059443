/**
 * The newest API over a real wrapper and channel (test/fixtures/channel/documents-program.mjs): start_run
 * options, log_provenance_documents mid-run and end_run after it, artifacts copied and left in place.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateProvJson } from '@prov4ml/prov-core';
import { needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { CLI, pythonProvErrors, readMetricCsv, runCommand, type CommandResult } from '../../../test/support/run-dir.js';

const PROGRAM = join(import.meta.dirname, 'fixtures/channel/documents-program.mjs');
const hasPythonProv = pythonModuleAvailable('prov');

interface ProgramOutput {
  started: Record<string, unknown>;
  documents: { json: string; dot: string | null; svg: string | null };
  copied: { storedPath?: string };
  kept: { storedPath?: string };
  svgExists: boolean;
}

interface Run {
  dir: string;
  runDir: string;
  result: CommandResult;
  output: ProgramOutput;
}

type Document = Record<string, Record<string, Record<string, unknown>>>;

async function runProgram(env: Record<string, string>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-documents-'));
  mkdirSync(join(dir, 'mid'));
  const result = await runCommand(process.execPath, [CLI, 'run', '-n', '1', '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
    cwd: dir,
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: join(dir, 'prov'), MIDRUN_DIR: join(dir, 'mid'), SAMPLE: '1', ...env },
  });
  assert.equal(result.code, 0, result.stderr);
  const output = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ProgramOutput;
  return { dir, runDir: join(dir, 'prov', 'docs_5'), result, output };
}

function readDocument(path: string): Document {
  return JSON.parse(readFileSync(path, 'utf8')) as Document;
}

/** Entities of a document by their prov-ml:type. */
function countTypes(document: Document): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entity of Object.values(document.entity ?? {})) {
    const type = String(entity['prov-ml:type']);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

function metricCount(document: Document, name: string): string | undefined {
  return (document.entity?.[`docs_5_GR0.metric.TRAINING.${name}`]?.['prov-ml:count'] as { $: string } | undefined)?.$;
}

describe('log_provenance_documents and the newest start_run options over the channel', () => {
  let run: Run;
  let mid: Document;
  let final: Document;
  before(async () => {
    run = await runProgram({ CSV_SEPARATOR: ';', DISABLE_CODECARBON: '1' });
    mid = readDocument(join(run.dir, 'mid', 'prov_docs_GR0.json'));
    final = readDocument(join(run.runDir, 'prov_docs_GR0.json'));
  });
  after(() => rmSync(run.dir, { recursive: true, force: true }));

  it('start_run takes the explicit run id and replies with experiment, run id and artifact directory', () => {
    assert.deepEqual(run.output.started, {
      t: 'started',
      id: 1,
      rank: 0,
      worldSize: 1,
      runDir: run.runDir,
      collectAllProcesses: false,
      saveAfterNLogs: 100,
      experimentName: 'docs',
      runId: 5,
      artifactsDir: join(run.runDir, 'artifacts', 'GR0'),
    });
  });

  it('documents replies with the absolute paths finalisation uses, the DOT when asked and no SVG when not', () => {
    assert.deepEqual(run.output.documents, { t: 'documents', id: 4, json: join(run.runDir, 'prov_docs_GR0.json'), dot: join(run.runDir, 'prov_docs_GR0.dot'), svg: null });
    assert.equal(run.output.svgExists, false);
  });

  it('the mid-run document holds everything sent before the request, is unfinished, and is valid on its own', { ...needs('python3-prov', hasPythonProv) }, async () => {
    assert.equal(metricCount(mid, 'loss'), '100');
    // The system sample asked for before the request is in; the carbon one is not taken (disable_codecarbon).
    assert.equal(metricCount(mid, 'cpu_usage'), '1');
    assert.equal(metricCount(mid, 'energy_consumed'), undefined);
    const { Metric: metrics, ...others } = countTypes(mid);
    assert.ok(metrics! > 1, `${metrics} metrics`);
    assert.deepEqual(others, { Experiment: 1, LearningStage: 1, SourceCode: 2, Environment: 1, Parameter: 2, Artifact: 1, ModelVersion: 1, OriginalArtifact: 1 });
    const execution = mid.activity!['docs_5_GR0.execution']!;
    assert.equal(execution['prov-ml:unfinished'], true);
    assert.equal(execution['prov-ml:csv_separator'], ';');
    assert.equal(execution['prov-ml:disable_codecarbon'], true);
    assert.deepEqual(validateProvJson(readFileSync(join(run.dir, 'mid', 'prov_docs_GR0.json'), 'utf8')).errors, []);
    assert.deepEqual(await pythonProvErrors([join(run.dir, 'mid', 'prov_docs_GR0.json')]), []);
    assert.match(readFileSync(join(run.dir, 'mid', 'prov_docs_GR0.dot'), 'utf8'), /^digraph/);
  });

  it('the end of the run replaces it with the complete document, in which nothing is duplicated', { ...needs('python3-prov', hasPythonProv) }, async () => {
    assert.equal(metricCount(final, 'loss'), '200');
    assert.equal(final.activity!['docs_5_GR0.execution']!['prov-ml:unfinished'], false);
    // The same entities as mid-run, each once (no carbon metrics: disable_codecarbon).
    assert.deepEqual(countTypes(final), countTypes(mid));
    assert.equal(metricCount(final, 'cpu_usage'), '1');
    const metrics = Object.values(final.entity!).filter((e) => e['prov-ml:type'] === 'Metric').map((e) => String(e['prov-ml:name']));
    assert.ok(metrics.includes('cpu_usage') && metrics.includes('loss'), metrics.join(' '));
    assert.deepEqual(metrics.filter((name) => /energy|emissions|power/.test(name)), []);
    assert.equal(new Set(metrics).size, metrics.length);
    assert.deepEqual(Object.keys(final.entity!).filter((id) => id.includes('~')), [], 'no id made unique by a repeat');
    for (const id of Object.keys(mid.entity!)) assert.ok(final.entity![id], `${id} is still there`);
    assert.equal(Object.keys(final.wasDerivedFrom ?? {}).length, 1);
    assert.equal(Object.keys(final.activity!).length, 3, 'the run, TRAINING and FINETUNE');
    // The graph asked for mid-run is rewritten from the complete document, though end_run did not ask again.
    assert.match(readFileSync(join(run.runDir, 'prov_docs_GR0.dot'), 'utf8'), /prov-ml:unfinished<\/TD>\s*<TD align="left">false</);
    assert.match(readFileSync(join(run.dir, 'mid', 'prov_docs_GR0.dot'), 'utf8'), /prov-ml:unfinished<\/TD>\s*<TD align="left">true</);
    assert.deepEqual(await pythonProvErrors([join(run.runDir, 'prov_docs_GR0.json'), join(run.runDir, 'prov_collection.json')]), []);
    const validate = await runCommand(process.execPath, [CLI, 'validate', join(run.dir, 'mid', 'prov_docs_GR0.json'), join(run.runDir, 'prov_docs_GR0.json')]);
    assert.equal(validate.code, 0, validate.stdout + validate.stderr);
  });

  it('the loss CSV holds the 200 points once each, with the run\'s separator', () => {
    const path = join(run.runDir, 'metrics', 'loss_TRAINING_GR0.csv');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.startsWith('step;value;timestamp_ms\n0;0;'), text.slice(0, 40));
    const csv = readMetricCsv(path);
    assert.deepEqual([csv.rows, csv.steps], [200, Array.from({ length: 200 }, (_, i) => i)]);
    assert.equal(csv.sum, (199 * 200) / 2 / 4);
  });

  it('a copied input lands in its subdirectory, derived from its original; a file left in place is fingerprinted, not copied', () => {
    assert.deepEqual(run.output.copied, { t: 'ok', id: 2, storedPath: 'artifacts/GR0/inputs/raw/in.csv' });
    assert.deepEqual(run.output.kept, { t: 'ok', id: 3 });
    assert.equal(readFileSync(join(run.runDir, 'artifacts/GR0/inputs/raw/in.csv'), 'utf8'), 'a,b\n1,2\n');
    assert.deepEqual(readdirSync(join(run.runDir, 'artifacts/GR0')), ['inputs']);
    const kept = final.entity!['docs_5_GR0.artifact.big%2Ebin']!;
    assert.deepEqual(
      [kept['prov-ml:copied'], kept['prov-ml:original_path'], kept['prov-ml:sha256'], kept['prov-ml:size_bytes'], kept['prov-ml:type']],
      [false, join(run.dir, 'mid', 'big.bin'), createHash('sha256').update(Buffer.alloc(1000, 7)).digest('hex'), { $: '1000', type: 'xsd:long' }, 'ModelVersion'],
    );
    const input = final.entity!['docs_5_GR0.artifact.inputs%2Fraw%2Fin%2Ecsv']!;
    assert.deepEqual([input['prov-ml:is_input'], input['prov-ml:copied']], [true, true]);
  });

  it('end_run(crate_ro_crate=True) has the RO-Crate written once the job is finalised: the copied input is an object of the rank, the kept model a result', () => {
    assert.equal(run.result.stderr.split('\n').filter((line) => line.includes('RO-Crate')).length, 0, run.result.stderr);
    const crate = JSON.parse(readFileSync(join(run.runDir, 'ro-crate-metadata.json'), 'utf8')) as { '@graph': Record<string, unknown>[] };
    const byId = new Map(crate['@graph'].map((entity) => [entity['@id'] as string, entity]));
    const ids = (value: unknown): string[] => (value as { '@id': string }[]).map((ref) => ref['@id']);
    assert.ok(ids(byId.get('./')!['hasPart']).includes('artifacts/GR0/inputs/raw/in.csv'));
    const rank = byId.get('#rank-0')!;
    assert.ok(ids(rank['object']).includes('artifacts/GR0/inputs/raw/in.csv'), JSON.stringify(rank['object']));
    const results = ids(rank['result']).map((id) => byId.get(id)!);
    assert.ok(results.some((entity) => entity['identifier'] === join(run.dir, 'mid', 'big.bin')), JSON.stringify(results));
    assert.equal(byId.get('prov_docs_GR0.json')!['sha256'], createHash('sha256').update(readFileSync(join(run.runDir, 'prov_docs_GR0.json'))).digest('hex'));
  });
});

describe('carbon metrics without disable_codecarbon', () => {
  it('a carbon sample is recorded, and a tab separates the CSV cells', async () => {
    const run = await runProgram({ CSV_SEPARATOR: '\t' });
    try {
      const final = readDocument(join(run.runDir, 'prov_docs_GR0.json'));
      assert.ok(metricCount(final, 'energy_consumed') !== undefined, 'energy_consumed is recorded');
      assert.equal(final.activity!['docs_5_GR0.execution']!['prov-ml:disable_codecarbon'], false);
      assert.ok(readFileSync(join(run.runDir, 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8').startsWith('step\tvalue\ttimestamp_ms\n0\t0\t'));
      assert.ok(!existsSync(join(run.runDir, 'prov_docs_GR0.svg')));
    } finally {
      rmSync(run.dir, { recursive: true, force: true });
    }
  });
});
