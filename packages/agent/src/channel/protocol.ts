/**
 * The local channel between a program (the Python client, or a Node program using the TS API under
 * `prov4ml run`) and its rank's agent: a Unix stream socket carrying frames of `u32 LE length` +
 * UTF-8 JSON. A request that expects a reply carries a numeric `id`; the reply echoes it.
 *
 * These are the messages as the agent's code sees them. On the socket, metric columns travel as
 * base64 of little-endian float64 arrays, steps and timestamps also as base64 runs (see `columns.ts`), and non-finite numbers outside those
 * columns (a final metric folded from a NaN loss) as the names in {@link NonFiniteName}, because JSON
 * has no NaN. `codec.ts` converts between the two forms.
 */
import type {
  ArtifactRecord,
  ContextName,
  ContextRecord,
  DatasetRecord,
  FinalMetricRecord,
  MetricFormat,
  MetricsRecord,
  ParamRecord,
  SourceCodeRecord,
  ZarrCodec,
} from '@prov4ml/prov-core';

export type ChannelLanguage = 'python' | 'node';

/** First message of a connection (no reply): who is talking. */
export interface HelloMessage {
  t: 'hello';
  pid: number;
  lang: ChannelLanguage;
  /** Version of the client library. */
  version: string;
}

/** Metric file formats an agent writes; the Python client sends 'csv' for the formats not written yet. */
export type MetricsFileType = MetricFormat;

/**
 * The program's start_run / startRun; null where the program left an option unset. Fields marked
 * optional came with the newest API; a client that predates them leaves them out (same as null).
 */
export interface StartRunMessage {
  t: 'start_run';
  id: number;
  provUserNamespace: string | null;
  experimentName: string | null;
  provenanceSaveDir: string | null;
  collectAllProcesses: boolean | null;
  saveAfterNLogs: number | null;
  /** The rank the program claims (the original's `rank` argument); null lets the agent decide. */
  rank: number | null;
  /** disable_codecarbon: this rank takes no carbon samples. */
  disableCodecarbon?: boolean | null;
  /** csv_separator: one character that separates the run's metric CSV cells (see csvSeparatorProblem). */
  csvSeparator?: string | null;
  /** metrics_file_type: the format of the run's metric files; null: the agent's (PROV4ML_METRICS_FORMAT, else csv). */
  metricsFileType?: MetricsFileType | null;
  /** use_compressor=BLOSC_ZSTD: a Zarr store's chunks are Blosc frames; null: zlib. */
  zarrCodec?: ZarrCodec | null;
  /** use_run_id: the run directory is `<experiment>_<runId>` (as PROV4ML_RUN_ID does). */
  runId?: number | null;
  /**
   * When the program called start_run (Unix epoch ms). An agent the program starts for itself comes up
   * after the call, so the run's start is the earlier of this and the agent's own start.
   */
  time?: number | null;
}

/**
 * Records only the program knows. The agent adds what only it knows (run start, run config from
 * start_run, artifacts it stored, run end).
 */
export type ChannelRecord = ParamRecord | MetricsRecord | DatasetRecord | FinalMetricRecord | ContextRecord | SourceCodeRecord;
export const CHANNEL_RECORD_KINDS: readonly ChannelRecord['kind'][] = ['param', 'metrics', 'dataset', 'final_metric', 'context', 'source_code'];

/** A batch of records (no reply). */
export interface RecordsMessage {
  t: 'records';
  records: ChannelRecord[];
}

export type ArtifactRole = ArtifactRecord['role'];

/** Asks the agent to copy a file or directory into the run directory and record it. */
export interface ArtifactMessage {
  t: 'artifact';
  id: number;
  /** Absolute path as the program sees it. */
  path: string;
  /** Name to store it under; null: the basename of `path`. */
  name: string | null;
  context: ContextName;
  step: number | null;
  /** Unix epoch milliseconds of the logging call; null: when the agent receives it. */
  timestamp: number | null;
  role: ArtifactRole;
  /** is_input: the run used it; absent, null or false: the run generated it. New fields: null means absent. */
  isInput?: boolean | null;
  /**
   * log_copy_in_prov_directory; absent: true. False: the file is fingerprinted where it is and not
   * copied (the reply has no storedPath).
   */
  copy?: boolean | null;
  /** log_copy_subdirectory: the copy goes to `artifacts/GR<rank>/<subdirectory>/<name>`. */
  subdirectory?: string | null;
  /** is_model. */
  isModel?: boolean | null;
  /** The client wrote the file for the run in a scratch place (a model's state dict): no original to record. */
  scratchCopy?: boolean | null;
}

