// MPI end to end: Open MPI's mpirun and MPICH's mpiexec start 4 ranks, each wrapped by `prov4ml run`;
// on their own, and inside a two-node Slurm allocation, where every rank inherits the batch script's
// SLURM_PROCID=0 and the rank must come from the MPI launcher.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { commandWorks, DEBIAN_PYTHON, needs } from '../support/components.js';
import { runCommand } from '../support/run-dir.js';
import { clusterEnv, newJobFiles, RANK_PROGRAM, SBATCH_EXAMPLES } from './launch.js';
import { JOB_TIMEOUT_MS, slurmInstalled, startLocalSlurm, submitAndWait } from './local-slurm.js';
import { assertRankDocuments, assertRankProgramRecords, onlyRunDirOf, ranksOf, recordedJobKey } from './rank-documents.js';

const openMpiInstalled = commandWorks('mpirun.openmpi', ['--version']);
const mpichInstalled = commandWorks('mpiexec.mpich', ['--version']);

/** mpirun refuses root without these; tests run as root here (Slurm needs it). */
const OPEN_MPI_AS_ROOT = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };

describe('MPI launchers with the wrapper', () => {
  test('mpirun -np 4 (Open MPI): ranks, local ranks and the job key from Open MPI', needs('openmpi', openMpiInstalled), async () => {
    const experiment = 'openmpi';
    const { saveDir } = newJobFiles('openmpi');
    const env = clusterEnv(saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'OMPI_COMM_WORLD_RANK', ...OPEN_MPI_AS_ROOT });
    // --oversubscribe: 4 ranks on fewer cores.
    const result = await runCommand('mpirun.openmpi', ['--oversubscribe', '-np', '4', 'prov4ml', 'run', '--', DEBIAN_PYTHON, RANK_PROGRAM], {
      env,
      timeoutMs: JOB_TIMEOUT_MS,
    });
    assert.equal(result.code, 0, result.stderr);
    const runDir = onlyRunDirOf(saveDir, experiment);
    const jobKey = recordedJobKey(runDir, experiment);
    const namespace = /^ompi-(\d+)$/.exec(jobKey)?.[1];
    assert.ok(namespace !== undefined, `Open MPI's job key names its namespace: ${jobKey}`);
    assertRankDocuments(runDir, experiment, ranksOf({ worldSize: 4, localWorldSize: 4, jobId: namespace, jobKey, stepId: null, launcher: 'openmpi' }));
    assertRankProgramRecords(runDir, experiment, 4);
  });

  test('mpiexec.mpich -n 4 with PROV4ML_JOB_ID: ranks from PMI, the given job id', needs('mpich', mpichInstalled), async () => {
    const experiment = 'mpich';
    const { saveDir } = newJobFiles('mpich');
    const jobId = `mpich-test-${process.pid}`;
    const env = clusterEnv(saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'PMI_RANK', PROV4ML_JOB_ID: jobId });
    const result = await runCommand('mpiexec.mpich', ['-n', '4', 'prov4ml', 'run', '--', DEBIAN_PYTHON, RANK_PROGRAM], { env, timeoutMs: JOB_TIMEOUT_MS });
    assert.equal(result.code, 0, result.stderr);
    const runDir = onlyRunDirOf(saveDir, experiment);
    assertRankDocuments(runDir, experiment, ranksOf({ worldSize: 4, localWorldSize: 4, jobId, jobKey: jobId, stepId: null, launcher: 'mpich' }));
    assertRankProgramRecords(runDir, experiment, 4);
  });

  test('mpiexec.mpich -n 4 without a job id: each wrapper says to set PROV4ML_JOB_ID and the program still runs', needs('mpich', mpichInstalled), async () => {
    const { saveDir } = newJobFiles('mpich-no-job-id');
    const env = clusterEnv(saveDir, { PROV4ML_EXPERIMENT_NAME: 'unnamed_job' });
    const program = ['sh', '-c', 'echo "rank $PMI_RANK ran"'];
    const result = await runCommand('mpiexec.mpich', ['-n', '4', 'prov4ml', 'run', '--', ...program], { env, timeoutMs: JOB_TIMEOUT_MS });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.split('\n').filter(Boolean).sort(), ['rank 0 ran', 'rank 1 ran', 'rank 2 ran', 'rank 3 ran']);
    const warnings = result.stderr.split('\n').filter((line) => /^prov4ml: .*set PROV4ML_JOB_ID.*; running sh without provenance$/.test(line));
    assert.equal(warnings.length, 4, result.stderr);
    assert.equal(existsSync(join(saveDir, 'unnamed_job_0')), false, 'nothing is recorded without a shared job id');
  });
});

describe('MPI inside a Slurm allocation of two nodes (slurm/examples/mpirun.sbatch)', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);
  /** 2 ranks on each emulated node: node rank and local rank come from the MPI launcher's placement. */
  const TWO_NODES = ['-N', '2', '--ntasks-per-node=2'];

  test('Open MPI: mpirun places the ranks from the allocation; Slurm\'s inherited rank 0 is ignored', needs('openmpi', openMpiInstalled), async () => {
    const experiment = 'openmpi_allocation';
    const files = newJobFiles('openmpi-allocation');
    const job = await submitAndWait({
      script: join(SBATCH_EXAMPLES, 'mpirun.sbatch'),
      scriptArguments: [DEBIAN_PYTHON, RANK_PROGRAM],
      sbatchOptions: TWO_NODES,
      env: clusterEnv(files.saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'OMPI_COMM_WORLD_RANK', MPIRUN: 'mpirun.openmpi', ...OPEN_MPI_AS_ROOT }),
      outputPath: files.output,
    });
    assert.equal(job.code, 0, job.output);
    const runDir = onlyRunDirOf(files.saveDir, experiment);
    const jobKey = recordedJobKey(runDir, experiment);
    assert.match(jobKey, /^ompi-\d+$/);
    // mpirun's ranks share no Slurm step (its remote daemons run in a step of their own): no step id.
    const shared = { worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey, stepId: null, launcher: 'openmpi' };
    assertRankDocuments(runDir, experiment, ranksOf(shared));
    assertRankProgramRecords(runDir, experiment, 4);
  });

  test('MPICH: Hydra starts its proxies as one srun step; ranks from PMI', needs('mpich', mpichInstalled), async () => {
    const experiment = 'mpich_allocation';
    const files = newJobFiles('mpich-allocation');
    const job = await submitAndWait({
      script: join(SBATCH_EXAMPLES, 'mpirun.sbatch'),
      scriptArguments: [DEBIAN_PYTHON, RANK_PROGRAM],
      sbatchOptions: TWO_NODES,
      env: clusterEnv(files.saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'PMI_RANK', MPIRUN: 'mpiexec.mpich' }),
      outputPath: files.output,
    });
    assert.equal(job.code, 0, job.output);
    const runDir = onlyRunDirOf(files.saveDir, experiment);
    const shared = { worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey: `slurm-${job.jobId}.0`, stepId: '0', launcher: 'mpich' };
    assertRankDocuments(runDir, experiment, ranksOf(shared));
    assertRankProgramRecords(runDir, experiment, 4);
  });
});
