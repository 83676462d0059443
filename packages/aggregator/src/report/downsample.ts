/**
 * Display-only downsampling: the x range is cut into buckets and each bucket keeps its smallest and
 * largest value (in the order they occurred), so spikes survive however many points a series has.
 * The data files are never touched. Non-finite values (NaN, ±Infinity: a diverging loss) cannot be
 * drawn on a finite axis; they break the line and are counted.
 */
import type { SeriesSource } from './model.js';

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

/** Reads `source` twice (range, then buckets) and keeps at most 2 × `buckets` vertices plus breaks. */
export async function downsampleSeries(source: SeriesSource, buckets: number): Promise<DownsampledSeries> {
  if (!Number.isInteger(buckets) || buckets < 1) throw new TypeError(`downsampleSeries(buckets): must be a positive integer, got ${String(buckets)}`);
  let firstStep = Number.POSITIVE_INFINITY;
  let lastStep = Number.NEGATIVE_INFINITY;
  await source.forEachPoint((step) => {
    if (step < firstStep) firstStep = step;
    if (step > lastStep) lastStep = step;
  });
  const downsampler = new MinMaxDownsampler(firstStep, lastStep, buckets);
  await source.forEachPoint((step, value) => downsampler.add(step, value));
  return downsampler.result();
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
