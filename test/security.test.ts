/**
 * Transport security through the real CLI: an aggregator that binds every interface uses CURVE with
 * the job's key pair, the ranks of `prov4ml run` find the key and deliver everything, and a sender
 * without the key adds nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Push } from 'zeromq';
import { encodeEnvelope, PROTOCOL_VERSION, RUN_DIR_KEY_DIR, SERVER_PUBLIC_KEY_FILE, SERVER_SECRET_KEY_FILE } from '@prov4ml/prov-core';
import { assertExactlyOnce, CLI, onlyRunDir, readMetricCsv, REPO_ROOT, runCommand } from './support/run-dir.js';

const PROGRAM = join(REPO_ROOT, 'test/fixtures/log-points.mjs');
const RANKS = 2;
const POINTS = 3_000;

/** This machine's first non-loopback IPv4 address, else 127.0.0.1 (a wildcard bind is off loopback either way). */
function reachableHost(): string {
  const addresses = Object.values(networkInterfaces()).flat();
  return addresses.find((address) => address?.family === 'IPv4' && !address.internal)?.address ?? '127.0.0.1';
}

function temporaryDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `prov4ml-${name}-`));
}

function assertPrivateKeyFiles(keyDir: string): void {
  for (const file of [SERVER_PUBLIC_KEY_FILE, SERVER_SECRET_KEY_FILE]) {
    assert.equal(statSync(join(keyDir, file)).mode & 0o777, 0o600, `${file} is readable by its owner only`);
  }
}

interface Running {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('prov4ml aggregate --bind tcp://0.0.0.0:0 with PROV4ML_KEY_DIR and prov4ml run -n 2: every point arrives; a plain sender before them adds nothing', async () => {
  const keyDir = join(temporaryDir('keydir'), 'job-keys');
  const saveDir = temporaryDir('secure');
  const intruderRunDir = temporaryDir('intruder');
  const aggregate = start(['aggregate', '--bind', 'tcp://0.0.0.0:0', '--world-size', String(RANKS)], { PROV4ML_KEY_DIR: keyDir });
  const [line] = (await once(aggregate.child.stdout!, 'data')) as [Buffer];
  const port = /:(\d+)\s*$/.exec(line.toString())?.[1];
  assert.ok(port !== undefined, `aggregate printed its endpoint: ${line.toString()} ${aggregate.stderr()}`);
  const endpoint = `tcp://${reachableHost()}:${port}`;
  assertPrivateKeyFiles(keyDir);

  // Had this empty but valid envelope been accepted, the aggregator would have taken the intruder's job
  // and run directory, and dropped every frame of the real job as another job's.
  const intruder = new Push({ linger: 0, sendTimeout: 1_000 });
  intruder.connect(endpoint);
  const envelope = { v: PROTOCOL_VERSION, job: 'intruder', rank: 0, worldSize: RANKS, sender: 'intruder0', seq: 1, sent: Date.now(), runDir: intruderRunDir, records: [] };
  await intruder.send(encodeEnvelope(envelope)).catch(() => undefined);
  await until(() => aggregate.stderr().includes('failed the security handshake'), 10_000, 'the refused handshake');
  intruder.close();

  const job = await runCommand(process.execPath, [CLI, 'run', '-n', String(RANKS), '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
    env: { ...process.env, PROV4ML_AGGREGATOR: endpoint, PROV4ML_KEY_DIR: keyDir, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(POINTS), EXPERIMENT: 'secure' },
  });
  assert.equal(job.code, 0, job.stderr);
  assert.equal(await aggregate.exited, 0, aggregate.stderr());
  const runDir = onlyRunDir(saveDir);
  assertExactlyOnce(runDir, RANKS, POINTS);
  assert.ok(!existsSync(join(runDir, RUN_DIR_KEY_DIR)), 'with PROV4ML_KEY_DIR the key is only there');
  assert.deepEqual(readdirSync(intruderRunDir), [], 'nothing was written for the intruder');
});

test('a hosted aggregator that binds every interface (ranks on two "nodes"): rank 0 writes the key pair 0600 in the run directory, rank 1 reads it, every point arrives', async () => {
  const saveDir = temporaryDir('hosted-secure');
  // torchrun's variables with one rank per node: rank 0 hosts the aggregator on 0.0.0.0, rank 1 reaches it at MASTER_ADDR.
  const torchrun = { WORLD_SIZE: String(RANKS), LOCAL_RANK: '0', LOCAL_WORLD_SIZE: '1', MASTER_ADDR: reachableHost(), MASTER_PORT: '29500', TORCHELASTIC_RUN_ID: randomUUID() };
  const ranks = Array.from({ length: RANKS }, (_, rank) =>
    runCommand(process.execPath, [CLI, 'run', '--metrics-interval', '0', '--', process.execPath, PROGRAM], {
      env: { ...process.env, ...torchrun, RANK: String(rank), GROUP_RANK: String(rank), PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(POINTS), EXPERIMENT: 'hosted' },
    }),
  );
  for (const [rank, result] of (await Promise.all(ranks)).entries()) assert.equal(result.code, 0, `rank ${rank}: ${result.stderr}`);
  const runDir = onlyRunDir(saveDir);
  assertPrivateKeyFiles(join(runDir, RUN_DIR_KEY_DIR));
  // The program takes its rank from PROV4ML_RANK, which only `run -n` sets: both ranks log rank 0's series.
  for (let rank = 0; rank < RANKS; rank++) {
    const loss = readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`));
    assert.equal(loss.rows, POINTS, `rank ${rank} loss rows`);
    assert.equal(loss.sum, (0.5 * POINTS * (POINTS - 1)) / 2, `rank ${rank} loss sum`);
    assert.deepEqual(loss.steps, Array.from({ length: POINTS }, (_, i) => i), `rank ${rank} loss steps`);
  }
});

test('prov4ml aggregate off loopback without PROV4ML_KEY_DIR stops with one line naming it; PROV4ML_INSECURE=1 binds plain', async () => {
  const refused = await runCommand(process.execPath, [CLI, 'aggregate', '--bind', 'tcp://0.0.0.0:0', '--world-size', '1'], { env: { ...process.env, PROV4ML_KEY_DIR: '' } });
  assert.notEqual(refused.code, 0);
  const lines = refused.stderr.split('\n').filter((text) => text !== '');
  assert.equal(lines.length, 1, refused.stderr);
  assert.match(lines[0]!, /PROV4ML_KEY_DIR: not set, but tcp:\/\/0\.0\.0\.0:0 is not loopback/);
  const insecure = start(['aggregate', '--bind', 'tcp://0.0.0.0:0', '--world-size', '1'], { PROV4ML_INSECURE: '1' });
  await once(insecure.child.stdout!, 'data');
  assert.match(insecure.stderr(), /plain transport on tcp:\/\/0\.0\.0\.0:0 \(insecure\)/);
  insecure.child.kill('SIGTERM');
  await insecure.exited;
});
