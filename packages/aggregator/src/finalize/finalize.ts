/**
 * Finalisation: replays what is left of each rank's frames (received log, and for `merge` the spools)
 * into the rank's summary while streaming the points into the metric CSVs (job-replay.ts), then writes
 * every rank's PROV-JSON (and DOT/SVG when the program asked) and the job's collection. Live
 * finalisation and `merge` both run this, so their files are the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  buildCollection,
  buildRankDocument,
  jobNodes,
  buildUnifiedDocument,
  COLLECTION_FILE,
  dotToSvg,
  METRICS_DIR,
  rankDocumentStem,
  toDot,
  toProvJson,
  unifiedDocumentFile,
  UserError,
  type CollectionMember,
  type JobIdentity,
  type NodeRecord,
  type RankSummary,
} from '@prov4ml/prov-core';
import { compareRanks } from '../diagnostics/ranks-compared.js';
import { rankTimingInput } from '../diagnostics/rank-inputs.js';
import type { CsvFormatPool } from '../metric-files/format-pool.js';
import { MetricFiles } from '../metric-files/metric-files.js';
import { writeRequestedPackages, type CrateWriter } from './crate-writer.js';
import { JobReplay } from './job-replay.js';
import { NO_PROGRESS, type ProgressReporter } from './progress.js';
import type { AccumulatedRank } from './rank-accumulator.js';

export interface RankSources {
  /**
   * Frame files to read in order (the received log first, then spools), each from where a replay of it
   * stopped (the live aggregator's) to its end; later copies of a seq are skipped.
   */
  files: string[];
  /** Only this sender's frames count; null: the first sender found. */
  sender: string | null;
}

export interface FinalizeInput {
  runDir: string;
  jobKey: string;
  worldSize: number;
  sources: ReadonlyMap<number, RankSources>;
  /** Also write `prov_<experiment>_unified.json`: the collection with one bundle per rank. */
  unified?: boolean;
  /** Formatters started beforehand (the live aggregator warms them up); else a pool of its own. */
  formatPool?: CsvFormatPool;
  /** What the live aggregator has replayed already (then `formatPool` is the replay's own); else a replay of its own. */
  replay?: JobReplay;
  log?: (line: string) => void;
  /** Told of each rank read and each document written (a bar on a TTY for `merge`). */
  progress?: ProgressReporter;
  /** Writes the RO-Crate and the run's zip when a rank asked for them (report's `runPackager`); without it, that is logged. */
  crateWriter?: CrateWriter;
  /** Rank documents written while the job ran: reused where still what finalisation would write. */
  early?: ReusableDocuments;
}

/** Rank documents written before finalisation (early-documents.ts). */
export interface ReusableDocuments {
  reusable(rank: number, seq: number, job: JobIdentity, node: NodeRecord | null, graphs: GraphFiles): { files: string[]; member: CollectionMember } | null;
}

export interface RankOutcome {
  rank: number;
  finished: boolean;
  points: number;
  missingFrames: number;
  lastSeenMs: number | null;
}

export interface FinalizeResult {
  runDir: string;
  jobKey: string;
  worldSize: number;
  experimentName: string;
  /** Every file written, relative to the run directory, sorted. */
  files: string[];
  ranks: RankOutcome[];
}

const DEFAULT_NAMESPACE_NAME = 'www.example.org';

export async function finalizeJob(input: FinalizeInput): Promise<FinalizeResult> {
  const { runDir, worldSize } = input;
  const log = input.log ?? (() => undefined);
  ensureDir(join(runDir, METRICS_DIR));
  const replay = input.replay ?? new JobReplay(input.jobKey, new MetricFiles(runDir, input.formatPool));
  const progress = input.progress ?? NO_PROGRESS;
  progress.addTotal(2 * worldSize);
  let ranks: AccumulatedRank[];
  try {
    for (let rank = 0; rank < worldSize; rank++) {
      await replayRank(replay, rank, input.sources.get(rank) ?? { files: [], sender: null }, log);
      progress.advance(`read rank ${rank}`);
    }
  } finally {
    ranks = await replay.finish(worldSize);
  }
  const job = jobIdentity(input, ranks);
  const { nodes, summaries } = jobNodes<RankSummary>(ranks.map((rank) => ({ job, ...rank })));
  const written = summaries.flatMap((summary) => summary.series.map((series) => series.file));
  const members: CollectionMember[] = [];
  const present = new Set(readdirSync(runDir));
  for (const summary of summaries) {
    const graphs = finalGraphs(runDir, summary, present);
    const early = input.early?.reusable(summary.rank, replay.lastSeq(summary.rank), job, summary.node ?? null, graphs) ?? null;
    const { files, member } = early ?? (await writeRankDocument(runDir, summary, graphs));
    written.push(...files);
    members.push(member);
    progress.advance(`wrote rank ${summary.rank}`);
  }
  const diagnostics = compareRanks(ranks.map((rank) => rankTimingInput(rank, replay.timing(rank.rank))));
  const collection = { job, members, ...jobSpan(summaries), diagnostics, nodes };
  writeText(join(runDir, COLLECTION_FILE), toProvJson(buildCollection(collection)));
  written.push(COLLECTION_FILE);
  if (input.unified === true) {
    const unified = unifiedDocumentFile(job.experimentName);
    writeText(join(runDir, unified), toProvJson(buildUnifiedDocument(collection, summaries)));
    written.push(unified);
  }
  written.push(...(await writeRequestedPackages(runDir, summaries, input.crateWriter, log)));
  return {
    runDir,
    jobKey: input.jobKey,
    worldSize,
    experimentName: job.experimentName,
    files: written.sort(),
    ranks: summaries.map((s) => ({
      rank: s.rank,
      finished: s.finished,
      points: s.series.reduce((sum, series) => sum + series.count, 0),
      missingFrames: s.missingFrames,
      lastSeenMs: s.lastSeenMs,
    })),
  };
}

