/**
 * Channel messages between their JSON form on the socket and the form the agent's code uses. Decoding
 * never throws: whatever a client sends is either a message, or a reason to drop it.
 */
import { ARTIFACT_ROLES, MAX_NAME_LENGTH, MAX_PATH_LENGTH, MAX_RECORDS_PER_ENVELOPE, METRIC_FORMATS, PROTOCOL_VERSION, validateEnvelope, ZARR_CODECS } from '@prov4ml/prov-core';
import { decodeColumn, decodeIndexColumn, encodeColumn, encodeIndexColumn } from './columns.js';
import {
  absolutePath,
  boolean,
  context,
  csvSeparator,
  fail,
  finite,
  integer,
  Invalid,
  isPlainObject,
  nullable,
  oneOf,
  optional,
  relativeDirectory,
  requestId,
  text,
} from './field-checks.js';
import {
  CHANNEL_RECORD_KINDS,
  type AgentReply,
  type ChannelLanguage,
  type ChannelRecord,
  type ClientMessage,
  type ClientMessageType,
  type NonFiniteName,
  type SampleKind,
} from './protocol.js';

export type ClientMessageCheck =
  | { ok: true; message: ClientMessage }
  /**
   * `fatal`: the peer does not speak the protocol at all (not an object, unknown type), so the
   * connection is closed; otherwise only this message is dropped and a request gets an error reply.
   */
  | { ok: false; fatal: boolean; reason: string; id: number | null };

export function encodeClientMessage(message: ClientMessage): string {
  if (message.t !== 'records') return JSON.stringify(message);
  return JSON.stringify({ t: 'records', records: message.records.map(recordToWire) });
}

export function decodeClientMessage(raw: unknown): ClientMessageCheck {
  if (!isPlainObject(raw)) return { ok: false, fatal: true, reason: 'message is not a JSON object', id: null };
  const type = raw.t;
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_MESSAGES, type)) {
    return { ok: false, fatal: true, reason: `unknown message type ${JSON.stringify(type)?.slice(0, 40)}`, id: null };
  }
  try {
    return { ok: true, message: CLIENT_MESSAGES[type as ClientMessageType](raw) };
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const id = Number.isSafeInteger(raw.id) ? (raw.id as number) : null;
    return { ok: false, fatal: false, reason: `${type}: ${error.detail}`, id };
  }
}

/** The reply in `raw`, or null when it is not one. */
export function decodeAgentReply(raw: unknown): AgentReply | null {
  if (!isPlainObject(raw)) return null;
  try {
    const id = requestId(raw);
    switch (raw.t) {
      case 'started':
        return {
          t: 'started',
          id,
          rank: integer(raw, 'rank', 0),
          worldSize: integer(raw, 'worldSize', 1),
          runDir: text(raw, 'runDir', MAX_PATH_LENGTH, 1),
          collectAllProcesses: boolean(raw, 'collectAllProcesses'),
          saveAfterNLogs: integer(raw, 'saveAfterNLogs', 1),
          experimentName: text(raw, 'experimentName', MAX_NAME_LENGTH, 1),
          runId: integer(raw, 'runId', 0),
          artifactsDir: text(raw, 'artifactsDir', MAX_PATH_LENGTH, 1),
        };
      case 'documents':
        return {
          t: 'documents',
          id,
          json: text(raw, 'json', MAX_PATH_LENGTH, 1),
          dot: nullable(raw, 'dot', () => text(raw, 'dot', MAX_PATH_LENGTH, 1)),
          svg: nullable(raw, 'svg', () => text(raw, 'svg', MAX_PATH_LENGTH, 1)),
        };
      case 'ok':
        return {
          t: 'ok',
          id,
          ...(raw.storedPath === undefined ? {} : { storedPath: text(raw, 'storedPath', MAX_PATH_LENGTH, 1) }),
          ...(raw.complete === undefined ? {} : { complete: boolean(raw, 'complete') }),
          ...(raw.message === undefined ? {} : { message: text(raw, 'message', MAX_PATH_LENGTH * 4) }),
        };
      case 'error':
        return { t: 'error', id, message: text(raw, 'message', MAX_PATH_LENGTH * 4) };
      default:
        return null;
    }
  } catch (error) {
    if (error instanceof Invalid) return null;
    throw error;
  }
}

