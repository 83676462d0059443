/**
 * Metric columns on the channel: base64 of little-endian float64 arrays. Python writes them with
 * `array('d', …).tobytes()` and the standard library's base64, and NaN and ±Infinity survive, which
 * JSON numbers would not allow.
 */

const FLOAT64_BYTES = 8;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function encodeColumn(column: Float64Array): string {
  if (HOST_IS_LITTLE_ENDIAN) return Buffer.from(column.buffer, column.byteOffset, column.byteLength).toString('base64');
  const bytes = Buffer.allocUnsafe(column.byteLength);
  for (let i = 0; i < column.length; i++) bytes.writeDoubleLE(column[i]!, i * FLOAT64_BYTES);
  return bytes.toString('base64');
}

/** Throws a TypeError when `text` is not base64 of a whole number of float64 values. */
export function decodeColumn(text: string): Float64Array {
  // Buffer.from(…, 'base64') skips characters it does not know; a column must not decode "mostly".
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new TypeError('is not base64');
  const bytes = Buffer.from(text, 'base64');
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
