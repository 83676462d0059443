// Over 300 lines: five faults across hosts share one job harness and its counting helpers, each read beside the others.
/**
 * Faults across real hosts (issue 14, item 6): 4 nodes of the namespace cluster (test/cluster/
 * netns-slurm.ts) × 2 ranks × 100k points × 2 metrics, every rank `srun … prov4ml run` of
 * test/fixtures/log-points.mjs, reaching its aggregator on nsnode01 over the bridge. A partition is a
 * node's link taken down (this kernel has no netem). Each test counts: points sent per rank (the
 * program's), rows in the files, and after `merge` where a rank could not finish. The job spans 4 nodes,
 * so its ranks go through per-node relays (on by default): each test checks that the aggregator holds
 * one connection per node, not one per rank, before its fault; (e) SIGKILLs a relay.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { decodeEnvelope, ENDPOINT_FILE, rankOfSpoolFile, readFrames, receivedLogPath, SPOOL_DIR, ZmqEndpoint } from '@prov4ml/prov-core';
import { needs } from '../support/components.js';
import { assertExactlyOnce, CLI, onlyRunDir, readMetricCsv, runCommand } from '../support/run-dir.js';
import { allLinksUp, establishedOn, netnsEnv, netnsSlurmAvailable, nodeAddress, setLink, startNetnsSlurm, startOnNode, startSrun, wrapperOn, type NetnsNode } from '../cluster/netns-slurm.js';
import { LOG_POINTS_PROGRAM, receivedLogBytes, sleep, waitUntil, type Running } from './support.js';

const NODES = 4;
const RANKS_PER_NODE = 2;
const RANKS = NODES * RANKS_PER_NODE;
const POINTS = 100_000;
/** The partition. */
const PARTITION_MS = 20_000;
/** Sleep every 1000 points: the ranks log for ~10 s, so a fault at half way falls mid-run. */
const PACED = { PAUSE_MS: '100', PRINT_HALFWAY: '1' };
const AGGREGATOR_NODE: NetnsNode = 'nsnode01';

interface Job {
  saveDir: string;
  srun: Running;
}

/**
 * `srun -N 4 --ntasks-per-node=2 prov4ml run -- node log-points.mjs` on the namespace cluster; `-l`:
 * srun labels each output line with its task (the rank), so the diagnostics say which ranks fell back.
 */
function startJob(name: string, env: Record<string, string>, srunOptions: string[] = []): Job {
  const saveDir = mkdtempSync(join(tmpdir(), `prov4ml-hosts-${name}-`));
  const srun = startSrun(
    ['-l', '-N', String(NODES), `--ntasks-per-node=${RANKS_PER_NODE}`, ...srunOptions],
    ['prov4ml', 'run', '--', process.execPath, LOG_POINTS_PROGRAM],
    netnsEnv(saveDir, { POINTS: String(POINTS), ...PACED, ...env }),
  );
  return { saveDir, srun };
}

/** Every rank has logged half its points and the aggregator has received some. */
function halfway(job: Job): Promise<void> {
  return waitUntil(() => job.srun.stdout().split('halfway').length - 1 === RANKS && receivedLogBytes(job.saveDir) > 0, 300_000);
}

/**
 * The ranks go through their nodes' relays: the aggregator on `node` holds one connection at its data
 * port per node (8 without relays), and one more per rank that fell back from its relay (it says so on
 * stderr; a loaded machine can delay a relay's start past RELAY_UNREACHABLE_MS). `port`: the stand-alone
 * aggregator's; by default the hosted one's.
 */
async function assertThroughRelays(t: TestContext, job: Job, node: NetnsNode = AGGREGATOR_NODE, port?: number): Promise<void> {
  const dataPort = port ?? ZmqEndpoint.parse(readFileSync(join(onlyRunDir(job.saveDir), ENDPOINT_FILE), 'utf8').trim())?.port;
  assert.ok(dataPort !== undefined && dataPort !== null, 'the aggregator published its endpoint');
  const connections = await establishedOn(node, dataPort);
  const fallbacks = fallbackLines(job.srun.stderr()).length;
  t.diagnostic(`the aggregator's data port ${dataPort} holds ${connections} connections (${NODES} nodes, ${RANKS} ranks, ${fallbacks} fallen back so far${fallenBack(job.srun.stderr())})`);
  assert.ok(connections >= NODES && connections <= NODES + fallbacks, `one connection per node's relay (+1 per rank fallen back) at the aggregator:\n${job.srun.stderr()}`);
}

/** `: ranks 1, 5` for the ranks that fell back (srun's `-l` labels), or nothing. */
function fallenBack(stderr: string): string {
  const ranks = fallbackLines(stderr).map((line) => line.slice(0, line.indexOf(':')).trim());
  return ranks.length === 0 ? '' : `: ranks ${ranks.join(', ')}`;
}

