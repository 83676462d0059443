/**
 * Memory while logging 10M points: one process logs them through the TypeScript API (as rank 0 of 1)
 * to a stand-alone aggregator in another process, so each process's peak RSS is its own. The agent's
 * figure is its peak RSS (VmHWM) minus its RSS once startRun has returned, i.e. what logging adds; the
 * aggregator's is its whole peak RSS, receiving and finalising included.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { statusMiB } from './stats.js';

const POINTS = 10_000_000;
/** Both processes are killed (and the bench fails) after this long. */
const TIMEOUT_MS = 180_000;
const AGENT_CHILD = new URL('./agent-memory-child.mjs', import.meta.url).pathname;
const AGGREGATOR_CHILD = new URL('./aggregator-memory-child.mjs', import.meta.url).pathname;

interface NodeChild {
  /** The first line it printed. */
  firstLine: Promise<string>;
  /** Everything it printed after the first line, once it exited 0. */
  rest: Promise<string>;
}

function startNode(args: string[], env: Record<string, string>): NodeChild {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], timeout: TIMEOUT_MS });
  const lines: string[] = [];
  let resolveFirst!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (resolveFirst = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => (lines.push(line) === 1 ? resolveFirst(line) : undefined));
  const rest = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(lines.slice(1).join('\n'));
      else reject(new Error(`bench: ${args[0]} ended with ${signal ?? `exit status ${code}`}`));
    });
  });
  // A child that fails before its first line must not leave the bench waiting for it.
  void rest.then(() => resolveFirst(lines[0] ?? ''), () => resolveFirst(''));
  return { firstLine, rest };
}

export async function measureMemory(): Promise<Record<string, number>> {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-memory-'));
  const job = `bench-memory-${randomUUID()}`;
  try {
    const aggregator = startNode([AGGREGATOR_CHILD, job], {});
    const endpoint = await aggregator.firstLine;
    const agent = startNode([AGENT_CHILD, String(POINTS)], {
      PROV4ML_AGGREGATOR: endpoint,
      PROV4ML_JOB_ID: job,
      PROV4ML_RANK: '0',
      PROV4ML_WORLD_SIZE: '1',
      PROV4ML_PROVENANCE_SAVE_DIR: saveDir,
    });
    const [agentReport, aggregatorReport] = await Promise.all([agent.firstLine, aggregator.rest, agent.rest]);
    const { beforeStart, beforeLogging, atEnd } = JSON.parse(agentReport) as Record<'beforeStart' | 'beforeLogging' | 'atEnd', string>;
    const { points, status } = JSON.parse(aggregatorReport) as { points: number; status: string };
    if (points !== POINTS) throw new Error(`bench: the aggregator wrote ${points} points of the ${POINTS} logged`);
    return {
      agent_rss_growth_mb_10m: statusMiB(atEnd, 'VmHWM') - statusMiB(beforeLogging, 'VmRSS'),
      agent_rss_startrun_mb: statusMiB(beforeLogging, 'VmRSS') - statusMiB(beforeStart, 'VmRSS'),
      aggregator_rss_mb_10m: statusMiB(status, 'VmHWM'),
    };
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
}
