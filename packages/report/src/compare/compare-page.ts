/**
 * The comparison page: self-contained like the report's (same style, same plots and hover script, no
 * external resource), one column per run.
 */
import { escapeHtml, formatDuration, formatNumber, formatTime } from '../html.js';
import { PAGE_SCRIPT } from '../page-assets.js';
import { pageHead } from '../page.js';
import { renderPlot, type PlotInput } from '../plot.js';
import type { JobSummary } from '../summary.js';

/** Which rank's curves and final metrics stand for a run: one rank, or the mean across its ranks. */
export type RankChoice = number | 'mean';

/** What the page says about one run. */
export interface ComparedRun {
  /** The run directory's name, `<experiment>_<id>`: each line of a plot is labelled with it. */
  readonly name: string;
  readonly dir: string;
  readonly job: JobSummary;
  /** Job totals (sum over ranks of each rank's cumulative value); null when not recorded. */
  readonly energyJ: number | null;
  readonly emissionsG: number | null;
  readonly parameters: ReadonlyMap<string, string>;
  readonly finalMetrics: ReadonlyMap<string, number>;
}

export interface ComparisonPage {
  readonly experiment: string | null;
  readonly rank: RankChoice;
  readonly generatedMs: number;
  readonly runs: readonly ComparedRun[];
  readonly differingParameters: readonly string[];
  readonly plots: readonly PlotInput[];
  readonly notes: readonly string[];
}

export function renderComparisonPage(page: ComparisonPage): string {
  const title = `${page.experiment ?? 'runs'} · ${page.runs.length} runs compared`;
  const which = page.rank === 'mean' ? 'the mean across each run’s ranks' : `rank ${page.rank} of each run`;
  return [
    pageHead(`prov4ml comparison: ${title}`),
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">prov4ml comparison · curves and final metrics of ${escapeHtml(which)} · generated ${escapeHtml(formatTime(page.generatedMs))}</p></header>`,
    '<main>',
    runsSection(page.runs),
    parametersSection(page.runs, page.differingParameters),
    finalMetricsSection(page.runs),
    metricsSection(page.plots, which),
    page.notes.length === 0 ? '' : `<section id="notes"><h2>Notes <span class="count">${page.notes.length}</span></h2><ul class="notes">${page.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul></section>`,
    '</main>',
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>',
  ].join('\n');
}

function runsSection(runs: readonly ComparedRun[]): string {
  const rows = runs.map((run) => {
    const { job } = run;
    const duration = job.startMs === null || job.endMs === null ? null : job.endMs - job.startMs;
    return `<tr><td><code title="${escapeHtml(run.dir)}">${escapeHtml(run.name)}</code></td><td class="num">${job.worldSize}</td><td>${escapeHtml(formatTime(job.startMs))}</td><td class="num">${escapeHtml(formatDuration(duration))}</td><td class="num">${escapeHtml(formatNumber(run.energyJ))}</td><td class="num">${escapeHtml(formatNumber(run.emissionsG))}</td><td class="${job.ok === false ? 'bad' : job.ok === true ? 'good' : 'muted'}">${escapeHtml(job.status)}</td></tr>`;
  });
  return `<section id="runs"><h2>Runs <span class="count">${runs.length}</span></h2><div class="scroll"><table><tr><th>run</th><th class="num">ranks</th><th>start</th><th class="num">duration</th><th class="num">energy (J)</th><th class="num">CO2 (gCO2eq)</th><th>exit status</th></tr>${rows.join('')}</table></div></section>`;
}

function runHeader(runs: readonly ComparedRun[]): string {
  return runs.map((run) => `<th>${escapeHtml(run.name)}</th>`).join('');
}

/**
 * Parameters the API logs itself (as the original did), different in every run: not compared; the
 * page shows each run's start and duration instead.
 */
export const RUN_TIME_PARAMETERS: readonly string[] = ['execution_start_time', 'execution_end_time'];

function parametersSection(runs: readonly ComparedRun[], names: readonly string[]): string {
  const all = [...new Set(runs.flatMap((run) => [...run.parameters.keys()]))].filter((name) => !RUN_TIME_PARAMETERS.includes(name)).length;
  if (names.length === 0) return `<section id="parameters"><h2>Parameters that differ</h2><p class="muted">None: the ${runs.length} runs logged the same ${all} parameter(s) with the same values.</p></section>`;
  const rows = names.map((name) => `<tr><td><code>${escapeHtml(name)}</code></td>${runs.map((run) => `<td>${escapeHtml(run.parameters.get(name) ?? '—')}</td>`).join('')}</tr>`);
  return `<section id="parameters"><h2>Parameters that differ <span class="count">${names.length}</span></h2><p class="muted">${all - names.length} parameter(s) with the same value in every run are not listed.</p><div class="scroll"><table><tr><th>parameter</th>${runHeader(runs)}</tr>${rows.join('')}</table></div></section>`;
}

function finalMetricsSection(runs: readonly ComparedRun[]): string {
  const names = [...new Set(runs.flatMap((run) => [...run.finalMetrics.keys()]))];
  if (names.length === 0) return '';
  const rows = names.map((name) => `<tr><td><code>${escapeHtml(name)}</code></td>${runs.map((run) => `<td class="num">${escapeHtml(formatNumber(run.finalMetrics.get(name) ?? null, 6))}</td>`).join('')}</tr>`);
  return `<section id="final-metrics"><h2>Final metrics</h2><div class="scroll"><table><tr><th>metric</th>${runHeader(runs)}</tr>${rows.join('')}</table></div></section>`;
}

function metricsSection(plots: readonly PlotInput[], which: string): string {
  if (plots.length === 0) return '<section id="metrics"><h2>Metrics</h2><p class="muted">No metric series were found.</p></section>';
  return `<section id="metrics"><h2>Metrics <span class="count">${plots.length}</span></h2><p class="muted">One line per run: ${escapeHtml(which)}. Plots are downsampled for display (min and max per pixel column); the CSV files hold every point.</p><div class="plots">${plots.map(renderPlot).join('')}</div></section>`;
}
