/**
 * A bounded summary of a whole series for a one-line chart: at most {@link SPARK_BUCKETS} buckets, each
 * the mean of `stride` consecutive points; when full, neighbours merge and the stride doubles. So a
 * 100k-point series costs the same memory as a 100-point one, and every point counts once.
 */
import { SPARK_BUCKETS } from './limits.js';

const BARS = '▁▂▃▄▅▆▇█';

export class SparkSeries {
  readonly #sums: number[] = [];
  readonly #counts: number[] = [];
  #stride = 1;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const last = this.#sums.length - 1;
    if (last >= 0 && this.#counts[last]! < this.#stride) {
      this.#sums[last]! += value;
      this.#counts[last]!++;
      return;
    }
    if (this.#sums.length === SPARK_BUCKETS) this.#halve();
    this.#sums.push(value);
    this.#counts.push(1);
  }

  /** The bucket means, oldest first. */
  means(): number[] {
    return this.#sums.map((sum, index) => sum / this.#counts[index]!);
  }

  #halve(): void {
    const sums: number[] = [];
    const counts: number[] = [];
    for (let index = 0; index < this.#sums.length; index += 2) {
      sums.push(this.#sums[index]! + (this.#sums[index + 1] ?? 0));
      counts.push(this.#counts[index]! + (this.#counts[index + 1] ?? 0));
    }
    this.#sums.splice(0, Infinity, ...sums);
    this.#counts.splice(0, Infinity, ...counts);
    this.#stride *= 2;
  }
}

/** `means` drawn in `width` characters (resampled by averaging), scaled between their min and max. */
export function sparkline(means: readonly number[], width: number): string {
  if (width <= 0 || means.length === 0) return '';
  const cells: number[] = [];
  const count = Math.min(width, means.length);
  for (let cell = 0; cell < count; cell++) {
    const from = Math.floor((cell * means.length) / count);
    const to = Math.max(from + 1, Math.floor(((cell + 1) * means.length) / count));
    let sum = 0;
    for (let index = from; index < to; index++) sum += means[index]!;
    cells.push(sum / (to - from));
  }
  const min = Math.min(...cells);
  const span = Math.max(...cells) - min;
  return cells.map((value) => BARS[span === 0 ? 0 : Math.min(BARS.length - 1, Math.floor(((value - min) / span) * BARS.length))]).join('');
}
