/**
 * Where a job's run directory is, for the ranks on this host whose program never names it. A script
 * may start its run on rank 0 only (`if rank == 0: start_run(...)`); under `prov4ml run` the other
 * ranks' wrappers still record their rank, and without this they would claim a run of their own in the
 * default save directory, wait there for an aggregator that never comes, and leave the job's run with
 * ranks that never ended. Each agent that claims its job's run directory leaves it here, keyed by the
 * job; an agent whose program never called start_run joins that run.
 *
 * The pointers live in the temporary directory, for jobs whose ranks are all on this host (`prov4ml run
 * -n`, one node of srun): across hosts the save directory and experiment are named with PROV4ML_*.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { JOB_POINTER_WAIT_MS } from '../config/limits.js';
import type { JobInfo } from './detect.js';
import type { ProgramRunConfig } from './run-config.js';

/** How often a rank waiting for its job's pointer looks again. */
const POINTER_POLL_MS = 100;

/**
 * A pointer this much older than this process belongs to an earlier job with the same key (a job id
 * that came back): the ranks of one job start within this of each other.
 */
const POINTER_MAX_AGE_BEFORE_START_MS = 10 * 60_000;

function pointerPath(jobKey: string): string {
  return join(tmpdir(), `prov4ml-${process.getuid?.() ?? 'user'}`, 'jobs', createHash('sha256').update(jobKey).digest('hex').slice(0, 32));
}

/**
 * Leaves `runDir` as the job's run for this host's other ranks, when all the job's ranks are on this
 * host (the hosting rank removes it at its end; elsewhere nobody would). Best effort: a failure only
 * costs the other ranks the join.
 */
export function leaveJobPointer(job: JobInfo, runDir: string): void {
  if (job.worldSize < 2 || job.hosts.length !== 1) return;
  const path = pointerPath(job.jobKey);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, runDir);
    renameSync(partial, path);
  } catch {
    // The temporary directory is full or read-only: the other ranks name their run themselves.
  }
}

/** Removes the job's pointer (the hosting rank, once the job is finalised). */
export function removeJobPointer(jobKey: string): void {
  rmSync(pointerPath(jobKey), { force: true });
}

/** The job's run directory as a rank of this host left it, if it is there (and not an earlier job's). */
export function findJobPointer(jobKey: string): string | null {
  const path = pointerPath(jobKey);
  try {
    if (statSync(path).mtimeMs < performance.timeOrigin - POINTER_MAX_AGE_BEFORE_START_MS) return null;
    const runDir = readFileSync(path, 'utf8');
    return statSync(runDir).isDirectory() ? runDir : null;
  } catch {
    return null;
  }
}

/**
 * The run config of a rank whose program never named its run: `fallback` (flags, PROV4ML_*), in the
 * job's run directory when another rank of this host claimed one. With `wait` (at the end of a rank
 * that does not host the aggregator) and all the job's ranks on this host, it waits up to
 * JOB_POINTER_WAIT_MS for one: the rank that starts the run may not have yet. The hosting rank never
 * waits, so that in a job where no program names the run it names it at once and the others join it.
 */
export async function joinedRunConfig(fallback: ProgramRunConfig, job: JobInfo, wait: boolean): Promise<ProgramRunConfig> {
  const deadline = Date.now() + (wait && job.worldSize > 1 && job.hosts.length === 1 ? JOB_POINTER_WAIT_MS : 0);
  let runDir = findJobPointer(job.jobKey);
  while (runDir === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POINTER_POLL_MS));
    runDir = findJobPointer(job.jobKey);
  }
  if (runDir === null) return fallback;
  // The save directory's claim for this job names the run directory, whatever experiment is asked for.
  return { ...fallback, provenanceSaveDir: dirname(runDir), experimentName: basename(runDir).replace(/_\d+$/, '') };
}
