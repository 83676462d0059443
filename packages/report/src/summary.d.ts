/** The job as a whole, from its ranks' facts: identity, hosts, time span, exit status, energy and CO2. */
import type { RankFacts, SeriesSource } from './model.js';
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
export declare function summariseJob(ranks: readonly RankFacts[]): JobSummary;
export interface RankStatus {
    readonly text: string;
    readonly ok: boolean | null;
}
/** How a rank ended, in words. */
export declare function rankStatus(rank: RankFacts): RankStatus;
/** A job-wide energy or emissions figure. */
export interface ResourceTotal {
    readonly label: string;
    /** The metric it sums, e.g. 'energy_consumed'. */
    readonly metric: string;
    readonly total: number;
    /** '' when the documents do not say (the original recorded no units). */
    readonly unit: string;
    readonly perRank: readonly {
        readonly rank: number;
        readonly value: number;
    }[];
    /** Why the figure may not mean what its label says; null when it does. */
    readonly caveat: string | null;
}
/**
 * Totals of the cumulative carbon metrics; a rank's value is its series' last value (the largest
 * over contexts). `ranks` tells which documents came from the original, whose names mislead.
 */
export declare function resourceTotals(series: readonly SeriesSource[], lastValues: ReadonlyMap<string, number | null>, ranks: readonly RankFacts[]): ResourceTotal[];
//# sourceMappingURL=summary.d.ts.map