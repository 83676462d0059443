import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import {
  decodeAck,
  decodeEnvelope,
  encodeAck,
  encodeEnvelope,
  encodeFrame,
  framedLength,
  MAX_FRAME_BYTES,
  MAX_NESTING_DEPTH,
  PROTOCOL_VERSION,
  readFrames,
  type Envelope,
} from '@prov4ml/prov-core';

const plainPackr = new Packr({ useRecords: false, moreTypes: true });

function sampleEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: PROTOCOL_VERSION,
    job: 'local-1234',
    rank: 1,
    worldSize: 4,
    sender: 'abc123',
    seq: 7,
    sent: 1_700_000_000_000,
    runDir: '/tmp/save/exp_0',
    records: [
      { kind: 'param', time: 1, name: 'lr', value: 0.01 },
      {
        kind: 'metrics',
        series: [
          {
            name: 'loss',
            context: 'TRAINING',
            source: 'metric',
            unit: '',
            steps: new Float64Array([0, 1, 2]),
            values: new Float64Array([1.5, Number.NaN, Number.NEGATIVE_INFINITY]),
            timestamps: new Float64Array([10, 11, 12]),
          },
        ],
      },
      { kind: 'run_end', time: 5, exitCode: 0, signal: null, clean: true, createGraph: false, createSvg: false, counts: { metrics: 3 } },
    ],
    ...overrides,
  };
}

function causeOf(bytes: Uint8Array): string {
  const result = decodeEnvelope(bytes);
  return result.ok ? 'ok' : result.cause;
}

test('an envelope round-trips, typed arrays come back as Float64Array with NaN and -Infinity intact', () => {
  const result = decodeEnvelope(encodeEnvelope(sampleEnvelope()));
  assert.equal(result.ok, true);
  if (!result.ok) return;
  const metrics = result.envelope.records[1];
  assert.equal(metrics?.kind, 'metrics');
  if (metrics?.kind !== 'metrics') return;
  const series = metrics.series[0]!;
  assert.ok(series.values instanceof Float64Array);
  assert.deepEqual([...series.steps], [0, 1, 2]);
  assert.equal(series.values[0], 1.5);
  assert.ok(Number.isNaN(series.values[1]));
  assert.equal(series.values[2], Number.NEGATIVE_INFINITY);
  assert.deepEqual(result.envelope.records[0], { kind: 'param', time: 1, name: 'lr', value: 0.01 });
});

test('each kind of bad envelope is dropped with its own cause', () => {
  assert.equal(causeOf(encodeEnvelope(sampleEnvelope({ v: PROTOCOL_VERSION + 1 }))), 'wrong_version');
  assert.equal(causeOf(encodeEnvelope(sampleEnvelope({ rank: 4 }))), 'rank_out_of_range');
  assert.equal(causeOf(encodeEnvelope(sampleEnvelope({ sender: 'no spaces allowed' }))), 'wrong_shape');
  assert.equal(causeOf(encodeEnvelope(sampleEnvelope({ runDir: 'relative/dir' }))), 'wrong_shape');
  assert.equal(causeOf(plainPackr.pack({ ...sampleEnvelope(), records: [{ kind: 'telepathy' }] })), 'unknown_kind');
  assert.equal(causeOf(plainPackr.pack([1, 2, 3])), 'wrong_shape');
  assert.equal(causeOf(plainPackr.pack({ hello: 'world' })), 'wrong_shape');
  const uneven = sampleEnvelope();
  const batch = (uneven.records[1] as { series: { values: Float64Array }[] }).series[0]!;
  batch.values = new Float64Array(2);
  assert.equal(causeOf(encodeEnvelope(uneven)), 'wrong_shape');
  const badContext = sampleEnvelope();
  (badContext.records[1] as { series: { context: string }[] }).series[0]!.context = '../etc';
  assert.equal(causeOf(encodeEnvelope(badContext)), 'wrong_shape');
  const fractionalStep = sampleEnvelope();
  (fractionalStep.records[1] as { series: { steps: Float64Array }[] }).series[0]!.steps = new Float64Array([0, 0.5, 1]);
  assert.equal(causeOf(encodeEnvelope(fractionalStep)), 'wrong_shape');
});

