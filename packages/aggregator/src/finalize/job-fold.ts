/**
 * Folds a job's frame files into each rank's facts while streaming the points into the metric CSVs.
 *
 * `merge` folds whole files once; the live aggregator folds each rank's received log as it grows, up
 * to what is durable, so that little is left to do when the last rank ends. Each file is read on from
 * where its last fold stopped. Both read the same files through the same code, which is why a merge
 * gives the live aggregator's files.
 */
import { decodeEnvelope } from '@prov4ml/prov-core';
import { readFrameFile, type FrameFileEnd, type FrameFileRange } from '../receive/frame-file.js';
import { FileNameRegistry } from './file-names.js';
import { RankAccumulator, type PointSink, type RankFacts } from './rank-accumulator.js';

/** Where a fold's points go: the metric CSV writer, or nowhere when only the summaries are wanted. */
export interface PointWriter extends PointSink {
  /** Writes what is still gathered and waits for every write. */
  finish(): Promise<void>;
}

/**
 * For a fold that only needs the ranks' summaries (a rank's documents mid-run): the CSVs belong to
 * the aggregator, which may be writing them at that moment.
 */
export const DISCARDED_POINTS: PointWriter = {
  create: () => undefined,
  append: async () => undefined,
  finish: async () => undefined,
};

interface RankFold {
  accumulator: RankAccumulator;
  /** Only this sender's frames count; null until the first frame names one. */
  sender: string | null;
}

export class JobFold {
  readonly #jobKey: string;
  readonly #points: PointWriter;
  readonly #fileNames = new FileNameRegistry();
  readonly #ranks = new Map<number, RankFold>();
  /** Per file, the offset its folds have reached (the end of its last whole frame read). */
  readonly #foldedUpTo = new Map<string, number>();
  /** Folds run one at a time: a rank's frames must reach its accumulator in order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(jobKey: string, points: PointWriter) {
    this.#jobKey = jobKey;
    this.#points = points;
  }

  /** Counts only `sender`'s frames for `rank` (else the first sender its frames name). */
  expectSender(rank: number, sender: string): void {
    this.#rank(rank).sender ??= sender;
  }

  /** The offset of `path` that its folds have reached; 0 before the first. */
  foldedUpTo(path: string): number {
    return this.#foldedUpTo.get(path) ?? 0;
  }

  /**
   * Folds the frames of `rank` that `path` holds from where its last fold stopped up to `to` (default:
   * its end); frames of other jobs, ranks or senders, and sequence numbers already folded, are skipped.
   */
  foldFile(rank: number, path: string, to?: number): Promise<FrameFileEnd> {
    const folding = this.#queue.then(() => this.#fold(rank, path, { from: this.foldedUpTo(path), ...(to === undefined ? {} : { to }) }));
    this.#queue = folding.catch(() => undefined);
    return folding;
  }

  /** Waits for every fold, writes what the point writer still gathers, and returns each rank's facts (ranks 0…worldSize−1). */
  async finish(worldSize: number): Promise<RankFacts[]> {
    try {
      await this.#queue;
    } finally {
      await this.#points.finish();
    }
    return Array.from({ length: worldSize }, (_, rank) => this.#rank(rank).accumulator.facts());
  }

  async #fold(rank: number, path: string, range: FrameFileRange): Promise<FrameFileEnd> {
    const state = this.#rank(rank);
    const end = await readFrameFile(
      path,
      async (frames) => {
        for (const frame of frames) {
          const decoded = decodeEnvelope(frame);
          if (!decoded.ok) continue;
          const envelope = decoded.envelope;
          if (envelope.job !== this.#jobKey || envelope.rank !== rank) continue;
          state.sender ??= envelope.sender;
          if (envelope.sender !== state.sender || envelope.seq <= state.accumulator.lastSeq) continue;
          await state.accumulator.add(envelope);
        }
      },
      range,
    );
    this.#foldedUpTo.set(path, end.validBytes);
    return end;
  }

  #rank(rank: number): RankFold {
    let state = this.#ranks.get(rank);
    if (state === undefined) {
      state = { accumulator: new RankAccumulator(rank, this.#fileNames, this.#points), sender: null };
      this.#ranks.set(rank, state);
    }
    return state;
  }
}
