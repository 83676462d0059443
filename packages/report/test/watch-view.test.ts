/**
 * watch's view and renderer on a 64-rank run at 80×24: the rows that do not fit are counted, the flagged
 * ranks (a straggler, a failed rank, a silent one) are always shown, every line fits; and the sparkline
 * buckets keep every point's weight when they merge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receivedLogPath } from '@prov4ml/prov-core';
import { JobWatch } from '../src/watch/job-watch.js';
import { jobView } from '../src/watch/job-view.js';
import { renderFrame } from '../src/watch/render.js';
import { SparkSeries, sparkline } from '../src/watch/sparkline.js';
import { SYNTHETIC_T0, writeRankLog } from '../../../test/support/watch-logs.js';

test('64 ranks at 80×24: flagged ranks first among the rows shown, the rest counted, every line fits', async () => {
  const runDir = join(mkdtempSync(join(tmpdir(), 'prov4ml-watch-view-')), 'big_0');
  mkdirSync(runDir);
  const heardS = (SYNTHETIC_T0 + 20_000) / 1000;
  for (let rank = 0; rank < 64; rank++) {
    writeRankLog(runDir, { rank, host: `node${Math.floor(rank / 8)}.cluster.example.org`, stepMs: rank === 37 ? 20 : 10, stepsPerFrame: 100, exitCode: rank === 50 ? 3 : null, energyJ: null, co2G: null }, 64, 20);
    // Every log last written at T0 + 20 s, rank 9's at T0 (silent by T0 + 21 s).
    utimesSync(receivedLogPath(runDir, rank), rank === 9 ? heardS - 20 : heardS, rank === 9 ? heardS - 20 : heardS);
  }
  const job = new JobWatch(runDir);
  await job.refresh();
  const view = jobView(job, 'big_0', { now: SYNTHETIC_T0 + 21_000, metrics: [], stragglerThreshold: 0.2, silentAfterMs: 10_000, heartbeatMs: 5_000 });
  const lines = renderFrame(view, { width: 80, height: 24 }, 'q quits');
  assert.equal(lines.length, 24);
  assert.ok(lines.every((line) => [...line].length <= 80), lines.join('\n'));
  assert.equal(lines[0], 'prov4ml watch  big_0  running 00:00:21  64 ranks on 8 nodes  job slurm-4242.0');
  assert.equal(lines[1], 'rank node       state       pts/s step/s      loss       acc   energy      CO2');
  // 16 rows fit: the three flagged ranks (9 silent, 37 slow, 50 failed), then the lowest ranks, in rank order.
  // Rates: 1999 steps and 4000 points from the first point in 19.99 s (rank 37: 39.98 s); the
  // job's points/s counts the 62 running ranks (61 × 200 + 100).
  const row = (rank: number, node: number, state: string, points: string, steps: string, loss: string) =>
    `${String(rank).padStart(4)} node${node}      ${state.padEnd(10)} ${points.padStart(6)} ${steps.padStart(6)} ${loss.padStart(9)}     1.999        —        —`;
  const plain = (rank: number) => row(rank, Math.floor(rank / 8), 'running', '200', '100', String(Number((1 / 2000 + rank).toPrecision(4))));
  assert.deepEqual(lines, [
    'prov4ml watch  big_0  running 00:00:21  64 ranks on 8 nodes  job slurm-4242.0',
    'rank node       state       pts/s step/s      loss       acc   energy      CO2',
    row(0, 0, 'running', '200', '100', '5.00e-4'),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map(plain),
    row(9, 1, 'silent 21s', '200', '100', '9.001'),
    ...[10, 11, 12, 13].map(plain),
    row(37, 4, 'straggler', '100', '50', '37'),
    row(50, 6, 'exit 3', '200', '100', '50'),
    '… 48 more ranks not shown (a taller terminal shows them)',
    'silent: rank 9 on node1.cluster.example.org, no frame for 21 s (heartbeat 5 s)',
    'ended abnormally: rank 50 on node6.cluster.example.org, exited 3',
    'straggler: rank 37 on node4.cluster.example.org, 50 steps/s, 50 % below the med…',
    'total  62 running, 1 silent, 1 ended  256k points  12.3k points/s  energy —  CO…',
    'q quits',
  ]);
});

test('sparkline buckets: 1000 points in at most 64 buckets, each point counted once; drawn from min to max', () => {
  const spark = new SparkSeries();
  for (let i = 0; i < 1000; i++) spark.add(i);
  const means = spark.means();
  assert.ok(means.length <= 64 && means.length >= 32, String(means.length));
  // Equal strides except the last bucket: the means rise by the stride, and the first is (stride - 1) / 2.
  const stride = means[1]! - means[0]!;
  assert.equal(means[0], (stride - 1) / 2);
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([5, 5, 5], 3), '▁▁▁');
  assert.equal(sparkline([], 10), '');
});
