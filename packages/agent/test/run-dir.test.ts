import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectJob } from '../src/rank/detect.js';
import { claimRunDir } from '../src/rank/run-dir.js';

test('every rank of a job gets the same run directory, also when they race in separate processes', async () => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-claim-'));
  const moduleUrl = new URL('../src/rank/run-dir.ts', import.meta.url).href;
  const script = `import { claimRunDir } from ${JSON.stringify(moduleUrl)};
    const c = claimRunDir({ saveDir: process.argv[1], experimentName: 'exp', jobKey: process.argv[2], runId: null });
    process.stdout.write(c.runDir);`;
  const claim = (jobKey: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, saveDir, jobKey], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`claim exited ${code}`))));
    });
  const jobA = await Promise.all(Array.from({ length: 6 }, () => claim('slurm-7.0')));
  const jobB = await Promise.all(Array.from({ length: 6 }, () => claim('slurm-8.0')));
  assert.equal(new Set(jobA).size, 1, `job A split across ${[...new Set(jobA)].join(', ')}`);
  assert.equal(new Set(jobB).size, 1);
  assert.notEqual(jobA[0], jobB[0]);
  // Losers removed the directories they had created: exactly one per job remains.
  assert.deepEqual(readdirSync(saveDir).filter((name) => name.startsWith('exp_')).sort(), ['exp_0', 'exp_1']);
});

test('PROV4ML_RUN_ID names the directory; names that would leave the save dir are refused', () => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-claim-'));
  const claimed = claimRunDir({ saveDir, experimentName: 'exp', jobKey: 'local-1', runId: 42 });
  assert.equal(claimed.runDir, join(saveDir, 'exp_42'));
  assert.equal(claimed.runId, 42);
  for (const bad of ['../evil', 'a/b', '..', 'x\u0001y', 'a'.repeat(200)]) {
    assert.throws(() => claimRunDir({ saveDir, experimentName: bad, jobKey: `k-${bad.length}`, runId: null }), /experimentName/);
  }
  assert.deepEqual(readdirSync(saveDir).sort(), ['.prov4ml', 'exp_42']);
});

test('the same Slurm job id on two clusters: two job keys, two run directories', () => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-claim-'));
  const step = { SLURM_JOB_ID: '4242', SLURM_STEP_ID: '0', SLURM_PROCID: '0', SLURM_NTASKS: '1', SLURM_NODEID: '0', SLURM_LOCALID: '0' };
  const keys = ['alpha', 'beta'].map((cluster) => detectJob({ ...step, SLURM_CLUSTER_NAME: cluster }, {}, 'vm').jobKey);
  assert.deepEqual(keys, ['slurm-alpha-4242.0', 'slurm-beta-4242.0']);
  const dirs = keys.map((jobKey) => claimRunDir({ saveDir, experimentName: 'exp', jobKey, runId: null }).runDir);
  assert.deepEqual(dirs, [join(saveDir, 'exp_0'), join(saveDir, 'exp_1')]);
  assert.equal(detectJob(step, {}, 'vm').jobKey, 'slurm-4242.0', 'without SLURM_CLUSTER_NAME the key has no cluster');
});

test('a claim older than its job is not reused; a live one is, without asking when the job started', () => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-claim-'));
  const jobKey = 'slurm-c-7.0';
  const old = claimRunDir({ saveDir, experimentName: 'exp', jobKey, runId: null });
  assert.equal(old.runDir, join(saveDir, 'exp_0'));
  const claimFile = join(saveDir, '.prov4ml', 'jobs', readdirSync(join(saveDir, '.prov4ml', 'jobs'))[0]!);
  const now = Date.now();
  utimesSync(claimFile, (now - 3_600_000) / 1000, (now - 3_600_000) / 1000);
  let asked = 0;
  const request = { saveDir, experimentName: 'exp', jobKey, runId: null, processStartedAt: now - 1_000 };
  // The job with this id started a minute ago: the hour-old claim is an earlier job's.
  const jobStartedAt = () => (asked++, now - 60_000);
  const fresh = claimRunDir({ ...request, jobStartedAt });
  assert.equal(fresh.runDir, join(saveDir, 'exp_1'));
  assert.equal(asked, 2, 'asked before and again under the lock (the agent\'s reader asks squeue once)');
  // The fresh claim was made after this process started: reused without asking.
  assert.equal(claimRunDir({ ...request, jobStartedAt }).runDir, fresh.runDir);
  assert.equal(asked, 2);
  // Made before this process started but after the job did (a faster rank's): reused.
  utimesSync(claimFile, (now - 30_000) / 1000, (now - 30_000) / 1000);
  assert.equal(claimRunDir({ ...request, jobStartedAt }).runDir, fresh.runDir);
  assert.equal(asked, 3);
  // When the job start is unknown, the claim stands.
  utimesSync(claimFile, (now - 3_600_000) / 1000, (now - 3_600_000) / 1000);
  assert.equal(claimRunDir({ ...request, jobStartedAt: () => null }).runDir, fresh.runDir);
  assert.deepEqual(readdirSync(saveDir).filter((name) => name.startsWith('exp_')).sort(), ['exp_0', 'exp_1']);
});
