/**
 * What every metric file writer does, whatever its format: a file is created once per series, points
 * are appended to it batch by batch in order, and `finish` completes every file. A file is claimed
 * complete (its point count or array shape written) only by `finish`, so a writer that fails midway
 * (a full disk) leaves nothing that reads as a complete series.
 */
import type { MetricFormat, ZarrCodec } from '@prov4ml/prov-core';

/** What a series' file records besides its points. */
export interface MetricFileSpec {
  format: MetricFormat;
  /** The run's CSV separator (csv only). */
  separator: string;
  /** Codec of a Zarr store's chunks (zarr only). */
  zarrCodec: ZarrCodec;
  name: string;
  context: string;
  /** Unit of the values; empty: none. */
  unit: string;
  /** The original's `source` of the series; null: none. */
  source: string | null;
  rank: number;
}

export interface MetricFileWriter {
  /** Starts the file of a series at `relativePath` (relative to the run directory). */
  create(relativePath: string, spec: MetricFileSpec): void;
  /**
   * Adds points to a created file. Resolves at once unless too many points wait to be written. A
   * writer may keep the arrays (transfer them to a worker): the caller must not use them afterwards.
   */
  append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void>;
  /** The series will most likely get no more points (its rank ended): write what is buffered, release the buffer. */
  settle?(relativePath: string): void;
  /** Writes what is still gathered, completes every file and waits for every write. */
  finish(): Promise<void>;
}

/** The one error of a write that failed: the path and the system's code (ENOSPC, EACCES, …). */
export function writeProblem(path: string, error: unknown): string {
  return `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
}
