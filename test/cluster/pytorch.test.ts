// PyTorch end to end: the DDP example (examples/pytorch/ddp_train.py, gloo on CPU) under srun, as its
// sbatch job, under torchrun, and under torchrun started by srun on two nodes; each rank wrapped by
// `prov4ml run` and logging its loss curve through the Python client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { DEBIAN_PYTHON, needs, pythonModuleAvailable } from '../support/components.js';
import { DDP_EXAMPLE, DDP_SBATCH, freePort, launch, SBATCH_EXAMPLES } from './launch.js';
import { derivedAggregatorPort, EMULATED_NODES, runBatchJob, slurmInstalled, slurmJobKey, srun, startLocalSlurm } from './local-slurm.js';
import { assertDdpRun, DDP_DEFAULT_ARGUMENTS } from './loss-curves.js';
import { ranksOf, type ExpectedJob } from './rank-documents.js';

// Debian's python3-torch brings torchrun with it.
const torchInstalled = pythonModuleAvailable('torch');
const DDP_COMMAND = [DEBIAN_PYTHON, DDP_EXAMPLE];

/**
 * torchrun flags for these machines: --monitor_interval notices the workers' end in 0.2 s instead of
 * 5 s; --redirects/--tee 9:1 avoid torchrun 1.13's crash on Python 3.11 with the default "0".
 */
const TORCHRUN_FLAGS = ['--monitor_interval', '0.2', '--redirects', '9:1', '--tee', '9:1'];

describe('PyTorch DDP example on Slurm', needs('slurm', slurmInstalled), () => {
  before(startLocalSlurm);
  /** srun's tasks under MpiDefault=pmix all have PMIX_RANK, so the PMIx row detects them. */
  const srunTasks = async (jobId: string): Promise<ExpectedJob> => ({ worldSize: 4, localWorldSize: 4, jobId, jobKey: await slurmJobKey(jobId), stepId: '0', launcher: 'pmix' });

  test('srun -n 4 prov4ml run -- python ddp_train.py --epochs 2 …: every rank\'s document and loss curve', needs('python3-torch', torchInstalled), async () => {
    const experiment = 'ddp_srun';
    const step = await srun({
      srunOptions: ['-N', '1', '-n', '4'],
      command: ['prov4ml', 'run', '--', ...DDP_COMMAND, ...DDP_DEFAULT_ARGUMENTS],
      env: { PROV4ML_EXPERIMENT_NAME: experiment, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()) },
    });
    assert.equal(step.code, 0, step.stderr);
    assertDdpRun(step.saveDir, experiment, ranksOf(await srunTasks(step.jobId)), step.stdout);
  });

  test('sbatch examples/pytorch/ddp_train.sbatch, waited for', needs('python3-torch', torchInstalled), async () => {
    const job = await runBatchJob({ script: DDP_SBATCH, sbatchOptions: ['-N', '1'], env: { PYTHON: DEBIAN_PYTHON } });
    assertDdpRun(job.saveDir, 'ddp_example', ranksOf(await srunTasks(job.jobId)), job.output);
  });

  test('sbatch of slurm/examples/torchrun.sbatch on two nodes: torchrun\'s ranks, node ranks and the aggregator at MASTER_ADDR', needs('python3-torch', torchInstalled), async () => {
    const experiment = 'ddp_torchrun_nodes';
    const job = await runBatchJob({
      script: join(SBATCH_EXAMPLES, 'torchrun.sbatch'),
      scriptArguments: DDP_COMMAND,
      sbatchOptions: ['-N', '2'],
      env: { PROV4ML_EXPERIMENT_NAME: experiment },
    });
    // torchrun's variables win over the srun step's it inherits (SLURM_PROCID is the node's agent's).
    const shared: ExpectedJob = { worldSize: 4, ranksPerNode: 2, localWorldSize: 2, jobId: job.jobId, jobKey: await slurmJobKey(job.jobId), stepId: '0', launcher: 'torchrun' };
    const runDir = assertDdpRun(job.saveDir, experiment, ranksOf(shared), job.output);
    assert.equal(readFileSync(join(runDir, 'aggregator.endpoint'), 'utf8').trim(), `tcp://${EMULATED_NODES[0]}:${derivedAggregatorPort(job.jobId, 0)}`);
  });
});

describe('PyTorch DDP example under torchrun', () => {
  test('torchrun --nproc_per_node 2 with each worker wrapped: ranks and job id from torchrun', needs('python3-torch', torchInstalled), async () => {
    const experiment = 'ddp_torchrun';
    const runId = `prov4ml-test-${process.pid}`;
    const rendezvous = ['--nnodes', '1', '--master_addr', '127.0.0.1', '--master_port', String(await freePort()), '--rdzv_id', runId];
    const workers = ['--nproc_per_node', '2', '--no_python', 'prov4ml', 'run', '--', ...DDP_COMMAND];
    const run = await launch('torchrun', [...rendezvous, ...TORCHRUN_FLAGS, ...workers], { PROV4ML_EXPERIMENT_NAME: experiment });
    assert.equal(run.code, 0, run.stderr);
    const expected = ranksOf({ worldSize: 2, localWorldSize: 2, jobId: runId, jobKey: `torchrun-${runId}`, stepId: null, launcher: 'torchrun' });
    assertDdpRun(run.saveDir, experiment, expected, run.stdout);
  });
});
