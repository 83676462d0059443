/**
 * Cross-rank diagnostics ("Ranks compared"): step time per rank, slowest/fastest ratio, stragglers with
 * their node, energy and CO2 per rank and per node, GPU use, ranks that ended abnormally. Pure: the
 * aggregator's finalisation (for the collection), the report and `watch` compute it from what each has
 * read, and each figure carries how it was computed.
 */
import type { NodeCompared, RankCompared, RanksCompared, RanksComparedHow } from '@prov4ml/prov-core';

/** What one rank recorded that the diagnostics are computed from. */
export interface RankTimingInput {
  rank: number;
  /** The run start's hostname; null when the rank never said. */
  node: string | null;
  /** The rank's step clock (StepClock's StepTimes: steps ascending, each at its first time); null when it logged no user metric. */
  stepTimes: { readonly steps: ArrayLike<number>; readonly timesMs: ArrayLike<number> } | null;
  /** Last value of its cumulative `energy_consumed` (J) and `emissions` (gCO2eq), largest over contexts. */
  energyJ: number | null;
  emissionsG: number | null;
  /** Mean of its `gpu_usage` samples (%). */
  gpuUsagePercent: number | null;
  exitCode: number | null;
  signal: string | null;
  /** false: no clean end (killed, no run end, frames missing); null: not recorded. */
  clean: boolean | null;
}

export interface CompareRanksOptions {
  /** A straggler's median step time exceeds the median of ranks by more than this fraction; default 0.2. */
  stragglerThreshold?: number;
}

export const DEFAULT_STRAGGLER_THRESHOLD = 0.2;

/** Name of a rank's node when it never said. */
export const UNKNOWN_NODE = '(unknown)';

/** The diagnostics of a job's ranks, ranks in ascending order. */
export function compareRanks(inputs: readonly RankTimingInput[], options: CompareRanksOptions = {}): RanksCompared {
  const threshold = options.stragglerThreshold ?? DEFAULT_STRAGGLER_THRESHOLD;
  if (!(threshold >= 0)) throw new RangeError(`compareRanks: stragglerThreshold must be ≥ 0, got ${threshold}`);
  const ranks: RankCompared[] = [...inputs].sort((a, b) => a.rank - b.rank).map((input) => {
    const intervals = stepIntervals(input.stepTimes);
    const stepTime = medianAndP95(intervals);
    const ended = endedText(input);
    return {
      rank: input.rank,
      node: input.node,
      stepIntervals: intervals.length,
      stepTimeMedianMs: stepTime.median,
      stepTimeP95Ms: stepTime.p95,
      energyJ: input.energyJ,
      emissionsG: input.emissionsG,
      gpuUsagePercent: input.gpuUsagePercent,
      ended: ended.text,
      abnormal: ended.abnormal,
      straggler: false,
    };
  });
  const timed = ranks.filter((rank): rank is RankCompared & { stepTimeMedianMs: number } => rank.stepTimeMedianMs !== null);
  const medianStepTimeMs = medianAndP95(Float64Array.from(timed, (rank) => rank.stepTimeMedianMs)).median;
  const stragglers = medianStepTimeMs === null
    ? []
    : timed.filter((rank) => rank.stepTimeMedianMs > medianStepTimeMs * (1 + threshold)).map((rank) => {
        rank.straggler = true;
        const abovePercent = medianStepTimeMs > 0 ? (100 * (rank.stepTimeMedianMs - medianStepTimeMs)) / medianStepTimeMs : Number.POSITIVE_INFINITY;
        return { rank: rank.rank, node: rank.node, stepTimeMedianMs: rank.stepTimeMedianMs, abovePercent };
      });
  // Ties go to the lowest rank, so the result does not depend on the input's order.
  const slowest = timed.reduce<(typeof timed)[number] | null>((best, rank) => (best === null || rank.stepTimeMedianMs > best.stepTimeMedianMs ? rank : best), null);
  const fastest = timed.reduce<(typeof timed)[number] | null>((best, rank) => (best === null || rank.stepTimeMedianMs < best.stepTimeMedianMs ? rank : best), null);
  const onNode = (rank: (typeof timed)[number] | null) => (rank === null ? null : { rank: rank.rank, node: rank.node, stepTimeMedianMs: rank.stepTimeMedianMs });
  return {
    ranks,
    medianStepTimeMs,
    slowest: onNode(slowest),
    fastest: onNode(fastest),
    stepTimeRatio: slowest === null || fastest === null || fastest.stepTimeMedianMs <= 0 ? null : slowest.stepTimeMedianMs / fastest.stepTimeMedianMs,
    stragglerThreshold: threshold,
    stragglers,
    nodes: perNode(ranks),
    abnormal: ranks.filter((rank) => rank.abnormal).map((rank) => ({ rank: rank.rank, node: rank.node, ended: rank.ended })),
    how: howComputed(threshold),
  };
}

