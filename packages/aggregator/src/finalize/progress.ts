/**
 * Progress of a long post-job task (`merge`, `report`). Library code only reports steps to a
 * {@link ProgressReporter}; the command line decides whether a bar is drawn (a TTY, no `--quiet`).
 */

/** Receives a task's progress. */
export interface ProgressReporter {
  /** Adds steps to the task's total once the caller knows more work is ahead (e.g. files found). */
  addTotal(steps: number): void;
  /** One step done; `detail` names it (a file name) and may be shown beside the bar. */
  advance(detail?: string): void;
  /** The task is over; a bar clears its line. Idempotent. */
  finish(): void;
}

/** Reports nothing: the default of every function that accepts a reporter. */
export const NO_PROGRESS: ProgressReporter = Object.freeze({ addTotal() {}, advance() {}, finish() {} });

/** The part of a terminal stream the bar needs (`process.stderr` satisfies it). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  /** Where to draw; nothing is drawn unless `stream.isTTY`. */
  readonly stream: ProgressStream;
  /** Shown before the bar, e.g. 'report'. */
  readonly label: string;
  /** True (e.g. `--quiet`) draws nothing. */
  readonly quiet?: boolean;
  /** Clock for throttling redraws; injectable for tests. */
  readonly now?: () => number;
}

/** Least time between two redraws: a terminal redrawn per file of a 10,000-file run is slower than the work. */
export const PROGRESS_REDRAW_INTERVAL_MS = 100;
/** Width of the bar itself, in characters, when the terminal is wide enough. */
const BAR_CHARS = 30;
/** Narrowest terminal line we draw into, whatever `columns` says (a bad value must not break the line). */
const MIN_LINE_CHARS = 20;
const DEFAULT_COLUMNS = 80;

/** A one-line bar `label [#####-----] 12/64 detail` on a TTY; {@link NO_PROGRESS} otherwise. */
export function progressBar(options: ProgressBarOptions): ProgressReporter {
  if (options.quiet === true || options.stream.isTTY !== true) return NO_PROGRESS;
  return new TerminalProgressBar(options.stream, options.label, options.now ?? Date.now);
}

class TerminalProgressBar implements ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #now: () => number;
  #total = 0;
  #done = 0;
  #lastDrawMs = Number.NEGATIVE_INFINITY;
  #finished = false;

  constructor(stream: ProgressStream, label: string, now: () => number) {
    this.#stream = stream;
    this.#label = label;
    this.#now = now;
  }

  addTotal(steps: number): void {
    if (!Number.isInteger(steps) || steps < 0) throw new TypeError(`addTotal(steps): steps must be a non-negative integer, got ${String(steps)}`);
    this.#total += steps;
    this.#draw('', false);
  }

  advance(detail = ''): void {
    this.#done += 1;
    this.#draw(detail, this.#done >= this.#total);
  }

  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    // Clear the line so the command's own output starts at column 0.
    this.#stream.write('\r\x1b[K');
  }

  #draw(detail: string, force: boolean): void {
    if (this.#finished) return;
    const now = this.#now();
    if (!force && now - this.#lastDrawMs < PROGRESS_REDRAW_INTERVAL_MS) return;
    this.#lastDrawMs = now;
    this.#stream.write(`\r\x1b[K${formatProgressLine(this.#label, this.#done, this.#total, detail, this.#stream.columns)}`);
  }
}

/** The bar's text, cut to fit `columns` so it never wraps (a wrapped line cannot be redrawn with \r). */
export function formatProgressLine(label: string, done: number, total: number, detail: string, columns = DEFAULT_COLUMNS): string {
  // A pseudo-terminal may report 0 columns: treat any unusable width as the usual 80.
  const width = Math.max(MIN_LINE_CHARS, (Number.isFinite(columns) && columns > 0 ? columns : DEFAULT_COLUMNS) - 1);
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * BAR_CHARS);
  const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_CHARS - filled)}] ${done}/${total}${detail === '' ? '' : ` ${detail}`}`;
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
