// Over 300 lines: the send loop, the ack loop, resends with their backoff and the relay fallback all move
// the one outbound queue and its cursor; split apart, each would reach into the others' state.
import { curveKeyPair, Push, Subscriber } from 'zeromq';
import { BEACON_TOPIC, decodeAck, decodeBeacon, isBeaconTopic } from '@prov4ml/prov-core';
import {
  BEACON_IN_FLIGHT_MS,
  BEACON_STALE_MS,
  MAX_QUEUED_WAIT_MS,
  MAX_RESEND_AFTER_MS,
  MAX_UNSENT_BYTES_IN_MEMORY,
  RESEND_AFTER_MS,
  SEND_DEADLINE_MS,
  SEND_WINDOW_FRAMES,
} from '../config/limits.js';
import { RELAY_SILENT_MS, RELAY_UNREACHABLE_MS } from '../relay/limits.js';

/** Where the sender re-reads a frame whose bytes it did not keep: the spool. */
export interface FrameSource {
  readFrame(seq: number): Uint8Array;
}

/** The aggregator a sender connects to. */
export interface SenderTarget {
  /** The aggregator's PULL endpoint. */
  endpoint: string;
  /** Its ack PUB endpoint. */
  ackEndpoint: string;
  /** The aggregator's CURVE public key: both sockets connect as CURVE clients; null: plain transport. */
  curveServerKey: string | null;
  /**
   * Set when `endpoint` is the node's relay: the aggregator itself, used from the moment the relay is
   * unreachable for RELAY_UNREACHABLE_MS or silent for RELAY_SILENT_MS with frames unacknowledged.
   */
  fallback?: SenderTarget;
}

export interface SenderOptions {
  senderId: string;
  /** Re-reads a frame's payload whose bytes were not kept in memory. */
  source: FrameSource;
  log: (line: string) => void;
  /** RESEND_AFTER_MS unless a test says. */
  resendAfterMs?: number;
}

interface Outbound {
  seq: number;
  /** Kept until sent while the unsent bytes stay under MAX_UNSENT_BYTES_IN_MEMORY; re-read from the source otherwise. */
  payload: Uint8Array | undefined;
  size: number;
  /** No copy in the source (the spool refused it): the bytes stay until an ack covers the frame. */
  pinned: boolean;
  /** When it was last handed to ZeroMQ; 0: not yet. */
  sentAt: number;
}

/**
 * Sends sealed frames to the aggregator, in sequence order, and tracks each one until an ack covers it
 * (its bytes stay in memory only until sent, unless it is pinned).
 * It exists before its target is known: frames queue (bounded in bytes by MAX_UNSENT_BYTES_IN_MEMORY,
 * the rest are numbers re-read from the source) until `connect`.
 * One send loop per socket; every send has a deadline; without ack progress for RESEND_AFTER_MS the
 * unacknowledged frames are sent again (the aggregator drops duplicates), which also covers a restart,
 * unless the aggregator's beacon says they are still queued there (BEACON_IN_FLIGHT_MS).
 */
export class Sender {
  private push: Push | undefined;
  private acks: Subscriber | undefined;
  private target: SenderTarget | undefined;
  private readonly outbound: Outbound[] = [];
  private bytesInMemory = 0;
  private pinned = 0;
  private nextIndex = 0;
  private acked = 0;
  private lastAckProgressAt = Date.now();
  /** The last ack progress; unlike lastAckProgressAt, not moved by a resend. */
  private ackedAt = Date.now();
  /** Whether the push socket has a live connection, and since when it has not (for the relay fallback). */
  private peerUp = false;
  private peerDownSince = Date.now();
  private wake: (() => void) | undefined;
  private closing = false;
  private readonly ackWaiters = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private readonly resendAfterMs: number;
  /** The wait before the next resend: doubled after each resend without ack progress, up to MAX_RESEND_AFTER_MS. */
  private resendWaitMs: number;
  private handshaken = false;
  /** The aggregator's last beacon: when it was heard, and when (on this clock) the aggregator last had nothing queued. */
  private beacon: { heardAt: number; drainedAt: number } | undefined;

  constructor(private readonly options: SenderOptions) {
    this.resendAfterMs = options.resendAfterMs ?? RESEND_AFTER_MS;
    this.resendWaitMs = this.resendAfterMs;
  }

  /** Opens the sockets to `target` and starts sending what is queued. Once. */
  connect(target: SenderTarget): void {
    if (this.target !== undefined) throw new Error(`sender ${this.options.senderId} is already connected to ${this.target.endpoint}`);
    if (this.closing) return;
    this.open(target);
    this.loops.push(this.sendLoop());
  }

