/**
 * The records an agent sends for one rank, and the envelope they travel in.
 *
 * This is the contract between the agent (which produces records), the aggregator (which stores
 * them) and the vocabulary (which turns them into PROV). Records are plain data so that msgpackr
 * can encode them without custom extensions; metric points travel columnar (typed arrays).
 */
import type { MetricFormat, ZarrCodec } from '../vocabulary/metric-format.js';

import type { NodeRecord } from './node-record.js';

// The node record lives beside its sub-records; callers find it here with the others.
export type { NodeGpu, NodeInterface, NodeRecord } from './node-record.js';

/** Bumped on any incompatible change of the envelope or of a record's shape. */
export const PROTOCOL_VERSION = 1;

/** Contexts the original knows, plus TESTING; user-defined contexts are any other valid name. */
export const Context = {
  TRAINING: 'TRAINING',
  VALIDATION: 'VALIDATION',
  TESTING: 'TESTING',
  EVALUATION: 'EVALUATION',
} as const;
export type BuiltInContext = (typeof Context)[keyof typeof Context];
/** A context name: one of {@link Context} or a user-defined name matching {@link CONTEXT_NAME_PATTERN}. */
export type ContextName = string;
export const CONTEXT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** The original's `LoggingItemKind`, with its string values. */
export const LoggingItemKind = {
  METRIC: 'metric',
  FLOPS_PER_BATCH: 'flops_pb',
  FLOPS_PER_EPOCH: 'flops_pe',
  SYSTEM_METRIC: 'system',
  CARBON_METRIC: 'carbon',
  EXECUTION_TIME: 'execution_time',
  MODEL_VERSION: 'model_version',
  FINAL_MODEL_VERSION: 'model_version_final',
  PARAMETER: 'param',
} as const;
export type LoggingItemKindValue = (typeof LoggingItemKind)[keyof typeof LoggingItemKind];

/** Where a launcher's facts came from; see the agent's rank detection. */
export type LauncherName = 'explicit' | 'torchrun' | 'openmpi' | 'mpich' | 'pmix' | 'slurm' | 'local' | 'single';

/** A parameter value as the user gave it, reduced to what survives msgpack and PROV literals. */
export type ParamValue = string | number | boolean | null;

/** Facts about the process the agent observes (the wrapper's child, or the API's own process). */
export interface RunStartRecord {
  kind: 'run_start';
  /** Unix epoch milliseconds. */
  time: number;
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  nodeRank: number;
  jobId: string;
  stepId: string | null;
  launcher: LauncherName;
  hostname: string;
  pid: number;
  user: string;
  argv: string[];
  cwd: string;
  /** Selected environment; never names containing KEY, TOKEN, SECRET or PASSWORD. */
  environment: Record<string, string>;
  /** e.g. { node: 'v20.20.2', prov4ml: '0.1.0', python: '3.11.2' }. */
  versions: Record<string, string>;
  gitCommit: string | null;
  /** True when the wrapper (`prov4ml run`) observes a child; false when the API runs in-process. */
  wrapped: boolean;
  /** The node this rank runs on, as its {@link NodeRecord} names it (absent from older agents: the hostname counts). */
  nodeName?: string;
}

/** What the program's `startRun` / `start_run` said. The first one of a job names the experiment. */
export interface RunConfigRecord {
  kind: 'run_config';
  time: number;
  provUserNamespace: string;
  experimentName: string;
  collectAllProcesses: boolean;
  saveAfterNLogs: number;
  /** Separator of this run's metric CSVs (start_run's csv_separator); absent: ','. See csv-separator.ts. */
  csvSeparator?: string;
  /** start_run(disable_codecarbon=True): this rank takes no carbon samples. */
  disableCodecarbon?: boolean;
  /** Format of this run's metric files (metrics_file_type); absent: csv. See metric-format.ts. */
  metricsFormat?: MetricFormat;
  /** Codec of a Zarr store's chunks (use_compressor=BLOSC_ZSTD: blosc); absent: zlib. */
  zarrCodec?: ZarrCodec;
}

export interface ParamRecord {
  kind: 'param';
  time: number;
  name: string;
  value: ParamValue;
  /** The context the program logged it in (newest API); absent or null: none. */
  context?: ContextName | null;
  /** Where the value came from, as the program said (the original's `source`). */
  source?: string | null;
  /** True: an input the run used; false: an output it generated; absent: neither said (older clients). */
  isInput?: boolean;
}

/** Points of one metric in one context, columnar. All three arrays have the same length. */
export interface MetricSeriesBatch {
  name: string;
  context: ContextName;
  /** The original's LoggingItemKind value, or a sampler's source such as 'nvidia-smi'. */
  source: string;
  /** Unit of the values, e.g. '%', 'W', 'J', 'gCO2eq'; empty when the user gave none. */
  unit: string;
  steps: Float64Array;
  values: Float64Array;
  /** Unix epoch milliseconds. */
  timestamps: Float64Array;
}

export interface MetricsRecord {
  kind: 'metrics';
  series: MetricSeriesBatch[];
}

