import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { Subscriber } from 'zeromq';
import { decodeAck, encodeEnvelope, encodeFrame, MAX_FRAME_BYTES, PROTOCOL_VERSION, readFrames, type DropCause } from '@prov4ml/prov-core';
import { mergeRunDir, startAggregator, type FinalizeResult } from '@prov4ml/aggregator';
import { commandWorks, needs, pythonModuleAvailable } from '../../../test/support/components.js';
import { encodeAll, expectedCsv, pushAll, pythonProvFailures, rankEnvelopes, temporaryRunDir, waitFor } from './support.js';

const JOB = 'local-test';
const POINTS_PER_FRAME = 500;
const FRAMES = 6;
const POINTS = POINTS_PER_FRAME * FRAMES;
const hasPythonProv = pythonModuleAvailable('prov');

function jobMessages(runDir: string, worldSize: number): Buffer[][] {
  return Array.from({ length: worldSize }, (_, rank) =>
    encodeAll(rankEnvelopes(JOB, worldSize, runDir, { rank, sender: `sender${rank}`, pointsPerFrame: POINTS_PER_FRAME, frames: FRAMES })),
  );
}

/** Every CSV equals, byte for byte, the points the ranks sent: each point once, in order, special values spelled out. */
function assertCsvsExact(runDir: string, worldSize: number): void {
  for (let rank = 0; rank < worldSize; rank++) {
    assert.equal(readFileSync(join(runDir, `metrics/loss_TRAINING_GR${rank}.csv`), 'utf8'), expectedCsv(rank, 0, POINTS), `loss of rank ${rank}`);
    assert.equal(readFileSync(join(runDir, `metrics/acc_VALIDATION_GR${rank}.csv`), 'utf8'), expectedCsv(rank, 1, POINTS), `acc of rank ${rank}`);
  }
}

function jsonFiles(result: FinalizeResult): string[] {
  return result.files.filter((file) => file.endsWith('.json')).map((file) => join(result.runDir, file));
}

/** Collected across tests and read by python prov in one run at the end. */
const writtenDocuments: string[] = [];

