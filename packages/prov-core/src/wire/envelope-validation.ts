/**
 * Shape validation of a decoded envelope. Every record is rebuilt field by field into a fresh object,
 * so nothing a sender adds (extra keys, odd types) reaches the aggregator's state. (msgpackr already
 * renames a `__proto__` key, so copying keys into plain objects is safe.)
 */
import { checkColumn, defineRunColumn, type CheckedColumn } from './column-codec.js';
import { csvSeparatorProblem } from '../vocabulary/csv-separator.js';
import {
  ARTIFACT_ROLES,
  CONTEXT_NAME_PATTERN,
  PROTOCOL_VERSION,
  type ArtifactRecord,
  type CarbonAttributionRecord,
  type ContextRecord,
  type DatasetRecord,
  type Envelope,
  type FinalMetricRecord,
  type FoldOperationName,
  type LauncherName,
  type MetricSeriesBatch,
  type MetricsRecord,
  type ParamRecord,
  type ParamValue,
  type ProvRecordData,
  type RecordKind,
  type RunConfigRecord,
  type RunEndRecord,
  type RunStartRecord,
  type SourceCodeRecord,
} from './records.js';
import {
  MAX_ARGV_ENTRIES,
  MAX_JOB_KEY_LENGTH,
  MAX_MAP_ENTRIES,
  MAX_NAME_LENGTH,
  MAX_PATH_LENGTH,
  MAX_RECORDS_PER_ENVELOPE,
  MAX_SERIES_PER_RECORD,
  MAX_STRING_BYTES,
  MAX_WORLD_SIZE,
  SENDER_ID_PATTERN,
} from './limits.js';

export type ShapeCause = 'wrong_shape' | 'wrong_version' | 'rank_out_of_range' | 'unknown_kind';

export type EnvelopeCheck = { ok: true; envelope: Envelope } | { ok: false; cause: ShapeCause; detail: string };

/** Thrown inside this module only, to leave a deep check in one step; never escapes {@link validateEnvelope}. */
class Invalid {
  constructor(
    readonly cause: ShapeCause,
    readonly detail: string,
  ) {}
}

function fail(detail: string, cause: ShapeCause = 'wrong_shape'): never {
  throw new Invalid(cause, detail);
}

export interface ValidationOptions {
  /**
   * The points of its metric columns were checked when these bytes were received (an aggregator's own
   * received log): the per-point checks are skipped. Every record is still rebuilt field by field, so
   * the envelope is the one a full validation gives.
   */
  pointsChecked?: boolean;
}

/** Set for the length of one synchronous {@link validateEnvelope} call. */
let pointsChecked = false;

/** Checks a decoded msgpack value against the {@link Envelope} contract. Never throws. */
export function validateEnvelope(raw: unknown, options: ValidationOptions = {}): EnvelopeCheck {
  pointsChecked = options.pointsChecked === true;
  try {
    return { ok: true, envelope: envelope(raw) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, cause: error.cause, detail: error.detail };
    throw error;
  } finally {
    pointsChecked = false;
  }
}

