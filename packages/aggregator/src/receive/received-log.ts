/**
 * The aggregator's received log: `<run dir>/.aggregator/GR<rank>.log`, every accepted frame of a rank
 * in sequence order, append-only. Acks promise that a frame is here; finalisation and `merge` read it back.
 *
 * Writes run on libuv's threads, so that the receive loop decodes the next frames meanwhile; files are
 * opened and closed synchronously (microseconds) and kept open, least recently used closed first.
 */
import { closeSync, mkdirSync, openSync, truncateSync, writev as fsWritev } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { encodeFrameHeader, framePadding, RECEIVED_LOG_DIR, receivedLogPath, UserError } from '@prov4ml/prov-core';
import { MAX_OPEN_LOG_FILES } from '../limits.js';

/**
 * Appends frames rank by rank. Keeps up to MAX_OPEN_LOG_FILES files open (least recently used closed
 * first), and remembers each file's size so that a failed append can be cut back to whole frames.
 */
export class ReceivedLog {
  readonly #runDir: string;
  /** Open descriptors by rank, least recently used first. */
  readonly #open = new Map<number, number>();
  readonly #sizes = new Map<number, number>();

  private constructor(runDir: string) {
    this.#runDir = runDir;
  }

  static create(runDir: string): ReceivedLog {
    const dir = join(runDir, RECEIVED_LOG_DIR);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new UserError(`cannot create the received log directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return new ReceivedLog(runDir);
  }

  /** Bytes of a rank's log that hold whole, durable frames: what replay adopted plus every append that succeeded. */
  durableBytes(rank: number): number {
    return this.#sizes.get(rank) ?? 0;
  }

  /** Declares the size of an existing log (after replay) so a failed append is cut back to it. */
  adopt(rank: number, validBytes: number): void {
    this.#sizes.set(rank, validBytes);
  }

  /**
   * Appends each rank's payloads as frames: one write per rank, the ranks' files written in parallel.
   * Returns the ranks whose append failed, with a UserError naming the file; each of those files is
   * cut back to its last whole frame. One append at a time.
   */
  async append(payloadsByRank: ReadonlyMap<number, readonly Uint8Array[]>): Promise<Map<number, UserError>> {
    const failures = new Map<number, UserError>();
    const ranks = [...payloadsByRank.keys()];
    // Descriptors are taken a group at a time, so that opening one never closes another of the group.
    for (let from = 0; from < ranks.length; from += MAX_OPEN_LOG_FILES) {
      await Promise.all(ranks.slice(from, from + MAX_OPEN_LOG_FILES).map(async (rank) => {
        // Headers, payloads and padding as separate buffers: the payloads are written without a copy.
        const pieces = payloadsByRank.get(rank)!.flatMap((payload) => [encodeFrameHeader(payload.length), payload, framePadding(payload.length)]);
        const before = this.#sizes.get(rank) ?? 0;
        try {
          this.#sizes.set(rank, before + (await writeAll(this.#descriptor(rank), pieces)));
        } catch (error) {
          this.#forget(rank);
          try {
            truncateSync(receivedLogPath(this.#runDir, rank), before);
          } catch {
            // The file may not even exist; there is nothing to cut back then.
          }
          failures.set(rank, new UserError(`cannot write the received log ${receivedLogPath(this.#runDir, rank)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`));
        }
      }));
    }
    return failures;
  }

  close(): void {
    for (const rank of [...this.#open.keys()]) this.#forget(rank);
  }

  #descriptor(rank: number): number {
    const existing = this.#open.get(rank);
    if (existing !== undefined) {
      // Re-insert to mark it most recently used.
      this.#open.delete(rank);
      this.#open.set(rank, existing);
      return existing;
    }
    if (this.#open.size >= MAX_OPEN_LOG_FILES) this.#forget(this.#open.keys().next().value as number);
    // 'a': every write goes to the end, which replay has already cut back to whole frames.
    const fd = openSync(receivedLogPath(this.#runDir, rank), 'a');
    this.#open.set(rank, fd);
    return fd;
  }

  #forget(rank: number): void {
    const fd = this.#open.get(rank);
    this.#open.delete(rank);
    if (fd !== undefined) closeSync(fd);
  }
}

/** Buffers per writev call, below every system's IOV_MAX (1024 on Linux), beyond which writes come back short. */
const MAX_PIECES_PER_WRITE = 512;

const writev = promisify(fsWritev);

/**
 * Writes every piece; returns the bytes written. A short write is not itself a failure, so the rest is
 * written on: Node's writev already writes on after a short count, and comes back short only when that
 * failed, without saying how (libuv drops the error). Writing on reports the real error (ENOSPC, EDQUOT,
 * EFBIG, EIO) — or succeeds if its cause has passed.
 */
async function writeAll(fd: number, pieces: readonly Uint8Array[]): Promise<number> {
  let total = 0;
  for (let rest = pieces.filter((piece) => piece.length > 0); rest.length > 0; ) {
    const slice = rest.slice(0, MAX_PIECES_PER_WRITE);
    const written = (await writev(fd, slice)).bytesWritten;
    // No error and nothing written: writing on would spin.
    if (written <= 0) throw new Error(`a write of ${slice.reduce((sum, piece) => sum + piece.length, 0)} bytes wrote none`);
    total += written;
    rest = unwritten(rest, written);
  }
  return total;
}

/** The pieces left after the first `bytes` of them: whole pieces dropped, a partly written one cut (no copy). */
function unwritten(pieces: readonly Uint8Array[], bytes: number): Uint8Array[] {
  let index = 0;
  for (; index < pieces.length && bytes >= pieces[index]!.length; index++) bytes -= pieces[index]!.length;
  const rest = pieces.slice(index);
  if (bytes > 0) rest[0] = rest[0]!.subarray(bytes);
  return rest;
}

/** Cuts a received log back to its last whole frame (after a torn write or a corrupt length). */
export function cutReceivedLog(runDir: string, rank: number, validBytes: number): void {
  truncateSync(receivedLogPath(runDir, rank), validBytes);
}
