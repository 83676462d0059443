/**
 * A node's relay (docs/SCALING.md "Past one aggregator" 1): the node's ranks connect to it over ipc;
 * it forwards their frames unchanged, several to a multipart message, over one connection to the
 * aggregator (CURVE when the aggregator's link is), and passes the ranks' ack subscriptions up and the
 * acks down (XSUB/XPUB: one upstream connection carries every sender id of the node), and the
 * aggregator's beacons, adding its own queue: its ranks' frames wait here before they wait there.
 * It keeps nothing that is not in an agent's spool: a frame it holds when it dies is resent by its rank.
 */
import { curveKeyPair, Pull, Push, XPublisher, XSubscriber, type Socket } from 'zeromq';
import { ackEndpointFor, decodeBeacon, encodeBeacon, isBeaconTopic } from '@prov4ml/prov-core';
import type { SenderTarget } from '../pipeline/sender.js';
import { RELAY_BACKLOG, RELAY_BATCH_FRAMES, RELAY_DRAIN_TIMEOUT_MS, RELAY_SEND_DEADLINE_MS, RELAY_UNREACHABLE_MS } from './limits.js';

export interface RelayOptions {
  /** The relay's own endpoint, ipc://PATH (acks at PATH.ack). */
  bind: string;
  /** The aggregator. */
  upstream: SenderTarget;
  log: (line: string) => void;
}

/** How often `drain` looks at the relay's connections. */
const DRAIN_POLL_MS = 100;

export class Relay {
  private readonly pull = new Pull({ linger: 0, backlog: RELAY_BACKLOG });
  private readonly downAcks = new XPublisher({ linger: 0, backlog: RELAY_BACKLOG });
  private readonly push: Push;
  private readonly upAcks: XSubscriber;
  private loops: Promise<void>[] = [];
  private closing = false;
  private accepted = 0;
  private connected = 0;
  private lastConnectedAt = Date.now();
  private forwarded = 0;
  /** The forward loop waits for the ranks' frames: none is queued here. */
  private awaitingInput = false;
  /** When the forward loop last took every frame queued here. */
  private inputEmptyAt = Date.now();

  private constructor(private readonly options: RelayOptions) {
    const { upstream } = options;
    const own = curveKeyPair();
    const security = upstream.curveServerKey === null ? {} : { curveServerKey: upstream.curveServerKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey };
    this.push = new Push({ sendTimeout: RELAY_SEND_DEADLINE_MS, linger: 0, ...security });
    this.upAcks = new XSubscriber({ linger: 0, ...security });
    // Watched before the bind: a rank that connects at once must be counted.
    this.loops.push(this.countPeers());
  }

  /**
   * Binds the relay's sockets and connects it to the aggregator.
   * @throws Error when the ipc path cannot be bound.
   */
  static async start(options: RelayOptions): Promise<Relay> {
    const relay = new Relay(options);
    try {
      await relay.pull.bind(options.bind);
      await relay.downAcks.bind(ackEndpointFor(options.bind));
    } catch (error) {
      relay.closeSockets();
      throw error;
    }
    relay.push.connect(options.upstream.endpoint);
    relay.upAcks.connect(options.upstream.ackEndpoint);
    relay.loops.push(relay.forwardFrames(), relay.passSubscriptionsUp(), relay.passAcksDown());
    return relay;
  }

  /** Frames forwarded to the aggregator so far. */
  get framesForwarded(): number {
    return this.forwarded;
  }

  /**
   * Resolves once the node's ranks are done with the relay: none is connected, and `expectedRanks`
   * have connected or none has for RELAY_UNREACHABLE_MS (a rank that gave up on it); at most `timeoutMs`.
   */
  async drain(expectedRanks: number, timeoutMs = RELAY_DRAIN_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.closing) {
      const idle = this.connected === 0 && (this.accepted >= expectedRanks || Date.now() - this.lastConnectedAt > RELAY_UNREACHABLE_MS);
      if (idle) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** Closes every socket: what the relay still held is in its ranks' spools. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.closeSockets();
    await Promise.allSettled(this.loops);
  }

  private closeSockets(): void {
    for (const socket of [this.pull, this.downAcks, this.push, this.upAcks]) socket.close();
  }

  /** Takes what the ranks queued (up to RELAY_BATCH_FRAMES frames) and sends it on as one message. */
  private async forwardFrames(): Promise<void> {
    try {
      for (;;) {
        this.awaitingInput = true;
        const batch = [...(await this.pull.receive())];
        this.awaitingInput = false;
        while (batch.length < RELAY_BATCH_FRAMES && this.pull.readable) batch.push(...(await this.pull.receive()));
        if (!this.pull.readable) this.inputEmptyAt = Date.now();
        await this.sendUp(batch);
        this.forwarded += batch.length;
      }
    } catch (error) {
      if (!this.closing) this.options.log(`the relay stopped forwarding: ${(error as Error).message}; its ranks go to the aggregator directly`);
    }
  }

  /** Sends one message to the aggregator, again after each missed deadline (the aggregator is not there yet). */
  private async sendUp(batch: Buffer[]): Promise<void> {
    for (;;) {
      try {
        return await this.push.send(batch);
      } catch (error) {
        if (this.closing || (error as { code?: string }).code !== 'EAGAIN') throw error;
      }
    }
  }

  /** Passes the ranks' subscriptions (their sender ids, the beacon topic) to the aggregator. */
  private async passSubscriptionsUp(): Promise<void> {
    try {
      for await (const message of this.downAcks) await this.upAcks.send(message);
    } catch (error) {
      if (!this.closing) this.options.log(`the relay stopped passing its ranks' ack subscriptions: ${(error as Error).message}`);
    }
  }

  /** Passes the aggregator's acks and beacons to the ranks. */
  private async passAcksDown(): Promise<void> {
    try {
      for await (const message of this.upAcks) {
        if (message.length === 2 && isBeaconTopic(message[0]!)) message[1] = this.withOwnQueue(message[1]!);
        await this.downAcks.send(message);
      }
    } catch (error) {
      if (!this.closing) this.options.log(`the relay stopped passing acks: ${(error as Error).message}`);
    }
  }

  /** The aggregator's beacon, saying the longer of its wait and the relay's own (frames queued here). */
  private withOwnQueue(body: Buffer): Buffer {
    const beacon = decodeBeacon(body);
    if (beacon === null) return body;
    const ownBehindMs = this.awaitingInput ? 0 : Date.now() - this.inputEmptyAt;
    return ownBehindMs <= beacon.behindMs ? body : encodeBeacon({ ...beacon, behindMs: ownBehindMs });
  }

  /** Follows the ranks' connections to the frame socket, for `drain`. */
  private async countPeers(): Promise<void> {
    try {
      for await (const event of (this.pull as Socket).events) {
        if (event.type === 'accept') {
          this.accepted++;
          this.connected++;
        } else if (event.type === 'disconnect') {
          this.connected = Math.max(0, this.connected - 1);
          this.lastConnectedAt = Date.now();
        }
      }
    } catch {
      // The socket closed: nothing left to count.
    }
  }
}
