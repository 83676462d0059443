/**
 * Run directories for the report tests, made the way a real job makes them: each rank's records are
 * written to its agent spool as frames, and `mergeRunDir` (the aggregator's finalisation) turns them
 * into the per-rank PROV-JSON, the metric CSVs and the collection.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEnvelope, encodeFrame, PROTOCOL_VERSION, type MetricSeriesBatch, type EnvelopeRecord } from '@prov4ml/prov-core';
import { mergeRunDir } from '@prov4ml/aggregator';

export const FIXTURE_EXPERIMENT = 'report_exp';
const START_MS = Date.UTC(2026, 10, 26, 9, 0, 0);
/** Points per metrics record: a spool frame stays far below the wire's frame limit. */
const POINTS_PER_BATCH = 20_000;
const VALIDATION_POINTS = 5;

export interface RunFixtureOptions {
  readonly ranks: number;
  /** Points of `loss` (TRAINING) per rank. */
  readonly lossPoints: number;
  /** This rank is killed by SIGKILL after its metrics (no clean end). */
  readonly killedRank?: number;
  /** Also log a point of `loss` that is NaN and one that is INF per rank. */
  readonly nonFinite?: boolean;
}

/** Energy (J) and emissions (gCO2eq) each rank's cumulative series ends at: totals are checked against these. */
export function fixtureEnergyJ(rank: number): number {
  return 1000 * (rank + 1);
}
export function fixtureEmissionsG(rank: number): number {
  return 0.25 * (rank + 1);
}

/** A fresh run directory `<tmp>/<experiment>_0` with the fixture's job in it, merged. */
export async function writeRunFixture(options: RunFixtureOptions): Promise<string> {
  const runDir = join(mkdtempSync(join(tmpdir(), 'prov4ml-report-')), `${FIXTURE_EXPERIMENT}_0`);
  mkdirSync(join(runDir, 'spool'), { recursive: true });
  for (let rank = 0; rank < options.ranks; rank++) {
    const sender = `sender${rank}`;
    const frames = rankRecords(rank, options).map((records, index) => encodeFrame(encodeEnvelope({
      v: PROTOCOL_VERSION, job: 'local-report-fixture', rank, worldSize: options.ranks, sender, seq: index + 1, sent: START_MS + index, runDir, records,
    })));
    writeFileSync(join(runDir, 'spool', `GR${rank}-${sender}.spool`), Buffer.concat(frames));
  }
  await mergeRunDir(runDir);
  return runDir;
}

/** A rank's records, one envelope's worth per entry. */
function rankRecords(rank: number, options: RunFixtureOptions): EnvelopeRecord[][] {
  const envelopes: EnvelopeRecord[][] = [[
    {
      kind: 'run_start', time: START_MS, rank, worldSize: options.ranks, localRank: rank % 4, localWorldSize: 4, nodeRank: Math.floor(rank / 4),
      jobId: 'local-report-fixture', stepId: null, launcher: 'local', hostname: `node${Math.floor(rank / 4)}`, pid: 4000 + rank, user: 'alice',
      argv: ['node', 'train.mjs', '--epochs', '5'], cwd: '/home/alice', environment: {}, versions: { node: 'v20' }, gitCommit: null, wrapped: true,
    },
    { kind: 'run_config', time: START_MS, provUserNamespace: 'www.example.org', experimentName: FIXTURE_EXPERIMENT, collectAllProcesses: true, saveAfterNLogs: 100 },
    { kind: 'param', time: START_MS, name: 'learning_rate', value: 0.05 },
    { kind: 'param', time: START_MS, name: 'seed', value: 12345 + rank },
  ]];
  for (let first = 0; first < options.lossPoints; first += POINTS_PER_BATCH) {
    const count = Math.min(POINTS_PER_BATCH, options.lossPoints - first);
    envelopes.push([{ kind: 'metrics', series: [series('loss', 'TRAINING', '', first, count, (i) => lossAt(rank, i, options))] }]);
  }
  envelopes.push([{
    kind: 'metrics',
    series: [
      series('val_loss', 'VALIDATION', '', 0, VALIDATION_POINTS, (i) => 1 / (i + 2) + rank * 0.01),
      series('energy_consumed', 'RUN', 'J', 0, 3, (i) => (fixtureEnergyJ(rank) * (i + 1)) / 3),
      series('emissions', 'RUN', 'gCO2eq', 0, 3, (i) => (fixtureEmissionsG(rank) * (i + 1)) / 3),
    ],
  }]);
  const endMs = START_MS + 60_000 + rank * 1000;
  const killed = rank === options.killedRank;
  envelopes.push([
    { kind: 'final_metric', time: endMs, name: 'loss', operation: 'MIN', initialValue: Number.POSITIVE_INFINITY, value: lossAt(rank, options.lossPoints - 1, { ...options, nonFinite: false }), count: options.lossPoints },
    { kind: 'run_end', time: endMs, exitCode: killed ? null : 0, signal: killed ? 'SIGKILL' : null, clean: !killed, createGraph: false, createSvg: false, counts: {} },
  ]);
  return envelopes;
}

/** A decaying, noisy loss that differs per rank; NaN at point 10 and INF at point 20 when asked. */
export function lossAt(rank: number, i: number, options: Pick<RunFixtureOptions, 'nonFinite'>): number {
  if (options.nonFinite === true && i === 10) return Number.NaN;
  if (options.nonFinite === true && i === 20) return Number.POSITIVE_INFINITY;
  return 2 / (1 + i / 50) + 0.05 * Math.sin(i * 0.7 + rank) + 0.02 * rank;
}

function series(name: string, context: string, unit: string, first: number, count: number, valueAt: (i: number) => number): MetricSeriesBatch {
  const steps = new Float64Array(count);
  const values = new Float64Array(count);
  const timestamps = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    steps[k] = first + k;
    values[k] = valueAt(first + k);
    timestamps[k] = START_MS + first + k;
  }
  return { name, context, source: 'metric', unit, steps, values, timestamps };
}
