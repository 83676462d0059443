/**
 * The API's argument checks and conversions: what a call was given, checked at once (a TypeError
 * naming the argument), and startRun's options sorted into what the option table resolves and what
 * only the run config records.
 */
import { csvSeparatorProblem, ZARR_CODECS, type MetricFormat, type ParamValue, type ZarrCodec } from '@prov4ml/prov-core';
import type { RunOptions } from '../config/options.js';
import type { RecordedRunOptions } from './sinks.js';

export interface StartRunOptions {
  provUserNamespace?: string;
  experimentName?: string;
  provenanceSaveDir?: string;
  collectAllProcesses?: boolean;
  saveAfterNLogs?: number;
  rank?: number;
  /** Separator of the run's metric CSV cells (one character; see csvSeparatorProblem); default ','. */
  csvSeparator?: string;
  /** No carbon metrics for this rank; logCarbonMetrics then throws, as the original did. */
  disableCodecarbon?: boolean;
  /** Format of the run's metric files: csv (default), txt, netcdf or zarr (PROV4ML_METRICS_FORMAT). */
  metricsFormat?: MetricFormat;
  /** Codec of a Zarr store's chunks: zlib (default) or blosc (the original's use_compressor=BLOSC_ZSTD). */
  zarrCodec?: ZarrCodec;
}

/** Number of numeric weights in a model object (nested arrays, typed arrays, objects). */
export function countNumbers(value: unknown): number {
  if (typeof value === 'number') return 1;
  if (ArrayBuffer.isView(value)) return (value as Float64Array).length ?? 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countNumbers(item), 0);
  if (typeof value === 'object' && value !== null) return Object.values(value).reduce((sum: number, item) => sum + countNumbers(item), 0);
  return 0;
}

export function checkName(name: unknown, argument: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${argument} must be a non-empty string, got ${JSON.stringify(name)}`);
  return name;
}

export function checkCount(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${argument} must be a non-negative number, got ${String(value)}`);
  return value;
}

export function toParamValue(value: unknown): ParamValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  return JSON.stringify(value) ?? String(value);
}

/** The startRun options that only the run config records (no flag or PROV4ML_* variable sets them). */
export function recordedOptions(options: StartRunOptions): RecordedRunOptions {
  const recorded: RecordedRunOptions = {};
  if (options.csvSeparator !== undefined) {
    const problem = typeof options.csvSeparator === 'string' ? csvSeparatorProblem(options.csvSeparator) : 'is not a string';
    if (problem !== null) throw new TypeError(`startRun: csvSeparator ${problem}`);
    recorded.csvSeparator = options.csvSeparator;
  }
  if (options.disableCodecarbon !== undefined) {
    if (typeof options.disableCodecarbon !== 'boolean') throw new TypeError(`startRun: disableCodecarbon must be a boolean, got ${String(options.disableCodecarbon)}`);
    recorded.disableCodecarbon = options.disableCodecarbon;
  }
  if (options.zarrCodec !== undefined) {
    if (!ZARR_CODECS.includes(options.zarrCodec)) throw new TypeError(`startRun: zarrCodec must be one of ${ZARR_CODECS.join(', ')}, got ${String(options.zarrCodec)}`);
    recorded.zarrCodec = options.zarrCodec;
  }
  return recorded;
}

export function explicitOptions(options: StartRunOptions): Partial<RunOptions> {
  const explicit: Partial<RunOptions> = {};
  if (options.provUserNamespace !== undefined) explicit.provUserNamespace = options.provUserNamespace;
  if (options.experimentName !== undefined) explicit.experimentName = options.experimentName;
  if (options.provenanceSaveDir !== undefined) explicit.provenanceSaveDir = options.provenanceSaveDir;
  if (options.collectAllProcesses !== undefined) explicit.collectAllProcesses = options.collectAllProcesses;
  if (options.saveAfterNLogs !== undefined) explicit.saveAfterNLogs = options.saveAfterNLogs;
  if (options.rank !== undefined) explicit.rank = options.rank;
  if (options.metricsFormat !== undefined) explicit.metricsFormat = options.metricsFormat;
  return explicit;
}
