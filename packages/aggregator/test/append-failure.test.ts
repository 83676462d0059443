/**
 * A failed append to a rank's received log while later frames of the same rank wait for the next group
 * commit. The log is made to fail on cue with a real named pipe: a full pipe blocks the aggregator's
 * write (so the test knows which frames are in it and which wait behind it), and closing its reader
 * fails the write (EPIPE; the error path is the same for ENOSPC or EIO). The sender then behaves like an
 * agent: it resends whatever the acks do not cover, until they cover its last frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Subscriber } from 'zeromq';
import { decodeAck, decodeEnvelope, readFrames } from '@prov4ml/prov-core';
import { startAggregator } from '@prov4ml/aggregator';
import { encodeAll, expectedCsv, pushAll, rankEnvelopes, temporaryRunDir, waitFor } from './support.js';

const POINTS_PER_FRAME = 100;
/** Metric frames; with the run start and the run end the rank sends FRAMES + 2. */
const FRAMES = 6;
/** Frames 1..IN_FAILED_WRITE are in the write that fails; the rest arrive while it is under way. */
const IN_FAILED_WRITE = 3;
/**
 * Bytes that are not a frame: dropped as malformed (one count: the aggregator takes each part of a
 * message as a frame), it shows that everything pushed before it has been read.
 */
const MARKER = [Buffer.from('junk')];

/** Fills a pipe through a non-blocking writer of its own, so that the next write to it blocks. */
function fillPipe(fifo: string): number {
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  for (const chunk of [Buffer.alloc(65_536), Buffer.alloc(1)]) {
    for (;;) {
      try {
        writeSync(writer, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw error;
      }
    }
  }
  return writer;
}

test('a failed append drops the rank\'s frames waiting behind it: acks never cover a gap, every frame lands once after the resends', async (t) => {
  const runDir = temporaryRunDir();
  const lines: string[] = [];
  const aggregator = await startAggregator({ bind: 'tcp://127.0.0.1:0', runDir, worldSize: 1, log: (line) => lines.push(line) });
  const acks = new Subscriber();
  acks.connect(aggregator.endpoint.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`));
  acks.subscribe('sender0');
  const lastAck = { upTo: 0 };
  void (async () => {
    for await (const [, body] of acks) lastAck.upTo = Math.max(lastAck.upTo, decodeAck(body!)?.upTo ?? 0);
  })();
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscription reach the publisher
  const frames = encodeAll(rankEnvelopes('append-failure', 1, runDir, { rank: 0, sender: 'sender0', pointsPerFrame: POINTS_PER_FRAME, frames: FRAMES }));

  // Rank 0's received log is a full pipe (created after the aggregator read its empty log directory).
  const fifo = join(runDir, '.aggregator', 'GR0.log');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = fillPipe(fifo);
  // Whatever fails below, the pipe's ends close, so the aggregator's blocked write cannot hang the test.
  let pipeOpen = true;
  const closePipe = (): void => {
    if (!pipeOpen) return;
    pipeOpen = false;
    unlinkSync(fifo);
    closeSync(reader);
    closeSync(writer);
  };
  t.after(closePipe);

  // The first frames: their write blocks on the pipe. The flush runs on a later turn of the event loop
  // than the marker's drop, so it has begun once a turn after that has come.
  await pushAll(aggregator.endpoint, [...frames.slice(0, IN_FAILED_WRITE), MARKER]);
  await waitFor(() => aggregator.dropCounts().malformed === 1, 10_000);
  await nextTurn();
  // The rest, run end included, wait for the next group commit behind the blocked write.
  await pushAll(aggregator.endpoint, [...frames.slice(IN_FAILED_WRITE), MARKER]);
  await waitFor(() => aggregator.dropCounts().malformed === 2, 10_000);

  // The write fails (no reader left); the next appends go to a plain file at the same path.
  closePipe();
  const failed = (line: string): boolean => line.startsWith(`cannot write the received log ${fifo}: EPIPE;`);
  await waitFor(() => lines.some(failed), 10_000);

  // An agent resends what is not acked, until its last frame is.
  for (let round = 0; lastAck.upTo < frames.length && round < 10; round++) {
    await pushAll(aggregator.endpoint, frames.slice(lastAck.upTo));
    await waitFor(() => lastAck.upTo === frames.length, 2_000).catch(() => undefined);
  }
  const result = await aggregator.finalized;
  await aggregator.shutdown();
  acks.close();

  assert.equal(lines.filter(failed).length, 1, lines.join('\n'));
  assert.equal(lastAck.upTo, frames.length);
  const logged = readFrames(readFileSync(fifo)).frames.map((frame) => {
    const decoded = decodeEnvelope(frame);
    return decoded.ok ? decoded.envelope.seq : -1;
  });
  assert.deepEqual(logged, frames.map((_, i) => i + 1), 'the received log holds every frame once, in order');
  const points = POINTS_PER_FRAME * FRAMES;
  assert.equal(readFileSync(join(runDir, 'metrics/loss_TRAINING_GR0.csv'), 'utf8'), expectedCsv(0, 0, points));
  assert.equal(readFileSync(join(runDir, 'metrics/acc_VALIDATION_GR0.csv'), 'utf8'), expectedCsv(0, 1, points));
  assert.deepEqual(result.ranks.map((r) => [r.rank, r.finished, r.points]), [[0, true, 2 * points]]);
});
