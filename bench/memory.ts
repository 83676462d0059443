/**
 * Memory while logging 10M points: one process logs them through the TypeScript API (as rank 0 of 1)
 * to a stand-alone aggregator in another process, so each process's peak RSS is its own. The agent's
 * figure is its peak RSS (VmHWM) minus its RSS once startRun has returned, i.e. what logging adds; the
 * aggregator's is its whole peak RSS, receiving and finalising included.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAggregatorProcess } from './aggregator-process.js';
import { statusMiB } from './stats.js';

const POINTS = 10_000_000;
/** Both processes are killed (and the bench fails) after this long. */
const TIMEOUT_MS = 180_000;
const AGENT_CHILD = new URL('./agent-memory-child.mjs', import.meta.url).pathname;

/** The agent child's /proc/self/status texts. */
type AgentStatus = Record<'beforeStart' | 'beforeLogging' | 'atEnd', string>;

function runAgent(env: Record<string, string>): Promise<AgentStatus> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [AGENT_CHILD, String(POINTS)], { env: { ...process.env, ...env }, timeout: TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`bench: the logging process failed: ${stderr.trim() || error.message}`));
      else resolve(JSON.parse(stdout) as AgentStatus);
    });
  });
}

export async function measureMemory(): Promise<Record<string, number>> {
  const saveDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-memory-'));
  const job = `bench-memory-${randomUUID()}`;
  try {
    const aggregator = await startAggregatorProcess(job, 1, TIMEOUT_MS);
    const [{ beforeStart, beforeLogging, atEnd }, received] = await Promise.all([
      runAgent({ PROV4ML_AGGREGATOR: aggregator.endpoint, PROV4ML_JOB_ID: job, PROV4ML_RANK: '0', PROV4ML_WORLD_SIZE: '1', PROV4ML_PROVENANCE_SAVE_DIR: saveDir }),
      aggregator.finalized,
    ]);
    if (received.points !== POINTS) throw new Error(`bench: the aggregator wrote ${received.points} points of the ${POINTS} logged`);
    return {
      agent_rss_growth_mb_10m: statusMiB(atEnd, 'VmHWM') - statusMiB(beforeLogging, 'VmRSS'),
      agent_rss_startrun_mb: statusMiB(beforeLogging, 'VmRSS') - statusMiB(beforeStart, 'VmRSS'),
      aggregator_rss_mb_10m: received.peakRssMiB,
    };
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
}
