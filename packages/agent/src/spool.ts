import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '@prov4ml/prov-core';

/** Where one frame sits in the spool file. */
export interface SpoolLocation {
  offset: number;
  length: number;
}

/**
 * The agent's append-only spool: every sealed frame is written here before it is sent, so a frame the
 * aggregator never acknowledged can be re-read (by the sender) or replayed (by `prov4ml merge`).
 * Writes are synchronous: they land in the page cache, which survives the death of this process.
 */
export class Spool {
  private fd: number | undefined;
  private size = 0;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  static open(path: string): Spool {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return new Spool(path, openSync(path, 'a+'));
    } catch (error) {
      throw new UserError(`cannot create the spool ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  /** Appends one frame; throws (with the path named) when the disk refuses it. */
  append(frame: Uint8Array): SpoolLocation {
    const fd = this.requireOpen();
    const offset = this.size;
    let written = 0;
    try {
      while (written < frame.length) written += writeSync(fd, frame, written, frame.length - written);
    } catch (error) {
      throw new UserError(`cannot write the spool ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    this.size += frame.length;
    return { offset, length: frame.length };
  }

  read(location: SpoolLocation): Buffer {
    const buffer = Buffer.allocUnsafe(location.length);
    let done = 0;
    while (done < location.length) {
      const n = readSync(this.requireOpen(), buffer, done, location.length - done, location.offset + done);
      if (n === 0) throw new Error(`spool ${this.path} ends before offset ${location.offset + location.length}`);
      done += n;
    }
    return buffer;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new Error(`spool ${this.path} is closed`);
    return this.fd;
  }
}
