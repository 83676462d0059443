/**
 * Reads the points of a netCDF classic file (CDF-1 or CDF-2) holding double variables `step`,
 * `value` and `timestamp` along one dimension, record (unlimited) or fixed: what prov4ml writes, and
 * what netCDF4-python writes with format='NETCDF3_64BIT_OFFSET'. Values are copied as bytes (swapped
 * from big-endian), never read as numbers, so a NaN's payload survives. NetCDF-4 (HDF5) files are
 * refused with a line that says so.
 */
import type { MetricColumns } from './metric-columns.js';

const NC_DOUBLE = 6;
const TYPE_BYTES: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8 };
const NAMES = { steps: 'step', values: 'value', timestamps: 'timestamp' } as const;

interface Variable {
  name: string;
  dimensions: number[];
  type: number;
  begin: number;
}

export function parseNetcdf(bytes: Buffer, path: string): MetricColumns & { attributes: Record<string, string | number> } {
  const magic = bytes.subarray(0, 4).toString('latin1');
  if (magic === '\x89HDF') throw new Error(`${path}: a netCDF-4 (HDF5) file; only netCDF classic files (prov4ml's .nc) can be read here`);
  if (magic !== 'CDF\x01' && magic !== 'CDF\x02') throw new Error(`${path}: not a netCDF classic file`);
  const reader = new HeaderReader(bytes, magic === 'CDF\x02' ? 8 : 4);
  const numrecs = reader.int();
  const dimensions: number[] = [];
  reader.list(() => {
    reader.name();
    dimensions.push(reader.int());
  });
  const attributes = reader.attributes();
  const variables: Variable[] = [];
  let recordBytes = 0;
  reader.list(() => {
    const name = reader.name();
    const ids = Array.from({ length: reader.int() }, () => reader.int());
    reader.attributes();
    const type = reader.int();
    const vsize = reader.int();
    const begin = reader.offset();
    if (ids.length > 0 && dimensions[ids[0]!] === 0) recordBytes += vsize;
    variables.push({ name, dimensions: ids, type, begin });
  });
  const column = (key: keyof typeof NAMES): Float64Array => {
    const variable = variables.find((v) => v.name === NAMES[key]);
    if (variable === undefined || variable.type !== NC_DOUBLE || variable.dimensions.length !== 1) {
      throw new Error(`${path}: no 1-D double variable ${NAMES[key]}`);
    }
    const length = dimensions[variable.dimensions[0]!]!;
    const isRecord = length === 0;
    return readDoubles(bytes, variable.begin, isRecord ? numrecs : length, isRecord ? recordBytes : 8, path);
  };
  return { steps: column('steps'), values: column('values'), timestamps: column('timestamps'), attributes };
}

function readDoubles(bytes: Buffer, begin: number, count: number, stride: number, path: string): Float64Array {
  if (begin + (count - 1) * stride + 8 > bytes.length && count > 0) throw new Error(`${path}: shorter than its header says (a write that did not finish?)`);
  const out = Buffer.alloc(count * 8);
  for (let i = 0; i < count; i++) bytes.copy(out, i * 8, begin + i * stride, begin + i * stride + 8);
  out.swap64();
  return new Float64Array(out.buffer, out.byteOffset, count);
}

class HeaderReader {
  #at = 4;
  readonly #bytes: Buffer;
  readonly #offsetBytes: number;

  constructor(bytes: Buffer, offsetBytes: number) {
    this.#bytes = bytes;
    this.#offsetBytes = offsetBytes;
  }

  int(): number {
    const value = this.#bytes.readInt32BE(this.#at);
    this.#at += 4;
    return value;
  }

  offset(): number {
    if (this.#offsetBytes === 4) return this.int();
    const value = Number(this.#bytes.readBigUInt64BE(this.#at));
    this.#at += 8;
    return value;
  }

  name(): string {
    const length = this.int();
    const text = this.#bytes.toString('utf8', this.#at, this.#at + length);
    this.#at += length + ((4 - (length % 4)) % 4);
    return text;
  }

  /** A tag-and-count list (ABSENT: two zero words); `item` reads one entry. */
  list(item: () => void): void {
    this.int();
    const count = this.int();
    for (let i = 0; i < count; i++) item();
  }

  /** Text attributes as strings, numeric ones as their first value. */
  attributes(): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    this.list(() => {
      const key = this.name();
      const type = this.int();
      const count = this.int();
      const size = count * (TYPE_BYTES[type] ?? 1);
      if (type === 2) out[key] = this.#bytes.toString('utf8', this.#at, this.#at + size);
      else if (type === 4 && count > 0) out[key] = this.#bytes.readInt32BE(this.#at);
      else if (type === 6 && count > 0) out[key] = this.#bytes.readDoubleBE(this.#at);
      this.#at += size + ((4 - (size % 4)) % 4);
    });
    return out;
  }
}
