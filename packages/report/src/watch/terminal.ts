/**
 * The live screen, hand-written: the alternate screen, cursor home, clear to end of line and of screen
 * are five escape sequences every terminal since the VT100 understands. A TTY library (blessed, ink)
 * would bring a widget tree, a React runtime or terminfo parsing for a screen that is a list of lines,
 * so none is used.
 *
 * Every way out restores the terminal: `close()` in the caller's `finally`, and a process 'exit'
 * handler for what skips it (an exit elsewhere). SIGINT cannot arrive in raw mode (Ctrl-C is a key
 * here); SIGTERM and SIGHUP end the wait like `q` does.
 */
import type { ReadStream, WriteStream } from 'node:tty';

const ALTERNATE_SCREEN = '\x1b[?1049h';
const MAIN_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_SCREEN_END = '\x1b[J';
const CLEAR_SCREEN = '\x1b[2J';
const MAX_QUEUED_WAKES = 16;

/** What ended a wait: a key, a resize, the signal to stop, or the interval. */
export type Wake = { kind: 'key'; key: string } | { kind: 'resize' } | { kind: 'stop' } | { kind: 'tick' };

export class TerminalScreen {
  readonly #out: WriteStream;
  readonly #in: ReadStream;
  #open = false;
  #wake: ((wake: Wake) => void) | null = null;
  readonly #queued: Wake[] = [];
  readonly #restoreOnExit = () => this.#restore();
  readonly #onKey = (data: Buffer) => this.#push({ kind: 'key', key: data.toString('utf8') });
  readonly #onResize = () => this.#push({ kind: 'resize' });
  readonly #onStop = () => this.#push({ kind: 'stop' });

  constructor(out: WriteStream, input: ReadStream) {
    this.#out = out;
    this.#in = input;
  }

  get size(): { width: number; height: number } {
    return { width: this.#out.columns || 80, height: this.#out.rows || 24 };
  }

  open(): void {
    this.#open = true;
    process.on('exit', this.#restoreOnExit);
    process.on('SIGTERM', this.#onStop);
    process.on('SIGHUP', this.#onStop);
    this.#out.on('resize', this.#onResize);
    this.#in.setRawMode(true);
    this.#in.on('data', this.#onKey);
    this.#in.resume();
    this.#out.write(ALTERNATE_SCREEN + HIDE_CURSOR + CLEAR_SCREEN);
  }

  /** Redraws in place: each line cleared to its end, then everything below the last line. */
  draw(lines: readonly string[], clearFirst = false): void {
    this.#out.write((clearFirst ? CLEAR_SCREEN : '') + HOME + lines.map((line) => line + CLEAR_LINE_END).join('\r\n') + CLEAR_SCREEN_END);
  }

  /** Resolves at the first key, resize or stop signal, or after `ms`. */
  wait(ms: number): Promise<Wake> {
    const queued = this.#queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#push({ kind: 'tick' }), ms);
      this.#wake = (wake) => {
        clearTimeout(timer);
        resolve(wake);
      };
    });
  }

  close(): void {
    this.#restore();
    process.off('exit', this.#restoreOnExit);
    process.off('SIGTERM', this.#onStop);
    process.off('SIGHUP', this.#onStop);
    this.#out.off('resize', this.#onResize);
    this.#in.off('data', this.#onKey);
    this.#in.pause();
  }

  #push(wake: Wake): void {
    const waiting = this.#wake;
    this.#wake = null;
    if (waiting !== null) waiting(wake);
    // Bounded: a held key between two refreshes must not pile up.
    else if (this.#queued.length < MAX_QUEUED_WAKES) this.#queued.push(wake);
  }

  #restore(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#in.isRaw) this.#in.setRawMode(false);
    this.#out.write(SHOW_CURSOR + MAIN_SCREEN);
  }
}

/** True for the keys that quit: q, Q, Ctrl-C, Escape alone. */
export function isQuitKey(key: string): boolean {
  return key === 'q' || key === 'Q' || key === '\x03' || key === '\x1b';
}
