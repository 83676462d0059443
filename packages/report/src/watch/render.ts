/**
 * A job view as lines of plain text, at most `width` characters each and `height` lines in all. The
 * terminal code adds the escape codes; `--once` prints these lines as they are.
 */
import type { JobView, RankView } from './job-view.js';
import { MAX_SPARK_CHARS } from './limits.js';
import { clip, compact, duration, fit, metricValue, quantity } from './format.js';
import { sparkline } from './sparkline.js';

export interface FrameSize {
  readonly width: number;
  /** Infinity: every rank and every flag (`--once` to a file or a pipe). */
  readonly height: number;
}

const RANK = 4;
const NODE = 10;
const STATE = 10;
const RATE = 6;
const VALUE = 9;
const RESOURCE = 8;
/** rank, node, state, points/s, steps/s, energy, CO2, with a space before each but the first. */
const FIXED = RANK + 1 + NODE + 1 + STATE + 1 + RATE + 1 + RATE + 1 + RESOURCE + 1 + RESOURCE;
/** Below this a sparkline says nothing. */
const MIN_SPARK = 4;
/** Flags shown when the screen is short; the rest are counted. */
const SHORT_SCREEN_ALERTS = 3;

export function renderFrame(view: JobView, size: FrameSize, footer: string | null): string[] {
  const width = Math.max(40, size.width);
  const metricRoom = Math.max(0, width - FIXED);
  const shown = Math.min(view.metrics.length, Math.floor(metricRoom / (VALUE + 1)));
  const spare = metricRoom - shown * (VALUE + 1);
  const sparkWidth = shown === 0 ? 0 : Math.min(MAX_SPARK_CHARS, Math.floor(spare / shown) - 1);
  const spark = sparkWidth >= MIN_SPARK ? sparkWidth : 0;
  const metricWidth = VALUE + (spark > 0 ? spark + 1 : 0);

  const title = [
    `prov4ml watch  ${view.runName}`,
    `${view.finalised ? 'finalised after' : 'running'} ${duration(view.elapsedMs)}`,
    `${view.worldSize} rank${view.worldSize === 1 ? '' : 's'} on ${view.hostCount} node${view.hostCount === 1 ? '' : 's'}`,
    // Last: a job key can be long (local-<uuid>), and the line is cut at the terminal's width.
    view.job === null ? null : `job ${view.job}`,
  ].filter((part) => part !== null).join('  ');
  const header = [
    fit('rank', RANK, 'right'), fit('node', NODE), fit('state', STATE), fit('pts/s', RATE, 'right'), fit('step/s', RATE, 'right'),
    ...view.metrics.slice(0, shown).map((name) => fit(name, metricWidth, 'right')),
    fit('energy', RESOURCE, 'right'), fit('CO2', RESOURCE, 'right'),
  ].join(' ');
  const row = (rank: RankView) => [
    fit(String(rank.rank), RANK, 'right'), fit(shortHost(rank.host), NODE), fit(rank.straggler && rank.state === 'running' ? 'straggler' : rank.stateText, STATE),
    fit(compact(rank.pointsPerS), RATE, 'right'), fit(compact(rank.stepsPerS), RATE, 'right'),
    ...rank.metrics.slice(0, shown).map((cell) => (spark > 0 ? `${fit(sparkline(cell.spark, spark), spark)} ` : '') + fit(metricValue(cell.last), VALUE, 'right')),
    fit(quantity(rank.energyJ, 'J'), RESOURCE, 'right'), fit(quantity(rank.co2G, 'g'), RESOURCE, 'right'),
  ].join(' ');
  const totals = [
    `total  ${view.totals.running} running, ${view.totals.silent > 0 ? `${view.totals.silent} silent, ` : ''}${view.totals.ended} ended`,
    `${compact(view.totals.points)} points`,
    `${compact(view.totals.pointsPerS)} points/s`,
    `energy ${quantity(view.totals.energyJ, 'J')}`,
    `CO2 ${quantity(view.totals.co2G, 'g')}`,
  ].join('  ');
  const notes: string[] = [];
  if (shown < view.metrics.length) notes.push(`not shown (widen the terminal): ${view.metrics.slice(shown).join(', ')}`);
  if (view.badFrames > 0) notes.push(`${view.badFrames} frame(s) of the received logs did not decode and were skipped`);
  if (view.ranks.length === 0) notes.push('no frame received yet: waiting for the aggregator to write .aggregator/GR<r>.log');

  let alerts = [...view.alerts];
  const fixedLines = 3 + notes.length + (footer === null ? 0 : 1);
  if (Number.isFinite(size.height) && fixedLines + alerts.length + view.ranks.length > size.height && alerts.length > SHORT_SCREEN_ALERTS) {
    alerts = [...alerts.slice(0, SHORT_SCREEN_ALERTS - 1), `… ${alerts.length - SHORT_SCREEN_ALERTS + 1} more flags`];
  }
  const rowRoom = Number.isFinite(size.height) ? Math.max(1, size.height - fixedLines - alerts.length) : Infinity;
  const lines = [title, header, ...pickRows(view.ranks, rowRoom).map((rank) => (typeof rank === 'string' ? rank : row(rank))), ...alerts, totals, ...notes];
  if (footer !== null) lines.push(footer);
  return lines.map((line) => clip(line, width));
}

/** A fully qualified host name that does not fit loses its domain first (the flags name it whole). */
function shortHost(host: string): string {
  return host.length <= NODE ? host : host.split('.')[0]!;
}

/** All ranks when they fit; else the flagged ones first, then the lowest ranks, and a line counting the rest. */
function pickRows(ranks: readonly RankView[], room: number): (RankView | string)[] {
  if (ranks.length <= room) return [...ranks];
  const flagged = ranks.filter((rank) => rank.straggler || rank.state !== 'running');
  const picked = new Set(flagged.slice(0, room - 1));
  for (const rank of ranks) if (picked.size < room - 1) picked.add(rank);
  const rows: (RankView | string)[] = ranks.filter((rank) => picked.has(rank));
  rows.push(`… ${ranks.length - picked.size} more ranks not shown (a taller terminal shows them)`);
  return rows;
}
