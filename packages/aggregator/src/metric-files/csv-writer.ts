/**
 * Writes delimited metric files (our CSV, the original's text layout) from batches of points: gathers each file's points into chunks, formats big
 * chunks on the worker pool and small ones inline, and writes every file's chunks in order.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '@prov4ml/prov-core';
import { csvHeader, formatCsvRows } from './csv-format.js';
import { CsvFormatPool, type RowLayout } from './format-pool.js';
import { writeProblem, type MetricFileSpec, type MetricFileWriter } from './metric-file-writer.js';
import { formatTextRows, textHeader } from './text-format.js';
import { CSV_CHUNK_POINTS, MAX_CSV_POINTS_IN_FLIGHT } from '../limits.js';

/** Chunks smaller than this are formatted inline: a message to a worker costs more than the work. */
const POOL_MIN_POINTS = 8_192;

interface CsvFile {
  path: string;
  /** The run's CSV separator (start_run's csv_separator). */
  separator: string;
  layout: RowLayout;
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
  length: number;
  /** Resolves when everything handed over so far is written; chunks are chained so they land in order. */
  written: Promise<void>;
}

export class MetricCsvWriter implements MetricFileWriter {
  readonly #runDir: string;
  readonly #files = new Map<string, CsvFile>();
  /** Directories made (or found) for the files, so that each is made once. */
  readonly #directories = new Set<string>();
  #pool: CsvFormatPool | null = null;
  readonly #ownsPool: boolean;
  #pointsInFlight = 0;
  readonly #drained: (() => void)[] = [];
  #failure: unknown = null;

  /** With a `pool`, big chunks are formatted there (the caller closes it); else on a pool of its own. */
  constructor(runDir: string, pool?: CsvFormatPool) {
    this.#runDir = runDir;
    this.#pool = pool ?? null;
    this.#ownsPool = pool === undefined;
  }

  /** Starts a file (header only) at `relativePath`, its cells separated by the spec's separator (csv) or in the original's text layout (txt). */
  create(relativePath: string, spec: MetricFileSpec): void {
    const { separator } = spec;
    const layout: RowLayout = spec.format === 'txt' ? 'txt' : 'csv';
    const path = join(this.#runDir, relativePath);
    try {
      // The live replay creates files before finalisation would have made their directory.
      if (!this.#directories.has(dirname(path))) {
        mkdirSync(dirname(path), { recursive: true });
        this.#directories.add(dirname(path));
      }
      writeFileSync(path, layout === 'txt' ? textHeader(spec) : csvHeader(separator));
    } catch (error) {
      this.#fail(path, error);
    }
    this.#files.set(relativePath, { path, separator, layout, ...allocate(0), length: 0, written: Promise.resolve() });
  }

  /**
   * Adds points to a created file. Resolves at once unless too many points wait to be written. A big
   * batch that owns its arrays is handed over whole: the caller must not use the arrays afterwards.
   */
  async append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void> {
    const file = this.#files.get(relativePath);
    if (file === undefined) throw new Error(`CSV ${relativePath} was not created`);
    if (file.length === 0 && steps.length >= POOL_MIN_POINTS && ownsWholeBuffer(steps, values, timestamps)) {
      // A big batch goes to a formatter as it is: its arrays are transferred, not copied.
      this.#dispatchArrays(file, steps, values, timestamps);
      return this.#backPressure();
    }
    let from = 0;
    while (from < steps.length) {
      const take = Math.min(steps.length - from, CSV_CHUNK_POINTS - file.length);
      if (file.length + take > file.steps.length) grow(file, file.length + take);
      file.steps.set(steps.subarray(from, from + take), file.length);
      file.values.set(values.subarray(from, from + take), file.length);
      file.timestamps.set(timestamps.subarray(from, from + take), file.length);
      file.length += take;
      from += take;
      if (file.length === CSV_CHUNK_POINTS) this.#dispatch(file);
    }
    return this.#backPressure();
  }

  async #backPressure(): Promise<void> {
    if (this.#pointsInFlight > MAX_CSV_POINTS_IN_FLIGHT) await new Promise<void>((resolve) => this.#drained.push(resolve));
    if (this.#failure !== null) throw this.#failure;
  }

  /** Writes what every file still gathers and waits for all writes. */
  settle(relativePath: string): void {
    const file = this.#files.get(relativePath);
    if (file === undefined) return;
    if (file.length > 0) this.#dispatch(file);
    Object.assign(file, allocate(0));
  }

  async finish(): Promise<void> {
    for (const file of this.#files.values()) if (file.length > 0) this.#dispatch(file);
    try {
      await Promise.all([...this.#files.values()].map((file) => file.written));
    } finally {
      if (this.#ownsPool) {
        await this.#pool?.close();
        this.#pool = null;
      }
    }
    if (this.#failure !== null) throw this.#failure;
  }

  /** Hands the gathered points of a file to a formatter. */
  #dispatch(file: CsvFile): void {
    const { length } = file;
    file.length = 0;
    this.#dispatchArrays(file, file.steps.slice(0, length), file.values.slice(0, length), file.timestamps.slice(0, length));
  }

  /** Formats the points (on the pool when there are many; their arrays are then transferred) and chains the write. */
  #dispatchArrays(file: CsvFile, steps: Float64Array, values: Float64Array, timestamps: Float64Array): void {
    const { length } = steps;
    this.#pointsInFlight += length;
    const { separator, layout } = file;
    const rows =
      length >= POOL_MIN_POINTS
        ? (this.#pool ??= new CsvFormatPool()).format({ steps, values, timestamps, separator, layout })
        : layout === 'txt'
          ? formatTextRows(steps, values, timestamps)
          : formatCsvRows(steps, values, timestamps, separator);
    file.written = Promise.all([file.written, rows])
      .then(([, bytes]) => appendFileSync(file.path, bytes))
      .catch((error) => this.#fail(file.path, error))
      .finally(() => {
        this.#pointsInFlight -= length;
        if (this.#pointsInFlight <= MAX_CSV_POINTS_IN_FLIGHT) for (const resolve of this.#drained.splice(0)) resolve();
      });
  }

  #fail(path: string, error: unknown): void {
    this.#failure ??= new UserError(writeProblem(path, error));
  }
}

/** True when each array is the whole of its own buffer, so transferring them gives away nothing else. */
function ownsWholeBuffer(...arrays: Float64Array[]): boolean {
  const whole = arrays.every((array) => array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength);
  return whole && new Set(arrays.map((array) => array.buffer)).size === arrays.length;
}

function allocate(capacity: number): Pick<CsvFile, 'steps' | 'values' | 'timestamps'> {
  return { steps: new Float64Array(capacity), values: new Float64Array(capacity), timestamps: new Float64Array(capacity) };
}

/** Grows a file's gathering arrays by doubling, up to one chunk, so a thousand tiny series stay small. */
function grow(file: CsvFile, needed: number): void {
  const bigger = allocate(Math.min(CSV_CHUNK_POINTS, Math.max(needed, file.steps.length * 2)));
  bigger.steps.set(file.steps.subarray(0, file.length));
  bigger.values.set(file.values.subarray(0, file.length));
  bigger.timestamps.set(file.timestamps.subarray(0, file.length));
  Object.assign(file, bigger);
}
