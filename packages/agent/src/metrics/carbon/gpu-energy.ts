/**
 * GPU energy from power readings: nvidia-smi has no energy counter, so power is integrated over time
 * with the trapezoid rule between successive readings. A reading without a power value (timeout, N/A)
 * is skipped; the next one closes the gap with a straight line between the two known points.
 */
export class TrapezoidIntegrator {
  private last: { timeMs: number; watts: number } | null = null;
  private pendingJoules = 0;

  /** Adds a reading; readings older than the last one (out of order) are ignored. */
  addPoint(timeMs: number, watts: number): void {
    if (this.last !== null) {
      if (timeMs <= this.last.timeMs) return;
      this.pendingJoules += ((this.last.watts + watts) / 2) * ((timeMs - this.last.timeMs) / 1000);
    }
    this.last = { timeMs, watts };
  }

  /** Whether any reading arrived yet (a rank without GPU power never has one). */
  get hasPoints(): boolean {
    return this.last !== null;
  }

  /** Joules integrated since the previous call. */
  takeJoules(): number {
    const joules = this.pendingJoules;
    this.pendingJoules = 0;
    return joules;
  }
}
