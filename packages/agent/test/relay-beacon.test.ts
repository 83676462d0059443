/**
 * A relay passes the aggregator's beacons down saying the longer of two waits: the aggregator's and its
 * own queue's. Real sockets: a stand-in aggregator (a PUB for beacons, and for frames an endpoint
 * nobody takes them from until the test says), a real Relay on ipc, a rank's SUB and PUSH on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Publisher, Pull, Push, Subscriber } from 'zeromq';
import { ackEndpointFor, BEACON_TOPIC, decodeBeacon, encodeBeacon, isBeaconTopic, PROTOCOL_VERSION } from '@prov4ml/prov-core';
import { Relay } from '../src/relay/relay.js';

/** A rank's send that waits this long finds every queue to the aggregator full. */
const RANK_SEND_TIMEOUT_MS = 3_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a relay's beacons say the aggregator's wait while its own queue is empty, and its own wait while frames are stuck in it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-relay-beacon-'));
  const upstream = `ipc://${join(dir, 'aggregator')}`;
  const beacons = new Publisher({ linger: 0 });
  await beacons.bind(ackEndpointFor(upstream));
  const relay = await Relay.start({ bind: `ipc://${join(dir, 'relay')}`, upstream: { endpoint: upstream, ackEndpoint: ackEndpointFor(upstream), curveServerKey: null }, log: () => undefined });
  const rankBeacons = new Subscriber({ linger: 0 });
  rankBeacons.connect(ackEndpointFor(`ipc://${join(dir, 'relay')}`));
  rankBeacons.subscribe(BEACON_TOPIC);
  const rankFrames = new Push({ linger: 0, sendTimeout: RANK_SEND_TIMEOUT_MS });
  rankFrames.connect(`ipc://${join(dir, 'relay')}`);
  const frames = new Pull({ linger: 0 });
  try {
    /** Publishes beacons saying `behindMs` until one comes through the relay; returns what the rank heard. */
    const heardFor = async (behindMs: number): Promise<number> => {
      // Beacons of the last call that arrive after its first one are stale: let them land and drop them.
      await sleep(200);
      while (rankBeacons.readable) await rankBeacons.receive();
      const heard = rankBeacons.receive();
      // The rank's subscription reaches the aggregator through the relay a moment after it is made.
      let arrived = false;
      void heard.then(() => (arrived = true), () => undefined);
      while (!arrived) {
        await beacons.send([BEACON_TOPIC, encodeBeacon({ v: PROTOCOL_VERSION, behindMs })]);
        await sleep(50);
      }
      const [topic, body] = await heard;
      assert.ok(isBeaconTopic(topic!));
      return decodeBeacon(body!)!.behindMs;
    };

    assert.equal(await heardFor(700), 700, 'nothing queued at the relay: the aggregator\'s wait, unchanged');

    // Nobody takes frames at the aggregator's endpoint: ZeroMQ queues what the relay sends up to its
    // high-water mark, then the relay's send waits and frames stay with it. Frames go in until the
    // rank's own send times out: every queue on the way is full, and the relay holds frames.
    let sent = 0;
    try {
      for (;;) await rankFrames.send(String(sent++));
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'EAGAIN');
      sent--;
    }
    await sleep(1_000);
    const stuck = await heardFor(0);
    assert.ok(stuck >= 1_000 && stuck < 60_000, `frames stuck at the relay for over 1 s: the beacon says ${stuck} ms behind, not the aggregator's 0`);
    assert.equal(await heardFor(120_000), 120_000, "the longer wait wins: the aggregator's, when it is longer");

    // The aggregator takes them all, in order, once each; then the relay's queue is empty again.
    await frames.bind(upstream);
    const received: string[] = [];
    while (received.length < sent) received.push(...[...(await frames.receive())].map(String));
    assert.equal(received.length, sent);
    assert.ok(received.every((frame, index) => frame === String(index)), 'in order, none lost or repeated');
    await sleep(100);
    assert.equal(await heardFor(5), 5, 'drained: the aggregator\'s wait again');
  } finally {
    for (const socket of [beacons, rankBeacons, rankFrames, frames]) socket.close();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
