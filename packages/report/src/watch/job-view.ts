/**
 * One moment of a watched job, as plain data: each rank's state, rates, chosen metrics, energy and CO2,
 * the job's totals, and the flags (straggler, silent, ended abnormally), each with the figures behind
 * it. Pure: the clock and the thresholds come in, so a finished run always gives the same view.
 */
import type { RunEndRecord } from '@prov4ml/prov-core';
import type { JobWatch } from './job-watch.js';
import type { RankWatch } from './rank-watch.js';
import { DEFAULT_METRIC_COUNT } from './limits.js';

/** Ranks named in the "not heard from" flag; the rest are counted. */
const UNHEARD_RANKS_NAMED = 8;
import { compact, shortAge } from './format.js';

export interface ViewOptions {
  /** Epoch ms of this frame. */
  readonly now: number;
  /** Metric names to show; empty: the first few user metrics. */
  readonly metrics: readonly string[];
  /** Fraction below the median step rate that makes a straggler (0.2 = 20 %). */
  readonly stragglerThreshold: number;
  /** A running rank with no frame for longer than this is silent. */
  readonly silentAfterMs: number;
  /** The agents' heartbeat interval, named in the silent flag. */
  readonly heartbeatMs: number;
}

export type RankStateKind = 'running' | 'silent' | 'ended' | 'failed';

export interface MetricCell {
  readonly name: string;
  readonly last: number | null;
  readonly spark: readonly number[];
}

export interface RankView {
  readonly rank: number;
  readonly host: string;
  readonly state: RankStateKind;
  /** Short state text: running, silent 42s, exit 0, exit 1, SIGKILL, no end. */
  readonly stateText: string;
  readonly pointsPerS: number | null;
  readonly stepsPerS: number | null;
  readonly metrics: readonly MetricCell[];
  readonly energyJ: number | null;
  readonly co2G: number | null;
  readonly straggler: boolean;
}

export interface JobView {
  readonly runName: string;
  readonly job: string | null;
  readonly worldSize: number;
  readonly hostCount: number;
  readonly elapsedMs: number;
  readonly finalised: boolean;
  readonly metrics: readonly string[];
  readonly ranks: readonly RankView[];
  /** One line per flag, most urgent first. */
  readonly alerts: readonly string[];
  readonly totals: { readonly running: number; readonly silent: number; readonly ended: number; readonly points: number; readonly pointsPerS: number; readonly energyJ: number | null; readonly co2G: number | null };
  readonly badFrames: number;
}

