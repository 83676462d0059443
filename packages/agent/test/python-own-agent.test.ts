/**
 * The Python client with the agent it starts for itself (no `prov4ml run`): what is of the moment the
 * program asked (samples, the run's start) while that agent is still coming up, and the jobs of
 * processes the program spawns itself, told apart by start_run's `rank` or torch.distributed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { pythonProvErrors } from '../../../test/support/run-dir.js';
import { runOwnAgentProgram } from './python-harness.js';

const pythonAvailable = commandWorks(DEBIAN_PYTHON);
const torchAvailable = pythonAvailable && pythonModuleAvailable('torch');

const directory = mkdtempSync(join(tmpdir(), 'prov4ml-own-agent-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `script` in a fresh directory of its own, as a program started without the wrapper. */
async function runScript(name: string, script: string, args: string[] = []) {
  const cwd = mkdtempSync(join(directory, `${name}-`));
  return { ...(await runOwnAgentProgram(cwd, script, args)), cwd };
}

/** Rows of a metric CSV: [step, value, timestamp]. */
function csvRows(path: string): number[][] {
  return readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').map(Number));
}

function onlyRunDir(saveDir: string): string {
  const runs = readdirSync(saveDir).filter((name) => !name.startsWith('.'));
  assert.equal(runs.length, 1, `one run in ${saveDir}: ${runs.join(', ')}`);
  return join(saveDir, runs[0]!);
}

describe('Python client with its own agent', needs('Debian python3', pythonAvailable), () => {
  it('samples asked for while its agent starts are each of their own call, and the run starts at start_run', async () => {
    // Prints, as JSON, when start_run was called, when each log_system_metrics call began and returned, and when end_run was called.
    const script = [
      'import json, time, prov4ml',
      'before = time.time() * 1000',
      'prov4ml.start_run(prov_user_namespace="www.example.org", experiment_name="early", provenance_save_dir="prov")',
      'after = time.time() * 1000',
      'calls = []',
      'for step in range(3):',
      '    began = time.time() * 1000',
      '    prov4ml.log_system_metrics(prov4ml.Context.TRAINING, step=step)',
      '    calls.append([began, time.time() * 1000])',
      '    time.sleep(0.5)',
      'end = time.time() * 1000',
      'prov4ml.end_run()',
      'print(json.dumps({"start": [before, after], "calls": calls, "end": end}))',
    ].join('\n');
    const result = await runScript('early', script);
    assert.equal(result.code, 0, result.output);
    const times = JSON.parse(result.output.trim().split('\n').at(-1)!) as { start: [number, number]; calls: [number, number][]; end: number };
    const run = onlyRunDir(join(result.cwd, 'prov'));
    const rows = csvRows(join(run, 'metrics', 'memory_usage_TRAINING_GR0.csv'));
    assert.deepEqual(rows.map(([step]) => step), [0, 1, 2]);
    // Each sample is taken after its call began and before the next call (a sample is taken off the
    // caller's stack, so a few milliseconds after its call returned): three distinct moments, in order.
    // Before the fix all three were taken at one moment once the agent was up, after the last call.
    rows.forEach(([, , timestamp], i) => {
      const began = times.calls[i]![0];
      const next = times.calls[i + 1]?.[0] ?? times.end;
      assert.ok(timestamp! >= Math.floor(began) && timestamp! < next, `sample ${i} at ${timestamp}, between ${began} and ${next}`);
    });
    const document = JSON.parse(readFileSync(join(run, 'prov_early_GR0.json'), 'utf8')) as { activity: Record<string, Record<string, unknown>> };
    const execution = Object.entries(document.activity).find(([id]) => id.endsWith('.execution'))![1];
    const startedAt = Date.parse(execution['prov:startTime'] as string);
    // The agent came up after start_run returned; the run's start is the call's moment.
    assert.ok(startedAt >= Math.floor(times.start[0]) && startedAt <= Math.ceil(times.start[1]), `start ${startedAt}, start_run ${times.start.join('..')}`);
    for (const [id, activity] of Object.entries(document.activity)) {
      if (typeof activity['prov:startTime'] === 'string') assert.ok(Date.parse(activity['prov:startTime']) >= startedAt, `${id} starts before the run`);
    }
    assert.deepEqual(await pythonProvErrors([join(run, 'prov_early_GR0.json')]), []);
  });
});

