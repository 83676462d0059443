/**
 * The files a package of a run holds: every regular file under the run directory except the agents'
 * spools, the aggregator's received logs (transport state, rebuilt into the documents already) and
 * `.prov4ml/` (the CURVE secret key must never travel), with byte size and sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RECEIVED_LOG_DIR, SAVE_DIR_STATE_DIR, SPOOL_DIR, UserError } from '@prov4ml/prov-core';

/** Top-level folders of a run directory that no package holds. */
const LEFT_OUT_DIRS: ReadonlySet<string> = new Set([SPOOL_DIR, RECEIVED_LOG_DIR, SAVE_DIR_STATE_DIR]);

/** Files hashed at once: enough to keep the disk busy while one thread hashes. */
const HASH_CONCURRENCY = 8;
/** Read size of the hashing streams. */
const HASH_READ_BYTES = 1 << 20;

export interface RunFile {
  /** Relative to the run directory, with '/' separators. */
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

export interface HashedRunFile extends RunFile {
  readonly sha256: string;
}

/**
 * The run's files, sorted by path; any `*.partial` (a package being written) is left out. Symbolic
 * links are not followed: a link could lead out of the run directory.
 */
export async function listRunFiles(runDir: string): Promise<RunFile[]> {
  const files: RunFile[] = [];
  await walk(runDir, '', files);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(root: string, relative: string, out: RunFile[]): Promise<void> {
  const dir = relative === '' ? root : join(root, relative);
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`${dir}: cannot read: ${error.code ?? error.message}`);
  });
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (relative === '' && LEFT_OUT_DIRS.has(entry.name)) continue;
      await walk(root, path, out);
    } else if (entry.isFile()) {
      if (entry.name.endsWith('.partial')) continue;
      const info = await stat(join(root, path)).catch((error: NodeJS.ErrnoException) => {
        throw new UserError(`${join(root, path)}: cannot read: ${error.code ?? error.message}`);
      });
      out.push({ path, sizeBytes: info.size, mtimeMs: info.mtimeMs });
    }
  }
}

/** Each file's sha256, reading up to HASH_CONCURRENCY files at once; throws UserError naming an unreadable file. */
export async function hashRunFiles(runDir: string, files: readonly RunFile[]): Promise<HashedRunFile[]> {
  const hashed: HashedRunFile[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      hashed[index] = { ...file, sha256: await sha256OfFile(join(runDir, file.path)) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, files.length) }, worker));
  return hashed;
}

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: HASH_READ_BYTES })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (error: NodeJS.ErrnoException) => reject(new UserError(`${path}: cannot read: ${error.code ?? error.message}`)))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
