/**
 * Finding the per-rank PROV-JSON documents a report reads: in a run directory of ours
 * (`prov_<exp>_GR<r>.json`), of the original (G1/G2 `provgraph_<exp>[_GR<r>].json`, G3
 * `prov_<exp>_GR<r>_<run>.json`), or a single file of any of them.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { MAX_INPUT_TEXT_BYTES, UserError, decodeUtf8, parseProvJson, type ProvDocument } from '@prov4ml/prov-core';
import type { DocumentGeneration } from './run-contents.js';

export interface DocumentFile {
  /** Path to read. */
  readonly path: string;
  /** File name, as the page names it. */
  readonly name: string;
  /** Rank from the file name (`_GR<r>`), null when the name has none (a G1 rank-0 file). */
  readonly rank: number | null;
}

export interface RunDocuments {
  /** Directory the documents' relative references (metric files) are resolved against. */
  readonly directory: string;
  /** In rank order, one per rank. */
  readonly files: readonly DocumentFile[];
  /** Files that were passed over (a second document for a rank), one line each. */
  readonly notes: readonly string[];
}

const G3_NAME = /^prov_(.+)_GR(\d+)_(\d+)\.json$/;
const PROV4ML_NAME = /^prov_(.+)_GR(\d+)\.json$/;
const G1_NAME = /^provgraph_(.+?)(?:_GR(\d+))?\.json$/;

/** The rank a document's file name gives, or undefined when the name is not a per-rank document's. */
function rankFromFileName(name: string): number | null | undefined {
  const match = G3_NAME.exec(name) ?? PROV4ML_NAME.exec(name) ?? G1_NAME.exec(name);
  if (match === null) return undefined;
  return match[2] === undefined ? null : Number(match[2]);
}

/** The documents of `input` (a run directory or one PROV-JSON file); throws UserError naming `input`. */
export async function findRunDocuments(input: string): Promise<RunDocuments> {
  const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`${input}: ${error.code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${error.code ?? error.message}`}`);
  });
  if (info.isFile()) {
    const name = basename(input);
    return { directory: dirname(input), files: [{ path: input, name, rank: rankFromFileName(name) ?? null }], notes: [] };
  }
  if (!info.isDirectory()) throw new UserError(`${input}: not a file or directory`);
  const byRank = new Map<number, DocumentFile>();
  const notes: string[] = [];
  for (const name of (await readdir(input)).sort()) {
    const rank = rankFromFileName(name);
    if (rank === undefined) continue;
    const file = { path: join(input, name), name, rank };
    const key = rank ?? 0;
    const earlier = byRank.get(key);
    if (earlier === undefined) byRank.set(key, file);
    else notes.push(`${name}: a second document for rank ${key} (after ${earlier.name}); not shown`);
  }
  if (byRank.size === 0) {
    throw new UserError(`${input}: no per-rank PROV-JSON documents here (prov_<experiment>_GR<rank>.json, or the original's provgraph_*.json)`);
  }
  const files = [...byRank.entries()].sort(([a], [b]) => a - b).map(([, file]) => file);
  return { directory: input, files, notes };
}

/** Reads and parses one document; throws UserError naming the file. */
export async function readProvDocument(file: DocumentFile): Promise<ProvDocument> {
  return parseProvJson(await readTextFile(file.path), file.path);
}

/** A UTF-8 file of at most {@link MAX_INPUT_TEXT_BYTES}; throws UserError naming the path. */
export async function readTextFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.size > MAX_INPUT_TEXT_BYTES) throw new UserError(`${path}: ${info.size} bytes, over the limit of ${MAX_INPUT_TEXT_BYTES} bytes`);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return decodeUtf8(bytes, path);
}

/**
 * `relative` (a path a document names) resolved in `directory`, or null when it would leave it: a
 * document can be edited by anyone, and the report must not read files it was not pointed at.
 */
export function pathInside(directory: string, relative: string): string | null {
  const normalised = normalize(relative);
  if (isAbsolute(normalised) || normalised === '..' || normalised.startsWith(`..${sep}`)) return null;
  return join(directory, normalised);
}

/** Which writer produced `doc`, from its prefixes and attribute names. */
export function detectGeneration(doc: ProvDocument): DocumentGeneration {
  if (doc.namespaceUri('yProv4ML') !== undefined) return 'yProvML G3';
  // The original bound `prov-ml` to the non-IRI "prov-ml"; we bind it to a real IRI.
  if (doc.namespaceUri('prov-ml') === 'prov-ml') return 'yProvML G1/G2';
  return 'prov4ml';
}
