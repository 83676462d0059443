import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ackEndpointFor, curveRequired, IPC_ACK_SUFFIX, MAX_IPC_PATH_BYTES, ZmqEndpoint } from '../src/index.js';

test('connect endpoints: parsed, and formatted back to the same text', () => {
  for (const text of ['tcp://node01:5555', 'tcp://10.1.2.3:1', 'tcp://[::1]:65534', 'tcp://gpu-01.cluster.example.org:24000', 'ipc:///tmp/x.sock']) {
    const endpoint = ZmqEndpoint.parse(text);
    assert.ok(endpoint !== null, text);
    assert.equal(endpoint.toString(), text);
  }
  const tcp = ZmqEndpoint.parse('tcp://node01:5555')!;
  assert.deepEqual([tcp.transport, tcp.host, tcp.port, tcp.path], ['tcp', 'node01', 5555, '']);
  const ipc = ZmqEndpoint.parse('ipc:///run/prov4ml/relay.sock')!;
  assert.deepEqual([ipc.transport, ipc.host, ipc.port, ipc.path], ['ipc', '', null, '/run/prov4ml/relay.sock']);
});

test('the host * and an ephemeral port only for a bind', () => {
  for (const text of ['tcp://*:5555', 'tcp://*:0', 'tcp://127.0.0.1:0', 'tcp://127.0.0.1:*']) {
    assert.equal(ZmqEndpoint.parse(text), null, `connect ${text}`);
    assert.ok(ZmqEndpoint.parse(text, 'bind') !== null, `bind ${text}`);
  }
  assert.equal(ZmqEndpoint.parse('tcp://[::]:5555', 'bind')!.wildcard, true);
  const ephemeral = ZmqEndpoint.parse('tcp://0.0.0.0:0', 'bind')!;
  assert.equal(ephemeral.ephemeral, true);
  assert.equal(ephemeral.wildcard, true);
  assert.equal(ephemeral.toString(), 'tcp://0.0.0.0:*');
  assert.equal(ephemeral.withPort(41000).toString(), 'tcp://0.0.0.0:41000');
  assert.equal(ephemeral.withPort(41000).withHost('node01').toString(), 'tcp://node01:41000');
  assert.equal(ZmqEndpoint.parse('tcp://node01:65535', 'bind'), null, 'the ack port would be 65536');
});

test('the ack endpoint: tcp port + 1, ipc path + .ack; both sides derive the same', () => {
  assert.equal(ackEndpointFor('tcp://node01:41000'), 'tcp://node01:41001');
  assert.equal(ackEndpointFor('tcp://[::1]:65534'), 'tcp://[::1]:65535');
  assert.equal(ackEndpointFor('ipc:///tmp/agg.sock'), `ipc:///tmp/agg.sock${IPC_ACK_SUFFIX}`);
  assert.throws(() => ackEndpointFor('udp://node01:1'), /cannot derive the ack endpoint of udp:\/\/node01:1/);
  assert.throws(() => ZmqEndpoint.parse('tcp://*:*', 'bind')!.ackEndpoint(), /known only once it is bound/);
  // The longest ipc path still leaves its ack socket inside a Unix socket address (107 bytes).
  const longest = `/${'a'.repeat(MAX_IPC_PATH_BYTES - 1)}`;
  assert.equal(Buffer.byteLength(ZmqEndpoint.parse(`ipc://${longest}`)!.ackEndpoint().path), 107);
  assert.equal(ZmqEndpoint.parse(`ipc://${longest}a`), null);
});

test('tcp endpoints are built with an IPv6 literal in brackets', () => {
  assert.equal(ZmqEndpoint.tcp('fe80::1', 5555).toString(), 'tcp://[fe80::1]:5555');
  assert.equal(ZmqEndpoint.tcp('[fe80::1]', 5555).toString(), 'tcp://[fe80::1]:5555');
  assert.equal(ZmqEndpoint.tcp('node01', 0).ephemeral, true);
});

test('CURVE is required off loopback, ipc is loopback', () => {
  assert.equal(curveRequired({ endpoint: 'ipc:///tmp/agg.sock', keyDir: null, insecure: false }), false);
  assert.equal(curveRequired({ endpoint: 'tcp://node01:5555', keyDir: null, insecure: false }), true);
  assert.equal(curveRequired({ endpoint: 'tcp://127.0.0.1:5555', keyDir: '/keys', insecure: false }), true);
  assert.equal(curveRequired({ endpoint: 'tcp://node01:5555', keyDir: null, insecure: true }), false);
});
