/** Small text helpers for turning untrusted input into messages and strings. */
import { UserError } from './errors.js';

/** Longest piece of untrusted text quoted in one message. */
export const MAX_QUOTED_CHARS = 200;

/**
 * Makes untrusted text safe for a one-line message: control characters (newlines included) are
 * escaped and the result is cut to `maxChars`, so an error about a 50 MB value stays one short line.
 */
export function oneLine(text: string, maxChars = MAX_QUOTED_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return escaped.length > maxChars ? `${escaped.slice(0, maxChars)}…` : escaped;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 bytes (dropping a byte-order mark); throws UserError naming `source` on invalid bytes. */
export function decodeUtf8(bytes: Uint8Array, source: string): string {
  const decoded = tryDecodeUtf8(bytes);
  if (typeof decoded !== 'string') throw new UserError(`${source}: ${decoded.problem}`);
  return decoded;
}

/** The decoded text, or what is wrong with the bytes (naming the offset of the first bad byte). */
export function tryDecodeUtf8(bytes: Uint8Array): string | { readonly problem: string } {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return { problem: `not valid UTF-8 text (first bad byte at offset ${firstInvalidUtf8Offset(bytes)})` };
  }
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The shortest prefix that fails to decode ends at the bad byte; streaming mode forgives a sequence cut at the end.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (decodesAsPrefix(bytes.subarray(0, middle + 1))) low = middle + 1;
    else high = middle;
  }
  return low;
}

function decodesAsPrefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}
