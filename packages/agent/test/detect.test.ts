// Rank and job detection, one case per launcher row. The variable values are those the launchers set
// on the project's machines (recipes/local-slurm.md, "Rank environment variables", rank 1 of 4 unless
// noted); values the recipe elides are marked "(plausible)", and torchrun's and Open MPI's daemon URI
// come from running them here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { assertUserError } from './support/user-error.js';
import { commandWorks, needs } from '../../../test/support/components.js';
import { detectJob, LAUNCHER_PRECEDENCE, type JobInfo, type JobOverridesInput } from '../src/rank/detect.js';

type Env = Record<string, string>;

const HOST = 'vm';

function detect(env: Env, explicit: JobOverridesInput = {}): JobInfo {
  return detectJob(env, explicit, HOST, () => 'fixed-id');
}

// ---- environments ----

/** `srun -n 4` on one node, as rank 1; MpiDefault=pmix makes every task a PMIx client. */
const SRUN_N4: Env = {
  SLURM_PROCID: '1', SLURM_NTASKS: '4', SLURM_NPROCS: '4', SLURM_LOCALID: '1', SLURM_NODEID: '0',
  SLURM_NNODES: '1', SLURM_JOB_NUM_NODES: '1', SLURM_JOB_ID: '3', SLURM_JOBID: '3', SLURM_STEP_ID: '0',
  SLURM_STEPID: '0', SLURM_STEP_NODELIST: 'vm', SLURM_JOB_NODELIST: 'vm', SLURM_NODELIST: 'vm',
  SLURM_TASKS_PER_NODE: '4', SLURM_STEP_TASKS_PER_NODE: '4', SLURM_JOB_CPUS_PER_NODE: '4', SLURM_CPUS_ON_NODE: '4',
  SLURMD_NODENAME: 'vm', SLURM_TOPOLOGY_ADDR: 'vm', SLURM_GTIDS: '0,1,2,3', SLURM_MPI_TYPE: 'pmix',
  SLURM_SUBMIT_HOST: 'vm', PMIX_RANK: '1', PMIX_NAMESPACE: 'slurm.pmix.3.0', PMIX_VERSION: '4.2.2rc2',
};

/** The same step with `--mpi=none`: no PMIx, only Slurm's variables. */
const SRUN_MPI_NONE: Env = Object.fromEntries(
  Object.entries(SRUN_N4).filter(([name]) => !name.startsWith('PMIX_') && name !== 'SLURM_MPI_TYPE'),
);

/** The body of an `sbatch -n 4` script, outside any srun. */
const SBATCH_SCRIPT: Env = {
  SLURM_PROCID: '0', SLURM_NTASKS: '4', SLURM_NPROCS: '4', SLURM_LOCALID: '0', SLURM_NODEID: '0',
  SLURM_NNODES: '1', SLURM_JOB_NUM_NODES: '1', SLURM_JOB_ID: '31', SLURM_JOBID: '31', SLURM_JOB_NODELIST: 'vm',
  SLURM_NODELIST: 'vm', SLURM_TASKS_PER_NODE: '4', SLURM_JOB_CPUS_PER_NODE: '4', SLURM_CPUS_ON_NODE: '4',
  SLURMD_NODENAME: 'vm', SLURM_GTIDS: '0', SLURM_SUBMIT_HOST: 'vm',
};

/** `srun -n 2` as the second step of that batch job, rank 1. */
const SRUN_IN_SBATCH: Env = {
  ...SBATCH_SCRIPT,
  SLURM_PROCID: '1', SLURM_NTASKS: '2', SLURM_NPROCS: '2', SLURM_LOCALID: '1', SLURM_STEP_ID: '1',
  SLURM_STEPID: '1', SLURM_STEP_NODELIST: 'vm', SLURM_STEP_TASKS_PER_NODE: '2', SLURM_STEP_NUM_TASKS: '2',
  SLURM_GTIDS: '0,1', SLURM_MPI_TYPE: 'pmix', PMIX_RANK: '1', PMIX_NAMESPACE: 'slurm.pmix.31.1',
};