const CLIENT_MESSAGES: { [T in ClientMessageType]: (o: Record<string, unknown>) => Extract<ClientMessage, { t: T }> } = {
  hello: (o) => ({ t: 'hello', pid: integer(o, 'pid', 0), lang: oneOf(o, 'lang', LANGUAGES), version: text(o, 'version', 64) }),
  start_run: (o) => ({
    t: 'start_run',
    id: requestId(o),
    provUserNamespace: nullable(o, 'provUserNamespace', () => text(o, 'provUserNamespace', MAX_PATH_LENGTH)),
    experimentName: nullable(o, 'experimentName', () => text(o, 'experimentName', MAX_NAME_LENGTH, 1)),
    provenanceSaveDir: nullable(o, 'provenanceSaveDir', () => text(o, 'provenanceSaveDir', MAX_PATH_LENGTH, 1)),
    collectAllProcesses: nullable(o, 'collectAllProcesses', () => boolean(o, 'collectAllProcesses')),
    saveAfterNLogs: nullable(o, 'saveAfterNLogs', () => integer(o, 'saveAfterNLogs', 1)),
    rank: nullable(o, 'rank', () => integer(o, 'rank', 0)),
    ...optional(o, 'disableCodecarbon', () => boolean(o, 'disableCodecarbon')),
    ...optional(o, 'csvSeparator', () => csvSeparator(o)),
    ...optional(o, 'metricsFileType', () => oneOf(o, 'metricsFileType', METRIC_FORMATS)),
    ...optional(o, 'zarrCodec', () => oneOf(o, 'zarrCodec', ZARR_CODECS)),
    ...optional(o, 'runId', () => integer(o, 'runId', 0)),
    ...optional(o, 'time', () => finite(o, 'time')),
  }),
  records: (o) => ({ t: 'records', records: records(o) }),
  artifact: (o) => ({
    t: 'artifact',
    id: requestId(o),
    path: absolutePath(o, 'path'),
    name: nullable(o, 'name', () => text(o, 'name', MAX_NAME_LENGTH, 1)),
    context: context(o),
    step: nullable(o, 'step', () => integer(o, 'step', Number.MIN_SAFE_INTEGER)),
    timestamp: nullable(o, 'timestamp', () => finite(o, 'timestamp')),
    role: oneOf(o, 'role', ARTIFACT_ROLES),
    ...optional(o, 'isInput', () => boolean(o, 'isInput')),
    ...optional(o, 'copy', () => boolean(o, 'copy')),
    ...optional(o, 'subdirectory', () => relativeDirectory(o, 'subdirectory')),
    ...optional(o, 'isModel', () => boolean(o, 'isModel')),
    ...optional(o, 'scratchCopy', () => boolean(o, 'scratchCopy')),
  }),
  flush: (o) => ({ t: 'flush', id: requestId(o) }),
  end_run: (o) => ({
    t: 'end_run',
    id: requestId(o),
    createGraph: boolean(o, 'createGraph'),
    createSvg: boolean(o, 'createSvg'),
    ...optional(o, 'crateRoCrate', () => boolean(o, 'crateRoCrate')),
    ...optional(o, 'zipRunDir', () => boolean(o, 'zipRunDir')),
    ...optional(o, 'unifyExperiments', () => boolean(o, 'unifyExperiments')),
    ...optional(o, 'exit', () => programExit(o.exit)),
  }),
  documents: (o) => ({ t: 'documents', id: requestId(o), createGraph: boolean(o, 'createGraph'), createSvg: boolean(o, 'createSvg') }),
  sample: (o) => ({
    t: 'sample',
    kind: oneOf(o, 'kind', SAMPLE_KINDS),
    context: context(o),
    step: nullable(o, 'step', () => integer(o, 'step', Number.MIN_SAFE_INTEGER)),
  }),
};

