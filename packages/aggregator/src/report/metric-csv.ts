/**
 * Streaming reader of our metric files (`metrics/<metric>_<CONTEXT>_GR<rank>.csv`, header
 * `step,value,timestamp_ms`, values possibly `NaN`, `INF`, `-INF`). Streaming, because a series of a
 * long run is larger than what a report should hold in memory, and the report reads each file twice.
 */
import { createReadStream } from 'node:fs';
import { UserError } from '@prov4ml/prov-core';
import { CSV_HEADER } from '../csv-format.js';

const METRIC_CSV_HEADER = CSV_HEADER.trim();

/**
 * Longest line accepted. A real row is under 80 characters; a longer "line" means the file is not
 * one of ours (or is corrupt), and buffering it whole could take any amount of memory.
 */
export const MAX_METRIC_CSV_LINE_CHARS = 4096;

const SPECIAL_VALUES: Readonly<Record<string, number>> = { NaN: Number.NaN, INF: Number.POSITIVE_INFINITY, '-INF': Number.NEGATIVE_INFINITY };

/** Calls `visit(step, value)` for each row of the CSV at `path`; throws UserError naming the path and line. */
export async function forEachMetricCsvPoint(path: string, visit: (step: number, value: number) => void): Promise<void> {
  let lineNumber = 0;
  let pending = '';
  const handle = (line: string): void => {
    lineNumber += 1;
    if (lineNumber === 1) {
      if (line.trim() !== METRIC_CSV_HEADER) throw new UserError(`${path}: expected the header "${METRIC_CSV_HEADER}", got ${JSON.stringify(line.slice(0, 60))}`);
      return;
    }
    if (line === '') return;
    const firstComma = line.indexOf(',');
    const secondComma = line.indexOf(',', firstComma + 1);
    if (firstComma < 0 || secondComma < 0) throw new UserError(`${path} line ${lineNumber}: expected step,value,timestamp_ms`);
    const step = parseCsvNumber(line.slice(0, firstComma));
    const value = parseCsvNumber(line.slice(firstComma + 1, secondComma));
    if (!Number.isFinite(step) || value === undefined) throw new UserError(`${path} line ${lineNumber}: not a step and a value: ${JSON.stringify(line.slice(0, 60))}`);
    visit(step as number, value);
  };
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
      const lines = (pending + (chunk as string)).split('\n');
      pending = lines.pop() as string;
      if (pending.length > MAX_METRIC_CSV_LINE_CHARS) throw new UserError(`${path} line ${lineNumber + lines.length + 1}: longer than ${MAX_METRIC_CSV_LINE_CHARS} characters; not a metric file`);
      for (const line of lines) handle(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${path}: cannot read metric file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (pending !== '') handle(pending);
  if (lineNumber === 0) throw new UserError(`${path}: empty metric file (expected the header "${METRIC_CSV_HEADER}")`);
}

function parseCsvNumber(text: string): number | undefined {
  const special = SPECIAL_VALUES[text];
  if (special !== undefined) return special;
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
