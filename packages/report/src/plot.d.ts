/**
 * One metric of one context as an inline SVG line plot, one line per rank. Everything needed to read
 * it is static markup: axes, units, legend, a `<title>` per line (the browser shows it on hover), and
 * a second copy of the lines on a log axis that a checkbox reveals through CSS alone. The page's small
 * script only adds a crosshair with exact values, from the JSON the figure carries.
 */
import type { DownsampledSeries } from './downsample.js';
export interface PlotLine {
    readonly rank: number;
    readonly series: DownsampledSeries;
}
export interface PlotInput {
    /** Unique within the page; used for element ids. */
    readonly id: string;
    readonly name: string;
    readonly context: string;
    readonly unit: string;
    readonly lines: readonly PlotLine[];
    /** Ranks that have this series but were left out to keep the page small. */
    readonly omittedRanks: readonly number[];
}
/** The SVG's coordinate system; the element scales to the page width. */
export declare const PLOT_WIDTH = 760;
export declare const PLOT_HEIGHT = 300;
/** Pixels the lines can use horizontally: the downsampler needs no more buckets than half of this. */
export declare const PLOT_AREA_WIDTH: number;
export declare function rankColor(index: number, count: number): string;
/** The `<figure>` for one plot. */
export declare function renderPlot(plot: PlotInput): string;
/** `0-3, 7, 9-12`. */
export declare function rankList(ranks: readonly number[]): string;
//# sourceMappingURL=plot.d.ts.map