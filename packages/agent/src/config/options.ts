/**
 * The option table: every `PROV4ML_*` variable the TypeScript side reads, with its option, meaning,
 * grammar and default, and the only code that reads them (the environment is a parameter; the edge
 * passes `process.env` once). Explicit arguments beat the environment, and every bad value is one
 * UserError naming the argument or variable at once, so that a wrong sbatch script fails at `startRun`,
 * not at the end of a long job. The grammar of each kind of value is in readers.ts.
 */
import { curveRequired, DEFAULT_METRIC_FORMAT, MAX_DATA_PORT, METRIC_FORMATS, UserError, type MetricFormat } from '@prov4ml/prov-core';
import { DEFAULT_METRICS_INTERVAL_S } from '../metrics/limits.js';
import {
  absolutePathReader,
  badValue,
  countryCodeReader,
  flagReader,
  integerReader,
  nonNegativeReader,
  oneOfReader,
  textReader,
  trimmedTextReader,
  variableText,
  zmqEndpointReader,
  type Environment,
  type ValueReader,
} from './readers.js';

export type { Environment } from './readers.js';

/** The options of a rank's run: flags of `run` and `agent`, startRun arguments, PROV4ML_<OPTION>. */
export interface RunOptions {
  provUserNamespace: string;
  /** null: the program's first startRun names it. */
  experimentName: string | null;
  /** null: the program's first startRun names it. */
  provenanceSaveDir: string | null;
  /** false: only rank 0's user-logged records are kept (the original's meaning). */
  collectAllProcesses: boolean;
  saveAfterNLogs: number;
  rank: number | null;
  worldSize: number | null;
  /** ZeroMQ endpoint of an aggregator that already runs; then no rank hosts one. */
  aggregator: string | null;
  /** Port of the hosted aggregator (acks use port + 1); 0 = ephemeral. */
  port: number | null;
  runId: number | null;
  /** One value for every rank of the job; names the job where the launcher does not. */
  jobId: string | null;
  /** Seconds between system/GPU/carbon samples; 0 = off. */
  metricsInterval: number;
  /** Seconds after which a hosted aggregator stops waiting for a silent rank (it is recorded unfinished). */
  rankTimeout: number;
  /** Plain ZeroMQ transport even off loopback: no encryption, and anyone who reaches the port can send. */
  insecure: boolean;
  /** Directory of the job's CURVE key files; null: `<run dir>/.prov4ml/curve` (README "Security / threat model"). */
  keyDir: string | null;
  /** Format of the run's metric files (start_run's metrics_file_type). */
  metricsFormat: MetricFormat;
  /** Relay each node's ranks through one connection from local rank 0's wrapper; null: when the job spans several nodes. */
  relay: boolean | null;
}

/** What the samplers read from PROV4ML_* (their interval is a run option; visible GPUs are CUDA's and ROCm's own variables). */
export interface SamplerVariables {
  /** ISO 3166 alpha-3 country code, upper case, for the carbon intensity; null: world average. */
  countryIso: string | null;
  /** A region of `countryIso` the shipped tables know (US state, Canadian province, Nordic zone). */
  region: string | null;
  /** A forced carbon intensity in gCO2eq/kWh; beats country and region. */
  carbonIntensityGPerKWh: number | null;
  /** Directory holding `sys/class/powercap` ('/' on a real node; a fake tree in tests). */
  raplRoot: string;
}

/** What one process of a job is told by whoever started it, apart from the run. */
export interface ProcessOptions {
  /** The local channel of this rank's agent, set by `prov4ml run` for its program; null: the program is its own agent. */
  channel: string | null;
  /** Where a stand-alone aggregator (`prov4ml aggregate`) binds. */
  bind: string | null;
}

interface OptionSpec<V> {
  env: string;
  description: string;
  reader: ValueReader<NonNullable<V>>;
  fallback: V;
}

type OptionGroupTable<T> = { readonly [K in keyof T]: OptionSpec<T[K]> };

