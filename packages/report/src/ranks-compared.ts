/**
 * The "Ranks compared" diagnostics of a run read back from its files: each rank's step clock from its
 * user metrics' CSV rows, its GPU use from its gpu_usage rows, energy and CO2 from its documents' last
 * values, how it ended from its run. Computed with the aggregator's `compareRanks`, as the collection's.
 */
import { isUserError, type RanksCompared } from '@prov4ml/prov-core';
import { compareRanks, EMISSIONS_METRIC, ENERGY_METRIC, largestLastValue, StepClock, type CompareRanksOptions, type RankTimingInput } from '@prov4ml/aggregator';
import type { RankFacts, SeriesSource } from './run-contents.js';

/** `origin` of the program's own metrics (LoggingItemKind.METRIC). */
const USER_METRIC_ORIGIN = 'metric';
const GPU_USAGE_METRIC = 'gpu_usage';

export interface RanksComparedReading {
  /** null when no rank is one of ours (the original's documents record no timestamps per rank run). */
  readonly compared: RanksCompared | null;
  /** Series that could not be read: what the note says, and the reader's error message alone. */
  readonly notes: { readonly note: string; readonly error: string }[];
}

/** Reads what the diagnostics need from `ranks` (ours only) and their `series`, and compares them. */
export async function readRanksCompared(ranks: readonly RankFacts[], series: readonly SeriesSource[], options: CompareRanksOptions = {}): Promise<RanksComparedReading> {
  const ours = ranks.filter((rank) => rank.generation === 'prov4ml');
  if (ours.length === 0) return { compared: null, notes: [] };
  const notes: RanksComparedReading['notes'] = [];
  const inputs: RankTimingInput[] = [];
  for (const facts of ours) {
    const mine = series.filter((source) => source.rank === facts.rank);
    inputs.push({
      rank: facts.rank,
      node: facts.host,
      stepTimes: await stepTimes(mine, notes),
      energyJ: largestLastValue(mine, ENERGY_METRIC),
      emissionsG: largestLastValue(mine, EMISSIONS_METRIC),
      gpuUsagePercent: await meanOf(mine.filter((source) => source.name === GPU_USAGE_METRIC), notes),
      exitCode: facts.exitCode,
      signal: facts.signal,
      clean: facts.clean,
    });
  }
  return { compared: compareRanks(inputs, options), notes };
}

async function stepTimes(series: readonly SeriesSource[], notes: RanksComparedReading['notes']): Promise<RankTimingInput['stepTimes']> {
  const clock = new StepClock();
  let any = false;
  for (const source of series) {
    if (source.origin !== USER_METRIC_ORIGIN || source.forEachRow === undefined) continue;
    any = true;
    await readOrNote(source, notes, () => source.forEachRow?.((step, _value, timeMs) => clock.addPoint(step, timeMs)));
  }
  return any ? clock.times() : null;
}

async function meanOf(series: readonly SeriesSource[], notes: RanksComparedReading['notes']): Promise<number | null> {
  let sum = 0;
  let count = 0;
  for (const source of series) {
    await readOrNote(source, notes, () =>
      source.forEachPoint((_step, value) => {
        if (!Number.isFinite(value)) return;
        sum += value;
        count++;
      }),
    );
  }
  return count === 0 ? null : sum / count;
}

/** A file that cannot be read costs its figure, not the report. */
async function readOrNote(source: SeriesSource, notes: RanksComparedReading['notes'], read: () => Promise<void> | undefined): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (!isUserError(error)) throw error;
    notes.push({ note: `${source.name} (${source.context}) rank ${source.rank}: left out of Ranks compared: ${error.message}`, error: error.message });
  }
}
