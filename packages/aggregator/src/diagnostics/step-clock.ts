/**
 * A rank's step clock: for each step the rank logged a user metric at, the earliest timestamp of any
 * of its user metrics at that step. Built from points streamed in any order (the aggregator's replay,
 * or the report reading the metric files back), so both get the same clock from the same points.
 * 16 bytes a step: a rank's steps are usually in order, so a new step is appended; a step seen before
 * is found by binary search; an earlier step not seen yet waits in a small list merged in now and then.
 */

/** Distinct steps kept per rank (16 MiB); steps beyond are left out of the step time, and counted. */
export const MAX_STEP_CLOCK_STEPS = 1_048_576;

/** The clock read out: steps ascending, each with its first timestamp (epoch ms). */
export interface StepTimes {
  readonly steps: Float64Array;
  readonly timesMs: Float64Array;
  /** Steps left out past {@link MAX_STEP_CLOCK_STEPS}. */
  readonly omittedSteps: number;
}

/** Steps of the first allocation: nothing is allocated before the first step (16k ranks' clocks add up). */
const MIN_CAPACITY = 64;
/** Pending out-of-order steps merged in once they reach this many, or an eighth of the clock. */
const MIN_PENDING_MERGE = 4096;

export class StepClock {
  #steps = new Float64Array(0);
  #times = new Float64Array(0);
  #count = 0;
  /** Steps earlier than the clock's last one and not in it: [step, time] pairs. */
  #pending: number[] = [];
  #omitted = 0;
  /** Highest step left out past the bound: a step is counted once, however many series log it. */
  #highestOmitted = Number.NEGATIVE_INFINITY;
  /** Where the last step was found: a second series logging the same steps in order finds each next to it. */
  #cursor = 0;
  readonly #maxSteps: number;

  constructor(maxSteps = MAX_STEP_CLOCK_STEPS) {
    this.#maxSteps = maxSteps;
  }

  /** Adds points (parallel arrays); non-finite steps and timestamps are ignored. */
  add(steps: ArrayLike<number>, timesMs: ArrayLike<number>): void {
    for (let i = 0; i < steps.length; i++) this.addPoint(steps[i] as number, timesMs[i] as number);
  }

  addPoint(step: number, timeMs: number): void {
    if (!Number.isFinite(step) || !Number.isFinite(timeMs)) return;
    const count = this.#count;
    if (count === 0 || step > (this.#steps[count - 1] as number)) {
      this.#append(step, timeMs);
      return;
    }
    const at = this.#near(step);
    if (at >= 0) {
      if (timeMs < (this.#times[at] as number)) this.#times[at] = timeMs;
      return;
    }
    this.#pending.push(step, timeMs);
    if (this.#pending.length / 2 >= Math.max(MIN_PENDING_MERGE, count / 8)) this.#merge();
  }

  /** The clock as it stands (the clock itself is left as it is). */
  times(): StepTimes {
    this.#merge();
    return { steps: this.#steps.slice(0, this.#count), timesMs: this.#times.slice(0, this.#count), omittedSteps: this.#omitted };
  }

  #append(step: number, timeMs: number): void {
    if (this.#count >= this.#maxSteps) {
      if (step > this.#highestOmitted) {
        this.#highestOmitted = step;
        this.#omitted++;
      }
      return;
    }
    if (this.#count === this.#steps.length) this.#grow(Math.max(MIN_CAPACITY, this.#count * 2));
    this.#steps[this.#count] = step;
    this.#times[this.#count] = timeMs;
    this.#count++;
  }

  #grow(capacity: number): void {
    const steps = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    steps.set(this.#steps.subarray(0, this.#count));
    times.set(this.#times.subarray(0, this.#count));
    this.#steps = steps;
    this.#times = times;
  }

  /** Index of `step` in the clock, or −1: at or just after the cursor, else by binary search. */
  #near(step: number): number {
    const steps = this.#steps;
    const cursor = this.#cursor;
    for (let at = cursor; at < cursor + 2 && at < this.#count; at++) {
      if (steps[at] === step) return (this.#cursor = at);
    }
    const at = this.#find(step);
    if (at >= 0) this.#cursor = at;
    return at;
  }

  /** Index of `step` in the clock, or −1. */
  #find(step: number): number {
    let low = 0;
    let high = this.#count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.#steps[middle] as number;
      if (value === step) return middle;
      if (value < step) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Merges the pending steps into the clock (earliest time per step), keeping it sorted. */
  #merge(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    const order = Array.from({ length: pending.length / 2 }, (_, i) => i).sort((a, b) => (pending[2 * a] as number) - (pending[2 * b] as number) || (pending[2 * a + 1] as number) - (pending[2 * b + 1] as number));
    const oldSteps = this.#steps.subarray(0, this.#count);
    const oldTimes = this.#times.subarray(0, this.#count);
    const capacity = this.#count + order.length;
    const steps = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    let n = 0;
    let i = 0;
    let j = 0;
    const put = (step: number, time: number): void => {
      if (n > 0 && steps[n - 1] === step) {
        if (time < (times[n - 1] as number)) times[n - 1] = time;
        return;
      }
      steps[n] = step;
      times[n] = time;
      n++;
    };
    while (i < oldSteps.length || j < order.length) {
      const next = order[j];
      if (next === undefined || (i < oldSteps.length && (oldSteps[i] as number) <= (pending[2 * next] as number))) {
        put(oldSteps[i] as number, oldTimes[i] as number);
        i++;
      } else {
        put(pending[2 * next] as number, pending[2 * next + 1] as number);
        j++;
      }
    }
    // The bound holds for merged steps too: the largest ones go.
    this.#omitted += Math.max(0, n - this.#maxSteps);
    this.#count = Math.min(n, this.#maxSteps);
    this.#steps = steps;
    this.#times = times;
  }
}
