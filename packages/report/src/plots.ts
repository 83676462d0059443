/**
 * From series to plots: one plot per metric and context, one line per rank, each line downsampled
 * to what the page can afford. The page's size is bounded whatever the run logged: a vertex budget
 * shared by all lines, a floor of detail per line, and a ceiling on lines per plot and in all.
 */
import { isUserError } from '@prov4ml/prov-core';
import { NO_PROGRESS, type ProgressReporter } from '@prov4ml/aggregator';
import { downsampleSeries, type DownsampledSeries } from './downsample.js';
import type { SeriesSource } from './run-contents.js';
import { PLOT_AREA_WIDTH, type PlotInput } from './plot.js';

/**
 * Vertices (min and max per bucket) in all plots together. Each costs about 30 bytes in the page
 * (linear path, log path, hover data), so this keeps the plots near 3.6 MB at most.
 */
export const MAX_REPORT_VERTICES = 120_000;
/** Two pixels per bucket: finer than that a min/max pair cannot be told apart on screen. */
export const MAX_BUCKETS_PER_LINE = Math.floor(PLOT_AREA_WIDTH / 2);
/** Least detail a drawn line gets; lines the budget cannot afford at this are left out, not blurred further. */
export const MIN_BUCKETS_PER_LINE = 16;
/** Lines per plot: past this many ranks, a plot is a blur of colours (the rest are listed under it). */
export const MAX_LINES_PER_PLOT = 64;

/** Built-in contexts first, in the order a run goes through them; user-defined ones after, by name. */
const CONTEXT_ORDER = ['TRAINING', 'VALIDATION', 'TESTING', 'EVALUATION'];

export interface PlotsResult {
  readonly plots: PlotInput[];
  /** Last value of each series that was read, by {@link seriesKey}. */
  readonly lastValues: ReadonlyMap<string, number | null>;
  readonly notes: string[];
}

export function seriesKey(rank: number, name: string, context: string): string {
  return JSON.stringify([rank, name, context]);
}

/** Groups, budgets and downsamples `series` (reading each source twice, one at a time). */
export async function buildPlots(series: readonly SeriesSource[], progress: ProgressReporter = NO_PROGRESS): Promise<PlotsResult> {
  const groups = groupByMetric(series);
  const maxLines = Math.floor(MAX_REPORT_VERTICES / (2 * MIN_BUCKETS_PER_LINE));
  const notes: string[] = [];
  const drawn: { group: SeriesSource[]; omittedRanks: number[] }[] = [];
  let lineCount = 0;
  for (const group of groups) {
    const fitting = group.slice(0, Math.min(MAX_LINES_PER_PLOT, maxLines - lineCount));
    const first = group[0] as SeriesSource;
    if (fitting.length === 0) {
      notes.push(`${first.name} (${first.context}): not plotted, the page already holds ${lineCount} lines`);
      continue;
    }
    drawn.push({ group: fitting, omittedRanks: group.slice(fitting.length).map((source) => source.rank) });
    lineCount += fitting.length;
  }
  const buckets = Math.max(MIN_BUCKETS_PER_LINE, Math.min(MAX_BUCKETS_PER_LINE, Math.floor(MAX_REPORT_VERTICES / (2 * Math.max(1, lineCount)))));
  progress.addTotal(lineCount);
  const lastValues = new Map<string, number | null>();
  const plots: PlotInput[] = [];
  for (const { group, omittedRanks } of drawn) {
    const lines: { rank: number; series: DownsampledSeries; label?: string }[] = [];
    for (const source of group) {
      const downsampled = await readLine(source, buckets, notes);
      if (downsampled !== null) {
        lines.push({ rank: source.rank, series: downsampled, ...(source.label === undefined ? {} : { label: source.label }) });
        lastValues.set(seriesKey(source.rank, source.name, source.context), downsampled.last);
      }
      progress.advance(`${source.name} rank ${source.rank}`);
    }
    const first = group[0] as SeriesSource;
    if (lines.length === 0) continue;
    plots.push({ id: `plot-${plots.length + 1}`, name: first.name, context: first.context, unit: first.unit, lines, omittedRanks });
  }
  return { plots, lastValues, notes };
}

/**
 * One line, or null with a note when its points cannot be read: a rank killed mid-write, or a file
 * someone removed, must not cost the reader the rest of the report.
 */
async function readLine(source: SeriesSource, buckets: number, notes: string[]): Promise<DownsampledSeries | null> {
  try {
    return await downsampleSeries(source, buckets);
  } catch (error) {
    if (!isUserError(error)) throw error;
    notes.push(`${source.name} (${source.context}) rank ${source.rank}: not plotted: ${error.message}`);
    return null;
  }
}

/** Series grouped by (name, context), groups in context order then first appearance, ranks ascending. */
function groupByMetric(series: readonly SeriesSource[]): SeriesSource[][] {
  const groups = new Map<string, SeriesSource[]>();
  for (const source of series) {
    const key = JSON.stringify([source.context, source.name]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [source]);
    else group.push(source);
  }
  const contextRank = (context: string): number => {
    const index = CONTEXT_ORDER.indexOf(context);
    return index < 0 ? CONTEXT_ORDER.length : index;
  };
  return [...groups.values()]
    .map((group) => group.sort((a, b) => a.rank - b.rank))
    .sort((a, b) => {
      const [first, second] = [a[0] as SeriesSource, b[0] as SeriesSource];
      return contextRank(first.context) - contextRank(second.context) || (contextRank(first.context) === CONTEXT_ORDER.length ? first.context.localeCompare(second.context) : 0);
    });
}
