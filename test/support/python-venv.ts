/**
 * The Python client installed the way the README says: its one `pip install` line, run offline (no
 * index, no find-links, no pip configuration of this machine) in a fresh venv.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCommand } from './run-dir.js';

/** The README's pip command: the one line of the Python section that starts with `pip install`. */
export function readmePipCommand(): string {
  const lines = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n').filter((line) => /^pip install /.test(line));
  assert.equal(lines.length, 1, `the README has one pip install line, found ${JSON.stringify(lines)}`);
  return lines[0]!;
}

/** pip with nothing to fetch from: no index, no find-links, no configuration file of this machine. */
export function offlinePipEnv(venv: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH}`, VIRTUAL_ENV: venv };
  delete env.PIP_FIND_LINKS;
  delete env.PYTHONPATH;
  return { ...env, PIP_NO_INDEX: '1', PIP_CONFIG_FILE: devNull };
}

/** Creates a venv at `venv` with `python -m venv [venvArgs]`; returns its python. */
export async function createVenv(python: string, venvArgs: string[], venv: string): Promise<string> {
  const created = await runCommand(python, ['-m', 'venv', ...venvArgs, venv]);
  assert.equal(created.code, 0, created.stderr);
  return join(venv, 'bin', 'python');
}

/** Runs the README's pip command into `venv`, from the checkout; returns pip's output. */
export async function pipInstallClient(venv: string): Promise<string> {
  const installed = await runCommand('sh', ['-c', readmePipCommand()], { cwd: REPO_ROOT, env: offlinePipEnv(venv), timeoutMs: 120_000 });
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
  return installed.stdout;
}