function envelope(raw: unknown): Envelope {
  const o = plainObject(raw, 'envelope');
  if (typeof o.v !== 'number') fail('envelope.v is not a number');
  if (o.v !== PROTOCOL_VERSION) fail(`protocol version ${o.v}, expected ${PROTOCOL_VERSION}`, 'wrong_version');
  const worldSize = integer(o, 'worldSize', 'envelope', 1, MAX_WORLD_SIZE);
  const rank = integer(o, 'rank', 'envelope', 0, Number.MAX_SAFE_INTEGER);
  if (rank >= worldSize) fail(`rank ${rank} outside world size ${worldSize}`, 'rank_out_of_range');
  const sender = text(o, 'sender', 'envelope', 64);
  if (!SENDER_ID_PATTERN.test(sender)) fail('envelope.sender is not a valid sender id');
  const job = text(o, 'job', 'envelope', MAX_JOB_KEY_LENGTH, 1);
  if (hasControlCharacter(job)) fail('envelope.job contains a control character');
  const runDir = text(o, 'runDir', 'envelope', MAX_PATH_LENGTH, 1);
  if (!runDir.startsWith('/') || runDir.includes('\0')) fail('envelope.runDir is not an absolute path');
  const records = list(o, 'records', 'envelope', MAX_RECORDS_PER_ENVELOPE).map((r, i) => record(r, `records[${i}]`));
  return {
    v: PROTOCOL_VERSION,
    job,
    rank,
    worldSize,
    sender,
    seq: integer(o, 'seq', 'envelope', 1, Number.MAX_SAFE_INTEGER),
    sent: finite(o, 'sent', 'envelope'),
    runDir,
    records,
  };
}

const RECORDS: { [K in RecordKind]: (o: Record<string, unknown>, at: string) => Extract<ProvRecordData, { kind: K }> } = {
  run_start: runStart,
  run_config: runConfig,
  param: param,
  metrics: metrics,
  artifact: artifact,
  dataset: dataset,
  final_metric: finalMetric,
  run_end: runEnd,
  carbon_attribution: carbonAttribution,
  context: contextRecord,
  source_code: sourceCode,
};

function record(raw: unknown, at: string): ProvRecordData {
  const o = plainObject(raw, at);
  const kind = o.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(RECORDS, kind)) fail(`${at}.kind ${String(kind).slice(0, 40)} is unknown`, 'unknown_kind');
  return RECORDS[kind as RecordKind](o, at);
}

const LAUNCHERS: readonly LauncherName[] = ['explicit', 'torchrun', 'openmpi', 'mpich', 'pmix', 'slurm', 'local', 'single'];

function runStart(o: Record<string, unknown>, at: string): RunStartRecord {
  const launcher = text(o, 'launcher', at, 16);
  if (!(LAUNCHERS as readonly string[]).includes(launcher)) fail(`${at}.launcher ${launcher} is unknown`);
  return {
    kind: 'run_start',
    time: finite(o, 'time', at),
    rank: integer(o, 'rank', at, 0, MAX_WORLD_SIZE),
    worldSize: integer(o, 'worldSize', at, 1, MAX_WORLD_SIZE),
    localRank: integer(o, 'localRank', at, 0, MAX_WORLD_SIZE),
    localWorldSize: integer(o, 'localWorldSize', at, 1, MAX_WORLD_SIZE),
    nodeRank: integer(o, 'nodeRank', at, 0, MAX_WORLD_SIZE),
    jobId: text(o, 'jobId', at, MAX_JOB_KEY_LENGTH),
    stepId: nullable(o, 'stepId', at, (v, where) => textValue(v, where, MAX_JOB_KEY_LENGTH)),
    launcher: launcher as LauncherName,
    hostname: text(o, 'hostname', at, 255),
    pid: integer(o, 'pid', at, 0, Number.MAX_SAFE_INTEGER),
    user: text(o, 'user', at, 255),
    argv: list(o, 'argv', at, MAX_ARGV_ENTRIES).map((v, i) => textValue(v, `${at}.argv[${i}]`, MAX_STRING_BYTES)),
    cwd: text(o, 'cwd', at, MAX_PATH_LENGTH),
    environment: stringMap(o, 'environment', at),
    versions: stringMap(o, 'versions', at),
    gitCommit: nullable(o, 'gitCommit', at, (v, where) => textValue(v, where, 64)),
    wrapped: boolean(o, 'wrapped', at),
  };
}

