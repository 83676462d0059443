import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { claimLockPath, jobClaimFileName, jobClaimsDir, runDirPath, UserError } from '@prov4ml/prov-core';

/** Longest experiment name accepted; it becomes part of directory and file names. */
export const MAX_EXPERIMENT_NAME_LENGTH = 128;

export interface RunDirRequest {
  saveDir: string;
  experimentName: string;
  /** Identical on every rank of the job (see detectJob). */
  jobKey: string;
  /** PROV4ML_RUN_ID: use this run id instead of searching for a free one. */
  runId: number | null;
  /**
   * When the job started (ms since the epoch; null: unknown), asked only for a claim made before this
   * process started: a claim older than its job was left by an earlier job with the same id.
   */
  jobStartedAt?: () => number | null;
  /** When this process started (ms since the epoch); default performance.timeOrigin. */
  processStartedAt?: number;
}

export interface ClaimedRunDir {
  runDir: string;
  runId: number;
  experimentName: string;
}

/**
 * Rejects experiment names that cannot be one directory name: they name `<save dir>/<exp>_<id>/`
 * and `prov_<exp>_GR<r>.json`, and must never lead outside the save directory.
 */
export function checkExperimentName(name: string): string {
  if (name.length === 0 || name.length > MAX_EXPERIMENT_NAME_LENGTH) {
    throw new UserError(`experimentName must be 1 to ${MAX_EXPERIMENT_NAME_LENGTH} characters, got ${name.length}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name) || name === '.' || name === '..') {
    throw new UserError(`experimentName ${JSON.stringify(name)} cannot be a directory name (no '/', '\\', control characters, '.' or '..')`);
  }
  return name;
}

/**
 * Decides the job's run directory once for all ranks, through the shared filesystem: the first agent
 * of a job, holding the save directory's claim lock, creates the smallest free `<experiment>_<n>` and
 * links a claim file named after the job key; every other rank of the job finds that claim and uses
 * the same directory. Agents claim, not the aggregator, because the aggregator may start late or not
 * at all.
 */
export function claimRunDir(request: RunDirRequest): ClaimedRunDir {
  const saveDir = resolve(request.saveDir);
  const experimentName = checkExperimentName(request.experimentName);
  const claimsDir = jobClaimsDir(saveDir);
  try {
    makeDirectories(claimsDir);
  } catch (error) {
    throw new UserError(`cannot create the provenance save directory ${saveDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const claimPath = join(claimsDir, jobClaimFileName(request.jobKey));
  const existing = readLiveClaim(claimPath, request);
  if (existing) return existing;
  // One claimer at a time per save directory, so that the job gets the smallest free id rather than
  // whichever its racing ranks happened to create first.
  return withSaveDirLock(claimLockPath(saveDir), () => {
    const claimed = readLiveClaim(claimPath, request);
    if (claimed) return claimed;
    // A stale claim (see readLiveClaim) gives way to this job's.
    rmSync(claimPath, { force: true });
    const runId = request.runId ?? createFreeRunDir(saveDir, experimentName);
    const mine: ClaimedRunDir = { runDir: runDirPath(saveDir, experimentName, runId), runId, experimentName };
    if (request.runId !== null) makeDirectories(mine.runDir);
    const temporary = `${claimPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, JSON.stringify(mine));
    try {
      // link() is atomic: it also keeps two claimers correct if a stale lock was broken.
      linkSync(temporary, claimPath);
      return mine;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (request.runId === null) rmdirSync(mine.runDir);
      return readClaim(claimPath) ?? mine;
    } finally {
      unlinkSync(temporary);
    }
  });
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdirSync never returns on a file system that
 * refuses new entries with ENOENT (a save directory under /proc: it creates the parent, which exists,
 * and tries again forever, at full CPU and deaf to signals); here that ENOENT is the error.
 */
function makeDirectories(path: string): void {
  try {
    mkdirSync(path);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path).isDirectory()) return;
    if (code !== 'ENOENT' || dirname(path) === path) throw error;
  }
  makeDirectories(dirname(path));
  try {
    mkdirSync(path);
  } catch (error) {
    // Made by another rank meanwhile.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** A lock held this long belongs to a claimer that died; claiming takes microseconds. */
const STALE_CLAIM_LOCK_MS = 10_000;
const CLAIM_LOCK_POLL_MS = 2;

/** Runs `critical` holding a lock made of an atomic mkdir; waits (synchronously, briefly) for it. */
function withSaveDirLock<T>(lockDir: string, critical: () => T): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > STALE_CLAIM_LOCK_MS) rmdirSync(lockDir);
      } catch {
        // Released or broken by someone else meanwhile: try again.
      }
      Atomics.wait(pause, 0, 0, CLAIM_LOCK_POLL_MS);
    }
  }
  try {
    return critical();
  } finally {
    rmdirSync(lockDir);
  }
}

function createFreeRunDir(saveDir: string, experimentName: string): number {
  for (let runId = 0; ; runId++) {
    try {
      mkdirSync(runDirPath(saveDir, experimentName, runId));
      return runId;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UserError(`cannot create a run directory in ${saveDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
  }
}

/**
 * Clocks of the file server and of slurmctld may differ by this much. A purged job's claim is older by
 * far more: its job ended and slurmctld was restarted with its state cleared before the id came back.
 */
const CLAIM_CLOCK_SKEW_MS = 2_000;

/**
 * The job's claim, or undefined when there is none or it is stale: made before the job started, by an
 * earlier job whose id Slurm gave out again. A stale claim is removed (under the lock), so the job
 * claims a fresh run directory; the earlier job's directory is left as it is.
 */
function readLiveClaim(path: string, request: RunDirRequest): ClaimedRunDir | undefined {
  const claim = readClaim(path);
  if (claim === undefined || request.jobStartedAt === undefined) return claim;
  let madeAt: number;
  try {
    madeAt = statSync(path).mtimeMs;
  } catch {
    return undefined; // removed meanwhile as stale: claim under the lock
  }
  // Made after this process started, so after the job did: no need to ask when the job started.
  if (madeAt >= (request.processStartedAt ?? performance.timeOrigin)) return claim;
  const jobStart = request.jobStartedAt();
  if (jobStart === null || madeAt >= jobStart - CLAIM_CLOCK_SKEW_MS) return claim;
  return undefined;
}

function readClaim(path: string): ClaimedRunDir | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ClaimedRunDir;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
