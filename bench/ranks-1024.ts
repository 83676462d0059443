/**
 * 1024 ranks against one aggregator: 8 processes play 128 ranks each, every rank with its own PUSH
 * socket, ack subscription and sender id (the agent's Sender), sending its start, 1000 points and its
 * run end, to a stand-alone aggregator process. Lost points are the ones logged but not in the output
 * CSVs; the finalisation time runs from the last rank's run end handed to its sender to the collection's
 * mtime; the aggregator's peak RSS gives its memory per rank.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTION_FILE } from '@prov4ml/prov-core';
import { startAggregatorProcess } from './aggregator-process.js';
import { launchSenders, rankGroups } from './rank-senders.js';
import { seconds } from './stats.js';

const RANKS = 1024;
/**
 * A rank's Sender holds four ZeroMQ sockets (PUSH, SUB and the pair that monitors the PUSH), and a
 * process's ZeroMQ context allows 1023: 128 ranks per process stay well inside it.
 */
const SENDER_PROCESSES = 8;
/** Two series of 500: 1000 points per rank, in one frame. */
const POINTS_PER_SERIES = 500;
/** The aggregator is killed (and the bench fails) after this long. */
const TIMEOUT_MS = 180_000;

/** Data rows of every metric CSV of the run (each file has a header line). */
export function csvPoints(runDir: string): number {
  const metricsDir = join(runDir, 'metrics');
  let rows = 0;
  for (const name of readdirSync(metricsDir)) {
    const text = readFileSync(join(metricsDir, name), 'latin1');
    let lines = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
    rows += lines - 1;
  }
  return rows;
}

/**
 * Lets every sender run to its end, then waits for the job's collection: the send time, the seconds from
 * the last rank's end to the collection file, the aggregator's peak RSS and the copies it received.
 */
export async function sendThenFinalize(
  senders: Awaited<ReturnType<typeof launchSenders>>,
  aggregator: Awaited<ReturnType<typeof startAggregatorProcess>>,
  runDir: string,
): Promise<{ sendSeconds: number; finalizeSeconds: number; peakRssMiB: number; copies: number; userCpuSeconds: number; systemCpuSeconds: number }> {
  let lastEndAt = 0;
  const sendSeconds = await seconds(async () => {
    lastEndAt = Math.max(...(await senders.go()).map((done) => done.lastEndAt));
  });
  const { peakRssMiB, copies, userCpuSeconds, systemCpuSeconds } = await aggregator.finalized;
  await senders.close();
  const finalizeSeconds = (statSync(join(runDir, COLLECTION_FILE)).mtimeMs - lastEndAt) / 1000;
  return { sendSeconds, finalizeSeconds, peakRssMiB, copies, userCpuSeconds, systemCpuSeconds };
}

export async function measureRanks1024(): Promise<Record<string, number>> {
  const runDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-1024-'));
  const job = `bench-1024-${randomUUID()}`;
  const aggregator = await startAggregatorProcess(job, RANKS, TIMEOUT_MS);
  try {
    const senders = await launchSenders(
      rankGroups(RANKS, SENDER_PROCESSES).map((ranks) => ({
        mode: 'agent' as const,
        endpoint: aggregator.endpoint,
        job,
        runDir,
        worldSize: RANKS,
        ranks,
        pointsPerFrame: POINTS_PER_SERIES,
        frames: 1,
      })),
    );
    const { sendSeconds, finalizeSeconds, peakRssMiB } = await sendThenFinalize(senders, aggregator, runDir);
    return {
      ranks_1024_lost_points: RANKS * 2 * POINTS_PER_SERIES - csvPoints(runDir),
      ranks_1024_finalize_s: finalizeSeconds,
      ranks_1024_send_s: sendSeconds,
      ranks_1024_aggregator_rss_mb: peakRssMiB,
    };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}
