/**
 * Finalisation: 4 ranks log 1M points each through the real pipeline; the figure is the time from the
 * last rank's endRun to the last file written (the collection), read from the files' mtimes. Measured
 * twice: with each rank its own agent (the TypeScript API in-process), and under `prov4ml run -n 4`,
 * where the points also cross each rank's local channel to its wrapper.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('..', import.meta.url).pathname;
const PROGRAM = join(REPO, 'test/fixtures/log-points.mjs');
const RANKS = 4;
const POINTS_PER_RANK = 1_000_000;

/** Runs a command with the fixture's settings; resolves to its stdout. */
function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    // The fixture logs two metrics per point index.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, POINTS: String(POINTS_PER_RANK / 2), PRINT_END_TIME: '1', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the finalisation bench job exited ${code}`))));
  });
}

/** Seconds from the last `end_run_at` a rank printed to the collection's mtime. */
function finalizeSeconds(saveDir: string, stdout: string): number {
  const lastEndRun = Math.max(...[...stdout.matchAll(/end_run_at (\d+)/g)].map((match) => Number(match[1])));
  const runDir = join(saveDir, readdirSync(saveDir).find((name) => !name.startsWith('.'))!);
  return (statSync(join(runDir, 'prov_collection.json')).mtimeMs - lastEndRun) / 1000;
}

async function inProcessRanks(saveDir: string): Promise<number> {
  const job = { PROV4ML_WORLD_SIZE: String(RANKS), PROV4ML_JOB_ID: `local-${randomUUID()}`, PROV4ML_PROVENANCE_SAVE_DIR: saveDir };
  const outputs = await Promise.all(Array.from({ length: RANKS }, (_, rank) => run([PROGRAM], { ...job, PROV4ML_RANK: String(rank) })));
  return finalizeSeconds(saveDir, outputs.join('\n'));
}

async function wrappedRanks(saveDir: string): Promise<number> {
  const cli = join(REPO, 'packages/cli/bin/prov4ml.js');
  const stdout = await run([cli, 'run', '-n', String(RANKS), '--metrics-interval', '0', '--', process.execPath, PROGRAM], { PROV4ML_PROVENANCE_SAVE_DIR: saveDir });
  return finalizeSeconds(saveDir, stdout);
}

export async function measureFinalize(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const [name, measure] of [
    ['finalize_4x1m_s', inProcessRanks],
    ['finalize_4x1m_wrapped_s', wrappedRanks],
  ] as const) {
    const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-finalize-'));
    try {
      figures[name] = await measure(saveDir);
    } finally {
      rmSync(saveDir, { recursive: true, force: true });
    }
  }
  return { ...figures, finalize_4x1m_target_s: 1 };
}
