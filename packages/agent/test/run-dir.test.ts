import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
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
