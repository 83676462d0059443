// Slurm end to end: ranks started by srun, directly and from batch scripts (slurm/examples), on one
// and on two emulated nodes, each wrapped by `prov4ml run`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { DEBIAN_PYTHON, needs } from '../support/components.js';
import { clusterEnv, FAILED_RANK_STATUS, newJobFiles, RANK_PROGRAM, SBATCH_EXAMPLES } from './launch.js';
import { derivedAggregatorPort, EMULATED_NODES, slurmInstalled, srun, startLocalSlurm, submitAndWait } from './local-slurm.js';
import { assertRankDocuments, assertRankProgramRecords, onlyRunDirOf, ranksOf } from './rank-documents.js';

describe('Slurm: srun and sbatch with the wrapper', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);

  test('srun -n 4 prov4ml run: every rank as Slurm started it, and the failing rank\'s status', async () => {
    const experiment = 'srun_ranks';
    const { saveDir } = newJobFiles('srun');
    const env = clusterEnv(saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID', FAIL_RANK: '2' });
    const step = await srun({ srunOptions: ['-N', '1', '-n', '4'], command: ['prov4ml', 'run', '--', DEBIAN_PYTHON, RANK_PROGRAM], env });
    assert.equal(step.code, FAILED_RANK_STATUS, `srun reports the failed rank\n${step.stderr}`);
    const runDir = onlyRunDirOf(saveDir, experiment);
    // MpiDefault=pmix gives every task PMIX_RANK, so the PMIx row detects the rank (sizes from the step).
    const job = { worldSize: 4, localWorldSize: 4, jobId: step.jobId, jobKey: `slurm-${step.jobId}.0`, stepId: '0', launcher: 'pmix' };
    assertRankDocuments(runDir, experiment, ranksOf({ ...job, failedRank: 2, failedStatus: FAILED_RANK_STATUS }));
    assertRankProgramRecords(runDir, experiment, 4);
  });

  test('sbatch of slurm/examples/srun.sbatch on two nodes: node ranks from the node list, aggregator on the first node', async () => {
    const experiment = 'two_nodes';
    const files = newJobFiles('two-nodes');
    const job = await submitAndWait({
      script: join(SBATCH_EXAMPLES, 'srun.sbatch'),
      scriptArguments: [DEBIAN_PYTHON, RANK_PROGRAM],
      sbatchOptions: ['-N', '2', '--ntasks-per-node=2'],
      env: clusterEnv(files.saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID' }),
      outputPath: files.output,
    });
    assert.equal(job.code, 0, job.output);
    const runDir = onlyRunDirOf(files.saveDir, experiment);
    const shared = { worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey: `slurm-${job.jobId}.0`, stepId: '0', launcher: 'pmix' };
    assertRankDocuments(runDir, experiment, ranksOf(shared));
    assertRankProgramRecords(runDir, experiment, 4);
    // Ranks on node02 reach rank 0's aggregator at the first host of SLURM_STEP_NODELIST=node[01-02].
    assert.equal(readFileSync(join(runDir, 'aggregator.endpoint'), 'utf8').trim(), `tcp://${EMULATED_NODES[0]}:${derivedAggregatorPort(job.jobId, 0)}`);
  });

  test('sbatch of slurm/examples/standalone-aggregator.sbatch: the batch script\'s aggregator writes every rank', async () => {
    const experiment = 'standalone';
    const files = newJobFiles('standalone');
    const job = await submitAndWait({
      script: join(SBATCH_EXAMPLES, 'standalone-aggregator.sbatch'),
      scriptArguments: [DEBIAN_PYTHON, RANK_PROGRAM],
      sbatchOptions: ['-N', '1'],
      env: clusterEnv(files.saveDir, { PROV4ML_EXPERIMENT_NAME: experiment, RANK_VARIABLE: 'SLURM_PROCID' }),
      outputPath: files.output,
    });
    assert.equal(job.code, 0, job.output);
    assert.match(job.output, /prov4ml aggregate: wrote \d+ files in /, 'the stand-alone aggregator finalised the job');
    const runDir = onlyRunDirOf(files.saveDir, experiment);
    assert.equal(existsSync(join(runDir, 'aggregator.endpoint')), false, 'no rank hosted an aggregator');
    const shared = { worldSize: 4, localWorldSize: 4, jobId: job.jobId, jobKey: `slurm-${job.jobId}.0`, stepId: '0', launcher: 'pmix' };
    assertRankDocuments(runDir, experiment, ranksOf(shared));
    assertRankProgramRecords(runDir, experiment, 4);
  });
});
