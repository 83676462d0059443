import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEBIAN_PYTHON } from './support/components.js';
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

test('a rank whose wrapper is SIGKILLed: its points up to the last flush are there, it is recorded unfinished, the job still finalises', async () => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-sigkill-'));
  const ranks = 3;
  const job = spawn(process.execPath, [CLI, 'run', '-n', String(ranks), '--metrics-interval', '0', '--rank-timeout', '3', '--', process.execPath, PROGRAM], {
    env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(POINTS), STAY_RANK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
  const [wrapperPid, programPid] = await new Promise<[number, number]>((resolve) => {
    let stdout = '';
    job.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const ready = /ready 1 (\d+) (\d+)/.exec(stdout);
      if (ready) resolve([Number(ready[1]), Number(ready[2])]);
    });
  });
  process.kill(wrapperPid, 'SIGKILL');
  process.kill(programPid, 'SIGKILL');
  assert.equal(await exited, 128 + 9, 'the job reports the killed rank');
  const runDir = onlyRunDir(saveDir);
  for (let rank = 0; rank < ranks; rank++) {
    assert.equal(readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`)).rows, POINTS, `rank ${rank}'s points`);
    const document = JSON.parse(readFileSync(join(runDir, `prov_signals_GR${rank}.json`), 'utf8')) as { activity: Record<string, Record<string, unknown>> };
    const run = Object.values(document.activity).find((activity) => activity['prov-ml:type'] === 'LearningExecution')!;
    assert.equal(run['prov-ml:unfinished'], rank === 1, `rank ${rank} unfinished`);
    if (rank === 1) assert.match(String((run['prov-ml:last_seen'] as { $: string }).$), /^\d{4}-\d\d-\d\dT/);
    else assert.equal(run['prov-ml:clean'], true);
  }
});

// The wrapper is the rank's agent; its program is a separate process that must outlive it: a provenance
// problem never ends a user's job. What the program logs afterwards is lost, and it is told so once.
for (const [language, program] of [
  ['Node', [process.execPath, join(import.meta.dirname, 'fixtures/outlive-wrapper.mjs')]],
  ['Python', [DEBIAN_PYTHON, join(import.meta.dirname, 'fixtures/outlive-wrapper.py')]],
] as const) {
  test(`a ${language} program whose wrapper is SIGKILLed goes on: its later calls neither throw nor hang, it is told once what is lost, and exits 0`, async () => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-outlive-'));
    const job = spawn(process.execPath, [CLI, 'run', '-n', '2', '--metrics-interval', '0', '--rank-timeout', '3', '--', ...program], {
      env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(POINTS), STAY_RANK: '1', OUTLIVE_ARTIFACT: join(mkdtempSync(join(tmpdir(), 'prov4ml-artifact-')), 'after.txt') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    job.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    // The program writes to the same pipes as the job: they close when the last of them has exited.
    const closed = new Promise<void>((resolve) => job.on('close', () => resolve()));
    const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
    const wrapperPid = await new Promise<number>((resolve) => {
      job.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
        const ready = /ready 1 (\d+) \d+/.exec(stdout);
        if (ready) resolve(Number(ready[1]));
      });
    });
    process.kill(wrapperPid, 'SIGKILL');
    assert.equal(await exited, 128 + 9, 'the job reports the killed rank');
    await closed;
    // An orphan's exit status goes to whoever adopted it: its last line and its closed pipes stand for it.
    assert.match(stdout, /went on 1/, `the program ran to its end: ${stderr}`);
    assert.doesNotMatch(stderr, /Traceback|at .*\(.*:\d+:\d+\)|Unhandled/, 'no stack trace');
    const lost = stderr.split('\n').filter((line) => line.includes('what is logged from now on is lost, training goes on'));
    assert.equal(lost.length, 1, stderr);
    const runDir = onlyRunDir(saveDir);
    assert.equal(readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR1.csv`)).rows, POINTS, "rank 1's points up to the kill, none after");
    assert.equal(readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR0.csv`)).rows, POINTS, "rank 0's points");
  });
}