test('hostile bytes are refused before decoding: claimed lengths, nesting, extensions, size', () => {
  // An array header claiming 2^32-1 elements, followed by almost nothing.
  assert.equal(causeOf(Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])), 'bad_length');
  // A map of a billion entries.
  assert.equal(causeOf(Uint8Array.from([0xdf, 0x3b, 0x9a, 0xca, 0x00, 0xa1, 0x61])), 'bad_length');
  // A str32 claiming 4 GB.
  assert.equal(causeOf(Uint8Array.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61])), 'string_too_long');
  // 100k nested one-element arrays: would overflow a recursive decoder's stack.
  const deep = new Uint8Array(100_001).fill(0x91);
  deep[100_000] = 0x01;
  assert.equal(causeOf(deep), 'too_deep');
  const justDeepEnough = new Uint8Array(MAX_NESTING_DEPTH + 1).fill(0x91);
  justDeepEnough[MAX_NESTING_DEPTH] = 0x01;
  assert.equal(causeOf(justDeepEnough), 'wrong_shape');
  // msgpackr extensions that build objects (Error, RegExp, Set) and binary blobs.
  assert.equal(causeOf(plainPackr.pack({ v: 1, x: new Set([1]) })), 'unsupported_type');
  assert.equal(causeOf(Uint8Array.from([0xc4, 0x01, 0x00])), 'unsupported_type');
  assert.equal(causeOf(Uint8Array.from([0xc1])), 'unsupported_type');
  assert.equal(causeOf(new Uint8Array(MAX_FRAME_BYTES + 1)), 'oversized');
  assert.equal(causeOf(new Uint8Array(0)), 'malformed');
  assert.equal(causeOf(Uint8Array.from([0x81, 0x01, 0x02])), 'unsupported_type');
  const valid = encodeEnvelope(sampleEnvelope());
  assert.equal(causeOf(Buffer.concat([valid, Buffer.from([0x00])])), 'malformed');
  assert.equal(causeOf(valid.subarray(0, valid.length - 3)), 'bad_length');
});

test('random bytes never throw', () => {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const bytes = new Uint8Array(1 + (random() % 200));
    for (let j = 0; j < bytes.length; j++) bytes[j] = random() & 0xff;
    if (decodeEnvelope(bytes).ok) accepted++;
  }
  assert.equal(accepted, 0);
});

test('every truncation of a valid envelope is refused without throwing', () => {
  const valid = encodeEnvelope(sampleEnvelope());
  for (let length = 0; length < valid.length; length++) assert.notEqual(causeOf(valid.subarray(0, length)), 'ok');
});

test('frames split back into payloads, 8-byte aligned, and stop at a torn tail or a header that does not check', () => {
  const payloads = [Buffer.from('one'), Buffer.alloc(0), Buffer.from('three'), Buffer.from('eight888')];
  const joined = Buffer.concat(payloads.map(encodeFrame));
  // Each frame: 8-byte header + payload padded to a multiple of 8.
  assert.equal(joined.length, (8 + 8) + 8 + (8 + 8) + (8 + 8));
  const whole = readFrames(joined);
  assert.deepEqual(whole.frames.map((f) => Buffer.from(f).toString()), ['one', '', 'three', 'eight888']);
  assert.deepEqual(whole.frames.map((f) => f.byteOffset % 8), [0, 0, 0, 0]);
  assert.equal(whole.consumed, joined.length);
  const torn = readFrames(joined.subarray(0, joined.length - 2));
  assert.equal(torn.frames.length, 3);
  assert.equal(torn.consumed, 16 + 8 + 16);
  // The last frame lacks only its padding: still torn.
  assert.equal(readFrames(encodeFrame(Buffer.from('one')).subarray(0, 11)).frames.length, 0);
  const impossible = Buffer.alloc(8);
  impossible.writeUInt32LE(MAX_FRAME_BYTES + 1, 0);
  impossible.writeUInt32LE(~(MAX_FRAME_BYTES + 1) >>> 0, 4);
  assert.deepEqual(readFrames(impossible), { frames: [], consumed: 0 });
  // Zeros (a file extended but never written) are not a frame of length 0.
  assert.deepEqual(readFrames(Buffer.concat([encodeFrame(Buffer.from('one')), Buffer.alloc(64)])).frames.length, 1);
  assert.equal(framedLength(3), 16);
  assert.equal(framedLength(8), 16);
  assert.equal(framedLength(0), 8);
});

