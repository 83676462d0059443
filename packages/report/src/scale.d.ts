/** A mapping from data values to pixel positions along one axis. */
export interface Scale {
    readonly domain: readonly [number, number];
    readonly ticks: readonly number[];
    /** A tick's label, with just enough digits to tell neighbouring ticks apart. */
    label(tick: number): string;
    /** Pixel position of `value`; NaN when the scale cannot show it (≤ 0 on a log scale). */
    at(value: number): number;
}
/**
 * A linear scale over [min, max] widened to round tick values. `pixels` is [start, end] (end < start
 * flips it). `integerTicks`: never a tick between integers (steps are counted in whole units).
 */
export declare function linearScale(min: number, max: number, pixels: readonly [number, number], options?: {
    integerTicks?: boolean;
}): Scale;
/** A log10 scale over [minPositive, max] widened to whole decades. */
export declare function logScale(minPositive: number, max: number, pixels: readonly [number, number]): Scale;
//# sourceMappingURL=scale.d.ts.map