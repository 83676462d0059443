/**
 * The report page: one self-contained HTML document. No external resource of any kind (fonts,
 * stylesheets, scripts, images): it is opened from a cluster's shared filesystem, often offline.
 * Everything is readable without script; the inline script only adds the plots' crosshair.
 */
import { escapeHtml, formatDuration, formatNumber, formatTime } from './html.js';
import type { RankFacts, RankGraph } from './run-contents.js';
import { rankList, renderPlot, type PlotInput } from './plot.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { ranksComparedSection } from './ranks-compared-section.js';
import type { RanksCompared } from '@prov4ml/prov-core';
import { rankStatus, type JobSummary, type ResourceTotal } from './summary.js';

export interface PageInput {
  readonly input: string;
  readonly generatedMs: number;
  readonly job: JobSummary;
  readonly ranks: readonly RankFacts[];
  /** Cross-rank diagnostics; null for the original's documents. */
  readonly ranksCompared: RanksCompared | null;
  readonly totals: readonly ResourceTotal[];
  readonly plots: readonly PlotInput[];
  readonly graphs: readonly RankGraph[];
  readonly notes: readonly string[];
}

const JOULES_PER_KWH = 3_600_000;

export function renderPage(page: PageInput): string {
  const title = `${page.job.experiment ?? 'run'}${page.job.runId === null ? '' : ` · run ${page.job.runId}`}`;
  return [
    pageHead(`prov4ml report: ${title}`),
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">prov4ml report of <code>${escapeHtml(page.input)}</code> · ${escapeHtml(page.job.generations.join(', '))} · generated ${escapeHtml(formatTime(page.generatedMs))}</p></header>`,
    '<main>',
    summarySection(page.job, page.totals),
    ranksSection(page.ranks),
    ranksComparedSection(page.ranksCompared),
    parametersSection(page.ranks),
    finalMetricsSection(page.ranks),
    metricsSection(page.plots),
    graphsSection(page.graphs),
    notesSection(page.notes),
    '</main>',
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>',
  ].join('\n');
}

/** Everything before the page's header: its title, the style, and a policy that refuses every request. */
export function pageHead(title: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Belt and braces for "nothing leaves the file": the browser refuses any request the page might make.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head><body>',
  ].join('\n');
}

function summarySection(job: JobSummary, totals: readonly ResourceTotal[]): string {
  const hosts = job.hosts.length === 0
    ? '—'
    : job.hosts.map(({ host, ranks }) => `${escapeHtml(host)} <span class="muted">(rank ${escapeHtml(rankList(ranks))})</span>`).join(', ');
  const facts: [string, string][] = [
    ['Experiment', escapeHtml(job.experiment ?? '—')],
    ['Run id', escapeHtml(job.runId ?? '—')],
    ['Job id', escapeHtml(job.jobId ?? '—')],
    ['Launcher', escapeHtml(job.launcher ?? '—')],
    ['User', escapeHtml(job.user ?? '—')],
    ['Ranks', `${job.worldSize}${job.documentCount === job.worldSize ? '' : ` <span class="warn">(${job.documentCount} document(s) found)</span>`}`],
    ['Hosts', hosts],
    ['Start', escapeHtml(formatTime(job.startMs))],
    ['End', escapeHtml(formatTime(job.endMs))],
    ['Duration', escapeHtml(formatDuration(job.startMs === null || job.endMs === null ? null : job.endMs - job.startMs))],
    ['Exit status', `<span class="${job.ok === false ? 'bad' : job.ok === true ? 'good' : 'muted'}">${escapeHtml(job.status)}</span>`],
  ];
  const cards = totals.filter((total) => total.metric === 'energy_consumed' || total.metric === 'emissions').map(totalCard);
  return [
    '<section id="summary"><h2>Job summary</h2><div class="summary">',
    `<dl class="facts">${facts.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl>`,
    `<div class="cards">${cards.length === 0 ? '<p class="muted">No energy or CO2 metrics were recorded.</p>' : cards.join('')}</div>`,
    '</div>',
    totals.length === 0 ? '' : totalsTable(totals),
    '</section>',
  ].join('');
}

