/**
 * The run's metric files: hands each series to the writer of its format (CSV and the original's text
 * share the delimited writer and its formatting workers; netCDF and Zarr have their own), so one run
 * can even mix formats when its ranks asked for different ones.
 */
import type { MetricFormat } from '@prov4ml/prov-core';
import { MetricCsvWriter } from './csv-writer.js';
import type { CsvFormatPool } from './format-pool.js';
import type { MetricFileSpec, MetricFileWriter } from './metric-file-writer.js';
import { NetcdfWriter } from './netcdf-writer.js';
import { ZarrWriter } from './zarr-writer.js';

export class MetricFiles implements MetricFileWriter {
  readonly #runDir: string;
  readonly #pool: CsvFormatPool | undefined;
  readonly #writers = new Map<MetricFormat, MetricFileWriter>();
  readonly #writerOf = new Map<string, MetricFileWriter>();

  /** With a `pool`, delimited rows are formatted there (the caller closes it); else on a pool of the CSV writer's own. */
  constructor(runDir: string, pool?: CsvFormatPool) {
    this.#runDir = runDir;
    this.#pool = pool;
  }

  create(relativePath: string, spec: MetricFileSpec): void {
    const writer = this.#writer(spec.format);
    this.#writerOf.set(relativePath, writer);
    writer.create(relativePath, spec);
  }

  append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void> {
    const writer = this.#writerOf.get(relativePath);
    if (writer === undefined) throw new Error(`metric file ${relativePath} was not created`);
    return writer.append(relativePath, steps, values, timestamps);
  }

  settle(relativePath: string): void {
    this.#writerOf.get(relativePath)?.settle?.(relativePath);
  }

  async finish(): Promise<void> {
    // Every writer finishes even when one fails, so that each completes (or leaves incomplete) its own files.
    const outcomes = await Promise.allSettled([...this.#writers.values()].map((writer) => writer.finish()));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  #writer(format: MetricFormat): MetricFileWriter {
    const kind = format === 'txt' ? 'csv' : format;
    let writer = this.#writers.get(kind);
    if (writer === undefined) {
      writer = kind === 'netcdf' ? new NetcdfWriter(this.#runDir) : kind === 'zarr' ? new ZarrWriter(this.#runDir) : new MetricCsvWriter(this.#runDir, this.#pool);
      this.#writers.set(kind, writer);
    }
    return writer;
  }
}
