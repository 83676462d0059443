/** The local channel over real Unix sockets: the Node client, the server, and what a broken client gets. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isUserError } from '@prov4ml/prov-core';
import {
  ChannelRequestError,
  connectChannel,
  decodeAgentReply,
  decodeClientMessage,
  decodeColumn,
  encodeClientMessage,
  encodeColumn,
  MAX_CHANNEL_FRAME_BYTES,
  MAX_LOGGED_DROPS_PER_CONNECTION,
  startChannelServer,
  type ChannelRecord,
} from '../src/channel/index.js';
import { useRecordingServer, waitFor } from './channel-recorder.js';

const AGENT_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('metric columns', () => {
  it('round-trip every float64, NaN, ±Infinity and -0 included', () => {
    const column = Float64Array.of(0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, Number.MAX_VALUE);
    const decoded = decodeColumn(encodeColumn(column));
    assert.deepEqual(decoded, column);
    assert.ok(Object.is(decoded[1], -0));
  });

  it('are little-endian float64 (what Python writes with array("d").tobytes())', () => {
    assert.equal(encodeColumn(Float64Array.of(1)), Buffer.from([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]).toString('base64'));
  });

  it('decode at any length, whatever offset the decoded bytes land at', () => {
    for (let n = 0; n < 40; n++) {
      const column = Float64Array.from({ length: n }, (_, i) => i * 1.25 - 7);
      assert.deepEqual(decodeColumn(encodeColumn(column)), column);
    }
  });

  it('carry a dense loop\'s steps and timestamps as runs, checked against the values like any column', () => {
    const n = 10_000;
    const series = {
      name: 'loss',
      context: 'TRAINING',
      source: 'metric',
      unit: '',
      steps: Float64Array.from({ length: n }, (_, i) => 100 + i),
      values: Float64Array.from({ length: n }, (_, i) => Math.sin(i)),
      timestamps: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + Math.floor(i / 3000)),
    };
    const text = encodeClientMessage({ t: 'records', records: [{ kind: 'metrics', series: [series] }] });
    const wire = JSON.parse(text) as { records: [{ series: [{ steps: unknown; timestamps: unknown }] }] };
    assert.deepEqual(Object.keys(wire.records[0].series[0].steps as object), ['runs']);
    assert.deepEqual(Object.keys(wire.records[0].series[0].timestamps as object), ['runs']);
    // Values are 8 bytes a point, base64: runs leave little else.
    assert.ok(text.length < n * 8 * 1.4, `${text.length} characters for ${n} points`);
    const decoded = decodeClientMessage(JSON.parse(text));
    assert.ok(decoded.ok && decoded.message.t === 'records');
    const [record] = decoded.message.records;
    assert.ok(record?.kind === 'metrics');
    assert.deepEqual(record.series[0]!.steps, series.steps);
    assert.deepEqual(record.series[0]!.values, series.values);
    assert.deepEqual(record.series[0]!.timestamps, series.timestamps);
    // Runs claiming more points than the values are dropped, naming the column.
    wire.records[0].series[0].steps = { runs: encodeColumn(Float64Array.of(0, 1, 1e9)) };
    const refused = decodeClientMessage(wire);
    assert.ok(!refused.ok && /series\[0\]\.steps has runs of more than/.test(refused.reason), JSON.stringify(refused));
    wire.records[0].series[0].steps = { runs: 17 };
    const malformed = decodeClientMessage(wire);
    assert.ok(!malformed.ok && /steps is neither a base64 string nor/.test(malformed.reason), JSON.stringify(malformed));
  });

  it('refuse text that is not base64 of whole float64 values', () => {
    assert.throws(() => decodeColumn('abc'), /not base64/);
    assert.throws(() => decodeColumn('AAAA!AAA'), /not base64/);
    assert.throws(() => decodeColumn(Buffer.alloc(7).toString('base64')), /7 bytes/);
  });
});

describe('messages of the newest API (issue 12)', () => {
  const decode = (raw: Record<string, unknown>) => decodeClientMessage(raw);
  const refusal = (raw: Record<string, unknown>): string => {
    const check = decode(raw);
    assert.ok(!check.ok && !check.fatal, JSON.stringify(check));
    return check.reason;
  };
  const startRun = { t: 'start_run', id: 3, provUserNamespace: null, experimentName: 'e', provenanceSaveDir: null, collectAllProcesses: null, saveAfterNLogs: null, rank: null };
  const artifact = { t: 'artifact', id: 4, path: '/data/in.csv', name: null, context: 'TRAINING', step: null, timestamp: null, role: 'artifact' };

  it('decode an older client\'s start_run, artifact and end_run exactly as before (no new keys)', () => {
    assert.deepEqual(decode(startRun), { ok: true, message: startRun });
    assert.deepEqual(decode(artifact), { ok: true, message: artifact });
    assert.deepEqual(decode({ t: 'end_run', id: 5, createGraph: true, createSvg: false }), { ok: true, message: { t: 'end_run', id: 5, createGraph: true, createSvg: false } });
  });

  it('carry start_run\'s new options, null where unset', () => {
    const full = { ...startRun, disableCodecarbon: true, csvSeparator: ';', metricsFileType: 'csv', runId: 7 };
    assert.deepEqual(decode(full), { ok: true, message: full });
    const tab = { ...startRun, csvSeparator: '\t', disableCodecarbon: null, metricsFileType: null, runId: null };
    assert.deepEqual(decode(tab), { ok: true, message: tab });
  });

  it('refuse a bad start_run option in one line naming it', () => {
    assert.equal(refusal({ ...startRun, csvSeparator: ';;' }), 'start_run: csvSeparator has 2 characters, allowed 1..1');
    assert.equal(refusal({ ...startRun, csvSeparator: '' }), 'start_run: csvSeparator has 0 characters, allowed 1..1');
    for (const bad of ['1', '.', '-', '+', 'e', 'N', '"', "'"]) {
      assert.match(refusal({ ...startRun, csvSeparator: bad }), /^start_run: csvSeparator is ".*", which can occur inside a cell/, JSON.stringify(bad));
    }
    for (const bad of ['\n', '\r', '\u0000', '\u00a6']) {
      assert.match(refusal({ ...startRun, csvSeparator: bad }), /^start_run: csvSeparator is ".*": only a tab or a printable ASCII character separates cells$/, JSON.stringify(bad));
    }
    assert.equal(refusal({ ...startRun, disableCodecarbon: 'yes' }), 'start_run: disableCodecarbon is not a boolean');
    assert.equal(refusal({ ...startRun, metricsFileType: 'netcdf' }), 'start_run: metricsFileType is not one of csv');
    assert.equal(refusal({ ...startRun, runId: -1 }), 'start_run: runId is not an integer ≥ 0');
    assert.equal(refusal({ ...startRun, runId: 1.5 }), 'start_run: runId is not an integer ≥ 0');
  });

  it('carry the artifact\'s input, copy, subdirectory and model flags, and the source_code role', () => {
    const full = { ...artifact, role: 'source_code', isInput: true, copy: false, subdirectory: 'inputs/raw', isModel: false };
    assert.deepEqual(decode(full), { ok: true, message: full });
    assert.equal(refusal({ ...artifact, isInput: 1 }), 'artifact: isInput is not a boolean');
    assert.equal(refusal({ ...artifact, copy: 'no' }), 'artifact: copy is not a boolean');
    assert.equal(refusal({ ...artifact, isModel: 0 }), 'artifact: isModel is not a boolean');
    assert.equal(refusal({ ...artifact, role: 'dataset' }), 'artifact: role is not one of artifact, model_version, model_version_final, source_code');
    for (const bad of ['/abs', '../up', 'a/../b', 'a//b', 'a/./b', 'back\\slash', 'nul\u0000']) {
      assert.match(refusal({ ...artifact, subdirectory: bad }), /^artifact: subdirectory ".*" is not a relative directory of plain names$/, bad);
    }
  });

  it('carry end_run\'s crateRoCrate and the documents request', () => {
    const end = { t: 'end_run', id: 5, createGraph: false, createSvg: false, crateRoCrate: true };
    assert.deepEqual(decode(end), { ok: true, message: end });
    assert.equal(refusal({ ...end, crateRoCrate: 'x' }), 'end_run: crateRoCrate is not a boolean');
    assert.deepEqual(decode({ ...end, zipRunDir: true }), { ok: true, message: { ...end, zipRunDir: true } });
    assert.equal(refusal({ ...end, zipRunDir: 1 }), 'end_run: zipRunDir is not a boolean');
    const documents = { t: 'documents', id: 6, createGraph: true, createSvg: false };
    assert.deepEqual(decode(documents), { ok: true, message: documents });
    assert.equal(refusal({ t: 'documents', id: 6, createGraph: true }), 'documents: createSvg is not a boolean');
  });

  it('carry params with context, source and direction, contexts with their parent, and source code records', () => {
    const records = [
      { kind: 'param', time: 1, name: 'lr', value: 0.1, context: 'TRAINING', source: 'config.yaml', isInput: true },
      { kind: 'param', time: 1, name: 'acc', value: 0.9, context: null, source: null, isInput: false },
      { kind: 'context', time: 2, name: 'FINETUNE', parent: 'TRAINING', sourceOfData: '/data/ft' },
      { kind: 'context', time: 2, name: 'PRETRAIN', parent: null, sourceOfData: null },
      { kind: 'source_code', time: 3, path: '/home/u/proj', gitCommit: 'a'.repeat(40), gitRemote: 'git@example.org:u/proj.git', gitBranch: 'main' },
      { kind: 'source_code', time: 3, path: null, gitCommit: null, gitRemote: null, gitBranch: null },
    ];
    assert.deepEqual(decode({ t: 'records', records }), { ok: true, message: { t: 'records', records } });
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...records[0], context: '../x' }, /records\[0\]\.context is not a valid context name/],
      [{ ...records[0], isInput: 'yes' }, /records\[0\]\.isInput is not a boolean/],
      [{ ...records[2], name: 'bad name' }, /records\[0\]\.name is not a valid context name/],
      [{ ...records[2], parent: 5 }, /records\[0\]\.parent is not a string/],
      [{ ...records[4], gitCommit: '' }, /records\[0\]\.gitCommit has 0 characters/],
    ];
    for (const [record, reason] of bad) assert.match(refusal({ t: 'records', records: [record] }), reason);
  });

  it('decode the started and documents replies a Node client gets', () => {
    const started = { t: 'started', id: 1, rank: 1, worldSize: 2, runDir: '/r/e_3', collectAllProcesses: true, saveAfterNLogs: 9, experimentName: 'e', runId: 3, artifactsDir: '/r/e_3/artifacts/GR1' };
    assert.deepEqual(decodeAgentReply(started), started);
    assert.equal(decodeAgentReply({ ...started, runId: undefined }), null);
    const documents = { t: 'documents', id: 2, json: '/r/e_3/prov_e_GR1.json', dot: null, svg: null };
    assert.deepEqual(decodeAgentReply(documents), documents);
    assert.equal(decodeAgentReply({ ...documents, json: null }), null);
  });
});

describe('channel server and Node client', () => {
  const server = useRecordingServer('prov4ml-channel-');

  it('makes the socket private to the user', () => {
    assert.equal(statSync(server().path).mode & 0o777, 0o600);
  });

  it('says hello, answers requests by id and decodes records to the agent form', async () => {
    const client = await connectChannel(server().path);
    const started = await client.request({
      t: 'start_run',
      provUserNamespace: 'ns',
      experimentName: 'node_client',
      provenanceSaveDir: null,
      collectAllProcesses: null,
      saveAfterNLogs: 5,
      rank: null,
    });
    assert.deepEqual(started, {
      t: 'started',
      id: 1,
      rank: 0,
      worldSize: 4,
      runDir: server().directory,
      collectAllProcesses: false,
      saveAfterNLogs: 5,
      experimentName: 'node_client',
      runId: 0,
      artifactsDir: join(server().directory, 'artifacts', 'GR0'),
    });
    const records: ChannelRecord[] = [
      { kind: 'param', time: 1, name: 'lr', value: 0.1 },
      {
        kind: 'metrics',
        series: [
          {
            name: 'loss',
            context: 'TRAINING',
            source: 'metric',
            unit: '',
            steps: Float64Array.of(0, 1, 2),
            values: Float64Array.of(0.5, Number.NaN, Number.NEGATIVE_INFINITY),
            timestamps: Float64Array.of(10, 11, 12),
          },
        ],
      },
      { kind: 'final_metric', time: 2, name: 'loss', operation: 'MIN', initialValue: Number.POSITIVE_INFINITY, value: Number.NaN, count: 3 },
    ];
    client.send({ t: 'records', records });
    await client.request({ t: 'flush' });
    await client.close();
    await waitFor('the disconnect', () => server().experiment('node_client')[0]?.disconnected === true);

    const [connection] = server().experiment('node_client');
    assert.deepEqual(connection?.messages[0], { t: 'hello', pid: process.pid, lang: 'node', version: AGENT_VERSION });
    assert.deepEqual(connection.info, { id: connection.info.id, pid: process.pid, lang: 'node', version: AGENT_VERSION });
    assert.deepEqual(connection.messages[2], { t: 'records', records });
    assert.deepEqual(
      connection.messages.map((m) => m.t),
      ['hello', 'start_run', 'records', 'flush'],
    );
  });

  it('rejects a request the agent refuses with its message', async () => {
    const client = await connectChannel(server().path);
    const refused = client.request({ t: 'artifact', path: '/tmp/refuse.bin', name: null, context: 'TRAINING', step: null, timestamp: null, role: 'artifact' });
    await assert.rejects(refused, (error: unknown) => error instanceof ChannelRequestError && error.message === 'refused by the test' && error.request === 'artifact');
    await client.close();
  });

  it('rejects waiting requests when the agent goes away, and refuses to connect to nothing', async () => {
    const path = join(server().directory, 'silent.sock');
    const silent = await startChannelServer({ path, handler: { onMessage() {} }, log: () => {} });
    const client = await connectChannel(path);
    const waiting = client.request({ t: 'flush' });
    await silent.close();
    await assert.rejects(waiting, /is closed|failed/);
    assert.throws(() => client.send({ t: 'sample', kind: 'system', context: 'TRAINING', step: 0 }), /closed|failed/);
    await assert.rejects(connectChannel(path), (error: unknown) => isUserError(error) && error.message.includes(path));
  });

  it('serves clients side by side, each with its own replies', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => connectChannel(server().path)));
    const replies = await Promise.all(clients.map((client) => Promise.all([client.request({ t: 'flush' }), client.request({ t: 'flush' })])));
    assert.deepEqual(replies, clients.map(() => [{ t: 'ok', id: 1 }, { t: 'ok', id: 2 }]));
    await Promise.all(clients.map((client) => client.close()));
  });
});

describe('channel server facing a broken client', () => {
  const server = useRecordingServer('prov4ml-channel-bad-');

  const closes: Array<[string, Buffer, RegExp]> = [
    ['a length over the frame limit', header(MAX_CHANNEL_FRAME_BYTES + 1), /exceeds the limit/],
    ['bytes that are not UTF-8', frame(Buffer.from([0x7b, 0xff, 0x7d])), /not UTF-8 JSON/],
    ['text that is not JSON', frame('{"t":'), /not UTF-8 JSON/],
    ['JSON that is not an object', frame('[1,2]'), /not a JSON object/],
    ['an unknown message type', frame('{"t":"shutdown_everything"}'), /unknown message type "shutdown_everything"/],
  ];
  for (const [what, bytes, reason] of closes) {
    it(`closes a connection that sends ${what}, and keeps serving others`, async () => {
      const logsBefore = server().logs.length;
      const socket = await rawConnection(server().path);
      socket.write(bytes);
      await new Promise((resolve) => socket.once('close', resolve));
      assert.match(server().logs.slice(logsBefore).join('\n'), reason);
      const client = await connectChannel(server().path);
      assert.deepEqual(await client.request({ t: 'flush' }), { t: 'ok', id: 1 });
      await client.close();
    });
  }

  it('drops a message with a bad field, answers its id with an error, and keeps the connection', async () => {
    const socket = await rawConnection(server().path);
    const replies = collectReplies(socket);
    socket.write(frame({ t: 'start_run', id: 7, rank: -1 }));
    socket.write(frame({ t: 'records', records: [{ kind: 'run_start', time: 1 }] }));
    socket.write(frame({ t: 'records', records: [metricsRecord({ values: 'AAAA!AAA' })] }));
    socket.write(frame({ t: 'records', records: [metricsRecord({ values: encodeColumn(Float64Array.of(1, 2)) })] }));
    socket.write(frame({ t: 'records', records: [metricsRecord({ context: '../etc' })] }));
    socket.write(frame({ t: 'flush', id: 8 }));
    await waitFor('two replies', () => replies.length === 2);
    assert.equal(replies[0]?.id, 7);
    assert.equal(replies[0]?.t, 'error');
    assert.match(String(replies[0]?.message), /start_run: rank is not an integer ≥ 0/);
    assert.deepEqual(replies[1], { t: 'ok', id: 8 });
    const log = server().logs.join('\n');
    assert.match(log, /kind "run_start" cannot come from a program/);
    assert.match(log, /values is not base64/);
    assert.match(log, /series\[0\]\.steps has 1 points, not 2/);
    assert.match(log, /not a valid context name/);
    socket.destroy();
  });

  it('stops logging drops of one connection after a bound', async () => {
    const logsBefore = server().logs.length;
    const socket = await rawConnection(server().path);
    const replies = collectReplies(socket);
    for (let i = 0; i < MAX_LOGGED_DROPS_PER_CONNECTION + 5; i++) socket.write(frame({ t: 'sample', kind: 'nothing', context: 'TRAINING', step: 0 }));
    socket.write(frame({ t: 'flush', id: 1 }));
    await waitFor('the flush reply', () => replies.length === 1);
    assert.equal(server().logs.length - logsBefore, MAX_LOGGED_DROPS_PER_CONNECTION);
    socket.destroy();
  });

  it('reassembles frames that arrive a byte at a time', async () => {
    const socket = await rawConnection(server().path);
    const replies = collectReplies(socket);
    const bytes = Buffer.concat([frame({ t: 'flush', id: 1 }), frame({ t: 'flush', id: 2 })]);
    for (const byte of bytes) socket.write(Buffer.of(byte));
    await waitFor('both replies', () => replies.length === 2);
    assert.deepEqual(replies, [{ t: 'ok', id: 1 }, { t: 'ok', id: 2 }]);
    socket.destroy();
  });

  it('closes a connection that never reads its replies once they pass the backlog bound', async () => {
    const logsBefore = server().logs.length;
    const socket = await rawConnection(server().path);
    const request = frame({ t: 'flush', id: 1 });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    for (let i = 0; i < 150_000 && !socket.destroyed; i++) socket.write(request);
    await closed;
    assert.match(server().logs.slice(logsBefore).join('\n'), /bytes of replies unread/);
  });

  it('survives a handler that throws, answering the request with an error', async () => {
    const path = join(server().directory, 'throwing.sock');
    const logs: string[] = [];
    const throwing = await startChannelServer({
      path,
      log: (line) => logs.push(line),
      handler: {
        onMessage(message) {
          if (message.t === 'flush') throw new Error('agent bug');
        },
      },
    });
    const client = await connectChannel(path);
    await assert.rejects(client.request({ t: 'flush' }), /prov4ml agent failed on flush/);
    await assert.rejects(client.request({ t: 'flush' }), /prov4ml agent failed on flush/);
    assert.match(logs.join('\n'), /failed on a flush message: agent bug/);
    await client.close();
    await throwing.close();
  });
});

describe('channel socket path', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'prov4ml-channel-path-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('replaces the socket file of a dead agent, and refuses one a live agent listens on', async () => {
    const path = join(directory, 'agent.sock');
    const dead = spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    assert.equal(dead.status, 0);
    assert.ok(statSync(path).isSocket(), 'a stale socket file is left behind');
    const server = await startChannelServer({ path, handler: { onMessage() {} }, log: () => {} });
    await assert.rejects(
      startChannelServer({ path, handler: { onMessage() {} }, log: () => {} }),
      (error: unknown) => isUserError(error) && error.message === `channel socket ${path} is already in use by another agent`,
    );
    await server.close();
  });

  it('refuses a path longer than a Unix socket allows, naming it', async () => {
    const path = join(directory, 'x'.repeat(120));
    await assert.rejects(startChannelServer({ path, handler: { onMessage() {} } }), (error: unknown) => isUserError(error) && error.message.includes(path));
  });
});

function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(length);
  return bytes;
}

function frame(payload: string | Buffer | object): Buffer {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return Buffer.concat([header(bytes.length), bytes]);
}

function metricsRecord(overrides: Record<string, string>): Record<string, unknown> {
  const one = encodeColumn(Float64Array.of(1));
  return { kind: 'metrics', series: [{ name: 'loss', context: 'TRAINING', source: 'metric', unit: '', steps: one, values: one, timestamps: one, ...overrides }] };
}

function rawConnection(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Decoded replies, in order, as they arrive on a raw connection. */
function collectReplies(socket: Socket): Array<Record<string, unknown>> {
  const replies: Array<Record<string, unknown>> = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
      const length = pending.readUInt32LE(0);
      replies.push(JSON.parse(pending.subarray(4, 4 + length).toString()) as Record<string, unknown>);
      pending = pending.subarray(4 + length);
    }
  });
  return replies;
}

