/**
 * Metric CSV rows, written straight into bytes: `step,value,timestamp_ms\n` per point, or with the
 * run's own separator (start_run's csv_separator) in place of the commas. Finalising millions of
 * points is bounded by this loop, so integers (steps, timestamps, integral values) are written digit
 * pair by digit pair, and fractional values by a fast shortest-digits writer that leaves only the
 * cases it cannot decide to Number#toString.
 */

import { csvSeparatorProblem, DEFAULT_CSV_SEPARATOR } from '@prov4ml/prov-core';
import { DIGIT_PAIRS, writeShortestDouble } from './double-format.js';

/** The header line of a metric CSV whose cells `separator` separates. */
export function csvHeader(separator: string): string {
  return `step${separator}value${separator}timestamp_ms\n`;
}

export const CSV_HEADER = csvHeader(DEFAULT_CSV_SEPARATOR);

/**
 * The separator of a metric CSV, read back from its header line (without the line end): the
 * character after `step`. Null when the line is not our header.
 */
export function separatorOfHeader(line: string): string | null {
  const separator = line.charAt(4);
  return csvSeparatorProblem(separator) === null && `${line}\n` === csvHeader(separator) ? separator : null;
}

/** Longest row: a safe integer (17), a double such as -2.2250738585072014e-308 (24), a fractional timestamp (24), separators. */
const MAX_ROW_BYTES = 17 + 1 + 24 + 1 + 24 + 1;

const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;

const POWERS_OF_TEN = Array.from({ length: 9 }, (_, i) => 10 ** i);

/**
 * The CSV rows of points [0, steps.length) as bytes (a view of a fresh, transferable ArrayBuffer).
 * `separator` is one ASCII character (csvSeparatorProblem checked it where the run was configured).
 */
export function formatCsvRows(steps: Float64Array, values: Float64Array, timestamps: Float64Array, separator = DEFAULT_CSV_SEPARATOR): Uint8Array {
  const out = new Uint8Array(steps.length * MAX_ROW_BYTES);
  const separatorByte = separator.charCodeAt(0);
  let pos = 0;
  for (let i = 0; i < steps.length; i++) {
    pos = writeInteger(out, pos, steps[i]!);
    out[pos++] = separatorByte;
    pos = writeValue(out, pos, values[i]!);
    out[pos++] = separatorByte;
    const timestamp = timestamps[i]!;
    pos = Number.isSafeInteger(timestamp) ? writeInteger(out, pos, timestamp) : writeAscii(out, pos, String(timestamp));
    out[pos++] = NEWLINE;
  }
  return out.subarray(0, pos);
}

/** The CSV spelling of a value: the shortest round-trip decimal, or NaN, INF, -INF. */
export function csvValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'INF';
  if (value === Number.NEGATIVE_INFINITY) return '-INF';
  return String(value);
}

function writeValue(out: Uint8Array, pos: number, value: number): number {
  // For integers below 2^53 the digits are exactly what String(value) gives, without the string.
  if (Number.isSafeInteger(value)) return writeInteger(out, pos, value);
  const end = writeShortestDouble(out, pos, value);
  return end >= 0 ? end : writeAscii(out, pos, csvValue(value));
}

/** Writes a safe integer in decimal; returns the position after it. */
function writeInteger(out: Uint8Array, pos: number, value: number): number {
  let n = value;
  if (n < 0) {
    out[pos++] = MINUS;
    n = -n;
  }
  // Below 10^8 the digits come from int32 arithmetic, far cheaper than double division; a safe
  // integer has at most 16 digits, i.e. two such groups of eight.
  if (n < EIGHT_DIGITS) return writeGroup(out, pos, n, 0);
  const high = Math.floor(n / EIGHT_DIGITS);
  return writeGroup(out, writeGroup(out, pos, high, 0), n - high * EIGHT_DIGITS, 8);
}

const EIGHT_DIGITS = 1e8;

/** Writes 0 <= n < 10^8, zero-padded to at least `width` digits. */
function writeGroup(out: Uint8Array, pos: number, value: number, width: number): number {
  let digits = 1;
  while (digits < 8 && value >= POWERS_OF_TEN[digits]!) digits++;
  if (digits < width) digits = width;
  const end = pos + digits;
  let at = end;
  let n = value | 0;
  while (at > pos + 1) {
    const quotient = (n / 100) | 0;
    const pair = 2 * (n - quotient * 100);
    out[--at] = DIGIT_PAIRS[pair + 1]!;
    out[--at] = DIGIT_PAIRS[pair]!;
    n = quotient;
  }
  if (at > pos) out[--at] = ZERO + n;
  return end;
}

function writeAscii(out: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}
