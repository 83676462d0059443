/**
 * Aggregator faults (issue 6, item 1): a stand-alone `prov4ml aggregate` that starts late, is SIGKILLed
 * and restarted, or is SIGKILLed for good while `prov4ml run -n 4` ranks point at it through
 * PROV4ML_AGGREGATOR. In every case each point is in the final CSVs exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertExactlyOnce, CLI, onlyRunDir, runCommand } from '../support/run-dir.js';
import { freePortPair } from '../support/ports.js';
import { lastProgramEnd, receivedLogBytes, sleep, startAggregate, startJob, waitUntil, type Running } from './support.js';

const RANKS = 4;
const POINTS = 100_000;
/** The late start. */
const LATE_START_MS = 10_000;
/** Sleep every 1000 points, so the ranks still log when the aggregator is killed half way (~5 s of logging). */
const PACED = { PAUSE_MS: '50', PRINT_HALFWAY: '1' };

/** Every rank has logged half its points (and the aggregator has received some of them). */
function halfway(job: Running, saveDir: string): Promise<void> {
  return waitUntil(() => job.stdout().split('halfway').length - 1 === RANKS && receivedLogBytes(saveDir) > 0, 60_000);
}

function jobEnv(port: number, env: Record<string, string> = {}): Record<string, string> {
  return { PROV4ML_AGGREGATOR: `tcp://127.0.0.1:${port}`, POINTS: String(POINTS), ...env };
}

function aggregateArgs(): string[] {
  return ['--world-size', String(RANKS)];
}

describe(`stand-alone aggregator faults, ${RANKS} ranks × ${POINTS} points × 2 metrics`, () => {
  test('the aggregator starts 10 s after the ranks: every point once', async () => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-late-'));
    const port = await freePortPair();
    const job = startJob(RANKS, saveDir, jobEnv(port));
    await sleep(LATE_START_MS);
    const aggregate = await startAggregate(port, aggregateArgs());
    const [jobEnd, aggregateEnd] = await Promise.all([job.exited, aggregate.exited]);
    assert.equal(jobEnd.code, 0, job.stderr());
    assert.equal(aggregateEnd.code, 0, aggregate.stderr());
    assert.match(aggregate.stderr(), /wrote 13 files/);
    assertExactlyOnce(onlyRunDir(saveDir), RANKS, POINTS);
  });

  test('the aggregator is SIGKILLed half way and restarted with the same arguments: every point once', async (t) => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-restart-'));
    const port = await freePortPair();
    const first = await startAggregate(port, aggregateArgs());
    const job = startJob(RANKS, saveDir, jobEnv(port, PACED));
    await halfway(job, saveDir);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(job.child.exitCode, null, 'the ranks still run when the aggregator dies');
    t.diagnostic(`killed with ${receivedLogBytes(saveDir)} received-log bytes written`);
    const second = await startAggregate(port, aggregateArgs());
    const [jobEnd, secondEnd] = await Promise.all([job.exited, second.exited]);
    assert.equal(jobEnd.code, 0, job.stderr());
    assert.equal(secondEnd.code, 0, second.stderr());
    assert.match(second.stderr(), /replayed \d+ frames/);
    assertExactlyOnce(onlyRunDir(saveDir), RANKS, POINTS);
  });

  test('the aggregator is SIGKILLed and never restarted: ranks exit keeping their spools, say how to merge, and merge has every point once', async (t) => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-gone-'));
    const port = await freePortPair();
    const aggregate = await startAggregate(port, aggregateArgs());
    const job = startJob(RANKS, saveDir, jobEnv(port, { ...PACED, EXIT_CODE: '3' }));
    await halfway(job, saveDir);
    aggregate.child.kill('SIGKILL');
    await aggregate.exited;
    const jobEnd = await job.exited;
    assert.equal(jobEnd.code, 3, `the program's exit code is propagated: ${job.stderr()}`);
    const exitSeconds = (jobEnd.at - lastProgramEnd(job.stdout())) / 1000;
    t.diagnostic(`the last rank exited ${exitSeconds.toFixed(1)} s after its program ended`);
    const runDir = onlyRunDir(saveDir);
    const notices = job.stderr().split('\n').filter((line) => line.includes('did not confirm every record'));
    assert.equal(notices.length, RANKS, job.stderr());
    for (const notice of notices) {
      const spool = /records are in (\S+)\./.exec(notice)?.[1];
      assert.ok(spool !== undefined && spool.startsWith(join(runDir, 'spool')) && existsSync(spool), notice);
      assert.ok(notice.endsWith(`prov4ml merge ${runDir}`), notice);
    }
    const merged = await runCommand(process.execPath, [CLI, 'merge', runDir]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /13 files for 4 ranks/);
    assertExactlyOnce(runDir, RANKS, POINTS);
  });
});
