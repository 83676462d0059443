/**
 * A small ZIP writer (PKWARE APPNOTE 6.3.x), enough for the packages of a run: each file deflated
 * (zlib deflateRaw) as it is read, its CRC-32 (crc32.ts) and sizes in a data descriptor
 * after it, so no file is held in memory; names in UTF-8 (flag bit 11). The archive is written to
 * `<output>.partial` and renamed when complete, so a reader never finds half an archive, and a failure
 * (a full disk) removes the partial file.
 *
 * What it does not do: ZIP64. No entry of 4 GiB or more (before or after compression), no archive whose
 * central directory would start at or past 4 GiB, no more than 65 535 entries: each is refused with a
 * UserError naming the file or the count. No encryption, no directory entries (folders exist through
 * their files' paths), no symbolic links, no Unix permissions beyond 0644.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';
import { partialPath, UserError } from '@prov4ml/prov-core';
import { crc32 } from './crc32.js';

/** The largest size and offset a ZIP without ZIP64 can state. */
export const MAX_ZIP32_BYTES = 0xffff_ffff;
/** The most entries a ZIP without ZIP64 can count. */
export const MAX_ZIP32_ENTRIES = 0xffff;
/**
 * zlib level 1: CSV and JSON still shrink several times, at a few times the speed of the default 6;
 * the package is made at the end of the job, while the last rank waits.
 */
const DEFLATE_LEVEL = 1;
const READ_BYTES = 1 << 20;

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** Bit 3: sizes and CRC follow the data; bit 11: the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800;
const VERSION_NEEDED = 20;
/** Made by Unix (3), spec 2.0: the external attributes below are Unix modes. */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
const DEFLATED = 8;
/** A regular file, rw-r--r--, in the high half of the external attributes. */
const UNIX_FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

export interface ZipEntry {
  /** Name in the archive, '/'-separated. */
  readonly name: string;
  /** File to read. */
  readonly path: string;
}

interface Written {
  readonly name: Buffer;
  readonly time: number;
  readonly date: number;
  readonly crc: number;
  readonly compressed: number;
  readonly size: number;
  readonly offset: number;
}

/** Writes `entries` into the archive `output`; returns its size in bytes. Throws UserError naming what failed. */
export async function writeZip(output: string, entries: readonly ZipEntry[]): Promise<number> {
  if (entries.length > MAX_ZIP32_ENTRIES) {
    throw new UserError(`${output}: ${entries.length} files are more than a ZIP without ZIP64 holds (${MAX_ZIP32_ENTRIES})`);
  }
  const partial = partialPath(output);
  let bytes = 0;
  const archive = async function* (): AsyncGenerator<Buffer> {
    const written: Written[] = [];
    for (const entry of entries) {
      const info = await stat(entry.path).catch((error: NodeJS.ErrnoException) => {
        throw new UserError(`${entry.path}: cannot read: ${error.code ?? error.message}`);
      });
      if (info.size > MAX_ZIP32_BYTES) throw new UserError(`${entry.path}: ${info.size} bytes, over the ${MAX_ZIP32_BYTES} bytes a ZIP without ZIP64 holds per file`);
      checkOffset(bytes, output);
      const name = Buffer.from(entry.name, 'utf8');
      const { time, date } = dosDateTime(info.mtimeMs);
      const offset = bytes;
      const header = localHeader(name, time, date);
      bytes += header.length;
      yield header;
      const counted = { crc: 0, size: 0, compressed: 0 };
      const stream = deflated(entry.path, counted);
      try {
        for await (const chunk of stream) {
          counted.compressed += (chunk as Buffer).length;
          bytes += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } catch (error) {
        // Only reading fails here: a write error ends this generator from outside, through `finally`.
        throw new UserError(`${entry.path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      } finally {
        stream.destroy();
      }
      if (counted.compressed > MAX_ZIP32_BYTES || counted.size > MAX_ZIP32_BYTES) {
        throw new UserError(`${entry.path}: over the ${MAX_ZIP32_BYTES} bytes a ZIP without ZIP64 holds per file`);
      }
      const descriptor = dataDescriptor(counted.crc, counted.compressed, counted.size);
      bytes += descriptor.length;
      yield descriptor;
      written.push({ name, time, date, crc: counted.crc, compressed: counted.compressed, size: counted.size, offset });
    }
    checkOffset(bytes, output);
    const directoryOffset = bytes;
    for (const entry of written) {
      const header = centralHeader(entry);
      bytes += header.length;
      yield header;
    }
    checkOffset(bytes, output);
    const end = endOfCentralDirectory(written.length, bytes - directoryOffset, directoryOffset);
    bytes += end.length;
    yield end;
  };
  try {
    await pipeline(archive, createWriteStream(partial));
    await rename(partial, output);
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'ENOSPC, no space left on the device' : code ?? (error as Error).message;
    throw new UserError(`${output}: cannot write: ${why}; no partial archive is left`);
  }
  return bytes;
}

/** The deflated bytes of a file; `counted` gets its CRC-32 and size as it is read. */
function deflated(path: string, counted: { crc: number; size: number }): Transform {
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.crc = crc32(chunk, counted.crc);
      counted.size += chunk.length;
      done(null, chunk);
    },
  });
  const deflate = createDeflateRaw({ level: DEFLATE_LEVEL });
  // A read error destroys the deflate stream too: whoever iterates it sees the error there.
  pipeline(createReadStream(path, { highWaterMark: READ_BYTES }), count, deflate).catch(() => undefined);
  return deflate;
}

function checkOffset(bytes: number, output: string): void {
  if (bytes > MAX_ZIP32_BYTES) throw new UserError(`${output}: the archive passes ${MAX_ZIP32_BYTES} bytes, more than a ZIP without ZIP64 addresses`);
}

function localHeader(name: Buffer, time: number, date: number): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  header.writeUInt16LE(FLAGS, 6);
  header.writeUInt16LE(DEFLATED, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  // CRC and sizes (14–25) are zero: they follow in the data descriptor.
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function dataDescriptor(crc: number, compressed: number, size: number): Buffer {
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(crc, 4);
  descriptor.writeUInt32LE(compressed, 8);
  descriptor.writeUInt32LE(size, 12);
  return descriptor;
}

function centralHeader(entry: Written): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(VERSION_MADE_BY, 4);
  header.writeUInt16LE(VERSION_NEEDED, 6);
  header.writeUInt16LE(FLAGS, 8);
  header.writeUInt16LE(DEFLATED, 10);
  header.writeUInt16LE(entry.time, 12);
  header.writeUInt16LE(entry.date, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(entry.compressed, 20);
  header.writeUInt32LE(entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  // Extra field, comment, disk number and internal attributes (30–37) are zero.
  header.writeUInt32LE(UNIX_FILE_ATTRIBUTES, 38);
  header.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([header, entry.name]);
}

function endOfCentralDirectory(count: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}

/** MS-DOS time and date (local time, 2-second resolution, from 1980) of a modification time. */
function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(ms);
  if (d.getFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 };
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
