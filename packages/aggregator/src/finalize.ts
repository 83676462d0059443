/**
 * Finalisation: reads each rank's frames back (received log, and for `merge` the spools), folds them
 * into the rank's summary while streaming the points into the metric CSVs, then writes every rank's
 * PROV-JSON (and DOT/SVG when the program asked) and the job's collection. Live finalisation and
 * `merge` both run this, so their files are the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  buildCollection,
  buildRankDocument,
  buildUnifiedDocument,
  decodeEnvelope,
  dotToSvg,
  toDot,
  toProvJson,
  UserError,
  type CollectionMember,
  type JobIdentity,
  type RankSummary,
} from '@prov4ml/prov-core';
import { MetricCsvWriter } from './csv-writer.js';
import type { CsvFormatPool } from './format-pool.js';
import { readFrameFile } from './frame-file.js';
import { COLLECTION_FILE, FileNameRegistry, rankDocumentStem, unifiedDocumentFile } from './names.js';
import { NO_PROGRESS, type ProgressReporter } from './progress.js';
import { RankAccumulator, type RankFacts } from './rank-accumulator.js';

export interface RankSources {
  /** Frame files to read in order (the received log first, then spools); later copies of a seq are skipped. */
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
  log?: (line: string) => void;
  /** Told of each rank read and each document written (a bar on a TTY for `merge`). */
  progress?: ProgressReporter;
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
  ensureDir(join(runDir, 'metrics'));
  const csv = new MetricCsvWriter(runDir, input.formatPool);
  const fileNames = new FileNameRegistry();
  const facts: RankFacts[] = [];
  const progress = input.progress ?? NO_PROGRESS;
  progress.addTotal(2 * worldSize);
  try {
    for (let rank = 0; rank < worldSize; rank++) {
      facts.push(await readRank(rank, input.jobKey, input.sources.get(rank) ?? { files: [], sender: null }, fileNames, csv, log));
      progress.advance(`read rank ${rank}`);
    }
  } finally {
    await csv.finish();
  }
  const job = jobIdentity(input, facts);
  const summaries: RankSummary[] = facts.map((rankFacts) => ({ job, ...rankFacts }));
  const written = summaries.flatMap((summary) => summary.series.map((series) => series.file));
  const members: CollectionMember[] = [];
  for (const summary of summaries) {
    const { files, member } = await writeRankDocument(runDir, summary);
    written.push(...files);
    members.push(member);
    progress.advance(`wrote rank ${summary.rank}`);
  }
  const collection = { job, members, ...jobSpan(summaries) };
  writeText(join(runDir, COLLECTION_FILE), toProvJson(buildCollection(collection)));
  written.push(COLLECTION_FILE);
  if (input.unified === true) {
    const unified = unifiedDocumentFile(job.experimentName);
    writeText(join(runDir, unified), toProvJson(buildUnifiedDocument(collection, summaries)));
    written.push(unified);
  }
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

/** Folds one rank's frames, in sequence order, into its facts; points go to the CSV writer. */
async function readRank(
  rank: number,
  jobKey: string,
  sources: RankSources,
  fileNames: FileNameRegistry,
  csv: MetricCsvWriter,
  log: (line: string) => void,
): Promise<RankFacts> {
  const accumulator = new RankAccumulator(rank, fileNames, csv);
  let sender = sources.sender;
  for (const file of sources.files) {
    // A rank whose every append failed (a full disk) has no received log: its points are in its spool.
    if (!existsSync(file)) {
      log(`${file} does not exist; rank ${rank} has only what other files hold`);
      continue;
    }
    const end = await readFrameFile(file, async (frames) => {
      for (const frame of frames) {
        const decoded = decodeEnvelope(frame);
        if (!decoded.ok) continue;
        const envelope = decoded.envelope;
        if (envelope.job !== jobKey || envelope.rank !== rank) continue;
        sender ??= envelope.sender;
        if (envelope.sender !== sender || envelope.seq <= accumulator.lastSeq) continue;
        await accumulator.add(envelope);
      }
    });
    if (end.problem !== null) log(`${file}: ${end.problem} data after byte ${end.validBytes} ignored`);
  }
  return accumulator.facts();
}

/** The experiment names the documents: rank 0's startRun, else the lowest rank's, else the run directory's name. */
function jobIdentity(input: FinalizeInput, facts: readonly RankFacts[]): JobIdentity {
  const runName = basename(input.runDir);
  const config = facts.find((f) => f.runConfig !== null)?.runConfig ?? null;
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

async function writeRankDocument(runDir: string, summary: RankSummary): Promise<{ files: string[]; member: CollectionMember }> {
  const stem = rankDocumentStem(summary.job.experimentName, summary.rank);
  const doc = buildRankDocument(summary);
  const json = Buffer.from(toProvJson(doc));
  writeText(join(runDir, `${stem}.json`), json);
  const files = [`${stem}.json`];
  if (summary.runEnd?.createGraph === true) {
    const dot = toDot(doc);
    writeText(join(runDir, `${stem}.dot`), dot);
    files.push(`${stem}.dot`);
    if (summary.runEnd.createSvg) {
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
