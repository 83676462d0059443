/**
 * Which frames the aggregator accepts, and when the job is complete. Pure bookkeeping (no I/O): the
 * aggregator offers each decoded frame and appends what comes back, in order, to the received log.
 *
 * A rank's frames are released strictly in sequence order, so the received log of a rank is always the
 * gap-free prefix 1..n of its sender's frames: acks are that n, replay is a plain read, and a frame
 * that arrives early waits (bounded) for the ones before it.
 */
import type { DropCause, Envelope } from '@prov4ml/prov-core';
import { MAX_HELD_BYTES, MAX_SEQ_AHEAD } from '../limits.js';
import { uncountedCause } from './counted-frames.js';

export interface TrackerOptions {
  jobKey?: string;
  worldSize?: number;
}

/** A frame ready for the received log. */
export interface AcceptedFrame {
  rank: number;
  seq: number;
  payload: Uint8Array;
}

export type Offer =
  | { accepted: true; frames: AcceptedFrame[] }
  | { accepted: false; cause: DropCause; detail: string };

interface RankTrack {
  sender: string;
  /** Highest seq released to the log (written or about to be). */
  releasedUpTo: number;
  /** Highest seq known to be on disk: what acks say. */
  durableUpTo: number;
  /** Early frames waiting for the gap before them, by seq. */
  held: Map<number, AcceptedFrame>;
  /** Seq of the frame that carried the run end, once seen. */
  endSeq: number | null;
  /** Aggregator clock (ms) when this rank was last heard from. */
  lastHeardAt: number;
}

export class JobTracker {
  #jobKey: string | null;
  #worldSize: number | null;
  #startedAt: number | null = null;
  readonly #ranks = new Map<number, RankTrack>();
  #completeRanks = 0;
  #heldBytes = 0;

  constructor(options: TrackerOptions) {
    this.#jobKey = options.jobKey ?? null;
    this.#worldSize = options.worldSize ?? null;
  }

  get jobKey(): string | null {
    return this.#jobKey;
  }

  get worldSize(): number | null {
    return this.#worldSize;
  }

  /** The sender whose frames a rank's log holds, if any frame of the rank was accepted. */
  senderOf(rank: number): string | null {
    return this.#ranks.get(rank)?.sender ?? null;
  }

