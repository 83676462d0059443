import { type ProgressReporter } from '@prov4ml/aggregator';
import type { SeriesSource } from './model.js';
import { type PlotInput } from './plot.js';
/**
 * Vertices (min and max per bucket) in all plots together. Each costs about 30 bytes in the page
 * (linear path, log path, hover data), so this keeps the plots near 3.6 MB at most.
 */
export declare const MAX_REPORT_VERTICES = 120000;
/** Two pixels per bucket: finer than that a min/max pair cannot be told apart on screen. */
export declare const MAX_BUCKETS_PER_LINE: number;
/** Least detail a drawn line gets; lines the budget cannot afford at this are left out, not blurred further. */
export declare const MIN_BUCKETS_PER_LINE = 16;
/** Lines per plot: past this many ranks, a plot is a blur of colours (the rest are listed under it). */
export declare const MAX_LINES_PER_PLOT = 64;
export interface PlotsResult {
    readonly plots: PlotInput[];
    /** Last value of each series that was read, by {@link seriesKey}. */
    readonly lastValues: ReadonlyMap<string, number | null>;
    readonly notes: string[];
}
export declare function seriesKey(rank: number, name: string, context: string): string;
/** Groups, budgets and downsamples `series` (reading each source twice, one at a time). */
export declare function buildPlots(series: readonly SeriesSource[], progress?: ProgressReporter): Promise<PlotsResult>;
//# sourceMappingURL=plots.d.ts.map