test('duplicated and reordered frames from 3 ranks land in the CSVs exactly once; acks say what is on disk', async () => {
  const runDir = temporaryRunDir();
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0' });
  const acks = new Subscriber();
  acks.connect(aggregator.endpoint.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`));
  acks.subscribe('sender1');
  const lastAck = { upTo: 0 };
  void (async () => {
    for await (const [, body] of acks) lastAck.upTo = Math.max(lastAck.upTo, decodeAck(body!)?.upTo ?? 0);
  })();
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscription reach the publisher
  const perRank = jobMessages(runDir, 3);
  // Each rank: its frames with neighbours swapped (held until the gap fills), then a resend of
  // everything in reverse (a resend after lost acks).
  const swapped = (frames: Buffer[]): Buffer[] => frames.flatMap((frame, i) => (i % 2 === 1 ? [frame, frames[i - 1]!] : []));
  assert.equal((FRAMES + 2) % 2, 0, 'swapping needs an even number of frames');
  const messages = perRank.flatMap((frames) => [...swapped(frames), ...[...frames].reverse()]);
  await pushAll(aggregator.endpoint, messages);
  const result = await aggregator.finalized;
  await waitFor(() => lastAck.upTo === FRAMES + 2, 5_000);
  await waitFor(() => aggregator.dropCounts().duplicate >= 3 * (FRAMES + 2), 5_000).catch(() => undefined);
  assert.equal(aggregator.dropCounts().duplicate, 3 * (FRAMES + 2));
  await aggregator.shutdown();
  acks.close();
  assertCsvsExact(runDir, 3);
  assert.deepEqual(result.ranks.map((r) => [r.rank, r.finished, r.points]), [0, 1, 2].map((r) => [r, true, 2 * POINTS]));
  for (const file of result.files.filter((f) => f.endsWith('.csv'))) assert.ok(readFileSync(join(runDir, file), 'utf8').endsWith('\n'), file);
  const collection = JSON.parse(readFileSync(join(runDir, 'prov_collection.json'), 'utf8')) as { hadMember: Record<string, unknown> };
  assert.equal(Object.keys(collection.hadMember).length, 3);
  writtenDocuments.push(...jsonFiles(result));
});

test('hostile frames are counted by cause and dropped while a valid job arriving at the same time is complete', async () => {
  const runDir = temporaryRunDir();
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', worldSize: 2, jobKey: JOB });
  const [rank0, rank1] = jobMessages(runDir, 2) as [Buffer[], Buffer[]];
  const valid = rankEnvelopes(JOB, 2, runDir, { rank: 1, sender: 'sender1', pointsPerFrame: 1, frames: 1 })[0]!;
  let seed = 99;
  const randomByte = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  const randomFrames = Array.from({ length: 1_000 }, () => Buffer.from(Array.from({ length: 1 + (randomByte() % 64) }, randomByte)));
  const nested = Buffer.alloc(1_000, 0x91);
  nested[999] = 0x01;
  const hostile: (Uint8Array | Uint8Array[])[] = [
    ...randomFrames,
    encodeEnvelope({ ...valid, v: PROTOCOL_VERSION + 1 }),
    encodeEnvelope({ ...valid, rank: 5, worldSize: 2 }),
    encodeEnvelope({ ...valid, job: 'another-job' }),
    encodeEnvelope({ ...valid, worldSize: 3 }),
    encodeEnvelope({ ...valid, sender: 'intruder', seq: 100 }),
    Buffer.from([0x82, 0xa1, 0x76, 0x01, 0xa1, 0x78, 0xc0]),
    Buffer.from([0xdd, 0x3b, 0x9a, 0xca, 0x00, 0x01]),
    nested,
    Buffer.alloc(MAX_FRAME_BYTES + 1),
    // A message of several parts is a relay's: each part is a frame of its own, here two bad ones.
    [Buffer.from('two'), Buffer.from('parts')],
  ];
  const hostileFrames = hostile.reduce((sum, message) => sum + (Array.isArray(message) ? message.length : 1), 0);
  // The valid ranks go first so that the intruder meets an established sender.
  await pushAll(aggregator.endpoint, [rank0[0]!, rank1[0]!]);
  await Promise.all([pushAll(aggregator.endpoint, hostile), pushAll(aggregator.endpoint, [...rank0.slice(1), ...rank1.slice(1)])]);
  const result = await aggregator.finalized;
  // The job may be finalised before the last hostile frames are read: wait for all of them.
  const dropped = (): number => Object.values(aggregator.dropCounts()).reduce((a, b) => a + b, 0);
  await waitFor(() => dropped() >= hostileFrames, 10_000).catch(() => undefined);
  const drops = aggregator.dropCounts();
  await aggregator.shutdown();
  assertCsvsExact(runDir, 2);
  const nonRandom: Partial<Record<DropCause, number>> = {
    wrong_version: 1, rank_out_of_range: 1, wrong_job: 1, wrong_world_size: 1, sender_changed: 1, too_deep: 1, oversized: 1, wrong_shape: 1, bad_length: 1,
  };
  for (const [cause, count] of Object.entries(nonRandom)) assert.ok(drops[cause as DropCause] >= count, `${cause}: ${drops[cause as DropCause]}`);
  assert.equal(Object.values(drops).reduce((a, b) => a + b, 0), hostileFrames, JSON.stringify(drops));
  assert.deepEqual(result.ranks.map((r) => r.finished), [true, true]);
});

test('a SIGKILLed aggregator restarted on the same run directory replays its log: every point once', async () => {
  const runDir = temporaryRunDir();
  const perRank = jobMessages(runDir, 2);
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/aggregator-process.ts'), runDir, '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const endpoint = line.toString().trim();
  const half = perRank.flatMap((frames) => frames.slice(0, FRAMES / 2));
  await pushAll(endpoint, half);
  await waitFor(() => readdirSync(join(runDir, '.aggregator')).length === 2 && logFramesOnDisk(runDir) === half.length, 10_000);
  child.kill('SIGKILL');
  await once(child, 'exit');
  // A write torn by the kill: half a frame at the end of rank 0's log.
  appendFileSync(join(runDir, '.aggregator/GR0.log'), encodeFrame(perRank[0]![FRAMES / 2]!).subarray(0, 50));
  const restarted = await startAggregator({ bind: 'tcp://127.0.0.1:0', runDir, worldSize: 2 });
  // The agents resend everything not acknowledged — here, everything.
  await pushAll(restarted.endpoint, perRank.flat());
  const result = await restarted.finalized;
  await restarted.shutdown();
  assertCsvsExact(runDir, 2);
  assert.equal(restarted.dropCounts().duplicate, half.length);
  writtenDocuments.push(...jsonFiles(result));
});

test('merge rebuilds the same files as the live aggregator, from the received logs and from the spools alone', async () => {
  const runDir = temporaryRunDir();
  const perRank = jobMessages(runDir, 2);
  mkdirSync(join(runDir, 'spool'), { recursive: true });
  perRank.forEach((frames, rank) => writeFileSync(join(runDir, `spool/GR${rank}-sender${rank}.spool`), Buffer.concat(frames.map((f) => encodeFrame(f)))));
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', unified: true });
  await pushAll(aggregator.endpoint, perRank.flat());
  const live = await aggregator.finalized;
  await aggregator.shutdown();
  const snapshot = (): Map<string, string> => new Map(live.files.map((f) => [f, readFileSync(join(runDir, f), 'utf8')]));
  const liveFiles = snapshot();
  for (const file of live.files) rmSync(join(runDir, file));
  const merged = await mergeRunDir(runDir, { unified: true });
  assert.deepEqual(merged.files, live.files);
  assert.deepEqual(snapshot(), liveFiles);
  rmSync(join(runDir, '.aggregator'), { recursive: true });
  for (const file of live.files) rmSync(join(runDir, file));
  const fromSpools = await mergeRunDir(runDir, { unified: true });
  assert.deepEqual(fromSpools.files, live.files);
  assert.deepEqual(snapshot(), liveFiles);
  assert.ok(existsSync(join(runDir, 'prov_exp_unified.json')));
  writtenDocuments.push(...jsonFiles(live));
});

test('a rank that falls silent is finalised as unfinished, with the time it was last seen', async () => {
  const runDir = temporaryRunDir();
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', rankTimeoutMs: 300 });
  const perRank = jobMessages(runDir, 2);
  await pushAll(aggregator.endpoint, [...perRank[0]!, ...perRank[1]!.slice(0, 3)]);
  const result = await aggregator.finalized;
  await aggregator.shutdown();
  assert.deepEqual(result.ranks.map((r) => r.finished), [true, false]);
  const document = readFileSync(join(runDir, 'prov_exp_GR1.json'), 'utf8');
  assert.match(document, /"prov-ml:unfinished":true/);
  assert.match(document, /"prov-ml:last_seen":\{"\$":"2023-11-14T22:13:20\.002Z"/);
  writtenDocuments.push(...jsonFiles(result));
});

test('frames naming a run directory that does not exist are dropped until it does', async () => {
  const runDir = join(temporaryRunDir(), 'not_yet_0');
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0' });
  const frames = jobMessages(runDir, 1)[0]!;
  await pushAll(aggregator.endpoint, [frames[0]!]);
  await waitFor(() => aggregator.dropCounts().run_dir_unusable === 1, 5_000);
  mkdirSync(runDir);
  await pushAll(aggregator.endpoint, frames);
  await aggregator.finalized;
  await aggregator.shutdown();
  assert.equal(readFileSync(join(runDir, 'metrics/loss_TRAINING_GR0.csv'), 'utf8'), expectedCsv(0, 0, POINTS));
  assert.ok(!existsSync(join(runDir, '..', '.aggregator')));
});

test('a rank whose program asked for a graph gets its DOT and SVG beside its document; Graphviz reads the DOT', needs('graphviz', commandWorks('dot', ['-V'])), async () => {
  const runDir = temporaryRunDir();
  const envelopes = rankEnvelopes(JOB, 1, runDir, { rank: 0, sender: 'graph0', pointsPerFrame: 10, frames: 1 });
  const end = envelopes.at(-1)!.records.find((record) => record.kind === 'run_end')!;
  Object.assign(end, { createGraph: true, createSvg: true });
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0' });
  await pushAll(aggregator.endpoint, encodeAll(envelopes));
  const result = await aggregator.finalized;
  await aggregator.shutdown();
  assert.ok(result.files.includes('prov_exp_GR0.dot') && result.files.includes('prov_exp_GR0.svg'), result.files.join(' '));
  assert.match(readFileSync(join(runDir, 'prov_exp_GR0.svg'), 'utf8'), /<svg/);
  const check = spawnSync('dot', ['-Tsvg', join(runDir, 'prov_exp_GR0.dot')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('python prov reads every document written above', needs('python3-prov', hasPythonProv), () => {
  assert.ok(writtenDocuments.length >= 10);
  assert.deepEqual(pythonProvFailures(writtenDocuments), []);
});

function logFramesOnDisk(runDir: string): number {
  let frames = 0;
  for (const name of readdirSync(join(runDir, '.aggregator'))) frames += readFrames(readFileSync(join(runDir, '.aggregator', name))).frames.length;
  return frames;
}
