import { curveKeyPair, Push, Subscriber } from 'zeromq';
import { decodeAck } from '@prov4ml/prov-core';
import { MAX_UNSENT_BYTES_IN_MEMORY, RESEND_AFTER_MS, SEND_DEADLINE_MS, SEND_WINDOW_FRAMES } from '../config/limits.js';

export interface SenderOptions {
  /** The aggregator's PULL endpoint. */
  endpoint: string;
  /** Its ack PUB endpoint. */
  ackEndpoint: string;
  senderId: string;
  /** The aggregator's CURVE public key: both sockets connect as CURVE clients; null: plain transport. */
  curveServerKey: string | null;
  /** Re-reads a frame's payload whose bytes were not kept in memory (from the spool). */
  reread: (seq: number) => Uint8Array;
  log: (line: string) => void;
}

interface Outbound {
  seq: number;
  /** Kept until sent while the unsent bytes stay under MAX_UNSENT_BYTES_IN_MEMORY; re-read from the spool otherwise. */
  payload: Uint8Array | undefined;
  size: number;
}

/**
 * Sends sealed frames to the aggregator, in sequence order, and tracks each one until an ack covers it
 * (its bytes stay in memory only until sent).
 * One send loop per socket; every send has a deadline; without ack progress for RESEND_AFTER_MS the
 * unacknowledged frames are sent again (the aggregator drops duplicates), which also covers a restart.
 */
export class Sender {
  private readonly push: Push;
  private readonly acks: Subscriber;
  private readonly outbound: Outbound[] = [];
  private bytesInMemory = 0;
  private nextIndex = 0;
  private acked = 0;
  private lastAckProgressAt = Date.now();
  private wake: (() => void) | undefined;
  private closing = false;
  private readonly ackWaiters = new Set<() => void>();
  private readonly loops: Promise<void>[];

  constructor(private readonly options: SenderOptions) {
    const security = options.curveServerKey === null ? {} : curveClient(options.curveServerKey);
    this.push = new Push({ sendTimeout: SEND_DEADLINE_MS, linger: 0, sendHighWaterMark: SEND_WINDOW_FRAMES, ...security });
    this.push.connect(options.endpoint);
    this.acks = new Subscriber({ linger: 0, ...security });
    this.acks.connect(options.ackEndpoint);
    this.acks.subscribe(options.senderId);
    this.loops = [this.sendLoop(), this.ackLoop(), this.reportRefusedHandshake()];
  }

  /** Highest sequence number the aggregator has confirmed on disk. */
  get ackedUpTo(): number {
    return this.acked;
  }

  enqueue(seq: number, payload: Uint8Array): void {
    const keep = this.bytesInMemory + payload.length <= MAX_UNSENT_BYTES_IN_MEMORY;
    if (keep) this.bytesInMemory += payload.length;
    this.outbound.push({ seq, payload: keep ? payload : undefined, size: payload.length });
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
    this.push.close();
    this.acks.close();
    await Promise.allSettled(this.loops);
  }

  private async sendLoop(): Promise<void> {
    while (!this.closing) {
      if (this.acked < (this.outbound.at(-1)?.seq ?? 0) && Date.now() - this.lastAckProgressAt > RESEND_AFTER_MS) {
        this.nextIndex = 0;
        this.lastAckProgressAt = Date.now();
      }
      const frame = this.outbound[this.nextIndex];
      if (frame === undefined) {
        await this.idle();
        continue;
      }
      try {
        await this.push.send(frame.payload ?? this.options.reread(frame.seq));
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

  private async ackLoop(): Promise<void> {
    try {
      for await (const [, body] of this.acks) {
        const ack = decodeAck(body!);
        if (ack === null || ack.sender !== this.options.senderId || ack.upTo <= this.acked) continue;
        this.release(ack.upTo);
      }
    } catch (error) {
      if (!this.closing) this.options.log(`ack channel failed: ${(error as Error).message}`);
    }
  }

  /** A handshake that fails is retried forever without a word from ZeroMQ: say once why nothing arrives. */
  private async reportRefusedHandshake(): Promise<void> {
    try {
      for await (const event of this.push.events) {
        if (event.type !== 'handshake:error:protocol' && event.type !== 'handshake:error:other' && event.type !== 'handshake:error:auth') continue;
        const security = this.options.curveServerKey === null ? 'plain transport' : 'CURVE';
        const reason = event.type === 'handshake:error:protocol' ? event.error.code : event.error.message;
        this.options.log(
          `the security handshake with ${this.options.endpoint} failed (${reason}) using ${security}: the aggregator and every rank need the same PROV4ML_KEY_DIR and PROV4ML_INSECURE; frames stay in the spool`,
        );
        return;
      }
    } catch {
      // The socket closed: nothing left to report.
    }
  }

  private forgetPayload(frame: Outbound): void {
    if (frame.payload === undefined) return;
    frame.payload = undefined;
    this.bytesInMemory -= frame.size;
  }

  private release(upTo: number): void {
    this.acked = upTo;
    this.lastAckProgressAt = Date.now();
    let drop = 0;
    while (drop < this.outbound.length && this.outbound[drop]!.seq <= upTo) {
      this.forgetPayload(this.outbound[drop]!);
      drop++;
    }
    this.outbound.splice(0, drop);
    this.nextIndex = Math.max(0, this.nextIndex - drop);
    for (const waiter of this.ackWaiters) waiter();
    this.ackWaiters.clear();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, RESEND_AFTER_MS / 3);
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
