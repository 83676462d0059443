/**
 * `prov4ml merge <run dir>`: rebuilds every rank's document, the metric CSVs and the collection from
 * what is on disk — the agents' spools and, when an aggregator ran, its received logs — exactly as a
 * live aggregator finalises them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeEnvelope, RECEIVED_LOG_DIR, rankOfReceivedLog, rankOfSpoolFile, SPOOL_DIR, UserError, type Envelope } from '@prov4ml/prov-core';
import { finalizeJob, type FinalizeResult, type RankSources } from '../finalize/finalize.js';
import { readFirstFrame } from '../receive/frame-file.js';
import type { ProgressReporter } from '../finalize/progress.js';
import type { CrateWriter } from '../finalize/crate-writer.js';

export interface MergeOptions {
  /** Ranks of the job; else what the frames say. */
  worldSize?: number;
  /** The job to rebuild; else the job of the lowest rank's first frame. */
  jobKey?: string;
  /** Also write the unified document (the collection with one bundle per rank). */
  unified?: boolean;
  log?: (line: string) => void;
  progress?: ProgressReporter;
  /** Writes the RO-Crate and the run's zip when a rank asked for them at its run end. */
  crateWriter?: CrateWriter;
}

interface FrameFile {
  path: string;
  first: Envelope;
}

export async function mergeRunDir(runDir: string, options: MergeOptions = {}): Promise<FinalizeResult> {
  const dir = resolve(runDir);
  const isDirectory = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDirectory) throw new UserError(`run directory ${runDir} does not exist or is not a directory`);
  const logs = await frameFiles(join(dir, RECEIVED_LOG_DIR), rankOfReceivedLog);
  const spools = await frameFiles(join(dir, SPOOL_DIR), rankOfSpoolFile);
  const firsts = [...logs.values(), ...spools.values()].flat().sort((a, b) => a.first.rank - b.first.rank);
  const reference = firsts.find((file) => options.jobKey === undefined || file.first.job === options.jobKey);
  if (reference === undefined) {
    throw new UserError(`run directory ${runDir} has no spool or received-log frames${options.jobKey === undefined ? '' : ` of job ${options.jobKey}`} to merge`);
  }
  const jobKey = options.jobKey ?? reference.first.job;
  const worldSize = options.worldSize ?? reference.first.worldSize;
  const sources = new Map<number, RankSources>();
  for (let rank = 0; rank < worldSize; rank++) {
    const log = (logs.get(rank) ?? []).filter((file) => file.first.job === jobKey);
    // Several spools for one rank (a restarted agent): the received log's sender, else the earliest, wins.
    const rankSpools = (spools.get(rank) ?? []).filter((file) => file.first.job === jobKey).sort((a, b) => a.first.sent - b.first.sent);
    const files = [...log, ...rankSpools];
    if (files.length > 0) sources.set(rank, { files: files.map((file) => file.path), sender: files[0]!.first.sender });
  }
  return finalizeJob({ runDir: dir, jobKey, worldSize, sources, unified: options.unified, log: options.log, progress: options.progress, crateWriter: options.crateWriter });
}

/** Frame files of a directory by rank, each with its first valid envelope; a missing directory has none. */
async function frameFiles(dir: string, rankOf: (name: string) => number | null): Promise<Map<number, FrameFile[]>> {
  const byRank = new Map<number, FrameFile[]>();
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new UserError(`cannot read ${dir}: ${error.code ?? String(error)}`);
  });
  for (const name of names.sort()) {
    const rank = rankOf(name);
    if (rank === null) continue;
    const path = join(dir, name);
    const payload = readFirstFrame(path);
    const decoded = payload === null ? null : decodeEnvelope(payload);
    if (decoded === null || !decoded.ok || decoded.envelope.rank !== rank) continue;
    const files = byRank.get(rank) ?? [];
    files.push({ path, first: decoded.envelope });
    byRank.set(rank, files);
  }
  return byRank;
}