/** Time per step between consecutive logged steps (ms), in step order. */
export function stepIntervals(times: RankTimingInput['stepTimes']): Float64Array {
  if (times === null || times.steps.length < 2) return new Float64Array(0);
  const intervals = new Float64Array(times.steps.length - 1);
  for (let i = 1; i < times.steps.length; i++) {
    intervals[i - 1] = ((times.timesMs[i] as number) - (times.timesMs[i - 1] as number)) / ((times.steps[i] as number) - (times.steps[i - 1] as number));
  }
  return intervals;
}

/**
 * Median (the middle value, or the mean of the middle two) and p95 (nearest rank: the ⌈0.95·n⌉-th
 * smallest) of `values`, which it reorders. By selection, not sorting: `watch` computes this for
 * every rank on every frame.
 */
export function medianAndP95(values: Float64Array): { median: number | null; p95: number | null } {
  const n = values.length;
  if (n === 0) return { median: null, p95: null };
  const middle = n >>> 1;
  const upper = select(values, middle, 0, n - 1);
  let median = upper;
  if (n % 2 === 0) {
    // Selection left every smaller value before `middle`: the lower middle is the largest of them.
    let lower = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < middle; i++) if ((values[i] as number) > lower) lower = values[i] as number;
    median = (lower + upper) / 2;
  }
  const rank95 = Math.max(0, Math.ceil(0.95 * n) - 1);
  const p95 = rank95 === middle ? upper : select(values, rank95, middle, n - 1);
  return { median, p95 };
}

/** Quickselect: puts the k-th smallest of values[lo..hi] at k, smaller ones before it, larger after; returns it. */
function select(values: Float64Array, k: number, lo: number, hi: number): number {
  while (hi > lo) {
    // Median of three as the pivot: sorted or reversed input stays linear.
    const mid = (lo + hi) >>> 1;
    const a = values[lo] as number;
    const b = values[mid] as number;
    const c = values[hi] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] as number;
}

function endedText(input: RankTimingInput): { text: string; abnormal: boolean } {
  if (input.signal !== null) return { text: `killed by ${input.signal}`, abnormal: true };
  if (input.exitCode !== null && input.exitCode !== 0) return { text: `exited ${input.exitCode}`, abnormal: true };
  if (input.clean === false) return { text: input.exitCode === null ? 'did not end cleanly' : `exited ${input.exitCode}, not cleanly`, abnormal: true };
  if (input.exitCode === 0) return { text: 'exited 0', abnormal: false };
  return { text: input.clean === true ? 'ended cleanly' : 'not recorded', abnormal: false };
}

function perNode(ranks: readonly RankCompared[]): NodeCompared[] {
  const nodes = new Map<string, NodeCompared>();
  const plus = (sum: number | null, value: number | null): number | null => (value === null ? sum : (sum ?? 0) + value);
  for (const rank of ranks) {
    const name = rank.node ?? UNKNOWN_NODE;
    let node = nodes.get(name);
    if (node === undefined) nodes.set(name, (node = { node: name, ranks: [], energyJ: null, emissionsG: null }));
    node.ranks.push(rank.rank);
    node.energyJ = plus(node.energyJ, rank.energyJ);
    node.emissionsG = plus(node.emissionsG, rank.emissionsG);
  }
  return [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
}

function howComputed(threshold: number): RanksComparedHow {
  return {
    stepTime:
      "a rank's steps are those it logged a user metric at (source 'metric'), each at the earliest timestamp of its user metrics at that step; " +
      'step time = (t[next] − t[step]) / (next − step) over consecutive steps; median (mean of the middle two when even) and p95 (nearest rank: the ⌈0.95·n⌉-th smallest)',
    ratio: "the slowest rank's median step time divided by the fastest rank's",
    straggler: `a rank whose median step time is above the median of the ranks' medians by more than ${formatPercent(threshold)}`,
    energy: "last value of the rank's energy_consumed series (J, cumulative since its start; the largest over contexts); a node's shared energy is attributed to one of its ranks",
    emissions: "last value of the rank's emissions series (gCO2eq, cumulative; the largest over contexts)",
    gpuUse: "mean of the rank's gpu_usage samples (%, every context)",
    perNode: "sums over the ranks of the node (the rank's run-start hostname) that recorded the figure",
    ended: 'from the rank\'s run end: a signal or a non-zero exit code, or no clean end (no run end received, or frames missing), is abnormal',
  };
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))} %`;
}