/** `mpirun --oversubscribe -np 4` (Open MPI 4.1.4), no Slurm. */
const MPIRUN: Env = {
  OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_LOCAL_RANK: '1',
  OMPI_COMM_WORLD_LOCAL_SIZE: '4', OMPI_COMM_WORLD_NODE_RANK: '1', OMPI_UNIVERSE_SIZE: '2',
  OMPI_MCA_orte_num_nodes: '1', OMPI_MCA_orte_ess_node_rank: '1', PMIX_RANK: '1', PMIX_NAMESPACE: '1129775105',
};

/** mpirun inside the sbatch allocation: the batch script's SLURM_PROCID=0 is inherited and wrong. */
const MPIRUN_IN_SBATCH: Env = {
  ...SBATCH_SCRIPT,
  ...MPIRUN,
  OMPI_UNIVERSE_SIZE: '4',
  PMIX_NAMESPACE: '2054356993', // (plausible: the recipe elides it)
};

/** `mpiexec.mpich -n 4` (Hydra), no Slurm. */
const MPIEXEC_MPICH: Env = {
  PMI_RANK: '1', PMI_SIZE: '4', PMI_FD: '8', MPI_LOCALRANKID: '1', MPI_LOCALNRANKS: '4', HYDI_CONTROL_FD: '7',
};

/** mpiexec.mpich inside an allocation: Hydra's proxy is a 1-task srun step of job 31. */
const MPIEXEC_MPICH_IN_SBATCH: Env = {
  ...SBATCH_SCRIPT,
  ...MPIEXEC_MPICH,
  SLURM_STEP_ID: '0', SLURM_STEPID: '0', SLURM_STEP_NUM_TASKS: '1', SLURM_NPROCS: '1', SLURM_STEP_NODELIST: 'vm',
  SLURM_STEP_TASKS_PER_NODE: '1',
};

/** `srun --mpi=pmix -n 4`, job 27. */
const SRUN_PMIX: Env = {
  ...SRUN_N4,
  SLURM_JOB_ID: '27', SLURM_JOBID: '27', PMIX_NAMESPACE: 'slurm.pmix.27.0',
};

/** `srun --mpi=pmi2 -n 4`, job 28: PMI_RANK/PMI_SIZE but no MPI_LOCALRANKID. */
const SRUN_PMI2: Env = {
  ...SRUN_MPI_NONE,
  SLURM_JOB_ID: '28', SLURM_JOBID: '28', SLURM_MPI_TYPE: 'pmi2', PMI_RANK: '1', PMI_SIZE: '4', PMI_FD: '13',
  PMI_JOBID: '28.0',
};

/** `torchrun --standalone --nproc_per_node 2`, rank 1 (captured from /usr/bin/torchrun here). */
const TORCHRUN: Env = {
  RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', GROUP_WORLD_SIZE: '1',
  ROLE_RANK: '1', ROLE_WORLD_SIZE: '2', ROLE_NAME: 'default', MASTER_ADDR: 'localhost', MASTER_PORT: '59105',
  TORCHELASTIC_RUN_ID: 'e201ff1b-f5fa-4582-b714-5ff28a374f02', TORCHELASTIC_RESTART_COUNT: '0',
  TORCHELASTIC_MAX_RESTARTS: '0', TORCHELASTIC_USE_AGENT_STORE: 'False', OMP_NUM_THREADS: '1',
};

/** Two emulated nodes, `srun -N 2 --ntasks-per-node=2`, rank 2 (the first task on node02), job 5. */
const TWO_NODES: Env = {
  SLURM_PROCID: '2', SLURM_NTASKS: '4', SLURM_NPROCS: '4', SLURM_LOCALID: '0', SLURM_NODEID: '1',
  SLURM_NNODES: '2', SLURM_JOB_NUM_NODES: '2', SLURM_JOB_ID: '5', SLURM_JOBID: '5', SLURM_STEP_ID: '0',
  SLURM_STEPID: '0', SLURM_STEP_NODELIST: 'node[01-02]', SLURM_JOB_NODELIST: 'node[01-02]',
  SLURM_NODELIST: 'node[01-02]', SLURM_TASKS_PER_NODE: '2(x2)', SLURM_STEP_TASKS_PER_NODE: '2(x2)',
  SLURM_JOB_CPUS_PER_NODE: '4(x2)', SLURMD_NODENAME: 'node02', SLURM_TOPOLOGY_ADDR: 'node02', SLURM_GTIDS: '2,3',
  SLURM_MPI_TYPE: 'pmix', PMIX_RANK: '2', PMIX_NAMESPACE: 'slurm.pmix.5.0',
};

