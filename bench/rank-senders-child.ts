/**
 * A process that plays several ranks (forked by rank-senders.ts). It encodes every rank's envelopes
 * and connects every rank's sockets, says `ready`, and on `go` sends: in 'agent' mode through the
 * agent's Sender, waiting for the acks; in 'raw' mode through a bare PUSH socket, for the transport's limit.
 * It reports when it has sent everything, and closes its sockets only when told: on a cluster, ranks
 * tear down on their own nodes, not on the CPU the aggregator is finalising with.
 */
import { context, Push } from 'zeromq';
import { Relay } from '../packages/agent/src/relay/relay.js';
import { benchSenderId, encodedRank, SimulatedRank } from './simulated-rank.js';
import type { SenderProcessDone, SenderProcessSpec } from './rank-senders.js';

/** A rank's frames must all be acked within this; past it the bench fails instead of hanging. */
const ACK_TIMEOUT_MS = 60_000;

const spec = JSON.parse(process.argv[2]!) as SenderProcessSpec;
/** A rank's Sender holds four ZeroMQ sockets (PUSH, SUB and the pair that monitors the PUSH); the relay a few more. */
const SOCKETS_PER_RANK = 4;
context.maxSockets = Math.max(context.maxSockets, spec.ranks.length * SOCKETS_PER_RANK + 64);
const log = (line: string): void => void process.stderr.write(`bench node: ${line}\n`);
const relay = spec.relay === undefined ? undefined : await Relay.start({ bind: spec.endpoint, upstream: spec.relay, log });
const encoded = spec.ranks.map((rank) => {
  const sender = benchSenderId(rank);
  return { sender, payloads: encodedRank({ ...spec, rank }, sender) };
});

async function sendAsAgents(): Promise<void> {
  const ranks = encoded.map(({ sender, payloads }) => new SimulatedRank(spec.endpoint, sender, payloads));
  await nextMessage('ready');
  const endsAt = await Promise.all(
    ranks.map(async (rank) => {
      // The last envelope holds the run end: its hand-over is the rank's end, as endRun's would be.
      await rank.send(1, rank.frames - 1, spec.ackTimeoutMs ?? ACK_TIMEOUT_MS);
      const endAt = Date.now();
      await rank.send(rank.frames, rank.frames, spec.ackTimeoutMs ?? ACK_TIMEOUT_MS);
      return endAt;
    }),
  );
  await nextMessage({ lastEndAt: Math.max(...endsAt) });
  await Promise.all(ranks.map((rank) => rank.close()));
  await relay?.close();
}

async function sendRaw(): Promise<void> {
  const sockets = encoded.map(() => new Push({ linger: ACK_TIMEOUT_MS }));
  for (const socket of sockets) socket.connect(spec.endpoint);
  await nextMessage('ready');
  await Promise.all(
    sockets.map(async (socket, index) => {
      for (const payload of encoded[index]!.payloads) await socket.send(payload);
    }),
  );
  await nextMessage({ lastEndAt: Date.now() });
  // close() lingers until ZeroMQ has handed every queued message over.
  for (const socket of sockets) socket.close();
}

/** Tells the parent `message` and waits for its answer (`go`, then `close`). */
function nextMessage(message: 'ready' | SenderProcessDone): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send!(message);
  });
}

await (spec.mode === 'agent' ? sendAsAgents() : sendRaw());
process.disconnect();