  /** Checks a decoded frame against the job and the rank's sequence; returns what may now be logged. */
  offer(envelope: Envelope, payload: Uint8Array, now: number): Offer {
    const identity = this.#checkIdentity(envelope);
    if (identity !== null) return identity;
    this.#startedAt ??= now;
    const track = this.#track(envelope, now);
    // The identity check above has settled the job; what is left of the rule is the sender and the seq.
    const cause = uncountedCause(envelope, this.#jobKey!, track.sender, track.releasedUpTo);
    if (cause === 'sender_changed') {
      return { accepted: false, cause, detail: `rank ${envelope.rank} is sender ${track.sender}, not ${envelope.sender}` };
    }
    track.lastHeardAt = now;
    const { seq } = envelope;
    if (cause !== null || track.held.has(seq)) return { accepted: false, cause: 'duplicate', detail: `rank ${envelope.rank} seq ${seq}` };
    const early = seq !== track.releasedUpTo + 1;
    if (seq > track.releasedUpTo + MAX_SEQ_AHEAD || (early && this.#heldBytes + payload.length > MAX_HELD_BYTES)) {
      return { accepted: false, cause: 'seq_too_far_ahead', detail: `rank ${envelope.rank} seq ${seq} while expecting ${track.releasedUpTo + 1}` };
    }
    if (envelope.records.some((record) => record.kind === 'run_end')) track.endSeq = seq;
    const frame: AcceptedFrame = { rank: envelope.rank, seq, payload };
    if (early) {
      track.held.set(seq, frame);
      this.#heldBytes += payload.length;
      return { accepted: true, frames: [] };
    }
    const frames = [frame];
    track.releasedUpTo = seq;
    for (let next = track.held.get(seq + 1); next !== undefined; next = track.held.get(track.releasedUpTo + 1)) {
      track.held.delete(next.seq);
      this.#heldBytes -= next.payload.length;
      frames.push(next);
      track.releasedUpTo = next.seq;
    }
    return { accepted: true, frames };
  }

  /**
   * Rebuilds the state from a frame of an existing received log (restart after a crash). Returns false
   * for a frame that does not continue the log (another job, another sender, a gap): it is ignored.
   */
  replay(envelope: Envelope, now: number): boolean {
    if (this.#checkIdentity(envelope) !== null) return false;
    this.#startedAt ??= now;
    const track = this.#track(envelope, now);
    if (uncountedCause(envelope, this.#jobKey!, track.sender, track.releasedUpTo) !== null || envelope.seq !== track.releasedUpTo + 1) return false;
    track.releasedUpTo = envelope.seq;
    if (envelope.records.some((record) => record.kind === 'run_end')) track.endSeq = envelope.seq;
    this.markDurable(envelope.rank, envelope.seq);
    return true;
  }

  /** Records that a rank's frames up to `upTo` are on disk. */
  markDurable(rank: number, upTo: number): void {
    const track = this.#ranks.get(rank);
    if (track === undefined || upTo <= track.durableUpTo) return;
    const wasComplete = isComplete(track);
    track.durableUpTo = upTo;
    if (!wasComplete && isComplete(track)) this.#completeRanks++;
  }

  /**
   * Forgets released frames that never reached the disk (a failed append): their senders resend
   * them, and they must then be accepted again rather than taken for duplicates. The caller drops the
   * rank's released frames not yet written as well: written, they would follow a gap.
   */
  rollBack(rank: number): void {
    const track = this.#ranks.get(rank);
    if (track !== undefined) track.releasedUpTo = track.durableUpTo;
  }

  /** Ranks heard from so far, with their senders (for acks). */
  senders(): [rank: number, sender: string][] {
    return [...this.#ranks].map(([rank, track]) => [rank, track.sender]);
  }

  /** What an ack for this rank's sender may say now. */
  durableUpTo(rank: number): number {
    return this.#ranks.get(rank)?.durableUpTo ?? 0;
  }

  /**
   * True when every rank has ended with all its frames on disk, or has been silent for `rankTimeoutMs`
   * (a rank never heard from counts as silent since the job's first frame).
   */
  isFinished(now: number, rankTimeoutMs: number): boolean {
    if (this.#worldSize === null || this.#startedAt === null) return false;
    if (this.#completeRanks === this.#worldSize) return true;
    for (let rank = 0; rank < this.#worldSize; rank++) {
      const track = this.#ranks.get(rank);
      if (track !== undefined && isComplete(track)) continue;
      if (now - (track?.lastHeardAt ?? this.#startedAt) < rankTimeoutMs) return false;
    }
    return true;
  }

  #checkIdentity(envelope: Envelope): Offer | null {
    this.#jobKey ??= envelope.job;
    this.#worldSize ??= envelope.worldSize;
    if (envelope.job !== this.#jobKey) return { accepted: false, cause: 'wrong_job', detail: `job ${envelope.job}, expected ${this.#jobKey}` };
    if (envelope.worldSize !== this.#worldSize) {
      return { accepted: false, cause: 'wrong_world_size', detail: `world size ${envelope.worldSize}, expected ${this.#worldSize}` };
    }
    return null;
  }

  #track(envelope: Envelope, now: number): RankTrack {
    let track = this.#ranks.get(envelope.rank);
    if (track === undefined) {
      track = { sender: envelope.sender, releasedUpTo: 0, durableUpTo: 0, held: new Map(), endSeq: null, lastHeardAt: now };
      this.#ranks.set(envelope.rank, track);
    }
    return track;
  }
}

function isComplete(track: RankTrack): boolean {
  return track.endSeq !== null && track.durableUpTo >= track.endSeq;
}
