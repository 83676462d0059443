// Slurm end to end: ranks started by srun, directly and from batch scripts (slurm/examples), on one
// and on two emulated nodes, each wrapped by `prov4ml run`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { needs } from '../support/components.js';
import { FAILED_RANK_STATUS, RANK_PROGRAM_COMMAND, SBATCH_EXAMPLES } from './launch.js';
import { derivedAggregatorPort, EMULATED_NODES, runBatchJob, slurmInstalled, slurmJobKey, srun, startLocalSlurm } from './local-slurm.js';
import { assertRankProgramRun, ranksOf, type ExpectedJob } from './rank-documents.js';

/** srun's tasks under MpiDefault=pmix all have PMIX_RANK, so the PMIx row detects them (sizes from the step). */
const SRUN_TASKS = { launcher: 'pmix', stepId: '0' } as const;

describe('Slurm: srun and sbatch with the wrapper', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);

  test('srun -n 4 prov4ml run: every rank as Slurm started it, and the failing rank\'s status', async () => {
    const experiment = 'srun_ranks';
    const step = await srun({
      srunOptions: ['-N', '1', '-n', '4'],
      command: ['prov4ml', 'run', '--', ...RANK_PROGRAM_COMMAND],
      env: { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID', FAIL_RANK: '2' },
    });
    assert.equal(step.code, FAILED_RANK_STATUS, `srun reports the failed rank\n${step.stderr}`);
    const job: ExpectedJob = { ...SRUN_TASKS, worldSize: 4, localWorldSize: 4, jobId: step.jobId, jobKey: await slurmJobKey(step.jobId) };
    assertRankProgramRun(step.saveDir, experiment, ranksOf({ ...job, failedRank: 2, failedStatus: FAILED_RANK_STATUS }));
  });

  test('sbatch of slurm/examples/srun.sbatch on two nodes: node ranks from the node list, aggregator on the first node', async () => {
    const experiment = 'two_nodes';
    const job = await runBatchJob({
      script: join(SBATCH_EXAMPLES, 'srun.sbatch'),
      scriptArguments: RANK_PROGRAM_COMMAND,
      sbatchOptions: ['-N', '2', '--ntasks-per-node=2'],
      env: { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID' },
    });
    const shared: ExpectedJob = { ...SRUN_TASKS, worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey: await slurmJobKey(job.jobId) };
    const runDir = assertRankProgramRun(job.saveDir, experiment, ranksOf(shared));
    // Ranks on node02 reach rank 0's aggregator at the first host of SLURM_STEP_NODELIST=node[01-02].
    assert.equal(readFileSync(join(runDir, 'aggregator.endpoint'), 'utf8').trim(), `tcp://${EMULATED_NODES[0]}:${derivedAggregatorPort(job.jobId, 0)}`);
  });

  test('sbatch of slurm/examples/standalone-aggregator.sbatch: the batch script\'s aggregator writes every rank', async () => {
    const experiment = 'standalone';
    const job = await runBatchJob({
      script: join(SBATCH_EXAMPLES, 'standalone-aggregator.sbatch'),
      scriptArguments: RANK_PROGRAM_COMMAND,
      sbatchOptions: ['-N', '1'],
      env: { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID' },
    });
    assert.match(job.output, /prov4ml aggregate: wrote \d+ files in /, 'the stand-alone aggregator finalised the job');
    const shared: ExpectedJob = { ...SRUN_TASKS, worldSize: 4, localWorldSize: 4, jobId: job.jobId, jobKey: await slurmJobKey(job.jobId) };
    const runDir = assertRankProgramRun(job.saveDir, experiment, ranksOf(shared));
    assert.equal(existsSync(join(runDir, 'aggregator.endpoint')), false, 'no rank hosted an aggregator');
  });
});
