/**
 * A Blosc (version 1 format) frame of doubles, byte-shuffled, each block compressed with zlib: what
 * numcodecs' `Blosc(cname='zlib', shuffle=SHUFFLE)` writes and reads. Node has no Zstandard encoder
 * (zlib.zstd* came with Node 22.15), so use_compressor=BLOSC_ZSTD gets Blosc's frame with zlib inside;
 * c-blosc picks the inner codec from the frame's flags, so every Blosc reader decodes it.
 * Reference: c-blosc README_HEADER.rst (16-byte header, block starts, one stream per block).
 */
import { deflate } from 'node:zlib';
import { promisify } from 'node:util';

const deflateAsync = promisify(deflate);

const BLOSC_VERSION_FORMAT = 2;
const BLOSC_ZLIB_VERSION_FORMAT = 1;
const BLOSC_ZLIB_FORMAT = 3;
const FLAG_SHUFFLE = 0x01;
/** One stream per block (c-blosc's "don't split"), so a block is one zlib stream. */
const FLAG_DONT_SPLIT = 0x10;
const HEADER_BYTES = 16;
const TYPE_SIZE = 8;
/** Bytes per block: large blocks suit zlib (c-blosc also doubles its blocks for the HCR codecs). */
const BLOCK_BYTES = 256 * 1024;

export async function bloscFrame(data: Uint8Array, level: number): Promise<Buffer> {
  const blockSize = Math.min(BLOCK_BYTES, data.length);
  const blocks = blockSize === 0 ? 0 : Math.ceil(data.length / blockSize);
  const streams = await Promise.all(
    Array.from({ length: blocks }, async (_, index) => {
      const block = shuffle(data.subarray(index * blockSize, Math.min(data.length, (index + 1) * blockSize)));
      const compressed = await deflateAsync(block, { level });
      // A stream as long as its block means "stored": c-blosc copies it as it is.
      return compressed.length < block.length ? compressed : Buffer.from(block.buffer, block.byteOffset, block.length);
    }),
  );
  const header = Buffer.alloc(HEADER_BYTES + 4 * blocks);
  let offset = header.length;
  streams.forEach((stream, index) => {
    header.writeInt32LE(offset, HEADER_BYTES + 4 * index);
    offset += 4 + stream.length;
  });
  header.writeUInt8(BLOSC_VERSION_FORMAT, 0);
  header.writeUInt8(BLOSC_ZLIB_VERSION_FORMAT, 1);
  header.writeUInt8(FLAG_SHUFFLE | FLAG_DONT_SPLIT | (BLOSC_ZLIB_FORMAT << 5), 2);
  header.writeUInt8(TYPE_SIZE, 3);
  header.writeUInt32LE(data.length, 4);
  header.writeUInt32LE(blockSize, 8);
  header.writeUInt32LE(offset, 12);
  const parts: Buffer[] = [header];
  for (const stream of streams) {
    const length = Buffer.alloc(4);
    length.writeInt32LE(stream.length);
    parts.push(length, stream);
  }
  return Buffer.concat(parts, offset);
}

/** Blosc's byte shuffle of one block: byte j of every double, then byte j + 1, … (the block is whole doubles). */
function shuffle(block: Uint8Array): Uint8Array {
  const count = block.length / TYPE_SIZE;
  const out = new Uint8Array(block.length);
  for (let j = 0; j < TYPE_SIZE; j++) {
    const base = j * count;
    for (let i = 0; i < count; i++) out[base + i] = block[i * TYPE_SIZE + j]!;
  }
  return out;
}
