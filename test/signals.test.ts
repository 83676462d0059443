import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, onlyRunDir, readMetricCsv } from './support/run-dir.js';

const PROGRAM = join(import.meta.dirname, 'fixtures/log-then-wait.mjs');
const RANKS = 2;
const POINTS = 3000;

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to prov4ml run (what Slurm sends at its time limit) reaches every program, and everything is recorded`, async () => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-signals-'));
    const job = spawn(process.execPath, [CLI, 'run', '-n', String(RANKS), '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(POINTS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    job.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      job.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
        if (stdout.split('ready').length - 1 === RANKS) resolve();
      }),
    );
    job.kill(signal);
    const code = await exited;
    const signalNumber = signal === 'SIGTERM' ? 15 : 2;
    assert.equal(code, 128 + signalNumber, `the job reports the signal as a shell would: ${stderr}`);
    const runDir = onlyRunDir(saveDir);
    for (let rank = 0; rank < RANKS; rank++) {
      assert.equal(readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`)).rows, POINTS, `rank ${rank}'s points`);
      const document = JSON.parse(readFileSync(join(runDir, `prov_signals_GR${rank}.json`), 'utf8')) as { activity: Record<string, Record<string, unknown>> };
      const run = Object.values(document.activity).find((activity) => activity['prov-ml:type'] === 'LearningExecution')!;
      assert.equal(run['prov-ml:signal'], signal);
      assert.equal(run['prov-ml:clean'], false);
      assert.equal(run['prov-ml:unfinished'], false, 'the wrapper saw the end and recorded it');
    }
  });
}
