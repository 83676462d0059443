/**
 * Finalisation: ranks log points through the real pipeline (test/fixtures/log-points.mjs, each rank
 * its own process); the figure is the time from the last rank's endRun to the last file written (the
 * collection), read from the files' mtimes. Jobs: 1 rank × 1M points; 4 ranks × 1M, with each rank its
 * own agent (the TypeScript API in-process) and under `prov4ml run -n 4`, where the points also cross
 * each rank's local channel to its wrapper; and 4 ranks × 2.5M = 10M points, beside its limit:
 * JSON.stringify + write of as many bytes as that job's output.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECEIVED_LOG_DIR, SPOOL_DIR } from '@prov4ml/prov-core';
import { stringifyWriteSeconds } from './json-write-limit.js';
import { median } from './stats.js';

const REPO = new URL('..', import.meta.url).pathname;
const PROGRAM = join(REPO, 'test/fixtures/log-points.mjs');

/** Rounds of the JSON.stringify + write limit (cheap beside a 10M-point job, so a median of several). */
const LIMIT_ROUNDS = 3;

export interface Job {
  ranks: number;
  pointsPerRank: number;
}

export interface FinalizedJob {
  seconds: number;
  runDir: string;
}

/** Runs a command with the fixture's settings; resolves to its stdout. */
function run(args: string[], pointsPerRank: number, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    // The fixture logs two metrics per point index.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, POINTS: String(pointsPerRank / 2), PRINT_END_TIME: '1', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the finalisation bench job exited ${code}`))));
  });
}

/** Seconds from the last `end_run_at` a rank printed to the collection's mtime. */
function finalized(saveDir: string, stdout: string): FinalizedJob {
  const lastEndRun = Math.max(...[...stdout.matchAll(/end_run_at (\d+)/g)].map((match) => Number(match[1])));
  const runDir = join(saveDir, readdirSync(saveDir).find((name) => !name.startsWith('.'))!);
  return { seconds: (statSync(join(runDir, 'prov_collection.json')).mtimeMs - lastEndRun) / 1000, runDir };
}

/** `job`'s ranks, each its own process and agent (the TypeScript API in-process); `extraEnv` for every rank. */
export async function inProcessRanks(saveDir: string, job: Job, extraEnv: Record<string, string> = {}): Promise<FinalizedJob> {
  const env = { PROV4ML_WORLD_SIZE: String(job.ranks), PROV4ML_JOB_ID: `local-${randomUUID()}`, PROV4ML_PROVENANCE_SAVE_DIR: saveDir, ...extraEnv };
  const outputs = await Promise.all(Array.from({ length: job.ranks }, (_, rank) => run([PROGRAM], job.pointsPerRank, { ...env, PROV4ML_RANK: String(rank) })));
  return finalized(saveDir, outputs.join('\n'));
}

async function wrappedRanks(saveDir: string, job: Job): Promise<FinalizedJob> {
  const cli = join(REPO, 'packages/cli/bin/prov4ml.js');
  const args = [cli, 'run', '-n', String(job.ranks), '--metrics-interval', '0', '--', process.execPath, PROGRAM];
  return finalized(saveDir, await run(args, job.pointsPerRank, { PROV4ML_PROVENANCE_SAVE_DIR: saveDir }));
}

/** Bytes of the files finalisation wrote: everything in the run directory but spools and received logs. */
function outputBytes(directory: string): number {
  let bytes = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== SPOOL_DIR && entry.name !== RECEIVED_LOG_DIR) bytes += outputBytes(path);
    } else if (entry.name.endsWith('.json') || entry.name.endsWith('.csv')) {
      bytes += statSync(path).size;
    }
  }
  return bytes;
}

/** Runs `job` in a fresh save directory; `inspect` reads the run directory before it is removed. */
export async function measured<T>(job: Job, ranks: typeof inProcessRanks, inspect: (job: FinalizedJob) => Promise<T>): Promise<T> {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-finalize-'));
  try {
    return await inspect(await ranks(saveDir, job));
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
}

export async function measureFinalize(): Promise<Record<string, number>> {
  const seconds = async (job: FinalizedJob): Promise<number> => job.seconds;
  const figures: Record<string, number> = {
    finalize_1m_s: await measured({ ranks: 1, pointsPerRank: 1_000_000 }, inProcessRanks, seconds),
    finalize_4x1m_s: await measured({ ranks: 4, pointsPerRank: 1_000_000 }, inProcessRanks, seconds),
    finalize_4x1m_wrapped_s: await measured({ ranks: 4, pointsPerRank: 1_000_000 }, wrappedRanks, seconds),
  };
  return measured({ ranks: 4, pointsPerRank: 2_500_000 }, inProcessRanks, async (job) => {
    const bytes = outputBytes(job.runDir);
    const limits: number[] = [];
    for (let round = 0; round < LIMIT_ROUNDS; round++) limits.push(await stringifyWriteSeconds(bytes, join(job.runDir, 'limit.json')));
    return { ...figures, finalize_10m_s: job.seconds, finalize_10m_limit_s: median(limits), finalize_10m_output_mb: bytes / 2 ** 20 };
  });
}