/** Longest signal name end_run's `exit` may carry ('SIGRTMIN+15' has 11 characters). */
const MAX_SIGNAL_NAME_LENGTH = 32;

const LANGUAGES: readonly ChannelLanguage[] = ['python', 'node'];
const SAMPLE_KINDS: readonly SampleKind[] = ['system', 'carbon'];

/**
 * Records are checked by the same validation the aggregator applies to an envelope, so the agent
 * never seals a record that would make the aggregator drop the whole envelope.
 */
function records(o: Record<string, unknown>): ChannelRecord[] {
  const list = o.records;
  if (!Array.isArray(list)) fail('records is not an array');
  if (list.length > MAX_RECORDS_PER_ENVELOPE) fail(`more than ${MAX_RECORDS_PER_ENVELOPE} records`);
  const decoded = list.map((record: unknown, i) => recordFromWire(record, `records[${i}]`));
  const check = validateEnvelope({ v: PROTOCOL_VERSION, job: 'channel', rank: 0, worldSize: 1, sender: 'channel', seq: 1, sent: 0, runDir: '/', records: decoded });
  if (!check.ok) fail(check.detail);
  return check.envelope.records as ChannelRecord[];
}

function recordFromWire(raw: unknown, at: string): unknown {
  if (!isPlainObject(raw)) fail(`${at} is not an object`);
  if (!(CHANNEL_RECORD_KINDS as readonly unknown[]).includes(raw.kind)) fail(`${at}.kind ${JSON.stringify(raw.kind)?.slice(0, 40)} cannot come from a program`);
  if (raw.kind === 'metrics') {
    if (!Array.isArray(raw.series)) fail(`${at}.series is not an array`);
    return { ...raw, series: raw.series.map((series: unknown, i) => seriesFromWire(series, `${at}.series[${i}]`)) };
  }
  if (raw.kind === 'final_metric') return { ...raw, initialValue: numberFromWire(raw.initialValue), value: numberFromWire(raw.value) };
  return raw;
}

function seriesFromWire(raw: unknown, at: string): unknown {
  if (!isPlainObject(raw)) fail(`${at} is not an object`);
  const columns: Record<string, unknown> = {};
  for (const key of ['steps', 'values', 'timestamps']) {
    const column = raw[key];
    if (key === 'values' && typeof column !== 'string') fail(`${at}.${key} is not a base64 string`);
    try {
      columns[key] = key === 'values' ? decodeColumn(column as string) : decodeIndexColumn(column);
    } catch (error) {
      fail(`${at}.${key} ${(error as Error).message}`);
    }
  }
  return { ...raw, ...columns };
}

function recordToWire(record: ChannelRecord): unknown {
  if (record.kind === 'metrics') {
    return {
      kind: 'metrics',
      series: record.series.map((s) => ({ ...s, steps: encodeIndexColumn(s.steps), values: encodeColumn(s.values), timestamps: encodeIndexColumn(s.timestamps) })),
    };
  }
  if (record.kind === 'final_metric') return { ...record, initialValue: numberToWire(record.initialValue), value: numberToWire(record.value) };
  return record;
}

const NON_FINITE: Record<NonFiniteName, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function numberToWire(value: number): number | NonFiniteName {
  return Number.isFinite(value) ? value : (String(value) as NonFiniteName);
}

function numberFromWire(value: unknown): unknown {
  return typeof value === 'string' && Object.hasOwn(NON_FINITE, value) ? NON_FINITE[value as NonFiniteName] : value;
}

/** end_run's `exit`: how the program is exiting (a signal name such as SIGTERM, or an exit code). */
function programExit(raw: unknown): { exitCode: number | null; signal: string | null } {
  if (!isPlainObject(raw)) fail('exit is not an object');
  return {
    exitCode: nullable(raw, 'exitCode', () => integer(raw, 'exitCode', Number.MIN_SAFE_INTEGER)),
    signal: nullable(raw, 'signal', () => text(raw, 'signal', MAX_SIGNAL_NAME_LENGTH, 1)),
  };
}