/** torchrun under `srun -N2 --ntasks-per-node=1` with static rendezvous, rank 3 on node02, job 9. */
const TORCHRUN_UNDER_SRUN: Env = {
  SLURM_PROCID: '1', SLURM_NTASKS: '2', SLURM_NPROCS: '2', SLURM_LOCALID: '0', SLURM_NODEID: '1',
  SLURM_JOB_ID: '9', SLURM_STEP_ID: '0', SLURM_STEP_NODELIST: 'node[01-02]', SLURM_JOB_NODELIST: 'node[01-02]',
  SLURM_STEP_TASKS_PER_NODE: '1(x2)', SLURMD_NODENAME: 'node02', PMIX_RANK: '1', PMIX_NAMESPACE: 'slurm.pmix.9.0',
  RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '1', GROUP_WORLD_SIZE: '2',
  MASTER_ADDR: 'node01', MASTER_PORT: '29533', TORCHELASTIC_RUN_ID: 'none',
};

// ---- one case per launcher row ----

interface LauncherCase {
  name: string;
  env: Env;
  explicit?: JobOverridesInput;
  expected: JobInfo;
}

const one = { hosts: ['vm'], masterAddr: null };

const CASES: LauncherCase[] = [
  {
    name: 'srun -n 4 (PMIx is the default MPI plugin, so PMIX_RANK gives the rank)',
    env: SRUN_N4,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '3', stepId: '0', launcher: 'pmix', jobKey: 'slurm-3.0' },
  },
  {
    name: 'srun --mpi=none -n 4: the Slurm step row',
    env: SRUN_MPI_NONE,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '3', stepId: '0', launcher: 'slurm', jobKey: 'slurm-3.0' },
  },
  {
    name: 'sbatch batch script outside srun: one process, not rank 0 of 4',
    env: SBATCH_SCRIPT,
    expected: { ...one, rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, nodeRank: 0, jobId: '31', stepId: null, launcher: 'single', jobKey: 'single-vm-fixed-id' },
  },
  {
    name: 'srun -n 2 inside sbatch: the step’s task count, not the job’s',
    env: SRUN_IN_SBATCH,
    expected: { ...one, rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, nodeRank: 0, jobId: '31', stepId: '1', launcher: 'pmix', jobKey: 'slurm-31.1' },
  },
  {
    name: 'mpirun -np 4 (Open MPI)',
    env: MPIRUN,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '1129775105', stepId: null, launcher: 'openmpi', jobKey: 'ompi-1129775105' },
  },
  {
    name: 'mpirun inside sbatch: Open MPI wins over the inherited SLURM_PROCID=0',
    env: MPIRUN_IN_SBATCH,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '31', stepId: null, launcher: 'openmpi', jobKey: 'ompi-2054356993' },
  },
  {
    name: 'mpiexec.mpich -n 4 with PROV4ML_JOB_ID (Hydra gives no job id)',
    env: MPIEXEC_MPICH,
    explicit: { jobId: 'job-42' },
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: 'job-42', stepId: null, launcher: 'mpich', jobKey: 'job-42' },
  },
  {
    name: 'mpiexec.mpich inside sbatch: PMI wins over the proxy step’s SLURM_PROCID=0 and SLURM_STEP_NUM_TASKS=1',
    env: MPIEXEC_MPICH_IN_SBATCH,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '31', stepId: '0', launcher: 'mpich', jobKey: 'slurm-31.0' },
  },
  {
    name: 'mpiexec.mpich in a two-node allocation, rank 2: Hydra’s per-node host name, not the inherited SLURMD_NODENAME',
    env: {
      ...SBATCH_SCRIPT, ...MPIEXEC_MPICH, PMI_RANK: '2', MPI_LOCALRANKID: '0', MPI_LOCALNRANKS: '2', SLURMD_NODENAME: 'node01',
      SLURM_JOB_NODELIST: 'node[01-02]', SLURM_NODELIST: 'node[01-02]', SLURM_JOB_ID: '28', SLURM_STEP_ID: '1', SLURM_PROCID: '1',
      SLURM_NODEID: '1', SLURM_STEP_NUM_TASKS: '2', SLURM_STEP_NODELIST: 'node[01-02]', SLURM_STEP_TASKS_PER_NODE: '1(x2)',
      MPIR_CVAR_CH3_INTERFACE_HOSTNAME: 'node02',
    },
    expected: { hosts: ['node01', 'node02'], masterAddr: null, rank: 2, worldSize: 4, localRank: 0, localWorldSize: 2, nodeRank: 1, jobId: '28', stepId: '1', launcher: 'mpich', jobKey: 'slurm-28.1' },
  },
  {
    name: 'srun --mpi=pmix -n 4',
    env: SRUN_PMIX,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '27', stepId: '0', launcher: 'pmix', jobKey: 'slurm-27.0' },
  },
  {
    name: 'srun --mpi=pmi2 -n 4: local rank and size from the step, whose tasks are the ranks',
    env: SRUN_PMI2,
    expected: { ...one, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '28', stepId: '0', launcher: 'mpich', jobKey: 'slurm-28.0' },
  },
  {
    name: 'torchrun --standalone --nproc_per_node 2',
    env: TORCHRUN,
    expected: {
      hosts: ['vm'], masterAddr: 'localhost', rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, nodeRank: 0,
      jobId: 'e201ff1b-f5fa-4582-b714-5ff28a374f02', stepId: null, launcher: 'torchrun',
      jobKey: 'torchrun-e201ff1b-f5fa-4582-b714-5ff28a374f02',
    },
  },
  {
    name: 'two emulated nodes, srun -N 2 --ntasks-per-node=2, rank 2 on node02',
    env: TWO_NODES,
    expected: {
      hosts: ['node01', 'node02'], masterAddr: null, rank: 2, worldSize: 4, localRank: 0, localWorldSize: 2, nodeRank: 1,
      jobId: '5', stepId: '0', launcher: 'pmix', jobKey: 'slurm-5.0',
    },
  },
  {
    name: 'two emulated nodes, uneven -N2 -n4 (3,1): the last task is alone on node02',
    env: { ...TWO_NODES, SLURM_PROCID: '3', PMIX_RANK: '3', SLURM_STEP_TASKS_PER_NODE: '3,1', SLURM_TASKS_PER_NODE: '3,1' },
    expected: {
      hosts: ['node01', 'node02'], masterAddr: null, rank: 3, worldSize: 4, localRank: 0, localWorldSize: 1, nodeRank: 1,
      jobId: '5', stepId: '0', launcher: 'pmix', jobKey: 'slurm-5.0',
    },
  },
  {
    name: 'torchrun under srun on two nodes: torch ranks, the agents’ step names the job',
    env: TORCHRUN_UNDER_SRUN,
    expected: {
      hosts: ['node01', 'node02'], masterAddr: 'node01', rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2, nodeRank: 1,
      jobId: '9', stepId: '0', launcher: 'torchrun', jobKey: 'slurm-9.0',
    },
  },
  {
    name: 'torchrun with static rendezvous outside Slurm: run id "none", the master address names the job',
    env: { ...TORCHRUN, TORCHELASTIC_RUN_ID: 'none', MASTER_ADDR: 'node01', MASTER_PORT: '29533' },
    expected: {
      hosts: ['vm'], masterAddr: 'node01', rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, nodeRank: 0,
      jobId: 'torchrun-node01:29533', stepId: null, launcher: 'torchrun', jobKey: 'torchrun-node01:29533',
    },
  },
  {
    name: 'Open MPI on a second node outside Slurm: the ORTE daemon number is the node rank',
    env: { ...MPIRUN, OMPI_COMM_WORLD_RANK: '3', OMPI_COMM_WORLD_LOCAL_SIZE: '2', OMPI_MCA_orte_local_daemon_uri: '1565720576.1;tcp://192.0.2.3:47527' },
    expected: { hosts: [], masterAddr: null, rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2, nodeRank: 1, jobId: '1129775105', stepId: null, launcher: 'openmpi', jobKey: 'ompi-1129775105' },
  },
  {
    name: 'Open MPI in an allocation: the node’s place in SLURM_JOB_NODELIST beats the daemon number (seen: vpid 1 on a one-node job)',
    env: { ...MPIRUN_IN_SBATCH, SLURM_JOB_NODELIST: 'node01', SLURMD_NODENAME: 'node01', OMPI_MCA_orte_local_daemon_uri: '1176437760.1;tcp://192.0.2.2:41793' },
    expected: { hosts: ['node01'], masterAddr: null, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '31', stepId: null, launcher: 'openmpi', jobKey: 'ompi-2054356993' },
  },
  {
    name: 'Open MPI in a two-node allocation without a daemon URI: the node’s place in SLURM_JOB_NODELIST',
    env: { ...MPIRUN, OMPI_COMM_WORLD_LOCAL_SIZE: '2', SLURM_JOB_ID: '7', SLURM_JOB_NODELIST: 'node[01-02]', SLURMD_NODENAME: 'node02' },
    expected: { hosts: ['node01', 'node02'], masterAddr: null, rank: 1, worldSize: 4, localRank: 1, localWorldSize: 2, nodeRank: 1, jobId: '7', stepId: null, launcher: 'openmpi', jobKey: 'ompi-1129775105' },
  },
  {
    name: 'prov4ml run -n 4: the local launcher’s rank, size and job id',
    env: {},
    explicit: { rank: 2, worldSize: 4, jobId: 'local-0f3c' },
    expected: { ...one, rank: 2, worldSize: 4, localRank: 2, localWorldSize: 4, nodeRank: 0, jobId: 'local-0f3c', stepId: null, launcher: 'local', jobKey: 'local-0f3c' },
  },
  {
    name: 'PROV4ML_RANK and PROV4ML_WORLD_SIZE beat srun; the job still comes from Slurm',
    env: SRUN_N4,
    explicit: { rank: 0, worldSize: 2, jobId: null },
    expected: { ...one, rank: 0, worldSize: 2, localRank: 0, localWorldSize: 2, nodeRank: 0, jobId: '3', stepId: '0', launcher: 'explicit', jobKey: 'slurm-3.0' },
  },
  {
    name: 'an explicit rank alone overrides the launcher’s rank only',
    env: SRUN_N4,
    explicit: { rank: 3, worldSize: null },
    expected: { ...one, rank: 3, worldSize: 4, localRank: 1, localWorldSize: 4, nodeRank: 0, jobId: '3', stepId: '0', launcher: 'pmix', jobKey: 'slurm-3.0' },
  },
  {
    name: 'no launcher: a single process',
    env: { PATH: '/usr/bin', HOME: '/root' },
    expected: { ...one, rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, nodeRank: 0, jobId: 'single-vm-fixed-id', stepId: null, launcher: 'single', jobKey: 'single-vm-fixed-id' },
  },
];

