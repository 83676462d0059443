/**
 * A rank's documents mid-run (log_provenance_documents): replayed from the rank's own frame files with
 * the replay and the document writer that finalisation and `merge` use, at the paths they use, so that
 * the job's finalisation later replaces them with the complete documents. Metric points are not
 * written: the CSVs are the aggregator's, and it may be writing them at this moment.
 */
import { join } from 'node:path';
import { DISCARDED_POINTS, JobReplay } from './job-replay.js';
import { jobIdentity, replayRank, writeRankDocument, type GraphFiles } from './finalize.js';

export interface RankDocumentsRequest extends GraphFiles {
  runDir: string;
  jobKey: string;
  worldSize: number;
  rank: number;
  /** The rank's frame files (its agent's spool), read whole. */
  files: string[];
  /** Only this sender's frames count. */
  sender: string;
}

/** Absolute paths of what was written; null for a rendering not asked for. */
export interface RankDocumentPaths {
  json: string;
  dot: string | null;
  svg: string | null;
}

export async function writeRankDocumentsNow(request: RankDocumentsRequest): Promise<RankDocumentPaths> {
  const replay = new JobReplay(request.jobKey, DISCARDED_POINTS);
  // The spool's writer may be appending a frame right now: a partial frame at its end is expected, not news.
  await replayRank(replay, request.rank, { files: request.files, sender: request.sender }, () => undefined);
  const rank = (await replay.finish(request.rank + 1))[request.rank]!;
  const { files } = await writeRankDocument(request.runDir, { job: jobIdentity(request, [rank]), ...rank }, request);
  const path = (extension: string) => {
    const name = files.find((file) => file.endsWith(extension));
    return name === undefined ? null : join(request.runDir, name);
  };
  return { json: path('.json')!, dot: path('.dot'), svg: path('.svg') };
}
