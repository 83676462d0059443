/**
 * Slurm: a task of an srun step (SLURM_STEP_ID set), and the step and node lists other launchers read
 * when they run inside an allocation.
 */
import { UserError } from '@prov4ml/prov-core';
import type { Environment } from '../../config/readers.js';
import { expandHostlist, expandSlurmCounts } from '../hostlist.js';
import type { DetectionInput, Fact, LauncherReading, LauncherRow, RankLayout } from '../job-info.js';
import { fact, isSet, variable } from './variables.js';

/** Inside an srun step: Slurm's own variables count only there, since a batch script outside `srun` is one process, not rank 0 of N. */
export const SLURM: LauncherRow = {
  launcher: 'slurm',
  selectedBy: 'SLURM_STEP_ID (inside an srun step)',
  matches: ({ env }) => isSet(env, 'SLURM_STEP_ID') || isSet(env, 'SLURM_STEPID'),
  read: readSlurm,
};

function readSlurm({ env }: DetectionInput): LauncherReading {
  const step = readSlurmStep(env);
  if (step === null) throw new Error('the slurm row matched without SLURM_STEP_ID');
  return {
    layout: step.layout,
    hosts: step.hosts,
    stepId: step.stepId,
    jobKey: slurmJobKey(env, step.jobId, step.stepId),
    jobId: step.jobId,
  };
}

export interface SlurmStep {
  layout: RankLayout;
  hosts: string[];
  jobId: string;
  stepId: string;
}

/** The Slurm step this process is a task of, or null outside a step. */
export function readSlurmStep(env: Environment): SlurmStep | null {
  const stepId = slurmStepId(env);
  if (stepId === null) return null;
  const jobId = variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID');
  if (jobId === undefined) throw new UserError(`SLURM_JOB_ID is not set although SLURM_STEP_ID ${stepId} is`);
  const rank = requiredStepFact(env, ['SLURM_PROCID'], 0);
  const worldSize = requiredStepFact(env, ['SLURM_STEP_NUM_TASKS', 'SLURM_NTASKS', 'SLURM_NPROCS'], 1);
  const nodeRank = requiredStepFact(env, ['SLURM_NODEID'], 0);
  const hosts = expandFirst(env, ['SLURM_STEP_NODELIST', 'SLURM_JOB_NODELIST', 'SLURM_NODELIST']) ?? [];
  const layout: RankLayout = {
    rank,
    worldSize,
    localRank: requiredStepFact(env, ['SLURM_LOCALID'], 0),
    localWorldSize: tasksOnNode(env, nodeRank, hosts, worldSize),
    nodeRank,
  };
  return { layout, hosts, jobId, stepId };
}

function requiredStepFact(env: Environment, names: string[], min: number): Fact {
  for (const name of names) {
    const found = fact(env, name, min);
    if (found) return found;
  }
  throw new UserError(`${names.join(' / ')} is not set although SLURM_STEP_ID is (inside a Slurm step)`);
}

/** This node's task count, from SLURM_STEP_TASKS_PER_NODE (`2(x2)`, `3,1`…) at the node's index. */
function tasksOnNode(env: Environment, nodeRank: Fact, hosts: string[], worldSize: Fact): Fact {
  const name = ['SLURM_STEP_TASKS_PER_NODE', 'SLURM_TASKS_PER_NODE'].find((candidate) => isSet(env, candidate));
  if (name === undefined) {
    if (hosts.length <= 1) return worldSize;
    throw new UserError(`SLURM_STEP_TASKS_PER_NODE is not set for a Slurm step on ${hosts.length} nodes`);
  }
  const counts = expandSlurmCounts(env[name] ?? '', name);
  if (hosts.length > 0 && counts.length !== hosts.length) {
    throw new UserError(`${name} ${JSON.stringify(env[name])} counts ${counts.length} nodes, the node list has ${hosts.length}`);
  }
  const count = counts[nodeRank.value];
  if (count === undefined) {
    throw new UserError(`${nodeRank.source} ${nodeRank.value} is not below the ${counts.length} nodes of ${name}`);
  }
  return { value: count, source: name };
}

export function slurmStepId(env: Environment): string | null {
  return variable(env, 'SLURM_STEP_ID', 'SLURM_STEPID') ?? null;
}

export function slurmStepKey(env: Environment): string | null {
  const jobId = variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID');
  const stepId = slurmStepId(env);
  return jobId !== undefined && stepId !== null ? slurmJobKey(env, jobId, stepId) : null;
}

/**
 * `slurm-<cluster>-<job>.<step>`: a job id is unique only within one cluster, and two clusters may share
 * a save directory. SLURM_CLUSTER_NAME is set by Slurm in every job; without it, `slurm-<job>.<step>`.
 */
function slurmJobKey(env: Environment, jobId: string, stepId: string): string {
  const cluster = variable(env, 'SLURM_CLUSTER_NAME');
  return cluster === undefined ? `slurm-${jobId}.${stepId}` : `slurm-${cluster}-${jobId}.${stepId}`;
}

/**
 * When the Slurm job started (ms since the epoch), from SLURM_JOB_START_TIME (seconds; set by Slurm
 * 23.02 and later), or null when this Slurm does not set it or this is no Slurm job.
 */
export function slurmJobStartFromEnv(env: Environment): number | null {
  const seconds = Number(variable(env, 'SLURM_JOB_START_TIME'));
  return Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : null;
}

export function slurmStepHosts(env: Environment): string[] | null {
  return slurmStepId(env) === null ? null : expandFirst(env, ['SLURM_STEP_NODELIST']);
}

export function slurmJobHosts(env: Environment): string[] | null {
  return expandFirst(env, ['SLURM_JOB_NODELIST', 'SLURM_NODELIST']);
}

function expandFirst(env: Environment, names: string[]): string[] | null {
  const name = names.find((candidate) => isSet(env, candidate));
  return name === undefined ? null : expandHostlist(env[name] ?? '', name);
}

/**
 * The position of this node in hosts. Its name: MPIR_CVAR_CH3_INTERFACE_HOSTNAME, which Hydra sets per
 * node (it overwrites SLURMD_NODENAME with mpiexec's own), else SLURMD_NODENAME, else the host name,
 * also without its domain.
 */
export function nodeIndex({ env, hostname }: DetectionInput, hosts: string[]): Fact | undefined {
  const nodeName = variable(env, 'MPIR_CVAR_CH3_INTERFACE_HOSTNAME', 'SLURMD_NODENAME') ?? hostname;
  const candidates = [nodeName, nodeName.split('.')[0] ?? nodeName];
  for (const candidate of candidates) {
    const index = hosts.indexOf(candidate);
    if (index >= 0) return { value: index, source: `the position of ${candidate} in the node list` };
  }
  return undefined;
}
