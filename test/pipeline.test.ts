import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { needs, pythonModuleAvailable } from './support/components.js';
import { assertExactlyOnce, CLI, onlyRunDir, pythonProvErrors, readMetricCsv, runCommand } from './support/run-dir.js';

const PROGRAM = join(import.meta.dirname, 'fixtures/log-points.mjs');
const hasPythonProv = pythonModuleAvailable('prov');

function saveDir(): string {
  return mkdtempSync(join(tmpdir(), 'prov4ml-pipeline-'));
}

function runRanks(ranks: number, dir: string, env: Record<string, string> = {}) {
  return runCommand(process.execPath, [CLI, 'run', '-n', String(ranks), '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir, ...env },
    timeoutMs: 180_000,
  });
}

type Attributes = Record<string, { $: string; type: string } | string | boolean | undefined> & { 'prov-ml:exit_code'?: { $: string; type: string } };

/** The rank's run activity (the one typed LearningExecution) of a written PROV-JSON document. */
function runActivity(path: string): Attributes {
  const document = JSON.parse(readFileSync(path, 'utf8')) as { activity: Record<string, Attributes> };
  const runs = Object.values(document.activity).filter((activity) => activity['prov-ml:type'] === 'LearningExecution');
  assert.equal(runs.length, 1, `${path} has one run activity`);
  return runs[0]!;
}

function rankDocuments(runDir: string): string[] {
  return readdirSync(runDir).filter((name) => /^prov_.*_GR\d+\.json$/.test(name)).sort();
}