  private open(target: SenderTarget): void {
    this.target = target;
    const security = target.curveServerKey === null ? {} : curveClient(target.curveServerKey);
    const push = new Push({ sendTimeout: SEND_DEADLINE_MS, linger: 0, sendHighWaterMark: SEND_WINDOW_FRAMES, ...security });
    // The socket monitor starts before the connection: a local handshake completes before a later one sees it.
    const events = this.watchEvents(push, target);
    push.connect(target.endpoint);
    const acks = new Subscriber({ linger: 0, ...security });
    acks.connect(target.ackEndpoint);
    acks.subscribe(this.options.senderId, BEACON_TOPIC);
    this.push = push;
    this.acks = acks;
    this.lastAckProgressAt = this.ackedAt = this.peerDownSince = Date.now();
    this.peerUp = false;
    this.beacon = undefined;
    this.loops.push(this.ackLoop(acks), events);
  }

  /** The relay this sender goes through is gone (see SenderTarget.fallback) while frames wait for acks. */
  private relayGone(): boolean {
    if (this.target?.fallback === undefined || this.acked >= (this.outbound.at(-1)?.seq ?? 0)) return false;
    const now = Date.now();
    return (!this.peerUp && now - this.peerDownSince > RELAY_UNREACHABLE_MS) || (now - this.ackedAt > RELAY_SILENT_MS && !this.queuedAtAggregator(now));
  }

  /**
   * Whether the oldest unacknowledged frame is queued at the aggregator rather than lost: a fresh beacon
   * says the aggregator has had something queued ever since the frame could have reached it. A busy
   * aggregator then acks it in turn, and a relay whose beacons come through is passing acks.
   */
  private queuedAtAggregator(now: number): boolean {
    const oldest = this.outbound[0];
    const beacon = this.beacon;
    if (beacon === undefined || oldest === undefined || oldest.sentAt === 0) return false;
    if (now - beacon.heardAt > BEACON_STALE_MS || now - oldest.sentAt > MAX_QUEUED_WAIT_MS) return false;
    return beacon.drainedAt < oldest.sentAt + BEACON_IN_FLIGHT_MS;
  }

  /**
   * Goes to the aggregator directly and sends every unacknowledged frame again: what the relay held is
   * lost with it, and what it forwarded is dropped there as a duplicate. For good: a relay does not come back.
   */
  private fallBack(): void {
    const relay = this.target!;
    this.options.log(`the node's relay at ${relay.endpoint} is gone: sending to the aggregator at ${relay.fallback!.endpoint} directly`);
    this.push?.close();
    this.acks?.close();
    this.open(relay.fallback!);
    this.nextIndex = 0;
  }

  /** True once the aggregator accepted this sender's connection (a ZeroMQ handshake completed, or an ack came). */
  get reachedAggregator(): boolean {
    return this.handshaken || this.acked > 0;
  }

  /** Highest sequence number the aggregator has confirmed on disk. */
  get ackedUpTo(): number {
    return this.acked;
  }

  /** Bytes of pinned frames (no copy in the source) not yet acknowledged. */
  get pinnedBytes(): number {
    return this.pinned;
  }

  /**
   * Queues frame `seq` (the next number after the last one queued). `spooled` false: the source has no
   * copy, so its bytes stay in memory until acknowledged.
   */
  enqueue(seq: number, payload: Uint8Array, spooled = true): void {
    if (spooled) {
      const keep = this.bytesInMemory + payload.length <= MAX_UNSENT_BYTES_IN_MEMORY;
      if (keep) this.bytesInMemory += payload.length;
      this.outbound.push({ seq, payload: keep ? payload : undefined, size: payload.length, pinned: false, sentAt: 0 });
    } else {
      this.pinned += payload.length;
      this.outbound.push({ seq, payload, size: payload.length, pinned: true, sentAt: 0 });
    }
    this.wake?.();
  }

