/**
 * The wire: envelopes and acks as msgpackr bytes, and the length-prefixed frames of spools and
 * received logs (see docs/ARCHITECTURE.md). Decoding never throws and never trusts a length it has
 * not checked, because the aggregator decodes whatever arrives on its port.
 */
import { Packr, Unpackr } from 'msgpackr';
import { compactBatchColumn } from './column-codec.js';
import { PROTOCOL_VERSION, type Ack, type Beacon, type Envelope, type EnvelopeRecord } from './records.js';
import { scanMsgpack, type ScanCause, type ScanLimits } from './msgpack-scan.js';
import { validateEnvelope } from './envelope-validation.js';
import type { ShapeCause } from './field-checks.js';
import {
  FRAME_ALIGNMENT,
  FRAME_HEADER_BYTES,
  MAX_FRAME_BYTES,
  MAX_MSGPACK_ITEMS,
  MAX_NESTING_DEPTH,
  MAX_STRING_BYTES,
  SENDER_ID_PATTERN,
} from './limits.js';

/** Why a frame was dropped: decoding causes first, then the aggregator's own (job, sender, order). */
export const DROP_CAUSES = [
  'oversized',
  'malformed',
  'bad_length',
  'too_deep',
  'too_many_items',
  'string_too_long',
  'unsupported_type',
  'wrong_shape',
  'wrong_version',
  'unknown_kind',
  'rank_out_of_range',
  'run_dir_unusable',
  'wrong_job',
  'wrong_world_size',
  'sender_changed',
  'duplicate',
  'seq_too_far_ahead',
] as const;
export type DropCause = (typeof DROP_CAUSES)[number];

export type DecodeCause = 'oversized' | ScanCause | ShapeCause;
export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; cause: DecodeCause; detail: string };

// moreTypes: typed arrays travel as msgpackr's typed-array extension and come back as Float64Array
// (without it msgpackr writes a Float64Array as raw bytes of the wrong length). No records/structures:
// every message must decode on its own.
const packr = new Packr({ useRecords: false, moreTypes: true });
const unpackr = new Unpackr({ useRecords: false, moreTypes: true, mapsAsObjects: true });

const ENVELOPE_SCAN: ScanLimits = { maxDepth: MAX_NESTING_DEPTH, maxItems: MAX_MSGPACK_ITEMS, maxStringBytes: MAX_STRING_BYTES };
const ACK_SCAN: ScanLimits = { maxDepth: 1, maxItems: 8, maxStringBytes: 64 };

/** The envelope's msgpackr bytes, with metric steps and timestamps in their compact form (column-codec.ts). */
export function encodeEnvelope(envelope: Envelope): Buffer {
  return packr.pack({ ...envelope, records: envelope.records.map(compactRecord) });
}

function compactRecord(record: EnvelopeRecord): unknown {
  if (record.kind !== 'metrics') return record;
  return {
    kind: 'metrics',
    // Field by field: a spread would read (and so expand) columns that arrived as runs.
    series: record.series.map((batch) => ({
      name: batch.name,
      context: batch.context,
      source: batch.source,
      unit: batch.unit,
      steps: compactBatchColumn(batch, 'steps'),
      values: batch.values,
      timestamps: compactBatchColumn(batch, 'timestamps'),
    })),
  };
}

/**
 * Decodes and validates one envelope; hostile bytes give `{ ok: false, cause }`, never an exception.
 * `received`: bytes this process decoded and validated when they arrived (an aggregator reading back
 * its own received log) skip the pre-scan and the per-point checks, and give the same envelope.
 */
export function decodeEnvelope(bytes: Uint8Array, options: { received?: boolean } = {}): DecodeResult {
  if (bytes.length > MAX_FRAME_BYTES) return { ok: false, cause: 'oversized', detail: `${bytes.length} bytes > ${MAX_FRAME_BYTES}` };
  const received = options.received === true;
  const problem = received ? null : scanMsgpack(bytes, ENVELOPE_SCAN);
  if (problem !== null) return { ok: false, ...problem };
  let raw: unknown;
  try {
    raw = unpackr.unpack(bytes);
  } catch (error) {
    return { ok: false, cause: 'malformed', detail: error instanceof Error ? error.message : String(error) };
  }
  return validateEnvelope(raw, { pointsChecked: received });
}

export function encodeAck(ack: Ack): Buffer {
  return packr.pack({ v: ack.v, sender: ack.sender, upTo: ack.upTo });
}

