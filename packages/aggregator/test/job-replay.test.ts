/**
 * JobReplay: a job's frame files (received logs as the aggregator writes them) replayed into each rank's
 * facts while the points stream into real metric CSVs. Which frames count: the job's, the rank's, its
 * sender's, each sequence number once, in order; everything else in the file is skipped.
 */
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeEnvelope, encodeFrame, PROTOCOL_VERSION, type Envelope, type EnvelopeRecord } from '@prov4ml/prov-core';
import { MetricCsvWriter } from '../src/metric-files/csv-writer.js';
import { JobReplay } from '../src/finalize/job-replay.js';
import { temporaryRunDir } from './support.js';

const JOB = 'job-7';
const runDirs: string[] = [];
after(() => {
  for (const runDir of runDirs) rmSync(dirname(runDir), { recursive: true, force: true });
});

function runDir(): string {
  const dir = temporaryRunDir();
  runDirs.push(dir);
  return dir;
}

function frame(fields: Partial<Envelope> & { seq: number; records: EnvelopeRecord[] }): Buffer {
  return encodeFrame(encodeEnvelope({ v: PROTOCOL_VERSION, job: JOB, rank: 0, worldSize: 2, sender: 'A', sent: 1_000 + fields.seq, runDir: '/runs/exp_0', ...fields }));
}

/** A metrics record of `loss` (TRAINING) with the points [step, value], timestamps 5000 + step. */
function loss(...points: [number, number][]): EnvelopeRecord {
  return {
    kind: 'metrics',
    series: [{ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: Float64Array.from(points.map((p) => p[0])), values: Float64Array.from(points.map((p) => p[1])), timestamps: Float64Array.from(points.map((p) => 5_000 + p[0])) }],
  };
}

const RUN_CONFIG: EnvelopeRecord = { kind: 'run_config', time: 1, provUserNamespace: 'www.example.org', experimentName: 'exp', collectAllProcesses: false, saveAfterNLogs: 100, csvSeparator: ';' };
const RUN_END: EnvelopeRecord = { kind: 'run_end', time: 9, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: {} };

/** A rank's whole run in four frames: config and step 0, steps 1 and 2, step 3 and the run end. */
function fourFrames(): [Buffer, Buffer, Buffer, Buffer] {
  return [
    frame({ seq: 1, records: [RUN_CONFIG, loss([0, 1])] }),
    frame({ seq: 2, records: [loss([1, 2])] }),
    frame({ seq: 3, records: [loss([2, 3])] }),
    frame({ seq: 4, records: [loss([3, 4]), RUN_END] }),
  ];
}

/** The CSV of fourFrames' points. */
const FOUR_POINTS_CSV = 'step;value;timestamp_ms\n0;1;5000\n1;2;5001\n2;3;5002\n3;4;5003\n';

