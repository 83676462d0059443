/** A rank's layout (rank, sizes, node) from what a launcher says, and what the user says explicitly. */
import type { DetectionInput, Fact, JobInfoOverrides, RankLayout } from '../job-info.js';
import { nodeIndex, readSlurmStep } from './slurm.js';

/** How an explicit value is named where it contradicts another. */
export const EXPLICIT_SOURCES: { readonly [K in keyof RankLayout]: string } = {
  rank: 'rank option / PROV4ML_RANK',
  worldSize: 'worldSize option / PROV4ML_WORLD_SIZE',
  localRank: 'localRank option',
  localWorldSize: 'localWorldSize option',
  nodeRank: 'nodeRank option',
};

/** What a launcher says about this node's ranks, where it says anything. */
export type LocalFacts = Partial<Pick<RankLayout, 'localRank' | 'localWorldSize' | 'nodeRank'>>;

/**
 * Fills what a launcher left unsaid: from the Slurm step when this process's ranks are its tasks
 * (srun --mpi=pmi2 sets no local variables), else from this node's position in the node list, and
 * otherwise assuming every rank runs on this host.
 */
export function completeLayout(input: DetectionInput, rank: Fact, worldSize: Fact, given: LocalFacts, hosts: string[]): RankLayout {
  if (given.localRank && given.localWorldSize && given.nodeRank) {
    return { rank, worldSize, localRank: given.localRank, localWorldSize: given.localWorldSize, nodeRank: given.nodeRank };
  }
  const step = readSlurmStep(input.env);
  const stepTasksAreTheseRanks =
    step !== null && step.layout.rank.value === rank.value && step.layout.worldSize.value === worldSize.value;
  const fallback = stepTasksAreTheseRanks
    ? step.layout
    : oneHostLayout(rank, worldSize, nodeIndex(input, hosts) ?? { value: 0, source: 'default node rank' });
  return {
    rank,
    worldSize,
    localRank: given.localRank ?? fallback.localRank,
    localWorldSize: given.localWorldSize ?? fallback.localWorldSize,
    nodeRank: given.nodeRank ?? fallback.nodeRank,
  };
}

/** Every rank on one host: local rank and size are the global ones. */
export function oneHostLayout(rank: Fact, worldSize: Fact, nodeRank: Fact): RankLayout {
  return { rank, worldSize, localRank: rank, localWorldSize: worldSize, nodeRank };
}

/** One host and fixed numbers, all from one source. */
export function fixedLayout(values: { rank: number; worldSize: number }, source: string): RankLayout {
  const rank = { value: values.rank, source };
  const worldSize = { value: values.worldSize, source };
  return oneHostLayout(rank, worldSize, { value: 0, source });
}

/** An explicit value the caller knows is given, as a fact naming the option. */
export function explicitFact(explicit: Partial<JobInfoOverrides>, key: keyof RankLayout): Fact {
  const value = explicit[key];
  if (value === undefined) throw new Error(`explicit ${key} read although it is not given`);
  return { value, source: EXPLICIT_SOURCES[key] };
}
