/**
 * One metric of one context as an inline SVG line plot, one line per rank. Everything needed to read
 * it is static markup: axes, units, legend, a `<title>` per line (the browser shows it on hover), and
 * a second copy of the lines on a log axis that a checkbox reveals through CSS alone. The page's small
 * script only adds a crosshair with exact values, from the JSON the figure carries.
 */
import type { DownsampledSeries } from './downsample.js';
import { escapeHtml, formatNumber, jsonForScript } from './html.js';
import { linearScale, logScale, type Scale } from './scale.js';

export interface PlotLine {
  readonly rank: number;
  readonly series: DownsampledSeries;
  /** The legend's name for the line (a run, when runs are compared); `rank N` when absent. */
  readonly label?: string;
}

export interface PlotInput {
  /** Unique within the page; used for element ids. */
  readonly id: string;
  readonly name: string;
  readonly context: string;
  readonly unit: string;
  readonly lines: readonly PlotLine[];
  /** Ranks that have this series but were left out to keep the page small. */
  readonly omittedRanks: readonly number[];
}

/** The SVG's coordinate system; the element scales to the page width. */
export const PLOT_WIDTH = 760;
export const PLOT_HEIGHT = 300;
const MARGIN = { left: 80, right: 28, top: 16, bottom: 46 } as const;
/** Pixels the lines can use horizontally: the downsampler needs no more buckets than half of this. */
export const PLOT_AREA_WIDTH = PLOT_WIDTH - MARGIN.left - MARGIN.right;
const X_PIXELS: readonly [number, number] = [MARGIN.left, PLOT_WIDTH - MARGIN.right];
const Y_PIXELS: readonly [number, number] = [PLOT_HEIGHT - MARGIN.bottom, MARGIN.top];

/** Series with at most this many points also get a dot per point: a handful of validation epochs reads better so. */
const MAX_DOTTED_POINTS = 60;

/** Past this many lines the legend starts folded: 64 entries would bury the plot beneath them. */
const MAX_OPEN_LEGEND_ENTRIES = 16;

/** Tableau 10: distinct for the usual 1–10 ranks; more ranks get evenly spread hues. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function rankColor(index: number, count: number): string {
  if (count <= PALETTE.length) return PALETTE[index] as string;
  // Golden-angle hue steps keep neighbouring ranks apart in colour.
  return `hsl(${Math.round((index * 137.508) % 360)} 65% 45%)`;
}

/** The `<figure>` for one plot. */
export function renderPlot(plot: PlotInput): string {
  const extent = dataExtent(plot.lines);
  const xScale = linearScale(extent.firstStep, extent.lastStep, X_PIXELS, { integerTicks: extent.integerSteps });
  const linear = linearScale(extent.min, extent.max, Y_PIXELS);
  const log = extent.minPositive === null ? null : logScale(extent.minPositive, extent.max, Y_PIXELS);
  const unitLabel = plot.unit === '' ? '' : ` (${plot.unit})`;
  const colors = plot.lines.map((_, index) => rankColor(index, plot.lines.length));
  const logInputId = `${plot.id}-log`;
  const title = `${plot.name} · ${plot.context}`;
  const svg = [
    `<svg class="chart" viewBox="0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}" role="img" aria-label="${escapeHtml(title)}" data-x0="${xScale.domain[0]}" data-x1="${xScale.domain[1]}" data-left="${X_PIXELS[0]}" data-right="${X_PIXELS[1]}">`,
    `<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_AREA_WIDTH}" height="${Y_PIXELS[0] - MARGIN.top}"/>`,
    xAxis(xScale),
    `<text class="axis-label" x="${(X_PIXELS[0] + X_PIXELS[1]) / 2}" y="${PLOT_HEIGHT - 8}" text-anchor="middle">step</text>`,
    `<text class="axis-label" transform="translate(16 ${(Y_PIXELS[0] + Y_PIXELS[1]) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(`${plot.name}${unitLabel}`)}</text>`,
    scaleGroup('scale-linear', linear, xScale, plot, colors),
    log === null ? '' : scaleGroup('scale-log', log, xScale, plot, colors),
    `<line class="crosshair" x1="0" x2="0" y1="${MARGIN.top}" y2="${Y_PIXELS[0]}" visibility="hidden"/>`,
    '</svg>',
  ].join('');
  const toggle = log === null
    ? `<input type="checkbox" class="log-switch" id="${logInputId}" disabled><label for="${logInputId}" title="no positive values to show on a log axis">log scale</label>`
    : `<input type="checkbox" class="log-switch" id="${logInputId}"><label for="${logInputId}">log scale</label>`;
  return [
    `<figure class="plot" id="${plot.id}">`,
    `<figcaption><span class="metric">${escapeHtml(plot.name)}</span> <span class="context">${escapeHtml(plot.context)}</span>${plot.unit === '' ? '' : ` <span class="unit">${escapeHtml(plot.unit)}</span>`}</figcaption>`,
    toggle,
    svg,
    legend(plot, colors),
    `<div class="tooltip" hidden></div>`,
    `<script type="application/json" class="plot-data">${jsonForScript(hoverData(plot))}</script>`,
    '</figure>',
  ].join('');
}

