/**
 * `prov4ml report`: one self-contained HTML page about a run — job summary, metric plots per rank,
 * provenance graphs — from a run directory of ours or the original's files (G1 to G3).
 */
import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '@prov4ml/prov-core';
import { NO_PROGRESS, type ProgressReporter } from '@prov4ml/aggregator';
import { renderPage } from './page.js';
import { buildPlots } from './plots.js';
import { readRanksCompared } from './ranks-compared.js';
import { readRun } from './read-run.js';
import { resourceTotals, summariseJob } from './summary.js';

export interface ReportOptions {
  /** Told about each document and series read; {@link NO_PROGRESS} by default. */
  readonly progress?: ProgressReporter;
  /** The time the page says it was generated (epoch ms); now by default. */
  readonly generatedMs?: number;
}

export interface ReportResult {
  readonly html: string;
  /** Documents (ranks) read. */
  readonly rankCount: number;
  /** Plots in the page, and lines in them all. */
  readonly plotCount: number;
  readonly lineCount: number;
  /** What the page lists under Notes (missing side files, series left out). */
  readonly notes: readonly string[];
}

/** The report page of `input`, a run directory or one PROV-JSON file; throws UserError for bad input. */
export async function buildReport(input: string, options: ReportOptions = {}): Promise<ReportResult> {
  const progress = options.progress ?? NO_PROGRESS;
  const run = await readRun(input, progress);
  const { plots, lastValues, notes: plotNotes } = await buildPlots(run.series, progress);
  const diagnostics = await readRanksCompared(run.ranks, run.series);
  // A file the plots could not read either is one note, not two.
  const diagnosticNotes = diagnostics.notes.filter(({ error }) => !plotNotes.some((note) => note.endsWith(error))).map(({ note }) => note);
  const notes = [...run.notes, ...plotNotes, ...diagnosticNotes];
  const html = renderPage({
    input,
    generatedMs: options.generatedMs ?? Date.now(),
    job: summariseJob(run.ranks),
    ranks: run.ranks,
    ranksCompared: diagnostics.compared,
    totals: resourceTotals(run.series, lastValues, run.ranks),
    plots,
    graphs: run.graphs,
    notes,
  });
  return { html, rankCount: run.ranks.length, plotCount: plots.length, lineCount: plots.reduce((sum, plot) => sum + plot.lines.length, 0), notes };
}

export interface WriteReportOptions extends ReportOptions {
  /** File to write; by default `report.html` in the run directory, or `<file>.report.html` beside a single file. */
  readonly output?: string;
}

/** Builds the report of `input` and writes it; returns the result and where it went. */
export async function writeReport(input: string, options: WriteReportOptions = {}): Promise<ReportResult & { readonly output: string }> {
  const output = options.output ?? (await defaultReportPath(input));
  try {
    const result = await buildReport(input, options);
    await writeFile(output, result.html).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`--output ${output}: cannot write: ${error.code ?? error.message}`);
    });
    return { ...result, output };
  } finally {
    options.progress?.finish();
  }
}

/** `<dir>/report.html` for a run directory; `<name>.report.html` beside a single document. */
async function defaultReportPath(input: string): Promise<string> {
  const info = await stat(input).catch(() => null);
  if (info?.isFile() === true) return join(dirname(input), `${basename(input).replace(/\.json$/i, '')}.report.html`);
  return join(input, 'report.html');
}
