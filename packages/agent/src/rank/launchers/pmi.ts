/** The PMI family: MPICH/Hydra and Intel MPI (PMI_RANK, PMI_SIZE), and PMIx (PMIX_RANK, srun --mpi=pmix). */
import { UserError } from '@prov4ml/prov-core';
import type { DetectionInput, LauncherReading, LauncherRow } from '../job-info.js';
import { completeLayout, explicitFact } from './rank-layout.js';
import { readSlurmStep, slurmJobHosts, slurmStepHosts, slurmStepId, slurmStepKey } from './slurm.js';
import { fact, isSet, requiredFact, variable } from './variables.js';

/** MPICH/Hydra, Intel MPI, srun --mpi=pmi2. */
export const MPICH: LauncherRow = {
  launcher: 'mpich',
  selectedBy: 'PMI_RANK and PMI_SIZE (MPICH/Hydra, Intel MPI, srun --mpi=pmi2)',
  matches: ({ env }) => isSet(env, 'PMI_RANK') && isSet(env, 'PMI_SIZE'),
  read: readPmi,
};

/** PMIx (srun --mpi=pmix). */
export const PMIX: LauncherRow = {
  launcher: 'pmix',
  selectedBy: 'PMIX_RANK (srun --mpi=pmix, the default MPI plugin of many Slurm sites)',
  matches: ({ env }) => isSet(env, 'PMIX_RANK'),
  read: readPmix,
};

function readPmi(input: DetectionInput): LauncherReading {
  const { env } = input;
  const rank = requiredFact(env, 'PMI_RANK', 0);
  const worldSize = requiredFact(env, 'PMI_SIZE', 1);
  // Hydra inside an allocation starts its proxies as one srun step spanning the nodes it uses.
  const hosts = slurmStepHosts(env) ?? slurmJobHosts(env) ?? [];
  const given = { localRank: fact(env, 'MPI_LOCALRANKID', 0), localWorldSize: fact(env, 'MPI_LOCALNRANKS', 1) };
  const pmiJobId = variable(env, 'PMI_JOBID');
  return {
    layout: completeLayout(input, rank, worldSize, given, hosts),
    hosts,
    stepId: slurmStepId(env),
    jobKey: slurmStepKey(env) ?? (pmiJobId === undefined ? null : `mpich-${pmiJobId}`),
    jobId: pmiJobId ?? null,
  };
}

function readPmix(input: DetectionInput): LauncherReading {
  const { env, explicit } = input;
  const rank = requiredFact(env, 'PMIX_RANK', 0);
  const namespace = variable(env, 'PMIX_NAMESPACE');
  const jobKey = slurmStepKey(env) ?? (namespace === undefined ? null : `pmix-${namespace}`);
  const step = readSlurmStep(env);
  if (step === null) {
    // PMIx has no size variable; without a Slurm step only an explicit world size can say it.
    if (explicit.worldSize === undefined) {
      throw new UserError(`PMIX_RANK is set outside a Slurm step and nothing gives the world size: set PROV4ML_WORLD_SIZE`);
    }
    const layout = completeLayout(input, rank, explicitFact(explicit, 'worldSize'), {}, []);
    return { layout, hosts: [], stepId: null, jobKey, jobId: namespace ?? null };
  }
  if (step.layout.rank.value !== rank.value) {
    throw new UserError(`PMIX_RANK ${rank.value} disagrees with SLURM_PROCID ${step.layout.rank.value} in the same Slurm step`);
  }
  return { layout: { ...step.layout, rank }, hosts: step.hosts, stepId: step.stepId, jobKey, jobId: namespace ?? null };
}