function runConfig(o: Record<string, unknown>, at: string): RunConfigRecord {
  return {
    kind: 'run_config',
    time: finite(o, 'time', at),
    provUserNamespace: text(o, 'provUserNamespace', at, MAX_PATH_LENGTH),
    experimentName: text(o, 'experimentName', at, MAX_NAME_LENGTH, 1),
    collectAllProcesses: boolean(o, 'collectAllProcesses', at),
    saveAfterNLogs: integer(o, 'saveAfterNLogs', at, 1, Number.MAX_SAFE_INTEGER),
    ...optional(o, 'csvSeparator', at, csvSeparator),
    ...optional(o, 'disableCodecarbon', at, booleanValue),
  };
}

function csvSeparator(value: unknown, at: string): string {
  const separator = textValue(value, at, 1, 1);
  const problem = csvSeparatorProblem(separator);
  if (problem !== null) fail(`${at} ${problem}`);
  return separator;
}

function param(o: Record<string, unknown>, at: string): ParamRecord {
  return {
    kind: 'param',
    time: finite(o, 'time', at),
    name: name(o, 'name', at),
    value: paramValue(o.value, `${at}.value`),
    ...optional(o, 'context', at, (v, where) => (v === null ? null : contextValue(v, where))),
    ...optional(o, 'source', at, (v, where) => (v === null ? null : textValue(v, where, MAX_STRING_BYTES))),
    ...optional(o, 'isInput', at, booleanValue),
  };
}

/** Longest `source` of a metric series (a LoggingItemKind, a sampler's name). */
const MAX_SOURCE_LENGTH = 256;

function metrics(o: Record<string, unknown>, at: string): MetricsRecord {
  return { kind: 'metrics', series: list(o, 'series', at, MAX_SERIES_PER_RECORD).map((s, i) => seriesBatch(s, `${at}.series[${i}]`)) };
}

function seriesBatch(raw: unknown, at: string): MetricSeriesBatch {
  const o = plainObject(raw, at);
  const values = float64(o, 'values', at);
  const steps = column(o, 'steps', values.length, at);
  const timestamps = column(o, 'timestamps', values.length, at);
  if (!pointsChecked) checkPoints(steps, timestamps, at);
  const batch = {
    name: name(o, 'name', at),
    context: context(o, at),
    source: text(o, 'source', at, MAX_SOURCE_LENGTH),
    unit: text(o, 'unit', at, 64),
  } as MetricSeriesBatch;
  defineColumn(batch, 'steps', steps, values.length);
  Object.assign(batch, { values });
  defineColumn(batch, 'timestamps', timestamps, values.length);
  return batch;
}

function checkPoints(steps: CheckedColumn, timestamps: CheckedColumn, at: string): void {
  const badStep = 'raw' in steps ? firstNonInteger(steps.raw) : firstRunOf(steps.runs, runOfSafeIntegers);
  if (badStep >= 0) fail(`${at}.steps ${'raw' in steps ? 'point' : 'run'} ${badStep}: not a safe integer`);
  const badTime = 'raw' in timestamps ? firstNonFinite(timestamps.raw) : firstRunOf(timestamps.runs, runOfFiniteNumbers);
  if (badTime >= 0) fail(`${at}.timestamps ${'raw' in timestamps ? 'point' : 'run'} ${badTime}: not finite`);
}

function defineColumn(batch: MetricSeriesBatch, key: 'steps' | 'timestamps', column: CheckedColumn, length: number): void {
  if ('raw' in column) Object.assign(batch, { [key]: column.raw });
  else defineRunColumn(batch, key, column.runs, length);
}

/*
 * The point checks below run over millions of points per second, so they only count in the loop (a
 * loop that can throw with a message is several times slower in V8) and look for the index afterwards.
 */

function firstNonInteger(steps: Float64Array): number {
  let bad = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    // Math.floor(NaN) is not NaN.
    bad += Math.floor(step) !== step || step > Number.MAX_SAFE_INTEGER || step < -Number.MAX_SAFE_INTEGER ? 1 : 0;
  }
  return bad === 0 ? -1 : steps.findIndex((step) => !Number.isSafeInteger(step));
}

