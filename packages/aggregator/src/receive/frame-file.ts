/**
 * Streaming reader of frame files (agent spools and received logs: the frames of prov-core's wire.ts).
 * Reads in bounded chunks, so replaying a multi-gigabyte log needs no more memory than one chunk.
 * Reads are synchronous: from the page cache they take microseconds, far less than a promise per
 * read when a 1024-rank job has 1024 small files.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FRAME_HEADER_BYTES, frameHeaderLength, framedLength, MAX_FRAME_BYTES, readFrames } from '@prov4ml/prov-core';
import { LOG_READ_CHUNK_BYTES } from '../limits.js';

/** How a frame file ended: cleanly, in a torn frame (a writer died mid-append), or at an impossible length. */
export interface FrameFileEnd {
  /** Bytes covered by complete frames; a writer may truncate the file here and append again. */
  validBytes: number;
  /** 'torn': the tail is an incomplete frame; 'corrupt': a header no writer could write. */
  problem: 'torn' | 'corrupt' | null;
}

/** Part of a frame file: from a frame's start up to (not including) `to`, or to the end of the file. */
export interface FrameFileRange {
  from?: number;
  to?: number;
}

/**
 * How many of the frames it was given a consumer took; fewer than all stops the read before the first
 * one not taken (nothing, or undefined: all).
 */
export type FramesTaken = number | void;

/**
 * Calls `onFrames` with the payloads of consecutive complete frames (views valid only during the call;
 * copy what must outlive it). Awaits it, so the consumer sets the pace, and may stop the read (see
 * FramesTaken). `validBytes` of the result is an offset in the file, so a reader can go on from there later.
 */
export async function readFrameFile(path: string, onFrames: (frames: Uint8Array[]) => FramesTaken | Promise<FramesTaken>, range: FrameFileRange = {}): Promise<FrameFileEnd> {
  const fd = openSync(path, 'r');
  try {
    const from = range.from ?? 0;
    const to = range.to ?? fstatSync(fd).size;
    // A small file (a rank that logged little) gets a small buffer.
    let buffer = Buffer.allocUnsafe(Math.max(FRAME_HEADER_BYTES, Math.min(LOG_READ_CHUNK_BYTES, to - from)));
    let filled = 0;
    let fileOffset = from;
    let validBytes = from;
    for (;;) {
      const bytesRead = readSync(fd, buffer, filled, Math.min(buffer.length - filled, Math.max(0, to - fileOffset)), fileOffset);
      fileOffset += bytesRead;
      filled += bytesRead;
      const { frames, consumed } = readFrames(buffer.subarray(0, filled));
      const taken = frames.length > 0 ? await onFrames(frames) : undefined;
      if (typeof taken === 'number' && taken < frames.length) {
        return { validBytes: frames.slice(0, taken).reduce((at, frame) => at + framedLength(frame.length), validBytes), problem: null };
      }
      validBytes += consumed;
      buffer.copy(buffer, 0, consumed, filled);
      filled -= consumed;
      if (filled >= FRAME_HEADER_BYTES) {
        const claimed = frameHeaderLength(buffer, 0);
        if (claimed < 0) return { validBytes, problem: 'corrupt' };
        if (framedLength(claimed) > buffer.length) {
          // One frame larger than the buffer: grow, bounded by the frame limit.
          const bigger = Buffer.allocUnsafe(Math.max(framedLength(claimed), Math.min(2 * buffer.length, framedLength(MAX_FRAME_BYTES))));
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        }
      }
      if (bytesRead === 0) return { validBytes, problem: filled > 0 ? 'torn' : null };
    }
  } finally {
    closeSync(fd);
  }
}

/** The payload of a frame file's first frame, or null when the file is empty or starts torn. */
export function readFirstFrame(path: string): Uint8Array | null {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    if (readSync(fd, header, 0, FRAME_HEADER_BYTES, 0) < FRAME_HEADER_BYTES) return null;
    const length = frameHeaderLength(header, 0);
    if (length < 0) return null;
    const payload = Buffer.alloc(length);
    return readSync(fd, payload, 0, length, FRAME_HEADER_BYTES) === length ? payload : null;
  } finally {
    closeSync(fd);
  }
}