export interface ArtifactRecord {
  kind: 'artifact';
  time: number;
  /** Name the user knows it by (basename of the logged path, or the model name). */
  name: string;
  context: ContextName;
  step: number | null;
  /** The path the user logged, as given. */
  originalPath: string;
  /** Where the copy lives, relative to the run directory (`artifacts/GR<rank>/…`); null when not copied. */
  storedPath: string | null;
  sizeBytes: number;
  /** Hex sha256 of the file, or of the directory's files in sorted path order. */
  sha256: string;
  isDirectory: boolean;
  /** 'model_version', 'model_version_final', 'artifact' or 'source_code' (a logged source file or tree). */
  role: 'artifact' | 'model_version' | 'model_version_final' | 'source_code';
  /** True: the run used it (an input); absent or false: the run generated it. */
  isInput?: boolean;
  /**
   * False: the file stays where it is (log_copy_in_prov_directory=False) and only its path, size and
   * hash are recorded; absent: copied (older agents always copied).
   */
  copied?: boolean;
  /** The program said it is a model (is_model), whatever its role. */
  isModel?: boolean;
  /**
   * True: the client wrote the logged file for the run (a model's state dict, a layers description) in
   * a scratch place it has since removed, so the copy is the artifact and there is no original to
   * derive it from; absent: the program's own file.
   */
  scratchCopy?: boolean;
}

export const ARTIFACT_ROLES: readonly ArtifactRecord['role'][] = ['artifact', 'model_version', 'model_version_final', 'source_code'];

export interface DatasetRecord {
  kind: 'dataset';
  time: number;
  label: string;
  context: ContextName;
  stats: Record<string, ParamValue>;
}

/** A context the program declared (create_context / log_context), with its place in the hierarchy. */
export interface ContextRecord {
  kind: 'context';
  time: number;
  name: ContextName;
  /** The context it is a sub-context of; null: a top-level context of the run. */
  parent: ContextName | null;
  /** log_context's source_of_data, as given. */
  sourceOfData: string | null;
}

/** Where the program's code is (log_source_code), as the client found it. */
export interface SourceCodeRecord {
  kind: 'source_code';
  time: number;
  /** Absolute path of the code (the path given, else the working directory). */
  path: string | null;
  gitCommit: string | null;
  gitRemote: string | null;
  gitBranch: string | null;
}

export type FoldOperationName = 'MIN' | 'MAX' | 'ADD' | 'SUBTRACT' | 'MULTIPLY' | 'CUSTOM';

export interface FinalMetricRecord {
  kind: 'final_metric';
  time: number;
  name: string;
  operation: FoldOperationName;
  initialValue: number;
  /** The folded value at end of run. */
  value: number;
  /** How many points were folded in. */
  count: number;
}

/** How the rank's observed process ended. `clean` is false for a signal or an unfinished run. */
export interface RunEndRecord {
  kind: 'run_end';
  time: number;
  exitCode: number | null;
  signal: string | null;
  clean: boolean;
  /** What the program's `endRun` asked for (false when it never called it). */
  createGraph: boolean;
  createSvg: boolean;
  /** end_run(crate_ro_crate=True): the job's RO-Crate is written once it is finalised (absent: no). */
  crateRoCrate?: boolean;
  /** start_run(use_compressor=ZIP): the run directory is zipped beside itself once finalised (absent: no). */
  zipRunDir?: boolean;
  /** start_run(unify_experiments=True): every run of the experiment is unified once this job is finalised (absent: no). */
  unifyExperiments?: boolean;
  /** Number of records (metric points for 'metrics') this sender produced, per kind. */
  counts: Record<string, number>;
}

/** How energy and emissions were attributed to this rank (carbon issue). */
export interface CarbonAttributionRecord {
  kind: 'carbon_attribution';
  time: number;
  /** e.g. 'node meter on local rank 0; node energy counted once, in this rank's document'. */
  method: string;
  countryIso: string | null;
  region: string | null;
  carbonIntensityGPerKWh: number;
  intensitySource: string;
}

/**
 * A record as a rank logs it and an envelope carries it (run start, a parameter, a metric series…): not
 * a PROV record (prov/model.ts `ProvRecord`), which the aggregator makes from these.
 */
export type EnvelopeRecord =
  | RunStartRecord
  | RunConfigRecord
  | ParamRecord
  | MetricsRecord
  | ArtifactRecord
  | DatasetRecord
  | FinalMetricRecord
  | RunEndRecord
  | CarbonAttributionRecord
  | ContextRecord
  | SourceCodeRecord
  | NodeRecord;

export type EnvelopeRecordKind = EnvelopeRecord['kind'];

/**
 * One message on the wire (msgpackr-encoded). Delivery is at-least-once; the aggregator drops
 * duplicates by (rank, sender, seq).
 */
export interface Envelope {
  v: number;
  /** The job key shared by all ranks of a job (see the agent's detection). */
  job: string;
  rank: number;
  worldSize: number;
  /** Random id of the sending process, stable for its lifetime. */
  sender: string;
  /** Per-sender sequence number, from 1, without gaps. */
  seq: number;
  /** Unix epoch ms when the batch was sealed. */
  sent: number;
  /** Absolute path of the job's run directory as the agent sees it (see docs/ARCHITECTURE.md). */
  runDir: string;
  records: EnvelopeRecord[];
}

/** Sent back by the aggregator: every seq ≤ `upTo` of `sender` is on disk. */
export interface Ack {
  v: number;
  sender: string;
  upTo: number;
}

/**
 * Published by the aggregator to every sender (topic BEACON_TOPIC) each BEACON_INTERVAL_MS: how long
 * ago it last had nothing queued (every frame that had reached it written and acked). A sender whose
 * frame is older than that moment and still unacked resends it; one whose frame came later waits,
 * since the frame is queued behind the others, not lost (a resend would only queue a copy behind it).
 */
export interface Beacon {
  v: number;
  /** Milliseconds since the aggregator last had nothing queued; 0: nothing queued now. */
  behindMs: number;
}
