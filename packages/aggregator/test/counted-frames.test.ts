/** The one rule for which frames count, and the replay that reads back frames the aggregator validated. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeEnvelope, encodeEnvelope, encodeFrame, PROTOCOL_VERSION, type Envelope } from '@prov4ml/prov-core';
import { countsFrame, uncountedCause } from '../src/receive/counted-frames.js';
import { DISCARDED_POINTS, JobReplay } from '../src/finalize/job-replay.js';

function envelope(seq: number, options: Partial<Envelope> = {}): Envelope {
  const n = 1000;
  return {
    v: PROTOCOL_VERSION,
    job: 'job',
    rank: 0,
    worldSize: 1,
    sender: 's0',
    seq,
    sent: seq,
    runDir: '/run',
    records: [
      { kind: 'param', time: 1, name: `p${seq}`, value: seq },
      {
        kind: 'metrics',
        series: [
          // Steps as runs on the wire, timestamps raw: both forms of a column.
          { name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: Float64Array.from({ length: n }, (_, i) => i), values: Float64Array.from({ length: n }, (_, i) => Math.sin(i)), timestamps: Float64Array.from({ length: n }, () => Math.random() * 1e12) },
        ],
      },
    ],
    ...options,
  };
}

test('a frame counts when it is of the job, from the rank\'s sender, and above what was counted', () => {
  assert.equal(uncountedCause(envelope(3), 'job', 's0', 2), null);
  assert.equal(uncountedCause(envelope(3, { job: 'other' }), 'job', 's0', 2), 'wrong_job');
  assert.equal(uncountedCause(envelope(3, { sender: 's9' }), 'job', 's0', 2), 'sender_changed');
  assert.equal(uncountedCause(envelope(2), 'job', 's0', 2), 'duplicate');
  assert.equal(countsFrame(envelope(2), 'job', 's0', 2), false);
});

test('bytes decoded as already received give the envelope a full decode gives', () => {
  const bytes = encodeEnvelope(envelope(1));
  const full = decodeEnvelope(bytes);
  const received = decodeEnvelope(bytes, { received: true });
  assert.ok(full.ok && received.ok);
  const plain = (e: Envelope) => JSON.parse(JSON.stringify(e, (_k, v: unknown) => (v instanceof Float64Array ? [...v] : v))) as unknown;
  assert.deepEqual(plain(received.envelope), plain(full.envelope));
});

test('a replay validates frames before the offset it is told to trust, and counts each seq once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-replay-'));
  try {
    const path = join(dir, 'GR0.log');
    // A frame whose step is not an integer: only a full validation refuses it.
    const bad = envelope(2);
    (bad.records[1] as { series: Array<{ steps: Float64Array }> }).series[0]!.steps = Float64Array.from({ length: 1000 }, (_, i) => i + 0.5);
    const frames = [encodeFrame(encodeEnvelope(envelope(1))), encodeFrame(encodeEnvelope(bad)), encodeFrame(encodeEnvelope(envelope(1))), encodeFrame(encodeEnvelope(envelope(3)))];
    writeFileSync(path, Buffer.concat(frames));
    const untrusted = new JobReplay('job', DISCARDED_POINTS);
    await untrusted.replayFile(0, path);
    const [rank] = await untrusted.finish(1);
    assert.deepEqual(rank!.params.map((p) => p.name), ['p1', 'p3'], 'the bad frame and the duplicate are skipped');
    assert.equal(rank!.series[0]!.count, 2000);

    const trustedFromSecond = new JobReplay('job', DISCARDED_POINTS, { validatedFrom: () => frames[0]!.length + frames[1]!.length });
    await trustedFromSecond.replayFile(0, path);
    const [same] = await trustedFromSecond.finish(1);
    assert.deepEqual(same!.params.map((p) => p.name), ['p1', 'p3'], 'frames before the trusted offset are still validated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