for (const { name, env, explicit, expected } of CASES) {
  test(`detectJob: ${name}`, () => {
    assert.deepEqual(detect(env, explicit), expected);
  });
}

test('the precedence table is data, in DESIGN §3 order, and every launcher row has a case above', () => {
  assert.deepEqual(
    LAUNCHER_PRECEDENCE.map((row) => row.launcher),
    ['local', 'explicit', 'torchrun', 'openmpi', 'mpich', 'pmix', 'slurm', 'single'],
  );
  const covered = new Set(CASES.map((entry) => entry.expected.launcher));
  for (const row of LAUNCHER_PRECEDENCE) assert.ok(covered.has(row.launcher), `no case for ${row.launcher}`);
});

test('every rank of a job step gets the same job key, and two jobs get different ones', () => {
  const keysOf = (envs: Env[]) => new Set(envs.map((env) => detect(env).jobKey));
  const twoNodeRanks = [0, 1, 2, 3].map((rank) => ({
    ...TWO_NODES,
    SLURM_PROCID: String(rank),
    PMIX_RANK: String(rank),
    SLURM_LOCALID: String(rank % 2),
    SLURM_NODEID: String(Math.floor(rank / 2)),
    SLURMD_NODENAME: rank < 2 ? 'node01' : 'node02',
  }));
  assert.deepEqual(keysOf(twoNodeRanks), new Set(['slurm-5.0']));
  assert.deepEqual(
    twoNodeRanks.map((env) => [detect(env).rank, detect(env).nodeRank, detect(env).localRank]),
    [[0, 0, 0], [1, 0, 1], [2, 1, 0], [3, 1, 1]],
  );
  assert.equal(keysOf([SRUN_N4, SRUN_PMIX, SRUN_PMI2, SRUN_IN_SBATCH, MPIRUN, TORCHRUN]).size, 6);
  // A single process is a job of its own each time.
  let calls = 0;
  const single = () => detectJob({}, {}, HOST, () => `id-${++calls}`).jobKey;
  assert.notEqual(single(), single());
});

