/**
 * The aggregator's side of the wire, bare: a real PULL socket that keeps every frame it receives and a
 * real PUB socket that acknowledges them (cumulatively, as the aggregator does), on a tcp:// or ipc://
 * endpoint with its ack endpoint from ZmqEndpoint.
 */
import { Publisher, Pull } from 'zeromq';
import { BEACON_TOPIC, decodeEnvelope, encodeAck, encodeBeacon, PROTOCOL_VERSION, ZmqEndpoint } from '@prov4ml/prov-core';

/** How often the peer repeats its last ack: a subscriber that joined late still gets it. */
const REPEAT_ACK_MS = 50;

export interface PeerOptions {
  /** Acknowledge what arrives (false: receive only, as an aggregator that dies before its acks). */
  ack: boolean;
  /** Sees each frame as it arrives, before it is acknowledged. */
  onFrame?: (payload: Buffer) => void;
  /** Publishes a beacon with this `behindMs` with each repeated ack (as the aggregator does each second). */
  behindMs?: () => number;
}

export class ZmqPeer {
  /** Payloads as received, in order of arrival. */
  readonly received: Buffer[] = [];
  private ackedUpTo = 0;
  private sender: string | null = null;
  private readonly waiters = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;
  private readonly loop: Promise<void>;

  private constructor(
    readonly endpoint: string,
    readonly ackEndpoint: string,
    private readonly pull: Pull,
    private readonly acks: Publisher,
    private readonly options: PeerOptions,
  ) {
    this.loop = this.receive();
    this.timer = setInterval(() => void this.publishAck().then(() => this.publishBeacon()), REPEAT_ACK_MS);
  }

  /** Binds `endpoint` (tcp://127.0.0.1:PORT, acks on PORT + 1; or ipc://PATH, acks on PATH.ack). */
  static async bind(endpoint: string, options: PeerOptions = { ack: true }): Promise<ZmqPeer> {
    const parsed = ZmqEndpoint.parse(endpoint);
    if (parsed === null) throw new Error(`not an endpoint: ${endpoint}`);
    const pull = new Pull({ linger: 0 });
    const acks = new Publisher({ linger: 0 });
    await pull.bind(endpoint);
    await acks.bind(parsed.ackEndpoint().toString());
    return new ZmqPeer(endpoint, parsed.ackEndpoint().toString(), pull, acks, options);
  }

  /** Resolves once `count` frames have arrived. */
  async waitFor(count: number): Promise<void> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.waiters.add(resolve));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.pull.close();
    this.acks.close();
    await this.loop.catch(() => undefined);
  }

  private async receive(): Promise<void> {
    try {
      for await (const [payload] of this.pull) {
        this.received.push(payload!);
        this.options.onFrame?.(payload!);
        if (this.options.ack) {
          this.sender ??= senderOf(payload!);
          this.ackedUpTo = Math.max(this.ackedUpTo, seqOf(payload!));
          await this.publishAck();
        }
        for (const wake of this.waiters) wake();
        this.waiters.clear();
      }
    } catch {
      // Closed.
    }
  }

  private async publishBeacon(): Promise<void> {
    if (this.options.behindMs === undefined || this.acks.closed) return;
    await this.acks.send([BEACON_TOPIC, encodeBeacon({ v: PROTOCOL_VERSION, behindMs: this.options.behindMs() })]).catch(() => undefined);
  }

  private async publishAck(): Promise<void> {
    if (this.sender === null || this.ackedUpTo === 0 || this.acks.closed) return;
    await this.acks.send([this.sender, encodeAck({ v: PROTOCOL_VERSION, sender: this.sender, upTo: this.ackedUpTo })]).catch(() => undefined);
  }
}

/** Sequence number of a frame: the sender tests' frames are JSON {seq, sender}, the pipeline's envelopes. */
export function seqOf(payload: Buffer): number {
  return decodeTestFrame(payload).seq;
}

function senderOf(payload: Buffer): string {
  return decodeTestFrame(payload).sender;
}

function decodeTestFrame(payload: Buffer): { seq: number; sender: string } {
  if (payload[0] === 0x7b) return JSON.parse(payload.toString('utf8')) as { seq: number; sender: string };
  // A copy: decoding leaves a cached view on the buffer, which would spoil deep-equal comparisons.
  const decoded = decodeEnvelope(Buffer.from(payload));
  if (!decoded.ok) throw new Error(`not an envelope: ${decoded.detail}`);
  return { seq: decoded.envelope.seq, sender: decoded.envelope.sender };
}
