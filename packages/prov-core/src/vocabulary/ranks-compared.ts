/**
 * Cross-rank diagnostics ("Ranks compared"): what they are, and how the collection states them. The
 * aggregator computes them (`compareRanks`); the vocabulary only names them, so the collection, the
 * report and `watch` say the same thing in the same words.
 */
import { double, int, long } from '../prov/literal.js';
import type { Attributes } from '../prov/model.js';

/** One rank's figures. Null where the rank recorded nothing to compute them from. */
export interface RankCompared {
  rank: number;
  /** The host the rank ran on (its run start's hostname); null when it never said. */
  node: string | null;
  /** Step intervals the step time is computed from (distinct steps − 1). */
  stepIntervals: number;
  stepTimeMedianMs: number | null;
  stepTimeP95Ms: number | null;
  energyJ: number | null;
  emissionsG: number | null;
  gpuUsagePercent: number | null;
  /** How the rank ended, in words: 'exited 0', 'killed by SIGKILL', 'no run end received', … */
  ended: string;
  abnormal: boolean;
  straggler: boolean;
}

/** A rank named with its node. */
export interface RankOnNode {
  rank: number;
  node: string | null;
}

export interface Straggler extends RankOnNode {
  stepTimeMedianMs: number;
  /** How far its median step time is above the median of ranks, in percent. */
  abovePercent: number;
}

export interface NodeCompared {
  node: string;
  ranks: number[];
  /** Sums over the node's ranks that recorded the figure; null when none did. */
  energyJ: number | null;
  emissionsG: number | null;
}

/** How each figure is computed, in one short sentence each. */
export interface RanksComparedHow {
  stepTime: string;
  ratio: string;
  straggler: string;
  energy: string;
  emissions: string;
  gpuUse: string;
  perNode: string;
  ended: string;
}

export interface RanksCompared {
  ranks: RankCompared[];
  /** Median over ranks of their median step time. */
  medianStepTimeMs: number | null;
  slowest: (RankOnNode & { stepTimeMedianMs: number }) | null;
  fastest: (RankOnNode & { stepTimeMedianMs: number }) | null;
  /** Slowest / fastest median step time; null with fewer than one rank timed or a zero fastest. */
  stepTimeRatio: number | null;
  /** A straggler's median step time exceeds the median of ranks by more than this fraction. */
  stragglerThreshold: number;
  stragglers: Straggler[];
  nodes: NodeCompared[];
  abnormal: (RankOnNode & { ended: string })[];
  how: RanksComparedHow;
}

/** `rank 3 (node-b)`, or `rank 3` when the node is unknown. */
export function rankOnNodeText({ rank, node }: RankOnNode): string {
  return node === null ? `rank ${rank}` : `rank ${rank} (${node})`;
}

/** The job-wide diagnostics as attributes of the collection entity. */
export function ranksComparedAttributes(compared: RanksCompared): Attributes {
  const attributes: Attributes = {
    'prov-ml:straggler_threshold': double(compared.stragglerThreshold),
    'prov-ml:stragglers': listText(compared.stragglers.map(rankOnNodeText)),
    'prov-ml:abnormal_ranks': listText(compared.abnormal.map((rank) => `${rankOnNodeText(rank)}: ${rank.ended}`)),
    'prov-ml:energy_per_node': listText(compared.nodes.map((node) => `${node.node}: ${amount(node.energyJ, 'J')}`)),
    'prov-ml:emissions_per_node': listText(compared.nodes.map((node) => `${node.node}: ${amount(node.emissionsG, 'gCO2eq')}`)),
  };
  if (compared.medianStepTimeMs !== null) attributes['prov-ml:median_step_time_ms'] = double(compared.medianStepTimeMs);
  if (compared.slowest !== null) attributes['prov-ml:slowest_rank'] = int(compared.slowest.rank);
  if (compared.fastest !== null) attributes['prov-ml:fastest_rank'] = int(compared.fastest.rank);
  if (compared.stepTimeRatio !== null) attributes['prov-ml:step_time_ratio'] = double(compared.stepTimeRatio);
  for (const [key, how] of Object.entries(compared.how)) attributes[`prov-ml:how_${snakeCase(key)}`] = how;
  return attributes;
}

/** One rank's figures as attributes of its run activity in the collection. */
export function rankComparedAttributes(rank: RankCompared): Attributes {
  const attributes: Attributes = {
    'prov-ml:step_intervals': long(rank.stepIntervals),
    'prov-ml:ended': rank.ended,
    'prov-ml:abnormal': rank.abnormal,
    'prov-ml:straggler': rank.straggler,
  };
  if (rank.node !== null) attributes['prov-ml:node'] = rank.node;
  const figures: [string, number | null][] = [
    ['step_time_median_ms', rank.stepTimeMedianMs],
    ['step_time_p95_ms', rank.stepTimeP95Ms],
    ['energy_j', rank.energyJ],
    ['emissions_g', rank.emissionsG],
    ['gpu_usage_percent', rank.gpuUsagePercent],
  ];
  for (const [name, value] of figures) if (value !== null) attributes[`prov-ml:${name}`] = double(value);
  return attributes;
}

function listText(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join('; ');
}

/** Six significant digits: the sums carry floating-point noise that says nothing. */
function amount(value: number | null, unit: string): string {
  return value === null ? 'not recorded' : `${Number(value.toPrecision(6))} ${unit}`;
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
