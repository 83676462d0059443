// Per-node relays on the emulated Slurm (two nodes on this host's loopback; inside a node the ranks
// still reach their relay over ipc): one connection per node at the aggregator instead of one per
// rank, every point exactly once, the relay off by flag, and a relay SIGKILLed mid-run.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ZmqEndpoint } from '@prov4ml/prov-core';
import { needs } from '../support/components.js';
import { CLI, readMetricCsv, REPO_ROOT, runCommand } from '../support/run-dir.js';
import { slurmInstalled, srun, startLocalSlurm } from './local-slurm.js';
import { DEBIAN_PYTHON } from '../support/components.js';

const RELAY_PROGRAM = [DEBIAN_PYTHON, join(REPO_ROOT, 'test/cluster/fixtures/relay_program.py')];
const POINTS = 20_000;
const RANKS = 4;
const NODES = 2;
/** How often the test counts the aggregator's connections while the job runs. */
const SAMPLE_MS = 100;

interface RelayJob {
  code: number | null;
  stderr: string;
  runDir: string;
  /** The most connections to the aggregator's data port seen at once while the job ran. */
  maxDataConnections: number;
}

/**
 * `srun -N2 -n4 --ntasks-per-node=2` of the relay program under `prov4ml run <flags>`; while it runs,
 * counts the established TCP connections whose local port is the aggregator's data port (the
 * aggregator's side of each peer: ranks or relays), and calls `during` once the run directory exists.
 */
async function relayJob(experiment: string, flags: string[], env: Record<string, string> = {}, during?: (saveDir: string) => Promise<void>): Promise<RelayJob> {
  const saveDir = join(mkdtempSync(join(tmpdir(), `prov4ml-relay-${experiment}-`)), 'prov');
  mkdirSync(saveDir);
  const step = srun({
    srunOptions: ['-N', String(NODES), '-n', String(RANKS), '--ntasks-per-node=2', '--kill-on-bad-exit=0'],
    command: ['prov4ml', 'run', ...flags, '--', ...RELAY_PROGRAM],
    env: { PROV4ML_PROVENANCE_SAVE_DIR: saveDir, PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID', RELAY_POINTS: String(POINTS), ...env },
  });
  let done = false;
  let maxDataConnections = 0;
  const sampling = (async () => {
    let port: number | undefined;
    while (!done) {
      port ??= aggregatorPort(saveDir);
      if (port !== undefined) maxDataConnections = Math.max(maxDataConnections, establishedTo(port));
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  const extra = during?.(saveDir);
  const result = await step.finally(() => (done = true));
  await sampling;
  await extra;
  const runs = readdirSync(saveDir).filter((name) => !name.startsWith('.'));
  assert.equal(runs.length, 1, `one run directory in ${saveDir}\n${result.stderr}`);
  return { code: result.code, stderr: result.stderr, runDir: join(saveDir, runs[0]!), maxDataConnections };
}

/** The hosted aggregator's data port, once rank 0 has published its endpoint. */
function aggregatorPort(saveDir: string): number | undefined {
  for (const run of readdirSync(saveDir).filter((name) => !name.startsWith('.'))) {
    const file = join(saveDir, run, 'aggregator.endpoint');
    if (existsSync(file)) return ZmqEndpoint.parse(readFileSync(file, 'utf8').trim())?.port ?? undefined;
  }
  return undefined;
}

/** Established TCP sockets (IPv4 and IPv6) whose local port is `port`: the accepting side's connections. */
function establishedTo(port: number): number {
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '01' && local !== undefined && parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) count++;
    }
  }
  return count;
}

/** Rank `rank` logged steps 0..points-1 with value rank × 1e6 + step, and each is in its CSV once. */
function assertPrefixOnce(runDir: string, rank: number, points: number): void {
  const series = readMetricCsv(join(runDir, 'metrics', `value_TRAINING_GR${rank}.csv`));
  assert.equal(series.rows, points, `rank ${rank}: rows`);
  assert.deepEqual([...series.steps].sort((a, b) => a - b), Array.from({ length: points }, (_, i) => i), `rank ${rank}: steps`);
  assert.equal(series.sum, points * rank * 1_000_000 + (points * (points - 1)) / 2, `rank ${rank}: sum of values`);
}

describe('Slurm: per-node relays', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);

  test('srun -N2 -n4: the aggregator holds one connection per node, and every point arrives exactly once', async () => {
    const job = await relayJob('relay_on', []);
    assert.equal(job.code, 0, job.stderr);
    assert.equal(job.maxDataConnections, NODES, `connections at the aggregator's data port\n${job.stderr}`);
    for (let rank = 0; rank < RANKS; rank++) assertPrefixOnce(job.runDir, rank, POINTS);
    assert.doesNotMatch(job.stderr, /relay .* is gone/, 'no rank fell back');
  });

  test('--no-relay: one connection per rank, every point exactly once', async () => {
    const job = await relayJob('relay_off', ['--no-relay']);
    assert.equal(job.code, 0, job.stderr);
    assert.equal(job.maxDataConnections, RANKS, `connections at the aggregator's data port\n${job.stderr}`);
    for (let rank = 0; rank < RANKS; rank++) assertPrefixOnce(job.runDir, rank, POINTS);
  });

  test('a relay SIGKILLed mid-run: its node\'s other rank falls back, every point once; the killed rank complete to its spool after merge', async () => {
    const pidDir = mkdtempSync(join(tmpdir(), 'prov4ml-relay-pids-'));
    const pidFile = join(pidDir, 'wrapper-node1-local0.pid');
    let killedAt = 0;
    // The rank timeout (after which the aggregator gives up on the killed rank and finalises) is longer
    // than the other rank's wait before it falls back (RELAY_UNREACHABLE_MS), as the default 60 s is.
    const job = await relayJob('relay_killed', [], { WRAPPER_PID_DIR: pidDir, PROV4ML_RANK_TIMEOUT: '15', RELAY_SECONDS: '8' }, async () => {
      while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      // Mid-run: the ranks have sent through the relay for a while.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      killedAt = Date.now();
    });
    assert.ok(killedAt > 0, 'the relay was killed');
    // Rank 2 is local rank 0 of node 1: its wrapper was the relay. Rank 3 went on without it.
    assert.match(job.stderr, /the node's relay at ipc:\/\/\S+ is gone: sending to the aggregator at tcp:\/\/\S+ directly/, job.stderr);
    for (const rank of [0, 1, 3]) assertPrefixOnce(job.runDir, rank, POINTS);
    const merged = await runCommand(process.execPath, [CLI, 'merge', job.runDir]);
    assert.equal(merged.code, 0, merged.stderr);
    for (const rank of [0, 1, 3]) assertPrefixOnce(job.runDir, rank, POINTS);
    // Everything rank 2 put in its spool before the kill, once each: a prefix of its steps.
    const killed = readMetricCsv(join(job.runDir, 'metrics', 'value_TRAINING_GR2.csv'));
    assert.ok(killed.rows > 0 && killed.rows < POINTS, `rank 2 kept part of its points: ${killed.rows}`);
    assertPrefixOnce(job.runDir, 2, killed.rows);
  });
});
