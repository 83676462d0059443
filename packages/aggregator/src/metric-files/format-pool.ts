/**
 * Worker threads that format metric CSV rows (and the original's text rows). Formatting a double is the single largest cost of
 * finalising (about 200 ns per value), and it parallelises perfectly across chunks.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DEFAULT_CSV_SEPARATOR } from '@prov4ml/prov-core';

/**
 * Young generation of each formatter's heap. A formatter's garbage is one string and one buffer per
 * chunk; V8's default lets each worker's young generation grow to tens of MB for nothing.
 */
const FORMAT_WORKER_YOUNG_GENERATION_MB = 4;

/** Points of the throw-away chunk each worker formats when warmed up. */
const WARM_UP_POINTS = 10_000;

export interface FormatRequest {
  id: number;
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
  /** The run's CSV separator. */
  separator: string;
  /** 'txt': the original's text layout (separator unused). */
  layout: RowLayout;
}

export type RowLayout = 'csv' | 'txt';

export interface FormatResponse {
  id: number;
  bytes: Uint8Array;
}

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

export class CsvFormatPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #load: number[] = [];
  readonly #size: number;
  #nextId = 1;

  constructor(size = Math.max(1, availableParallelism())) {
    this.#size = size;
  }

  /**
   * Starts every worker now and has it format a throw-away chunk, so that thread start-up and JIT
   * compilation are done before the job ends rather than inside the time to finalise it.
   */
  warmUp(): void {
    for (let index = this.#workers.length; index < this.#size; index++) {
      const points = WARM_UP_POINTS;
      const steps = Float64Array.from({ length: points }, (_, i) => i);
      const values = Float64Array.from({ length: points }, (_, i) => (i % 3 === 0 ? i : Math.fround(1 / (i + 1))));
      const timestamps = Float64Array.from({ length: points }, (_, i) => 1_700_000_000_000 + i);
      void this.#run(this.#spawn(index), index, { steps, values, timestamps, separator: DEFAULT_CSV_SEPARATOR, layout: 'csv' }).catch(() => undefined);
    }
  }

  /** Formats the points in a worker; the arrays are transferred (unusable afterwards). */
  format(points: Omit<FormatRequest, 'id'>): Promise<Uint8Array> {
    const index = this.#leastLoaded();
    return this.#run(this.#workers[index] ?? this.#spawn(index), index, points);
  }

  #run(worker: Worker, index: number, points: Omit<FormatRequest, 'id'>): Promise<Uint8Array> {
    const id = this.#nextId++;
    const { steps, values, timestamps } = points;
    this.#load[index]! += steps.length;
    const request: FormatRequest = { id, ...points };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (bytes) => {
          this.#load[index]! -= steps.length;
          resolve(bytes);
        },
        reject,
      });
      worker.postMessage(request, [steps.buffer as ArrayBuffer, values.buffer as ArrayBuffer, timestamps.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    this.#workers.length = 0;
  }

  #leastLoaded(): number {
    if (this.#workers.length < this.#size) return this.#workers.length;
    let best = 0;
    for (let i = 1; i < this.#load.length; i++) if (this.#load[i]! < this.#load[best]!) best = i;
    return best;
  }

  #spawn(index: number): Worker {
    // The worker runs compiled JavaScript only: no loader hooks of the parent (a test's tsx) are needed,
    // and without them a worker starts in a fraction of the time.
    const worker = new Worker(new URL('./format-worker.js', import.meta.url), {
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: FORMAT_WORKER_YOUNG_GENERATION_MB },
    });
    worker.on('message', (response: FormatResponse) => {
      const pending = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      pending?.resolve(response.bytes);
    });
    worker.on('error', (error) => {
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    });
    this.#workers[index] = worker;
    this.#load[index] = 0;
    return worker;
  }
}
