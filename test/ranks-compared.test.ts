/**
 * Cross-rank diagnostics on a synthetic 4-rank job with known step times, merged from real spool files
 * by the real finalisation: rank 3 (node-b) steps every 150 ms where the others take 100 ms; rank 1
 * never ends, rank 2 is killed. The collection states the figures, the report's "Ranks compared"
 * section says them, and both come out of the same `compareRanks`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeEnvelope, encodeFrame, PROTOCOL_VERSION, type Envelope, type EnvelopeRecord, type MetricSeriesBatch } from '@prov4ml/prov-core';
import { compareRanks, medianAndP95, mergeRunDir, StepClock } from '@prov4ml/aggregator';
import { buildReport, ranksComparedLines, readRanksCompared } from '@prov4ml/report';
import { readRun } from '../packages/report/src/read-run.js';
import { REPO_ROOT } from './support/run-dir.js';

const T0 = 1_800_000_000_000;
const OUTPUT_DIR = join(REPO_ROOT, 'test-output');
const NODES = ['node-a', 'node-a', 'node-b', 'node-b'];
const temporary: string[] = [];
after(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Step clock of each rank: ranks 0–2 log steps 0…20, 100 ms apart but the last two intervals take 200
 * and 300 ms; rank 3 logs every second step 0…40, 300 ms apart (150 ms a step) but the last two take
 * 500 and 800 ms (250 and 400 ms a step). So: median 100 / 150 ms, p95 (19th of 20) 200 / 250 ms.
 */
function clock(rank: number): { steps: number[]; times: number[] } {
  const stride = rank === 3 ? 2 : 1;
  const gaps = rank === 3 ? [...Array(18).fill(300), 500, 800] : [...Array(18).fill(100), 200, 300];
  const steps = [0];
  const times = [T0];
  for (const gap of gaps) {
    steps.push((steps.at(-1) as number) + stride);
    times.push((times.at(-1) as number) + gap);
  }
  return { steps, times };
}

function series(name: string, source: string, unit: string, steps: number[], values: number[], times: number[]): MetricSeriesBatch {
  return { name, context: 'TRAINING', source, unit, steps: Float64Array.from(steps), values: Float64Array.from(values), timestamps: Float64Array.from(times) };
}

function rankEnvelopes(runDir: string, rank: number): Envelope[] {
  const { steps, times } = clock(rank);
  const frames: EnvelopeRecord[][] = [[
    {
      kind: 'run_start', time: T0 - 1000, rank, worldSize: 4, localRank: rank % 2, localWorldSize: 2, nodeRank: rank >> 1,
      jobId: 'diag', stepId: null, launcher: 'local', hostname: NODES[rank] as string, pid: 100 + rank, user: 'alice',
      argv: ['train'], cwd: '/', environment: {}, versions: {}, gitCommit: null, wrapped: true,
    },
    { kind: 'run_config', time: T0 - 999, provUserNamespace: 'www.example.org', experimentName: 'diag', collectAllProcesses: false, saveAfterNLogs: 100 },
  ]];
  // acc first, 5 ms after each loss point: the clock must keep loss's earlier time for each step.
  frames.push([{ kind: 'metrics', series: [series('acc', 'metric', '', steps, steps, times.map((t) => t + 5))] }]);
  // loss in two frames, the later steps first: earlier steps arrive after later ones.
  const half = 10;
  frames.push([{ kind: 'metrics', series: [series('loss', 'metric', '', steps.slice(half), steps.slice(half), times.slice(half))] }]);
  frames.push([{ kind: 'metrics', series: [series('loss', 'metric', '', steps.slice(0, half), steps.slice(0, half), times.slice(0, half))] }]);
  // Samplers: not user metrics, so not on the step clock (their steps and times are off on purpose).
  frames.push([{
    kind: 'metrics',
    series: [
      series('energy_consumed', 'carbon-meter', 'J', [500, 501], [50 * (rank + 1), 100 * (rank + 1)], [T0 + 1, T0 + 99_999]),
      series('emissions', '475 gCO2eq/kWh (world-average)', 'gCO2eq', [500, 501], [5 * (rank + 1), 10 * (rank + 1)], [T0 + 1, T0 + 99_999]),
      ...(rank === 3 ? [] : [series('gpu_usage', 'nvidia-smi', '%', [500, 501, 502], [50, 70, 60 + rank * 3], [T0 + 2, T0 + 3, T0 + 4])]),
    ],
  }]);
  if (rank === 0 || rank === 3) frames.push([{ kind: 'run_end', time: T0 + 10_000, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: {} }]);
  if (rank === 2) frames.push([{ kind: 'run_end', time: T0 + 10_000, exitCode: null, signal: 'SIGKILL', clean: false, createGraph: false, createSvg: false, counts: {} }]);
  return frames.map((records, index) => ({ v: PROTOCOL_VERSION, job: 'diag', rank, worldSize: 4, sender: `s${rank}`, seq: index + 1, sent: T0 + index, runDir, records }));
}

