import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isUserError, Z85_KEY } from '@prov4ml/prov-core';
import { resolveRunOptions } from '../src/config/options.js';
import { RUN_DIR_KEY_DIR, SERVER_PUBLIC_KEY_FILE, SERVER_SECRET_KEY_FILE } from '@prov4ml/prov-core';
import { curveKeyDir, loadOrCreateServerKeys, waitForServerPublicKey } from '../src/rank/curve-keys.js';
import { assertUserError } from './support/user-error.js';

function temporaryDir(): string {
  return mkdtempSync(join(tmpdir(), 'prov4ml-keys-'));
}

function permissions(path: string): number {
  return statSync(path).mode & 0o777;
}

test('the server key pair is written private to its owner (files 0600, directory 0700) in the run directory, and found again there', async () => {
  const runDir = temporaryDir();
  const keyDir = curveKeyDir('tcp://0.0.0.0:0', { insecure: false, keyDir: null }, runDir)!;
  assert.equal(keyDir, join(runDir, RUN_DIR_KEY_DIR));
  const pair = await loadOrCreateServerKeys(keyDir);
  assert.match(pair.publicKey, Z85_KEY);
  assert.match(pair.secretKey, Z85_KEY);
  assert.notEqual(pair.publicKey, pair.secretKey);
  assert.equal(permissions(join(keyDir, SERVER_PUBLIC_KEY_FILE)), 0o600);
  assert.equal(permissions(join(keyDir, SERVER_SECRET_KEY_FILE)), 0o600);
  assert.equal(permissions(keyDir), 0o700);
  assert.equal(readFileSync(join(keyDir, SERVER_PUBLIC_KEY_FILE), 'utf8'), `${pair.publicKey}\n`);
  assert.deepEqual(await loadOrCreateServerKeys(keyDir), pair, 'a restarted aggregator keeps the key its ranks hold');
  assert.equal(await waitForServerPublicKey(keyDir, 1_000, () => false), pair.publicKey);
});

test('processes making the key pair at once all end up with the same one', async () => {
  const keyDir = join(temporaryDir(), 'keys');
  const pairs = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateServerKeys(keyDir)));
  for (const pair of pairs) assert.deepEqual(pair, pairs[0]);
  assert.equal(readFileSync(join(keyDir, SERVER_PUBLIC_KEY_FILE), 'utf8'), `${pairs[0]!.publicKey}\n`);
});

test('a rank waits for the public key the aggregator writes later; without one it gives up naming the file and PROV4ML_KEY_DIR', async () => {
  const keyDir = temporaryDir();
  const later = new Promise((resolve) => setTimeout(resolve, 300)).then(() => loadOrCreateServerKeys(keyDir));
  const [publicKey, pair] = await Promise.all([waitForServerPublicKey(keyDir, 10_000, () => false), later]);
  assert.equal(publicKey, pair.publicKey);
  const empty = temporaryDir();
  await assert.rejects(waitForServerPublicKey(empty, 200, () => false), (error: Error) => {
    assert.ok(error.message.includes(join(empty, SERVER_PUBLIC_KEY_FILE)) && error.message.includes('PROV4ML_KEY_DIR'), error.message);
    return true;
  });
});

test('a key file others can read, or one that holds no key, is a UserError naming it', async () => {
  const keyDir = temporaryDir();
  await loadOrCreateServerKeys(keyDir);
  const publicPath = join(keyDir, SERVER_PUBLIC_KEY_FILE);
  chmodSync(publicPath, 0o644);
  await assert.rejects(waitForServerPublicKey(keyDir, 1_000, () => false), (error: unknown) => {
    assert.ok(isUserError(error) && error.message.includes(publicPath) && error.message.includes('644'), String(error));
    return true;
  });
  const secretPath = join(keyDir, SERVER_SECRET_KEY_FILE);
  writeFileSync(secretPath, 'not a key\n', { mode: 0o600 });
  await assert.rejects(loadOrCreateServerKeys(keyDir), (error: unknown) => {
    assert.ok(isUserError(error) && error.message.includes(secretPath) && !error.message.includes('\n'), String(error));
    return true;
  });
});

test('CURVE is on off loopback or with PROV4ML_KEY_DIR, off on loopback or with PROV4ML_INSECURE', () => {
  const runDir = '/shared/prov/exp_0';
  const cases: [string, { insecure: boolean; keyDir: string | null }, string | null][] = [
    ['tcp://127.0.0.1:0', { insecure: false, keyDir: null }, null],
    ['tcp://localhost:5000', { insecure: false, keyDir: null }, null],
    ['ipc:///tmp/agg.sock', { insecure: false, keyDir: null }, null],
    ['tcp://0.0.0.0:0', { insecure: false, keyDir: null }, join(runDir, RUN_DIR_KEY_DIR)],
    ['tcp://10.1.2.3:5000', { insecure: false, keyDir: null }, join(runDir, RUN_DIR_KEY_DIR)],
    ['tcp://127.0.0.1:0', { insecure: false, keyDir: '/home/alice/keys' }, '/home/alice/keys'],
    ['tcp://0.0.0.0:0', { insecure: false, keyDir: '/home/alice/keys' }, '/home/alice/keys'],
    ['tcp://0.0.0.0:0', { insecure: true, keyDir: '/home/alice/keys' }, null],
    ['tcp://node01:5000', { insecure: true, keyDir: null }, null],
  ];
  for (const [endpoint, transport, expected] of cases) assert.equal(curveKeyDir(endpoint, transport, runDir), expected, `${endpoint} ${JSON.stringify(transport)}`);
  assertUserError(() => curveKeyDir('tcp://0.0.0.0:41000', { insecure: false, keyDir: null }, null), 'PROV4ML_KEY_DIR', 'tcp://0.0.0.0:41000', 'PROV4ML_INSECURE=1');
});

test('a stand-alone aggregator off loopback needs PROV4ML_KEY_DIR on every rank: without it (or PROV4ML_INSECURE) the options are a UserError naming it', () => {
  assertUserError(() => resolveRunOptions({}, { PROV4ML_AGGREGATOR: 'tcp://login1:41000' }), 'PROV4ML_KEY_DIR', 'PROV4ML_AGGREGATOR', 'tcp://login1:41000');
  assertUserError(() => resolveRunOptions({ aggregator: 'tcp://login1:41000' }, {}), 'PROV4ML_KEY_DIR', 'aggregator tcp://login1:41000');
  assert.equal(resolveRunOptions({}, { PROV4ML_AGGREGATOR: 'tcp://login1:41000', PROV4ML_KEY_DIR: '/home/alice/keys' }).keyDir, '/home/alice/keys');
  assert.equal(resolveRunOptions({}, { PROV4ML_AGGREGATOR: 'tcp://login1:41000', PROV4ML_INSECURE: '1' }).insecure, true);
  assert.equal(resolveRunOptions({}, { PROV4ML_AGGREGATOR: 'tcp://127.0.0.1:41000' }).keyDir, null, 'loopback needs no key');
});
