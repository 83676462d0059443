/**
 * The compatibility suite (issue 12, item 7): scripts written from each generation's documented API
 * (test/python-compat/fixtures: the seed's PyTorch and Lightning-style calls, the newest name-first
 * yprov4ml API, itwinai's keyword style) run unmodified with Debian's python3, each standalone (the
 * client starts its own agent), under `prov4ml run -n 2`, and under `srun -n 2` without the wrapper;
 * every rank's files are checked value by value and python `prov` reads every document.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { srun, slurmInstalled, startLocalSlurm } from './cluster/local-slurm.js';
import { FIXTURES, type Fixture } from './python-compat/expectations.js';
import { readRank } from './python-compat/run-reader.js';
import { DEBIAN_PYTHON, commandWorks, needs, pythonModuleAvailable } from './support/components.js';
import { CLI, REPO_ROOT, pythonProvErrors, runCommand, type CommandResult } from './support/run-dir.js';

const FIXTURE_DIR = join(REPO_ROOT, 'test/python-compat/fixtures');
const PYTHON_CLIENT = join(REPO_ROOT, 'packages/agent/python');
/** A script's run takes seconds; this bounds a hang. */
const SCRIPT_TIMEOUT_MS = 120_000;

const ready = commandWorks(DEBIAN_PYTHON) && pythonModuleAvailable('torch') && pythonModuleAvailable('prov');

/** The client as a user without the wrapper has it: importable, `node` on PATH, the CLI named by PROV4ML_CLI. */
function clientEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PYTHON_CLIENT, PROV4ML_CLI: CLI, PYTHONDONTWRITEBYTECODE: '1' };
  env.PATH = [dirname(process.execPath), process.env.PATH].join(delimiter);
  for (const name of Object.keys(env)) if (name.startsWith('PROV4ML_') && name !== 'PROV4ML_CLI') delete env[name];
  return env;
}

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
      const result = await runCommand(DEBIAN_PYTHON, [join(FIXTURE_DIR, fixture.script), saveDir], { env: clientEnv(), timeoutMs: SCRIPT_TIMEOUT_MS });
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
        command: [DEBIAN_PYTHON, join(FIXTURE_DIR, fixture.script)],
        env: { PYTHONPATH: PYTHON_CLIENT, PROV4ML_CLI: CLI, PYTHONDONTWRITEBYTECODE: '1' },
      });
      await assertRun(fixture, step.saveDir, 2, step);
    });
  }
});