describe('local ranks over real ZeroMQ sockets', () => {
  for (const ranks of [1, 4, 16]) {
    test(`${ranks} rank(s): every point arrives exactly once and python prov reads every document`, needs('python3-prov', hasPythonProv), async () => {
      const dir = saveDir();
      const points = ranks === 16 ? 2_000 : 20_000;
      const result = await runRanks(ranks, dir, { POINTS: String(points) });
      assert.equal(result.code, 0, result.stderr);
      const runDir = onlyRunDir(dir);
      assertExactlyOnce(runDir, ranks, points);
      const documents = rankDocuments(runDir);
      assert.deepEqual(documents, Array.from({ length: ranks }, (_, r) => `prov_points_GR${r}.json`).sort());
      const collection = JSON.parse(readFileSync(join(runDir, 'prov_collection.json'), 'utf8')) as { hadMember?: Record<string, unknown> };
      assert.equal(Object.keys(collection.hadMember ?? {}).length, ranks, 'the collection has one member per rank');
      assert.deepEqual(await pythonProvErrors([...documents.map((d) => join(runDir, d)), join(runDir, 'prov_collection.json')]), []);
    });
  }

  test('a rank that throws: its exit status is recorded, the other ranks are complete', async () => {
    const dir = saveDir();
    const result = await runRanks(4, dir, { POINTS: '4000', FAIL_RANK: '2' });
    assert.equal(result.code, 1, 'the job reports the failing rank');
    const runDir = onlyRunDir(dir);
    for (const rank of [0, 1, 3]) assert.equal(readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`)).rows, 4000);
    const failed = runActivity(join(runDir, 'prov_points_GR2.json'));
    assert.deepEqual(failed['prov-ml:exit_code'], { $: '1', type: 'xsd:int' });
    assert.deepEqual(failed['prov-ml:global_rank'], { $: '2', type: 'xsd:int' });
    assert.deepEqual(runActivity(join(runDir, 'prov_points_GR0.json'))['prov-ml:exit_code'], { $: '0', type: 'xsd:int' });
  });

  test('a program that exits non-zero: the code is propagated and recorded', async () => {
    const dir = saveDir();
    const result = await runRanks(2, dir, { POINTS: '100', EXIT_CODE: '3' });
    assert.equal(result.code, 3);
    const runDir = onlyRunDir(dir);
    for (const rank of [0, 1]) {
      const activity = runActivity(join(runDir, `prov_points_GR${rank}.json`));
      assert.deepEqual(activity['prov-ml:exit_code'], { $: '3', type: 'xsd:int' });
      assert.equal(activity['prov-ml:clean'], true);
    }
  });

  test('a launcher environment that contradicts itself is named, and the program still runs', async () => {
    const dir = saveDir();
    const result = await runCommand(process.execPath, [CLI, 'run', '--', process.execPath, '-e', 'console.log("trained"); process.exitCode = 4'], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir, PROV4ML_RANK: '5', PROV4ML_WORLD_SIZE: '2' },
    });
    assert.equal(result.code, 4, 'the program ran and its exit code came through');
    assert.equal(result.stdout, 'trained\n');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /PROV4ML_RANK/);
    assert.match(lines[0]!, /without provenance/);
    const underSlurm = await runCommand(process.execPath, [CLI, 'run', '--', process.execPath, '-e', 'process.exitCode = 5'], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir, SLURM_STEP_ID: '0', SLURM_JOB_ID: '7', SLURM_PROCID: '3', SLURM_NTASKS: '2', SLURM_STEP_NODELIST: 'node[01-' },
    });
    assert.equal(underSlurm.code, 5);
    assert.match(underSlurm.stderr, /SLURM_/);
    assert.match(underSlurm.stderr, /without provenance/);
  });

  test("the program's startRun arguments beat PROV4ML_* variables, and numeric arguments stay words", async () => {
    const dir = saveDir();
    const result = await runCommand(process.execPath, [CLI, 'run', '-n', '2', '--metrics-interval', '0', '--', process.execPath, PROGRAM, '1', '2.50'], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir, PROV4ML_EXPERIMENT_NAME: 'from_env', PROV4ML_COLLECT_ALL_PROCESSES: 'false', POINTS: '50' },
    });
    assert.equal(result.code, 0, result.stderr);
    // The fixture's startRun says experimentName 'points' and collectAllProcesses true.
    const runDir = onlyRunDir(dir);
    assert.match(runDir, /points_\d+$/);
    assert.equal(readMetricCsv(join(runDir, 'metrics', 'loss_TRAINING_GR1.csv')).rows, 50, "rank 1's records are kept");
    assert.equal(runActivity(join(runDir, 'prov_points_GR0.json'))['prov-ml:argv'], JSON.stringify([process.execPath, PROGRAM, '1', '2.50']));
  });

  test("the wrapper's flags decide what a Node program's startRun leaves unset", async () => {
    const dir = saveDir();
    const program = "import { Context, endRun, logMetric, startRun } from '@prov4ml/agent'; await startRun({ experimentName: 'flags' }); logMetric('loss', 1, Context.TRAINING, 0); await endRun();";
    const result = await runCommand(process.execPath, [CLI, 'run', '-n', '2', '--collect-all-processes', '--metrics-interval', '0', '--', process.execPath, '--input-type=module', '-e', program], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: dir },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readMetricCsv(join(onlyRunDir(dir), 'metrics', 'loss_TRAINING_GR1.csv')).rows, 1, "rank 1's records are kept");
  });

  test('two jobs at once in one save dir do not mix', async () => {
    const dir = saveDir();
    const [a, b] = await Promise.all([runRanks(2, dir, { POINTS: '3000' }), runRanks(2, dir, { POINTS: '5000' })]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const runs = readdirSync(dir).filter((name) => !name.startsWith('.')).sort();
    assert.deepEqual(runs, ['points_0', 'points_1']);
    const sizes = runs.map((run) => readMetricCsv(join(dir, run, 'metrics', 'loss_TRAINING_GR0.csv')).rows).sort((x, y) => x - y);
    assert.deepEqual(sizes, [3000, 5000]);
    for (const run of runs) {
      const points = readMetricCsv(join(dir, run, 'metrics', 'loss_TRAINING_GR0.csv')).rows;
      assertExactlyOnce(join(dir, run), 2, points);
    }
  });
});
