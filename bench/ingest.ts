/**
 * Ingest: 8 sender processes, one rank each with its own sockets and sender id, push pre-encoded
 * columnar envelopes (as the agent's batcher seals them under a fast logging loop) to the real
 * aggregator — decode, validate, dedupe, received log, acks — timed from the first send to the last
 * ack. Its limit, alternated with it: the same processes push the same bytes to a bare PULL socket
 * that only msgpackr-decodes them, timed from the first send to the last message decoded.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Unpackr } from 'msgpackr';
import { Pull } from 'zeromq';
import { startAggregator } from '@prov4ml/aggregator';
import { launchSenders, rankGroups, type SenderProcessSpec } from './rank-senders.js';
import { pointsOf } from './simulated-rank.js';
import { median } from './stats.js';

const SENDERS = 8;
/** 2 series × 32768 points: the 65,536 points the agent's batcher seals at once (its MAX_PENDING_POINTS). */
const POINTS_PER_SERIES_PER_FRAME = 32_768;
const FRAMES_PER_SENDER = 16;
const ROUNDS = 3;

/** The job's envelopes without run ends: the aggregator only ingests, and never finalises here. */
function senderSpecs(mode: SenderProcessSpec['mode'], endpoint: string, runDir: string, job: string): SenderProcessSpec[] {
  return rankGroups(SENDERS, SENDERS).map((ranks) => ({
    mode,
    endpoint,
    job,
    runDir,
    worldSize: SENDERS,
    ranks,
    pointsPerFrame: POINTS_PER_SERIES_PER_FRAME,
    frames: FRAMES_PER_SENDER,
    withoutRunEnd: true,
  }));
}

function totalPoints(): number {
  return SENDERS * pointsOf({ job: '', worldSize: SENDERS, runDir: '', rank: 0, pointsPerFrame: POINTS_PER_SERIES_PER_FRAME, frames: FRAMES_PER_SENDER });
}

/** Seconds through the real aggregator. */
async function aggregatorSeconds(runDir: string): Promise<number> {
  const job = `bench-ingest-${randomUUID()}`;
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', worldSize: SENDERS, jobKey: job, runDir });
  try {
    const senders = await launchSenders(senderSpecs('agent', aggregator.endpoint, runDir, job));
    const start = process.hrtime.bigint();
    await senders.go();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    await senders.close();
    const dropped = Object.entries(aggregator.dropCounts()).filter(([, count]) => count > 0);
    // Resends after a slow ack are the only acceptable drops; anything else means the bench is wrong.
    if (dropped.some(([cause]) => cause !== 'duplicate')) throw new Error(`bench: the aggregator dropped frames: ${JSON.stringify(dropped)}`);
    return elapsed;
  } finally {
    await aggregator.shutdown();
  }
}

/** Seconds through a bare PULL socket that decodes each message and keeps nothing. */
async function rawSeconds(runDir: string): Promise<number> {
  const pull = new Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const unpackr = new Unpackr({ useRecords: false, moreTypes: true, mapsAsObjects: true });
  const messages = SENDERS * (FRAMES_PER_SENDER + 1);
  try {
    const senders = await launchSenders(senderSpecs('raw', pull.lastEndpoint!, runDir, 'bench-raw'));
    const start = process.hrtime.bigint();
    const finished = senders.go();
    let decodedPoints = 0;
    for (let received = 0; received < messages; received++) {
      const [payload] = await pull.receive();
      decodedPoints += pointsIn(unpackr.unpack(payload!));
    }
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    await finished;
    await senders.close();
    if (decodedPoints !== totalPoints()) throw new Error(`bench: the raw receiver decoded ${decodedPoints} points, not ${totalPoints()}`);
    return elapsed;
  } finally {
    pull.close();
  }
}

/** Metric points in a decoded envelope (so the limit, too, looks at what it decoded). */
function pointsIn(envelope: { records: { kind: string; series?: { values: Float64Array }[] }[] }): number {
  let points = 0;
  for (const record of envelope.records) for (const series of record.series ?? []) points += series.values.length;
  return points;
}

export async function measureIngest(): Promise<Record<string, number>> {
  const real: number[] = [];
  const raw: number[] = [];
  // Alternated, so that drift on a shared machine hits both alike; a fresh run directory each time.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [measure, into] of [
      [rawSeconds, raw],
      [aggregatorSeconds, real],
    ] as const) {
      const runDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-ingest-'));
      try {
        into.push(await measure(runDir));
      } finally {
        rmSync(runDir, { recursive: true, force: true });
      }
    }
  }
  return { ingest_points_per_s: totalPoints() / median(real), ingest_limit_points_per_s: totalPoints() / median(raw) };
}
