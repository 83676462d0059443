import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggingItemKind, UserError, type ArtifactRecord, type ContextName, type FoldOperationName, type ParamValue } from '@prov4ml/prov-core';
import { startSharedClock, type SharedClock } from './clock.js';
import { resolveProcessOptions, resolveRunOptions } from '../config/options.js';
import { normalizeContext } from './contexts.js';
import { resolveMetricsOptions } from '../metrics/options.js';
import { SeriesTable } from './series-table.js';
import { openRunSink, type RunSink } from './sinks.js';
import { checkCount, checkName, countNumbers, explicitOptions, recordedOptions, toParamValue, type StartRunOptions } from './arguments.js';

export { Context, LoggingItemKind } from '@prov4ml/prov-core';
export { createContext } from './contexts.js';
export type { StartRunOptions } from './arguments.js';

/** The original's fold operations for {@link registerFinalMetric}; any `(a, b) => number` works too. */
export const FoldOperation = Object.freeze({
  MIN: (a: number, b: number) => Math.min(a, b),
  MAX: (a: number, b: number) => Math.max(a, b),
  ADD: (a: number, b: number) => a + b,
  SUBTRACT: (a: number, b: number) => a - b,
  MULTIPLY: (a: number, b: number) => a * b,
});
export type Fold = (accumulated: number, value: number) => number;

export interface EndRunOptions {
  createGraph?: boolean;
  createSvg?: boolean;
  /** Write the job's RO-Crate (`ro-crate-metadata.json` in the run directory) once the job is finalised. */
  crateRoCrate?: boolean;
  /**
   * The original's start_run(use_compressor=ZIP): zip the run directory to `<run dir>.zip` once the job is
   * finalised. An endRun option here (not startRun): the zip is made at the end, and it travels with the
   * run end record like crateRoCrate; the Python client keeps start_run's argument until end_run.
   */
  useCompressor?: 'zip' | 'none';
}

interface FinalMetric {
  operation: FoldOperationName;
  fold: Fold;
  initialValue: number;
  value: number;
  count: number;
}

/** State of the run this process has started: the hot path's buffers and where they go. */
class ActiveRun {
  readonly finals = new Map<string, FinalMetric>();
  flopsPerEpoch = 0;
  flopsPerBatch = 0;

  constructor(
    readonly sink: RunSink,
    /** Watched by the sink's side (the agent's batch processor, or the channel's pacer), which decides when points leave. */
    readonly series: SeriesTable,
    readonly clock: SharedClock,
    /** The original's collect_all_processes: false keeps only rank 0's user-logged records. */
    readonly collecting: boolean,
    readonly carbonDisabled: boolean,
  ) {}
}

let current: ActiveRun | undefined;
let starting: Promise<void> | undefined;

function requireRun(call: string): ActiveRun {
  if (current === undefined) throw new Error(`${call}: no run is active; call startRun first`);
  return current;
}

/**
 * Starts the run of this process. Under `prov4ml run` it joins its rank's agent; otherwise this process
 * becomes its rank's agent (and, on the rank that hosts it, the aggregator). Options not given come
 * from `PROV4ML_*` variables; bad values are rejected here, not later.
 */
export async function startRun(options: StartRunOptions = {}): Promise<void> {
  if (current !== undefined || starting !== undefined) throw new Error('startRun: a run is already active; call endRun first');
  const explicit = explicitOptions(options);
  const resolved = resolveRunOptions(explicit, process.env);
  const recorded = recordedOptions(options);
  starting = (async () => {
    const clock = startSharedClock();
    const series = new SeriesTable({
      checkNewSeries: (name, context) => {
        checkName(name, 'key');
        return normalizeContext(context);
      },
    });
    try {
      const sink = await openRunSink(
        resolved,
        explicit,
        {
          channel: resolveProcessOptions({}, process.env).channel,
          metrics: resolveMetricsOptions(resolved, process.env),
          env: process.env,
          log: (line) => process.stderr.write(`prov4ml: ${line}\n`),
        },
        series,
        recorded,
      );
      const collecting = sink.collectAllProcesses || sink.rank === 0;
      current = new ActiveRun(sink, series, clock, collecting, recorded.disableCodecarbon === true);
      logExecutionStartTime();
    } catch (error) {
      await clock.stop();
      throw error;
    } finally {
      starting = undefined;
    }
  })();
  return starting;
}

