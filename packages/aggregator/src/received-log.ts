/**
 * The aggregator's received log: `<run dir>/.aggregator/GR<rank>.log`, every accepted frame of a rank
 * in sequence order, append-only. Acks promise that a frame is here; finalisation and `merge` read it back.
 */
import { mkdir, open, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrameHeader, UserError } from '@prov4ml/prov-core';
import { MAX_OPEN_LOG_FILES } from './limits.js';

export const RECEIVED_LOG_DIR = '.aggregator';

export function receivedLogPath(runDir: string, rank: number): string {
  return join(runDir, RECEIVED_LOG_DIR, `GR${rank}.log`);
}

/** Parses `GR<rank>.log`; null for any other name. */
export function rankOfReceivedLog(fileName: string): number | null {
  const match = /^GR(\d{1,7})\.log$/.exec(fileName);
  return match ? Number(match[1]) : null;
}

/**
 * Appends frames rank by rank. Keeps up to MAX_OPEN_LOG_FILES files open (least recently used closed
 * first), and remembers each file's size so that a failed append can be cut back to whole frames.
 */
export class ReceivedLog {
  readonly #runDir: string;
  readonly #open = new Map<number, FileHandle>();
  readonly #sizes = new Map<number, number>();

  private constructor(runDir: string) {
    this.#runDir = runDir;
  }

  static async create(runDir: string): Promise<ReceivedLog> {
    const dir = join(runDir, RECEIVED_LOG_DIR);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new UserError(`cannot create the received log directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return new ReceivedLog(runDir);
  }

  /** Declares the size of an existing log (after replay) so appends continue from there. */
  adopt(rank: number, validBytes: number): void {
    this.#sizes.set(rank, validBytes);
  }

  /**
   * Appends each rank's payloads as frames: one write per rank, the ranks' files written in parallel.
   * Returns the ranks whose append failed, with a UserError naming the file; each of those files is
   * cut back to its last whole frame.
   */
  async append(payloadsByRank: ReadonlyMap<number, readonly Uint8Array[]>): Promise<Map<number, UserError>> {
    const failures = new Map<number, UserError>();
    const ranks = [...payloadsByRank.keys()];
    // Handles are taken a group at a time, so that opening one never closes another of the same group.
    for (let from = 0; from < ranks.length; from += MAX_OPEN_LOG_FILES) {
      const group = ranks.slice(from, from + MAX_OPEN_LOG_FILES);
      const handles: FileHandle[] = [];
      for (const rank of group) handles.push(await this.#handle(rank));
      await Promise.all(group.map(async (rank, index) => {
        const failure = await this.#appendTo(rank, handles[index]!, payloadsByRank.get(rank)!);
        if (failure !== null) failures.set(rank, failure);
      }));
    }
    return failures;
  }

  async #appendTo(rank: number, file: FileHandle, payloads: readonly Uint8Array[]): Promise<UserError | null> {
    // Length headers and payloads as separate buffers: the payloads are written without a copy.
    const pieces = payloads.flatMap((payload) => [encodeFrameHeader(payload.length), payload]);
    const before = this.#sizes.get(rank) ?? 0;
    try {
      await file.writev(pieces, before);
      this.#sizes.set(rank, before + pieces.reduce((sum, piece) => sum + piece.length, 0));
      return null;
    } catch (error) {
      await truncate(receivedLogPath(this.#runDir, rank), before).catch(() => undefined);
      return new UserError(`cannot write the received log ${receivedLogPath(this.#runDir, rank)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  async close(): Promise<void> {
    const handles = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }

  async #handle(rank: number): Promise<FileHandle> {
    const existing = this.#open.get(rank);
    if (existing !== undefined) {
      // Re-insert to mark it most recently used.
      this.#open.delete(rank);
      this.#open.set(rank, existing);
      return existing;
    }
    if (this.#open.size >= MAX_OPEN_LOG_FILES) {
      const [oldestRank, oldest] = this.#open.entries().next().value as [number, FileHandle];
      this.#open.delete(oldestRank);
      await oldest.close();
    }
    const path = receivedLogPath(this.#runDir, rank);
    let handle: FileHandle;
    try {
      // 'r+' keeps the replayed content; positional writes continue at the adopted size.
      handle = await open(path, 'r+').catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return open(path, 'w+');
      });
    } catch (error) {
      throw new UserError(`cannot open the received log ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    this.#open.set(rank, handle);
    return handle;
  }
}

/** Cuts a received log back to its last whole frame (after a torn write or a corrupt length). */
export async function cutReceivedLog(runDir: string, rank: number, validBytes: number): Promise<void> {
  await truncate(receivedLogPath(runDir, rank), validBytes);
}

