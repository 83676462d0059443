// What the ranks of a cluster test run and with which environment. Slurm runs the tasks as root with
// the submitting environment, so `prov4ml` is put on PATH as a small script calling this checkout's CLI.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEBIAN_PYTHON } from '../support/components.js';
import { CLI, REPO_ROOT, runCommand, type CommandResult } from '../support/run-dir.js';

/** Logs what its launcher said its rank is, and 5 known points; see the file's header. */
const RANK_PROGRAM = join(REPO_ROOT, 'test/cluster/fixtures/rank_program.py');
/** The rank program as a command (standard library only: any python3 would do). */
export const RANK_PROGRAM_COMMAND = [DEBIAN_PYTHON, RANK_PROGRAM];
/** Points of the metric `value` the rank program logs: rank × 100 + step for steps 0–4. */
export const RANK_PROGRAM_POINTS = 5;
/** A cluster test's launch takes seconds; this bounds a hang (Slurm ends its own jobs earlier, see local-slurm.ts). */
export const LAUNCH_TIMEOUT_MS = 150_000;
/** The exit status of the rank the rank program is told to fail (FAIL_RANK). */
export const FAILED_RANK_STATUS = 3;

export const DDP_EXAMPLE = join(REPO_ROOT, 'examples/pytorch/ddp_train.py');
export const DDP_SBATCH = join(REPO_ROOT, 'examples/pytorch/ddp_train.sbatch');
export const SBATCH_EXAMPLES = join(REPO_ROOT, 'slurm/examples');

/** Launcher variables a test runner may itself have inherited; a rank must only see its own launcher's. */
const INHERITED_LAUNCHER_VARIABLE = /^(SLURM_|SLURMD_|PMI_|PMIX_|OMPI_|MPI_LOCAL|PROV4ML_|TORCHELASTIC_|(RANK|WORLD_SIZE|LOCAL_RANK|LOCAL_WORLD_SIZE|GROUP_RANK|MASTER_ADDR|MASTER_PORT)$)/;

let shimDirectory: string | undefined;

/** A directory holding an executable `prov4ml` that runs this checkout's CLI with this Node. */
function prov4mlOnPath(): string {
  if (shimDirectory === undefined) {
    shimDirectory = mkdtempSync(join(tmpdir(), 'prov4ml-bin-'));
    const shim = join(shimDirectory, 'prov4ml');
    writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(shim, 0o755);
  }
  return shimDirectory;
}

/**
 * The environment of a cluster test's launcher: this process's, without launcher variables, with
 * `prov4ml` on PATH, a fresh save directory, every rank's records, no periodic samples (irrelevant
 * here) and `extra`.
 */
export function clusterEnv(saveDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!INHERITED_LAUNCHER_VARIABLE.test(name)) env[name] = value;
  return {
    ...env,
    PATH: [prov4mlOnPath(), process.env.PATH].join(delimiter),
    PROV4ML_PROVENANCE_SAVE_DIR: saveDir,
    PROV4ML_METRICS_INTERVAL: '0',
    // Every rank's records. The programs also ask start_run for it, but under `prov4ml run` with
    // PROV4ML_EXPERIMENT_NAME set the wrapper configures the run first and start_run's options are ignored.
    PROV4ML_COLLECT_ALL_PROCESSES: 'true',
    ...extra,
  };
}

/** Where one test's job writes: the save directory (only run directories in it) and the job's output. */
export interface JobFiles {
  saveDir: string;
  output: string;
}

export function newJobFiles(label: string): JobFiles {
  const directory = mkdtempSync(join(tmpdir(), `prov4ml-cluster-${label}-`));
  const saveDir = join(directory, 'prov');
  mkdirSync(saveDir);
  return { saveDir, output: join(directory, 'job.out') };
}

export interface LaunchedJob extends CommandResult {
  saveDir: string;
}

/** Runs a launcher (mpirun, srun, torchrun…) to its end with clusterEnv(fresh save directory, `env`). */
export async function launch(command: string, args: string[], env: Record<string, string>): Promise<LaunchedJob> {
  const { saveDir } = newJobFiles(command);
  const result = await runCommand(command, args, { env: clusterEnv(saveDir, env), timeoutMs: LAUNCH_TIMEOUT_MS });
  return { ...result, saveDir };
}

/** A TCP port that was free a moment ago (for a torch rendezvous the test starts itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
