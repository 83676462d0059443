// The Python client under a launcher WITHOUT `prov4ml run` (issue 12: no call dropped "under
// srun/mpirun/torchrun without the wrapper"): each rank's client starts its own agent, found as
// `prov4ml` on PATH; the agents take their ranks from the launcher, rank 0 hosts the aggregator, and
// every point and every sample call of every rank is in the job's one run directory.
// (srun without the wrapper is in test/python-compat.test.ts.)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from '../support/components.js';
import { pythonProvErrors, readMetricCsv, REPO_ROOT } from '../support/run-dir.js';
import { freePort, launch } from './launch.js';
import { onlyRunDirOf } from './rank-documents.js';

const PROGRAM = join(REPO_ROOT, 'test/cluster/fixtures/unwrapped_calls.py');
const PYTHON_CLIENT = join(REPO_ROOT, 'packages/agent/python');
/** As in the fixture. */
const POINTS = 1000;
const SAMPLES = 3;
const RANKS = 2;

const openMpiInstalled = commandWorks('mpirun.openmpi', ['--version']);
const torchrunInstalled = commandWorks('torchrun', ['--help']);
/** mpirun refuses root without these; tests run as root here (Slurm needs it). */
const OPEN_MPI_AS_ROOT = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
/** Debian's torchrun 1.13 fails in its own log handling without explicit redirects. */
const TORCHRUN_FLAGS = ['--monitor_interval', '0.2', '--redirects', '9:1', '--tee', '9:1'];

async function assertEveryCall(saveDir: string, experiment: string): Promise<void> {
  const runDir = onlyRunDirOf(saveDir, experiment);
  const documents: string[] = [];
  for (let rank = 0; rank < RANKS; rank++) {
    const loss = readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`));
    assert.equal(loss.rows, POINTS, `rank ${rank}: every point`);
    assert.deepEqual(loss.steps, Array.from({ length: POINTS }, (_, step) => step), `rank ${rank}: steps in order`);
    // Σ (rank × 10000 + step) over the steps.
    assert.equal(loss.sum, rank * 10000 * POINTS + (POINTS * (POINTS - 1)) / 2, `rank ${rank}: values`);
    for (const series of ['cpu_usage', 'memory_usage', 'energy_consumed', 'emissions']) {
      const samples = readMetricCsv(join(runDir, 'metrics', `${series}_TRAINING_GR${rank}.csv`));
      assert.deepEqual(samples.steps, Array.from({ length: SAMPLES }, (_, step) => step), `rank ${rank}: one ${series} row per call`);
    }
    documents.push(join(runDir, `prov_${experiment}_GR${rank}.json`));
  }
  assert.ok(existsSync(join(runDir, 'prov_collection.json')), 'the collection links the ranks');
  assert.deepEqual(await pythonProvErrors(documents), []);
}

describe('the Python client under a launcher without the wrapper', needs('Debian python3', commandWorks(DEBIAN_PYTHON) && pythonModuleAvailable('prov')), () => {
  const env = { PYTHONPATH: PYTHON_CLIENT, PYTHONDONTWRITEBYTECODE: '1' };

  test('mpirun -np 2 (Open MPI) python3 script.py: every point and sample of both ranks', needs('openmpi', openMpiInstalled), async () => {
    const experiment = 'unwrapped_openmpi';
    const run = await launch('mpirun.openmpi', ['--oversubscribe', '-np', String(RANKS), DEBIAN_PYTHON, PROGRAM, experiment], { ...env, ...OPEN_MPI_AS_ROOT });
    assert.equal(run.code, 0, run.stderr);
    await assertEveryCall(run.saveDir, experiment);
  });

  test('torchrun --nproc_per_node 2 python3 script.py: every point and sample of both ranks', needs('torchrun', torchrunInstalled), async () => {
    const experiment = 'unwrapped_torchrun';
    const rendezvous = ['--nnodes', '1', '--master_addr', '127.0.0.1', '--master_port', String(await freePort()), '--rdzv_id', `prov4ml-py-${process.pid}`];
    const workers = ['--nproc_per_node', String(RANKS), '--no_python', DEBIAN_PYTHON, PROGRAM, experiment];
    const run = await launch('torchrun', [...rendezvous, ...TORCHRUN_FLAGS, ...workers], env);
    assert.equal(run.code, 0, run.stderr);
    await assertEveryCall(run.saveDir, experiment);
  });
});
