/**
 * `prov4ml collection`: the collection of the rank documents found in a directory. For documents
 * prov4ml wrote, the job's collection (job activity, run activities); for the original's G1/G3 files,
 * a collection that lists them (rank when the name carries one, path, sha256, size).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import {
  buildCollection,
  buildFileCollection,
  COLLECTION_FILE,
  MAX_INPUT_TEXT_BYTES,
  toProvJson,
  UserError,
  type CollectionMember,
  type JobIdentity,
} from '@prov4ml/prov-core';

export interface DirectoryCollectionOptions {
  /** Directory holding the rank documents (a run directory). */
  experimentPath: string;
  /** Where `prov_collection.json` is written. */
  outputDir: string;
}

export interface DirectoryCollectionResult {
  path: string;
  members: number;
  /** True when the documents are prov4ml's and the job's collection was built. */
  job: boolean;
}

/** prov4ml's `prov_<exp>_GR<r>.json`, G3's `prov_<exp>_GR<r>_<run>.json`, G1/G2's `provgraph_<exp>[_GR<r>].json`. */
const OURS = /^prov_.+_GR(\d+)\.json$/;
const ORIGINAL = /^(?:prov_.+_GR(\d+)_\d+|provgraph_.+?(?:_GR(\d+))?)\.json$/;

/** A file name that is a rank document: its rank (null for the original's rank-0 `provgraph_<exp>.json`), and whether prov4ml wrote it. */
export function rankDocumentName(name: string): { rank: number | null; ours: boolean } | null {
  const ours = OURS.exec(name);
  const original = ours === null ? ORIGINAL.exec(name) : null;
  if (ours === null && original === null) return null;
  const rankText = ours?.[1] ?? original?.[1] ?? original?.[2];
  return { rank: rankText === undefined ? null : Number(rankText), ours: ours !== null };
}

interface Found {
  path: string;
  rank: number | null;
  ours: boolean;
  bytes: Buffer;
}

export async function writeDirectoryCollection(options: DirectoryCollectionOptions): Promise<DirectoryCollectionResult> {
  const dir = resolve(options.experimentPath);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`--experiment_path ${options.experimentPath}: ${error.code === 'ENOENT' ? 'no such directory' : (error.code ?? String(error))}`);
  });
  const found: Found[] = [];
  for (const name of names.sort()) {
    const document = rankDocumentName(name);
    if (document === null) continue;
    const path = join(dir, name);
    found.push({ path, ...document, bytes: await readDocument(path) });
  }
  if (found.length === 0) throw new UserError(`--experiment_path ${options.experimentPath}: no PROV documents (prov_*_GR<rank>.json or provgraph_*.json) in it`);
  const outputDir = resolve(options.outputDir);
  await mkdir(outputDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`--output_dir ${options.outputDir}: cannot create it: ${error.code ?? String(error)}`);
  });
  const job = found.every((file) => file.ours) ? jobOf(found) : null;
  const members: CollectionMember[] = found.map((file) => ({
    rank: file.rank,
    path: relative(outputDir, file.path),
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    sizeBytes: file.bytes.length,
    ...(job !== null ? { finished: job.finished.get(file.path) ?? false } : {}),
  }));
  const doc = job !== null ? buildCollection({ job: job.identity, members, startMs: job.startMs, endMs: job.endMs }) : buildFileCollection(basename(dir), members);
  const path = join(outputDir, COLLECTION_FILE);
  await writeFile(path, toProvJson(doc)).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`--output_dir ${options.outputDir}: cannot write ${COLLECTION_FILE}: ${error.code ?? String(error)}`);
  });
  return { path, members: members.length, job: job !== null };
}

export async function readDocument(path: string): Promise<Buffer> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${path}: ${error.code ?? String(error)}`);
  });
  if (bytes.length > MAX_INPUT_TEXT_BYTES) throw new UserError(`${path} is ${bytes.length} bytes, over the limit of ${MAX_INPUT_TEXT_BYTES}`);
  return bytes;
}

interface JobFacts {
  identity: JobIdentity;
  finished: Map<string, boolean>;
  startMs: number | null;
  endMs: number | null;
}

/** The job as prov4ml's rank documents describe it (their LearningStage entity and LearningExecution activity); null if they do not agree. */
function jobOf(found: readonly Found[]): JobFacts | null {
  let identity: JobIdentity | null = null;
  const finished = new Map<string, boolean>();
  let startMs: number | null = null;
  let endMs: number | null = null;
  for (const file of found) {
    let json: unknown;
    try {
      json = JSON.parse(file.bytes.toString('utf8'));
    } catch {
      return null;
    }
    const stage = recordOfType(json, 'entity', 'LearningStage');
    const execution = recordOfType(json, 'activity', 'LearningExecution');
    if (stage === null || execution === null) return null;
    const current: JobIdentity = {
      jobKey: String(stage['prov-ml:job_id'] ?? ''),
      worldSize: Number(literalText(stage['prov-ml:world_size'])),
      experimentName: String(stage['prov-ml:experiment_name'] ?? ''),
      runName: String(stage['prov-ml:run_name'] ?? ''),
      provUserNamespace: String(stage['prov-ml:user_namespace'] ?? ''),
    };
    if (!Number.isInteger(current.worldSize) || current.runName === '') return null;
    if (identity !== null && (identity.jobKey !== current.jobKey || identity.runName !== current.runName)) return null;
    identity = current;
    finished.set(file.path, execution['prov-ml:unfinished'] === false);
    const start = Date.parse(literalText(execution['prov:startTime']));
    const end = Date.parse(literalText(execution['prov:endTime']));
    if (Number.isFinite(start) && (startMs === null || start < startMs)) startMs = start;
    if (Number.isFinite(end) && (endMs === null || end > endMs)) endMs = end;
  }
  return identity === null ? null : { identity, finished, startMs, endMs };
}

function recordOfType(json: unknown, kind: 'entity' | 'activity', type: string): Record<string, unknown> | null {
  const records = (json as Record<string, unknown> | null)?.[kind];
  if (typeof records !== 'object' || records === null) return null;
  for (const record of Object.values(records)) {
    if (typeof record === 'object' && record !== null && (record as Record<string, unknown>)['prov-ml:type'] === type) return record as Record<string, unknown>;
  }
  return null;
}

/** The text of a PROV-JSON value: a typed literal's "$", or the value itself. */
function literalText(value: unknown): string {
  if (typeof value === 'object' && value !== null && '$' in value) return String((value as { $: unknown }).$);
  return value === undefined ? '' : String(value);
}