// ---- contradictions ----


const CONTRADICTIONS: { name: string; env: Env; explicit?: JobOverridesInput; names: string[] }[] = [
  { name: 'SLURM_PROCID ≥ SLURM_NTASKS', env: { ...SRUN_MPI_NONE, SLURM_PROCID: '4' }, names: ['SLURM_PROCID', 'SLURM_NTASKS'] },
  { name: 'RANK ≥ WORLD_SIZE', env: { ...TORCHRUN, RANK: '2' }, names: ['RANK', 'WORLD_SIZE'] },
  { name: 'a negative rank', env: { ...MPIRUN, OMPI_COMM_WORLD_RANK: '-1' }, names: ['OMPI_COMM_WORLD_RANK', '"-1"'] },
  { name: 'a non-integer size', env: { ...MPIEXEC_MPICH, PMI_SIZE: '4.5' }, explicit: { jobId: 'j' }, names: ['PMI_SIZE', '"4.5"'] },
  { name: 'a zero world size', env: { ...TORCHRUN, WORLD_SIZE: '0' }, names: ['WORLD_SIZE', '"0"'] },
  { name: 'a node list that does not parse', env: { ...SRUN_N4, SLURM_STEP_NODELIST: 'node[1-2' }, names: ['SLURM_STEP_NODELIST', 'node[1-2'] },
  { name: 'a node id beyond the node list', env: { ...TWO_NODES, SLURM_NODEID: '2' }, names: ['SLURM_NODEID'] },
  { name: 'task counts for more nodes than the list', env: { ...TWO_NODES, SLURM_STEP_TASKS_PER_NODE: '2(x3)' }, names: ['SLURM_STEP_TASKS_PER_NODE'] },
  { name: 'LOCAL_RANK ≥ LOCAL_WORLD_SIZE', env: { ...TORCHRUN, LOCAL_RANK: '2' }, names: ['LOCAL_RANK', 'LOCAL_WORLD_SIZE'] },
  { name: 'a local size above the world size', env: { ...TORCHRUN, LOCAL_WORLD_SIZE: '8' }, names: ['LOCAL_WORLD_SIZE', 'WORLD_SIZE'] },
  { name: 'PMIX_RANK against SLURM_PROCID', env: { ...SRUN_N4, PMIX_RANK: '2' }, names: ['PMIX_RANK', 'SLURM_PROCID'] },
  { name: 'PMIX_RANK outside a step with no size', env: { PMIX_RANK: '1', PMIX_NAMESPACE: 'prterun-vm-1@1' }, names: ['PMIX_RANK', 'PROV4ML_WORLD_SIZE'] },
  { name: 'a step without SLURM_PROCID', env: { SLURM_JOB_ID: '3', SLURM_STEP_ID: '0', SLURM_NTASKS: '4' }, names: ['SLURM_PROCID'] },
  { name: 'a step without a job id', env: { SLURM_STEP_ID: '0', SLURM_PROCID: '0', SLURM_NTASKS: '1' }, names: ['SLURM_JOB_ID'] },
  { name: 'MPICH ranks without a shared job id', env: MPIEXEC_MPICH, names: ['PROV4ML_JOB_ID', 'PMI_RANK'] },
  { name: 'an explicit rank ≥ the explicit world size', env: {}, explicit: { rank: 4, worldSize: 4 }, names: ['PROV4ML_RANK', 'PROV4ML_WORLD_SIZE'] },
  { name: 'an explicit rank ≥ the launcher’s world size', env: SRUN_N4, explicit: { rank: 4 }, names: ['PROV4ML_RANK', 'SLURM_NTASKS'] },
  { name: 'an explicit world size of 0', env: {}, explicit: { rank: 0, worldSize: 0 }, names: ['PROV4ML_WORLD_SIZE'] },
  { name: 'explicit ranks without a job id', env: {}, explicit: { rank: 1, worldSize: 2 }, names: ['PROV4ML_JOB_ID'] },
];

