/**
 * Job and rank detection (DESIGN §3): which launcher started this process and what it says about the
 * rank, the job and the nodes. The precedence is the data table {@link LAUNCHER_PRECEDENCE}, first
 * match wins. MPI variables come before Slurm's because `mpirun` inside an sbatch allocation inherits
 * SLURM_PROCID=0 and SLURM_NTASKS from the batch script; Slurm's own variables count only inside a step
 * (SLURM_STEP_ID set), since a batch script outside `srun` is one process, not rank 0 of N.
 *
 * Pure: the environment is a parameter. PROV4ML_* variables arrive as `explicit` overrides, resolved by
 * the option table (config/options.ts: RunOptions.rank, worldSize, jobId).
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '@prov4ml/prov-core';
import type { Environment } from '../config/readers.js';
import type { DetectionInput, Fact, JobInfo, JobOverridesInput, LauncherRow, RankLayout } from './job-info.js';
import { applyOverrides, EXPLICIT, givenOverrides, LOCAL } from './launchers/explicit.js';
import { fixedLayout } from './launchers/rank-layout.js';
import { OPEN_MPI } from './launchers/openmpi.js';
import { MPICH, PMIX } from './launchers/pmi.js';
import { SLURM } from './launchers/slurm.js';
import { TORCHRUN } from './launchers/torchrun.js';
import { variable } from './launchers/variables.js';

// Detection's results and its rows' shapes are defined beside the rows; callers find them here.
export type { JobInfo, JobInfoOverrides, JobOverridesInput, LauncherRow } from './job-info.js';
export { LOCAL_JOB_ID_PREFIX } from './launchers/explicit.js';

const SINGLE_PROCESS: LauncherRow = {
  launcher: 'single',
  selectedBy: 'no launcher variables',
  matches: () => true,
  read: () => ({
    layout: fixedLayout({ rank: 0, worldSize: 1 }, 'single process'),
    hosts: [],
    stepId: null,
    jobKey: null,
    jobId: null,
  }),
};

/** Launchers in precedence order (DESIGN §3), first match wins. */
export const LAUNCHER_PRECEDENCE: readonly LauncherRow[] = [LOCAL, EXPLICIT, TORCHRUN, OPEN_MPI, MPICH, PMIX, SLURM, SINGLE_PROCESS];

/**
 * Detects this process's rank, job and nodes from the launcher's environment; explicit values beat it.
 * @param hostname this host's name: the node list of a local job, and the name looked up in a Slurm
 *   node list when no launcher variable names this node.
 * @param newJobId makes the job key of a process that is a job of its own (rank 0 of 1 with no job id).
 * @throws UserError naming the variable or option when the environment contradicts itself (rank ≥ size,
 *   a negative or non-integer number, a node list that does not parse) or when several ranks have no
 *   shared job id.
 */
export function detectJob(
  env: Environment,
  overrides: JobOverridesInput = {},
  hostname = 'localhost',
  newJobId: () => string = randomUUID,
): JobInfo {
  const explicit = givenOverrides(overrides);
  const input: DetectionInput = { env, explicit, hostname };
  const row = LAUNCHER_PRECEDENCE.find((candidate) => candidate.matches(input)) ?? SINGLE_PROCESS;
  const reading = row.read(input);
  const layout = applyOverrides(reading.layout, explicit);
  const allRanksHere = layout.localWorldSize.value === layout.worldSize.value;
  const hosts = reading.hosts.length > 0 ? reading.hosts : allRanksHere ? [hostname] : [];
  checkLayout(layout, hosts);
  const jobKey = explicit.jobId ?? reading.jobKey ?? ownJobKey(row, layout.worldSize, hostname, newJobId);
  return {
    rank: layout.rank.value,
    worldSize: layout.worldSize.value,
    localRank: layout.localRank.value,
    localWorldSize: layout.localWorldSize.value,
    nodeRank: layout.nodeRank.value,
    jobId: explicit.jobId ?? variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID') ?? reading.jobId ?? jobKey,
    stepId: reading.stepId,
    hosts,
    launcher: row.launcher,
    jobKey,
    masterAddr: variable(env, 'MASTER_ADDR') ?? null,
  };
}

function ownJobKey(row: LauncherRow, worldSize: Fact, hostname: string, newJobId: () => string): string {
  if (worldSize.value === 1) return `single-${hostname}-${newJobId()}`;
  throw new UserError(
    `PROV4ML_JOB_ID is not set and ${row.selectedBy} give the ${worldSize.value} ranks no shared job id: ` +
      'set PROV4ML_JOB_ID to one value for the whole job before launching it',
  );
}

function checkLayout(layout: RankLayout, hosts: string[]): void {
  const { rank, worldSize, localRank, localWorldSize, nodeRank } = layout;
  requireBelow('rank', rank, 'world size', worldSize);
  requireBelow('local rank', localRank, 'local world size', localWorldSize);
  if (localWorldSize.value > worldSize.value) {
    throw new UserError(
      `local world size ${localWorldSize.value} (${localWorldSize.source}) exceeds the world size ${worldSize.value} (${worldSize.source})`,
    );
  }
  if (hosts.length > 0 && nodeRank.value >= hosts.length) {
    throw new UserError(`node rank ${nodeRank.value} (${nodeRank.source}) is not below the ${hosts.length} nodes of the node list`);
  }
}

function requireBelow(lowName: string, low: Fact, highName: string, high: Fact): void {
  if (low.value >= high.value) {
    throw new UserError(`${lowName} ${low.value} (${low.source}) is not below the ${highName} ${high.value} (${high.source})`);
  }
}
