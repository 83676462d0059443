/**
 * Reads the points of a Zarr v2 store holding 1-D arrays `step`, `value` and `timestamp` of `<f8`:
 * chunks uncompressed, zlib, gzip or Blosc-with-zlib (prov4ml's stores, and numcodecs' of those codecs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeBlosc } from './blosc-read.js';
import type { MetricColumns } from './metric-columns.js';

interface ZarrArray {
  shape: number[];
  chunks: number[];
  dtype: string;
  compressor: { id: string } | null;
  filters: unknown[] | null;
  dimension_separator?: string;
}

const NAMES = { steps: 'step', values: 'value', timestamps: 'timestamp' } as const;

export function readZarrStore(path: string): MetricColumns & { attributes: Record<string, unknown> } {
  const attributesPath = join(path, '.zattrs');
  if (!existsSync(join(path, '.zgroup'))) throw new Error(`${path}: no .zgroup; not a Zarr v2 group (or its writing did not finish)`);
  const attributes = existsSync(attributesPath) ? (JSON.parse(readFileSync(attributesPath, 'utf8')) as Record<string, unknown>) : {};
  const column = (key: keyof typeof NAMES) => readArray(join(path, NAMES[key]));
  return { steps: column('steps'), values: column('values'), timestamps: column('timestamps'), attributes };
}

function readArray(path: string): Float64Array {
  const meta = JSON.parse(readFileSync(join(path, '.zarray'), 'utf8')) as ZarrArray;
  if (meta.dtype !== '<f8' || meta.shape.length !== 1 || (meta.filters ?? []).length > 0) throw new Error(`${path}: not a 1-D <f8 array without filters`);
  const length = meta.shape[0]!;
  const chunkPoints = meta.chunks[0]!;
  const out = new Float64Array(length);
  const bytes = new Uint8Array(out.buffer);
  for (let index = 0; index * chunkPoints < length; index++) {
    const chunkPath = join(path, String(index));
    // A missing chunk is all fill value (Zarr's rule); ours are never missing.
    if (!existsSync(chunkPath)) {
      out.fill(Number.NaN, index * chunkPoints, Math.min(length, (index + 1) * chunkPoints));
      continue;
    }
    const decoded = decode(readFileSync(chunkPath), meta.compressor, chunkPath);
    const take = Math.min(chunkPoints, length - index * chunkPoints) * 8;
    bytes.set(decoded.subarray(0, take), index * chunkPoints * 8);
  }
  return out;
}

function decode(chunk: Buffer, compressor: ZarrArray['compressor'], what: string): Buffer {
  switch (compressor?.id ?? null) {
    case null:
      return chunk;
    case 'zlib':
      return inflateSync(chunk);
    case 'gzip':
      return gunzipSync(chunk);
    case 'blosc':
      return decodeBlosc(chunk, what);
    default:
      throw new Error(`${what}: chunks compressed with ${compressor?.id}; zlib, gzip and Blosc (zlib) can be read here`);
  }
}
