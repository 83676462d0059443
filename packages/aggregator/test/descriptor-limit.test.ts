import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionCapacity, openFileLimitLine, readOpenFileLimit } from '../src/receive/descriptor-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

test('the open-file limit from /proc/self/limits, and the ranks it leaves room for: (limit − 256) / 2', () => {
  assert.deepEqual(readOpenFileLimit(LIMITS), { soft: 1024, hard: 4096 });
  assert.deepEqual(readOpenFileLimit(LIMITS.replace('1024                 4096', 'unlimited            unlimited')), { soft: null, hard: null });
  assert.equal(readOpenFileLimit('no such line'), null);
  assert.deepEqual([connectionCapacity(1024), connectionCapacity(65536), connectionCapacity(300), connectionCapacity(100)], [384, 32640, 22, 0]);
  // This process: Node raised its soft limit to the hard one when it started.
  const own = readOpenFileLimit();
  assert.ok(own !== null && own.soft === own.hard, JSON.stringify(own));
});

test('one line: the limit, the ranks (or nodes with relays), a job past it, and how to raise it', () => {
  const line = openFileLimitLine({ soft: 1024, hard: 4096 }, 1000);
  assert.match(line, /^open-file limit 1024 \(hard 4096\): room for 384 ranks, or 384 nodes through per-node relays/);
  assert.match(line, /this job's 1000 ranks are more: the ranks past it keep their records in their spools \(after the job: prov4ml merge <run dir>\)/);
  assert.match(line, /`ulimit -Hn 65536`/);
  assert.doesNotMatch(openFileLimitLine({ soft: 1024, hard: 4096 }, 384), /are more/);
  assert.match(openFileLimitLine(null), /^open-file limit: unknown on \w+ \(no \/proc\/self\/limits\)/);
});
