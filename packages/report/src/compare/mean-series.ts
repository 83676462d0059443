/** A metric's mean across a run's ranks, step by step, as one series to plot. */
import type { SeriesSource } from '../run-contents.js';

/**
 * At each step, the mean of the finite values the ranks logged at it (a rank that logged a step twice
 * counts twice); NaN where none was finite, so the line breaks there as a rank's would.
 */
export function meanSeries(sources: readonly SeriesSource[], label: string, index: number): SeriesSource {
  const first = sources[0] as SeriesSource;
  return {
    rank: index,
    name: first.name,
    context: first.context,
    unit: first.unit,
    lastValue: null,
    label,
    forEachPoint: async (visit) => {
      const sums = new Map<number, { sum: number; count: number }>();
      for (const source of sources) {
        await source.forEachPoint((step, value) => {
          let entry = sums.get(step);
          if (entry === undefined) sums.set(step, (entry = { sum: 0, count: 0 }));
          if (!Number.isFinite(value)) return;
          entry.sum += value;
          entry.count += 1;
        });
      }
      for (const step of [...sums.keys()].sort((a, b) => a - b)) {
        const { sum, count } = sums.get(step) as { sum: number; count: number };
        visit(step, count === 0 ? Number.NaN : sum / count);
      }
    },
  };
}
