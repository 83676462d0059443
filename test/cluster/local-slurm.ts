// The real Slurm the cluster tests run on: started once through the project's own script
// (slurm/start-local-slurm.sh) with two emulated nodes, and left running for the other test files
// (`.ci/run` stops it after `npm test`).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { commandWorks } from '../support/components.js';
import { REPO_ROOT, runCommand } from '../support/run-dir.js';
import { clusterEnv, launch, LAUNCH_TIMEOUT_MS, newJobFiles, type LaunchedJob } from './launch.js';

const SLURM_DIR = join(REPO_ROOT, 'slurm');

/**
 * Two emulated nodes on this one host, so that node ranks and the aggregator's host come from a real
 * multi-node node list. Every test file asks for the same layout: another layout would restart the
 * daemons under the jobs of a test file running in parallel.
 */
export const EMULATED_NODES = ['node01', 'node02'] as const;

/** Starting from installed packages takes ~4 s; installing them first, up to a minute or two. */
const START_TIMEOUT_MS = 300_000;
/** A cluster test's job runs seconds; Slurm ends a hung one after this, before LAUNCH_TIMEOUT_MS. */
const JOB_TIME_LIMIT = '2'; // minutes

/** Slurm's daemons and clients are installed and we are root (slurmd and munged run as root here). */
export const slurmInstalled =
  process.getuid?.() === 0 && ['slurmctld', 'slurmd', 'munged'].every((daemon) => commandWorks(daemon, ['-V'])) && commandWorks('srun');

let started: Promise<void> | undefined;

/** Brings up the local cluster (idempotent, shared by the tests of this process). */
export function startLocalSlurm(): Promise<void> {
  started ??= (async () => {
    const result = await runCommand(join(SLURM_DIR, 'start-local-slurm.sh'), [], {
      env: { ...process.env, SLURM_LOCAL_NODES: String(EMULATED_NODES.length) },
      timeoutMs: START_TIMEOUT_MS,
    });
    if (result.code !== 0) throw new Error(`start-local-slurm.sh exited ${result.code}:\n${result.stdout}${result.stderr}`);
  })();
  return started;
}

export interface BatchTestJob {
  script: string;
  scriptArguments?: string[];
  /** sbatch options beyond the script's #SBATCH lines, e.g. ['-N', '2']. */
  sbatchOptions?: string[];
  /** Variables for the job beyond clusterEnv's (PROV4ML_EXPERIMENT_NAME, RANK_VARIABLE, …). */
  env: Record<string, string>;
}

export interface FinishedBatchJob {
  jobId: string;
  saveDir: string;
  /** What the job wrote to its output file. */
  output: string;
}

/**
 * `sbatch` from the repository root with a fresh save directory, waiting for the job's end
 * (slurm/sbatch-wait.sh); fails the test, showing the job's output, unless the job exited 0.
 */
export async function runBatchJob(job: BatchTestJob): Promise<FinishedBatchJob> {
  const files = newJobFiles(basename(job.script, '.sbatch'));
  const result = await runCommand(
    join(SLURM_DIR, 'sbatch-wait.sh'),
    [`--time=${JOB_TIME_LIMIT}`, ...(job.sbatchOptions ?? []), `--output=${files.output}`, job.script, ...(job.scriptArguments ?? [])],
    { env: clusterEnv(files.saveDir, job.env), timeoutMs: LAUNCH_TIMEOUT_MS },
  );
  const jobId = result.stdout.split('\n')[0] ?? '';
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch gave no job id (exit ${result.code}): ${result.stdout}${result.stderr}`);
  const output = existsSync(files.output) ? readFileSync(files.output, 'utf8') : '';
  assert.equal(result.code, 0, `job ${jobId} failed:\n${output}${result.stderr}`);
  return { jobId, saveDir: files.saveDir, output };
}

export interface StepRun {
  /** srun options, e.g. ['-N', '1', '-n', '4']. */
  srunOptions: string[];
  command: string[];
  /** Variables beyond clusterEnv's. */
  env: Record<string, string>;
}

/** `srun` of one job step with a fresh save directory, waited for; with the id Slurm gave its job. */
export async function srun(step: StepRun): Promise<LaunchedJob & { jobId: string }> {
  const name = `prov4ml-test-${process.pid}-${++stepCount}`;
  const result = await launch('srun', ['-J', name, `--time=${JOB_TIME_LIMIT}`, ...step.srunOptions, ...step.command], step.env);
  return { ...result, jobId: await jobIdByName(name) };
}

let stepCount = 0;

/** The id of the job named `name` (its record stays in slurmctld for MinJobAge after the end). */
async function jobIdByName(name: string): Promise<string> {
  const result = await runCommand('scontrol', ['-o', 'show', 'job']);
  const record = result.stdout.split('\n').find((line) => line.includes(` JobName=${name} `));
  const jobId = record === undefined ? undefined : /^JobId=(\d+) /.exec(record)?.[1];
  if (jobId === undefined) throw new Error(`no job named ${name} in scontrol show job:\n${result.stdout}`);
  return jobId;
}

/** The cluster's name (slurm.conf ClusterName), which Slurm gives each job as SLURM_CLUSTER_NAME. */
export async function slurmClusterName(): Promise<string> {
  const result = await runCommand('scontrol', ['show', 'config']);
  const name = /^ClusterName\s*=\s*(\S+)/m.exec(result.stdout)?.[1];
  if (name === undefined) throw new Error(`no ClusterName in scontrol show config:\n${result.stdout}`);
  return name;
}

/** The job key of step `stepId` of Slurm job `jobId` on this cluster (`slurm-<cluster>-<job>.<step>`). */
export async function slurmJobKey(jobId: string, stepId = 0): Promise<string> {
  return `slurm-${await slurmClusterName()}-${jobId}.${stepId}`;
}

/**
 * The port of the aggregator rank 0 hosts for Slurm job J, step S when PROV4ML_PORT is not set, as the
 * README documents it ("Where the aggregator listens"): 20000 + 2 × ((J × 64 + S) mod 6000).
 */
export function derivedAggregatorPort(jobId: string, stepId: number): number {
  return 20_000 + 2 * ((Number(jobId) * 64 + stepId) % 6_000);
}
