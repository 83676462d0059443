import { encodeEnvelope, PROTOCOL_VERSION, type EnvelopeRecord } from '@prov4ml/prov-core';
import { MAX_UNSPOOLED_BYTES_IN_MEMORY } from '../config/limits.js';
import { Sender, type SenderTarget } from './sender.js';
import { Spool } from './spool.js';

/** What every envelope of one sender says about where it comes from. */
export interface EnvelopeSource {
  job: string;
  rank: number;
  worldSize: number;
  /** This agent's sender id (acks are addressed to it). */
  sender: string;
  runDir: string;
}

export interface FramePipelineOptions {
  spoolPath: string;
  source: EnvelopeSource;
  log: (line: string) => void;
  /** Test hooks; the named limits of config/limits.ts otherwise. */
  ringBytes?: number;
  maxUnspooledBytes?: number;
  resendAfterMs?: number;
}

/** A sealed frame the relay has not yet handed to the sender. */
interface Sealed {
  seq: number;
  payload: Uint8Array;
  /** Where its spool copy ends; -1: it has none (the spool refused it). */
  end: number;
}

/**
 * Sealed records on their way to the aggregator: numbers them, spools each frame, and hands it to the
 * sender once the spool's writer has put it in the file (a frame is never sent before it can be
 * replayed). The sender re-reads from the spool what it did not keep.
 *
 * It exists as soon as the run directory (so the spool) does; the aggregator's link comes later
 * (`connect`), and until then frames wait in the sender's bounded queue. A frame the spool refuses
 * (ENOSPC) is sent from memory and kept there until acknowledged, up to MAX_UNSPOOLED_BYTES_IN_MEMORY;
 * records sealed past that are dropped unnumbered and counted (`droppedFrames`).
 */
export class FramePipeline {
  private readonly spool: Spool;
  private readonly sender: Sender;
  private readonly awaiting: Sealed[] = [];
  private readonly maxUnspooledBytes: number;
  private seq = 0;
  private dropped = 0;

  constructor(private readonly options: FramePipelineOptions) {
    this.maxUnspooledBytes = options.maxUnspooledBytes ?? MAX_UNSPOOLED_BYTES_IN_MEMORY;
    this.spool = Spool.open({
      path: options.spoolPath,
      onPersisted: () => this.relay(),
      onFailure: () => this.relay(),
      log: options.log,
      ...(options.ringBytes === undefined ? {} : { ringBytes: options.ringBytes }),
    });
    this.sender = new Sender({
      senderId: options.source.sender,
      source: this.spool,
      log: options.log,
      ...(options.resendAfterMs === undefined ? {} : { resendAfterMs: options.resendAfterMs }),
    });
  }

  get spoolPath(): string {
    return this.spool.path;
  }

  /** Why the spool stopped taking frames (ENOSPC…); undefined while it takes them all (Spool.writeFailure). */
  spoolFailure(): string | undefined {
    return this.spool.writeFailure();
  }

  /** Sequence number of the last frame sealed (0: none yet). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Frames sealed past MAX_UNSPOOLED_BYTES_IN_MEMORY and dropped: their records exist nowhere. */
  get droppedFrames(): number {
    return this.dropped;
  }

  /**
   * Seals `records` into the next numbered envelope and spools it. Never throws for the disk: a frame
   * the spool refuses goes on from memory (bounded; see the class).
   */
  seal(records: EnvelopeRecord[]): void {
    const seq = this.seq + 1;
    const { source } = this.options;
    const payload = encodeEnvelope({
      v: PROTOCOL_VERSION,
      job: source.job,
      rank: source.rank,
      worldSize: source.worldSize,
      sender: source.sender,
      seq,
      sent: Date.now(),
      runDir: source.runDir,
      records,
    });
    let end = -1;
    if (this.spool.writeFailure() === undefined) {
      try {
        const location = this.spool.appendFrame(seq, payload);
        end = location.offset + location.length;
      } catch {
        // The spool has said why, once; the frame goes on from memory.
      }
    }
    if (end < 0 && !this.roomForUnspooled(payload.length)) return;
    this.seq = seq;
    this.awaiting.push({ seq, payload, end });
    if (end < 0) this.relay();
  }

  /** Tells the pipeline where the aggregator is; frames queued so far go out now. */
  connect(target: SenderTarget): void {
    this.sender.connect(target);
  }

  /** Resolves once every frame sealed so far is in the spool file (or the spool failed) and handed on. */
  async persisted(): Promise<void> {
    await this.spool.flushed();
    this.relay();
  }

  /** True once the aggregator accepted the sender's connection. */
  get aggregatorReached(): boolean {
    return this.sender.reachedAggregator;
  }

  /** True once the aggregator has acknowledged every frame sealed so far; false after `timeoutMs`. */
  delivered(timeoutMs: number): Promise<boolean> {
    return this.sender.waitForAck(this.seq, timeoutMs);
  }

  /** Closes the sockets and the spool (after its writer has put everything queued in the file). Idempotent. */
  async close(): Promise<void> {
    await this.sender.close();
    await this.spool.close();
  }

  /**
   * Hands the sender, in sequence order, every frame the file now holds; once the spool has failed,
   * also those it will never hold (pinned in memory: they may exceed the unspooled bound by at most the
   * ring's content, as they were numbered before the failure was known).
   */
  private relay(): void {
    const persisted = this.spool.persistedBytes();
    const failed = this.spool.writeFailure() !== undefined;
    while (this.awaiting.length > 0) {
      const frame = this.awaiting[0]!;
      const spooled = frame.end >= 0 && frame.end <= persisted;
      if (!spooled && frame.end >= 0 && !failed) return;
      this.awaiting.shift();
      this.sender.enqueue(frame.seq, frame.payload, spooled);
    }
  }

  private roomForUnspooled(bytes: number): boolean {
    const waiting = this.awaiting.reduce((sum, frame) => sum + (frame.end < 0 ? frame.payload.length : 0), 0);
    if (this.sender.pinnedBytes + waiting + bytes <= this.maxUnspooledBytes) return true;
    if (this.dropped++ === 0) {
      this.options.log(
        `the spool stopped taking frames (${this.spool.writeFailure() ?? 'write failed'}) and ${this.sender.pinnedBytes + waiting} bytes of frames wait in memory ` +
          `for the aggregator's confirmation (MAX_UNSPOOLED_BYTES_IN_MEMORY): records sealed from now on while it is full are dropped (counted at shutdown)`,
      );
    }
    return false;
  }
}
