/**
 * `prov4ml unify`: every run of an experiment in one PROV-JSON, the original's `unify_prov` done with
 * bundles: the runs `<root>/<experiment>_<id>/` are members of the experiment, and each rank document
 * of each run is a bundle of its own (python prov's `update` in the original merged them into one
 * flat record set, losing which rank and run a record came from).
 */
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { buildExperimentDocument, parseProvJson, toProvJson, UserError, type ExperimentRun, type ProvDocument, type RunDocument } from '@prov4ml/prov-core';
import { rankDocumentName, readDocument } from './collection.js';

export interface UnifyOptions {
  experiment: string;
  /** The save directory that holds the runs. */
  root: string;
  /** The unified PROV-JSON to write. */
  output: string;
}

export interface UnifyResult {
  path: string;
  runs: number;
  documents: number;
  doc: ProvDocument;
}

/** The original's default output: `<root>/<experiment>_UNIFIED.json`. */
export function defaultUnifiedPath(root: string, experiment: string): string {
  return join(root, `${experiment}_UNIFIED.json`);
}

export async function writeUnifiedExperiment(options: UnifyOptions): Promise<UnifyResult> {
  const root = resolve(options.root);
  const output = resolve(options.output);
  const runs: ExperimentRun[] = [];
  for (const name of await runDirectories(root, options)) {
    runs.push({ name, documents: await runDocuments(join(root, name), dirname(output)) });
  }
  const documents = runs.reduce((sum, run) => sum + run.documents.length, 0);
  if (documents === 0) throw new UserError(`--root ${options.root}: no rank documents in its ${options.experiment}_<id> run directories`);
  const doc = buildExperimentDocument(options.experiment, runs);
  await writeFile(output, toProvJson(doc)).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`--output ${options.output}: cannot write: ${error.code ?? String(error)}`);
  });
  return { path: output, runs: runs.length, documents, doc };
}

/** `<experiment>_<id>` directories, by id; other names that start the same way are other experiments. */
async function runDirectories(root: string, options: UnifyOptions): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`--root ${options.root}: ${error.code === 'ENOENT' ? 'no such directory' : (error.code ?? String(error))}`);
  });
  const prefix = `${options.experiment}_`;
  const runs = entries
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix) && /^\d+$/.test(entry.name.slice(prefix.length)))
    .map((entry) => entry.name)
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
  if (runs.length === 0) throw new UserError(`--root ${options.root}: no run directories ${options.experiment}_<id> in it`);
  return runs;
}

async function runDocuments(runDir: string, outputDir: string): Promise<RunDocument[]> {
  const documents: RunDocument[] = [];
  for (const name of (await readdir(runDir)).sort()) {
    const found = rankDocumentName(name);
    if (found === null) continue;
    const path = join(runDir, name);
    const bytes = await readDocument(path);
    documents.push({
      rank: found.rank,
      path: relative(outputDir, path),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
      doc: parseProvJson(bytes.toString('utf8'), path),
    });
  }
  return documents;
}
