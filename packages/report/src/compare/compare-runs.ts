/**
 * `prov4ml report <run dir> <run dir> …` and `prov4ml report <save dir> --experiment E`: runs side by
 * side on one page — the parameters that differ, final metrics, duration, energy, CO2, and each
 * metric's curves overlaid, one line per run (one rank of each, or the mean across its ranks).
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '@prov4ml/prov-core';
import { NO_PROGRESS, type ProgressReporter } from '@prov4ml/aggregator';
import { parametersByName } from '../page.js';
import { buildPlots } from '../plots.js';
import { readRun } from '../read-run.js';
import type { RankFacts, RunContents, SeriesSource } from '../run-contents.js';
import { resourceTotals, summariseJob } from '../summary.js';
import { renderComparisonPage, RUN_TIME_PARAMETERS, type ComparedRun, type RankChoice } from './compare-page.js';
import { experimentRunDirs } from './find-runs.js';
import { meanSeries } from './mean-series.js';

export interface CompareRequest {
  /** Run directories; with `experiment`, exactly one save directory. */
  readonly inputs: readonly string[];
  readonly experiment?: string;
  /** 0 by default. */
  readonly rank?: RankChoice;
  /** By default `<directory of the first run>/<experiment>_compare.html`. */
  readonly output?: string;
  readonly progress?: ProgressReporter;
  /** The time the page says it was generated (epoch ms); now by default. */
  readonly generatedMs?: number;
}

export interface ComparisonResult {
  readonly html: string;
  readonly output: string;
  readonly runCount: number;
  readonly plotCount: number;
  readonly lineCount: number;
  /** Names of the parameters whose values differ between runs (the only ones the page lists). */
  readonly differingParameters: readonly string[];
  readonly notes: readonly string[];
}

/** Reads the runs, writes the comparison page; throws UserError naming the bad input. */
export async function writeComparison(request: CompareRequest): Promise<ComparisonResult> {
  const progress = request.progress ?? NO_PROGRESS;
  try {
    const runDirs = await runDirectories(request);
    const rank = request.rank ?? 0;
    const runs: { dir: string; contents: RunContents }[] = [];
    for (const dir of runDirs) runs.push({ dir, contents: await readRun(dir, progress, { graphs: false }) });
    if (rank !== 'mean' && !runs.some(({ contents }) => contents.ranks.some((facts) => facts.rank === rank))) {
      throw new UserError(`--rank ${rank}: no run has that rank (${runs.map(({ dir, contents }) => `${basename(dir)} has ${contents.ranks.length} rank(s)`).join(', ')})`);
    }
    const notes: string[] = [];
    const compared = runs.map(({ dir, contents }) => comparedRun(dir, contents, rank));
    const sources = runs.flatMap(({ dir, contents }, index) => runLines(contents, rank, basename(dir), index, notes));
    const { plots, notes: plotNotes } = await buildPlots(sources, progress);
    const differingParameters = differing(compared);
    const experiment = compared.map((run) => run.job.experiment).find((name): name is string => name !== null) ?? request.experiment ?? null;
    const output = request.output ?? join(dirname(runDirs[0] as string), `${experiment ?? 'runs'}_compare.html`);
    const allNotes = [...runs.flatMap(({ contents }) => contents.notes), ...notes, ...plotNotes];
    const html = renderComparisonPage({ experiment, rank, generatedMs: request.generatedMs ?? Date.now(), runs: compared, differingParameters, plots, notes: allNotes });
    await writeFile(output, html).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`--output ${output}: cannot write: ${error.code ?? error.message}`);
    });
    return { html, output, runCount: runs.length, plotCount: plots.length, lineCount: plots.reduce((sum, plot) => sum + plot.lines.length, 0), differingParameters, notes: allNotes };
  } finally {
    progress.finish();
  }
}

async function runDirectories(request: CompareRequest): Promise<string[]> {
  if (request.experiment === undefined) {
    if (request.inputs.length === 0) throw new UserError('no run directory given');
    return [...request.inputs];
  }
  if (request.inputs.length !== 1) throw new UserError(`--experiment ${request.experiment}: give one save directory, got ${request.inputs.length} paths`);
  return experimentRunDirs(request.inputs[0] as string, request.experiment);
}

function comparedRun(dir: string, contents: RunContents, rank: RankChoice): ComparedRun {
  const totals = resourceTotals(contents.series, new Map(), contents.ranks);
  const total = (metric: string): number | null => totals.find((t) => t.metric === metric)?.total ?? null;
  return {
    name: basename(dir),
    dir,
    job: summariseJob(contents.ranks),
    energyJ: total('energy_consumed'),
    emissionsG: total('emissions'),
    parameters: runParameters(contents.ranks),
    finalMetrics: runFinalMetrics(contents.ranks, rank),
  };
}

/** A run's value of each parameter: the one value its ranks share, else each rank's. */
function runParameters(ranks: readonly RankFacts[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, values] of parametersByName(ranks)) {
    const distinct = new Set(values.values());
    result.set(name, distinct.size === 1 ? ([...distinct][0] as string) : [...values].map(([rank, value]) => `rank ${rank}: ${value}`).join(', '));
  }
  return result;
}

/** The chosen rank's final metrics, or each metric's mean over the ranks that registered it. */
function runFinalMetrics(ranks: readonly RankFacts[], rank: RankChoice): Map<string, number> {
  const chosen = rank === 'mean' ? ranks : ranks.filter((facts) => facts.rank === rank);
  const sums = new Map<string, { sum: number; count: number }>();
  for (const facts of chosen) {
    for (const { name, value } of facts.finalMetrics) {
      const entry = sums.get(name) ?? { sum: 0, count: 0 };
      sums.set(name, { sum: entry.sum + value, count: entry.count + 1 });
    }
  }
  return new Map([...sums].map(([name, { sum, count }]) => [name, sum / count]));
}

/** One line per metric of the run: its chosen rank's series, or the mean of all its ranks'. */
function runLines(contents: RunContents, rank: RankChoice, label: string, index: number, notes: string[]): SeriesSource[] {
  if (rank !== 'mean') {
    const mine = contents.series.filter((source) => source.rank === rank);
    if (mine.length === 0) notes.push(`${label}: no metric series of rank ${rank}`);
    return mine.map((source) => ({ ...source, rank: index, label }));
  }
  const groups = new Map<string, SeriesSource[]>();
  for (const source of contents.series) {
    const key = JSON.stringify([source.context, source.name]);
    groups.set(key, [...(groups.get(key) ?? []), source]);
  }
  return [...groups.values()].map((group) => meanSeries(group, `${label} (mean of ${group.length} rank(s))`, index));
}

/** Parameter names whose value is not the same in every run (absent counts as a value). */
function differing(runs: readonly ComparedRun[]): string[] {
  const names = [...new Set(runs.flatMap((run) => [...run.parameters.keys()]))].filter((name) => !RUN_TIME_PARAMETERS.includes(name));
  return names.filter((name) => new Set(runs.map((run) => run.parameters.get(name) ?? '\u0000absent')).size > 1);
}
