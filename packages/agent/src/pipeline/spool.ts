import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeFrameHeader, FRAME_HEADER_BYTES, frameHeaderLength, framedLength, framePadding, UserError } from '@prov4ml/prov-core';
import { SPOOL_RING_BYTES } from '../config/limits.js';

/** Where one frame sits in the spool file. */
export interface SpoolLocation {
  offset: number;
  length: number;
}

export interface SpoolOptions {
  path: string;
  /** How far the file is written, in bytes, each time the writer thread moves on. */
  onPersisted: (bytes: number) => void;
  /** The file stopped taking frames (an errno code such as ENOSPC); called once. */
  onFailure?: (code: string) => void;
  log: (line: string) => void;
  /** Size of the ring between the logging thread and the writer; SPOOL_RING_BYTES unless a test says. */
  ringBytes?: number;
}

/** Byte counters shared with the writer thread (BigInt64 so that Atomics can wait on them). */
const QUEUED = 0;
const PERSISTED = 1;
const STOP = 2;
/**
 * Set by the writer when a write failed: the errno (positive; -1 when the error had none), so that the
 * agent knows the cause the moment it sees the failure, before the writer's message arrives.
 */
const FAILED = 3;

/*
 * The writer thread: copies whatever the agent queued in the ring to the file, in order, and
 * publishes how far the file is written. It waits on the QUEUED counter, so it needs no event loop.
 */