for (const { name, env, explicit, names } of CONTRADICTIONS) {
  test(`detectJob refuses ${name} with a UserError naming ${names.join(', ')}`, () => {
    assertUserError(() => detect(env, explicit), ...names);
  });
}

test('an explicit override of the wrong type is a programming error (TypeError)', () => {
  assert.throws(() => detect({}, { rank: '1' as unknown as number, worldSize: 2 }), TypeError);
  assert.throws(() => detect({}, { jobId: 7 as unknown as string }), TypeError);
});

test('empty variables count as unset', () => {
  const info = detect({ RANK: '', WORLD_SIZE: '', SLURM_STEP_ID: '', OMPI_COMM_WORLD_RANK: '' });
  assert.equal(info.launcher, 'single');
});

// ---- under the real launchers ----

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PRINT_JOB = ['node', '--import', 'tsx', 'packages/agent/test/fixtures/detect/print-job.ts'];
const TORCHRUN_PROGRAM = '/usr/bin/torchrun';

/** Runs a launcher over the print-job fixture; returns each rank's JobInfo, sorted by rank. */
function launch(command: string[], extraArgs: string[] = []): { status: number | null; jobs: JobInfo[]; stderr: string } {
  const [program = '', ...args] = command;
  const result = spawnSync(program, [...args, ...PRINT_JOB, ...extraArgs], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  const jobs = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as JobInfo)
    .sort((a, b) => a.rank - b.rank);
  return { status: result.status, jobs, stderr: result.stderr };
}

