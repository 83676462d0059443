/**
 * Replays a job's frame files (received logs, spools) into each rank's accumulator while streaming the
 * points into the metric CSVs. "Replay", not "fold": a fold is the user's fold operation
 * (register_final_metric); this reads frames already on disk back, in order, as the tracker's replay does.
 *
 * `merge` replays whole files once; the live aggregator replays each rank's received log as it grows,
 * up to what is durable, so that little is left to do when the last rank ends. Each file is read on
 * from where its last replay stopped. Both read the same files through the same code, which is why a
 * merge gives the live aggregator's files.
 */
import { decodeEnvelope, framedLength } from '@prov4ml/prov-core';
import { countsFrame } from '../receive/counted-frames.js';
import { readFrameFile, type FrameFileEnd, type FrameFileRange } from '../receive/frame-file.js';
import { FileNameRegistry } from './file-names.js';
import { RankAccumulator, type AccumulatedRank, type PointSink, type RankTiming } from './rank-accumulator.js';

/** Where a replay's points go: the metric CSV writer, or nowhere when only the summaries are wanted. */
export interface PointWriter extends PointSink {
  /** Writes what is still gathered and waits for every write. */
  finish(): Promise<void>;
}

/**
 * For a replay that only needs the ranks' summaries (a rank's documents mid-run): the CSVs belong to
 * the aggregator, which may be writing them at that moment.
 */
export const DISCARDED_POINTS: PointWriter = {
  create: () => undefined,
  append: async () => undefined,
  finish: async () => undefined,
};

interface RankReplay {
  accumulator: RankAccumulator;
  /** Only this sender's frames count; null until the first frame names one. */
  sender: string | null;
}

export interface JobReplayOptions {
  /**
   * For a file this process wrote (the live aggregator's received logs): the offset from which its
   * frames are ones this process validated when they arrived; they are decoded without the checks
   * again. Absent (merge, documents mid-run): every frame is untrusted and fully validated.
   */
  validatedFrom?: (path: string) => number | undefined;
  /** Told where and why a live pass (replayLive) stopped before a frame, to read it again later. */
  onLiveStop?: (path: string, offset: number, reason: string) => void;
}

export class JobReplay {
  readonly #jobKey: string;
  readonly #points: PointWriter;
  readonly #validatedFrom: JobReplayOptions['validatedFrom'];
  readonly #onLiveStop: JobReplayOptions['onLiveStop'];
  readonly #fileNames = new FileNameRegistry();
  readonly #ranks = new Map<number, RankReplay>();
  /** Per file, the offset its replays have reached (the end of its last whole frame read). */
  readonly #replayedUpTo = new Map<string, number>();
  /** Replays run one at a time: a rank's frames must reach its accumulator in order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(jobKey: string, points: PointWriter, options: JobReplayOptions = {}) {
    this.#jobKey = jobKey;
    this.#points = points;
    this.#validatedFrom = options.validatedFrom;
    this.#onLiveStop = options.onLiveStop;
  }

  /** Counts only `sender`'s frames for `rank` (else the first sender its frames name). */
  expectSender(rank: number, sender: string): void {
    this.#rank(rank).sender ??= sender;
  }

  /** The offset of `path` that its replays have reached; 0 before the first. */
  replayedUpTo(path: string): number {
    return this.#replayedUpTo.get(path) ?? 0;
  }

  /**
   * Replays the frames of `rank` that `path` holds from where its last replay stopped up to `to`
   * (default: its end); frames that do not count (countsFrame) are skipped.
   */
  replayFile(rank: number, path: string, to?: number): Promise<FrameFileEnd> {
    return this.#enqueue(() => this.#replay(rank, path, { from: this.replayedUpTo(path), ...(to === undefined ? {} : { to }) }, false));
  }

  /**
   * A pass of the live aggregator over a rank's received log while it grows, up to `to` (what is
   * durable): only frames that continue the rank are taken — whole, of its job and sender, seq one above
   * the last. Such a log holds nothing else (job-tracker.ts), so a frame that does not continue it was
   * read before its bytes were final; the pass stops before it (`onLiveStop`), and the next pass, or
   * finalisation reading the final bytes, reads it again. Skipping it instead (as replayFile does with
   * what does not count) would lose it from the live files although the log holds it.
   */
  replayLive(rank: number, path: string, to: number): Promise<FrameFileEnd> {
    return this.#enqueue(() => this.#replay(rank, path, { from: this.replayedUpTo(path), to }, true));
  }

  /** Waits for every replay, writes what the point writer still gathers, and returns what each rank accumulated (ranks 0…worldSize−1). */
  async finish(worldSize: number): Promise<AccumulatedRank[]> {
    try {
      await this.#queue;
    } finally {
      await this.#points.finish();
    }
    return Array.from({ length: worldSize }, (_, rank) => this.#rank(rank).accumulator.accumulated());
  }

  /** What the diagnostics need of `rank` beyond its summary; call after {@link finish}. */
  /** Whether the rank's run end has been replayed. */
  ended(rank: number): boolean {
    return this.#ranks.get(rank)?.accumulator.ended === true;
  }

  lastSeq(rank: number): number {
    return this.#ranks.get(rank)?.accumulator.lastSeq ?? 0;
  }

  /** The rank as replayed so far. */
  accumulated(rank: number): AccumulatedRank {
    return this.#rank(rank).accumulator.accumulated();
  }

  timing(rank: number): RankTiming {
    return this.#rank(rank).accumulator.timing();
  }

  #enqueue(replay: () => Promise<FrameFileEnd>): Promise<FrameFileEnd> {
    const replaying = this.#queue.then(replay);
    this.#queue = replaying.catch(() => undefined);
    return replaying;
  }

  async #replay(rank: number, path: string, range: FrameFileRange, live: boolean): Promise<FrameFileEnd> {
    const state = this.#rank(rank);
    const validatedFrom = this.#validatedFrom?.(path) ?? Number.POSITIVE_INFINITY;
    let at = range.from ?? 0;
    const end = await readFrameFile(
      path,
      async (frames) => {
        for (const [index, frame] of frames.entries()) {
          const decoded = decodeEnvelope(frame, { received: at >= validatedFrom });
          const envelope = decoded.ok && decoded.envelope.rank === rank ? decoded.envelope : null;
          if (envelope !== null) state.sender ??= envelope.sender;
          const counts = envelope !== null && countsFrame(envelope, this.#jobKey, state.sender!, state.accumulator.lastSeq);
          if (live && (!counts || envelope!.seq !== state.accumulator.lastSeq + 1)) {
            const reason = !decoded.ok ? `${decoded.cause}: ${decoded.detail}` : envelope === null ? `a frame of rank ${decoded.envelope.rank}` : `seq ${envelope.seq} after ${state.accumulator.lastSeq}`;
            this.#onLiveStop?.(path, at, reason);
            return index;
          }
          at += framedLength(frame.length);
          if (counts) await state.accumulator.add(envelope!);
        }
        return frames.length;
      },
      range,
    );
    this.#replayedUpTo.set(path, end.validBytes);
    return end;
  }

  #rank(rank: number): RankReplay {
    let state = this.#ranks.get(rank);
    if (state === undefined) {
      state = { accumulator: new RankAccumulator(rank, this.#fileNames, this.#points), sender: null };
      this.#ranks.set(rank, state);
    }
    return state;
  }
}