/**
 * The topic of beacons on the ack socket. Not a sender id (SENDER_ID_PATTERN has no '.'), so a sender
 * subscribed to its own id never receives beacons, nor a beacon subscriber anyone's acks.
 */
export const BEACON_TOPIC = '.';
const BEACON_TOPIC_BYTES = Buffer.from(BEACON_TOPIC);

/** Whether a message on the ack socket, by its topic (first part), is a beacon. */
export function isBeaconTopic(topic: Uint8Array): boolean {
  return Buffer.compare(topic, BEACON_TOPIC_BYTES) === 0;
}

export function encodeBeacon(beacon: Beacon): Buffer {
  return packr.pack({ v: beacon.v, behindMs: beacon.behindMs });
}

/** The beacon in `bytes`, or null when they are not a valid beacon of this protocol version. */
export function decodeBeacon(bytes: Uint8Array): Beacon | null {
  const raw = unpackSmall(bytes);
  if (raw === null) return null;
  const { v, behindMs } = raw;
  if (v !== PROTOCOL_VERSION || typeof behindMs !== 'number' || !Number.isSafeInteger(behindMs) || behindMs < 0) return null;
  return { v, behindMs };
}

/** The ack in `bytes`, or null when they are not a valid ack of this protocol version. */
export function decodeAck(bytes: Uint8Array): Ack | null {
  const raw = unpackSmall(bytes);
  if (raw === null) return null;
  const { v, sender, upTo } = raw;
  if (v !== PROTOCOL_VERSION || typeof sender !== 'string' || !SENDER_ID_PATTERN.test(sender)) return null;
  if (typeof upTo !== 'number' || !Number.isSafeInteger(upTo) || upTo < 0) return null;
  return { v, sender, upTo };
}

/** One frame for a spool or received log: header, payload, zero padding (see FRAME_HEADER_BYTES). */
export function encodeFrame(payload: Uint8Array): Buffer {
  return Buffer.concat([encodeFrameHeader(payload.length), payload, framePadding(payload.length)]);
}

/** Bytes a frame of this payload takes on disk, header and padding included. */
export function framedLength(payloadLength: number): number {
  return FRAME_HEADER_BYTES + Math.ceil(payloadLength / FRAME_ALIGNMENT) * FRAME_ALIGNMENT;
}

/** The header of a frame alone, for writers that write header, payload and padding without joining them. */
export function encodeFrameHeader(payloadLength: number): Buffer {
  if (payloadLength > MAX_FRAME_BYTES) throw new RangeError(`frame payload of ${payloadLength} bytes exceeds MAX_FRAME_BYTES`);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payloadLength, 0);
  header.writeUInt32LE(~payloadLength >>> 0, 4);
  return header;
}

const ZERO_PADDING = new Uint8Array(FRAME_ALIGNMENT);

/** The zero bytes that follow a payload of this length (a shared, read-only view: never write to it). */
export function framePadding(payloadLength: number): Uint8Array {
  return ZERO_PADDING.subarray(0, framedLength(payloadLength) - FRAME_HEADER_BYTES - payloadLength);
}

/**
 * The payload length a frame header at `offset` declares, or -1 when it is not a header any writer
 * could have written (a length over MAX_FRAME_BYTES, or a check word that does not match).
 */
export function frameHeaderLength(buf: Uint8Array, offset: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, FRAME_HEADER_BYTES);
  const length = view.getUint32(0, true);
  return length <= MAX_FRAME_BYTES && view.getUint32(4, true) === ~length >>> 0 ? length : -1;
}

/**
 * Splits `buf` into the payloads of its complete frames (views into `buf`, not copies). Stops at a
 * torn last frame (a process died mid-write) or at a header no writer could have written;
 * `consumed` says how many bytes the returned frames cover, so `consumed < buf.length` means a tail remains.
 */
export function readFrames(buf: Uint8Array): { frames: Uint8Array[]; consumed: number } {
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (offset + FRAME_HEADER_BYTES <= buf.length) {
    const length = frameHeaderLength(buf, offset);
    if (length < 0) break;
    const end = offset + framedLength(length);
    if (end > buf.length) break;
    frames.push(buf.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length));
    offset = end;
  }
  return { frames, consumed: offset };
}

/** A small map from the ack socket (an ack or a beacon), or null when the bytes are not one. */
function unpackSmall(bytes: Uint8Array): Record<string, unknown> | null {
  if (scanMsgpack(bytes, ACK_SCAN) !== null) return null;
  let raw: unknown;
  try {
    raw = unpackr.unpack(bytes);
  } catch {
    return null;
  }
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : null;
}
