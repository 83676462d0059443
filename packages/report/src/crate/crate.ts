/**
 * `prov4ml crate <run dir> [--zip]` and end_run(crate_ro_crate=True): writes `ro-crate-metadata.json`
 * (RO-Crate 1.1) into a finished run directory, and with `zip` `<run dir>.crate.zip` beside it; and
 * start_run(use_compressor=ZIP): `<run dir>.zip`. Each file is written as `<name>.partial` and renamed,
 * so a failure (a full disk) leaves the run as it was.
 */
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  COLLECTION_FILE,
  CRATE_METADATA_FILE,
  crateZipPath,
  partialPath,
  RECEIVED_LOG_DIR,
  runZipPath,
  SPOOL_DIR,
  UserError,
} from '@prov4ml/prov-core';
import type { CrateWriter } from '@prov4ml/aggregator';
import { readRun } from '../read-run.js';
import { CRATE_CONTEXT, crateGraph } from './entities.js';
import { hashRunFiles, listRunFiles } from './run-files.js';
import { writeZip } from './zip.js';

export interface CrateOptions {
  /** Also write `<run dir>.crate.zip`: the metadata and every file it lists. */
  readonly zip?: boolean;
  /** The crate's datePublished (epoch ms); now by default. */
  readonly nowMs?: number;
}

export interface CrateResult {
  /** Absolute path of `ro-crate-metadata.json`. */
  readonly metadata: string;
  /** Absolute path of the zip; null without `zip`. */
  readonly zip: string | null;
  /** Files the crate lists (not counting its metadata). */
  readonly fileCount: number;
  /** Their bytes in all. */
  readonly totalBytes: number;
}

/**
 * Writes the RO-Crate of the finished run `runDir`.
 * @throws UserError naming the path when it is no run directory, the run has not finished, or a write fails.
 */
export async function writeRunCrate(runDir: string, options: CrateOptions = {}): Promise<CrateResult> {
  const dir = resolve(runDir);
  await checkFinishedRun(runDir, dir);
  const run = await readRun(dir, undefined, { graphs: false });
  const files = await hashRunFiles(dir, (await listRunFiles(dir)).filter((file) => file.path !== CRATE_METADATA_FILE));
  const metadata = join(dir, CRATE_METADATA_FILE);
  const graph = crateGraph({ run, files, nowMs: options.nowMs ?? Date.now() });
  const zip = options.zip === true ? crateZipPath(dir) : null;
  // The metadata stays a partial file until the zip (which holds it) is complete: a failure leaves the run as it was.
  await writeWhole(metadata, `${JSON.stringify({ '@context': CRATE_CONTEXT, '@graph': graph }, null, 1)}\n`, async (written) => {
    if (zip === null) return;
    const entries = files.map((file) => ({ name: file.path, path: join(dir, file.path) }));
    await writeZip(zip, [...entries, { name: CRATE_METADATA_FILE, path: written }]);
  });
  return { metadata, zip, fileCount: files.length, totalBytes: files.reduce((sum, file) => sum + file.sizeBytes, 0) };
}

export interface RunZipResult {
  readonly zip: string;
  readonly fileCount: number;
  readonly zipBytes: number;
}

/**
 * start_run(use_compressor=ZIP): `<run dir>.zip`, the run's files (the crate's set, with its metadata
 * when there is one) under a folder named as the run directory.
 * @throws UserError as writeRunCrate does.
 */
export async function zipRunDirectory(runDir: string): Promise<RunZipResult> {
  const dir = resolve(runDir);
  await checkFinishedRun(runDir, dir);
  const files = await listRunFiles(dir);
  const zip = runZipPath(dir);
  const folder = basename(dir);
  const zipBytes = await writeZip(zip, files.map((file) => ({ name: `${folder}/${file.path}`, path: join(dir, file.path) })));
  return { zip, fileCount: files.length, zipBytes };
}

/** What the aggregator's finalisation calls when a rank asked for a crate or a zip (it may not import this package). */
export const runPackager: CrateWriter = {
  writeCrate: async (runDir) => (await writeRunCrate(runDir)).metadata,
  zipRunDirectory: async (runDir) => (await zipRunDirectory(runDir)).zip,
};

/**
 * A run directory whose job has finished: it has its collection (written last by finalisation), and no
 * spool or received log changed after it (a rank still running keeps appending to both).
 */
async function checkFinishedRun(given: string, dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`${given}: ${error.code === 'ENOENT' ? 'no such directory' : `cannot read: ${error.code ?? error.message}`}`);
  });
  if (!info.isDirectory()) throw new UserError(`${given}: not a directory; give a run directory, <save dir>/<experiment>_<run id>`);
  const collection = await stat(join(dir, COLLECTION_FILE)).catch(() => null);
  if (collection === null) {
    const names = await readdir(dir);
    if (!names.some((name) => /^prov_.+_GR\d+\.json$/.test(name)) && !names.includes(SPOOL_DIR)) {
      throw new UserError(`${given}: not a run directory of prov4ml (no ${COLLECTION_FILE}, no prov_<experiment>_GR<rank>.json, no ${SPOOL_DIR}/)`);
    }
    throw new UserError(`${given}: no ${COLLECTION_FILE}: the run is still running or was never finished; wait for its end, or run prov4ml merge ${given}`);
  }
  for (const folder of [SPOOL_DIR, RECEIVED_LOG_DIR]) {
    for (const name of await readdir(join(dir, folder)).catch(() => [] as string[])) {
      const changed = await stat(join(dir, folder, name)).catch(() => null);
      if (changed !== null && changed.mtimeMs > collection.mtimeMs) {
        throw new UserError(`${given}: ${folder}/${name} changed after ${COLLECTION_FILE}: the run is still running; wait for its end, or run prov4ml merge ${given}`);
      }
    }
  }
}

/**
 * Writes `content` to `<path>.partial`, lets `before` use that file, then renames it; on any failure
 * nothing is left (a UserError from `before` is passed on as it is).
 */
async function writeWhole(path: string, content: string, before: (partial: string) => Promise<void>): Promise<void> {
  const partial = partialPath(path);
  try {
    await writeFile(partial, content);
    await before(partial);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot write: ${code === 'ENOSPC' ? 'ENOSPC, no space left on the device' : code ?? (error as Error).message}; the run directory is as it was`);
  }
}