/** Replays what `sources` hold of one rank, each file from where an earlier replay of it stopped. */
export async function replayRank(replay: JobReplay, rank: number, sources: RankSources, log: (line: string) => void): Promise<void> {
  if (sources.sender !== null) replay.expectSender(rank, sources.sender);
  for (const file of sources.files) {
    // A rank whose every append failed (a full disk) has no received log: its points are in its spool.
    if (!existsSync(file)) {
      log(`${file} does not exist; rank ${rank} has only what other files hold`);
      continue;
    }
    const end = await replay.replayFile(rank, file);
    if (end.problem !== null) log(`${file}: ${end.problem} data after byte ${end.validBytes} ignored`);
  }
}

/** The experiment names the documents: rank 0's startRun, else the lowest rank's, else the run directory's name. */
export function jobIdentity(input: Pick<FinalizeInput, 'runDir' | 'jobKey' | 'worldSize'>, ranks: readonly Pick<AccumulatedRank, 'runConfig'>[]): JobIdentity {
  const runName = basename(input.runDir);
  const config = ranks.find((rank) => rank.runConfig !== null)?.runConfig ?? null;
  return {
    jobKey: input.jobKey,
    worldSize: input.worldSize,
    experimentName: config?.experimentName ?? runName.replace(/_\d+$/, ''),
    runName,
    provUserNamespace: config?.provUserNamespace ?? DEFAULT_NAMESPACE_NAME,
  };
}

function jobSpan(summaries: readonly RankSummary[]): { startMs: number | null; endMs: number | null } {
  let startMs: number | null = null;
  let endMs: number | null = null;
  for (const s of summaries) {
    const start = s.runStart?.time ?? s.firstSeenMs;
    const end = s.runEnd?.time ?? s.lastSeenMs;
    if (start !== null && (startMs === null || start < startMs)) startMs = start;
    if (end !== null && (endMs === null || end > endMs)) endMs = end;
  }
  return { startMs, endMs };
}

/** Which renderings of a rank's document to write besides its PROV-JSON. */
export interface GraphFiles {
  createGraph: boolean;
  /** Only with createGraph: the SVG is rendered from the DOT. */
  createSvg: boolean;
}

/**
 * What the program asked for at end_run; a DOT or SVG written mid-run (log_provenance_documents) is
 * rewritten too, so that no rendering of a partial document is left beside the complete one.
 */
/** Which renderings a rank gets: asked for by its run end, or already there (`present`: the run directory's names, read once). */
export function finalGraphs(runDir: string, summary: RankSummary, present?: ReadonlySet<string>): GraphFiles {
  const stem = rankDocumentStem(summary.job.experimentName, summary.rank);
  const exists = (name: string) => (present === undefined ? existsSync(join(runDir, name)) : present.has(name));
  return {
    createGraph: summary.runEnd?.createGraph === true || exists(`${stem}.dot`),
    createSvg: summary.runEnd?.createSvg === true || exists(`${stem}.svg`),
  };
}

/** Writes a rank's `prov_<experiment>_GR<rank>.json` (and .dot, .svg), replacing earlier ones; returns their names. */
export async function writeRankDocument(runDir: string, summary: RankSummary, graphs: GraphFiles): Promise<{ files: string[]; member: CollectionMember }> {
  const stem = rankDocumentStem(summary.job.experimentName, summary.rank);
  const doc = buildRankDocument(summary);
  const json = Buffer.from(toProvJson(doc));
  writeText(join(runDir, `${stem}.json`), json);
  const files = [`${stem}.json`];
  if (graphs.createGraph) {
    const dot = toDot(doc);
    writeText(join(runDir, `${stem}.dot`), dot);
    files.push(`${stem}.dot`);
    if (graphs.createSvg) {
      writeText(join(runDir, `${stem}.svg`), await dotToSvg(dot, `${stem}.dot`));
      files.push(`${stem}.svg`);
    }
  }
  const member: CollectionMember = {
    rank: summary.rank,
    path: `${stem}.json`,
    sha256: createHash('sha256').update(json).digest('hex'),
    sizeBytes: json.length,
    finished: summary.finished,
  };
  return { files, member };
}

function ensureDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new UserError(`cannot create ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function writeText(path: string, content: string | Buffer): void {
  try {
    writeFileSync(path, content);
  } catch (error) {
    throw new UserError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
