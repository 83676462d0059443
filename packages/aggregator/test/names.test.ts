import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricFileStem, safeNameComponent } from '@prov4ml/prov-core';

test('readable names stay as they are', () => {
  for (const name of ['loss', 'val_loss', 'acc@1', 'lr 0.1', 'Größe', 'top-5 (val)']) assert.equal(safeNameComponent(name), name);
  assert.equal(metricFileStem('loss', 'TRAINING', 3), 'metrics/loss_TRAINING_GR3');
});

test('separators, dot names, control characters and percent signs are encoded, so no name leaves its directory', () => {
  assert.equal(safeNameComponent('a/b'), 'a%2Fb');
  assert.equal(safeNameComponent('..'), '%2E.');
  assert.equal(safeNameComponent('../../etc/passwd'), '%2E.%2F..%2Fetc%2Fpasswd');
  assert.equal(safeNameComponent('.hidden'), '%2Ehidden');
  assert.equal(safeNameComponent('tab\there\u0000nul'), 'tab%09here%00nul');
  assert.equal(safeNameComponent('back\\slash'), 'back%5Cslash');
  assert.equal(safeNameComponent('100%'), '100%25');
  // Encoding is injective: the encoded form of one name is never another name's encoding.
  assert.notEqual(safeNameComponent('a%2Fb'), safeNameComponent('a/b'));
  for (const name of ['a/b', '..', 'x\ny', '~']) assert.ok(!/[/\u0000-\u001f~]/.test(safeNameComponent(name)), name);
});

test('a 10 kB name is cut to the byte limit and stays distinct from a name sharing its start', () => {
  const long = 'm'.repeat(10_000);
  const other = `${'m'.repeat(9_999)}n`;
  const a = safeNameComponent(long);
  const b = safeNameComponent(other);
  assert.ok(Buffer.byteLength(a) <= 150, `${Buffer.byteLength(a)} bytes`);
  assert.match(a, /^m+~[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  const multibyte = safeNameComponent('é/'.repeat(5_000));
  assert.ok(Buffer.byteLength(multibyte) <= 150);
  assert.doesNotMatch(multibyte, /%[0-9A-F]?~/, 'cut inside an escape');
});