/** Ends the run: everything logged is flushed and delivered (or left in the spool with a message). */
export async function endRun(options: EndRunOptions = {}): Promise<void> {
  const createGraph = options.createGraph ?? false;
  const createSvg = options.createSvg ?? false;
  if (createSvg && !createGraph) throw new UserError('endRun: createSvg needs createGraph (the SVG is drawn from the graph)');
  if (options.useCompressor !== undefined && options.useCompressor !== 'zip' && options.useCompressor !== 'none') {
    throw new UserError(`endRun: useCompressor must be 'zip' or 'none', not ${JSON.stringify(options.useCompressor)}`);
  }
  const run = requireRun('endRun');
  logExecutionEndTime();
  for (const [name, { operation, initialValue, value, count }] of run.finals) {
    run.sink.submit({ kind: 'final_metric', time: Date.now(), name, operation, initialValue, value, count });
  }
  current = undefined;
  run.sink.submit({ kind: 'metrics', series: run.series.drain() });
  try {
    await run.sink.end({ createGraph, createSvg, crateRoCrate: options.crateRoCrate === true, zipRunDir: options.useCompressor === 'zip' });
  } finally {
    await run.clock.stop();
  }
}

export function logParam(key: string, value: unknown): void {
  const run = requireRun('logParam');
  if (!run.collecting) return;
  run.sink.submit({ kind: 'param', time: Date.now(), name: checkName(key, 'key'), value: toParamValue(value) });
}

/**
 * Logs one metric point. The hot path: no I/O, no allocation beyond the value, a TypeError at once
 * for a value that is not a number or an unknown context.
 */
export function logMetric(key: string, value: number, context: ContextName, step = 0, source: string = LoggingItemKind.METRIC): void {
  const run = current;
  if (run === undefined) throw new Error('logMetric: no run is active; call startRun first');
  if (!run.collecting) return;
  if (typeof value !== 'number') throw new TypeError(`logMetric: value of ${String(key)} must be a number, got ${typeof value}`);
  if (typeof step !== 'number' || !Number.isInteger(step)) throw new TypeError(`logMetric: step must be an integer, got ${String(step)}`);
  run.series.append(key, context, value, step, run.clock.now(), source, '');
  if (run.finals.size !== 0) foldFinal(run, key, value);
}

function foldFinal(run: ActiveRun, key: string, value: number): void {
  const final = run.finals.get(key);
  if (final === undefined) return;
  final.value = final.fold(final.value, value);
  final.count++;
}

export function registerFinalMetric(metricName: string, initialValue: number, foldOperation: Fold): void {
  const run = requireRun('registerFinalMetric');
  if (typeof initialValue !== 'number') throw new TypeError(`registerFinalMetric: initialValue must be a number, got ${typeof initialValue}`);
  if (typeof foldOperation !== 'function') throw new TypeError('registerFinalMetric: foldOperation must be a FoldOperation or a function (a, b) => number');
  const named = Object.entries(FoldOperation).find(([, fn]) => fn === foldOperation)?.[0] as FoldOperationName | undefined;
  run.finals.set(checkName(metricName, 'metricName'), {
    operation: named ?? 'CUSTOM',
    fold: foldOperation,
    initialValue,
    value: initialValue,
    count: 0,
  });
}

export async function logArtifact(artifactPath: string, context: ContextName, step?: number, timestamp?: number): Promise<void> {
  await storeArtifact('logArtifact', artifactPath, context, step, timestamp, 'artifact');
}

/**
 * Saves a model version: a path is copied as it is; any other value is written as JSON (a model's
 * weights as plain arrays, a config, …) into `<modelName>.json` first.
 */
export async function saveModelVersion(model: unknown, modelName: string, context: ContextName, step?: number, timestamp?: number): Promise<void> {
  await withModelFile(model, modelName, (path) => storeArtifact('saveModelVersion', path, context, step, timestamp, 'model_version', modelName));
}