describe('JobReplay', () => {
  it('counts only the frames of its job, of the rank, of the rank\'s first sender, each sequence number once', async () => {
    const dir = runDir();
    const log = join(dir, 'GR0.log');
    writeFileSync(log, Buffer.concat([
      frame({ seq: 1, job: 'another-job', records: [loss([100, 1])] }),
      frame({ seq: 1, rank: 1, records: [loss([101, 1])] }),
      frame({ seq: 1, records: [RUN_CONFIG, { kind: 'param', time: 1, name: 'lr', value: 0.1 }] }),
      frame({ seq: 2, records: [loss([0, 0.5], [1, Number.NaN])] }),
      frame({ seq: 2, records: [loss([102, 1])] }),
      frame({ seq: 3, sender: 'B', records: [loss([103, 1])] }),
      encodeFrame(Buffer.from('not an envelope')),
      frame({ seq: 1, records: [loss([104, 1])] }),
      frame({ seq: 5, records: [loss([2, Number.POSITIVE_INFINITY], [3, -0.25])] }),
    ]));
    const replay = new JobReplay(JOB, new MetricCsvWriter(dir));
    assert.deepEqual(await replay.replayFile(0, log), { validBytes: statSync(log).size, problem: null });
    assert.equal(replay.replayedUpTo(log), statSync(log).size);
    const [rank0, rank1] = await replay.finish(2);
    assert.equal(readFileSync(join(dir, 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8'), 'step;value;timestamp_ms\n0;0.5;5000\n1;NaN;5001\n2;INF;5002\n3;-0.25;5003\n');
    assert.deepEqual(
      { sender: rank0!.sender, missingFrames: rank0!.missingFrames, finished: rank0!.finished, firstSeenMs: rank0!.firstSeenMs, lastSeenMs: rank0!.lastSeenMs, params: rank0!.params.map((p) => p.value) },
      { sender: 'A', missingFrames: 2, finished: false, firstSeenMs: 1_001, lastSeenMs: 1_005, params: [0.1] },
      "A's frames 3 and 4 never came (B's frame 3 does not count), and no run_end",
    );
    assert.deepEqual(rank0!.series.map((s) => [s.count, s.nanCount, s.firstStep, s.lastStep, s.min, s.max]), [[4, 1, 0, 3, -0.25, Number.POSITIVE_INFINITY]]);
    assert.deepEqual({ rank: rank1!.rank, sender: rank1!.sender, series: rank1!.series, finished: rank1!.finished }, { rank: 1, sender: null, series: [], finished: false }, 'a rank with no file replayed');
  });

  it('with an expected sender, only that sender\'s frames count, even when another comes first', async () => {
    const dir = runDir();
    const log = join(dir, 'GR0.log');
    writeFileSync(log, Buffer.concat([
      frame({ seq: 1, sender: 'old', records: [RUN_CONFIG, loss([0, 9])] }),
      frame({ seq: 1, sender: 'new', records: [RUN_CONFIG, loss([0, 1])] }),
      frame({ seq: 2, sender: 'new', records: [RUN_END] }),
    ]));
    const replay = new JobReplay(JOB, new MetricCsvWriter(dir));
    replay.expectSender(0, 'new');
    await replay.replayFile(0, log);
    const [rank0] = await replay.finish(1);
    assert.deepEqual([rank0!.sender, rank0!.missingFrames, rank0!.finished], ['new', 0, true]);
    assert.equal(readFileSync(join(dir, 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8'), 'step;value;timestamp_ms\n0;1;5000\n');
  });

  it('replays a growing file from where it stopped: up to a given offset, past a torn frame once it is whole', async () => {
    const dir = runDir();
    const log = join(dir, 'GR0.log');
    const [one, two, three, four] = fourFrames();
    writeFileSync(log, Buffer.concat([one, two, three]));
    const replay = new JobReplay(JOB, new MetricCsvWriter(dir));

    assert.deepEqual(await replay.replayFile(0, log, one.length + two.length), { validBytes: one.length + two.length, problem: null });
    assert.equal(replay.replayedUpTo(log), one.length + two.length, 'up to the offset asked for');
    const half = Math.floor(four.length / 2);
    appendFileSync(log, four.subarray(0, half));
    assert.deepEqual(await replay.replayFile(0, log), { validBytes: one.length + two.length + three.length, problem: 'torn' });
    appendFileSync(log, four.subarray(half));
    assert.deepEqual(await replay.replayFile(0, log), { validBytes: statSync(log).size, problem: null });
    assert.deepEqual(await replay.replayFile(0, log), { validBytes: statSync(log).size, problem: null }, 'nothing new: nothing replayed twice');

    const [rank0] = await replay.finish(1);
    assert.equal(readFileSync(join(dir, 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8'), FOUR_POINTS_CSV);
    assert.deepEqual([rank0!.series[0]?.count, rank0!.missingFrames, rank0!.finished], [4, 0, true]);
  });

  it('a live pass stops before a frame that does not continue the rank and reads it again once its bytes are final: every point once', async () => {
    // A received log whose frame 3 was read mid-run before its bytes were final (here: a header with
    // zeros behind it). Skipping it, as a replay of a finished file does, lost it from the live files
    // for good: the log on disk held it, and merge found it, but the live files never did.
    const dir = runDir();
    const log = join(dir, 'GR0.log');
    const [one, two, three, four] = fourFrames();
    const notYetFinal = Buffer.concat([three.subarray(0, 8), Buffer.alloc(three.length - 8)]);
    writeFileSync(log, Buffer.concat([one, two, notYetFinal, four]));
    const stops: [number, string][] = [];
    const replay = new JobReplay(JOB, new MetricCsvWriter(dir), { onLiveStop: (_path, offset, reason) => stops.push([offset, reason]) });

    assert.deepEqual(await replay.replayLive(0, log, statSync(log).size), { validBytes: one.length + two.length, problem: null });
    assert.equal(replay.replayedUpTo(log), one.length + two.length, 'the pass waits before frame 3');
    assert.deepEqual(stops.map(([offset]) => offset), [one.length + two.length]);
    assert.match(stops[0]![1], /^malformed/);
    const fd = openSync(log, 'r+');
    writeSync(fd, three, 0, three.length, one.length + two.length);
    closeSync(fd);
    assert.deepEqual(await replay.replayLive(0, log, statSync(log).size), { validBytes: statSync(log).size, problem: null });

    const [rank0] = await replay.finish(1);
    assert.equal(readFileSync(join(dir, 'metrics', 'loss_TRAINING_GR0.csv'), 'utf8'), FOUR_POINTS_CSV);
    assert.deepEqual([rank0!.series[0]?.count, rank0!.missingFrames, rank0!.finished], [4, 0, true]);
  });

  it('a live pass also waits at a gap in the sequence (a frame of the rank that is not the next one)', async () => {
    const dir = runDir();
    const log = join(dir, 'GR0.log');
    writeFileSync(log, Buffer.concat([frame({ seq: 1, records: [RUN_CONFIG, loss([0, 1])] }), frame({ seq: 3, records: [loss([2, 3])] })]));
    const stops: string[] = [];
    const replay = new JobReplay(JOB, new MetricCsvWriter(dir), { onLiveStop: (_path, _offset, reason) => stops.push(reason) });
    await replay.replayLive(0, log, statSync(log).size);
    assert.deepEqual(stops, ['seq 3 after 1']);
    // Finalisation reads on with the rule for finished files: what counts is taken, the gap is counted.
    await replay.replayFile(0, log);
    const [rank0] = await replay.finish(1);
    assert.deepEqual([rank0!.series[0]?.count, rank0!.missingFrames], [2, 1]);
  });
});
