/**
 * Transport security on real sockets: off loopback the aggregator is a CURVE server, so a sender
 * without the job's server key — plain, or CURVE with a wrong key — adds no record and reads no ack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair, Push, Subscriber } from 'zeromq';
import {
  ackEndpointFor,
  decodeAck,
  decodeEnvelope,
  FRAME_HEADER_BYTES,
  frameHeaderLength,
  framedLength,
  isUserError,
  receivedLogPath,
  type CurveKeyPair,
} from '@prov4ml/prov-core';
import { startAggregator, type Aggregator } from '@prov4ml/aggregator';
import { encodeAll, expectedCsv, pushAll, rankEnvelopes, temporaryRunDir, waitFor } from './support.js';

const JOB = 'local-curve';
const WORLD_SIZE = 2;
const POINTS_PER_FRAME = 200;
const FRAMES = 4;
/** Envelopes per rank: start, the metric frames, end. */
const ENVELOPES = FRAMES + 2;

/** This machine's first non-loopback IPv4 address, so that the senders come over a real interface where there is one. */
function reachableHost(): string {
  const addresses = Object.values(networkInterfaces()).flat();
  return addresses.find((address) => address?.family === 'IPv4' && !address.internal)?.address ?? '127.0.0.1';
}

/** The aggregator's port on `host` (it advertises its host name, which may not resolve here). */
function endpointOn(aggregator: Aggregator, host: string): string {
  return `tcp://${host}:${/:(\d+)$/.exec(aggregator.endpoint)![1]}`;
}

function clientOf(serverPublicKey: string): { curveServerKey: string; curvePublicKey: string; curveSecretKey: string } {
  const own = curveKeyPair();
  return { curveServerKey: serverPublicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey };
}

function jobFrames(runDir: string, job: string, senderPrefix: string): Buffer[] {
  return Array.from({ length: WORLD_SIZE }, (_, rank) =>
    encodeAll(rankEnvelopes(job, WORLD_SIZE, runDir, { rank, sender: `${senderPrefix}${rank}`, pointsPerFrame: POINTS_PER_FRAME, frames: FRAMES })),
  ).flat();
}

/** Pushes frames at the aggregator from a socket that will never complete the handshake; gives up quietly. */
async function pushWithoutTheKey(endpoint: string, frames: Buffer[], socketOptions: ConstructorParameters<typeof Push>[0]): Promise<Push> {
  const push = new Push({ linger: 0, sendTimeout: 1_000, sendHighWaterMark: 100_000, ...socketOptions });
  push.connect(endpoint);
  for (const frame of frames) await push.send(frame).catch(() => undefined);
  return push;
}

/** Every sender id in a rank's received log (the frames the aggregator accepted, in order). */
function receivedSenders(runDir: string, rank: number): string[] {
  const log = readFileSync(receivedLogPath(runDir, rank));
  const senders: string[] = [];
  for (let offset = 0; offset < log.length; ) {
    const length = frameHeaderLength(log, offset);
    const decoded = decodeEnvelope(log.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length));
    assert.ok(decoded.ok, `frame at byte ${offset} of rank ${rank}'s received log`);
    senders.push(decoded.envelope.sender);
    offset += framedLength(length);
  }
  return senders;
}

function assertJobExact(runDir: string): void {
  for (let rank = 0; rank < WORLD_SIZE; rank++) {
    const points = POINTS_PER_FRAME * FRAMES;
    assert.equal(readFileSync(join(runDir, `metrics/loss_TRAINING_GR${rank}.csv`), 'utf8'), expectedCsv(rank, 0, points), `loss of rank ${rank}`);
    assert.equal(readFileSync(join(runDir, `metrics/acc_VALIDATION_GR${rank}.csv`), 'utf8'), expectedCsv(rank, 1, points), `acc of rank ${rank}`);
    assert.deepEqual(receivedSenders(runDir, rank), Array(ENVELOPES).fill(`sender${rank}`), `rank ${rank}: only its own sender's frames were accepted`);
  }
}

function totalDrops(aggregator: Aggregator): number {
  return Object.values(aggregator.dropCounts()).reduce((sum, count) => sum + count, 0);
}