  /** Resolves true once every frame up to `seq` is acknowledged, false after `timeoutMs`. */
  async waitForAck(seq: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked < seq) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 250));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.ackWaiters.add(done);
      });
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.wake?.();
    // linger 0 (set at creation): what ZeroMQ still holds is in the spool, and merge rebuilds from it.
    this.push?.close();
    this.acks?.close();
    await Promise.allSettled(this.loops);
  }

  private async sendLoop(): Promise<void> {
    while (!this.closing) {
      if (this.relayGone()) this.fallBack();
      const push = this.push!;
      const now = Date.now();
      if (this.acked < (this.outbound.at(-1)?.seq ?? 0) && now - this.lastAckProgressAt > this.resendWaitMs && !this.queuedAtAggregator(now)) {
        this.nextIndex = 0;
        this.lastAckProgressAt = now;
        // An aggregator too busy to ack in time (thousands of ranks) must not be flooded with copies.
        this.resendWaitMs = Math.min(2 * this.resendWaitMs, Math.max(this.resendAfterMs, MAX_RESEND_AFTER_MS));
      }
      const frame = this.outbound[this.nextIndex];
      if (frame === undefined) {
        await this.idle();
        continue;
      }
      try {
        await push.send(frame.payload ?? this.options.source.readFrame(frame.seq));
        frame.sentAt = Date.now();
        this.nextIndex++;
        // ZeroMQ holds it now; a resend (a lost ack, an aggregator restart) re-reads it from the spool,
        // so memory holds only what waits to be sent, however slow the acks are.
        this.forgetPayload(frame);
      } catch (error) {
        if (this.closing) return;
        // A missed deadline means no aggregator is reachable yet: keep the frame and try again.
        if ((error as { code?: string }).code !== 'EAGAIN') this.options.log(`send failed: ${(error as Error).message}`);
        await this.idle();
      }
    }
  }

  private async ackLoop(acks: Subscriber): Promise<void> {
    try {
      for await (const [topic, body] of acks) {
        if (acks !== this.acks) return;
        if (isBeaconTopic(topic!)) {
          const beacon = decodeBeacon(body!);
          const now = Date.now();
          if (beacon !== null) this.beacon = { heardAt: now, drainedAt: now - beacon.behindMs };
          continue;
        }
        const ack = decodeAck(body!);
        if (ack === null || ack.sender !== this.options.senderId || ack.upTo <= this.acked) continue;
        this.release(ack.upTo);
      }
    } catch (error) {
      if (!this.closing && acks === this.acks) this.options.log(`ack channel failed: ${(error as Error).message}`);
    }
  }

  /**
   * Follows the connection (whether a relay is reachable), notes the first completed handshake (an
   * aggregator past its open-file limit never completes one), and says once why nothing arrives when a
   * handshake fails: ZeroMQ retries it forever without a word.
   */
  private async watchEvents(push: Push, target: SenderTarget): Promise<void> {
    let reported = false;
    try {
      for await (const event of push.events) {
        if (push !== this.push) return;
        if (event.type === 'handshake') this.handshaken = true;
        if (event.type === 'connect' || event.type === 'disconnect') {
          this.peerUp = event.type === 'connect';
          if (!this.peerUp) this.peerDownSince = Date.now();
          else this.resendWaitMs = this.resendAfterMs;
        }
        if (reported || (event.type !== 'handshake:error:protocol' && event.type !== 'handshake:error:other' && event.type !== 'handshake:error:auth')) continue;
        const security = target.curveServerKey === null ? 'plain transport' : 'CURVE';
        const reason = event.type === 'handshake:error:protocol' ? event.error.code : event.error.message;
        if (event.type === 'handshake:error:other' && /timed out/i.test(reason)) {
          // Not a key mismatch: the connection waited in the aggregator's backlog, never accepted.
          reported = true;
          this.options.log(
            `the aggregator at ${target.endpoint} did not complete the handshake in time (an aggregator past its open-file limit, \`ulimit -n\`, leaves connections waiting: see its log); frames stay in the spool and are resent`,
          );
          continue;
        }
        // Over plain transport any other 'other' error is a broken pipe under load, which ZeroMQ retries:
        // only CURVE can refuse for a key.
        if (event.type === 'handshake:error:other' && target.curveServerKey === null) continue;
        reported = true;
        this.options.log(
          `the security handshake with ${target.endpoint} failed (${reason}) using ${security}: the aggregator and every rank need the same PROV4ML_KEY_DIR and PROV4ML_INSECURE; frames stay in the spool`,
        );
      }
    } catch {
      // The socket closed: nothing left to report.
    }
  }

  /** After a send: only a pinned frame keeps its bytes (nothing else could resend it). */
  private forgetPayload(frame: Outbound): void {
    if (frame.payload === undefined || frame.pinned) return;
    frame.payload = undefined;
    this.bytesInMemory -= frame.size;
  }

  private release(upTo: number): void {
    this.acked = upTo;
    this.lastAckProgressAt = this.ackedAt = Date.now();
    this.resendWaitMs = this.resendAfterMs;
    let drop = 0;
    while (drop < this.outbound.length && this.outbound[drop]!.seq <= upTo) {
      const frame = this.outbound[drop]!;
      if (frame.pinned) this.pinned -= frame.size;
      else this.forgetPayload(frame);
      drop++;
    }
    this.outbound.splice(0, drop);
    this.nextIndex = Math.max(0, this.nextIndex - drop);
    for (const waiter of this.ackWaiters) waiter();
    this.ackWaiters.clear();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.resendAfterMs / 3);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}

/** CURVE client options: the server's key, and a key pair of this sender's own, made fresh for it. */
function curveClient(serverKey: string): { curveServerKey: string; curvePublicKey: string; curveSecretKey: string } {
  const own = curveKeyPair();
  return { curveServerKey: serverKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey };
}
