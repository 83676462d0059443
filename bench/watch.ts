/**
 * `prov4ml watch` on a 64-rank run of 64 × 100k points (issue 15): the CPU of one refresh frame (read
 * what the received logs gained, fold it, build the view, render 100×30) while every log grows by one
 * frame of 200 points, against 200 ms; beside it, the CPU of reading the same files once from scratch.
 * The logs are written as the aggregator writes them (test/support/watch-logs.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobWatch, jobView, renderFrame } from '@prov4ml/report';
import { appendPointFrames, writeRankLog, type SyntheticRankSpec } from '../test/support/watch-logs.js';
import { median } from './stats.js';

const RANKS = 64;
/** 100 steps × 2 metrics per frame; 500 frames = 100k points per rank. */
const STEPS_PER_FRAME = 100;
const FRAMES = 500;
/** Refreshes measured while the logs grow, one frame per rank before each. */
const GROWING_REFRESHES = 10;
const HEARTBEAT_MS = 5_000;

export async function measureWatch(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'prov4ml-bench-watch-'));
  const runDir = join(root, 'bench_0');
  mkdirSync(runDir);
  try {
    const specs: SyntheticRankSpec[] = Array.from({ length: RANKS }, (_, rank) => ({
      rank, host: `node${Math.floor(rank / 8)}`, stepMs: rank === 5 ? 20 : 10, stepsPerFrame: STEPS_PER_FRAME, exitCode: null, energyJ: null, co2G: null,
    }));
    const initialFrames = FRAMES - GROWING_REFRESHES;
    for (const spec of specs) writeRankLog(runDir, spec, RANKS, initialFrames);
    const watch = new JobWatch(runDir);
    await watch.refresh();
    const frameCpu: number[] = [];
    for (let round = 0; round < GROWING_REFRESHES; round++) {
      // seq: run_start/config envelope is 1, point frames 2…
      for (const spec of specs) appendPointFrames(runDir, spec, RANKS, initialFrames + round, 1, initialFrames + round + 2);
      frameCpu.push(await cpuMs(() => frame(watch)));
    }
    const fresh = new JobWatch(runDir);
    const readOnceCpu = await cpuMs(() => frame(fresh));
    // Both readers must have seen every point, or the figures measure less than they claim.
    const expected = RANKS * FRAMES * STEPS_PER_FRAME * 2;
    for (const seen of [watch, fresh]) {
      const points = [...seen.ranks.values()].reduce((total, rank) => total + rank.points, 0);
      if (points !== expected) throw new Error(`watch bench: read ${points} points, expected ${expected}`);
    }
    return {
      watch_refresh_cpu_ms: Math.max(...frameCpu),
      watch_refresh_cpu_median_ms: median(frameCpu),
      watch_read_once_cpu_ms: readOnceCpu,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function frame(watch: JobWatch): Promise<void> {
  await watch.refresh();
  const view = jobView(watch, 'bench_0', { now: Date.now(), metrics: [], stragglerThreshold: 0.2, silentAfterMs: 2 * HEARTBEAT_MS, heartbeatMs: HEARTBEAT_MS });
  renderFrame(view, { width: 100, height: 30 }, '');
}

/** User + system CPU milliseconds `action` takes in this process. */
async function cpuMs(action: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await action();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
