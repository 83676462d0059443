/**
 * Cross-rank diagnostics: what the step clock adds to finalisation's replay, beside what the replay
 * already does with each point (format it as a CSV row), on the same 10M points: 4 ranks × 2 user
 * series × 1.25M steps, fed in envelope-sized batches as the replay feeds them. And `compareRanks` of a
 * 64-rank job of 100k steps per rank (what `watch` computes per frame), beside watch's frame budget
 * and beside computing and sorting the same intervals.
 */
import { compareRanks, StepClock, stepIntervals, type RankTimingInput, type StepTimes } from '@prov4ml/aggregator';
import { formatCsvRows } from '../packages/aggregator/src/metric-files/csv-format.js';
import { median } from './stats.js';

const RANKS = 4;
const SERIES = 2;
const STEPS = 1_250_000;
/** The agent's points per envelope for one series (MAX_POINTS_PER_ENVELOPE / 4). */
const BATCH = 65_536;
const ROUNDS = 3;
const WIDE_RANKS = 64;
const WIDE_STEPS = 100_000;

export async function measureRanksCompared(): Promise<Record<string, number>> {
  const steps = Float64Array.from({ length: STEPS }, (_, i) => i);
  const times = Float64Array.from({ length: STEPS }, (_, i) => 1.8e12 + i * 3 + (i % 7));
  const values = Float64Array.from({ length: STEPS }, (_, i) => 1 / (i + 1));
  const clock: number[] = [];
  const format: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    clock.push(timed(() => {
      for (let rank = 0; rank < RANKS; rank++) {
        const stepClock = new StepClock();
        for (let series = 0; series < SERIES; series++) {
          for (let i = 0; i < STEPS; i += BATCH) stepClock.add(steps.subarray(i, i + BATCH), times.subarray(i, i + BATCH));
        }
        stepClock.times();
      }
    }));
    format.push(timed(() => {
      for (let n = 0; n < RANKS * SERIES; n++) {
        for (let i = 0; i < STEPS; i += BATCH) formatCsvRows(steps.subarray(i, i + BATCH), values.subarray(i, i + BATCH), times.subarray(i, i + BATCH));
      }
    }));
  }
  const wide: RankTimingInput[] = Array.from({ length: WIDE_RANKS }, (_, rank) => ({
    rank, node: `node${rank >> 3}`, stepTimes: clockOf(WIDE_STEPS, 100 + (rank === 5 ? 50 : 0)), energyJ: rank, emissionsG: rank, gpuUsagePercent: null, exitCode: 0, signal: null, clean: true,
  }));
  const compare: number[] = [];
  const sort: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    compare.push(timed(() => compareRanks(wide)) * 1000);
    // The same intervals computed and sorted: what a median by sorting would cost.
    sort.push(timed(() => wide.forEach((input) => stepIntervals(input.stepTimes).sort())) * 1000);
  }
  return {
    ranks_compared_step_clock_10m_s: median(clock),
    ranks_compared_csv_format_10m_s: median(format),
    ranks_compared_64x100k_ms: median(compare),
    ranks_compared_sort_64x100k_ms: median(sort),
  };
}

function clockOf(steps: number, stepMs: number): StepTimes {
  return { steps: Float64Array.from({ length: steps }, (_, i) => i), timesMs: Float64Array.from({ length: steps }, (_, i) => 1.8e12 + i * stepMs + (i % 5)), omittedSteps: 0 };
}

function timed(action: () => void): number {
  const start = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
