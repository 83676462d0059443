/**
 * The netCDF classic format, 64-bit offset variant (CDF-2), as far as a metric file needs it: one
 * unlimited dimension `point`, three record variables of doubles (`step`, `value`, `timestamp`, in
 * that order, so a record is 24 bytes) and text or int attributes. Everything is big-endian.
 * Reference: the NetCDF Classic Format Specification (Unidata).
 */

const NC_DIMENSION = 0x0a;
const NC_VARIABLE = 0x0b;
const NC_ATTRIBUTE = 0x0c;
const NC_CHAR = 2;
const NC_INT = 4;
const NC_DOUBLE = 6;

/** Offset of `numrecs` in the header, which finish() patches once every record is written. */
export const NUMRECS_OFFSET = 4;
/** Largest `numrecs` the classic formats can hold (a non-negative 32-bit int). */
export const MAX_NETCDF_RECORDS = 0x7fffffff;
export const RECORD_VARIABLES = ['step', 'value', 'timestamp'] as const;
/** Bytes of one record: one double of each record variable. */
export const RECORD_BYTES = 8 * RECORD_VARIABLES.length;

export type AttributeValue = string | { int: number };

export interface NetcdfLayout {
  globalAttributes: Record<string, AttributeValue>;
  /** Attributes of each record variable (its `units`, …). */
  variableAttributes: Record<(typeof RECORD_VARIABLES)[number], Record<string, AttributeValue>>;
}

/** The header of a file with no records yet (numrecs 0); the records start right after it. */
export function netcdfHeader(layout: NetcdfLayout): Buffer {
  const out = new ByteWriter();
  out.bytes(Buffer.from('CDF\x02', 'latin1'));
  out.int(0);
  out.int(NC_DIMENSION).int(1).name('point').int(0);
  attributes(out, layout.globalAttributes);
  out.int(NC_VARIABLE).int(RECORD_VARIABLES.length);
  // Variable entries end with their 8-byte begin offsets, which depend on the header's length: write
  // with zeros, then patch, since each entry's size does not depend on the values.
  const beginAt: number[] = [];
  for (const variable of RECORD_VARIABLES) {
    out.name(variable).int(1).int(0);
    attributes(out, layout.variableAttributes[variable]);
    out.int(NC_DOUBLE).int(8);
    beginAt.push(out.length);
    out.int(0).int(0);
  }
  const header = out.buffer();
  RECORD_VARIABLES.forEach((_, index) => header.writeBigUInt64BE(BigInt(header.length + 8 * index), beginAt[index]!));
  return header;
}

function attributes(out: ByteWriter, entries: Record<string, AttributeValue>): void {
  const list = Object.entries(entries);
  if (list.length === 0) {
    out.int(0).int(0);
    return;
  }
  out.int(NC_ATTRIBUTE).int(list.length);
  for (const [key, value] of list) {
    out.name(key);
    if (typeof value === 'string') {
      const bytes = Buffer.from(value, 'utf8');
      out.int(NC_CHAR).int(bytes.length).padded(bytes);
    } else out.int(NC_INT).int(1).int(value.int);
  }
}

class ByteWriter {
  readonly #parts: Buffer[] = [];
  length = 0;

  int(value: number): this {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32BE(value);
    return this.bytes(bytes);
  }

  name(text: string): this {
    const bytes = Buffer.from(text, 'utf8');
    return this.int(bytes.length).padded(bytes);
  }

  /** Bytes padded with zeros to a multiple of 4. */
  padded(bytes: Buffer): this {
    return this.bytes(bytes).bytes(Buffer.alloc((4 - (bytes.length % 4)) % 4));
  }

  bytes(bytes: Buffer): this {
    this.#parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  buffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/**
 * The records of points [0, n) as big-endian bytes: each point's step, value and timestamp side by
 * side. Doubles are moved as pairs of 32-bit words and byte-swapped natively, never read as numbers,
 * so a NaN's payload is kept.
 */
export function netcdfRecords(steps: Float64Array, values: Float64Array, timestamps: Float64Array): Buffer {
  const n = steps.length;
  const out = new Uint32Array(n * 6);
  const columns = [steps, values, timestamps].map((column) => new Uint32Array(column.buffer, column.byteOffset, column.length * 2));
  for (let c = 0; c < 3; c++) {
    const column = columns[c]!;
    for (let i = 0, at = 2 * c; i < n; i++, at += 6) {
      out[at] = column[2 * i]!;
      out[at + 1] = column[2 * i + 1]!;
    }
  }
  return Buffer.from(out.buffer).swap64();
}
