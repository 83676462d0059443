/**
 * The Sender against real local ZeroMQ sockets (a bare PULL + PUB peer): order, bytes, acks, the
 * bounded queue before its target is known, re-reads from its source, and resends after the peer
 * comes back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tcpEndpoint, ZmqEndpoint } from '@prov4ml/prov-core';
import { MAX_UNSENT_BYTES_IN_MEMORY } from '../src/config/limits.js';
import { Sender } from '../src/pipeline/sender.js';
import { freePortPair } from '../../../test/support/ports.js';
import { seqOf, ZmqPeer } from './support/zmq-peer.js';

const SENDER = 'sender-test';

/** Frame `seq`: JSON that says its seq and sender, padded to `size` bytes. */
function frame(seq: number, size = 64): Buffer {
  const head = JSON.stringify({ seq, sender: SENDER, pad: '' });
  return Buffer.from(head.replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, size - head.length))}"`));
}

/** A frame source that counts what the sender re-reads. */
function countingSource(frames: Buffer[]): { readFrame(seq: number): Buffer; reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    readFrame(seq) {
      reads.push(seq);
      return frames[seq - 1]!;
    },
  };
}

function ipcEndpoint(): string {
  return `ipc://${join(mkdtempSync(join(tmpdir(), 'prov4ml-sender-')), 'agg')}`;
}

function target(peer: ZmqPeer): { endpoint: string; ackEndpoint: string; curveServerKey: null } {
  return { endpoint: peer.endpoint, ackEndpoint: peer.ackEndpoint, curveServerKey: null };
}

for (const transport of ['tcp', 'ipc'] as const) {
  test(`${transport}: frames queued before the target is known arrive in order, whole, and are acknowledged`, async () => {
    const endpoint = transport === 'tcp' ? tcpEndpoint('127.0.0.1', await freePortPair()) : ipcEndpoint();
    if (transport === 'ipc') assert.equal(ZmqEndpoint.parse(endpoint)!.ackEndpoint().toString(), `${endpoint}.ack`);
    const frames = Array.from({ length: 50 }, (_, i) => frame(i + 1, 100 + i * 10));
    const source = countingSource(frames);
    const sender = new Sender({ senderId: SENDER, source, log: (line) => assert.fail(line) });
    frames.forEach((payload, i) => sender.enqueue(i + 1, payload));
    const peer = await ZmqPeer.bind(endpoint);
    try {
      sender.connect(target(peer));
      assert.equal(await sender.waitForAck(50, 10_000), true);
      assert.equal(sender.ackedUpTo, 50);
      assert.deepEqual(peer.received.map(seqOf), frames.map((_, i) => i + 1));
      assert.deepEqual(peer.received, frames);
      assert.deepEqual(source.reads, [], 'every frame was still in memory');
    } finally {
      await sender.close();
      await peer.close();
    }
  });
}

test('the queue keeps at most MAX_UNSENT_BYTES_IN_MEMORY of payloads; later frames are re-read from the source', async () => {
  const size = 1024 * 1024;
  const kept = Math.floor(MAX_UNSENT_BYTES_IN_MEMORY / size);
  const frames = Array.from({ length: kept + 4 }, (_, i) => frame(i + 1, size));
  const source = countingSource(frames);
  const sender = new Sender({ senderId: SENDER, source, log: (line) => assert.fail(line) });
  frames.forEach((payload, i) => sender.enqueue(i + 1, payload));
  const peer = await ZmqPeer.bind(ipcEndpoint());
  try {
    sender.connect(target(peer));
    assert.equal(await sender.waitForAck(frames.length, 20_000), true);
    assert.deepEqual(source.reads, [kept + 1, kept + 2, kept + 3, kept + 4]);
    assert.equal(peer.received.length, frames.length);
    assert.equal(Buffer.concat(peer.received).equals(Buffer.concat(frames)), true);
  } finally {
    await sender.close();
    await peer.close();
  }
});

test('without acks, every unacknowledged frame is sent again to the peer that comes back: spooled ones re-read, pinned ones from memory', async () => {
  const endpoint = ipcEndpoint();
  const frames = Array.from({ length: 6 }, (_, i) => frame(i + 1, 200));
  const source = countingSource(frames);
  const sender = new Sender({ senderId: SENDER, source, log: (line) => assert.fail(line), resendAfterMs: 200 });
  // Frames 4-6 have no copy in the source (the spool refused them): they must stay in memory until acked.
  frames.forEach((payload, i) => sender.enqueue(i + 1, payload, i < 3));
  assert.equal(sender.pinnedBytes, 3 * 200);
  const silent = await ZmqPeer.bind(endpoint, { ack: false });
  sender.connect(target(silent));
  await silent.waitFor(6);
  await silent.close();
  assert.deepEqual(silent.received, frames);
  const back = await ZmqPeer.bind(endpoint);
  try {
    assert.equal(await sender.waitForAck(6, 20_000), true);
    assert.deepEqual(back.received.slice(0, 6).map(seqOf), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(back.received.slice(0, 6), frames);
    // Sent once, the spooled frames' bytes were dropped; the resend read them back (at least once each).
    assert.deepEqual([...new Set(source.reads)].sort(), [1, 2, 3]);
    assert.equal(sender.pinnedBytes, 0, 'acknowledged pinned frames are released');
  } finally {
    await sender.close();
    await back.close();
  }
});

test("while the aggregator's beacon says it has been busy since the frames were sent, they are not resent; once it says it drained after them, they are", async () => {
  const frames = Array.from({ length: 3 }, (_, i) => frame(i + 1));
  const sender = new Sender({ senderId: SENDER, source: countingSource(frames), log: (line) => assert.fail(line), resendAfterMs: 200 });
  frames.forEach((payload, i) => sender.enqueue(i + 1, payload));
  let behindMs = 3_600_000;
  const peer = await ZmqPeer.bind(ipcEndpoint(), { ack: false, behindMs: () => behindMs });
  try {
    sender.connect(target(peer));
    await peer.waitFor(3);
    // Without the beacon the sender resends after 200, 600 and 1,400 ms (its backoff).
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    assert.deepEqual(peer.received.map(seqOf), [1, 2, 3], 'held: the aggregator is behind since before they were sent');
    behindMs = 0;
    await peer.waitFor(6);
    assert.deepEqual(peer.received.slice(3, 6).map(seqOf), [1, 2, 3], 'resent once the aggregator drained after them');
    assert.equal(sender.ackedUpTo, 0);
  } finally {
    await sender.close();
    await peer.close();
  }
});

test('close before any target: nothing to send, idempotent, and acks are not awaited forever', async () => {
  const sender = new Sender({ senderId: SENDER, source: countingSource([]), log: (line) => assert.fail(line) });
  sender.enqueue(1, frame(1));
  assert.equal(await sender.waitForAck(1, 100), false);
  await sender.close();
  await sender.close();
});
