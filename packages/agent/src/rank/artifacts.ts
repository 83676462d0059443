import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { rankArtifactsDir, UserError } from '@prov4ml/prov-core';

export interface Fingerprint {
  sizeBytes: number;
  /** Hex sha256 of the file, or of the directory's files (see fingerprintDirectory). */
  sha256: string;
  isDirectory: boolean;
}

export interface StoredArtifact extends Fingerprint {
  /** Relative to the run directory, with '/' separators. */
  storedPath: string;
}

/**
 * Copies a logged file or directory into `<run dir>/artifacts/GR<rank>/[<subdirectory>/]` and
 * fingerprints the copy. Only the base name of the source is used for the destination, and the
 * destination is checked to be inside the rank's artifact directory, so no logged path or
 * subdirectory can make the agent write elsewhere. Symbolic links are followed when reading (the
 * user's file is what they meant) and never recreated.
 */
export async function storeArtifact(runDir: string, rank: number, sourcePath: string, preferredName?: string, subdirectory?: string): Promise<StoredArtifact> {
  const { source, isDirectory } = await readableSource(sourcePath);
  const name = artifactFileName(preferredName ?? basename(source));
  const rankDir = rankArtifactsDir(runDir, rank);
  const targetDir = subdirectory === undefined ? rankDir : resolve(rankDir, subdirectory);
  if (targetDir !== rankDir && !isInside(rankDir, targetDir)) throw new UserError(`artifact subdirectory ${JSON.stringify(subdirectory)} leaves the artifact directory`);
  await mkdir(targetDir, { recursive: true });
  const destination = await freeDestination(targetDir, name);
  if (!isInside(rankDir, destination)) throw new UserError(`artifact name ${JSON.stringify(name)} leaves the artifact directory`);
  await cp(source, destination, { recursive: true, dereference: true, errorOnExist: true, force: false });
  const { sizeBytes, sha256 } = isDirectory ? await fingerprintDirectory(destination) : await fingerprintFile(destination);
  return { storedPath: relative(resolve(runDir), destination).split(sep).join('/'), sizeBytes, sha256, isDirectory };
}

/** Fingerprints a logged file or directory where it is (log_copy_in_prov_directory=False): nothing is copied. */
export async function fingerprintInPlace(sourcePath: string): Promise<Fingerprint> {
  const { source, isDirectory } = await readableSource(sourcePath);
  const { sizeBytes, sha256 } = isDirectory ? await fingerprintDirectory(source) : await fingerprintFile(source);
  return { sizeBytes, sha256, isDirectory };
}

async function readableSource(sourcePath: string): Promise<{ source: string; isDirectory: boolean }> {
  if (sourcePath.includes('\0')) throw new UserError(`artifact path ${JSON.stringify(sourcePath)} contains a NUL byte`);
  const source = resolve(sourcePath);
  try {
    return { source, isDirectory: (await stat(source)).isDirectory() };
  } catch (error) {
    throw new UserError(`artifact path ${sourcePath} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** A single safe path component: no separators, NUL or control characters, not '.' or '..'. */
function artifactFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[/\\\u0000-\u001f\u007f]/g, '_').slice(0, 200);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') throw new UserError(`artifact name ${JSON.stringify(name)} is not a file name`);
  return cleaned;
}

async function freeDestination(dir: string, name: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = join(dir, n === 0 ? name : `${name}.${n}`);
    try {
      await lstat(candidate);
    } catch {
      return candidate;
    }
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}

async function fingerprintFile(path: string): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

/** sha256 over "relative path NUL file sha256 LF" of every file, in sorted path order. */
async function fingerprintDirectory(root: string): Promise<{ sizeBytes: number; sha256: string }> {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(path);
    }
  }
  await walk(root);
  files.sort();
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for (const file of files) {
    const one = await fingerprintFile(file);
    sizeBytes += one.sizeBytes;
    hash.update(`${relative(root, file).split(sep).join('/')}\0${one.sha256}\n`);
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}
