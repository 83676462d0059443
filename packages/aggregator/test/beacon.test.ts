/**
 * The aggregator's beacon (prov-core `Beacon`) on its real ack socket: published to every subscriber of
 * BEACON_TOPIC each BEACON_INTERVAL_MS, saying 0 ms behind while nothing is queued, and never mixed into
 * a sender's acks (a sender id subscription does not receive it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subscriber } from 'zeromq';
import { ackEndpointFor, BEACON_INTERVAL_MS, BEACON_TOPIC, decodeAck, decodeBeacon, isBeaconTopic } from '@prov4ml/prov-core';
import { startAggregator } from '@prov4ml/aggregator';

test('an idle aggregator publishes a beacon each interval, 0 ms behind, only to beacon subscribers', async () => {
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0' });
  const beacons = new Subscriber({ linger: 0 });
  const acks = new Subscriber({ linger: 0 });
  beacons.connect(ackEndpointFor(aggregator.endpoint));
  acks.connect(ackEndpointFor(aggregator.endpoint));
  beacons.subscribe(BEACON_TOPIC);
  acks.subscribe('sender0');
  const heard: (number | null)[] = [];
  const toSender: unknown[] = [];
  void (async () => {
    for await (const [topic, body] of beacons) heard.push(isBeaconTopic(topic!) ? (decodeBeacon(body!)?.behindMs ?? null) : null);
  })().catch(() => undefined);
  void (async () => {
    for await (const [, body] of acks) toSender.push(decodeAck(body!) ?? body);
  })().catch(() => undefined);
  try {
    await new Promise((resolve) => setTimeout(resolve, 3.5 * BEACON_INTERVAL_MS));
    assert.ok(heard.length >= 2 && heard.length <= 4, `beacons heard in 3.5 intervals: ${heard.length}`);
    assert.deepEqual(heard, heard.map(() => 0), 'idle: nothing queued, 0 ms behind');
    assert.deepEqual(toSender, [], 'a sender subscribed to its own id gets no beacon');
  } finally {
    beacons.close();
    acks.close();
    await aggregator.shutdown();
  }
});