interface Extent {
  /** Every step is a whole number (the usual case): the x axis gets no fractional ticks. */
  integerSteps: boolean;
  firstStep: number;
  lastStep: number;
  min: number;
  max: number;
  minPositive: number | null;
}

function dataExtent(lines: readonly PlotLine[]): Extent {
  const extent: Extent = { integerSteps: true, firstStep: Infinity, lastStep: -Infinity, min: Infinity, max: -Infinity, minPositive: null };
  for (const { series } of lines) {
    for (const step of series.steps) {
      if (!Number.isInteger(step)) extent.integerSteps = false;
      if (step < extent.firstStep) extent.firstStep = step;
      if (step > extent.lastStep) extent.lastStep = step;
    }
    if (series.min !== null && series.min < extent.min) extent.min = series.min;
    if (series.max !== null && series.max > extent.max) extent.max = series.max;
    if (series.minPositive !== null && (extent.minPositive === null || series.minPositive < extent.minPositive)) extent.minPositive = series.minPositive;
  }
  return extent;
}

function xAxis(scale: Scale): string {
  const y = Y_PIXELS[0];
  return `<g class="axis x-axis">${scale.ticks.map((tick) => {
    const x = round(scale.at(tick));
    return `<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 5}"/><text x="${x}" y="${y + 18}" text-anchor="middle">${escapeHtml(scale.label(tick))}</text>`;
  }).join('')}</g>`;
}

/** Grid, y ticks and the lines for one y scale. */
function scaleGroup(className: string, yScale: Scale, xScale: Scale, plot: PlotInput, colors: readonly string[]): string {
  const ticks = yScale.ticks.map((tick) => {
    const y = round(yScale.at(tick));
    return `<line class="grid" x1="${X_PIXELS[0]}" x2="${X_PIXELS[1]}" y1="${y}" y2="${y}"/><text x="${X_PIXELS[0] - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(yScale.label(tick))}</text>`;
  }).join('');
  const lines = plot.lines.map((line, index) => {
    const d = pathData(line.series, xScale, yScale);
    const dots = line.series.pointCount <= MAX_DOTTED_POINTS ? `<path class="dots" stroke="${colors[index]}" d="${dotsData(line.series, xScale, yScale)}"/>` : '';
    return `<path class="line" data-rank="${line.rank}" stroke="${colors[index]}" d="${d}"><title>${escapeHtml(lineTitle(line))}</title></path>${dots}`;
  }).join('');
  return `<g class="${className}"><g class="axis y-axis">${ticks}</g><g class="lines">${lines}</g></g>`;
}

/**
 * Integer pixel coordinates, consecutive duplicates dropped (a flat series of 100k points becomes a
 * few vertices); a lone vertex becomes a zero-length segment that the round line cap draws as a dot.
 */
