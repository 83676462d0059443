/** Frames of the local channel: `u32 LE length` + payload, reassembled from a stream's chunks. */
import { MAX_CHANNEL_FRAME_BYTES } from './limits.js';

const HEADER_BYTES = 4;

/** One JSON message as a frame. */
export function jsonFrame(message: string): Buffer {
  const payload = Buffer.from(message, 'utf8');
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

/** A frame that claims more bytes than the limit: the stream cannot be trusted any further. */
export class OversizedFrameError extends Error {}

/**
 * Reassembles frames from stream chunks. Holds at most one incomplete frame (bounded by
 * `maxFrameBytes`), and copies each byte about once however small the chunks are.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header + payload bytes of the frame being assembled, once its header has arrived. */
  private needed: number | null = null;

  constructor(private readonly maxFrameBytes = MAX_CHANNEL_FRAME_BYTES) {}

  /** The payloads `chunk` completes, in order; throws OversizedFrameError on a length over the limit. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.needed === null) {
        if (this.buffered < HEADER_BYTES) return frames;
        if (this.chunks[0]!.length < HEADER_BYTES) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
        const length = this.chunks[0]!.readUInt32LE(0);
        if (length > this.maxFrameBytes) throw new OversizedFrameError(`a frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
        this.needed = HEADER_BYTES + length;
      }
      if (this.buffered < this.needed) return frames;
      const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      frames.push(joined.subarray(HEADER_BYTES, this.needed));
      const rest = joined.subarray(this.needed);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.needed = null;
    }
  }
}