const WRITER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { fd, control, ring } = workerData;
const counters = new BigInt64Array(control);
const bytes = new Uint8Array(ring);
const size = bytes.length;
for (;;) {
  const persisted = Atomics.load(counters, ${PERSISTED});
  const queued = Atomics.load(counters, ${QUEUED});
  if (queued === persisted) {
    if (Atomics.load(counters, ${STOP}) !== 0n) break;
    Atomics.wait(counters, ${QUEUED}, queued, 1000);
    continue;
  }
  let from = Number(persisted % BigInt(size));
  let left = Number(queued - persisted);
  try {
    while (left > 0) {
      const n = Math.min(left, size - from);
      let done = 0;
      while (done < n) done += writeSync(fd, bytes, from + done, n - done);
      from = (from + n) % size;
      left -= n;
    }
  } catch (error) {
    Atomics.store(counters, ${FAILED}, BigInt(Math.abs(error.errno || 0) || -1));
    parentPort.postMessage({ error: error.code || String(error) });
    Atomics.notify(counters, ${PERSISTED});
    break;
  }
  Atomics.store(counters, ${PERSISTED}, queued);
  Atomics.notify(counters, ${PERSISTED});
  parentPort.postMessage({ persisted: Number(queued) });
}
`;

/**
 * The agent's append-only spool: every sealed frame is written here before it is sent, so a frame the
 * aggregator never acknowledged can be re-read (by the sender) or replayed (by `prov4ml merge`).
 *
 * Appending only copies the frame into a shared ring; a writer thread puts it in the file, so the
 * logging thread never waits for the disk unless the ring (SPOOL_RING_BYTES) is full. `onPersisted`
 * tells how far the file is written — a frame may be sent only once it is.
 *
 * Frames are numbered by their sequence number, contiguous from the first one appended, so that the
 * sender re-reads a frame by its number (`readFrame`) without anyone else keeping where it is.
 */
export class Spool {
  readonly path: string;
  private readonly counters: BigInt64Array;
  private readonly ring: Uint8Array;
  private readonly writer: Worker;
  private readonly log: (line: string) => void;
  private readonly onFailure: ((code: string) => void) | undefined;
  private queued = 0;
  private closed: Promise<void> | undefined;
  private failure: string | undefined;
  /** Sequence number of the first frame appended; offsets[i] is where frame firstSeq + i starts. */
  private firstSeq = 0;
  /** One number a frame for the whole run (8 bytes each: 30k frames in a 10-hour run at one a second). */
  private readonly offsets: number[] = [];
  /** Where the last whole frame appended ends (a frame the ring refused halfway has no number). */
  private appendedBytes = 0;

  private constructor(private readonly fd: number, options: SpoolOptions) {
    this.path = options.path;
    this.log = options.log;
    this.onFailure = options.onFailure;
    const control = new SharedArrayBuffer(4 * 8);
    const ring = new SharedArrayBuffer(options.ringBytes ?? SPOOL_RING_BYTES);
    this.counters = new BigInt64Array(control);
    this.ring = new Uint8Array(ring);
    // No inherited execArgv: under `node --input-type=module` the CommonJS source would be read as a module.
    this.writer = new Worker(WRITER_SOURCE, { eval: true, execArgv: [], workerData: { fd, control, ring } });
    this.writer.unref();
    this.writer.on('message', (message: { persisted?: number; error?: string }) => {
      if (message.persisted !== undefined) options.onPersisted(message.persisted);
      if (message.error !== undefined) this.fail(message.error);
    });
  }

  static open(options: SpoolOptions): Spool {
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      return new Spool(openSync(options.path, 'a+'), options);
    } catch (error) {
      throw new UserError(`cannot create the spool ${options.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  /**
   * Queues frame `seq` — header, `payload`, padding — without concatenating them first. Blocks only
   * while the ring is full (the disk is slower than the logging); a frame larger than the ring passes
   * through it in pieces, so the writer thread stays the file's only writer.
   * @throws UserError once the file has stopped taking frames.
   */
  appendFrame(seq: number, payload: Uint8Array): SpoolLocation {
    if (this.failure !== undefined) throw new UserError(`cannot write the spool ${this.path}: ${this.failure}`);
    if (this.offsets.length === 0) this.firstSeq = seq;
    else if (seq !== this.firstSeq + this.offsets.length) throw new Error(`spool ${this.path}: frame ${seq} appended after frame ${this.firstSeq + this.offsets.length - 1}`);
    const offset = this.queued;
    this.queue(encodeFrameHeader(payload.length));
    this.queue(payload);
    this.queue(framePadding(payload.length));
    const length = framedLength(payload.length);
    this.offsets.push(offset);
    this.appendedBytes = offset + length;
    return { offset, length };
  }

  private queue(bytes: Uint8Array): void {
    const size = this.ring.length;
    for (let start = 0; start < bytes.length; ) {
      const piece = bytes.subarray(start, start + size);
      this.waitForRoom(piece.length);
      const at = this.queued % size;
      const first = Math.min(piece.length, size - at);
      this.ring.set(piece.subarray(0, first), at);
      if (first < piece.length) this.ring.set(piece.subarray(first), 0);
      this.queued += piece.length;
      start += piece.length;
      Atomics.store(this.counters, QUEUED, BigInt(this.queued));
      Atomics.notify(this.counters, QUEUED);
    }
  }

  /**
   * Why the file stopped taking frames (an errno code such as ENOSPC); undefined while it takes them
   * all. A method, not a getter: it takes up (and says, once) a failure the writer has only flagged.
   */
  writeFailure(): string | undefined {
    this.noteWriterFailure();
    return this.failure;
  }

  /** Bytes of the spool known to be in the file. */
  persistedBytes(): number {
    return Number(Atomics.load(this.counters, PERSISTED));
  }

  /** The payload of frame `seq`, read back from the file (once persisted). */
  readFrame(seq: number): Buffer {
    const index = seq - this.firstSeq;
    const offset = this.offsets[index];
    if (offset === undefined || index < 0) throw new Error(`spool ${this.path} holds no frame ${seq}`);
    return this.read({ offset, length: (this.offsets[index + 1] ?? this.appendedBytes) - offset });
  }

  private read(location: SpoolLocation): Buffer {
    const frame = Buffer.allocUnsafe(location.length);
    let done = 0;
    while (done < location.length) {
      const n = readSync(this.fd, frame, done, location.length - done, location.offset + done);
      if (n === 0) throw new Error(`spool ${this.path} ends before offset ${location.offset + location.length}`);
      done += n;
    }
    const length = frameHeaderLength(frame, 0);
    if (length < 0) throw new Error(`spool ${this.path} has no frame at offset ${location.offset}`);
    return frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
  }

  /** Resolves once everything queued so far is in the file (or the writer failed). */
  async flushed(): Promise<void> {
    while (this.failure === undefined && Atomics.load(this.counters, FAILED) === 0n && this.persistedBytes() < this.queued) {
      await Atomics.waitAsync(this.counters, PERSISTED, BigInt(this.persistedBytes()), 1000).value;
    }
    this.noteWriterFailure();
  }

  /** Takes a failure the writer has flagged, whether or not its message has arrived yet. */
  private noteWriterFailure(): void {
    const errno = Number(Atomics.load(this.counters, FAILED));
    if (errno === 0 || this.failure !== undefined) return;
    this.fail(Object.entries(constants.errno).find(([, number]) => number === errno)?.[0] ?? 'write failed');
  }

  /** Waits until everything queued is in the file, then stops the writer. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.flushed();
      Atomics.store(this.counters, STOP, 1n);
      Atomics.notify(this.counters, QUEUED);
      await this.writer.terminate();
      closeSync(this.fd);
    })();
    return this.closed;
  }

  private waitForRoom(bytes: number): void {
    while (this.queued + bytes - this.persistedBytes() > this.ring.length) {
      if (Atomics.load(this.counters, FAILED) !== 0n) throw new UserError(`cannot write the spool ${this.path}: the writer failed`);
      Atomics.wait(this.counters, PERSISTED, BigInt(this.persistedBytes()), 1000);
    }
  }

  private fail(code: string): void {
    if (this.failure !== undefined) return;
    this.failure = code;
    this.log(`cannot write the spool ${this.path}: ${code}; records not yet written are kept in memory only`);
    this.onFailure?.(code);
  }
}
