/**
 * The compatibility suite (issue 12, item 7): scripts written from each generation's documented API
 * (test/python-compat/fixtures: the seed's PyTorch and Lightning-style calls, the newest name-first
 * yprov4ml API, itwinai's keyword style) run unmodified, each standalone (the client starts its own
 * agent), under `prov4ml run -n 2`, and under `srun -n 2` without the wrapper; every rank's files are
 * checked value by value and python `prov` reads every document. Standalone and under srun the client
 * is the one the README's pip command installs into a fresh venv of Debian's python3 (with its
 * system site packages, for torch); under the wrapper it is the one `prov4ml run` puts on PYTHONPATH.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { srun, slurmInstalled, startLocalSlurm } from './cluster/local-slurm.js';
import { FIXTURES, type Fixture } from './python-compat/expectations.js';
import { readRank } from './python-compat/run-reader.js';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from './support/components.js';
import { createVenv, pipInstallClient } from './support/python-venv.js';
import { CLI, REPO_ROOT, pythonProvErrors, runCommand, type CommandResult } from './support/run-dir.js';

const FIXTURE_DIR = join(REPO_ROOT, 'test/python-compat/fixtures');
/** A script's run takes seconds; this bounds a hang. */
const SCRIPT_TIMEOUT_MS = 120_000;

const ready =
  commandWorks(DEBIAN_PYTHON, ['-c', 'import ensurepip, venv']) && pythonModuleAvailable('torch') && pythonModuleAvailable('prov');

/** The client as a pip user without the wrapper has it: installed, `node` on PATH, the CLI named by PROV4ML_CLI. */
function clientEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PROV4ML_CLI: CLI, PYTHONDONTWRITEBYTECODE: '1' };
  env.PATH = [dirname(process.execPath), process.env.PATH].join(delimiter);
  delete env.PYTHONPATH;
  for (const name of Object.keys(env)) if (name.startsWith('PROV4ML_') && name !== 'PROV4ML_CLI') delete env[name];
  return env;
}

/** A fresh venv of Debian's python3 with the client pip-installed; removed after the file's tests. */
let venvPython = '';
let venvDirectory: string | undefined;
before(async () => {
  if (!ready) return;
  venvDirectory = mkdtempSync(join(tmpdir(), 'prov4ml-compat-venv-'));
  const venv = join(venvDirectory, 'venv');
  venvPython = await createVenv(DEBIAN_PYTHON, ['--system-site-packages'], venv);
  await pipInstallClient(venv);
});
after(() => venvDirectory && rmSync(venvDirectory, { recursive: true, force: true }));

function newSaveDir(label: string): string {
  return join(mkdtempSync(join(tmpdir(), `prov4ml-compat-${label}-`)), 'prov');
}

/** Checks every rank of the script's one run directory, then has python `prov` read every document. */
async function assertRun(fixture: Fixture, saveDir: string, ranks: number, result: CommandResult, wrapped = false): Promise<void> {
  assert.equal(result.code, 0, `${fixture.script} exited ${result.code}\n${result.stdout}${result.stderr}`);
  const runs = readdirSync(saveDir, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'));
  assert.deepEqual(runs.length, 1, `one run directory in ${saveDir}`);
  const runDir = join(saveDir, runs[0]!.name);
  assert.match(runDir, new RegExp(`/${fixture.experiment}_\\d+$`));
  const documents: string[] = [];
  for (let rank = 0; rank < ranks; rank++) {
    const run = readRank(runDir, fixture.experiment, rank);
    fixture.check(run, { output: result.stdout + result.stderr, cwd: REPO_ROOT.replace(/\/$/, ''), wrapped });
    documents.push(run.document);
  }
  const ranksWritten = readdirSync(runDir).filter((name) => /^prov_.*_GR\d+\.json$/.test(name));
  assert.equal(ranksWritten.length, ranks, `one document per rank: ${ranksWritten.join(', ')}`);
  const unified = readdirSync(saveDir).filter((name) => name.endsWith('_UNIFIED.json')).map((name) => join(saveDir, name));
  assert.deepEqual(await pythonProvErrors([...documents, join(runDir, 'prov_collection.json'), ...unified]), []);
  rmSync(dirname(saveDir), { recursive: true, force: true });
}

describe('python compatibility: every generation\'s scripts, unmodified', needs('Debian python3 with torch and prov', ready), () => {
  for (const fixture of FIXTURES) {
    test(`${fixture.script} standalone: the client starts its own agent`, async () => {
      const saveDir = newSaveDir('standalone');
      const result = await runCommand(venvPython, [join(FIXTURE_DIR, fixture.script), saveDir], { env: clientEnv(), timeoutMs: SCRIPT_TIMEOUT_MS });
      await assertRun(fixture, saveDir, 1, result);
    });

    test(`${fixture.script} under prov4ml run -n 2`, async () => {
      const saveDir = newSaveDir('wrapped');
      const command = [process.execPath, CLI, 'run', '-n', '2', '--', DEBIAN_PYTHON, join(FIXTURE_DIR, fixture.script), saveDir];
      const result = await runCommand(command[0]!, command.slice(1), { env: clientEnv(), timeoutMs: SCRIPT_TIMEOUT_MS });
      await assertRun(fixture, saveDir, 2, result, true);
    });
  }
});

describe('python compatibility under srun -n 2 without the wrapper', needs('slurm and Debian python3 with torch and prov', slurmInstalled && ready), () => {
  before(startLocalSlurm);

  for (const fixture of FIXTURES) {
    test(`${fixture.script}: each rank's client starts its own agent, one job`, async () => {
      // srun's helper gives the job a fresh save directory through PROV4ML_PROVENANCE_SAVE_DIR; the script takes the agent's.
      const step = await srun({
        srunOptions: ['-N', '1', '-n', '2'],
        command: [venvPython, join(FIXTURE_DIR, fixture.script)],
        env: { PROV4ML_CLI: CLI, PYTHONDONTWRITEBYTECODE: '1' },
      });
      await assertRun(fixture, step.saveDir, 2, step);
    });
  }
});
