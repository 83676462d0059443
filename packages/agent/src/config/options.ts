/**
 * Run options from explicit arguments and `PROV4ML_*` variables: the only place in the agent that reads
 * them (the environment is a parameter; the caller passes `process.env`). Explicit arguments beat the
 * environment, and every bad value is a UserError naming the argument or variable at once, so that a
 * wrong sbatch script fails at `startRun`, not at the end of a long job.
 */
import { curveRequired, UserError } from '@prov4ml/prov-core';
import { checkZmqEndpoint, MAX_AGGREGATOR_PORT } from '../rank/endpoint.js';

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
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** How a value is read from a variable's text or checked as a JavaScript argument. */
interface ValueReader<T> {
  /** What a valid value looks like, for error messages and `--help`. */
  expected: string;
  /** The JavaScript type of an argument; another type is a programming error (TypeError). */
  argumentType: 'string' | 'boolean' | 'number';
  fromText(text: string): T | undefined;
  /** The value when it is acceptable, else undefined; only called with `argumentType` values. */
  fromArgument(value: T): T | undefined;
}

interface OptionSpec<K extends keyof RunOptions> {
  env: string;
  description: string;
  reader: ValueReader<NonNullable<RunOptions[K]>>;
  fallback: RunOptions[K];
}

const text: ValueReader<string> = {
  expected: 'a non-empty string without control characters',
  argumentType: 'string',
  fromText: (value) => (isPlainText(value) ? value : undefined),
  fromArgument: (value) => (isPlainText(value) ? value : undefined),
};

const FLAG_WORDS: Readonly<Record<string, boolean>> = { '1': true, true: true, yes: true, '0': false, false: false, no: false };

const flag: ValueReader<boolean> = {
  expected: 'one of 1, 0, true, false, yes, no',
  argumentType: 'boolean',
  fromText: (value) => FLAG_WORDS[value.trim().toLowerCase()],
  fromArgument: (value) => value,
};

