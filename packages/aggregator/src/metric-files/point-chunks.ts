/**
 * Gathers a series' points into chunks of a fixed number of points, for the binary writers (netCDF,
 * Zarr), which write whole chunks. Copies are typed-array copies (memmove), so every bit of a value,
 * a NaN's payload included, reaches the file as it was logged.
 */

export interface PointColumns {
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}

export class PointChunks {
  readonly #chunkPoints: number;
  #columns: PointColumns;
  #length = 0;

  constructor(chunkPoints: number) {
    this.#chunkPoints = chunkPoints;
    // Small at first and doubled as needed, so a thousand tiny series stay small.
    this.#columns = allocate(Math.min(chunkPoints, 256));
  }

  /** Points gathered and not yet handed out. */
  get length(): number {
    return this.#length;
  }

  /** Adds points; `full` receives each chunk that fills up (its own arrays, which the receiver keeps). */
  push(points: PointColumns, full: (chunk: PointColumns) => void): void {
    let from = 0;
    const total = points.steps.length;
    while (from < total) {
      const take = Math.min(total - from, this.#chunkPoints - this.#length);
      if (this.#length + take > this.#columns.steps.length) this.#grow(this.#length + take);
      for (const key of COLUMNS) this.#columns[key].set(points[key].subarray(from, from + take), this.#length);
      this.#length += take;
      from += take;
      if (this.#length === this.#chunkPoints) full(this.take());
    }
  }

  /** Hands out what is gathered (possibly nothing) and starts over. */
  take(): PointColumns {
    const length = this.#length;
    const taken = { steps: this.#columns.steps.slice(0, length), values: this.#columns.values.slice(0, length), timestamps: this.#columns.timestamps.slice(0, length) };
    this.#length = 0;
    return taken;
  }

  #grow(needed: number): void {
    const bigger = allocate(Math.min(this.#chunkPoints, Math.max(needed, this.#columns.steps.length * 2)));
    for (const key of COLUMNS) bigger[key].set(this.#columns[key].subarray(0, this.#length));
    this.#columns = bigger;
  }
}

export const COLUMNS = ['steps', 'values', 'timestamps'] as const;

function allocate(capacity: number): PointColumns {
  return { steps: new Float64Array(capacity), values: new Float64Array(capacity), timestamps: new Float64Array(capacity) };
}
