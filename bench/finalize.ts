/**
 * Finalisation: 4 local ranks log 1M points each through the real pipeline; the figure is the time from
 * the last rank's endRun to the last file written (the collection), read from the files' mtimes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('..', import.meta.url).pathname;
const RANKS = 4;
const POINTS_PER_RANK = 1_000_000;

function runJob(saveDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO, 'packages/cli/bin/prov4ml.js'), 'run', '-n', String(RANKS), '--metrics-interval', '0', '--', process.execPath, join(REPO, 'test/fixtures/log-points.mjs')],
      // The fixture logs two metrics per point index.
      { env: { ...process.env, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, POINTS: String(POINTS_PER_RANK / 2), PRINT_END_TIME: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the finalisation bench job exited ${code}`))));
  });
}

export async function measureFinalize(): Promise<Record<string, number>> {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-finalize-'));
  try {
    const stdout = await runJob(saveDir);
    const lastEndRun = Math.max(...[...stdout.matchAll(/end_run_at (\d+)/g)].map((match) => Number(match[1])));
    const runDir = join(saveDir, readdirSync(saveDir).find((name) => !name.startsWith('.'))!);
    const lastWrite = statSync(join(runDir, 'prov_collection.json')).mtimeMs;
    return { finalize_4x1m_s: (lastWrite - lastEndRun) / 1000, finalize_4x1m_target_s: 1 };
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
}
