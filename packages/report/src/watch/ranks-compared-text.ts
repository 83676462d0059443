/**
 * "Ranks compared" under `watch --once` and the final summary: the aggregator's `compareRanks` over
 * the whole run read so far, in the report's words (`ranksComparedLines`), so the terminal, the report
 * and the collection state the same figures. The live view's straggler flag is about the last 30 s;
 * this is about the whole run, and each line says how it was computed.
 */
import { compareRanks } from '@prov4ml/aggregator';
import { ranksComparedLines } from '../ranks-compared-section.js';
import type { JobWatch } from './job-watch.js';

export function ranksComparedText(job: JobWatch, stragglerThreshold: number): string[] {
  const ranks = [...job.ranks.values()].sort((a, b) => a.rank - b.rank);
  if (ranks.length === 0) return [];
  const compared = compareRanks(ranks.map((rank) => rank.timingInput(job.finalised)), { stragglerThreshold });
  return ['Ranks compared (the whole run so far)', ...ranksComparedLines(compared).map((line) => `  ${line}`)];
}