function pathData(series: DownsampledSeries, xScale: Scale, yScale: Scale): string {
  let d = '';
  let strokeVertices = 0;
  let previous = '';
  const endStroke = (): void => {
    if (strokeVertices === 1) d += 'h0';
    strokeVertices = 0;
    previous = '';
  };
  for (let i = 0; i < series.steps.length; i += 1) {
    const y = yScale.at(series.values[i] as number);
    if (!Number.isFinite(y)) {
      endStroke();
      continue;
    }
    const point = `${round(xScale.at(series.steps[i] as number))} ${round(y)}`;
    if (point === previous) continue;
    d += strokeVertices === 0 ? `M${point}` : strokeVertices === 1 ? `L${point}` : ` ${point}`;
    strokeVertices += 1;
    previous = point;
  }
  endStroke();
  return d;
}

/** Each vertex as a zero-length segment, which the round line cap draws as a dot. */
function dotsData(series: DownsampledSeries, xScale: Scale, yScale: Scale): string {
  let d = '';
  for (let i = 0; i < series.steps.length; i += 1) {
    const y = yScale.at(series.values[i] as number);
    if (Number.isFinite(y)) d += `M${round(xScale.at(series.steps[i] as number))} ${round(y)}h0`;
  }
  return d;
}

function lineTitle(line: PlotLine): string {
  const { series } = line;
  const nonFinite = series.nanCount + series.infiniteCount;
  const parts = [lineLabel(line), `${series.pointCount} points`, `last ${formatNumber(series.last)}`, `min ${formatNumber(series.min)}`, `max ${formatNumber(series.max)}`];
  if (nonFinite > 0) parts.push(`${series.nanCount} NaN and ${series.infiniteCount} ±INF not drawn`);
  return parts.join(' · ');
}

function legend(plot: PlotInput, colors: readonly string[]): string {
  const items = plot.lines.map((line, index) => {
    const nonFinite = line.series.nanCount + line.series.infiniteCount;
    const warning = nonFinite === 0 ? '' : ` <span class="warn" title="${line.series.nanCount} NaN, ${line.series.infiniteCount} ±INF not drawn">${nonFinite} non-finite</span>`;
    return `<li data-rank="${line.rank}"><i style="background:${colors[index]}"></i>${escapeHtml(lineLabel(line))} <span class="last" title="last value">${escapeHtml(formatNumber(line.series.last))}</span>${warning}</li>`;
  });
  const omitted = plot.omittedRanks.length === 0
    ? ''
    : `<p class="note">${plot.omittedRanks.length} more rank(s) not drawn, to keep the page small: ${escapeHtml(rankList(plot.omittedRanks))}</p>`;
  const list = `<ul class="legend">${items.join('')}</ul>`;
  if (plot.lines.length <= MAX_OPEN_LEGEND_ENTRIES) return list + omitted;
  const lasts = plot.lines.map((line) => line.series.last).filter((value): value is number => value !== null && Number.isFinite(value));
  const range = lasts.length === 0 ? '' : `, last values ${formatNumber(Math.min(...lasts))} to ${formatNumber(Math.max(...lasts))}`;
  return `<details class="legend-details"><summary>legend: ${plot.lines.length} ranks${escapeHtml(range)}</summary>${list}</details>${omitted}`;
}

/** What the hover script reads: per line, its vertices' steps and values (null for a break). */
function hoverData(plot: PlotInput): unknown {
  return {
    unit: plot.unit,
    lines: plot.lines.map((line) => ({
      rank: line.rank,
      ...(line.label === undefined ? {} : { label: line.label }),
      steps: line.series.steps.map((step) => (Number.isFinite(step) ? step : null)),
      values: line.series.values.map((value) => (Number.isFinite(value) ? Number(value.toPrecision(6)) : null)),
    })),
  };
}

function lineLabel(line: PlotLine): string {
  return line.label ?? `rank ${line.rank}`;
}

/** `0-3, 7, 9-12`. */
export function rankList(ranks: readonly number[]): string {
  const sorted = [...ranks].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j += 1;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

function round(pixel: number): number {
  return Math.round(pixel);
}
