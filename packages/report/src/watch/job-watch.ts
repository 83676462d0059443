/**
 * Follows a run directory the way the aggregator leaves it on the shared filesystem: each
 * `.aggregator/GR<r>.log` is read from where the last refresh stopped, so a refresh decodes only the
 * frames that arrived since (a torn tail is read again next time, once complete). Reads only: it opens
 * no socket and writes nothing, so the job cannot notice it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTION_FILE, RECEIVED_LOG_DIR, decodeEnvelope, rankOfReceivedLog, receivedLogPath } from '@prov4ml/prov-core';
import { readFrameFile } from '@prov4ml/aggregator';
import { RankWatch } from './rank-watch.js';

interface LogTail {
  offset: number;
  /** When the aggregator last appended to the log (its file's mtime): when the rank was last heard. */
  heardMs: number;
}

export class JobWatch {
  readonly ranks = new Map<number, RankWatch>();
  readonly #tails = new Map<number, LogTail>();
  /** True once `prov_collection.json` exists: the aggregator finalised the job. */
  finalised = false;
  /** Frames that did not decode (a log another version wrote, or damaged): counted, skipped. */
  badFrames = 0;

  /** `stepClocks`: keep each rank's step clock, for "Ranks compared" (one read, as `--once` does). */
  constructor(readonly runDir: string, readonly options: { stepClocks: boolean } = { stepClocks: false }) {}

  /** Reads what the logs gained since the last call. */
  async refresh(): Promise<void> {
    // Looked at before the logs: the collection is written after every log is complete, so once it is
    // seen here, this refresh reads every frame there will ever be.
    const finalised = existsSync(join(this.runDir, COLLECTION_FILE));
    for (const rank of this.#logRanks()) await this.#readLog(rank);
    this.finalised = finalised;
  }

  /** When the rank's log last grew (epoch ms); null before it has one. */
  heardMs(rank: number): number | null {
    return this.#tails.get(rank)?.heardMs ?? null;
  }

  #logRanks(): number[] {
    let names: string[];
    try {
      names = readdirSync(join(this.runDir, RECEIVED_LOG_DIR));
    } catch {
      return [];
    }
    return names.map(rankOfReceivedLog).filter((rank): rank is number => rank !== null).sort((a, b) => a - b);
  }

  async #readLog(rank: number): Promise<void> {
    const path = receivedLogPath(this.runDir, rank);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return;
    let tail = this.#tails.get(rank);
    if (tail === undefined) {
      tail = { offset: 0, heardMs: stat.mtimeMs };
      this.#tails.set(rank, tail);
    }
    tail.heardMs = stat.mtimeMs;
    if (stat.size <= tail.offset) return;
    let watch = this.ranks.get(rank);
    if (watch === undefined) {
      watch = new RankWatch(rank, { stepClock: this.options.stepClocks });
      this.ranks.set(rank, watch);
    }
    const target = watch;
    const end = await readFrameFile(path, (frames) => {
      for (const frame of frames) {
        const decoded = decodeEnvelope(frame, { received: true });
        if (decoded.ok) target.add(decoded.envelope);
        else this.badFrames++;
      }
    }, { from: tail.offset, to: stat.size });
    tail.offset = end.validBytes;
  }
}