function totalCard(total: ResourceTotal): string {
  const kwh = total.unit === 'J' ? `<div class="card-sub">${escapeHtml(formatNumber(total.total / JOULES_PER_KWH))} kWh</div>` : '';
  return `<div class="card"><div class="card-label">${escapeHtml(total.label)}</div><div class="card-value">${escapeHtml(formatNumber(total.total))} <span class="unit">${escapeHtml(unitText(total.unit))}</span></div>${kwh}<div class="card-sub">${escapeHtml(total.metric)}, sum of ${total.perRank.length} rank(s)</div>${total.caveat === null ? '' : `<div class="card-sub warn">${escapeHtml(total.caveat)}</div>`}</div>`;
}

function totalsTable(totals: readonly ResourceTotal[]): string {
  const ranks = [...new Set(totals.flatMap((total) => total.perRank.map(({ rank }) => rank)))].sort((a, b) => a - b);
  const header = `<tr><th>metric</th><th>unit</th><th class="num">total</th>${ranks.map((rank) => `<th class="num">rank ${rank}</th>`).join('')}</tr>`;
  const rows = totals.map((total) => {
    const byRank = new Map(total.perRank.map(({ rank, value }) => [rank, value]));
    return `<tr><td>${escapeHtml(total.metric)}</td><td>${escapeHtml(unitText(total.unit))}</td><td class="num"><b>${escapeHtml(formatNumber(total.total))}</b></td>${ranks.map((rank) => `<td class="num">${escapeHtml(formatNumber(byRank.get(rank) ?? null))}</td>`).join('')}</tr>`;
  });
  return `<details class="table-details"><summary>Energy and emissions per rank</summary><div class="scroll"><table>${header}${rows.join('')}</table></div></details>`;
}

function unitText(unit: string): string {
  return unit === '' ? '(unit not recorded)' : unit;
}

function ranksSection(ranks: readonly RankFacts[]): string {
  const rows = ranks.map((rank) => {
    const status = rankStatus(rank);
    const duration = rank.startMs === null || rank.endMs === null ? null : rank.endMs - rank.startMs;
    return `<tr><td class="num">${rank.rank}</td><td>${escapeHtml(rank.host ?? '—')}</td><td class="num">${rank.pid ?? '—'}</td><td>${escapeHtml(formatTime(rank.startMs))}</td><td>${escapeHtml(formatTime(rank.endMs))}</td><td class="num">${escapeHtml(formatDuration(duration))}</td><td class="${status.ok === false ? 'bad' : status.ok === true ? 'good' : 'muted'}">${escapeHtml(status.text)}</td><td><code>${escapeHtml(rank.document)}</code></td></tr>`;
  });
  const command = ranks.map((rank) => rank.command).find((text): text is string => text !== null);
  return [
    `<section id="ranks"><h2>Ranks <span class="count">${ranks.length}</span></h2>`,
    command === undefined ? '' : `<p class="command">Command: <code>${escapeHtml(command)}</code></p>`,
    `<div class="scroll"><table><tr><th class="num">rank</th><th>host</th><th class="num">pid</th><th>start</th><th>end</th><th class="num">duration</th><th>exit status</th><th>document</th></tr>${rows.join('')}</table></div>`,
    '</section>',
  ].join('');
}

/** Each parameter's value per rank, parameters in the order first logged. */
export function parametersByName(ranks: readonly RankFacts[]): Map<string, Map<number, string>> {
  const byName = new Map<string, Map<number, string>>();
  for (const rank of ranks) {
    for (const { name, value } of rank.parameters) {
      let values = byName.get(name);
      if (values === undefined) byName.set(name, (values = new Map()));
      values.set(rank.rank, value);
    }
  }
  return byName;
}