function firstNonFinite(timestamps: Float64Array): number {
  let bad = 0;
  // t - t is 0 only for a finite t.
  for (let i = 0; i < timestamps.length; i++) bad += timestamps[i]! - timestamps[i]! !== 0 ? 1 : 0;
  return bad === 0 ? -1 : timestamps.findIndex((timestamp) => !Number.isFinite(timestamp));
}

/** Index of the first run (start, stride, count) that fails `check`, or -1. */
function firstRunOf(runs: Float64Array, check: (start: number, stride: number, count: number) => boolean): number {
  for (let r = 0; r < runs.length; r += 3) if (!check(runs[r]!, runs[r + 1]!, runs[r + 2]!)) return r / 3;
  return -1;
}

/**
 * Every point of the run is a safe integer. The points lie between the first and the last, and adding
 * an integer stride to a safe integer is exact while the result stays safe, so checking the last point
 * checks them all. (Only a stride beyond 2^32 can make its computation round, by one, and only next to
 * 2^53.)
 */
function runOfSafeIntegers(start: number, stride: number, count: number): boolean {
  return Number.isSafeInteger(start) && Number.isSafeInteger(stride) && Number.isSafeInteger(start + stride * (count - 1));
}

/** Every point of the run is finite: it lies between the first and the last, which is far from overflowing. */
function runOfFiniteNumbers(start: number, stride: number, count: number): boolean {
  return Number.isFinite(start) && Number.isFinite(stride) && Math.abs(start) + Math.abs(stride) * count < Number.MAX_VALUE / 2;
}

