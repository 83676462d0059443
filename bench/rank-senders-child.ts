/**
 * A process that plays several ranks (forked by rank-senders.ts). It encodes every rank's envelopes
 * and connects every rank's sockets, says `ready`, and on `go` sends: in 'agent' mode through the
 * agent's Sender, waiting for the acks; in 'raw' mode through a bare PUSH socket, for the transport's limit.
 */
import { Push } from 'zeromq';
import { benchSenderId, encodedRank, SimulatedRank } from './simulated-rank.js';
import type { SenderProcessDone, SenderProcessSpec } from './rank-senders.js';

/** A rank's frames must all be acked within this; past it the bench fails instead of hanging. */
const ACK_TIMEOUT_MS = 60_000;

const spec = JSON.parse(process.argv[2]!) as SenderProcessSpec;
const encoded = spec.ranks.map((rank) => {
  const sender = benchSenderId(rank);
  return { sender, payloads: encodedRank({ ...spec, rank }, sender) };
});

async function sendAsAgents(): Promise<number> {
  const ranks = encoded.map(({ sender, payloads }) => new SimulatedRank(spec.endpoint, sender, payloads));
  await waitForGo();
  const endsAt = await Promise.all(
    ranks.map(async (rank) => {
      // The last envelope holds the run end: its hand-over is the rank's end, as endRun's would be.
      await rank.send(1, rank.frames - 1, ACK_TIMEOUT_MS);
      const endAt = Date.now();
      await rank.send(rank.frames, rank.frames, ACK_TIMEOUT_MS);
      return endAt;
    }),
  );
  await Promise.all(ranks.map((rank) => rank.close()));
  return Math.max(...endsAt);
}

async function sendRaw(): Promise<number> {
  const sockets = encoded.map(() => new Push({ linger: ACK_TIMEOUT_MS }));
  for (const socket of sockets) socket.connect(spec.endpoint);
  await waitForGo();
  await Promise.all(
    sockets.map(async (socket, index) => {
      for (const payload of encoded[index]!.payloads) await socket.send(payload);
    }),
  );
  const sentAt = Date.now();
  // close() lingers until ZeroMQ has handed every queued message over.
  for (const socket of sockets) socket.close();
  return sentAt;
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send!('ready');
  });
}

const lastEndAt = spec.mode === 'agent' ? await sendAsAgents() : await sendRaw();
const done: SenderProcessDone = { lastEndAt };
process.send!(done, () => process.disconnect());
