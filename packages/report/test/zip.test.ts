/**
 * Our ZIP writer: what python's zipfile reads back (names in UTF-8, empty and incompressible files,
 * CRCs), and the limits it refuses instead of writing a broken archive (no ZIP64).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { isUserError } from '@prov4ml/prov-core';
import { tableCrc32 } from '../src/crate/crc32.js';
import { MAX_ZIP32_BYTES, MAX_ZIP32_ENTRIES, writeZip } from '../src/crate/zip.js';
import { DEBIAN_PYTHON } from '../../../test/support/components.js';
import { runCommand } from '../../../test/support/run-dir.js';

const READ_BACK = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({i.filename: z.read(i).hex() for i in z.infolist()}))
`;

test('python zipfile reads back every member byte for byte, UTF-8 names, empty and random files included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-zip-'));
  const files: Record<string, Buffer> = {
    'a.csv': Buffer.from('step,value,timestamp_ms\n'.repeat(5000)),
    'empty': Buffer.alloc(0),
    'random.bin': randomBytes(300_000),
    'métrique %2F ü.csv': Buffer.from('1,2,3\n'),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  const output = join(dir, 'out.zip');
  const size = await writeZip(output, Object.keys(files).map((name) => ({ name: `run/${name}`, path: join(dir, name) })));
  const read = await runCommand(DEBIAN_PYTHON, ['-c', READ_BACK, output]);
  assert.equal(read.code, 0, read.stderr);
  const members = JSON.parse(read.stdout) as Record<string, string>;
  assert.deepEqual(members, Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`run/${name}`, bytes.toString('hex')])));
  assert.ok(size > 300_000);
});

test('past the ZIP limits without ZIP64 (a file of 4 GiB, 65,536 files) the writer refuses, naming the file, and leaves nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-zip-limits-'));
  const big = join(dir, 'big.bin');
  writeFileSync(big, '');
  truncateSync(big, MAX_ZIP32_BYTES + 1); // sparse: nothing is written
  await assert.rejects(writeZip(join(dir, 'big.zip'), [{ name: 'big.bin', path: big }]), (error: Error) => isUserError(error) && error.message.startsWith(`${big}: ${MAX_ZIP32_BYTES + 1} bytes, over`));
  const many = Array.from({ length: MAX_ZIP32_ENTRIES + 1 }, (_, i) => ({ name: `f${i}`, path: big }));
  await assert.rejects(writeZip(join(dir, 'many.zip'), many), /65536 files are more than a ZIP without ZIP64 holds \(65535\)/);
  await assert.rejects(writeZip(join(dir, 'gone.zip'), [{ name: 'x', path: join(dir, 'missing') }]), /missing: cannot read: ENOENT/);
  assert.deepEqual(readdirSync(dir), ['big.bin']);
  assert.ok(!existsSync(join(dir, 'big.zip.partial')));
});

test('the CRC-32 used without zlib.crc32 (Node 20.0-20.14) is the one ZIP states: check value, and chunk by chunk as zlib gives it', () => {
  assert.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(tableCrc32(Buffer.alloc(0)), 0);
  const data = randomBytes(1_000_003);
  let running = 0;
  for (let from = 0; from < data.length; from += 65_536) running = tableCrc32(data.subarray(from, from + 65_536), running);
  assert.equal(running, tableCrc32(data));
  // Named through the namespace: on the Node versions the fallback is for, zlib has no crc32 to compare with.
  const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (zlibCrc32 !== undefined) assert.equal(running, zlibCrc32(data));
});