/** One row per parameter: its value when every rank logged the same, else the value of each rank. */
function parametersSection(ranks: readonly RankFacts[]): string {
  const byName = parametersByName(ranks);
  if (byName.size === 0) return '<section id="parameters"><h2>Parameters</h2><p class="muted">No parameters were logged.</p></section>';
  const rows = [...byName.entries()].map(([name, values]) => {
    const distinct = new Set(values.values());
    const cell = distinct.size === 1
      ? `${escapeHtml([...distinct][0] as string)}${values.size === ranks.length || ranks.length === 1 ? '' : ` <span class="muted">(rank ${escapeHtml(rankList([...values.keys()]))})</span>`}`
      : [...values.entries()].map(([rank, value]) => `<span class="per-rank">rank ${rank}: ${escapeHtml(value)}</span>`).join(' ');
    return `<tr><td><code>${escapeHtml(name)}</code></td><td>${cell}</td></tr>`;
  });
  return `<section id="parameters"><h2>Parameters <span class="count">${byName.size}</span></h2><div class="scroll"><table><tr><th>name</th><th>value</th></tr>${rows.join('')}</table></div></section>`;
}

function finalMetricsSection(ranks: readonly RankFacts[]): string {
  const names = [...new Set(ranks.flatMap((rank) => rank.finalMetrics.map((metric) => metric.name)))];
  if (names.length === 0) return '';
  const withMetrics = ranks.filter((rank) => rank.finalMetrics.length > 0);
  const header = `<tr><th>metric</th><th>fold</th>${withMetrics.map((rank) => `<th class="num">rank ${rank.rank}</th>`).join('')}</tr>`;
  const rows = names.map((name) => {
    const operation = withMetrics.flatMap((rank) => rank.finalMetrics).find((metric) => metric.name === name)?.operation ?? null;
    const cells = withMetrics.map((rank) => `<td class="num">${escapeHtml(formatNumber(rank.finalMetrics.find((metric) => metric.name === name)?.value ?? null, 6))}</td>`);
    return `<tr><td><code>${escapeHtml(name)}</code></td><td>${escapeHtml(operation ?? '—')}</td>${cells.join('')}</tr>`;
  });
  return `<section id="final-metrics"><h2>Final metrics</h2><div class="scroll"><table>${header}${rows.join('')}</table></div></section>`;
}

function metricsSection(plots: readonly PlotInput[]): string {
  if (plots.length === 0) return '<section id="metrics"><h2>Metrics</h2><p class="muted">No metric series were found.</p></section>';
  const contexts = [...new Set(plots.map((plot) => plot.context))];
  return `<section id="metrics"><h2>Metrics <span class="count">${plots.length}</span></h2><p class="muted">${contexts.length} context(s): ${escapeHtml(contexts.join(', '))}. Hover a line for its summary and a plot for values; plots are downsampled for display (min and max per pixel column), the CSV files hold every point.</p><div class="plots">${plots.map(renderPlot).join('')}</div></section>`;
}

function graphsSection(graphs: readonly RankGraph[]): string {
  if (graphs.length === 0) return '';
  const items = graphs.map((graph, index) => {
    if ('omitted' in graph) return `<details class="graph"><summary>Rank ${graph.rank} <span class="muted">(not drawn)</span></summary><p class="note">${escapeHtml(graph.omitted)}</p></details>`;
    return `<details class="graph"${index === 0 ? ' open' : ''}><summary>Rank ${graph.rank}</summary><div class="graph-view">${graph.svg}</div></details>`;
  });
  return `<section id="graphs"><h2>Provenance graphs</h2><p class="muted">Entities are yellow ovals, activities blue boxes, agents orange houses; long values are cut.</p>${items.join('')}</section>`;
}

function notesSection(notes: readonly string[]): string {
  if (notes.length === 0) return '';
  return `<section id="notes"><h2>Notes <span class="count">${notes.length}</span></h2><ul class="notes">${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul></section>`;
}