async function syntheticRun(): Promise<string> {
  const runDir = join(mkdtempSync(join(tmpdir(), 'prov4ml-diag-')), 'diag_0');
  temporary.push(runDir);
  mkdirSync(join(runDir, 'spool'), { recursive: true });
  for (let rank = 0; rank < 4; rank++) {
    writeFileSync(join(runDir, `spool/GR${rank}-s${rank}.spool`), Buffer.concat(rankEnvelopes(runDir, rank).map((e) => encodeFrame(encodeEnvelope(e)))));
  }
  await mergeRunDir(runDir);
  return runDir;
}

const EXPECTED_LINES = [
  'Slowest: rank 3 (node-b), median step 150 ms; fastest: rank 0 (node-a), 100 ms; ratio 1.5.',
  'Stragglers (median step time more than 20 % above the median of ranks, 100 ms): rank 3 (node-b) 150 ms (+50 %).',
  'Ended abnormally: rank 1 (node-a): did not end cleanly; rank 2 (node-b): killed by SIGKILL.',
];

test('a job with a slow rank: exact step times, the straggler with its node, per-node sums, abnormal ranks, in the collection and the report', async () => {
  const runDir = await syntheticRun();

  const collection = JSON.parse(readFileSync(join(runDir, 'prov_collection.json'), 'utf8')) as { entity: Record<string, Record<string, unknown>>; activity: Record<string, Record<string, unknown>> };
  const entity = collection.entity['diag_0.collection'] as Record<string, unknown>;
  // Typed literals are {"$": lexical form, "type": "xsd:…"}: numbers are compared as numbers.
  const value = (attribute: unknown): unknown => (typeof attribute === 'object' && attribute !== null && '$' in attribute ? Number((attribute as { $: unknown }).$) : attribute);
  assert.deepEqual(
    ['slowest_rank', 'fastest_rank', 'step_time_ratio', 'median_step_time_ms', 'stragglers', 'abnormal_ranks', 'energy_per_node', 'emissions_per_node', 'straggler_threshold'].map((key) => value(entity[`prov-ml:${key}`])),
    [3, 0, 1.5, 100, 'rank 3 (node-b)', 'rank 1 (node-a): did not end cleanly; rank 2 (node-b): killed by SIGKILL', 'node-a: 300 J; node-b: 700 J', 'node-a: 30 gCO2eq; node-b: 70 gCO2eq', 0.2],
  );
  assert.match(String(entity['prov-ml:how_step_time']), /earliest timestamp of its user metrics at that step/);
  const perRank = [0, 1, 2, 3].map((rank) => {
    const activity = Object.values(collection.activity).find((a) => value(a['prov-ml:global_rank']) === rank && 'prov-ml:ended' in a) as Record<string, unknown>;
    return ['node', 'step_intervals', 'step_time_median_ms', 'step_time_p95_ms', 'energy_j', 'emissions_g', 'gpu_usage_percent', 'ended', 'abnormal', 'straggler'].map((key) => value(activity[`prov-ml:${key}`]));
  });
  assert.deepEqual(perRank, [
    ['node-a', 20, 100, 200, 100, 10, 60, 'exited 0', false, false],
    ['node-a', 20, 100, 200, 200, 20, 61, 'did not end cleanly', true, false],
    ['node-b', 20, 100, 200, 300, 30, 62, 'killed by SIGKILL', true, false],
    ['node-b', 20, 150, 250, 400, 40, undefined, 'exited 0', false, true],
  ]);

  // The report reads the same run back from its documents and CSVs and gets the same figures.
  const run = await readRun(runDir);
  const { compared, notes } = await readRanksCompared(run.ranks, run.series);
  assert.deepEqual(notes, []);
  assert.ok(compared !== null);
  assert.deepEqual(ranksComparedLines(compared), EXPECTED_LINES);
  assert.deepEqual(compared.nodes, [
    { node: 'node-a', ranks: [0, 1], energyJ: 300, emissionsG: 30 },
    { node: 'node-b', ranks: [2, 3], energyJ: 700, emissionsG: 70 },
  ]);
  assert.deepEqual(compared.stragglers, [{ rank: 3, node: 'node-b', stepTimeMedianMs: 150, abovePercent: 50 }]);
  const { html } = await buildReport(runDir, { generatedMs: T0 });
  // Kept as an artifact, to look at the section in a browser.
  mkdirSync(OUTPUT_DIR, { recursive: true });
  writeFileSync(join(OUTPUT_DIR, 'report-ranks-compared.html'), html);
  const section = html.slice(html.indexOf('<section id="ranks-compared">'), html.indexOf('</section>', html.indexOf('<section id="ranks-compared">')));
  for (const line of EXPECTED_LINES) assert.ok(section.includes(`<li>${line}</li>`), line);
  assert.equal(section.match(/<tr class="straggler">/g)?.length, 1);
  assert.match(section, /<tr class="straggler"><td class="num">3<\/td><td>node-b<\/td><td class="num">20<\/td><td class="num">150<\/td><td class="num">250<\/td>/);
  assert.match(section, /<tr><td>node-b<\/td><td>2-3<\/td><td class="num">700<\/td><td class="num">70<\/td><\/tr>/);
});