describe('Python processes the program spawns itself, one job', needs('Debian python3 with torch', torchAvailable), () => {
  // torch.multiprocessing.spawn of two ranks that form a gloo process group, then start_run(rank=r):
  // no launcher variable says who they are, as in a DDP script started with plain `python`.
  const script = [
    'import sys, torch.distributed as dist, torch.multiprocessing as mp, prov4ml',
    // mode: "all" (every rank starts a run, collect_all_processes=True), "rank0" (every rank, without
    // it), "only0" (only rank 0 starts one: the original's usual pattern).
    'def rank_main(rank, port, mode):',
    '    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank, world_size=2)',
    '    if mode != "only0" or rank == 0:',
    '        prov4ml.start_run(prov_user_namespace="www.example.org", experiment_name="spawned", provenance_save_dir="prov", collect_all_processes=mode == "all", rank=rank)',
    '        for step in range(50):',
    '            prov4ml.log_metric("loss", rank * 1000 + step, prov4ml.Context.TRAINING, step=step)',
    '        prov4ml.end_run()',
    '    dist.barrier()',
    '    dist.destroy_process_group()',
    'if __name__ == "__main__":',
    '    mp.spawn(rank_main, args=(int(sys.argv[1]), sys.argv[2]), nprocs=2)',
  ].join('\n');
  let port = 29_400 + (process.pid % 500);

  it('with collect_all_processes: one run directory, each rank its own document and its own points', async () => {
    const result = await runScript('spawned-all', script, [String(port++), 'all']);
    assert.equal(result.code, 0, result.output);
    const run = onlyRunDir(join(result.cwd, 'prov'));
    for (const rank of [0, 1]) {
      const rows = csvRows(join(run, 'metrics', `loss_TRAINING_GR${rank}.csv`));
      assert.deepEqual(rows.map(([step, value]) => [step, value]), Array.from({ length: 50 }, (_, step) => [step, rank * 1000 + step]));
    }
    const collection = readFileSync(join(run, 'prov_collection.json'), 'utf8');
    assert.match(collection, /prov_spawned_GR0\.json/);
    assert.match(collection, /prov_spawned_GR1\.json/);
    assert.deepEqual(await pythonProvErrors([join(run, 'prov_spawned_GR0.json'), join(run, 'prov_spawned_GR1.json')]), []);
  });

  for (const mode of ['rank0', 'only0']) {
    it(mode === 'rank0' ? 'without it: rank 1 records nothing, as the original\'s rank argument made it' : 'only rank 0 starts a run: a run of rank 0 alone, nobody waits for rank 1', async () => {
      const result = await runScript(`spawned-${mode}`, script, [String(port++), mode]);
      assert.equal(result.code, 0, result.output);
      const run = onlyRunDir(join(result.cwd, 'prov'));
      assert.deepEqual(readdirSync(join(run, 'metrics')).filter((name) => name.startsWith('loss_')), ['loss_TRAINING_GR0.csv']);
      assert.equal(csvRows(join(run, 'metrics', 'loss_TRAINING_GR0.csv')).length, 50);
      const collection = readFileSync(join(run, 'prov_collection.json'), 'utf8');
      assert.deepEqual([...new Set(collection.match(/prov_spawned_GR\d+\.json/g))], ['prov_spawned_GR0.json']);
      assert.match(collection, /"prov-ml:abnormal_ranks":\s*"none"/);
    });
  }
});

describe('the original\'s state object, wrapper and getters module', needs('Debian python3', pythonAvailable), () => {
  it('PROV4ML_DATA: defaults before start_run, the run\'s paths during and after it; ProvenanceTrackedFunction logs each call; yprov4ml.utils.getters reads them back', async () => {
    const script = [
      'import json, yprov4ml',
      'from prov4ml.constants import PROV4ML_DATA',
      'from yprov4ml.utils import getters',
      'NAMES = ["PROV_SAVE_PATH", "USER_NAMESPACE", "EXPERIMENT_NAME", "EXPERIMENT_DIR", "ARTIFACTS_DIR", "RUN_ID", "global_rank", "is_collecting", "save_metrics_after_n_logs"]',
      'state = lambda: {name: getattr(PROV4ML_DATA, name) for name in NAMES}',
      'before = state()',
      'yprov4ml.start_run("tracked", prov_user_namespace="www.example.org", provenance_save_dir="prov", save_after_n_logs=7)',
      'during = state()',
      'class Halve:',
      '    def __call__(self, x): return x / 2',
      'def double(x): return 2 * x',
      'halve = yprov4ml.ProvenanceTrackedFunction(Halve(), context=yprov4ml.Context.VALIDATION)',
      'twice = yprov4ml.ProvenanceTrackedFunction(double)',
      'results = [halve(10 + i) + twice(i) for i in range(3)]',
      'yprov4ml.end_run()',
      'run = yprov4ml.get_run_dir()',
      'print(json.dumps({"before": before, "during": during, "after": state(), "run": run, "results": results,',
      '    "halve": getters.get_metric(run, "Halve", context="VALIDATION"), "double": getters.get_metric(run, "double")}))',
    ].join('\n');
    const result = await runScript('state', script);
    assert.equal(result.code, 0, result.output);
    const out = JSON.parse(result.output.trim().split('\n').at(-1)!) as Record<string, unknown> & { run: string; halve: number[][]; double: number[][] };
    const run = join(result.cwd, 'prov', 'tracked_0');
    assert.equal(out.run, run);
    assert.deepEqual(out.before, {
      PROV_SAVE_PATH: 'prov_save_path', USER_NAMESPACE: 'user_namespace', EXPERIMENT_NAME: 'test_experiment', EXPERIMENT_DIR: 'test_experiment_dir',
      ARTIFACTS_DIR: 'artifact_dir', RUN_ID: 0, global_rank: null, is_collecting: false, save_metrics_after_n_logs: 100,
    });
    const ofTheRun = {
      PROV_SAVE_PATH: join(result.cwd, 'prov'), USER_NAMESPACE: 'www.example.org', EXPERIMENT_NAME: 'tracked', EXPERIMENT_DIR: run,
      ARTIFACTS_DIR: join(run, 'artifacts', 'GR0'), RUN_ID: 0, global_rank: 0, is_collecting: true, save_metrics_after_n_logs: 7,
    };
    assert.deepEqual(out.during, ofTheRun);
    assert.deepEqual(out.after, ofTheRun, 'the original kept the last run\'s values after end_run');
    assert.deepEqual(out.results, [5, 7.5, 10]);
    // Steps 0, 1, 2 (one a call); an object is named by its class, a function by its name.
    assert.deepEqual(out.halve.map(([step, value]) => [step, value]), [[0, 5], [1, 5.5], [2, 6]]);
    assert.deepEqual(out.double.map(([step, value]) => [step, value]), [[0, 0], [1, 2], [2, 4]]);
    assert.equal(csvRows(join(run, 'metrics', 'Halve_VALIDATION_GR0.csv')).length, 3);
  });
});
