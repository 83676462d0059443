/**
 * Writes each series as a Zarr v2 store (a `.zarr` directory): a group whose attributes are the
 * series' name, context, source and rank, with 1-D arrays `step`, `value` and `timestamp` of
 * little-endian doubles in chunks of BINARY_CHUNK_POINTS points (one chunk of exactly the series'
 * length when it is shorter), compressed with zlib (numcodecs `zlib`, level 1) or, with
 * use_compressor=BLOSC_ZSTD, Blosc frames (blosc-frame.ts). Chunks are written as they fill; the
 * metadata (`.zgroup`, `.zarray`) only by finish(), so a store whose writing failed is no array.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { UserError, type ZarrCodec } from '@prov4ml/prov-core';
import { bloscFrame } from './blosc-frame.js';
import { writeProblem, type MetricFileSpec, type MetricFileWriter } from './metric-file-writer.js';
import { TIMESTAMP_UNITS } from './netcdf-writer.js';
import { COLUMNS, PointChunks, type PointColumns } from './point-chunks.js';
import { BINARY_CHUNK_POINTS, MAX_ZARR_CHUNKS_IN_FLIGHT } from '../limits.js';

const deflateAsync = promisify(deflate);

/** Level 1: most of the size gain at a fraction of the time; the bench holds Zarr to 2 × the CSV time. */
const ZLIB_LEVEL = 1;
const ARRAYS = { steps: 'step', values: 'value', timestamps: 'timestamp' } as const;

interface ZarrStore {
  path: string;
  spec: MetricFileSpec;
  chunks: PointChunks;
  count: number;
  /** Chunks written (or being written). */
  written: number;
}

export class ZarrWriter implements MetricFileWriter {
  readonly #runDir: string;
  readonly #stores = new Map<string, ZarrStore>();
  readonly #inFlight = new Set<Promise<void>>();
  #failure: UserError | null = null;

  constructor(runDir: string) {
    this.#runDir = runDir;
  }

  create(relativePath: string, spec: MetricFileSpec): void {
    const path = join(this.#runDir, relativePath);
    this.#stores.set(relativePath, { path, spec, chunks: new PointChunks(BINARY_CHUNK_POINTS), count: 0, written: 0 });
    this.#attempt(path, () => {
      // A store left by an earlier replay (merge after a crash) is replaced, not mixed with.
      rmSync(path, { recursive: true, force: true });
      for (const array of Object.values(ARRAYS)) mkdirSync(join(path, array), { recursive: true });
    });
  }

  async append(relativePath: string, steps: Float64Array, values: Float64Array, timestamps: Float64Array): Promise<void> {
    const store = this.#stores.get(relativePath);
    if (store === undefined) throw new Error(`Zarr ${relativePath} was not created`);
    store.chunks.push({ steps, values, timestamps }, (chunk) => this.#writeChunk(store, chunk, BINARY_CHUNK_POINTS));
    while (this.#inFlight.size > MAX_ZARR_CHUNKS_IN_FLIGHT) await Promise.race(this.#inFlight);
    if (this.#failure !== null) throw this.#failure;
  }

  async finish(): Promise<void> {
    const lengths = new Map<ZarrStore, number>();
    for (const store of this.#stores.values()) {
      // A series shorter than one chunk is one chunk of its own length; else the last chunk is padded.
      const chunkPoints = store.written === 0 ? Math.max(1, store.chunks.length) : BINARY_CHUNK_POINTS;
      lengths.set(store, chunkPoints);
      if (store.chunks.length > 0) this.#writeChunk(store, store.chunks.take(), chunkPoints);
    }
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    for (const [store, chunkPoints] of lengths) this.#attempt(store.path, () => writeMetadata(store, chunkPoints));
    if (this.#failure !== null) throw this.#failure;
  }

  #writeChunk(store: ZarrStore, chunk: PointColumns, chunkPoints: number): void {
    const index = store.written++;
    store.count += chunk.steps.length;
    const { zarrCodec } = store.spec;
    const writing = Promise.all(
      COLUMNS.map(async (column) => {
        const bytes = await encode(padded(chunk[column], chunkPoints), zarrCodec);
        this.#attempt(store.path, () => writeFileSync(join(store.path, ARRAYS[column], String(index)), bytes));
      }),
    ).then(
      () => undefined,
      (error: unknown) => this.#fail(store.path, error),
    );
    const tracked = writing.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** Runs a write unless one failed already (the first failure is the one reported). */
  #attempt(path: string, write: () => void): void {
    if (this.#failure !== null) return;
    try {
      write();
    } catch (error) {
      this.#fail(path, error);
    }
  }

  #fail(path: string, error: unknown): void {
    this.#failure ??= new UserError(writeProblem(path, error));
  }
}

/** The chunk's bytes at its full length (Zarr v2 stores every chunk whole; the padding is beyond the shape). */
function padded(column: Float64Array, chunkPoints: number): Uint8Array {
  const whole = column.length === chunkPoints ? column : new Float64Array(chunkPoints);
  if (whole !== column) whole.set(column);
  return new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength);
}

function encode(bytes: Uint8Array, codec: ZarrCodec): Promise<Buffer> {
  return codec === 'blosc' ? bloscFrame(bytes, ZLIB_LEVEL) : deflateAsync(bytes, { level: ZLIB_LEVEL });
}

/** The compressor entry of each array's `.zarray`, as numcodecs names it. */
function compressor(codec: ZarrCodec): Record<string, unknown> {
  return codec === 'blosc' ? { id: 'blosc', cname: 'zlib', clevel: ZLIB_LEVEL, shuffle: 1, blocksize: 0 } : { id: 'zlib', level: ZLIB_LEVEL };
}

function writeMetadata(store: ZarrStore, chunkPoints: number): void {
  const { spec } = store;
  const units = { step: '1', value: spec.unit === '' ? '1' : spec.unit, timestamp: TIMESTAMP_UNITS };
  for (const array of Object.values(ARRAYS)) {
    const zarray = {
      zarr_format: 2,
      shape: [store.count],
      chunks: [chunkPoints],
      dtype: '<f8',
      compressor: compressor(spec.zarrCodec),
      fill_value: 'NaN',
      order: 'C',
      filters: null,
      dimension_separator: '.',
    };
    writeJson(join(store.path, array, '.zarray'), zarray);
    // _ARRAY_DIMENSIONS: xarray's convention, so `xarray.open_zarr` names the dimension.
    writeJson(join(store.path, array, '.zattrs'), { _ARRAY_DIMENSIONS: ['point'], units: units[array] });
  }
  writeJson(join(store.path, '.zattrs'), { name: spec.name, context: spec.context, source: spec.source ?? '', rank: spec.rank });
  writeJson(join(store.path, '.zgroup'), { zarr_format: 2 });
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