test('acks round-trip and anything else decodes to null', () => {
  assert.deepEqual(decodeAck(encodeAck({ v: PROTOCOL_VERSION, sender: 'abc123', upTo: 42 })), { v: PROTOCOL_VERSION, sender: 'abc123', upTo: 42 });
  assert.equal(decodeAck(encodeAck({ v: PROTOCOL_VERSION + 1, sender: 'abc123', upTo: 42 })), null);
  assert.equal(decodeAck(encodeAck({ v: PROTOCOL_VERSION, sender: 'abc123', upTo: -1 })), null);
  assert.equal(decodeAck(Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff])), null);
  assert.equal(decodeAck(new Uint8Array(0)), null);
});

test('records of the newest API round-trip; their new fields are optional, so records without them decode unchanged', () => {
  const artifact = {
    kind: 'artifact', time: 1, name: 'in.csv', context: 'TRAINING', step: null, originalPath: '/data/in.csv', storedPath: 'artifacts/GR1/in.csv',
    sizeBytes: 3, sha256: 'a'.repeat(64), isDirectory: false, role: 'artifact',
  } as const;
  const records = [
    artifact,
    { ...artifact, isInput: true, copied: true, isModel: false },
    { ...artifact, role: 'source_code', storedPath: null, copied: false, isInput: false, isModel: false },
    { kind: 'run_config', time: 1, provUserNamespace: 'ns', experimentName: 'e', collectAllProcesses: true, saveAfterNLogs: 1, csvSeparator: '\t', disableCodecarbon: true },
    { kind: 'param', time: 1, name: 'lr', value: 0.1, context: 'TRAINING', source: null, isInput: true },
    { kind: 'context', time: 1, name: 'FINETUNE', parent: 'TRAINING', sourceOfData: null },
    { kind: 'source_code', time: 1, path: '/src', gitCommit: null, gitRemote: null, gitBranch: null },
  ] as Envelope['records'];
  const result = decodeEnvelope(encodeEnvelope(sampleEnvelope({ records })));
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.envelope.records, records);
  const refused = (record: object) => decodeEnvelope(plainPackr.pack({ ...sampleEnvelope(), records: [record] }));
  const detail = (record: object) => {
    const check = refused(record);
    return check.ok ? 'ok' : check.detail;
  };
  assert.equal(detail({ ...artifact, storedPath: null }), 'records[0].storedPath is not a string');
  assert.equal(detail({ ...artifact, storedPath: null, copied: true }), 'records[0].storedPath is not a string');
  assert.equal(detail({ ...artifact, copied: 'no' }), 'records[0].copied is not a boolean');
  assert.equal(detail({ ...artifact, role: 'dataset' }), 'records[0].role dataset is unknown');
  assert.equal(detail({ ...records[3], csvSeparator: '5' }), 'records[0].csvSeparator is "5", which can occur inside a cell (letters, digits, \'.\', \'-\', \'+\') or quotes one');
  assert.equal(detail({ ...records[4], isInput: 1 }), 'records[0].isInput is not a boolean');
});
