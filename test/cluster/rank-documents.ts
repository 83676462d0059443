// Assertions on what a cluster job wrote: every rank's PROV-JSON document says who the rank was (as
// the launcher started it) and how it ended, and the collection links exactly those documents.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunStartRecord } from '@prov4ml/prov-core';
import { readMetricCsv } from '../support/run-dir.js';
import { RANK_PROGRAM_POINTS } from './launch.js';

/**
 * What one rank's document must say: the rank as its launcher started it (the fields of the wrapper's
 * run start record; stepId null means the document has no step id), the job key all ranks share
 * (`slurm-<job>.<step>`, `ompi-<namespace>`, …, also on the run entity and the collection) and the
 * rank's exit status.
 */
export interface ExpectedRank
  extends Pick<RunStartRecord, 'rank' | 'worldSize' | 'localRank' | 'localWorldSize' | 'nodeRank' | 'jobId' | 'stepId' | 'launcher'> {
  jobKey: string;
  exitCode: number;
}

/** What a job's ranks share; ranks fill the nodes in order, `ranksPerNode` at a time (default: all on one). */
export type ExpectedJob = Omit<ExpectedRank, 'rank' | 'localRank' | 'nodeRank' | 'exitCode'> & {
  ranksPerNode?: number;
  failedRank?: number;
  failedStatus?: number;
};

/** Every rank of a job, in rank order. */
export function ranksOf(shared: ExpectedJob): ExpectedRank[] {
  const { ranksPerNode = shared.worldSize, failedRank, failedStatus, ...job } = shared;
  return Array.from({ length: shared.worldSize }, (_, rank) => ({
    ...job,
    rank,
    localRank: rank % ranksPerNode,
    nodeRank: Math.floor(rank / ranksPerNode),
    exitCode: rank === failedRank ? (failedStatus ?? 1) : 0,
  }));
}

type Literal = { $: string; type: string };
type Attributes = Record<string, Literal | string | boolean | undefined>;
interface ProvJson {
  entity?: Record<string, Attributes>;
  activity?: Record<string, Attributes>;
}

const int = (value: number): Literal => ({ $: String(value), type: 'xsd:int' });

/** The one run directory of a save directory: all ranks of the job share it. */
export function onlyRunDirOf(saveDir: string, experiment: string): string {
  const runs = readdirSync(saveDir).filter((name) => !name.startsWith('.'));
  assert.equal(runs.length, 1, `${saveDir} holds one run directory: ${runs.join(', ')}`);
  assert.match(runs[0]!, new RegExp(`^${experiment}_\\d+$`));
  return join(saveDir, runs[0]!);
}

function readDocument(path: string): ProvJson {
  return JSON.parse(readFileSync(path, 'utf8')) as ProvJson;
}

function onlyRecord(records: Record<string, Attributes> | undefined, type: string, where: string): Attributes {
  const matching = Object.values(records ?? {}).filter((attributes) => attributes['prov-ml:type'] === type);
  assert.equal(matching.length, 1, `${where} has one ${type}`);
  return matching[0]!;
}

/**
 * Checks every rank's document against `expected` (one entry per rank, in rank order), that there is
 * no other rank document, and that the collection links each rank's document once, finished.
 */
