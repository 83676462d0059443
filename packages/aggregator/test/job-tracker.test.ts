import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION, type Envelope } from '@prov4ml/prov-core';
import { JobTracker } from '../src/receive/job-tracker.js';

function envelope(rank: number, seq: number, options: Partial<Envelope> = {}): Envelope {
  return { v: PROTOCOL_VERSION, job: 'job', rank, worldSize: 2, sender: `s${rank}`, seq, sent: seq, runDir: '/run', records: [], ...options };
}

const END = [{ kind: 'run_end' as const, time: 1, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: {} }];

function seqsOf(offer: ReturnType<JobTracker['offer']>): number[] | string {
  return offer.accepted ? offer.frames.map((f) => f.seq) : offer.cause;
}

test('frames are released in sequence order; an early frame waits for the gap, duplicates are refused', () => {
  const tracker = new JobTracker({});
  const payload = new Uint8Array(10);
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 1), payload, 0)), [1]);
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 3), payload, 0)), []);
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 3), payload, 0)), 'duplicate');
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 2), payload, 0)), [2, 3]);
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 2), payload, 0)), 'duplicate');
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 10_000), payload, 0)), 'seq_too_far_ahead');
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 4, { sender: 'intruder' }), payload, 0)), 'sender_changed');
  assert.deepEqual(seqsOf(tracker.offer(envelope(1, 1, { job: 'other' }), payload, 0)), 'wrong_job');
  assert.deepEqual(seqsOf(tracker.offer(envelope(1, 1, { worldSize: 3 }), payload, 0)), 'wrong_world_size');
  assert.equal(tracker.durableUpTo(0), 0, 'nothing is durable before the log says so');
  tracker.markDurable(0, 3);
  assert.equal(tracker.durableUpTo(0), 3);
});

test('a failed write is rolled back so the resent frames are accepted again', () => {
  const tracker = new JobTracker({});
  const payload = new Uint8Array(1);
  tracker.offer(envelope(0, 1), payload, 0);
  tracker.markDurable(0, 1);
  tracker.offer(envelope(0, 2), payload, 0);
  tracker.rollBack(0);
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 2), payload, 0)), [2]);
});

test('the job is finished when every rank ended with its frames on disk, or after the timeout for silent ones', () => {
  const tracker = new JobTracker({ worldSize: 2 });
  const payload = new Uint8Array(1);
  assert.equal(tracker.isFinished(0, 1000), false, 'nothing heard yet');
  tracker.offer(envelope(0, 1, { records: END }), payload, 0);
  assert.equal(tracker.isFinished(0, 1000), false, 'not on disk yet');
  tracker.markDurable(0, 1);
  assert.equal(tracker.isFinished(999, 1000), false, 'rank 1 not silent long enough');
  assert.equal(tracker.isFinished(1000, 1000), true, 'rank 1 never came');
  tracker.offer(envelope(1, 1), payload, 900);
  assert.equal(tracker.isFinished(1500, 1000), false, 'rank 1 was heard at 900');
  tracker.offer(envelope(1, 2, { records: END }), payload, 950);
  tracker.markDurable(1, 2);
  assert.equal(tracker.isFinished(950, 1000), true);
});

test('replay continues a received log only with the next sequence number of its sender', () => {
  const tracker = new JobTracker({});
  assert.equal(tracker.replay(envelope(0, 1), 0), true);
  assert.equal(tracker.replay(envelope(0, 3), 0), false);
  assert.equal(tracker.replay(envelope(0, 2, { sender: 'other' }), 0), false);
  assert.equal(tracker.replay(envelope(0, 2), 0), true);
  assert.equal(tracker.durableUpTo(0), 2);
  assert.deepEqual(seqsOf(tracker.offer(envelope(0, 2), new Uint8Array(1), 0)), 'duplicate');
});