/** What two ranks on this host must agree on, whatever the launcher. */
function assertTwoLocalRanks(jobs: JobInfo[], launcher: JobInfo['launcher']): void {
  assert.equal(jobs.length, 2);
  assert.deepEqual(jobs.map((job) => [job.rank, job.localRank]), [[0, 0], [1, 1]]);
  for (const job of jobs) {
    assert.equal(job.launcher, launcher);
    assert.equal(job.worldSize, 2);
    assert.equal(job.localWorldSize, 2);
    assert.equal(job.nodeRank, 0);
  }
  assert.equal(jobs[0]?.jobKey, jobs[1]?.jobKey, 'one job key for both ranks');
  assert.equal(jobs[0]?.jobId, jobs[1]?.jobId);
  assert.equal(jobs[0]?.stepId, jobs[1]?.stepId);
}

const haveOpenMpi = commandWorks('mpirun', ['--version']);
test('under real mpirun -np 2 (Open MPI)', needs('Open MPI mpirun', haveOpenMpi), () => {
  const { status, jobs } = launch(['mpirun', '--allow-run-as-root', '--oversubscribe', '-np', '2']);
  assert.equal(status, 0);
  assertTwoLocalRanks(jobs, 'openmpi');
  assert.match(jobs[0]?.jobKey ?? '', /^ompi-\d+$/);
  assert.equal(jobs[0]?.jobKey, `ompi-${jobs[0]?.jobId}`);
  assert.deepEqual(jobs[0]?.hosts, [hostname()]);
  assert.equal(jobs[0]?.stepId, null);
});

const haveMpich = commandWorks('mpiexec.mpich', ['--version']);
test('under real mpiexec.mpich -n 2 (Hydra): PROV4ML_JOB_ID is required and then names the job', needs('MPICH mpiexec.mpich', haveMpich), () => {
  const withoutJobId = launch(['mpiexec.mpich', '-n', '2']);
  assert.notEqual(withoutJobId.status, 0);
  assert.match(withoutJobId.stderr, /UserError: PROV4ML_JOB_ID is not set/);
  const { status, jobs } = launch(['mpiexec.mpich', '-n', '2'], ['hydra-job-1']);
  assert.equal(status, 0);
  assertTwoLocalRanks(jobs, 'mpich');
  assert.equal(jobs[0]?.jobKey, 'hydra-job-1');
  assert.equal(jobs[0]?.stepId, null);
});

