/**
 * Received logs of a synthetic job, written as the aggregator writes them (`.aggregator/GR<r>.log`, disk
 * frames of msgpack envelopes), with every timestamp and value fixed, so `prov4ml watch` reads a run
 * whose figures are known exactly. Used by test/watch.test.ts and bench/watch.ts.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { encodeEnvelope, encodeFrame, PROTOCOL_VERSION, receivedLogPath, RECEIVED_LOG_DIR, type Envelope, type EnvelopeRecord } from '@prov4ml/prov-core';
import { join } from 'node:path';

export const SYNTHETIC_T0 = 1_700_000_000_000;
export const SYNTHETIC_JOB = 'slurm-4242.0';

export interface SyntheticRankSpec {
  readonly rank: number;
  readonly host: string;
  /** Milliseconds between two steps. */
  readonly stepMs: number;
  /** Steps per frame; `loss` and `acc` each get one point per step. */
  readonly stepsPerFrame: number;
  /** null: the rank has not ended (no run_end). */
  readonly exitCode: number | null;
  /** Last carbon sample (energy_consumed in J, emissions in g); null: none. */
  readonly energyJ: number | null;
  readonly co2G: number | null;
}

/** At step s of rank r: loss = 1 / (s + 1) + r, acc = s / 1000. */
export function lossAt(rank: number, step: number): number {
  return 1 / (step + 1) + rank;
}
export function accAt(step: number): number {
  return step / 1000;
}

/** Writes a rank's log from scratch: start and config, `frames` frames of points, the carbon sample and the end. */
export function writeRankLog(runDir: string, spec: SyntheticRankSpec, worldSize: number, frames: number): void {
  mkdirSync(join(runDir, RECEIVED_LOG_DIR), { recursive: true });
  const records: EnvelopeRecord[][] = [[
    {
      kind: 'run_start', time: SYNTHETIC_T0, rank: spec.rank, worldSize, localRank: spec.rank % 2, localWorldSize: 2, nodeRank: Math.floor(spec.rank / 2),
      jobId: '4242', stepId: '0', launcher: 'slurm', hostname: spec.host, pid: 1000 + spec.rank, user: 'alice',
      argv: ['python', 'train.py'], cwd: '/home/alice', environment: {}, versions: { node: 'v20' }, gitCommit: null, wrapped: true,
    },
    { kind: 'run_config', time: SYNTHETIC_T0, provUserNamespace: 'www.example.org', experimentName: 'exp', collectAllProcesses: true, saveAfterNLogs: spec.stepsPerFrame },
  ]];
  for (let frame = 0; frame < frames; frame++) records.push([pointsRecord(spec, frame)]);
  const lastMs = SYNTHETIC_T0 + frames * spec.stepsPerFrame * spec.stepMs;
  const carbon = [
    ...(spec.energyJ === null ? [] : [sample('energy_consumed', spec.energyJ, 'J', lastMs)]),
    ...(spec.co2G === null ? [] : [sample('emissions', spec.co2G, 'gCO2eq', lastMs)]),
  ];
  if (carbon.length > 0) records.push([{ kind: 'metrics', series: carbon }]);
  if (spec.exitCode !== null) {
    records.push([{ kind: 'run_end', time: lastMs, exitCode: spec.exitCode, signal: null, clean: spec.exitCode === 0, createGraph: false, createSvg: false, counts: {} }]);
  }
  appendEnvelopes(runDir, spec.rank, worldSize, records, 1);
}

/** Appends frames `from`…`from + count - 1` of points (what a running rank adds between two refreshes). */
export function appendPointFrames(runDir: string, spec: SyntheticRankSpec, worldSize: number, from: number, count: number, firstSeq: number): void {
  const records = Array.from({ length: count }, (_, index) => [pointsRecord(spec, from + index)]);
  appendEnvelopes(runDir, spec.rank, worldSize, records, firstSeq);
}

function pointsRecord(spec: SyntheticRankSpec, frame: number): EnvelopeRecord {
  const n = spec.stepsPerFrame;
  const steps = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const loss = new Float64Array(n);
  const acc = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const step = frame * n + k;
    steps[k] = step;
    timestamps[k] = SYNTHETIC_T0 + (step + 1) * spec.stepMs;
    loss[k] = lossAt(spec.rank, step);
    acc[k] = accAt(step);
  }
  return {
    kind: 'metrics',
    series: [
      { name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps, values: loss, timestamps },
      { name: 'acc', context: 'TRAINING', source: 'metric', unit: '', steps, values: acc, timestamps },
    ],
  };
}

function sample(name: string, value: number, unit: string, time: number) {
  return { name, context: 'RUN', source: 'carbon-meter', unit, steps: Float64Array.of(0), values: Float64Array.of(value), timestamps: Float64Array.of(time) };
}

function appendEnvelopes(runDir: string, rank: number, worldSize: number, records: EnvelopeRecord[][], firstSeq: number): void {
  const frames = records.map((batch, index) => {
    const envelope: Envelope = { v: PROTOCOL_VERSION, job: SYNTHETIC_JOB, rank, worldSize, sender: `sender${rank}`, seq: firstSeq + index, sent: SYNTHETIC_T0, runDir, records: batch };
    return encodeFrame(encodeEnvelope(envelope));
  });
  appendFileSync(receivedLogPath(runDir, rank), Buffer.concat(frames));
}
