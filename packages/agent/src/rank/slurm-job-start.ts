/**
 * When this rank's Slurm job started, so that a run-directory claim left by an earlier job with the same
 * id (Slurm reuses ids after its state is purged) is not taken for this job's (rank/run-dir.ts).
 */
import { spawnSync } from 'node:child_process';
import type { Environment } from '../config/readers.js';
import type { JobInfo } from './job-info.js';
import { slurmJobStartFromEnv } from './launchers/slurm.js';
import { variable } from './launchers/variables.js';

/** squeue answers from slurmctld in milliseconds; past this it is unreachable and the claim is trusted. */
const SQUEUE_TIMEOUT_MS = 5_000;

/**
 * A lazy reader of the job's start (ms since the epoch), or undefined when the job key is not Slurm's
 * (an explicit PROV4ML_JOB_ID is the user's to keep unique). SLURM_JOB_START_TIME when Slurm sets it
 * (23.02 and later); else one `squeue` call, made only when a claim needs the answer.
 */
export function slurmJobStartReader(env: Environment, job: Pick<JobInfo, 'jobKey'>): (() => number | null) | undefined {
  const jobId = variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID');
  if (jobId === undefined || !job.jobKey.startsWith('slurm-')) return undefined;
  const fromEnv = slurmJobStartFromEnv(env);
  if (fromEnv !== null) return () => fromEnv;
  let asked: number | null | undefined;
  return () => (asked ??= squeueJobStart(jobId, env));
}

/** `squeue -h -j <id> -o %S` in epoch seconds (SLURM_TIME_FORMAT=%s); null when it cannot say. */
export function squeueJobStart(jobId: string, env: Environment): number | null {
  const result = spawnSync('squeue', ['-h', '-j', jobId, '-o', '%S'], {
    env: { ...env, SLURM_TIME_FORMAT: '%s' },
    encoding: 'utf8',
    timeout: SQUEUE_TIMEOUT_MS,
  });
  const seconds = Number(result.stdout?.trim());
  return result.status === 0 && Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : null;
}