const RUN_OPTIONS: OptionGroupTable<RunOptions> = {
  provUserNamespace: { env: 'PROV4ML_PROV_USER_NAMESPACE', description: "namespace of the user's PROV identifiers", reader: textReader, fallback: 'www.example.org' },
  experimentName: {
    env: 'PROV4ML_EXPERIMENT_NAME',
    description: 'experiment name; the run directory is <save dir>/<experiment>_<run id>',
    reader: textReader,
    fallback: null,
  },
  provenanceSaveDir: { env: 'PROV4ML_PROVENANCE_SAVE_DIR', description: 'directory that receives the run directories (shared by all nodes)', reader: textReader, fallback: null },
  collectAllProcesses: { env: 'PROV4ML_COLLECT_ALL_PROCESSES', description: "keep every rank's user-logged records, not only rank 0's", reader: flagReader, fallback: false },
  saveAfterNLogs: { env: 'PROV4ML_SAVE_AFTER_N_LOGS', description: 'send logged points after this many logs of one metric', reader: integerReader(1), fallback: 100 },
  rank: { env: 'PROV4ML_RANK', description: 'global rank, instead of the launcher’s', reader: integerReader(0), fallback: null },
  worldSize: { env: 'PROV4ML_WORLD_SIZE', description: 'number of ranks, instead of the launcher’s', reader: integerReader(1), fallback: null },
  aggregator: {
    env: 'PROV4ML_AGGREGATOR',
    description: 'endpoint of an aggregator that already runs (then no rank hosts one)',
    reader: zmqEndpointReader('connect'),
    fallback: null,
  },
  port: {
    env: 'PROV4ML_PORT',
    description: 'port of the aggregator hosted by rank 0 (acks on port + 1; 0 = any free port)',
    reader: integerReader(0, MAX_DATA_PORT),
    fallback: null,
  },
  runId: { env: 'PROV4ML_RUN_ID', description: 'run id instead of the smallest free one', reader: integerReader(0), fallback: null },
  jobId: { env: 'PROV4ML_JOB_ID', description: 'job id shared by all ranks, where the launcher gives none', reader: textReader, fallback: null },
  metricsInterval: {
    env: 'PROV4ML_METRICS_INTERVAL',
    description: 'seconds between system, GPU and carbon samples (0 = off)',
    reader: nonNegativeReader('seconds'),
    fallback: DEFAULT_METRICS_INTERVAL_S,
  },
  rankTimeout: {
    env: 'PROV4ML_RANK_TIMEOUT',
    description: 'seconds after which the hosted aggregator stops waiting for a silent rank and finalises',
    reader: nonNegativeReader('seconds'),
    fallback: 60,
  },
  insecure: {
    env: 'PROV4ML_INSECURE',
    description: 'plain ZeroMQ transport even off loopback: no CURVE encryption, anyone who reaches the port can send',
    reader: flagReader,
    fallback: false,
  },
  keyDir: {
    env: 'PROV4ML_KEY_DIR',
    description: "directory of the aggregator's CURVE key files, readable by every rank (default <run dir>/.prov4ml/curve; needed with a stand-alone aggregator off loopback)",
    reader: textReader,
    fallback: null,
  },
  metricsFormat: {
    env: 'PROV4ML_METRICS_FORMAT',
    description: 'format of the metric files: csv, txt (the original\'s text layout), netcdf (.nc) or zarr (.zarr store)',
    reader: oneOfReader(METRIC_FORMATS),
    fallback: DEFAULT_METRIC_FORMAT,
  },
  relay: {
    env: 'PROV4ML_RELAY',
    description: "relay each node's ranks to the aggregator through one connection from the node's first rank (default: on when the job spans several nodes; prov4ml run only)",
    reader: flagReader,
    fallback: null,
  },
};

const SAMPLER_VARIABLES: OptionGroupTable<SamplerVariables> = {
  countryIso: { env: 'PROV4ML_COUNTRY', description: 'country of the carbon intensity (default: world average)', reader: countryCodeReader, fallback: null },
  region: { env: 'PROV4ML_REGION', description: 'region of that country the carbon tables know (US state, Canadian province, Nordic zone)', reader: trimmedTextReader, fallback: null },
  carbonIntensityGPerKWh: { env: 'PROV4ML_CARBON_INTENSITY', description: 'carbon intensity to use instead of the tables', reader: nonNegativeReader('gCO2eq/kWh'), fallback: null },
  raplRoot: { env: 'PROV4ML_RAPL_ROOT', description: 'directory holding sys/class/powercap for the CPU energy counters', reader: absolutePathReader, fallback: '/' },
};

const PROCESS_OPTIONS: OptionGroupTable<ProcessOptions> = {
  channel: { env: 'PROV4ML_CHANNEL', description: 'local channel of the rank’s agent; set by prov4ml run for its program', reader: textReader, fallback: null },
  bind: {
    env: 'PROV4ML_BIND',
    description: 'ZeroMQ endpoint a stand-alone aggregator binds (port 0: any free port); acks use port + 1',
    reader: zmqEndpointReader('bind'),
    fallback: null,
  },
};

/**
 * The one table, by who reads the variables: the run (whose rows the CLI also turns into flags and
 * `--help`, so option names, variables and descriptions cannot drift apart), the samplers, and the
 * process (how `prov4ml run` reaches its program, where `prov4ml aggregate` binds).
 */
export const OPTION_TABLE = { run: RUN_OPTIONS, samplers: SAMPLER_VARIABLES, process: PROCESS_OPTIONS } as const;