test('the straggler threshold is a parameter; one rank or none timed gives no ratio to speak of', () => {
  const input = (rank: number, stepMs: number) => ({
    rank, node: null, stepTimes: { steps: [0, 1, 2], timesMs: [0, stepMs, 2 * stepMs] }, energyJ: null, emissionsG: null, gpuUsagePercent: null, exitCode: 0, signal: null, clean: true,
  });
  const ranks = [input(0, 100), input(1, 100), input(2, 115)];
  assert.deepEqual(compareRanks(ranks).stragglers, []);
  assert.deepEqual(compareRanks(ranks, { stragglerThreshold: 0.1 }).stragglers.map((s) => s.rank), [2]);
  assert.equal(compareRanks([input(0, 100)]).stepTimeRatio, 1);
  assert.deepEqual(ranksComparedLines(compareRanks([input(0, 100), input(1, 100)])), ['Step time: median 100 ms on each of the 2 rank(s) timed; no straggler.', 'Ended abnormally: none of 2 rank(s).']);
  const none = compareRanks([{ ...input(0, 1), stepTimes: null }]);
  assert.deepEqual([none.stepTimeRatio, none.slowest, none.medianStepTimeMs], [null, null, null]);
  assert.deepEqual(ranksComparedLines(none), ['Step time: no rank logged a user metric at two or more steps.', 'Ended abnormally: none of 1 rank(s).']);
  assert.throws(() => compareRanks(ranks, { stragglerThreshold: -1 }), /stragglerThreshold must be ≥ 0/);
});

test('the step clock: any order of points gives each step its earliest time', () => {
  // A deterministic shuffle of 20 000 points over 5 000 steps (4 series), with out-of-order merges.
  const points: [number, number][] = [];
  for (let s = 0; s < 5000; s++) for (let k = 0; k < 4; k++) points.push([s * 3, 1000 * s + ((s * 7 + k * 13) % 17)]);
  let seed = 12345;
  for (let i = points.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [points[i], points[j]] = [points[j] as [number, number], points[i] as [number, number]];
  }
  const clock = new StepClock();
  for (const [step, time] of points) clock.addPoint(step, time);
  clock.addPoint(Number.NaN, 1);
  const expected = new Map<number, number>();
  for (const [step, time] of points) expected.set(step, Math.min(expected.get(step) ?? Number.POSITIVE_INFINITY, time));
  const times = clock.times();
  assert.deepEqual([...times.steps], [...expected.keys()].sort((a, b) => a - b));
  assert.deepEqual([...times.timesMs], [...times.steps].map((step) => expected.get(step)));
  assert.equal(times.omittedSteps, 0);
  const bounded = new StepClock(10);
  for (let s = 0; s < 15; s++) bounded.addPoint(s, s);
  assert.deepEqual([bounded.times().steps.length, bounded.times().omittedSteps], [10, 5]);
});

test('median and p95 by selection equal those of the sorted values, whatever the order and ties', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(random() * 60);
    // Few distinct values in some trials, so ties and equal pivots are covered.
    const distinct = trial % 3 === 0 ? 3 : 1000;
    const values = Float64Array.from({ length: n }, () => Math.floor(random() * distinct) - 5);
    if (trial % 5 === 0) values.sort();
    const sorted = Float64Array.from(values).sort();
    const median = n % 2 === 1 ? sorted[n >> 1] : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
    assert.deepEqual(medianAndP95(values), { median, p95: sorted[Math.ceil(0.95 * n) - 1] }, `trial ${trial}`);
  }
  assert.deepEqual(medianAndP95(new Float64Array(0)), { median: null, p95: null });
});
