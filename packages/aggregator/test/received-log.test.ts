/**
 * The received log's writes under a real file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored as a
 * service would): a write the kernel cuts short at the limit is written on, so the failure names the
 * error the kernel gave (EFBIG), not a guessed one; the log is cut back to whole frames and takes the
 * next append that fits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { encodeFrame } from '@prov4ml/prov-core';
import { commandWorks, needs } from '../../../test/support/components.js';
import { temporaryRunDir } from './support.js';

const LIMIT = 65_536;

test('an append cut short by the file size limit fails with EFBIG, is cut back, and the next one that fits lands', needs('prlimit', commandWorks('prlimit', ['--version'])), () => {
  const runDir = temporaryRunDir();
  const fixture = join(import.meta.dirname, 'fixtures/received-log-append.ts');
  // Two 40 kB frames in one write: the kernel writes up to the limit, and the write on from there fails.
  const script = `trap '' XFSZ; exec "$0" --import tsx "$@"`;
  const child = spawnSync('prlimit', [`--fsize=${LIMIT}`, '--', 'sh', '-c', script, process.execPath, fixture, runDir, '40000,40000', '10000'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  const fits = encodeFrame(new Uint8Array(10_000)).length;
  assert.deepEqual(JSON.parse(child.stdout), [
    { failure: `cannot write the received log ${join(runDir, '.aggregator/GR0.log')}: EFBIG`, durableBytes: 0, fileSize: 0 },
    { failure: null, durableBytes: fits, fileSize: fits },
  ]);
});
