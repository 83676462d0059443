/** The job as a whole, from its ranks' facts: identity, hosts, time span, exit status, energy and CO2. */
import type { RankFacts, SeriesSource } from './run-contents.js';
import { seriesKey } from './plots.js';

export interface HostRanks {
  readonly host: string;
  readonly ranks: number[];
}

export interface JobSummary {
  readonly experiment: string | null;
  readonly runId: string | null;
  readonly jobId: string | null;
  readonly launcher: string | null;
  readonly user: string | null;
  /** The world size the documents state, else the number of documents. */
  readonly worldSize: number;
  readonly documentCount: number;
  readonly hosts: readonly HostRanks[];
  readonly startMs: number | null;
  readonly endMs: number | null;
  readonly generations: readonly string[];
  /** e.g. 'all 4 ranks exited 0', 'rank 2: killed by SIGKILL'. */
  readonly status: string;
  /** false when a rank did not end cleanly or exited non-zero; null when nothing was recorded. */
  readonly ok: boolean | null;
}

export function summariseJob(ranks: readonly RankFacts[]): JobSummary {
  const first = <T>(pick: (rank: RankFacts) => T | null): T | null => ranks.map(pick).find((value) => value !== null) ?? null;
  const hosts = new Map<string, number[]>();
  for (const rank of ranks) {
    if (rank.host === null) continue;
    const list = hosts.get(rank.host);
    if (list === undefined) hosts.set(rank.host, [rank.rank]);
    else list.push(rank.rank);
  }
  const starts = ranks.map((rank) => rank.startMs).filter((ms): ms is number => ms !== null);
  const ends = ranks.map((rank) => rank.endMs).filter((ms): ms is number => ms !== null);
  const statuses = ranks.map((rank) => ({ rank: rank.rank, status: rankStatus(rank) }));
  const failed = statuses.filter(({ status }) => status.ok === false);
  const recorded = statuses.filter(({ status }) => status.ok !== null);
  return {
    experiment: first((rank) => rank.experiment),
    runId: first((rank) => rank.runId),
    jobId: first((rank) => rank.jobId),
    launcher: first((rank) => rank.launcher),
    user: first((rank) => rank.user),
    worldSize: Math.max(ranks.length, ...ranks.map((rank) => rank.worldSize ?? 0)),
    documentCount: ranks.length,
    hosts: [...hosts.entries()].map(([host, hostRanks]) => ({ host, ranks: hostRanks })),
    startMs: starts.length === 0 ? null : Math.min(...starts),
    endMs: ends.length === 0 ? null : Math.max(...ends),
    generations: [...new Set(ranks.map((rank) => rank.generation))],
    status: failed.length > 0
      ? failed.map(({ rank, status }) => `rank ${rank}: ${status.text}`).join('; ')
      : recorded.length === 0 ? 'not recorded' : `${recorded.length === ranks.length ? 'all' : `${recorded.length} of`} ${ranks.length} rank(s) ended cleanly`,
    ok: failed.length > 0 ? false : recorded.length === 0 ? null : true,
  };
}

export interface RankStatus {
  readonly text: string;
  readonly ok: boolean | null;
}

/** How a rank ended, in words. */
export function rankStatus(rank: RankFacts): RankStatus {
  if (rank.signal !== null) return { text: `killed by ${rank.signal}`, ok: false };
  if (rank.exitCode !== null && rank.exitCode !== 0) return { text: `exited ${rank.exitCode}`, ok: false };
  if (rank.clean === false) return { text: rank.exitCode === null ? 'did not end cleanly' : `exited ${rank.exitCode}, not cleanly`, ok: false };
  if (rank.exitCode === 0) return { text: 'exited 0', ok: true };
  if (rank.clean === true) return { text: 'ended cleanly', ok: true };
  return { text: 'not recorded', ok: null };
}

/** A job-wide energy or emissions figure. */
export interface ResourceTotal {
  readonly label: string;
  /** The metric it sums, e.g. 'energy_consumed'. */
  readonly metric: string;
  readonly total: number;
  /** '' when the documents do not say (the original recorded no units). */
  readonly unit: string;
  readonly perRank: readonly { readonly rank: number; readonly value: number }[];
  /** Why the figure may not mean what its label says; null when it does. */
  readonly caveat: string | null;
}

/**
 * The cumulative carbon metrics of the metrics issue (DESIGN §7): each rank's series ends at that
 * rank's total (a node's energy is attributed to one rank only), so the job's total is their sum.
 */
const CUMULATIVE_METRICS: readonly { metric: string; label: string }[] = [
  { metric: 'energy_consumed', label: 'Energy' },
  { metric: 'emissions', label: 'CO2 emissions' },
  { metric: 'cpu_energy', label: 'CPU energy' },
  { metric: 'gpu_energy', label: 'GPU energy' },
  { metric: 'ram_energy', label: 'RAM energy' },
];

/** The original stored codecarbon's energy_consumed under `emissions` (reference §7.3, bug 3). */
const ORIGINAL_EMISSIONS_CAVEAT = "the original yProvML logged energy_consumed under the name 'emissions': this is energy, not CO2";

/**
 * Totals of the cumulative carbon metrics; a rank's value is its series' last value (the largest
 * over contexts). `ranks` tells which documents came from the original, whose names mislead.
 */
export function resourceTotals(series: readonly SeriesSource[], lastValues: ReadonlyMap<string, number | null>, ranks: readonly RankFacts[]): ResourceTotal[] {
  const originalRanks = new Set(ranks.filter((rank) => rank.generation !== 'prov4ml').map((rank) => rank.rank));
  const totals: ResourceTotal[] = [];
  for (const { metric, label } of CUMULATIVE_METRICS) {
    const byRank = new Map<number, number>();
    let unit = '';
    for (const source of series) {
      if (source.name !== metric) continue;
      const last = lastValues.get(seriesKey(source.rank, source.name, source.context)) ?? source.lastValue;
      if (last === null || !Number.isFinite(last)) continue;
      unit ||= source.unit;
      byRank.set(source.rank, Math.max(byRank.get(source.rank) ?? Number.NEGATIVE_INFINITY, last));
    }
    if (byRank.size === 0) continue;
    const perRank = [...byRank.entries()].sort(([a], [b]) => a - b).map(([rank, value]) => ({ rank, value }));
    const misnamed = metric === 'emissions' && perRank.some(({ rank }) => originalRanks.has(rank));
    totals.push({ label, metric, unit, total: perRank.reduce((sum, { value }) => sum + value, 0), perRank, caveat: misnamed ? ORIGINAL_EMISSIONS_CAVEAT : null });
  }
  return totals;
}