/** Collects every ack a subscriber gets on the ack port, for all senders. */
function listenForAcks(endpoint: string, socketOptions: ConstructorParameters<typeof Subscriber>[0]): { subscriber: Subscriber; upTo: Map<string, number> } {
  const subscriber = new Subscriber({ linger: 0, ...socketOptions });
  subscriber.connect(ackEndpointFor(endpoint));
  subscriber.subscribe();
  const upTo = new Map<string, number>();
  void (async () => {
    for await (const [, body] of subscriber) {
      const ack = decodeAck(body!);
      if (ack !== null) upTo.set(ack.sender, Math.max(upTo.get(ack.sender) ?? 0, ack.upTo));
    }
  })().catch(() => undefined);
  return { subscriber, upTo };
}

test('bound off loopback, the aggregator is a CURVE server: the job with the key is exact; a plain sender and one with a wrong server key add nothing and read no ack', async () => {
  const runDir = temporaryRunDir();
  const intruderRunDir = temporaryRunDir();
  const server: CurveKeyPair = curveKeyPair();
  const aggregator = await startAggregator({ bind: 'tcp://0.0.0.0:0', worldSize: WORLD_SIZE, curve: server });
  const endpoint = endpointOn(aggregator, reachableHost());
  // The intruders come first: had one frame of theirs been accepted, the aggregator would have taken
  // their job and run directory, and the real job's frames would be dropped as another job's.
  const intruderFrames = jobFrames(intruderRunDir, 'local-intruder', 'intruder');
  const eavesdropper = listenForAcks(endpoint, {});
  const plain = await pushWithoutTheKey(endpoint, intruderFrames, {});
  const wrongKey = await pushWithoutTheKey(endpoint, intruderFrames, clientOf(curveKeyPair().publicKey));
  // The plain peers and the wrong-key one each fail at least one handshake.
  await waitFor(() => aggregator.refusedHandshakes() >= 3, 10_000);
  const client = clientOf(server.publicKey);
  const acks = listenForAcks(endpoint, client);
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the subscriptions reach the publisher
  await pushAll(endpoint, jobFrames(runDir, JOB, 'sender'), client);
  const result = await aggregator.finalized;
  await waitFor(() => acks.upTo.get('sender0') === ENVELOPES && acks.upTo.get('sender1') === ENVELOPES, 10_000);
  plain.close();
  wrongKey.close();
  await aggregator.shutdown();
  acks.subscriber.close();
  eavesdropper.subscriber.close();

  assert.deepEqual(result.ranks.map((rank) => [rank.rank, rank.finished, rank.points]), [0, 1].map((rank) => [rank, true, 2 * POINTS_PER_FRAME * FRAMES]));
  assertJobExact(runDir);
  assert.equal(totalDrops(aggregator), 0, 'not one intruder frame got as far as being decoded');
  assert.deepEqual(readdirSync(intruderRunDir), [], "nothing was written for the intruders' run directory");
  assert.equal(eavesdropper.upTo.size, 0, 'a subscriber without the key reads no ack');
});

test('a non-loopback bind without a key pair is refused; PROV4ML_INSECURE allows it, and then a plain sender is accepted', async () => {
  await assert.rejects(startAggregator({ bind: 'tcp://0.0.0.0:0' }), (error: unknown) => {
    assert.ok(isUserError(error), String(error));
    assert.match(error.message, /tcp:\/\/0\.0\.0\.0:0 is not loopback.*PROV4ML_INSECURE=1/);
    return true;
  });
  const runDir = temporaryRunDir();
  const lines: string[] = [];
  const aggregator = await startAggregator({ bind: 'tcp://0.0.0.0:0', worldSize: WORLD_SIZE, insecure: true, log: (line) => lines.push(line) });
  await pushAll(endpointOn(aggregator, reachableHost()), jobFrames(runDir, JOB, 'sender'));
  await aggregator.finalized;
  await aggregator.shutdown();
  assertJobExact(runDir);
  assert.equal(aggregator.refusedHandshakes(), 0);
  assert.ok(lines.some((line) => line.includes('plain transport on tcp://0.0.0.0:0 (insecure)')), lines.join('\n'));
});

test('on loopback the transport stays plain by default', async () => {
  const runDir = temporaryRunDir();
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', worldSize: WORLD_SIZE });
  await pushAll(aggregator.endpoint, jobFrames(runDir, JOB, 'sender'));
  await aggregator.finalized;
  await aggregator.shutdown();
  assertJobExact(runDir);
  assert.equal(aggregator.refusedHandshakes(), 0);
});