/** Logs a model's size as parameters and, unless told otherwise, saves it as the final model version. */
export async function logModel(model: unknown, modelName = 'default', logModelInfo = true, logAsArtifact = true): Promise<void> {
  const run = requireRun('logModel');
  if (logModelInfo && run.collecting) {
    const totalParams = countNumbers(model);
    logParam('model_name', modelName);
    logParam('total_params', totalParams);
    // The original's formula for 32-bit weights, in MB: parameters × 4 bytes, plus two copies for gradients and optimiser state.
    const memoryOfModel = (totalParams * 32) / 8 / 1e6;
    logParam('memory_of_model', memoryOfModel);
    logParam('total_memory_load_of_model', memoryOfModel + 2 * totalParams * 4e-6);
  }
  if (logAsArtifact) {
    await withModelFile(model, modelName, (path) => storeArtifact('logModel', path, 'EVALUATION', undefined, undefined, 'model_version_final', modelName));
  }
}

/** Records a data set's size: an array-like's length, or the statistics an object says about itself. */
export function logDataset(dataset: unknown, label: string): void {
  const run = requireRun('logDataset');
  if (!run.collecting) return;
  const stats: Record<string, ParamValue> = {};
  if (Array.isArray(dataset) || ArrayBuffer.isView(dataset)) {
    stats.total_samples = (dataset as ArrayLike<unknown>).length;
  } else if (typeof dataset === 'object' && dataset !== null) {
    for (const [key, value] of Object.entries(dataset)) {
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') stats[key] = value;
      else if (Array.isArray(value)) stats[`${key}_length`] = value.length;
    }
  } else {
    throw new TypeError(`logDataset: dataset must be an array or an object describing the data set, got ${typeof dataset}`);
  }
  run.sink.submit({ kind: 'dataset', time: Date.now(), label: checkName(label, 'label'), context: 'TRAINING', stats });
}

/** Asks the agent to take a system and GPU sample now; it runs off this thread. */
export function logSystemMetrics(context: ContextName, step = 0): void {
  const run = requireRun('logSystemMetrics');
  if (run.collecting) run.sink.sample('system', normalizeContext(context), step);
}

/** Asks the agent for energy and emissions since the previous call; it runs off this thread. */
export function logCarbonMetrics(context: ContextName, step = 0): void {
  const run = requireRun('logCarbonMetrics');
  if (run.carbonDisabled) throw new Error('logCarbonMetrics: the run was started with disableCodecarbon: true');
  if (run.collecting) run.sink.sample('carbon', normalizeContext(context), step);
}

/** Adds this epoch's FLOPs to the run's counter and logs the cumulative count, as the original does. */
export function logFlopsPerEpoch(label: string, flops: number, context: ContextName, step = 0): void {
  const run = requireRun('logFlopsPerEpoch');
  run.flopsPerEpoch += checkCount(flops, 'flops');
  logMetric(label, run.flopsPerEpoch, context, step, LoggingItemKind.FLOPS_PER_EPOCH);
}

export function logFlopsPerBatch(label: string, flops: number, context: ContextName, step = 0): void {
  const run = requireRun('logFlopsPerBatch');
  run.flopsPerBatch += checkCount(flops, 'flops');
  logMetric(label, run.flopsPerBatch, context, step, LoggingItemKind.FLOPS_PER_BATCH);
}

/** Logs the wall-clock time (Unix seconds) under `label`, as the original does. */
export function logCurrentExecutionTime(label: string, context: ContextName, step = 0): void {
  logMetric(label, Date.now() / 1000, context, step, LoggingItemKind.EXECUTION_TIME);
}

export function logExecutionStartTime(): void {
  logParam('execution_start_time', Date.now() / 1000);
}

export function logExecutionEndTime(): void {
  logParam('execution_end_time', Date.now() / 1000);
}

async function storeArtifact(
  call: string,
  path: string,
  context: ContextName,
  step: number | undefined,
  timestamp: number | undefined,
  role: ArtifactRecord['role'],
  name?: string,
): Promise<void> {
  const run = requireRun(call);
  if (!run.collecting) return;
  if (typeof path !== 'string') throw new TypeError(`${call}: path must be a string, got ${typeof path}`);
  await run.sink.logArtifact({
    path,
    ...(name === undefined ? {} : { name }),
    context: normalizeContext(context),
    step: step ?? null,
    time: timestamp ?? Date.now(),
    role,
  });
}

async function withModelFile(model: unknown, modelName: string, use: (path: string) => Promise<void>): Promise<void> {
  if (typeof model === 'string') return use(model);
  const dir = await mkdtemp(join(tmpdir(), 'prov4ml-model-'));
  try {
    const path = join(dir, `${checkName(modelName, 'modelName')}.json`);
    await writeFile(path, JSON.stringify(model, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value)));
    await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
