/**
 * Metric columns on the channel: base64 of little-endian float64 arrays. Python writes them with
 * `array('d', …).tobytes()` and the standard library's base64, and NaN and ±Infinity survive, which
 * JSON numbers would not allow. Steps and timestamps may also travel as `{ runs: <base64> }`, the
 * run form of prov-core's column-codec.ts (the Node client sends it: a dense loop's steps and
 * timestamps then cost almost nothing to encode, send and decode).
 */
import { compactColumn, type ProgressionColumn } from '@prov4ml/prov-core';

const FLOAT64_BYTES = 8;
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function encodeColumn(column: Float64Array): string {
  if (HOST_IS_LITTLE_ENDIAN) return Buffer.from(column.buffer, column.byteOffset, column.byteLength).toString('base64');
  const bytes = Buffer.allocUnsafe(column.byteLength);
  for (let i = 0; i < column.length; i++) bytes.writeDoubleLE(column[i]!, i * FLOAT64_BYTES);
  return bytes.toString('base64');
}

/** Throws a TypeError when `text` is not base64 of a whole number of float64 values. */
export function decodeColumn(text: string): Float64Array {
  if (text.length % 4 !== 0) throw new TypeError('is not base64');
  const bytes = Buffer.from(text, 'base64');
  // Buffer.from(…, 'base64') skips characters it does not know (and stops at a '=' inside), so a
  // column that would decode only "mostly" comes out shorter than its length promises. Checking that
  // costs nothing, where a regular expression over megabytes of text cost tens of milliseconds.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (bytes.length !== (text.length / 4) * 3 - padding) throw new TypeError('is not base64');
  if (bytes.length % FLOAT64_BYTES !== 0) throw new TypeError(`holds ${bytes.length} bytes, not a whole number of float64 values`);
  const column = new Float64Array(bytes.length / FLOAT64_BYTES);
  if (HOST_IS_LITTLE_ENDIAN) {
    // A copy: the decoded Buffer may sit at an offset of Node's pool that is not 8-byte aligned.
    new Uint8Array(column.buffer).set(bytes);
  } else {
    for (let i = 0; i < column.length; i++) column[i] = bytes.readDoubleLE(i * FLOAT64_BYTES);
  }
  return column;
}

/** A step or timestamp column on the channel: base64 of its points, or of its runs. */
export type WireIndexColumn = string | { runs: string };

export function encodeIndexColumn(column: Float64Array): WireIndexColumn {
  const compact = compactColumn(column);
  return compact instanceof Float64Array ? encodeColumn(compact) : { runs: encodeColumn(compact.runs) };
}

/**
 * Throws a TypeError when `wire` is neither form; the runs are checked against the values later,
 * with the rest of the record (prov-core's envelope validation).
 */
export function decodeIndexColumn(wire: unknown): Float64Array | ProgressionColumn {
  if (typeof wire === 'string') return decodeColumn(wire);
  if (typeof wire === 'object' && wire !== null && typeof (wire as { runs?: unknown }).runs === 'string') {
    return { runs: decodeColumn((wire as { runs: string }).runs) };
  }
  throw new TypeError('is neither a base64 string nor { runs: base64 }');
}
