/**
 * Streaming reader of our metric files (`metrics/<metric>_<CONTEXT>_GR<rank>.csv`, header
 * `step,value,timestamp_ms` or the same with the run's csv_separator, values possibly `NaN`, `INF`,
 * `-INF`). Streaming, because a series of a long run is larger than what a report should hold in
 * memory, and the report reads each file twice.
 */
import { createReadStream } from 'node:fs';
import { UserError } from '@prov4ml/prov-core';
import { CSV_HEADER, separatorOfHeader } from '@prov4ml/aggregator';

const METRIC_CSV_HEADER = CSV_HEADER.trim();

/**
 * Longest line accepted. A real row is under 80 characters; a longer "line" means the file is not
 * one of ours (or is corrupt), and buffering it whole could take any amount of memory.
 */
export const MAX_METRIC_CSV_LINE_CHARS = 4096;

const SPECIAL_VALUES: Readonly<Record<string, number>> = { NaN: Number.NaN, INF: Number.POSITIVE_INFINITY, '-INF': Number.NEGATIVE_INFINITY };

/** Bytes read at a time: large reads cut the per-chunk cost that dominates a 100k-row file. */
export const METRIC_CSV_READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Calls `visit(step, value)` for each row of the CSV at `path` (with `timestamps`, also the row's
 * timestamp, which a plot does not need); throws UserError naming the path and line.
 */
export async function forEachMetricCsvPoint(
  path: string,
  visit: (step: number, value: number, timestamp?: number) => void,
  options: { timestamps?: boolean } = {},
): Promise<void> {
  const withTimestamps = options.timestamps === true;
  let lineNumber = 0;
  let pending = '';
  /** Read back from the header: the run wrote its CSVs with its own separator. */
  let separator = ',';
  const handle = (text: string, start: number, end: number): void => {
    lineNumber += 1;
    const line = text.charCodeAt(end - 1) === CARRIAGE_RETURN ? text.slice(start, end - 1) : text.slice(start, end);
    if (lineNumber === 1) {
      const found = separatorOfHeader(line);
      if (found === null) throw new UserError(`${path}: expected the header "${METRIC_CSV_HEADER}" (or with another separator), got ${JSON.stringify(line.slice(0, 60))}`);
      separator = found;
      return;
    }
    if (line === '') return;
    const firstSeparator = line.indexOf(separator);
    const secondSeparator = line.indexOf(separator, firstSeparator + 1);
    if (firstSeparator < 0 || secondSeparator < 0) throw new UserError(`${path} line ${lineNumber}: expected step${separator}value${separator}timestamp_ms`);
    const step = parseStep(line, firstSeparator);
    const value = parseCsvNumber(line.slice(firstSeparator + 1, secondSeparator));
    if (step === undefined || !Number.isFinite(step) || value === undefined) throw new UserError(`${path} line ${lineNumber}: not a step and a value: ${JSON.stringify(line.slice(0, 60))}`);
    if (!withTimestamps) return visit(step, value);
    const timestamp = parseCsvNumber(line.slice(secondSeparator + 1));
    if (timestamp === undefined) throw new UserError(`${path} line ${lineNumber}: not a timestamp: ${JSON.stringify(line.slice(0, 60))}`);
    visit(step, value, timestamp);
  };
  try {
    // latin1: the file is ASCII, and decoding as latin1 costs nothing and cannot fail mid-character.
    for await (const chunk of createReadStream(path, { encoding: 'latin1', highWaterMark: METRIC_CSV_READ_CHUNK_BYTES })) {
      const text = pending + (chunk as string);
      let start = 0;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
        handle(text, start, newline);
        start = newline + 1;
      }
      pending = text.slice(start);
      if (pending.length > MAX_METRIC_CSV_LINE_CHARS) throw new UserError(`${path} line ${lineNumber + 1}: longer than ${MAX_METRIC_CSV_LINE_CHARS} characters; not a metric file`);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read metric file: ${code ?? (error as Error).message}`}`);
  }
  if (pending !== '') handle(pending, 0, pending.length);
  if (lineNumber === 0) throw new UserError(`${path}: empty metric file (expected the header "${METRIC_CSV_HEADER}")`);
}

const CARRIAGE_RETURN = 13;

/** A number, or our spelling of a non-finite one; undefined when the field is neither. */
function parseCsvNumber(text: string): number | undefined {
  // Number() first: the special words are rare, and a keyed lookup per field costs more than the parse.
  const value = text.length === 0 ? Number.NaN : Number(text);
  if (!Number.isNaN(value)) return value;
  return Object.hasOwn(SPECIAL_VALUES, text) ? SPECIAL_VALUES[text] : undefined;
}

/** The step field, `line[0, end)`: digits parsed in place (steps are integers), anything else through Number. */
function parseStep(line: string, end: number): number | undefined {
  let value = 0;
  const negative = line.charCodeAt(0) === MINUS;
  for (let i = negative ? 1 : 0; i < end; i += 1) {
    const digit = line.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9 || end > MAX_PLAIN_INTEGER_DIGITS) return parseCsvNumber(line.slice(0, end));
    value = value * 10 + digit;
  }
  return end === (negative ? 1 : 0) ? undefined : negative ? -value : value;
}

const MINUS = 45;
const ZERO = 48;
/** Up to 15 digits a decimal integer is exact in a double whatever its digits. */
const MAX_PLAIN_INTEGER_DIGITS = 15;
