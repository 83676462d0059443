/**
 * A flood from one sender (issue 6, item 3) against a real `prov4ml aggregate` process: about 1 GiB of
 * random frames and valid-shaped envelopes that must be dropped (another sender claiming the job's
 * ranks, another job, far-future sequence numbers), while a 4-rank job runs. The aggregator's memory
 * (VmRSS) stays below a bound and the job is complete. The in-process hostile test
 * (packages/aggregator/test/aggregator.test.ts) covers each cause of drop; this one covers volume.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Push } from 'zeromq';
import { encodeEnvelope, PROTOCOL_VERSION, type Envelope } from '@prov4ml/prov-core';
import { assertExactlyOnce, onlyRunDir } from '../support/run-dir.js';
import { freePortPair } from '../support/ports.js';
import { sampleRss, startAggregate, startJob, waitUntil } from './support.js';

const RANKS = 4;
const POINTS = 50_000;
const JOB = 'local-flood-test';
const FLOOD_FRAME_BYTES = 1024 * 1024;
const FLOOD_BYTES = 1024 * FLOOD_FRAME_BYTES;
/**
 * Generous: ZeroMQ's per-connection queue (8 messages of up to 65 MiB), the held and pending buffers
 * (64 + 32 MiB), the CSV formatters and Node itself. An aggregator that kept what a flood sends would
 * pass 1 GiB.
 */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;

/** A valid-shaped frame of points, at most about FLOOD_FRAME_BYTES long (steps and timestamps may travel as runs). */
function floodEnvelope(runDir: string, overrides: Partial<Envelope>): Buffer {
  const n = Math.floor(FLOOD_FRAME_BYTES / 24);
  const steps = Float64Array.from({ length: n }, (_, i) => i);
  const envelope: Envelope = {
    v: PROTOCOL_VERSION, job: JOB, rank: 0, worldSize: RANKS, sender: 'flooder', seq: 1_000_000, sent: Date.now(), runDir,
    records: [{ kind: 'metrics', series: [{ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps, values: steps, timestamps: steps }] }],
    ...overrides,
  };
  return encodeEnvelope(envelope);
}

test('a 1 GiB flood from one sender: the aggregator stays below its memory bound and a job at the same time is complete', async (t) => {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-flood-'));
  const port = await freePortPair();
  const aggregate = await startAggregate(port, ['--world-size', String(RANKS), '--job-id', JOB]);
  const rss = sampleRss(aggregate.child.pid!);
  // The ranks end their run only once the flood is over, so that it meets the job in full.
  const floodOver = join(saveDir, '.flood-over');
  const job = startJob(RANKS, saveDir, { PROV4ML_AGGREGATOR: `tcp://127.0.0.1:${port}`, PROV4ML_JOB_ID: JOB, POINTS: String(POINTS), END_AFTER_FILE: floodOver });
  // The flood starts once every rank has its sender established, as an intruder would meet them.
  await waitUntil(() => receivedLogs(saveDir) === RANKS, 60_000);
  const runDir = onlyRunDir(saveDir);
  let seed = 7;
  const random = Buffer.from(Array.from({ length: FLOOD_FRAME_BYTES }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
  const kinds = [
    random,
    ...Array.from({ length: RANKS }, (_, rank) => floodEnvelope(runDir, { rank })),
    floodEnvelope(runDir, { job: 'another-job', seq: 2 ** 40 }),
  ];
  const flood = new Push({ sendHighWaterMark: 16, linger: 0 });
  flood.connect(`tcp://127.0.0.1:${port}`);
  let sentBytes = 0;
  for (let i = 0; sentBytes < FLOOD_BYTES && aggregate.child.exitCode === null; i++) {
    const frame = kinds[i % kinds.length]!;
    await flood.send(frame);
    sentBytes += frame.length;
  }
  flood.close();
  writeFileSync(floodOver, '');
  const [jobEnd, aggregateEnd] = await Promise.all([job.exited, aggregate.exited]);
  const peak = rss.stop();
  t.diagnostic(`flood: ${(sentBytes / 2 ** 20).toFixed(0)} MiB sent; aggregator peak VmRSS ${(peak / 2 ** 20).toFixed(0)} MiB (bound ${RSS_BOUND_BYTES / 2 ** 20} MiB)`);
  assert.equal(jobEnd.code, 0, job.stderr());
  assert.equal(aggregateEnd.code, 0, aggregate.stderr());
  assert.ok(sentBytes >= FLOOD_BYTES, `the whole flood was sent while the job ran: ${sentBytes} bytes`);
  for (const cause of ['sender_changed', 'wrong_job']) assert.match(aggregate.stderr(), new RegExp(`dropped a frame \\(${cause}\\)`));
  assert.ok(peak < RSS_BOUND_BYTES, `peak VmRSS ${peak} bytes`);
  assertExactlyOnce(runDir, RANKS, POINTS);
});

/** Ranks whose received log exists (each has a sender the aggregator accepted). */
function receivedLogs(saveDir: string): number {
  try {
    return Array.from({ length: RANKS }, (_, rank) => rank).filter((rank) => existsSync(join(onlyRunDir(saveDir), '.aggregator', `GR${rank}.log`))).length;
  } catch {
    return 0;
  }
}