/** Replied to once everything sent before it is in the agent's spool. */
export interface FlushMessage {
  t: 'flush';
  id: number;
}

export interface EndRunMessage {
  t: 'end_run';
  id: number;
  createGraph: boolean;
  createSvg: boolean;
  /** crate_ro_crate: the job's RO-Crate is written once the job is finalised. */
  crateRoCrate?: boolean | null;
  /** start_run(use_compressor=ZIP), sent at the end: `<run dir>.zip` is written once the job is finalised. */
  zipRunDir?: boolean | null;
  /** start_run(unify_experiments=True), sent at the end: the experiment's runs are unified once the job is finalised. */
  unifyExperiments?: boolean | null;
  /**
   * Sent by a client ending the run from its exit path (no end_run call: a normal exit, an uncaught
   * exception, a signal): the exit status as far as it knows it. Absent or null: the program called end_run.
   */
  exit?: { exitCode: number | null; signal: string | null } | null;
}

/**
 * The end_run reply's verdict. Under a wrapper: the rank's records are in the agent's spool (the wrapper
 * outlives the program and finishes the run). From `prov4ml agent`: the rank's records are confirmed by
 * the aggregator and, where this agent hosts it, the job's files are written. `complete` false: `message`
 * says what is kept and the `prov4ml merge` command that rebuilds the files.
 */
export interface EndRunOutcome {
  complete: boolean;
  message?: string;
}

/**
 * log_provenance_documents: everything sent before it is persisted, then this rank's documents are
 * written into the run directory now (finalisation later overwrites them with the complete ones).
 */
export interface DocumentsMessage {
  t: 'documents';
  id: number;
  createGraph: boolean;
  createSvg: boolean;
}

export type SampleKind = 'system' | 'carbon';

/** log_system_metrics / log_carbon_metrics: the agent's samplers take a sample now (no reply). */
export interface SampleMessage {
  t: 'sample';
  kind: SampleKind;
  context: ContextName;
  step: number | null;
}

/** Messages that expect a reply. */
export type ClientRequest = StartRunMessage | ArtifactMessage | FlushMessage | EndRunMessage | DocumentsMessage;
/** Messages without a reply. */
export type ClientNotification = HelloMessage | RecordsMessage | SampleMessage;
export type ClientMessage = ClientNotification | ClientRequest;
export type ClientMessageType = ClientMessage['t'];

export interface StartedReply {
  t: 'started';
  id: number;
  rank: number;
  worldSize: number;
  /** Absolute path of the job's run directory. */
  runDir: string;
  /** The options in effect once the agent's configuration (flags, PROV4ML_*) filled what start_run left null. */
  collectAllProcesses: boolean;
  saveAfterNLogs: number;
  /** The experiment the run directory belongs to (the first start_run of the job named it). */
  experimentName: string;
  runId: number;
  /** Absolute path of this rank's artifact directory: `<runDir>/artifacts/GR<rank>`. */
  artifactsDir: string;
}

/** Absolute paths of the documents a documents request wrote; null where not asked for. */
export interface DocumentsReply {
  t: 'documents';
  id: number;
  json: string;
  dot: string | null;
  svg: string | null;
}

export interface OkReply {
  t: 'ok';
  id: number;
  /** For an artifact: where the copy lives, relative to the run directory (absent when not copied). */
  storedPath?: string;
  /** For end_run (EndRunOutcome). */
  complete?: boolean;
  message?: string;
}

export interface ErrorReply {
  t: 'error';
  id: number;
  /** One line, meant for the program's user. */
  message: string;
}

export type AgentReply = StartedReply | DocumentsReply | OkReply | ErrorReply;

/** The successful reply each request gets. */
export interface ReplyFor {
  start_run: StartedReply;
  artifact: OkReply;
  flush: OkReply;
  end_run: OkReply;
  documents: DocumentsReply;
}

/** How a non-finite number is spelled where JSON would need a bare NaN (outside metric columns). */
export type NonFiniteName = 'NaN' | 'Infinity' | '-Infinity';
