/**
 * Decodes a Blosc (version 1 format) frame whose inner codec is zlib, shuffled or not: what prov4ml
 * writes for use_compressor=BLOSC_ZSTD and what numcodecs writes with cname='zlib'. Other inner codecs
 * (lz4, zstd, blosclz, snappy) are refused by name: Node has no decoder for them.
 */
import { inflateSync } from 'node:zlib';

const FLAG_SHUFFLE = 0x01;
const FLAG_MEMCPYED = 0x02;
const FLAG_BITSHUFFLE = 0x04;
const FLAG_DONT_SPLIT = 0x10;
const CODECS = ['blosclz', 'lz4', 'snappy', 'zlib', 'zstd'];
const ZLIB = 3;
const MAX_SPLITS = 16;
const MIN_BUFFER_SIZE = 128;

export function decodeBlosc(frame: Buffer, what: string): Buffer {
  const flags = frame[2]!;
  const typeSize = frame[3]!;
  const nbytes = frame.readUInt32LE(4);
  const blockSize = frame.readUInt32LE(8);
  if ((flags & FLAG_MEMCPYED) !== 0) return frame.subarray(16, 16 + nbytes);
  const codec = flags >> 5;
  if (codec !== ZLIB) throw new Error(`${what}: a Blosc frame compressed with ${CODECS[codec] ?? `codec ${codec}`}; only Blosc with zlib inside can be read here`);
  if ((flags & FLAG_BITSHUFFLE) !== 0) throw new Error(`${what}: a bit-shuffled Blosc frame; only byte shuffle can be read here`);
  const out = Buffer.alloc(nbytes);
  const blocks = Math.ceil(nbytes / blockSize);
  for (let b = 0; b < blocks; b++) {
    const size = Math.min(blockSize, nbytes - b * blockSize);
    const leftover = size < blockSize;
    const splits = (flags & FLAG_DONT_SPLIT) === 0 && typeSize <= MAX_SPLITS && size / typeSize >= MIN_BUFFER_SIZE && !leftover ? typeSize : 1;
    const splitSize = size / splits;
    let at = frame.readInt32LE(16 + 4 * b);
    const block = Buffer.alloc(size);
    for (let s = 0; s < splits; s++) {
      const length = frame.readInt32LE(at);
      at += 4;
      const stream = frame.subarray(at, at + length);
      at += length;
      (length === splitSize ? stream : inflateSync(stream)).copy(block, s * splitSize);
    }
    ((flags & FLAG_SHUFFLE) !== 0 && typeSize > 1 ? unshuffle(block, typeSize) : block).copy(out, b * blockSize);
  }
  return out;
}

function unshuffle(block: Buffer, typeSize: number): Buffer {
  const count = Math.floor(block.length / typeSize);
  const out = Buffer.from(block);
  for (let j = 0; j < typeSize; j++) for (let i = 0; i < count; i++) out[i * typeSize + j] = block[j * count + i]!;
  return out;
}