export function assertRankDocuments(runDir: string, experiment: string, expected: ExpectedRank[]): void {
  const documents = readdirSync(runDir).filter((name) => /^prov_.*_GR\d+\.json$/.test(name)).sort();
  assert.deepEqual(documents, expected.map((rank) => `prov_${experiment}_GR${rank.rank}.json`).sort(), 'one document per rank');
  for (const want of expected) {
    const where = `rank ${want.rank}'s document`;
    const document = readDocument(join(runDir, `prov_${experiment}_GR${want.rank}.json`));
    const run = onlyRecord(document.activity, 'LearningExecution', where);
    const seen = {
      rank: run['prov-ml:global_rank'],
      worldSize: run['prov-ml:world_size'],
      localRank: run['prov-ml:local_rank'],
      localWorldSize: run['prov-ml:local_world_size'],
      nodeRank: run['prov-ml:node_rank'],
      jobId: run['prov-ml:job_id'],
      stepId: run['prov-ml:step_id'],
      launcher: run['prov-ml:launcher'],
      hostname: run['prov-ml:hostname'],
      exitCode: run['prov-ml:exit_code'],
      wrapped: run['prov-ml:wrapped'],
      clean: run['prov-ml:clean'],
      unfinished: run['prov-ml:unfinished'],
    };
    assert.deepEqual(
      seen,
      {
        rank: int(want.rank),
        worldSize: int(want.worldSize),
        localRank: int(want.localRank),
        localWorldSize: int(want.localWorldSize),
        nodeRank: int(want.nodeRank),
        jobId: want.jobId,
        stepId: want.stepId ?? undefined,
        launcher: want.launcher,
        hostname: hostname(),
        exitCode: int(want.exitCode),
        wrapped: true,
        clean: true,
        unfinished: false,
      },
      where,
    );
    const stage = onlyRecord(document.entity, 'LearningStage', where);
    assert.deepEqual([stage['prov-ml:job_id'], stage['prov-ml:global_rank']], [want.jobKey, int(want.rank)], `${where}: run entity`);
  }
  const collection = readDocument(join(runDir, 'prov_collection.json'));
  assert.equal(onlyRecord(collection.entity, 'ProvMLCollection', 'the collection')['prov-ml:job_id'], expected[0]?.jobKey);
  const members = Object.values(collection.entity ?? {})
    .filter((attributes) => attributes['prov-ml:type'] === 'ProvMLFile')
    .map((attributes) => ({ rank: attributes['prov-ml:global_rank'], finished: attributes['prov-ml:finished'] }))
    .sort((a, b) => Number((a.rank as Literal).$) - Number((b.rank as Literal).$));
  assert.deepEqual(
    members,
    expected.map((rank) => ({ rank: int(rank.rank), finished: true })),
    'the collection links every rank once',
  );
}

/**
 * The job key rank 0's run entity records, for a launcher whose key a test cannot know in advance
 * (Open MPI's namespace); assertRankDocuments then holds every rank and the collection to it.
 */
export function recordedJobKey(runDir: string, experiment: string): string {
  const document = readDocument(join(runDir, `prov_${experiment}_GR0.json`));
  const jobKey = onlyRecord(document.entity, 'LearningStage', "rank 0's document")['prov-ml:job_id'];
  assert.equal(typeof jobKey, 'string', "rank 0's job key");
  return jobKey as string;
}

/** The value of a parameter the rank logged, as written in its document. */
export function parameterOf(runDir: string, experiment: string, rank: number, name: string): Literal | string | boolean | undefined {
  const document = readDocument(join(runDir, `prov_${experiment}_GR${rank}.json`));
  const parameter = Object.values(document.entity ?? {}).find(
    (attributes) => attributes['prov-ml:type'] === 'Parameter' && attributes['prov-ml:parameter_name'] === name,
  );
  return parameter?.['prov-ml:parameter_value'];
}

/**
 * What test/cluster/fixtures/rank_program.py logged on each rank: the rank its launcher gave it equals
 * the rank of the document it landed in, and its points (rank × 100 + step) arrived exactly once.
 */
function assertRankProgramRecords(runDir: string, experiment: string, worldSize: number): void {
  const steps = Array.from({ length: RANK_PROGRAM_POINTS }, (_, step) => step);
  for (let rank = 0; rank < worldSize; rank++) {
    assert.deepEqual(parameterOf(runDir, experiment, rank, 'launcher_rank'), { $: String(rank), type: 'xsd:long' }, `rank ${rank}: launcher_rank`);
    const series = readMetricCsv(join(runDir, 'metrics', `value_TRAINING_GR${rank}.csv`));
    assert.deepEqual(series.steps, steps, `rank ${rank}: steps of value`);
    assert.equal(series.sum, RANK_PROGRAM_POINTS * rank * 100 + steps.reduce((a, b) => a + b, 0), `rank ${rank}: sum of value`);
  }
}

/** A job whose ranks ran the rank program: checks every rank's document and records; returns the run directory. */
export function assertRankProgramRun(saveDir: string, experiment: string, expected: ExpectedRank[]): string {
  const runDir = onlyRunDirOf(saveDir, experiment);
  assertRankDocuments(runDir, experiment, expected);
  assertRankProgramRecords(runDir, experiment, expected.length);
  return runDir;
}
