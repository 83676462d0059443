/**
 * Display-only downsampling: the x range is cut into buckets and each bucket keeps its smallest and
 * largest value (in the order they occurred), so spikes survive however many points a series has.
 * The data files are never touched. Non-finite values (NaN, ±Infinity: a diverging loss) cannot be
 * drawn on a finite axis; they break the line and are counted.
 */
import type { SeriesSource } from './run-contents.js';

/** A downsampled series: vertices in drawing order; a NaN value ends one stroke and starts the next. */
export interface DownsampledSeries {
  readonly steps: number[];
  readonly values: number[];
  /** Points read from the source. */
  readonly pointCount: number;
  readonly nanCount: number;
  readonly infiniteCount: number;
  /** Smallest and largest finite value; null when there is none. */
  readonly min: number | null;
  readonly max: number | null;
  /** Value of the point with the largest step (the last one logged among equals); null for no points. */
  readonly last: number | null;
  /** Smallest positive finite value, for a log axis; null when there is none. */
  readonly minPositive: number | null;
}

interface Bucket {
  minStep: number;
  minValue: number;
  minIndex: number;
  maxStep: number;
  maxValue: number;
  maxIndex: number;
  /** A non-finite value was seen in this bucket after its first finite one. */
  broken: boolean;
}

/**
 * Points of one series kept in memory between the range pass and the bucket pass, so that a series
 * is read once; a longer series (16 bytes a point: 32 MiB here) is read a second time instead.
 */
export const MAX_BUFFERED_SERIES_POINTS = 2_000_000;
const INITIAL_BUFFER_POINTS = 4096;

/** Downsamples `source` to at most 2 × `buckets` vertices plus breaks. */
export async function downsampleSeries(source: SeriesSource, buckets: number): Promise<DownsampledSeries> {
  if (!Number.isInteger(buckets) || buckets < 1) throw new TypeError(`downsampleSeries(buckets): must be a positive integer, got ${String(buckets)}`);
  let firstStep = Number.POSITIVE_INFINITY;
  let lastStep = Number.NEGATIVE_INFINITY;
  const buffer = new PointBuffer(MAX_BUFFERED_SERIES_POINTS);
  await source.forEachPoint((step, value) => {
    if (step < firstStep) firstStep = step;
    if (step > lastStep) lastStep = step;
    buffer.push(step, value);
  });
  const downsampler = new MinMaxDownsampler(firstStep, lastStep, buckets);
  const add = (step: number, value: number): void => downsampler.add(step, value);
  if (buffer.complete) buffer.forEach(add);
  else await source.forEachPoint(add);
  return downsampler.result();
}

/** Growable step and value columns that stop growing at `limit` points and then only say so. */
class PointBuffer {
  readonly #limit: number;
  #steps = new Float64Array(INITIAL_BUFFER_POINTS);
  #values = new Float64Array(INITIAL_BUFFER_POINTS);
  #length = 0;
  #complete = true;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** False once a point did not fit: the caller must read the source again. */
  get complete(): boolean {
    return this.#complete;
  }

  push(step: number, value: number): void {
    if (!this.#complete) return;
    if (this.#length === this.#steps.length) {
      if (this.#length >= this.#limit) {
        this.#complete = false;
        this.#steps = new Float64Array(0);
        this.#values = new Float64Array(0);
        return;
      }
      const size = Math.min(this.#limit, this.#length * 2);
      this.#steps = grow(this.#steps, size);
      this.#values = grow(this.#values, size);
    }
    this.#steps[this.#length] = step;
    this.#values[this.#length] = value;
    this.#length += 1;
  }

  forEach(visit: (step: number, value: number) => void): void {
    for (let i = 0; i < this.#length; i += 1) visit(this.#steps[i] as number, this.#values[i] as number);
  }
}

function grow(array: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(size);
  grown.set(array);
  return grown;
}

/** One pass over points whose step range is known in advance. */
export class MinMaxDownsampler {
  readonly #first: number;
  readonly #scale: number;
  readonly #bucketCount: number;
  readonly #buckets = new Map<number, Bucket>();
  #index = 0;
  #nanCount = 0;
  #infiniteCount = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #minPositive = Number.POSITIVE_INFINITY;
  #lastStep = Number.NEGATIVE_INFINITY;
  #last: number | null = null;
  /** Bucket of the previous point, to attach a break to the stroke it ends. */
  #previousBucket: Bucket | undefined;

  constructor(firstStep: number, lastStep: number, buckets: number) {
    this.#first = Number.isFinite(firstStep) ? firstStep : 0;
    const span = Number.isFinite(lastStep) ? lastStep - this.#first : 0;
    this.#bucketCount = buckets;
    this.#scale = span > 0 ? buckets / span : 0;
  }

  add(step: number, value: number): void {
    const index = this.#index++;
    if (step >= this.#lastStep) {
      this.#lastStep = step;
      this.#last = value;
    }
    if (!Number.isFinite(value)) {
      if (Number.isNaN(value)) this.#nanCount += 1;
      else this.#infiniteCount += 1;
      if (this.#previousBucket !== undefined) this.#previousBucket.broken = true;
      this.#previousBucket = undefined;
      return;
    }
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    if (value > 0 && value < this.#minPositive) this.#minPositive = value;
    const key = Math.min(this.#bucketCount - 1, Math.max(0, Math.floor((step - this.#first) * this.#scale)));
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const created: Bucket = { minStep: step, minValue: value, minIndex: index, maxStep: step, maxValue: value, maxIndex: index, broken: false };
      this.#buckets.set(key, created);
      this.#previousBucket = created;
      return;
    }
    if (value < bucket.minValue) Object.assign(bucket, { minStep: step, minValue: value, minIndex: index });
    if (value > bucket.maxValue) Object.assign(bucket, { maxStep: step, maxValue: value, maxIndex: index });
    this.#previousBucket = bucket;
  }

  result(): DownsampledSeries {
    const steps: number[] = [];
    const values: number[] = [];
    const keys = [...this.#buckets.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      const bucket = this.#buckets.get(key) as Bucket;
      const minFirst = bucket.minIndex <= bucket.maxIndex;
      steps.push(minFirst ? bucket.minStep : bucket.maxStep);
      values.push(minFirst ? bucket.minValue : bucket.maxValue);
      if (bucket.minIndex !== bucket.maxIndex) {
        steps.push(minFirst ? bucket.maxStep : bucket.minStep);
        values.push(minFirst ? bucket.maxValue : bucket.minValue);
      }
      if (bucket.broken) {
        steps.push(minFirst ? bucket.maxStep : bucket.minStep);
        values.push(Number.NaN);
      }
    }
    const hasFinite = this.#min <= this.#max;
    return {
      steps,
      values,
      pointCount: this.#index,
      nanCount: this.#nanCount,
      infiniteCount: this.#infiniteCount,
      min: hasFinite ? this.#min : null,
      max: hasFinite ? this.#max : null,
      last: this.#last,
      minPositive: Number.isFinite(this.#minPositive) ? this.#minPositive : null,
    };
  }
}
