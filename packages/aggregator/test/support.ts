/** Helpers of the aggregator tests: envelopes of a synthetic job, a real PUSH socket, CSV and PROV checks. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Push } from 'zeromq';
import { encodeEnvelope, PROTOCOL_VERSION, type Envelope, type EnvelopeRecord } from '@prov4ml/prov-core';
import { DEBIAN_PYTHON } from '../../../test/support/components.js';

/** A fresh, existing run directory (the agents create theirs before they send). */
export function temporaryRunDir(name = 'exp_0'): string {
  const runDir = join(mkdtempSync(join(tmpdir(), 'prov4ml-agg-')), name);
  mkdirSync(runDir);
  return runDir;
}

export interface SyntheticRank {
  rank: number;
  sender: string;
  /** Points of `loss` (TRAINING) and `acc` (VALIDATION) per frame, and frames of points. */
  pointsPerFrame: number;
  frames: number;
}

/** Deterministic values, including NaN and ±Infinity, so the CSV checksum covers the special spellings. */
export function valueAt(rank: number, metric: number, i: number): number {
  if (i % 97 === 13) return Number.NaN;
  if (i % 89 === 7) return i % 2 === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return (rank + 1) * 0.001 * i + metric / 3;
}

/** Every envelope of one synthetic rank in sequence order: start, config, metric frames, end. */
export function rankEnvelopes(job: string, worldSize: number, runDir: string, spec: SyntheticRank): Envelope[] {
  const { rank, sender } = spec;
  const records: EnvelopeRecord[][] = [];
  records.push([
    {
      kind: 'run_start', time: 1_700_000_000_000, rank, worldSize, localRank: rank, localWorldSize: worldSize, nodeRank: 0,
      jobId: job, stepId: null, launcher: 'local', hostname: 'node1', pid: 1000 + rank, user: 'alice',
      argv: ['node', 'train.mjs', '--lr', '0.1'], cwd: '/home/alice', environment: { PATH: '/usr/bin' },
      versions: { node: 'v20' }, gitCommit: null, wrapped: true,
    },
    { kind: 'run_config', time: 1_700_000_000_001, provUserNamespace: 'www.example.org', experimentName: 'exp', collectAllProcesses: true, saveAfterNLogs: 100 },
    { kind: 'param', time: 1_700_000_000_002, name: 'lr', value: 0.1 },
    { kind: 'param', time: 1_700_000_000_002, name: 'epochs', value: 3 },
  ]);
  for (let f = 0; f < spec.frames; f++) {
    const n = spec.pointsPerFrame;
    const series = ['loss', 'acc'].map((name, metric) => {
      const steps = new Float64Array(n);
      const values = new Float64Array(n);
      const timestamps = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const i = f * n + k;
        steps[k] = i;
        values[k] = valueAt(rank, metric, i);
        timestamps[k] = 1_700_000_001_000 + i;
      }
      return { name, context: metric === 0 ? 'TRAINING' : 'VALIDATION', source: 'metric', unit: '', steps, values, timestamps };
    });
    records.push([{ kind: 'metrics', series }]);
  }
  records.push([
    { kind: 'final_metric', time: 1_700_000_009_000, name: 'loss', operation: 'MIN', initialValue: 1e9, value: 0.5, count: 3 },
    { kind: 'run_end', time: 1_700_000_010_000, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: { metrics: 2 * spec.frames * spec.pointsPerFrame } },
  ]);
  return records.map((r, index) => ({
    v: PROTOCOL_VERSION, job, rank, worldSize, sender, seq: index + 1, sent: 1_700_000_000_000 + index, runDir, records: r,
  }));
}

/** The CSV text `valueAt` gives for one rank and metric (what the file must hold, byte for byte). */
export function expectedCsv(rank: number, metric: number, points: number): string {
  let text = 'step,value,timestamp_ms\n';
  for (let i = 0; i < points; i++) {
    const v = valueAt(rank, metric, i);
    const value = Number.isNaN(v) ? 'NaN' : v === Number.POSITIVE_INFINITY ? 'INF' : v === Number.NEGATIVE_INFINITY ? '-INF' : String(v);
    text += `${i},${value},${1_700_000_001_000 + i}\n`;
  }
  return text;
}

/** Sends raw messages over a real PUSH socket (with `socketOptions`, e.g. CURVE keys) and waits until ZeroMQ has handed them over. */
export async function pushAll(endpoint: string, messages: readonly (Uint8Array | Uint8Array[])[], socketOptions: ConstructorParameters<typeof Push>[0] = {}): Promise<void> {
  const push = new Push({ linger: 5_000, sendHighWaterMark: 100_000, ...socketOptions });
  push.connect(endpoint);
  for (const message of messages) await push.send(message);
  // close() with linger flushes what is queued before the socket goes.
  push.close();
}

export function encodeAll(envelopes: readonly Envelope[]): Buffer[] {
  return envelopes.map((envelope) => encodeEnvelope(envelope));
}

/** Python `prov` reads each file; returns the files it could not read, with the reason. */
export function pythonProvFailures(files: readonly string[]): string[] {
  const script = [
    'import sys, json',
    'from prov.model import ProvDocument',
    'bad = []',
    'for path in sys.argv[1:]:',
    '    try:',
    '        ProvDocument.deserialize(source=path, format="json")',
    '    except Exception as error:',
    '        bad.append(path + ": " + repr(error))',
    'print(json.dumps(bad))',
  ].join('\n');
  const result = spawnSync(DEBIAN_PYTHON, ['-c', script, ...files], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) return [`python failed: ${result.stderr}`];
  return JSON.parse(result.stdout) as string[];
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out waiting'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}