/** The lines of the ranks that found their node's relay gone and went to the aggregator directly. */
function fallbackLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /the node's relay at ipc:\/\/\S+ is gone: sending to the aggregator at tcp:\/\/\S+ directly/.test(line));
}

/** Takes a node's link down for PARTITION_MS, then up. */
async function partition(t: TestContext, node: NetnsNode, job: Job): Promise<void> {
  const before = receivedLogBytes(job.saveDir);
  await setLink(node, 'down');
  await sleep(PARTITION_MS);
  await setLink(node, 'up');
  t.diagnostic(`${node} (${nodeAddress(node)}) down ${PARTITION_MS / 1000} s; received-log bytes ${before} → ${receivedLogBytes(job.saveDir)} meanwhile`);
}

/** Points of `metric` in the frames of a rank's received log (what the aggregator confirmed of it). */
function receivedPoints(runDir: string, rank: number, metric: string): number {
  return pointsInFrames(receivedLogPath(runDir, rank), metric);
}

/** Points of `metric` in a rank's spool files (every frame its agent sealed: what `merge` can add). */
function spooledPoints(runDir: string, rank: number, metric: string): number {
  const files = readdirSync(join(runDir, SPOOL_DIR)).filter((name) => rankOfSpoolFile(name) === rank);
  return files.reduce((sum, name) => sum + pointsInFrames(join(runDir, SPOOL_DIR, name), metric), 0);
}

/** Points of `metric` in the frames of a file of frames (a received log or a spool). */
function pointsInFrames(path: string, metric: string): number {
  let points = 0;
  for (const frame of readFrames(readFileSync(path)).frames) {
    const decoded = decodeEnvelope(frame);
    if (!decoded.ok) continue;
    for (const record of decoded.envelope.records) {
      if (record.kind === 'metrics') for (const series of record.series) if (series.name === metric) points += series.values.length;
    }
  }
  return points;
}

/**
 * Every rank's points are in its received log: the programs, held before endRun (END_AFTER_FILE), may
 * end now without their agents' wait for acks at the end (20 s) racing the aggregator's catching up,
 * which on a loaded machine can take longer.
 */
async function allPointsReceived(job: Job): Promise<void> {
  const received = (): boolean => {
    const runs = readdirSync(job.saveDir).filter((name) => !name.startsWith('.'));
    if (runs.length !== 1) return false;
    const runDir = join(job.saveDir, runs[0]!);
    return Array.from({ length: RANKS }, (_, rank) => rank).every((rank) => existsSync(receivedLogPath(runDir, rank)) && receivedPoints(runDir, rank, 'loss') === POINTS);
  };
  const deadline = Date.now() + 300_000;
  while (!received()) {
    if (Date.now() > deadline) throw new Error(`not every point arrived within 300 s:\n${job.srun.stderr()}`);
    await sleep(1_000);
  }
}

/** A fresh file whose existence lets the programs end (log-points.mjs's END_AFTER_FILE). */
function endFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'prov4ml-end-')), 'end');
}