function integer(min: number, max = Number.MAX_SAFE_INTEGER): ValueReader<number> {
  const inRange = (value: number) => Number.isSafeInteger(value) && value >= min && value <= max;
  return {
    expected: max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`,
    argumentType: 'number',
    fromText: (value) => (/^\s*\d+\s*$/.test(value) && inRange(Number(value)) ? Number(value) : undefined),
    fromArgument: (value) => (inRange(value) ? value : undefined),
  };
}

const seconds: ValueReader<number> = {
  expected: 'a number of seconds ≥ 0',
  argumentType: 'number',
  fromText: (value) => (/^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined),
  fromArgument: (value) => (Number.isFinite(value) && value >= 0 ? value : undefined),
};

const endpoint: ValueReader<string> = {
  expected: 'a ZeroMQ endpoint tcp://HOST:PORT or ipc://PATH',
  argumentType: 'string',
  fromText: (value) => checkZmqEndpoint(value.trim()) ?? undefined,
  fromArgument: (value) => checkZmqEndpoint(value) ?? undefined,
};

/**
 * Every run option, its variable and its meaning. The CLI reuses this table for `--help` and for its
 * own environment fallback, so option names, variables and descriptions cannot drift apart.
 */
const RUN_OPTION_SPECS: { readonly [K in keyof RunOptions]: OptionSpec<K> } = {
  provUserNamespace: {
    env: 'PROV4ML_PROV_USER_NAMESPACE',
    description: "namespace of the user's PROV identifiers",
    reader: text,
    fallback: 'www.example.org',
  },
  experimentName: {
    env: 'PROV4ML_EXPERIMENT_NAME',
    description: 'experiment name; the run directory is <save dir>/<experiment>_<run id>',
    reader: text,
    fallback: null,
  },
  provenanceSaveDir: {
    env: 'PROV4ML_PROVENANCE_SAVE_DIR',
    description: 'directory that receives the run directories (shared by all nodes)',
    reader: text,
    fallback: null,
  },
  collectAllProcesses: {
    env: 'PROV4ML_COLLECT_ALL_PROCESSES',
    description: "keep every rank's user-logged records, not only rank 0's",
    reader: flag,
    fallback: false,
  },
  saveAfterNLogs: {
    env: 'PROV4ML_SAVE_AFTER_N_LOGS',
    description: 'send logged points after this many logs of one metric',
    reader: integer(1),
    fallback: 100,
  },
  rank: { env: 'PROV4ML_RANK', description: 'global rank, instead of the launcher’s', reader: integer(0), fallback: null },
  worldSize: {
    env: 'PROV4ML_WORLD_SIZE',
    description: 'number of ranks, instead of the launcher’s',
    reader: integer(1),
    fallback: null,
  },
  aggregator: {
    env: 'PROV4ML_AGGREGATOR',
    description: 'endpoint of an aggregator that already runs (then no rank hosts one)',
    reader: endpoint,
    fallback: null,
  },
  port: {
    env: 'PROV4ML_PORT',
    description: 'port of the aggregator hosted by rank 0 (acks on port + 1; 0 = any free port)',
    reader: integer(0, MAX_AGGREGATOR_PORT),
    fallback: null,
  },
  runId: { env: 'PROV4ML_RUN_ID', description: 'run id instead of the smallest free one', reader: integer(0), fallback: null },
  jobId: {
    env: 'PROV4ML_JOB_ID',
    description: 'job id shared by all ranks, where the launcher gives none',
    reader: text,
    fallback: null,
  },
  metricsInterval: {
    env: 'PROV4ML_METRICS_INTERVAL',
    description: 'seconds between system, GPU and carbon samples (0 = off)',
    reader: seconds,
    fallback: 10,
  },
  rankTimeout: {
    env: 'PROV4ML_RANK_TIMEOUT',
    description: 'seconds after which the hosted aggregator stops waiting for a silent rank and finalises',
    reader: seconds,
    fallback: 60,
  },
  insecure: {
    env: 'PROV4ML_INSECURE',
    description: 'plain ZeroMQ transport even off loopback: no CURVE encryption, anyone who reaches the port can send',
    reader: flag,
    fallback: false,
  },
  keyDir: {
    env: 'PROV4ML_KEY_DIR',
    description: "directory of the aggregator's CURVE key files, readable by every rank (default <run dir>/.prov4ml/curve; needed with a stand-alone aggregator off loopback)",
    reader: text,
    fallback: null,
  },
};

/** One row per run option: its name, its `PROV4ML_*` variable, what it means and what it accepts. */
export interface RunOptionVariable {
  option: keyof RunOptions;
  env: string;
  description: string;
  expected: string;
  /** The JavaScript type of the option (also its command-line flag's type). */
  type: 'string' | 'boolean' | 'number';
}

const RUN_OPTION_NAMES = Object.keys(RUN_OPTION_SPECS) as (keyof RunOptions)[];

export const RUN_OPTION_VARIABLES: readonly RunOptionVariable[] = RUN_OPTION_NAMES.map((option) => {
  const spec = RUN_OPTION_SPECS[option];
  return { option, env: spec.env, description: spec.description, expected: spec.reader.expected, type: spec.reader.argumentType };
});

/** A resolved value and where it came from, so that a contradiction between two options names both. */
interface Resolved<T> {
  value: T;
  source: string;
}

function resolveOption<K extends keyof RunOptions>(
  option: K,
  explicit: Partial<RunOptions>,
  env: Environment,
): Resolved<RunOptions[K]> {
  const spec: OptionSpec<K> = RUN_OPTION_SPECS[option];
  const given: unknown = explicit[option];
  if (given !== undefined && given !== null) {
    if (typeof given !== spec.reader.argumentType) {
      throw new TypeError(`${option} must be a ${spec.reader.argumentType}, got ${typeof given}`);
    }
    const value = spec.reader.fromArgument(given as NonNullable<RunOptions[K]>);
    if (value === undefined) throw badValue(option, given, spec.reader.expected);
    return { value, source: option };
  }
  const raw = env[spec.env];
  if (raw !== undefined && raw !== '') {
    const value = spec.reader.fromText(raw);
    if (value === undefined) throw badValue(spec.env, raw, spec.reader.expected);
    return { value, source: spec.env };
  }
  return { value: spec.fallback, source: 'default' };
}

function badValue(name: string, value: unknown, expected: string): UserError {
  return new UserError(`${name}: ${describeValue(value)} is not ${expected}`);
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Resolves every run option: explicit arguments (null or undefined = not given) beat `PROV4ML_*`
 * variables, which beat the defaults.
 * @throws UserError naming the argument or variable of a bad value, or of a rank ≥ world size.
 */
export function resolveRunOptions(explicit: Partial<RunOptions>, env: Environment): RunOptions {
  const options = {} as RunOptions;
  const sources = {} as Record<keyof RunOptions, string>;
  for (const option of RUN_OPTION_NAMES) {
    const resolved = resolveOption(option, explicit, env);
    assign(options, option, resolved.value);
    sources[option] = resolved.source;
  }
  if (options.rank !== null && options.worldSize !== null && options.rank >= options.worldSize) {
    throw new UserError(
      `${sources.rank}: rank ${options.rank} is not below ${sources.worldSize} ${options.worldSize}`,
    );
  }
  // A stand-alone aggregator cannot know the run directory in advance, so its key must be where PROV4ML_KEY_DIR says.
  if (options.aggregator !== null && options.keyDir === null && curveRequired({ endpoint: options.aggregator, keyDir: null, insecure: options.insecure })) {
    throw new UserError(
      `PROV4ML_KEY_DIR: not set, but ${sources.aggregator} ${options.aggregator} is not loopback: set it to the directory where that aggregator wrote its CURVE key (or PROV4ML_INSECURE=1 for plain transport)`,
    );
  }
  return options;
}

function assign<K extends keyof RunOptions>(options: RunOptions, option: K, value: RunOptions[K]): void {
  options[option] = value;
}

/**
 * Reads a launcher's integer variable (SLURM_PROCID, RANK…): unset or empty is undefined, anything but
 * a decimal integer ≥ min is a UserError naming the variable.
 */
export function readIntegerVariable(env: Environment, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const reader = integer(min);
  const value = reader.fromText(raw);
  if (value === undefined) throw badValue(name, raw, reader.expected);
  return value;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function isPlainText(value: string): boolean {
  return value.length > 0 && !CONTROL_CHARACTERS.test(value);
}

/** Longest value recorded for one variable; longer ones are cut and marked, so one huge variable cannot bloat every run-start record. */
export const MAX_RECORDED_VARIABLE_LENGTH = 8_192;

/**
 * Variables recorded in provenance: those that say how the job was launched and with which software,
 * matched by prefix (names ending in `_`) or exactly. Anything else (a user's ad-hoc variables) is left
 * out, because it is where credentials tend to live.
 */
export const RECORDED_VARIABLE_NAMES: readonly string[] = [
  // launchers and job schedulers
  'SLURM_', 'SLURMD_', 'OMPI_', 'PMI_', 'PMIX_', 'MPI_', 'MPIR_CVAR_', 'I_MPI_', 'HYDI_', 'PBS_', 'LSB_',
  'TORCHELASTIC_', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'GROUP_WORLD_SIZE',
  'ROLE_RANK', 'ROLE_WORLD_SIZE', 'ROLE_NAME', 'MASTER_ADDR', 'MASTER_PORT',
  // accelerators and threading
  'CUDA_', 'NCCL_', 'ROCR_VISIBLE_DEVICES', 'HIP_VISIBLE_DEVICES', 'GPU_DEVICE_ORDINAL', 'ZE_AFFINITY_MASK',
  'OMP_', 'MKL_', 'OPENBLAS_NUM_THREADS', 'UCX_',
  // software environment
  'PROV4ML_', 'PATH', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'PYTHONHASHSEED', 'PYTHONUNBUFFERED', 'PYTHONHOME',
  'VIRTUAL_ENV', 'CONDA_', 'PYENV_VERSION', 'NODE_ENV', 'NODE_OPTIONS',
  // who and where
  'HOSTNAME', 'USER', 'LOGNAME', 'HOME', 'PWD', 'SHELL', 'LANG', 'LC_ALL', 'TZ',
];

/** Names that may hold a credential are never recorded, even when their prefix is listed above. */
export const SECRET_NAME_PATTERN = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|JWT|AUTH/i;

/** The environment recorded in a rank's provenance, sorted by name (see RECORDED_VARIABLE_NAMES). */
export function selectEnvironment(env: Environment): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || SECRET_NAME_PATTERN.test(name) || !isRecordedName(name)) continue;
    selected[name] =
      value.length > MAX_RECORDED_VARIABLE_LENGTH ? `${value.slice(0, MAX_RECORDED_VARIABLE_LENGTH)}…[truncated]` : value;
  }
  return selected;
}

function isRecordedName(name: string): boolean {
  return RECORDED_VARIABLE_NAMES.some((entry) => (entry.endsWith('_') ? name.startsWith(entry) : name === entry));
}