/** One row of the table: its option, its `PROV4ML_*` variable, what it means and what it accepts. */
export interface OptionVariable {
  group: keyof typeof OPTION_TABLE;
  option: string;
  env: string;
  description: string;
  expected: string;
  /** The JavaScript type of the option (also its command-line flag's type). */
  type: 'string' | 'boolean' | 'number';
}

/** A row of the run options. */
export interface RunOptionVariable extends OptionVariable {
  group: 'run';
  option: keyof RunOptions;
}

/** Every row of {@link OPTION_TABLE}, group by group. */
export const OPTION_VARIABLES: readonly OptionVariable[] = (Object.keys(OPTION_TABLE) as (keyof typeof OPTION_TABLE)[]).flatMap((group) =>
  Object.entries<OptionSpec<unknown>>(OPTION_TABLE[group]).map(([option, spec]) => ({
    group,
    option,
    env: spec.env,
    description: spec.description,
    expected: spec.reader.expected,
    type: spec.reader.argumentType,
  })),
);

export const RUN_OPTION_VARIABLES: readonly RunOptionVariable[] = OPTION_VARIABLES.filter((row): row is RunOptionVariable => row.group === 'run');

/** Values of one group and, per option, where each came from (the argument, the variable, or 'default'). */
interface Resolved<T> {
  values: T;
  sources: { [K in keyof T]: string };
}

/** Explicit arguments (null or undefined = not given) beat the group's variables, which beat its defaults. */
function resolveGroup<T>(table: OptionGroupTable<T>, explicit: Partial<T>, env: Environment): Resolved<T> {
  const values = {} as T;
  const sources = {} as Resolved<T>['sources'];
  for (const option of Object.keys(table) as (keyof T & string)[]) {
    const spec: OptionSpec<T[typeof option]> = table[option];
    const given: unknown = explicit[option];
    if (given !== undefined && given !== null) {
      if (typeof given !== spec.reader.argumentType) throw new TypeError(`${option} must be a ${spec.reader.argumentType}, got ${typeof given}`);
      const value = spec.reader.fromArgument(given as NonNullable<T[typeof option]>);
      if (value === undefined) throw badValue(option, given, spec.reader.expected);
      values[option] = value;
      sources[option] = option;
      continue;
    }
    const raw = variableText(env, spec.env);
    if (raw !== undefined) {
      const value = spec.reader.fromText(raw);
      if (value === undefined) throw badValue(spec.env, raw, spec.reader.expected);
      values[option] = value;
      sources[option] = spec.env;
    } else {
      values[option] = spec.fallback;
      sources[option] = 'default';
    }
  }
  return { values, sources };
}

/**
 * Resolves every run option: explicit arguments (null or undefined = not given) beat `PROV4ML_*`
 * variables, which beat the defaults.
 * @throws UserError naming the argument or variable of a bad value, or of a rank ≥ world size.
 */
export function resolveRunOptions(explicit: Partial<RunOptions>, env: Environment): RunOptions {
  const { values: options, sources } = resolveGroup(RUN_OPTIONS, explicit, env);
  if (options.rank !== null && options.worldSize !== null && options.rank >= options.worldSize) {
    throw new UserError(`${sources.rank}: rank ${options.rank} is not below ${sources.worldSize} ${options.worldSize}`);
  }
  // A stand-alone aggregator cannot know the run directory in advance, so its key must be where PROV4ML_KEY_DIR says.
  if (options.aggregator !== null && options.keyDir === null && curveRequired({ endpoint: options.aggregator, keyDir: null, insecure: options.insecure })) {
    throw new UserError(
      `PROV4ML_KEY_DIR: not set, but ${sources.aggregator} ${options.aggregator} is not loopback: set it to the directory where that aggregator wrote its CURVE key (or PROV4ML_INSECURE=1 for plain transport)`,
    );
  }
  return options;
}

/** The sampler variables the environment sets (only those, so they can be spread over defaults). */
export function resolveSamplerVariables(env: Environment): Partial<SamplerVariables> {
  const { values, sources } = resolveGroup(SAMPLER_VARIABLES, {}, env);
  const set: Partial<SamplerVariables> = {};
  for (const option of Object.keys(values) as (keyof SamplerVariables)[]) {
    if (sources[option] !== 'default') Object.assign(set, { [option]: values[option] });
  }
  return set;
}

/** What the samplers assume where no variable says. */
export const SAMPLER_DEFAULTS: Readonly<SamplerVariables> = resolveGroup(SAMPLER_VARIABLES, {}, {}).values;

/** The process options: explicit arguments (a command's flags) beat PROV4ML_CHANNEL and PROV4ML_BIND. */
export function resolveProcessOptions(explicit: Partial<ProcessOptions>, env: Environment): ProcessOptions {
  return resolveGroup(PROCESS_OPTIONS, explicit, env).values;
}
