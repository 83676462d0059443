/** Open MPI's mpirun: OMPI_COMM_WORLD_*, the node from the allocation's node list or ORTE's daemon number. */
import type { Environment } from '../../config/readers.js';
import type { DetectionInput, Fact, LauncherReading, LauncherRow } from '../job-info.js';
import { completeLayout } from './rank-layout.js';
import { nodeIndex, slurmJobHosts } from './slurm.js';
import { fact, isSet, requiredFact, variable } from './variables.js';

/** Open MPI. */
export const OPEN_MPI: LauncherRow = {
  launcher: 'openmpi',
  selectedBy: 'OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE (Open MPI)',
  matches: ({ env }) => isSet(env, 'OMPI_COMM_WORLD_RANK') && isSet(env, 'OMPI_COMM_WORLD_SIZE'),
  read: readOpenMpi,
};

function readOpenMpi(input: DetectionInput): LauncherReading {
  const { env } = input;
  const rank = requiredFact(env, 'OMPI_COMM_WORLD_RANK', 0);
  const worldSize = requiredFact(env, 'OMPI_COMM_WORLD_SIZE', 1);
  // Not the step's node list: mpirun starts its remote daemons in a step of their own, so ranks on
  // mpirun's node see no step and the others see a step without mpirun's node.
  const hosts = slurmJobHosts(env) ?? [];
  const given = {
    localRank: fact(env, 'OMPI_COMM_WORLD_LOCAL_RANK', 0),
    localWorldSize: fact(env, 'OMPI_COMM_WORLD_LOCAL_SIZE', 1),
    // OMPI_COMM_WORLD_NODE_RANK is the rank among the node's processes, not the node's index.
    nodeRank: nodeIndex(input, hosts) ?? orteDaemonIndex(env),
  };
  const namespace = variable(env, 'PMIX_NAMESPACE', 'OMPI_MCA_ess_base_jobid');
  return {
    layout: completeLayout(input, rank, worldSize, given, hosts),
    hosts,
    stepId: null,
    jobKey: namespace === undefined ? null : `ompi-${namespace}`,
    jobId: namespace ?? null,
  };
}

/**
 * Outside Slurm, Open MPI 4 (ORTE) gives the node's index only as its daemon's number, in
 * OMPI_MCA_orte_local_daemon_uri (`<job family>.<vpid>;tcp://…`): 0 is mpirun's own node, so the
 * numbers start at 1 when mpirun's node runs no rank. Inside an allocation mpirun may start a daemon
 * even on its own node (vpid 1 on a one-node job), which is why the node list is asked first.
 */
function orteDaemonIndex(env: Environment): Fact | undefined {
  const vpid = /^\d+\.(\d+);/.exec(variable(env, 'OMPI_MCA_orte_local_daemon_uri') ?? '')?.[1];
  return vpid === undefined ? undefined : { value: Number(vpid), source: 'OMPI_MCA_orte_local_daemon_uri' };
}
