/**
 * Rank documents written while the job still runs: once a rank's run end has been replayed, its
 * document is written then, so finalising 16,384 ranks writes the collection and only the ranks that
 * changed since, not every rank's document after the last one ends. A document is reused at
 * finalisation only when what it was built from is the same (the job's identity, the rank's last
 * frame, its node's record, the renderings asked for); else finalisation writes it again, as it would
 * have anyway. A node's record comes from its local rank 0 only, which may end after the node's other
 * ranks or describe the node late: a document written before the record arrived names the node
 * without its facts, and is written again at finalisation.
 */
import { nodeRecordOf, type CollectionMember, type JobIdentity, type NodeRecord, type RunConfigRecord } from '@prov4ml/prov-core';
import { finalGraphs, jobIdentity, writeRankDocument, type GraphFiles } from './finalize.js';
import type { JobReplay } from './job-replay.js';

interface WrittenDocument {
  key: string;
  files: string[];
  member: CollectionMember;
}

export interface EarlyDocumentsJob {
  runDir: string;
  jobKey: string;
  worldSize: number;
}

export class EarlyRankDocuments {
  readonly #job: EarlyDocumentsJob;
  readonly #written = new Map<number, WrittenDocument>();
  /** The lowest ended rank's run config: the job identity finalisation derives, unless a lower rank brings another. */
  #config: { rank: number; runConfig: RunConfigRecord } | null = null;
  /** The node records replayed so far, by node name (finalisation gives each rank its node's: jobNodes). */
  readonly #nodes = new Map<string, NodeRecord>();

  constructor(job: EarlyDocumentsJob) {
    this.#job = job;
  }

  /** Writes the rank's document if its run has ended and it was not written at its current last frame. */
  async offer(replay: JobReplay, rank: number): Promise<void> {
    const accumulated = replay.accumulated(rank);
    if (accumulated.node != null) this.#nodes.set(accumulated.node.nodeName, accumulated.node);
    if (!replay.ended(rank)) return;
    const seq = replay.lastSeq(rank);
    if (this.#written.get(rank)?.key.startsWith(`${seq}\u0000`) === true) return;
    if (accumulated.runConfig !== null && (this.#config === null || rank < this.#config.rank)) this.#config = { rank, runConfig: accumulated.runConfig };
    const job = jobIdentity(this.#job, this.#config === null ? [] : [this.#config]);
    const node = nodeRecordOf(accumulated.runStart, this.#nodes) ?? null;
    const summary = { job, ...accumulated, node };
    const graphs = finalGraphs(this.#job.runDir, summary);
    try {
      const written = await writeRankDocument(this.#job.runDir, summary, graphs);
      this.#written.set(rank, { key: documentKey(seq, job, node, graphs), ...written });
    } catch {
      // Not recorded, so finalisation writes it again and reports what still fails.
      this.#written.delete(rank);
    }
  }

  /** What was written for the rank, if it was built from the same identity, last frame, node record and renderings. */
  reusable(rank: number, seq: number, job: JobIdentity, node: NodeRecord | null, graphs: GraphFiles): { files: string[]; member: CollectionMember } | null {
    const written = this.#written.get(rank);
    return written !== undefined && written.key === documentKey(seq, job, node, graphs) ? written : null;
  }
}

function documentKey(seq: number, job: JobIdentity, node: NodeRecord | null, graphs: GraphFiles): string {
  return `${seq}\u0000${JSON.stringify([job, node, graphs.createGraph, graphs.createSvg])}`;
}