function artifact(o: Record<string, unknown>, at: string): ArtifactRecord {
  const copied = o.copied === undefined ? undefined : boolean(o, 'copied', at);
  // An artifact left in place (copied: false) has no copy; every other one has, as older records always did.
  const storedPath = copied === false ? nullable(o, 'storedPath', at, storedPathValue) : storedPathValue(o.storedPath, `${at}.storedPath`);
  const sha256 = text(o, 'sha256', at, 64);
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}.sha256 is not a hex sha256`);
  const role = text(o, 'role', at, 32);
  if (!(ARTIFACT_ROLES as readonly string[]).includes(role)) fail(`${at}.role ${role} is unknown`);
  return {
    kind: 'artifact',
    time: finite(o, 'time', at),
    name: name(o, 'name', at),
    context: context(o, at),
    step: nullable(o, 'step', at, (v, where) => integerValue(v, where, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
    originalPath: text(o, 'originalPath', at, MAX_PATH_LENGTH),
    storedPath,
    sizeBytes: integer(o, 'sizeBytes', at, 0, Number.MAX_SAFE_INTEGER),
    sha256,
    isDirectory: boolean(o, 'isDirectory', at),
    role: role as ArtifactRecord['role'],
    ...optional(o, 'isInput', at, booleanValue),
    ...(copied === undefined ? {} : { copied }),
    ...optional(o, 'isModel', at, booleanValue),
  };
}

function storedPathValue(value: unknown, at: string): string {
  const storedPath = textValue(value, at, MAX_PATH_LENGTH, 1);
  if (storedPath.startsWith('/') || storedPath.split('/').includes('..') || storedPath.includes('\0')) {
    fail(`${at} is not a path inside the run directory`);
  }
  return storedPath;
}

function dataset(o: Record<string, unknown>, at: string): DatasetRecord {
  const stats = plainObject(o.stats, `${at}.stats`);
  const entries = Object.entries(stats);
  if (entries.length > MAX_MAP_ENTRIES) fail(`${at}.stats has more than ${MAX_MAP_ENTRIES} entries`);
  const clean: Record<string, ParamValue> = {};
  for (const [key, value] of entries) clean[key] = paramValue(value, `${at}.stats.${key.slice(0, 40)}`);
  return { kind: 'dataset', time: finite(o, 'time', at), label: name(o, 'label', at), context: context(o, at), stats: clean };
}

const FOLDS: readonly FoldOperationName[] = ['MIN', 'MAX', 'ADD', 'SUBTRACT', 'MULTIPLY', 'CUSTOM'];

function finalMetric(o: Record<string, unknown>, at: string): FinalMetricRecord {
  const operation = text(o, 'operation', at, 16);
  if (!(FOLDS as readonly string[]).includes(operation)) fail(`${at}.operation ${operation} is unknown`);
  return {
    kind: 'final_metric',
    time: finite(o, 'time', at),
    name: name(o, 'name', at),
    operation: operation as FoldOperationName,
    initialValue: number(o, 'initialValue', at),
    value: number(o, 'value', at),
    count: integer(o, 'count', at, 0, Number.MAX_SAFE_INTEGER),
  };
}

function runEnd(o: Record<string, unknown>, at: string): RunEndRecord {
  const counts = plainObject(o.counts, `${at}.counts`);
  const entries = Object.entries(counts);
  if (entries.length > MAX_MAP_ENTRIES) fail(`${at}.counts has more than ${MAX_MAP_ENTRIES} entries`);
  const cleanCounts: Record<string, number> = {};
  for (const [key, value] of entries) cleanCounts[key] = integerValue(value, `${at}.counts.${key.slice(0, 40)}`, 0, Number.MAX_SAFE_INTEGER);
  return {
    kind: 'run_end',
    time: finite(o, 'time', at),
    exitCode: nullable(o, 'exitCode', at, (v, where) => integerValue(v, where, -(2 ** 31), 2 ** 31 - 1)),
    signal: nullable(o, 'signal', at, (v, where) => textValue(v, where, 32)),
    clean: boolean(o, 'clean', at),
    createGraph: boolean(o, 'createGraph', at),
    createSvg: boolean(o, 'createSvg', at),
    counts: cleanCounts,
  };
}

function carbonAttribution(o: Record<string, unknown>, at: string): CarbonAttributionRecord {
  return {
    kind: 'carbon_attribution',
    time: finite(o, 'time', at),
    method: text(o, 'method', at, 1024),
    countryIso: nullable(o, 'countryIso', at, (v, where) => textValue(v, where, 3)),
    region: nullable(o, 'region', at, (v, where) => textValue(v, where, 256)),
    carbonIntensityGPerKWh: finite(o, 'carbonIntensityGPerKWh', at),
    intensitySource: text(o, 'intensitySource', at, 1024),
  };
}

function contextRecord(o: Record<string, unknown>, at: string): ContextRecord {
  return {
    kind: 'context',
    time: finite(o, 'time', at),
    name: context(o, at, 'name'),
    parent: nullable(o, 'parent', at, contextValue),
    sourceOfData: nullable(o, 'sourceOfData', at, (v, where) => textValue(v, where, MAX_PATH_LENGTH)),
  };
}

function sourceCode(o: Record<string, unknown>, at: string): SourceCodeRecord {
  return {
    kind: 'source_code',
    time: finite(o, 'time', at),
    path: nullable(o, 'path', at, (v, where) => textValue(v, where, MAX_PATH_LENGTH, 1)),
    gitCommit: nullable(o, 'gitCommit', at, (v, where) => textValue(v, where, 64, 1)),
    gitRemote: nullable(o, 'gitRemote', at, (v, where) => textValue(v, where, MAX_PATH_LENGTH, 1)),
    gitBranch: nullable(o, 'gitBranch', at, (v, where) => textValue(v, where, MAX_NAME_LENGTH, 1)),
  };
}

// ---- field checks ----

function plainObject(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) fail(`${at} is not a map`);
  return value as Record<string, unknown>;
}

function list(o: Record<string, unknown>, key: string, at: string, max: number): unknown[] {
  const value = o[key];
  if (!Array.isArray(value)) fail(`${at}.${key} is not an array`);
  if (value.length > max) fail(`${at}.${key} has more than ${max} entries`);
  return value;
}

function textValue(value: unknown, at: string, maxLength: number, minLength = 0): string {
  if (typeof value !== 'string') fail(`${at} is not a string`);
  if (value.length > maxLength || value.length < minLength) fail(`${at} has ${value.length} characters, allowed ${minLength}..${maxLength}`);
  return value;
}

function text(o: Record<string, unknown>, key: string, at: string, maxLength: number, minLength = 0): string {
  return textValue(o[key], `${at}.${key}`, maxLength, minLength);
}

function name(o: Record<string, unknown>, key: string, at: string): string {
  return text(o, key, at, MAX_NAME_LENGTH, 1);
}

function contextValue(raw: unknown, at: string): string {
  const value = textValue(raw, at, 64, 1);
  if (!CONTEXT_NAME_PATTERN.test(value)) fail(`${at} is not a valid context name`);
  return value;
}

function context(o: Record<string, unknown>, at: string, key = 'context'): string {
  return contextValue(o[key], `${at}.${key}`);
}

function number(o: Record<string, unknown>, key: string, at: string): number {
  const value = o[key];
  if (typeof value !== 'number') fail(`${at}.${key} is not a number`);
  return value;
}

function finite(o: Record<string, unknown>, key: string, at: string): number {
  const value = number(o, key, at);
  if (!Number.isFinite(value)) fail(`${at}.${key} is not finite`);
  return value;
}

function integerValue(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(`${at} is not an integer in ${min}..${max}`);
  return value;
}

function integer(o: Record<string, unknown>, key: string, at: string, min: number, max: number): number {
  return integerValue(o[key], `${at}.${key}`, min, max);
}

function booleanValue(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') fail(`${at} is not a boolean`);
  return value;
}

function boolean(o: Record<string, unknown>, key: string, at: string): boolean {
  return booleanValue(o[key], `${at}.${key}`);
}

/**
 * A field newer records carry and older ones lack: `{ key: checked value }` when present, `{}` when
 * absent, so an old record decodes exactly as it always did.
 */
function optional<K extends string, T>(o: Record<string, unknown>, key: K, at: string, check: (value: unknown, at: string) => T): { [P in K]?: T } {
  return o[key] === undefined ? {} : ({ [key]: check(o[key], `${at}.${key}`) } as { [P in K]?: T });
}

function nullable<T>(o: Record<string, unknown>, key: string, at: string, check: (value: unknown, at: string) => T): T | null {
  const value = o[key];
  return value === null || value === undefined ? null : check(value, `${at}.${key}`);
}

/** A step or timestamp column, raw or as runs, checked to describe one point per value. */
function column(o: Record<string, unknown>, key: string, length: number, at: string): CheckedColumn {
  const checked = checkColumn(o[key], length);
  if (typeof checked === 'string') fail(`${at}.${key} ${checked}`);
  return checked;
}

function float64(o: Record<string, unknown>, key: string, at: string): Float64Array {
  const value = o[key];
  if (!(value instanceof Float64Array)) fail(`${at}.${key} is not a Float64Array`);
  return value;
}

function paramValue(value: unknown, at: string): ParamValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  return textValue(value, at, MAX_STRING_BYTES);
}

function stringMap(o: Record<string, unknown>, key: string, at: string): Record<string, string> {
  const entries = Object.entries(plainObject(o[key], `${at}.${key}`));
  if (entries.length > MAX_MAP_ENTRIES) fail(`${at}.${key} has more than ${MAX_MAP_ENTRIES} entries`);
  const clean: Record<string, string> = {};
  for (const [k, v] of entries) clean[k] = textValue(v, `${at}.${key}.${k.slice(0, 40)}`, MAX_STRING_BYTES);
  return clean;
}

function hasControlCharacter(value: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(value);
}
