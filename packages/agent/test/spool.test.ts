import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { framedLength, readFrames } from '@prov4ml/prov-core';
import { Spool } from '../src/pipeline/spool.js';

test('frames reach the file whole and in order through the writer thread, across ring wrap-arounds and oversized frames', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'prov4ml-spool-')), 'spool', 'GR0-test.spool');
  let lastPersisted = 0;
  // A 1000-byte ring: most frames wrap, and 3000-byte ones bypass it.
  const spool = Spool.open({ path, onPersisted: (bytes) => (lastPersisted = bytes), log: () => {}, ringBytes: 1000 });
  const sent: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const size = i % 50 === 49 ? 3000 : 2 + ((i * 37) % 400);
    const payload = Buffer.alloc(size, i % 251);
    payload.writeUInt16LE(i, 0);
    const location = spool.appendFrame(i + 1, payload);
    assert.equal(location.length, framedLength(size));
    assert.equal(location.offset % 8, 0, 'frames start 8-byte aligned');
    sent.push(payload);
  }
  await spool.flushed();
  const total = sent.reduce((sum, p) => sum + framedLength(p.length), 0);
  assert.equal(spool.persistedBytes(), total);
  // A frame is readable back by its sequence number once persisted (the sender re-reads evicted frames so).
  assert.deepEqual(spool.readFrame(3), sent[2]);
  assert.deepEqual(spool.readFrame(300), sent[299]);
  assert.throws(() => spool.readFrame(301), /holds no frame 301/);
  await spool.close();
  await spool.close();
  const file = readFileSync(path);
  assert.equal(file.length, total);
  const { frames, consumed } = readFrames(file);
  assert.equal(consumed, total);
  assert.equal(frames.length, sent.length);
  const digest = (buffers: Uint8Array[]) => buffers.reduce((hash, b) => hash.update(b), createHash('sha256')).digest('hex');
  assert.equal(digest(frames), digest(sent));
  assert.ok(lastPersisted > 0 && lastPersisted <= total);
});
