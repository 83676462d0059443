/**
 * Scripts that start their run on rank 0 only (`if rank == 0: start_run(...)`), under `prov4ml run -n`:
 * the other ranks' wrappers join the run rank 0 named (rank/job-pointer.ts) instead of claiming one of
 * their own in the default save directory and leaving the job's run with a rank that never ended. And
 * a script that starts its run twice in one wrapped rank.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs } from './support/components.js';
import { CLI, readMetricCsv, runCommand } from './support/run-dir.js';

const directory = mkdtempSync(join(tmpdir(), 'prov4ml-rank0-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `script` as `prov4ml run -n <ranks>` in a directory of its own; returns that directory and the result. */
async function runWrapped(name: string, ranks: number, script: string) {
  const cwd = mkdtempSync(join(directory, `${name}-`));
  writeFileSync(join(cwd, 'program.py'), script);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of ['PROV4ML_PROVENANCE_SAVE_DIR', 'PROV4ML_EXPERIMENT_NAME', 'PROV4ML_CHANNEL']) delete env[variable];
  const result = await runCommand(process.execPath, [CLI, 'run', '-n', String(ranks), '--metrics-interval', '0', '--', DEBIAN_PYTHON, 'program.py'], { cwd, env, timeoutMs: 120_000 });
  return { cwd, ...result };
}

function collectionOf(runDir: string): { members: string[]; abnormal: string } {
  const text = readFileSync(join(runDir, 'prov_collection.json'), 'utf8');
  return {
    members: [...new Set(text.match(/prov_\w+_GR\d+\.json/g) ?? [])].sort(),
    abnormal: /"prov-ml:abnormal_ranks":\s*"([^"]*)"/.exec(text)?.[1] ?? '(none recorded)',
  };
}

describe('a run started on rank 0 only, under prov4ml run', needs('Debian python3', commandWorks(DEBIAN_PYTHON)), () => {
  test('rank 1 joins the run rank 0 named: one run directory, both ranks ended, nothing in the default save directory', async () => {
    const script = [
      'import os, time, prov4ml',
      'if os.environ["PROV4ML_RANK"] == "0":',
      '    prov4ml.start_run("www.example.org", "ranked", "named_dir")',
      '    for step in range(3):',
      '        prov4ml.log_metric("loss", step / 2, prov4ml.Context.TRAINING, step=step)',
      '    prov4ml.end_run()',
      'else:',
      '    time.sleep(1)',
    ].join('\n');
    const { cwd, code, stderr } = await runWrapped('named', 2, script);
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(join(cwd, 'prov')), false, 'no run in the default save directory');
    assert.deepEqual(readdirSync(join(cwd, 'named_dir')).filter((name) => !name.startsWith('.')), ['ranked_0']);
    const runDir = join(cwd, 'named_dir', 'ranked_0');
    assert.deepEqual(collectionOf(runDir), { members: ['prov_ranked_GR0.json', 'prov_ranked_GR1.json'], abnormal: 'none' });
    assert.deepEqual(readMetricCsv(join(runDir, 'metrics', 'loss_TRAINING_GR0.csv')).steps, [0, 1, 2]);
    assert.doesNotMatch(stderr, /cannot reach the aggregator|unfinished/);
  });

  test('start_run twice in one wrapped rank: one run holds both, and one line says so', async () => {
    const script = [
      'import prov4ml',
      'for run in range(2):',
      '    prov4ml.start_run("www.example.org", "twice", "named_dir")',
      '    prov4ml.log_metric("loss", run, prov4ml.Context.TRAINING, step=run)',
      '    prov4ml.end_run()',
    ].join('\n');
    const { cwd, code, stderr } = await runWrapped('twice', 1, script);
    assert.equal(code, 0, stderr);
    const runDir = join(cwd, 'named_dir', 'twice_0');
    assert.deepEqual(readdirSync(join(cwd, 'named_dir')).filter((name) => !name.startsWith('.')), ['twice_0']);
    assert.deepEqual(readMetricCsv(join(runDir, 'metrics', 'loss_TRAINING_GR0.csv')).steps, [0, 1]);
    const lines = stderr.split('\n').filter((line) => line.includes('start_run again'));
    assert.deepEqual(lines, [`prov4ml: start_run again in this rank: a job under prov4ml run records one run, so these records join ${runDir}; run each part under a prov4ml run of its own to record them apart`]);
  });

  test('no rank names the run: all three in one run of the default save directory, as before', async () => {
    const { cwd, code, stderr } = await runWrapped('unnamed', 3, 'import time\ntime.sleep(0.5)\n');
    assert.equal(code, 0, stderr);
    assert.deepEqual(readdirSync(join(cwd, 'prov')).filter((name) => !name.startsWith('.')), ['experiment_0']);
    const { members, abnormal } = collectionOf(join(cwd, 'prov', 'experiment_0'));
    assert.deepEqual([members, abnormal], [['prov_experiment_GR0.json', 'prov_experiment_GR1.json', 'prov_experiment_GR2.json'], 'none']);
  });
});