test('under real torchrun --standalone --nproc_per_node 2', needs('torchrun (python3-torch)', existsSync(TORCHRUN_PROGRAM)), () => {
  // --redirects/--tee 9:1 work around torchrun 1.13 on Python 3.11 (recipes/local-slurm.md, pitfall 12).
  const torchrun = [TORCHRUN_PROGRAM, '--standalone', '--nproc_per_node', '2', '--redirects', '9:1', '--tee', '9:1', '--monitor_interval', '0.2', '--no_python'];
  const { status, jobs } = launch(torchrun);
  assert.equal(status, 0);
  assertTwoLocalRanks(jobs, 'torchrun');
  assert.match(jobs[0]?.jobKey ?? '', /^torchrun-[0-9a-f-]{36}$/);
  assert.equal(jobs[0]?.masterAddr, 'localhost');
});

const haveSlurm = commandWorks('sinfo', ['--noheader']);
/** slurm.conf's ClusterName, which Slurm gives each job as SLURM_CLUSTER_NAME and the job key carries. */
const clusterName = () => /^ClusterName\s*=\s*(\S+)/m.exec(spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' }).stdout ?? '')?.[1];
for (const [mpi, launcher] of [['--mpi=pmix', 'pmix'], ['--mpi=pmi2', 'mpich'], ['--mpi=none', 'slurm']] as const) {
  test(`under real srun ${mpi} -n 2`, needs('Slurm (srun)', haveSlurm), () => {
    const { status, jobs } = launch(['srun', '--quiet', mpi, '-n', '2']);
    assert.equal(status, 0);
    assertTwoLocalRanks(jobs, launcher);
    assert.match(jobs[0]?.jobId ?? '', /^\d+$/);
    assert.match(jobs[0]?.stepId ?? '', /^\d+$/);
    assert.equal(jobs[0]?.jobKey, `slurm-${clusterName()}-${jobs[0]?.jobId}.${jobs[0]?.stepId}`);
  });
}

test('inside a real sbatch allocation: mpirun and mpiexec.mpich ranks win over the inherited SLURM_PROCID=0, the script is one process', needs('Slurm (sbatch)', haveSlurm && haveOpenMpi && haveMpich), () => {
  const output = join(mkdtempSync(join(tmpdir(), 'prov4ml-sbatch-')), 'job.out');
  const printJob = PRINT_JOB.join(' ');
  const script = [
    'echo "== openmpi"', `mpirun --allow-run-as-root --oversubscribe ${printJob}`,
    'echo "== mpich"', `mpiexec.mpich ${printJob}`,
    'echo "== single"', printJob,
  ].join('; ');
  const result = spawnSync('sbatch', ['--wait', '--quiet', '-n', '2', '-o', output, '--wrap', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  const text = readFileSync(output, 'utf8');
  assert.equal(result.status, 0, text);
  const sections = new Map<string, JobInfo[]>();
  let current: JobInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('== ')) sections.set(line.slice(3), (current = []));
    else if (line.startsWith('{')) current.push(JSON.parse(line) as JobInfo);
  }
  const [openmpi = [], mpich = [], single = []] = ['openmpi', 'mpich', 'single'].map((name) => (sections.get(name) ?? []).sort((a, b) => a.rank - b.rank));
  const slurmJobId = single[0]?.jobId ?? '';
  assert.match(slurmJobId, /^\d+$/);
  assertTwoLocalRanks(openmpi, 'openmpi');
  assert.equal(openmpi[0]?.jobId, slurmJobId);
  assert.equal(openmpi[0]?.stepId, null);
  assert.match(openmpi[0]?.jobKey ?? '', /^ompi-\d+$/);
  assertTwoLocalRanks(mpich, 'mpich');
  assert.equal(mpich[0]?.jobId, slurmJobId);
  assert.equal(mpich[0]?.jobKey, `slurm-${clusterName()}-${slurmJobId}.${mpich[0]?.stepId}`);
  assert.equal(single.length, 1);
  assert.deepEqual(single.map((job) => [job.launcher, job.rank, job.worldSize, job.stepId]), [['single', 0, 1, null]]);
});