/** Per rank, the rows of its loss CSV: what the diagnostics report beside the points sent. */
function lossRows(runDir: string): number[] {
  return Array.from({ length: RANKS }, (_, rank) => readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`)).rows);
}

/** Rank `rank`'s `metric` holds steps 0..points-1, each once (its whole series, or a prefix of it). */
function assertSeries(runDir: string, rank: number, metric: 'loss_TRAINING' | 'acc_VALIDATION', points: number): void {
  const series = readMetricCsv(join(runDir, 'metrics', `${metric}_GR${rank}.csv`));
  assert.equal(series.rows, points, `rank ${rank} ${metric} rows`);
  assert.deepEqual([...series.steps].sort((a, b) => a - b), Array.from({ length: points }, (_, i) => i), `rank ${rank} ${metric} steps 0..${points - 1}`);
}

/** PIDs of the processes in a node's namespace that run the program or its wrapper. */
function rankProcessesOn(node: NetnsNode): Promise<string[]> {
  return runCommand('ip', ['netns', 'pids', node]).then((result) =>
    result.stdout.split('\n').filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('log-points.mjs') || cmdline.includes('prov4ml.js');
      } catch {
        return false;
      }
    }),
  );
}

describe(`faults across hosts, ${NODES} nodes × ${RANKS_PER_NODE} ranks × ${POINTS} points × 2 metrics`, needs('the namespace cluster (root, Slurm, ip netns)', netnsSlurmAvailable), () => {
  before(startNetnsSlurm);
  // A failed test must not leave a node cut off for the next one.
  after(allLinksUp);

  for (const [label, node] of [
    ['a compute node', 'nsnode03'],
    ["the aggregator's node", AGGREGATOR_NODE],
  ] as const) {
    test(`${label}'s link is down 20 s mid-run, then up: every point once`, async (t) => {
      // The programs end only once the link is back and every point arrived: the outage must not run into the agents' wait for acks at the end.
      const end = endFile();
      const job = startJob(node, { END_AFTER_FILE: end });
      await halfway(job);
      await assertThroughRelays(t, job);
      await partition(t, node, job);
      await allPointsReceived(job);
      writeFileSync(end, '');
      const jobEnd = await job.srun.exited;
      assert.equal(jobEnd.code, 0, job.srun.stderr());
      const runDir = onlyRunDir(job.saveDir);
      assertExactlyOnce(runDir, RANKS, POINTS);
      t.diagnostic(`sent ${POINTS} loss points per rank; rows in the files: ${lossRows(runDir).join(', ')}`);
    });
  }

  test("a node's link is down for good: its ranks exit keeping their spools, the run records them unfinished up to what arrived, merge completes it", async (t) => {
    const lost: NetnsNode = 'nsnode04';
    const lostRanks = [6, 7];
    // The hosted aggregator finalises without ranks silent for 15 s (3 heartbeats: the others never are).
    const job = startJob('lost', { PROV4ML_RANK_TIMEOUT: '15' });
    try {
      await halfway(job);
      await assertThroughRelays(t, job);
      await setLink(lost, 'down');
      const runDir = onlyRunDir(job.saveDir);
      await waitUntil(() => readdirSync(runDir).includes('prov_collection.json'), 180_000);
      // The live files: ranks 0-5 whole; 6 and 7 exactly what their received logs hold, from step 0 without a gap.
      assertExactlyOnce(runDir, lostRanks[0]!, POINTS);
      for (const rank of lostRanks) {
        const loss = readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`));
        const arrived = receivedPoints(runDir, rank, 'loss');
        assert.ok(arrived > 0 && arrived < POINTS, `rank ${rank}: ${arrived} points arrived before the link went down`);
        assert.equal(loss.rows, arrived, `rank ${rank}: rows = points in its received log`);
        assert.deepEqual(loss.steps, Array.from({ length: arrived }, (_, i) => i), `rank ${rank}: steps 0..${arrived - 1}`);
      }
      t.diagnostic(`live: rows ${lossRows(runDir).join(', ')} of ${POINTS} sent per rank`);
      // Cut off, ranks 6 and 7 give up waiting for acks (20 s after their program's end) and exit.
      const deadline = Date.now() + 120_000;
      while ((await rankProcessesOn(lost)).length > 0) {
        if (Date.now() > deadline) throw new Error(`the ranks on ${lost} did not exit`);
        await sleep(500);
      }
    } finally {
      await setLink(lost, 'up');
    }
    // Back up, the node's slurmstepd tells srun how its tasks ended (and hands over their output).
    const end = await job.srun.exited;
    assert.equal(end.code, 0, job.srun.stderr());
    const runDir = onlyRunDir(job.saveDir);
    assert.match(job.srun.stderr(), /unfinished ranks: 6, 7/);
    const notices = job.srun.stderr().split('\n').filter((line) => line.includes('did not confirm every record'));
    assert.equal(notices.length, lostRanks.length, job.srun.stderr());
    for (const notice of notices) assert.ok(notice.endsWith(`prov4ml merge ${runDir}`), notice);
    const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
    assert.equal(merged.code, 0, merged.stderr);
    assertExactlyOnce(runDir, RANKS, POINTS);
    t.diagnostic(`after merge: rows ${lossRows(runDir).join(', ')}`);
  });

  test('the stand-alone aggregator on its node is SIGKILLed half way and restarted: every point once', async (t) => {
    const keyDir = mkdtempSync(join(tmpdir(), 'prov4ml-keys-'));
    // Any port: nothing else listens in the aggregator node's namespace.
    const port = 24_000 + 2 * Math.floor(Math.random() * 2_000);
    const aggregate = [process.execPath, CLI, 'aggregate', '--bind', `tcp://${nodeAddress(AGGREGATOR_NODE)}:${port}`, '--world-size', String(RANKS), '--key-dir', keyDir];
    const startAggregate = async (): Promise<Running> => {
      const running = startOnNode(AGGREGATOR_NODE, aggregate, process.env);
      await waitUntil(() => running.stdout().includes('tcp://') || running.child.exitCode !== null, 30_000);
      assert.ok(running.stdout().includes(`:${port}`), `aggregate did not bind ${port}: ${running.stderr()}`);
      return running;
    };
    const first = await startAggregate();
    const end = endFile();
    const job = startJob('restart', { PROV4ML_AGGREGATOR: `tcp://${AGGREGATOR_NODE}:${port}`, PROV4ML_KEY_DIR: keyDir, END_AFTER_FILE: end });
    await halfway(job);
    await assertThroughRelays(t, job, AGGREGATOR_NODE, port);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(job.srun.child.exitCode, null, 'the ranks still run when the aggregator dies');
    t.diagnostic(`killed with ${receivedLogBytes(job.saveDir)} received-log bytes written`);
    const second = await startAggregate();
    await allPointsReceived(job);
    writeFileSync(end, '');
    const [jobEnd, secondEnd] = await Promise.all([job.srun.exited, second.exited]);
    assert.equal(jobEnd.code, 0, job.srun.stderr());
    assert.equal(secondEnd.code, 0, second.stderr());
    assert.match(second.stderr(), /replayed \d+ frames/);
    t.diagnostic(second.stderr().split('\n').filter((line) => /replayed|cut off|waits at/.test(line)).join(' | '));
    const runDir = onlyRunDir(job.saveDir);
    assertExactlyOnce(runDir, RANKS, POINTS);
    t.diagnostic(`sent ${POINTS} loss points per rank; rows in the files: ${lossRows(runDir).join(', ')}`);
  });
  test("a node's relay SIGKILLed mid-run with its rank: the node's other rank falls back, every other point once; the killed rank exact to what arrived, complete to its spool after merge", async (t) => {
    // Not the aggregator's node: there rank 0's wrapper also hosts the aggregator.
    const node: NetnsNode = 'nsnode03';
    // The hosted aggregator finalises without the killed rank once it is silent 15 s, later than its
    // node's other rank falls back (RELAY_UNREACHABLE_MS, 6 s); the other tasks outlive the killed one.
    const job = startJob('relay', { PROV4ML_RANK_TIMEOUT: '15' }, ['--kill-on-bad-exit=0']);
    await halfway(job);
    await assertThroughRelays(t, job);
    // The relay lives in local rank 0's `prov4ml run` wrapper, which is that rank's agent too.
    const relay = await wrapperOn(node, 0);
    process.kill(relay.pid, 'SIGKILL');
    t.diagnostic(`SIGKILLed the relay on ${node} (the wrapper of rank ${relay.rank}, pid ${relay.pid}) with ${receivedLogBytes(job.saveDir)} received-log bytes written`);
    const jobEnd = await job.srun.exited;
    const runDir = onlyRunDir(job.saveDir);
    const stderr = job.srun.stderr();
    assert.ok(readdirSync(runDir).includes('prov_collection.json'), `the run was finalised (srun exited ${jobEnd.code}):\n${stderr}`);
    // The killed relay's neighbour falls back; a rank of another node can too, when its relay closes
    // at its own rank's end while it still waits for acks (the aggregator waits for the killed rank).
    const fallbacks = fallbackLines(stderr).length;
    t.diagnostic(`${fallbacks} ranks fell back to the aggregator directly${fallenBack(stderr)}`);
    assert.ok(fallbacks >= 1, `the killed relay's neighbour fell back:\n${stderr}`);
    assert.match(stderr, new RegExp(`unfinished ranks: ${relay.rank}\\b`));
    const others = Array.from({ length: RANKS }, (_, rank) => rank).filter((rank) => rank !== relay.rank);
    const live = { loss: receivedPoints(runDir, relay.rank, 'loss'), acc: receivedPoints(runDir, relay.rank, 'acc') };
    const spooled = { loss: spooledPoints(runDir, relay.rank, 'loss'), acc: spooledPoints(runDir, relay.rank, 'acc') };
    t.diagnostic(`rank ${relay.rank}: sent ${POINTS / 2}+ loss points before the kill; ${live.loss} arrived live, ${spooled.loss} in its spool`);
    assert.ok(live.loss > 0 && live.loss <= spooled.loss && spooled.loss < POINTS, `rank ${relay.rank}: 0 < ${live.loss} arrived ≤ ${spooled.loss} spooled < ${POINTS}`);
    // Live: every other rank whole; the killed one exactly what the aggregator confirmed, from step 0 without a gap.
    for (const rank of others) for (const metric of ['loss_TRAINING', 'acc_VALIDATION'] as const) assertSeries(runDir, rank, metric, POINTS);
    assertSeries(runDir, relay.rank, 'loss_TRAINING', live.loss);
    assertSeries(runDir, relay.rank, 'acc_VALIDATION', live.acc);
    t.diagnostic(`live: rows ${lossRows(runDir).join(', ')} of ${POINTS} sent per rank`);
    const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
    assert.equal(merged.code, 0, merged.stderr);
    for (const rank of others) for (const metric of ['loss_TRAINING', 'acc_VALIDATION'] as const) assertSeries(runDir, rank, metric, POINTS);
    assertSeries(runDir, relay.rank, 'loss_TRAINING', spooled.loss);
    assertSeries(runDir, relay.rank, 'acc_VALIDATION', spooled.acc);
    t.diagnostic(`after merge: rows ${lossRows(runDir).join(', ')}`);
  });
});
