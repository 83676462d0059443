import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { separatorOfHeader } from '@prov4ml/aggregator';
import { DEBIAN_PYTHON } from './components.js';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = join(REPO_ROOT, 'packages/cli/bin/prov4ml.js');

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, collecting its output (bounded by `timeoutMs`). */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The one run directory under a save dir (fails the test if there is not exactly one). */
export function onlyRunDir(saveDir: string): string {
  const runs = readdirSync(saveDir).filter((name) => !name.startsWith('.'));
  if (runs.length !== 1) throw new Error(`expected one run directory in ${saveDir}, found ${runs.join(', ') || 'none'}`);
  return join(saveDir, runs[0]!);
}

export interface CsvSeries {
  rows: number;
  sum: number;
  steps: number[];
}

/** Reads a metric CSV: checks its header (any valid separator, read back from it) and that every row ends in a newline. */
export function readMetricCsv(path: string): CsvSeries {
  const text = readFileSync(path, 'utf8');
  const header = text.slice(0, text.indexOf('\n'));
  const separator = separatorOfHeader(header);
  if (separator === null) throw new Error(`${path}: bad header ${JSON.stringify(header.slice(0, 60))}`);
  if (!text.endsWith('\n')) throw new Error(`${path}: last row has no newline`);
  const lines = text.slice(header.length + 1).split('\n').slice(0, -1);
  let sum = 0;
  const steps: number[] = [];
  for (const line of lines) {
    const [step, value] = line.split(separator);
    sum += Number(value);
    steps.push(Number(step));
  }
  return { rows: lines.length, sum, steps };
}

/**
 * Every point of every rank that test/fixtures/log-points.mjs logged arrived exactly once: per rank and
 * metric the row count, the exact step set, and the value sum.
 */
export function assertExactlyOnce(runDir: string, ranks: number, points: number): void {
  const expectedSteps = Array.from({ length: points }, (_, i) => i);
  for (let rank = 0; rank < ranks; rank++) {
    const loss = readMetricCsv(join(runDir, 'metrics', `loss_TRAINING_GR${rank}.csv`));
    assert.equal(loss.rows, points, `rank ${rank} loss rows`);
    assert.deepEqual([...loss.steps].sort((a, b) => a - b), expectedSteps, `rank ${rank} loss steps`);
    const lossSum = points * rank * 1_000_000 + (0.5 * points * (points - 1)) / 2;
    assert.ok(Math.abs(loss.sum - lossSum) <= 1e-9 * Math.max(1, lossSum), `rank ${rank} loss sum ${loss.sum} ≠ ${lossSum}`);
    const acc = readMetricCsv(join(runDir, 'metrics', `acc_VALIDATION_GR${rank}.csv`));
    assert.equal(acc.rows, points, `rank ${rank} acc rows`);
    const accSum = points * rank + (points - 1) / 2;
    assert.ok(Math.abs(acc.sum - accSum) <= 1e-9 * Math.max(1, accSum), `rank ${rank} acc sum ${acc.sum} ≠ ${accSum}`);
  }
}

/** Reads every file with python `prov` and serialises it to PROV-N; returns one error line per failure. */
export async function pythonProvErrors(files: string[]): Promise<string[]> {
  const script = [
    'import sys, prov.model',
    'for path in sys.argv[1:]:',
    '    try:',
    '        doc = prov.model.ProvDocument.deserialize(path, format="json")',
    '        doc.get_provn()',
    '    except Exception as error:',
    '        print(f"{path}: {type(error).__name__}: {error}")',
  ].join('\n');
  const result = await runCommand(DEBIAN_PYTHON, ['-c', script, ...files]);
  if (result.code !== 0) return [`python exited ${result.code}: ${result.stderr}`];
  return result.stdout.split('\n').filter(Boolean);
}
