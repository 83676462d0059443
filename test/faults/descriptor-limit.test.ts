/**
 * The aggregator's open-file limit (issue 14, item 3): a real `prov4ml aggregate` started under
 * `ulimit -n 128` says at start how many ranks the limit allows (none, by the (limit − 256) / 2 rule),
 * and more ranks than its descriptors can serve hold their connections until it runs out for real
 * (EMFILE). Ranks it could not serve keep their records in their spools; a rank that ends so
 * says how to merge (which of them end unserved depends on who disconnects first: a rank that ends frees
 * its descriptors and ZeroMQ accepts a waiting one, so the wording for a rank never accepted is checked
 * in packages/agent/test/shutdown-notice.test.ts). After `prov4ml merge` every point is in the files
 * exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertExactlyOnce, CLI, onlyRunDir, REPO_ROOT, runCommand } from '../support/run-dir.js';
import { freePortPair } from '../support/ports.js';
import { spawn } from 'node:child_process';
import { startJob, waitUntil } from './support.js';

/** A limit `prov4ml aggregate` starts under (loading its modules holds ~100 descriptors at once) and runs out of. */
const LIMIT = 128;
/** ~32 descriptors idle, a few per CSV worker and received log: 40 ranks (80 connections) are past it. */
const RANKS = 40;
const POINTS = 2_000;

/** `node args…` started by bash under `ulimit -n limit`, its output collected. */
function underLimit(limit: number, args: string[]) {
  const child = spawn('bash', ['-c', `ulimit -n ${limit}; exec "$0" "$@"`, process.execPath, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

describe(`an aggregator under ulimit -n ${LIMIT} and ${RANKS} ranks`, () => {
  test('it says its limit at start and when it runs out; no point is lost: merge has every point once', async (t) => {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-nofile-'));
    const port = await freePortPair();
    const aggregate = underLimit(LIMIT, [CLI, 'aggregate', '--bind', `tcp://127.0.0.1:${port}`, '--world-size', String(RANKS), '--rank-timeout', '5']);
    await waitUntil(() => aggregate.stdout().includes('tcp://') || aggregate.child.exitCode !== null, 30_000);
    const startLine = aggregate.stderr().split('\n').find((line) => line.includes('open-file limit'));
    assert.equal(
      startLine,
      `prov4ml aggregate: open-file limit ${LIMIT} (hard ${LIMIT}): room for 0 ranks, or 0 nodes through per-node relays (2 descriptors each, 256 kept for files); ` +
        `this job's ${RANKS} ranks are more: the ranks past it keep their records in their spools (after the job: prov4ml merge <run dir>); ` +
        'to raise it, raise the hard limit before the aggregator starts (`ulimit -Hn 65536` as root, limits.conf or LimitNOFILE): Node raises its soft limit to the hard one itself',
    );
    // Every rank holds its connection until the aggregator has run out of descriptors for real.
    const release = join(mkdtempSync(join(tmpdir(), 'prov4ml-nofile-release-')), 'release');
    const job = startJob(RANKS, saveDir, { PROV4ML_AGGREGATOR: `tcp://127.0.0.1:${port}`, POINTS: String(POINTS), END_AFTER_FILE: release });
    // Which runs out first depends on the order of connections and first frames: accepting a connection
    // (said once), or opening a received log (the write is rolled back and resent) or replaying one.
    await waitUntil(() => aggregate.stderr().includes('EMFILE') || job.child.exitCode !== null, 300_000);
    const acceptLine = aggregate.stderr().split('\n').find((line) => line.includes('cannot accept'));
    if (acceptLine !== undefined) assert.match(acceptLine, new RegExp(`cannot accept a rank.s connection: out of file descriptors \\(EMFILE, limit ${LIMIT}\\); .*prov4ml merge <run dir>$`));
    else assert.match(aggregate.stderr(), /^prov4ml aggregate: (cannot write the received log|replaying the received logs).*EMFILE/m);
    writeFileSync(release, '');
    const jobEnd = await job.exited;
    assert.equal(jobEnd.code, 0, job.stderr());
    await aggregate.exited;
    const runDir = onlyRunDir(saveDir);
    // A rank the aggregator served late (once others ended) is delivered; one it never served says why.
    const notices = job.stderr().split('\n').filter((line) => line.includes('nothing is lost'));
    t.diagnostic(`${notices.length} of ${RANKS} ranks ended with their records only in their spools`);
    for (const line of notices) assert.ok(line.endsWith(`prov4ml merge ${runDir}`), line);
    const merged = await runCommand(process.execPath, [CLI, 'merge', runDir], { cwd: REPO_ROOT });
    assert.equal(merged.code, 0, merged.stderr);
    assertExactlyOnce(runDir, RANKS, POINTS);
  });
});
