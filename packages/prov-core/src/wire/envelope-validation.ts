/**
 * Shape validation of a decoded envelope. Every record is rebuilt field by field into a fresh object,
 * so nothing a sender adds (extra keys, odd types) reaches the aggregator's state. (msgpackr already
 * renames a `__proto__` key, so copying keys into plain objects is safe.)
 */
import { csvSeparatorProblem } from '../vocabulary/csv-separator.js';
import { METRIC_FORMATS, ZARR_CODECS } from '../vocabulary/metric-format.js';
import {
  ARTIFACT_ROLES, PROTOCOL_VERSION, type ArtifactRecord, type CarbonAttributionRecord, type ContextRecord, type DatasetRecord,
  type Envelope, type FinalMetricRecord, type FoldOperationName, type LauncherName, type MetricsRecord, type ParamRecord,
  type ParamValue, type EnvelopeRecord, type EnvelopeRecordKind, type RunConfigRecord, type RunEndRecord, type RunStartRecord,
  type SourceCodeRecord
} from './records.js';
import {
  MAX_ARGV_ENTRIES, MAX_JOB_KEY_LENGTH, MAX_MAP_ENTRIES, MAX_NAME_LENGTH, MAX_PATH_LENGTH, MAX_RECORDS_PER_ENVELOPE,
  MAX_SERIES_PER_RECORD, MAX_STRING_BYTES, MAX_WORLD_SIZE, SENDER_ID_PATTERN
} from './limits.js';
import {
  boolean, booleanValue, context, contextValue, fail, finite, hasControlCharacter, integer, integerValue, Invalid, list, name,
  nullable, number, optional, paramValue, plainObject, stringMap, text, textValue, type ShapeCause
} from './field-checks.js';
import { seriesBatch } from './series-validation.js';
import { nodeRecord } from './node-validation.js';

export type EnvelopeCheck = { ok: true; envelope: Envelope } | { ok: false; cause: ShapeCause; detail: string };

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

const RECORDS: { [K in EnvelopeRecordKind]: (o: Record<string, unknown>, at: string) => Extract<EnvelopeRecord, { kind: K }> } = {
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
  node: nodeRecord,
};

function record(raw: unknown, at: string): EnvelopeRecord {
  const o = plainObject(raw, at);
  const kind = o.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(RECORDS, kind)) fail(`${at}.kind ${String(kind).slice(0, 40)} is unknown`, 'unknown_kind');
  return RECORDS[kind as EnvelopeRecordKind](o, at);
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
    ...optional(o, 'nodeName', at, (v, where) => textValue(v, where, 255, 1)),
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
    ...optional(o, 'metricsFormat', at, (value, where) => oneOfValues(value, where, METRIC_FORMATS)),
    ...optional(o, 'zarrCodec', at, (value, where) => oneOfValues(value, where, ZARR_CODECS)),
  };
}

function oneOfValues<T extends string>(value: unknown, at: string, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) fail(`${at} is not one of ${allowed.join(', ')}`);
  return value as T;
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
function metrics(o: Record<string, unknown>, at: string): MetricsRecord {
  return { kind: 'metrics', series: list(o, 'series', at, MAX_SERIES_PER_RECORD).map((s, i) => seriesBatch(s, `${at}.series[${i}]`, pointsChecked)) };
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
    ...optional(o, 'scratchCopy', at, booleanValue),
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
    // Absent in the spools of agents older than the crate: false.
    crateRoCrate: o.crateRoCrate === undefined ? false : boolean(o, 'crateRoCrate', at),
    zipRunDir: o.zipRunDir === undefined ? false : boolean(o, 'zipRunDir', at),
    ...(o.unifyExperiments === undefined ? {} : { unifyExperiments: boolean(o, 'unifyExperiments', at) }),
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

