/**
 * Display-only downsampling: the x range is cut into buckets and each bucket keeps its smallest and
 * largest value (in the order they occurred), so spikes survive however many points a series has.
 * The data files are never touched. Non-finite values (NaN, ±Infinity: a diverging loss) cannot be
 * drawn on a finite axis; they break the line and are counted.
 */
import type { SeriesSource } from './model.js';
/** A downsampled series: vertices in drawing order; a NaN value ends one stroke and starts the next. */
export interface DownsampledSeries {
    readonly steps: number[];
    readonly values: number[];
    /** Points read from the source. */
    readonly pointCount: number;
    readonly nanCount: number;
    readonly infiniteCount: number;
    /** Smallest and largest finite value; null when there is none. */
    readonly min: number | null;
    readonly max: number | null;
    /** Value of the point with the largest step (the last one logged among equals); null for no points. */
    readonly last: number | null;
    /** Smallest positive finite value, for a log axis; null when there is none. */
    readonly minPositive: number | null;
}
/**
 * Points of one series kept in memory between the range pass and the bucket pass, so that a series
 * is read once; a longer series (16 bytes a point: 32 MiB here) is read a second time instead.
 */
export declare const MAX_BUFFERED_SERIES_POINTS = 2000000;
/** Downsamples `source` to at most 2 × `buckets` vertices plus breaks. */
export declare function downsampleSeries(source: SeriesSource, buckets: number): Promise<DownsampledSeries>;
/** One pass over points whose step range is known in advance. */
export declare class MinMaxDownsampler {
    #private;
    constructor(firstStep: number, lastStep: number, buckets: number);
    add(step: number, value: number): void;
    result(): DownsampledSeries;
}
//# sourceMappingURL=downsample.d.ts.map