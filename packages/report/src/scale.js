/** Axis scales and their ticks for the metric plots. */
import { formatNumber } from './html.js';
/** Roughly how many ticks an axis gets. */
const TARGET_TICKS = 6;
/**
 * A linear scale over [min, max] widened to round tick values. `pixels` is [start, end] (end < start
 * flips it). `integerTicks`: never a tick between integers (steps are counted in whole units).
 */
export function linearScale(min, max, pixels, options = {}) {
    let [low, high] = [min, max];
    if (!(high > low)) {
        // One value (or none): centre it in a range that still has round ticks.
        const pad = low === 0 || !Number.isFinite(low) ? 1 : Math.abs(low) * 0.1;
        [low, high] = Number.isFinite(low) ? [low - pad, high + pad] : [0, 1];
    }
    const rough = niceStep((high - low) / TARGET_TICKS);
    const step = options.integerTicks === true ? Math.max(1, rough) : rough;
    const start = Math.floor(low / step) * step;
    const end = Math.ceil(high / step) * step;
    const ticks = [];
    for (let i = 0; start + i * step <= end + step / 2; i += 1)
        ticks.push(roundToStep(start + i * step, step));
    const [p0, p1] = pixels;
    const factor = (p1 - p0) / (end - start);
    return { domain: [start, end], ticks, label: (tick) => linearTickLabel(tick, step), at: (value) => p0 + (value - start) * factor };
}
/** A log10 scale over [minPositive, max] widened to whole decades. */
export function logScale(minPositive, max, pixels) {
    const lowDecade = Math.floor(Math.log10(minPositive));
    let highDecade = Math.ceil(Math.log10(Math.max(max, minPositive)));
    if (highDecade === lowDecade)
        highDecade += 1;
    const decadeStep = Math.max(1, Math.ceil((highDecade - lowDecade) / TARGET_TICKS));
    const ticks = [];
    for (let decade = lowDecade; decade <= highDecade; decade += decadeStep)
        ticks.push(10 ** decade);
    const [p0, p1] = pixels;
    const factor = (p1 - p0) / (highDecade - lowDecade);
    return {
        domain: [10 ** lowDecade, 10 ** highDecade],
        ticks,
        label: (tick) => formatNumber(tick),
        at: (value) => (value > 0 ? p0 + (Math.log10(value) - lowDecade) * factor : Number.NaN),
    };
}
/** Fixed decimals as fine as the tick step; exponent form for very large or very small magnitudes. */
function linearTickLabel(tick, step) {
    if (tick === 0)
        return '0';
    const magnitude = Math.max(Math.abs(tick), step);
    if (magnitude >= 1e6 || magnitude < 1e-3) {
        const digits = Math.max(1, Math.ceil(Math.log10(Math.abs(tick) / step)) + 1);
        return tick.toExponential(Math.min(20, digits - 1)).replace(/\.?0+e/, 'e');
    }
    return tick.toFixed(Math.min(20, Math.max(0, -Math.floor(Math.log10(step)))));
}
/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough) {
    if (!(rough > 0) || !Number.isFinite(rough))
        return 1;
    const power = 10 ** Math.floor(Math.log10(rough));
    const fraction = rough / power;
    return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}
/** Removes the float noise of `start + i * step` (0.30000000000000004 → 0.3). */
function roundToStep(value, step) {
    const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
    return Number(value.toFixed(Math.min(decimals, 20)));
}
//# sourceMappingURL=scale.js.map