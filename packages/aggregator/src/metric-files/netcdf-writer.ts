/**
 * Writes each series as a netCDF classic file (CDF-2, 64-bit offsets; `.nc`), one file per series:
 * dimension `point` (unlimited), double variables `step`, `value`, `timestamp` with `units`, global
 * attributes name, context, source and rank. Points are appended as records while the run goes on;
 * the header says 0 records until finish() writes the count, so a file whose writing failed never
 * reads as a complete series. Pure TypeScript: netCDF-C, netCDF4-python and xarray read it.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '@prov4ml/prov-core';
import { writeProblem, type MetricFileSpec, type MetricFileWriter } from './metric-file-writer.js';
import { MAX_NETCDF_RECORDS, netcdfHeader, netcdfRecords, NUMRECS_OFFSET } from './netcdf-format.js';
import { PointChunks, type PointColumns } from './point-chunks.js';
import { BINARY_CHUNK_POINTS } from '../limits.js';

/** CF-style units of a metric file's timestamps (milliseconds, as logged). */
export const TIMESTAMP_UNITS = 'milliseconds since 1970-01-01 00:00:00 UTC';

interface NetcdfFile {
  path: string;
  chunks: PointChunks;
  count: number;
}

export class NetcdfWriter implements MetricFileWriter {
  readonly #runDir: string;
  readonly #files = new Map<string, NetcdfFile>();
  #failure: UserError | null = null;

  constructor(runDir: string) {
    this.#runDir = runDir;
  }

  create(relativePath: string, spec: MetricFileSpec): void {
    const path = join(this.#runDir, relativePath);
    this.#files.set(relativePath, { path, chunks: new PointChunks(BINARY_CHUNK_POINTS), count: 0 });
    this.#attempt(path, () => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, netcdfHeader(layoutOf(spec)));
    });
  }

  async append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void> {
    const file = this.#files.get(relativePath);
    if (file === undefined) throw new Error(`netCDF ${relativePath} was not created`);
    file.chunks.push({ steps, values, timestamps }, (chunk) => this.#write(file, chunk));
    if (this.#failure !== null) throw this.#failure;
  }

  async finish(): Promise<void> {
    for (const file of this.#files.values()) {
      this.#write(file, file.chunks.take());
      if (this.#failure !== null) break;
      if (file.count > MAX_NETCDF_RECORDS) throw new UserError(`cannot write ${file.path}: ${file.count} points, more than a netCDF classic file holds (${MAX_NETCDF_RECORDS})`);
      this.#attempt(file.path, () => patchRecordCount(file.path, file.count));
    }
    if (this.#failure !== null) throw this.#failure;
  }

  #write(file: NetcdfFile, chunk: PointColumns): void {
    if (this.#failure !== null || chunk.steps.length === 0) return;
    this.#attempt(file.path, () => appendFileSync(file.path, netcdfRecords(chunk.steps, chunk.values, chunk.timestamps)));
    file.count += chunk.steps.length;
  }

  #attempt(path: string, write: () => void): void {
    if (this.#failure !== null) return;
    try {
      write();
    } catch (error) {
      this.#failure = new UserError(writeProblem(path, error));
    }
  }
}

function layoutOf(spec: MetricFileSpec) {
  return {
    globalAttributes: { name: spec.name, context: spec.context, source: spec.source ?? '', rank: { int: spec.rank } },
    variableAttributes: {
      step: { long_name: 'step', units: '1' },
      value: { long_name: spec.name, units: spec.unit === '' ? '1' : spec.unit },
      timestamp: { long_name: 'time of logging', units: TIMESTAMP_UNITS },
    },
  };
}

function patchRecordCount(path: string, count: number): void {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(count);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, 4, NUMRECS_OFFSET);
  } finally {
    closeSync(fd);
  }
}
