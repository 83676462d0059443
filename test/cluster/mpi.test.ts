// MPI end to end: Open MPI's mpirun and MPICH's mpiexec start 4 ranks, each wrapped by `prov4ml run`;
// on their own, and inside a two-node Slurm allocation, where every rank inherits the batch script's
// SLURM_PROCID=0 and the rank must come from the MPI launcher.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { commandWorks, needs } from '../support/components.js';
import { launch, RANK_PROGRAM_COMMAND, SBATCH_EXAMPLES } from './launch.js';
import { runBatchJob, slurmInstalled, slurmJobKey, startLocalSlurm } from './local-slurm.js';
import { assertRankProgramRun, onlyRunDirOf, ranksOf, recordedJobKey, type ExpectedJob } from './rank-documents.js';

const openMpiInstalled = commandWorks('mpirun.openmpi', ['--version']);
const mpichInstalled = commandWorks('mpiexec.mpich', ['--version']);

/** mpirun refuses root without these; tests run as root here (Slurm needs it). */
const OPEN_MPI_AS_ROOT = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
const WRAPPED_RANK_PROGRAM = ['prov4ml', 'run', '--', ...RANK_PROGRAM_COMMAND];

/** Open MPI's job key names its namespace, which no test can know before the run. */
function openMpiJobKey(saveDir: string, experiment: string): { jobKey: string; namespace: string } {
  const jobKey = recordedJobKey(onlyRunDirOf(saveDir, experiment), experiment);
  const namespace = /^ompi-(\d+)$/.exec(jobKey)?.[1];
  assert.ok(namespace !== undefined, `Open MPI's job key names its namespace: ${jobKey}`);
  return { jobKey, namespace };
}

describe('MPI launchers with the wrapper', () => {
  test('mpirun -np 4 (Open MPI): ranks, local ranks and the job key from Open MPI', needs('openmpi', openMpiInstalled), async () => {
    const experiment = 'openmpi';
    // --oversubscribe: 4 ranks on fewer cores.
    const env = { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'OMPI_COMM_WORLD_RANK', ...OPEN_MPI_AS_ROOT };
    const run = await launch('mpirun.openmpi', ['--oversubscribe', '-np', '4', ...WRAPPED_RANK_PROGRAM], env);
    assert.equal(run.code, 0, run.stderr);
    const { jobKey, namespace } = openMpiJobKey(run.saveDir, experiment);
    assertRankProgramRun(run.saveDir, experiment, ranksOf({ worldSize: 4, localWorldSize: 4, jobId: namespace, jobKey, stepId: null, launcher: 'openmpi' }));
  });

  test('mpiexec.mpich -n 4 with PROV4ML_JOB_ID: ranks from PMI, the given job id', needs('mpich', mpichInstalled), async () => {
    const experiment = 'mpich';
    const jobId = `mpich-test-${process.pid}`;
    const env = { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'PMI_RANK', PROV4ML_JOB_ID: jobId };
    const run = await launch('mpiexec.mpich', ['-n', '4', ...WRAPPED_RANK_PROGRAM], env);
    assert.equal(run.code, 0, run.stderr);
    assertRankProgramRun(run.saveDir, experiment, ranksOf({ worldSize: 4, localWorldSize: 4, jobId, jobKey: jobId, stepId: null, launcher: 'mpich' }));
  });

  test('mpiexec.mpich -n 4 without a job id: each wrapper says to set PROV4ML_JOB_ID and the program still runs', needs('mpich', mpichInstalled), async () => {
    const program = ['sh', '-c', 'echo "rank $PMI_RANK ran"'];
    const run = await launch('mpiexec.mpich', ['-n', '4', 'prov4ml', 'run', '--', ...program], { PROV4ML_EXPERIMENT_NAME: 'unnamed_job' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split('\n').filter(Boolean).sort(), ['rank 0 ran', 'rank 1 ran', 'rank 2 ran', 'rank 3 ran']);
    const warnings = run.stderr.split('\n').filter((line) => /^prov4ml: .*set PROV4ML_JOB_ID.*; running sh without provenance$/.test(line));
    assert.equal(warnings.length, 4, run.stderr);
    assert.deepEqual(readdirSync(run.saveDir), [], 'nothing is recorded without a shared job id');
  });
});

describe('MPI inside a Slurm allocation of two nodes (slurm/examples/mpirun.sbatch)', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);
  /** 2 ranks on each emulated node: node rank and local rank come from the MPI launcher's placement. */
  const TWO_NODES = ['-N', '2', '--ntasks-per-node=2'];
  const script = join(SBATCH_EXAMPLES, 'mpirun.sbatch');

  test('Open MPI: mpirun places the ranks from the allocation; Slurm\'s inherited rank 0 is ignored', needs('openmpi', openMpiInstalled), async () => {
    const experiment = 'openmpi_allocation';
    const env = { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'OMPI_COMM_WORLD_RANK', MPIRUN: 'mpirun.openmpi', ...OPEN_MPI_AS_ROOT };
    const job = await runBatchJob({ script, scriptArguments: RANK_PROGRAM_COMMAND, sbatchOptions: TWO_NODES, env });
    const { jobKey } = openMpiJobKey(job.saveDir, experiment);
    // mpirun's ranks share no Slurm step (its remote daemons run in a step of their own): no step id.
    const shared: ExpectedJob = { worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey, stepId: null, launcher: 'openmpi' };
    assertRankProgramRun(job.saveDir, experiment, ranksOf(shared));
  });

  test('MPICH: Hydra starts its proxies as one srun step; ranks from PMI', needs('mpich', mpichInstalled), async () => {
    const experiment = 'mpich_allocation';
    const env = { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'PMI_RANK', MPIRUN: 'mpiexec.mpich' };
    const job = await runBatchJob({ script, scriptArguments: RANK_PROGRAM_COMMAND, sbatchOptions: TWO_NODES, env });
    const shared: ExpectedJob = { worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey: await slurmJobKey(job.jobId), stepId: '0', launcher: 'mpich' };
    assertRankProgramRun(job.saveDir, experiment, ranksOf(shared));
  });
});
