/** torchrun and torch.distributed: RANK and WORLD_SIZE, the job named by its run id or rendezvous. */
import type { Environment } from '../../config/readers.js';
import type { DetectionInput, LauncherReading, LauncherRow } from '../job-info.js';
import { completeLayout } from './rank-layout.js';
import { slurmJobHosts, slurmStepHosts, slurmStepId, slurmStepKey } from './slurm.js';
import { fact, isSet, requiredFact, variable } from './variables.js';

/** torchrun (also under srun, one agent a node). */
export const TORCHRUN: LauncherRow = {
  launcher: 'torchrun',
  selectedBy: 'RANK and WORLD_SIZE (torchrun, torch.distributed)',
  matches: ({ env }) => isSet(env, 'RANK') && isSet(env, 'WORLD_SIZE'),
  read: readTorchrun,
};

function readTorchrun(input: DetectionInput): LauncherReading {
  const { env } = input;
  const rank = requiredFact(env, 'RANK', 0);
  const worldSize = requiredFact(env, 'WORLD_SIZE', 1);
  // Under srun every node's torchrun agent is a task of one step, so its node list is the job's.
  const hosts = slurmStepHosts(env) ?? slurmJobHosts(env) ?? [];
  const given = {
    localRank: fact(env, 'LOCAL_RANK', 0),
    localWorldSize: fact(env, 'LOCAL_WORLD_SIZE', 1),
    nodeRank: fact(env, 'GROUP_RANK', 0),
  };
  return {
    layout: completeLayout(input, rank, worldSize, given, hosts),
    hosts,
    stepId: slurmStepId(env),
    jobKey: slurmStepKey(env) ?? torchrunJobKey(env),
    jobId: torchrunRunId(env),
  };
}

/** torchrun's run id, except the "none" it gets under static rendezvous unless --rdzv_id is given. */
function torchrunRunId(env: Environment): string | null {
  const runId = variable(env, 'TORCHELASTIC_RUN_ID');
  return runId === undefined || runId === 'none' ? null : runId;
}

/** The run id names the job; without one, the rendezvous address that all ranks share does. */
function torchrunJobKey(env: Environment): string | null {
  const runId = torchrunRunId(env);
  if (runId !== null) return `torchrun-${runId}`;
  const masterAddr = variable(env, 'MASTER_ADDR');
  const masterPort = variable(env, 'MASTER_PORT');
  return masterAddr && masterPort ? `torchrun-${masterAddr}:${masterPort}` : null;
}
