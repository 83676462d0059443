/** A rank's diagnostics input from what finalisation gathered: its summary and its timing. */
import type { RankSummary } from '@prov4ml/prov-core';
import type { RankTiming } from '../finalize/rank-accumulator.js';
import type { RankTimingInput } from './ranks-compared.js';

/** The cumulative carbon series the diagnostics read (carbon-meter's names). */
export const ENERGY_METRIC = 'energy_consumed';
export const EMISSIONS_METRIC = 'emissions';

export function rankTimingInput(summary: Omit<RankSummary, 'job'>, timing: RankTiming): RankTimingInput {
  const end = summary.runEnd;
  return {
    rank: summary.rank,
    node: summary.runStart?.hostname ?? null,
    stepTimes: timing.stepTimes,
    energyJ: largestLastValue(summary.series, ENERGY_METRIC),
    emissionsG: largestLastValue(summary.series, EMISSIONS_METRIC),
    gpuUsagePercent: timing.gpuUsagePercent,
    exitCode: end?.exitCode ?? null,
    signal: end?.signal ?? null,
    // As the rank's document says it (prov-ml:clean, prov-ml:unfinished), so the report reads the same.
    clean: end !== null && summary.finished ? end.clean : false,
  };
}

/** The largest finite last value of the series named `name`, over its contexts; null when none. */
export function largestLastValue(series: readonly { readonly name: string; readonly lastValue: number | null }[], name: string): number | null {
  let largest: number | null = null;
  for (const s of series) {
    if (s.name !== name || s.lastValue === null || !Number.isFinite(s.lastValue)) continue;
    if (largest === null || s.lastValue > largest) largest = s.lastValue;
  }
  return largest;
}