export function jobView(job: JobWatch, runName: string, options: ViewOptions): JobView {
  const ranks = [...job.ranks.values()].sort((a, b) => a.rank - b.rank);
  const metrics = options.metrics.length > 0 ? [...options.metrics] : defaultMetrics(ranks);
  const rates = new Map(ranks.map((rank) => [rank.rank, rank.rates()]));
  const stepRates = [...rates.values()].map((rate) => rate.stepsPerS).filter((rate): rate is number => rate !== null);
  const median = medianOf(stepRates);
  // Flags that need someone first (silent, failed, never heard from), then the stragglers.
  const alerts: string[] = [];
  const stragglers: string[] = [];
  const views = ranks.map((rank): RankView => {
    const rate = rates.get(rank.rank)!;
    const host = rank.host ?? '?';
    const { state, stateText } = stateOf(rank, job, options);
    if (state === 'silent') alerts.push(`silent: rank ${rank.rank} on ${host}, no frame for ${Math.round((options.now - (job.heardMs(rank.rank) ?? options.now)) / 1000)} s (heartbeat ${options.heartbeatMs / 1000} s)`);
    if (state === 'failed') alerts.push(`ended abnormally: rank ${rank.rank} on ${host}, ${endText(rank.end)}`);
    const straggler = median !== null && median > 0 && rate.stepsPerS !== null && rate.stepsPerS < median * (1 - options.stragglerThreshold);
    if (straggler) {
      const below = Math.round((1 - rate.stepsPerS! / median!) * 100);
      stragglers.push(`straggler: rank ${rank.rank} on ${host}, ${compact(rate.stepsPerS)} steps/s, ${below} % below the median ${compact(median)} (threshold ${Math.round(options.stragglerThreshold * 100)} %)`);
    }
    return {
      rank: rank.rank,
      host,
      state,
      stateText,
      pointsPerS: rate.pointsPerS,
      stepsPerS: rate.stepsPerS,
      metrics: metrics.map((name) => {
        const track = rank.track(name);
        return { name, last: track === null || Number.isNaN(track.last) ? null : track.last, spark: track?.spark.means() ?? [] };
      }),
      energyJ: rank.energyJ(),
      co2G: rank.co2G(),
      straggler,
    };
  });
  const worldSize = Math.max(ranks.length, ...ranks.map((rank) => rank.worldSize));
  const unheard = Array.from({ length: worldSize }, (_, rank) => rank).filter((rank) => !job.ranks.has(rank));
  if (unheard.length > 0) alerts.unshift(`${job.finalised ? 'no frame ever arrived from' : 'not heard from yet:'} ${rankList(unheard)}`);
  const starts = ranks.flatMap((rank) => (rank.startMs === null ? [] : [rank.startMs]));
  const lasts = ranks.flatMap((rank) => [rank.lastPointMs, rank.end?.time ?? null].filter((ms): ms is number => ms !== null));
  const start = starts.length > 0 ? Math.min(...starts) : null;
  const endMs = job.finalised ? (lasts.length > 0 ? Math.max(...lasts) : start) : options.now;
  const sum = (values: (number | null)[]) => (values.some((value) => value !== null) ? values.reduce<number>((total, value) => total + (value ?? 0), 0) : null);
  return {
    runName,
    job: ranks[0]?.job ?? null,
    worldSize,
    hostCount: new Set(ranks.map((rank) => rank.host).filter((host) => host !== null)).size,
    elapsedMs: start === null || endMs === null ? 0 : endMs - start,
    finalised: job.finalised,
    metrics,
    ranks: views,
    alerts: [...alerts, ...stragglers],
    totals: {
      running: views.filter((view) => view.state === 'running').length,
      silent: views.filter((view) => view.state === 'silent').length,
      ended: views.filter((view) => view.state === 'ended' || view.state === 'failed').length,
      points: ranks.reduce((total, rank) => total + rank.points, 0),
      pointsPerS: views.reduce((total, view) => total + (view.state === 'running' ? (view.pointsPerS ?? 0) : 0), 0),
      energyJ: sum(views.map((view) => view.energyJ)),
      co2G: sum(views.map((view) => view.co2G)),
    },
    badFrames: job.badFrames,
  };
}

/** The names every rank can be asked for: user metrics first, then samples. */
export function knownMetrics(job: JobWatch): Set<string> {
  const names = new Set<string>();
  for (const rank of job.ranks.values()) for (const track of rank.series.values()) names.add(track.name);
  return names;
}

function defaultMetrics(ranks: readonly RankWatch[]): string[] {
  const names: string[] = [];
  for (const rank of ranks) for (const track of rank.series.values()) if (track.user && !names.includes(track.name)) names.push(track.name);
  return names.slice(0, DEFAULT_METRIC_COUNT);
}

function stateOf(rank: RankWatch, job: JobWatch, options: ViewOptions): { state: RankStateKind; stateText: string } {
  if (rank.end !== null) return { state: endOk(rank.end) ? 'ended' : 'failed', stateText: shortEnd(rank.end) };
  if (job.finalised) return { state: 'failed', stateText: 'no end' };
  const heard = job.heardMs(rank.rank);
  const quietMs = heard === null ? 0 : options.now - heard;
  return quietMs > options.silentAfterMs ? { state: 'silent', stateText: `silent ${shortAge(quietMs)}` } : { state: 'running', stateText: 'running' };
}

function endOk(end: RunEndRecord): boolean {
  return end.clean && end.signal === null && (end.exitCode ?? 0) === 0;
}

function shortEnd(end: RunEndRecord): string {
  if (end.signal !== null) return end.signal;
  if (end.exitCode !== null) return `exit ${end.exitCode}`;
  return end.clean ? 'ended' : 'unclean';
}

function endText(end: RunEndRecord | null): string {
  if (end === null) return 'no run_end arrived before the aggregator finalised the job';
  if (end.signal !== null) return `killed by ${end.signal}`;
  if (end.exitCode !== null && end.exitCode !== 0) return `exited ${end.exitCode}`;
  return 'did not end cleanly';
}

/** 'rank 3' or 'ranks 3, 5, 9, … (12 in all)'. */
function rankList(ranks: readonly number[]): string {
  const shown = ranks.slice(0, UNHEARD_RANKS_NAMED).join(', ');
  return ranks.length === 1 ? `rank ${shown}` : `ranks ${shown}${ranks.length > UNHEARD_RANKS_NAMED ? `, … (${ranks.length} in all)` : ''}`;
}

function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
