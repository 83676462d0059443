/**
 * The "Ranks compared" section: which rank held the job back, on which node, what each rank spent,
 * which ranks ended abnormally, and how each figure was computed. `ranksComparedLines` is the same
 * summary as plain text (for a terminal: `watch --once`).
 */
import { rankOnNodeText, type RanksCompared } from '@prov4ml/prov-core';
import { escapeHtml, formatNumber } from './html.js';
import { rankList } from './plot.js';

/** The job-wide findings, one sentence each. */
export function ranksComparedLines(compared: RanksCompared): string[] {
  const lines: string[] = [];
  const { slowest, fastest } = compared;
  const timed = compared.ranks.filter((rank) => rank.stepTimeMedianMs !== null).length;
  if (slowest === null || fastest === null) lines.push('Step time: no rank logged a user metric at two or more steps.');
  else if (slowest.stepTimeMedianMs === fastest.stepTimeMedianMs) lines.push(`Step time: median ${ms(slowest.stepTimeMedianMs)} on each of the ${timed} rank(s) timed; no straggler.`);
  else {
    lines.push(`Slowest: ${rankOnNodeText(slowest)}, median step ${ms(slowest.stepTimeMedianMs)}; fastest: ${rankOnNodeText(fastest)}, ${ms(fastest.stepTimeMedianMs)}; ratio ${formatNumber(compared.stepTimeRatio, 3)}.`);
    const threshold = `more than ${formatNumber(compared.stragglerThreshold * 100)} % above the median of ranks, ${ms(compared.medianStepTimeMs)}`;
    lines.push(compared.stragglers.length === 0
      ? `Stragglers (median step time ${threshold}): none.`
      : `Stragglers (median step time ${threshold}): ${compared.stragglers.map((s) => `${rankOnNodeText(s)} ${ms(s.stepTimeMedianMs)} (+${formatNumber(s.abovePercent, 3)} %)`).join(', ')}.`);
  }
  lines.push(compared.abnormal.length === 0
    ? `Ended abnormally: none of ${compared.ranks.length} rank(s).`
    : `Ended abnormally: ${compared.abnormal.map((rank) => `${rankOnNodeText(rank)}: ${rank.ended}`).join('; ')}.`);
  return lines;
}

export function ranksComparedSection(compared: RanksCompared | null): string {
  if (compared === null) return '';
  const rankRows = compared.ranks.map((rank) => `<tr${rank.straggler ? ' class="straggler"' : ''}><td class="num">${rank.rank}</td><td>${escapeHtml(rank.node ?? '—')}</td><td class="num">${rank.stepIntervals}</td><td class="num">${cell(rank.stepTimeMedianMs)}</td><td class="num">${cell(rank.stepTimeP95Ms)}</td><td class="num">${cell(rank.energyJ)}</td><td class="num">${cell(rank.emissionsG)}</td><td class="num">${cell(rank.gpuUsagePercent)}</td><td class="${rank.abnormal ? 'bad' : 'muted'}">${escapeHtml(rank.ended)}${rank.straggler ? ' <span class="warn">straggler</span>' : ''}</td></tr>`);
  const nodeRows = compared.nodes.map((node) => `<tr><td>${escapeHtml(node.node)}</td><td>${escapeHtml(rankList(node.ranks))}</td><td class="num">${cell(node.energyJ)}</td><td class="num">${cell(node.emissionsG)}</td></tr>`);
  const how = Object.entries(compared.how).map(([figure, text]) => `<dt>${escapeHtml(HOW_LABELS[figure] ?? figure)}</dt><dd>${escapeHtml(text)}</dd>`);
  return [
    `<section id="ranks-compared"><h2>Ranks compared</h2>`,
    `<ul class="findings">${ranksComparedLines(compared).map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
    `<div class="scroll"><table class="per-rank-table"><tr><th class="num">rank</th><th>node</th><th class="num">step intervals</th><th class="num">median step (ms)</th><th class="num">p95 step (ms)</th><th class="num">energy (J)</th><th class="num">CO2 (gCO2eq)</th><th class="num">GPU use (%)</th><th>ended</th></tr>${rankRows.join('')}</table></div>`,
    `<h3>Per node</h3><div class="scroll"><table class="per-node-table"><tr><th>node</th><th>ranks</th><th class="num">energy (J)</th><th class="num">CO2 (gCO2eq)</th></tr>${nodeRows.join('')}</table></div>`,
    `<details class="table-details"><summary>How each figure is computed</summary><dl class="facts how">${how.join('')}</dl></details>`,
    '</section>',
  ].join('');
}

const HOW_LABELS: Readonly<Record<string, string>> = {
  stepTime: 'step time',
  ratio: 'slowest/fastest',
  straggler: 'straggler',
  energy: 'energy',
  emissions: 'CO2',
  gpuUse: 'GPU use',
  perNode: 'per node',
  ended: 'ended',
};

function ms(value: number | null): string {
  return value === null ? '—' : `${formatNumber(value)} ms`;
}

function cell(value: number | null): string {
  return escapeHtml(formatNumber(value));
}
