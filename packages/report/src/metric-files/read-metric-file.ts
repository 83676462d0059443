/**
 * Reads a metric file of any of prov4ml's formats, told apart by suffix: `.csv` (ours), `.txt` (the
 * original's text layout), `.nc` (netCDF classic) and `.zarr` (a Zarr v2 store). The report plots
 * through forEachMetricPoint (CSV streamed, the binary formats read whole); other tools (`watch`) take
 * a file's columns with readMetricFile.
 */
import { readFile } from 'node:fs/promises';
import { metricFormatOfPath, METRIC_FORMATS, parseOriginalMetricFile, UserError, type MetricFormat } from '@prov4ml/prov-core';
import { readTextFile } from '../documents.js';
import { forEachMetricCsvPoint } from '../metric-csv.js';
import type { MetricColumns } from './metric-columns.js';
import { parseNetcdf } from './netcdf-read.js';
import { readZarrStore } from './zarr-read.js';

export type { MetricColumns } from './metric-columns.js';

export interface MetricFileContents extends MetricColumns {
  format: MetricFormat;
  /** What the file itself says of its series (null where the format does not record it: CSV). */
  name: string | null;
  context: string | null;
}

/** The points of the metric file at `path`; throws UserError naming the path. */
export async function readMetricFile(path: string): Promise<MetricFileContents> {
  const format = formatOf(path);
  try {
    switch (format) {
      case 'csv': {
        const columns = { steps: [] as number[], values: [] as number[], timestamps: [] as number[] };
        await forEachMetricCsvPoint(path, (step, value, timestamp) => {
          columns.steps.push(step);
          columns.values.push(value);
          columns.timestamps.push(timestamp ?? Number.NaN);
        }, { timestamps: true });
        return { format, name: null, context: null, ...toColumns(columns) };
      }
      case 'txt': {
        const series = parseOriginalMetricFile(await readTextFile(path), path);
        return { format, name: series.name, context: series.context.replace(/^Context\./, ''), ...toColumns(series) };
      }
      case 'netcdf': {
        const { attributes, ...columns } = parseNetcdf(await readFile(path), path);
        return { format, name: textOrNull(attributes.name), context: textOrNull(attributes.context), ...columns };
      }
      case 'zarr': {
        const { attributes, ...columns } = readZarrStore(path);
        return { format, name: textOrNull(attributes.name), context: textOrNull(attributes.context), ...columns };
      }
    }
  } catch (error) {
    throw asUserError(path, error);
  }
}

/** Calls `visit(step, value)` for each point of the metric file at `path`, in file order. */
export async function forEachMetricPoint(path: string, visit: (step: number, value: number) => void): Promise<void> {
  if (formatOf(path) === 'csv') return forEachMetricCsvPoint(path, visit);
  const { steps, values } = await readMetricFile(path);
  for (let i = 0; i < steps.length; i++) visit(steps[i]!, values[i]!);
}

/** Calls `visit(step, value, timestampMs)` for each point (the diagnostics need the time; plots do not). */
export async function forEachMetricRow(path: string, visit: (step: number, value: number, timestampMs: number) => void): Promise<void> {
  if (formatOf(path) === 'csv') return forEachMetricCsvPoint(path, (step, value, timestamp) => visit(step, value, timestamp ?? Number.NaN), { timestamps: true });
  const { steps, values, timestamps } = await readMetricFile(path);
  for (let i = 0; i < steps.length; i++) visit(steps[i]!, values[i]!, timestamps[i]!);
}

function formatOf(path: string): MetricFormat {
  const format = metricFormatOfPath(path);
  if (format === null) throw new UserError(`${path}: not a metric file (expected a name ending in ${METRIC_FORMATS.map((f) => SUFFIX_WORDS[f]).join(', ')})`);
  return format;
}

const SUFFIX_WORDS: Readonly<Record<MetricFormat, string>> = { csv: '.csv', txt: '.txt', netcdf: '.nc', zarr: '.zarr' };

function toColumns(series: { steps: number[]; values: number[]; timestamps: number[] }): MetricColumns {
  return { steps: Float64Array.from(series.steps), values: Float64Array.from(series.values), timestamps: Float64Array.from(series.timestamps) };
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function asUserError(path: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`${path}: no such metric file (or it is incomplete)`);
  const message = (error as Error).message;
  return new UserError(message.startsWith(path) ? message : `${path}: cannot read metric file: ${code ?? message}`);
}
