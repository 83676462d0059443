import { Worker } from 'node:worker_threads';
import { CLOCK_RESOLUTION_MS } from '../config/limits.js';

/**
 * A millisecond wall clock the logging hot path can read for the cost of an array load.
 *
 * Date.now() costs ~50 ns on these machines, more than the whole budget of logMetric. A worker thread
 * writes the time into shared memory every CLOCK_RESOLUTION_MS, so a reader is never more than about
 * one resolution behind — also inside a synchronous training loop that never yields to the event loop,
 * which a timer on the main thread could not promise.
 */
export interface SharedClock {
  /** Unix epoch milliseconds, at most about CLOCK_RESOLUTION_MS old. */
  now(): number;
  stop(): Promise<void>;
}

const TICKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const time = new Float64Array(workerData.buffer, 0, 1);
const stop = new Int32Array(workerData.buffer, 8, 1);
while (Atomics.load(stop, 0) === 0) {
  time[0] = Date.now();
  Atomics.wait(stop, 0, 0, workerData.resolutionMs);
}
`;

export function startSharedClock(resolutionMs = CLOCK_RESOLUTION_MS): SharedClock {
  const buffer = new SharedArrayBuffer(16);
  const time = new Float64Array(buffer, 0, 1);
  const stopFlag = new Int32Array(buffer, 8, 1);
  time[0] = Date.now();
  // No inherited execArgv: under `node --input-type=module` the CommonJS source would be read as a module.
  const worker = new Worker(TICKER_SOURCE, { eval: true, execArgv: [], workerData: { buffer, resolutionMs } });
  worker.unref();
  let stopped: Promise<void> | undefined;
  return {
    now: () => time[0]!,
    stop() {
      stopped ??= (async () => {
        Atomics.store(stopFlag, 0, 1);
        Atomics.notify(stopFlag, 0);
        await worker.terminate();
      })();
      return stopped;
    },
  };
}
