/**
 * The frame pipeline with its real parts — spool writer thread, sender, ZeroMQ sockets — against a
 * bare PULL + PUB peer: sequence numbers, spool before send, frames held until the target is known,
 * the bound on frames the spool refused, and resends after the peer comes back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeEnvelope, PROTOCOL_VERSION, readFrames, type EnvelopeRecord } from '@prov4ml/prov-core';
import { FramePipeline } from '../src/pipeline/frame-pipeline.js';
import { seqOf, ZmqPeer } from './support/zmq-peer.js';

const SOURCE = { job: 'pipeline-test', rank: 0, worldSize: 1, sender: 'pipeline-sender', runDir: '/runs/pipeline-test' };

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'prov4ml-pipeline-'));
}

function params(i: number): EnvelopeRecord[] {
  return [{ kind: 'param', time: 1_700_000_000_000 + i, name: `p${i}`, value: 'x'.repeat(100) }];
}

function target(peer: ZmqPeer): { endpoint: string; ackEndpoint: string; curveServerKey: null } {
  return { endpoint: peer.endpoint, ackEndpoint: peer.ackEndpoint, curveServerKey: null };
}

test('frames are numbered from 1, spooled, and sent only once spooled: the peer gets the spool file frame for frame', async () => {
  const dir = scratch();
  const spoolPath = join(dir, 'spool', 'GR0-test.spool');
  const pipeline = new FramePipeline({ spoolPath, source: SOURCE, log: (line) => assert.fail(line) });
  for (let i = 0; i < 20; i++) pipeline.seal(params(i));
  assert.equal(pipeline.lastSeq, 20);
  await pipeline.persisted();
  // Whenever a frame arrives, the spool file already holds it.
  const spooledAtArrival: number[] = [];
  const peer = await ZmqPeer.bind(`ipc://${join(dir, 'agg')}`, { ack: true, onFrame: () => spooledAtArrival.push(readFrames(readFileSync(spoolPath)).frames.length) });
  try {
    // Told its target only now: the 20 frames waited in the sender's queue.
    pipeline.connect(target(peer));
    for (let i = 20; i < 30; i++) pipeline.seal(params(i));
    assert.equal(await pipeline.delivered(10_000), true);
    assert.deepEqual(peer.received.map(seqOf), Array.from({ length: 30 }, (_, i) => i + 1));
    spooledAtArrival.forEach((spooled, i) => assert.ok(spooled >= i + 1, `frame ${i + 1} arrived when the spool held ${spooled}`));
    await pipeline.close();
    const { frames, consumed } = readFrames(readFileSync(spoolPath));
    assert.equal(consumed, readFileSync(spoolPath).length);
    assert.equal(frames.length, 30);
    assert.deepEqual(peer.received, frames.map((f) => Buffer.from(f)));
    assert.equal(pipeline.droppedFrames, 0);
    assert.equal(pipeline.spoolFailure(), undefined);
  } finally {
    await pipeline.close();
    await peer.close();
  }
});

test('after the peer restarts, unacknowledged frames are re-read from the spool and sent again', async () => {
  const dir = scratch();
  const endpoint = `ipc://${join(dir, 'agg')}`;
  const pipeline = new FramePipeline({ spoolPath: join(dir, 'GR0.spool'), source: SOURCE, log: (line) => assert.fail(line), resendAfterMs: 200 });
  const silent = await ZmqPeer.bind(endpoint, { ack: false });
  pipeline.connect(target(silent));
  for (let i = 0; i < 5; i++) pipeline.seal(params(i));
  await silent.waitFor(5);
  await silent.close();
  const back = await ZmqPeer.bind(endpoint);
  try {
    assert.equal(await pipeline.delivered(20_000), true);
    assert.deepEqual(back.received.slice(0, 5).map(seqOf), [1, 2, 3, 4, 5]);
    assert.deepEqual(back.received.slice(0, 5), silent.received);
  } finally {
    await pipeline.close();
    await back.close();
  }
});

test('a spool the disk refuses (ENOSPC): frames go on from memory up to the named bound; past it records are dropped unnumbered, said once and counted', async (t) => {
  const dir = scratch();
  const lines: string[] = [];
  // /dev/full takes the open and refuses every write with ENOSPC: a full disk without a mount.
  const { job, rank, worldSize, sender, runDir } = SOURCE;
  const frameBytes = encodeEnvelope({ v: PROTOCOL_VERSION, job, rank, worldSize, sender, seq: 1, sent: Date.now(), runDir, records: params(0) }).length;
  const pipeline = new FramePipeline({ spoolPath: '/dev/full', source: SOURCE, log: (line) => lines.push(line), maxUnspooledBytes: 4.5 * frameBytes });
  t.after(() => pipeline.close());
  pipeline.seal(params(0));
  await pipeline.persisted();
  assert.equal(pipeline.spoolFailure(), 'ENOSPC');
  // No target yet: nothing is acknowledged, so memory fills at 4 frames (the first included).
  for (let i = 1; i < 10; i++) assert.doesNotThrow(() => pipeline.seal(params(i)));
  assert.equal(pipeline.lastSeq, 4);
  assert.equal(pipeline.droppedFrames, 6);
  assert.equal(lines.filter((line) => line.includes('MAX_UNSPOOLED_BYTES_IN_MEMORY')).length, 1, lines.join('\n'));
  assert.equal(lines.filter((line) => /cannot write the spool \/dev\/full: ENOSPC/.test(line)).length, 1, lines.join('\n'));
  const peer = await ZmqPeer.bind(`ipc://${join(dir, 'agg')}`);
  try {
    pipeline.connect(target(peer));
    // No gap for the aggregator: what was kept is 1..4, and every one is confirmed.
    assert.equal(await pipeline.delivered(10_000), true);
    assert.deepEqual(peer.received.map(seqOf), [1, 2, 3, 4]);
    // Acknowledged, they leave memory: the next record is numbered 5 and delivered.
    pipeline.seal(params(10));
    assert.equal(pipeline.lastSeq, 5);
    assert.equal(await pipeline.delivered(10_000), true);
    assert.deepEqual(peer.received.map(seqOf), [1, 2, 3, 4, 5]);
    assert.equal(pipeline.droppedFrames, 6);
  } finally {
    await pipeline.close();
    await peer.close();
  }
});
