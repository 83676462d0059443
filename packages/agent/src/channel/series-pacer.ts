import type { PendingPoints } from '../pipeline/batch-processor.js';
import { FLUSH_INTERVAL_MS, MAX_PENDING_POINTS } from '../config/limits.js';
import type { RecordsMessage } from './protocol.js';

export interface SeriesPacer {
  /** Sends what the table holds now and stops the interval. Idempotent. */
  stop(): void;
}

/**
 * Paces the socket for a Node program under `prov4ml run`, as the Python client's flush thread does:
 * a series' points go over the channel once it has saveAfterNLogs of them (at the end of the turn),
 * at MAX_PENDING_POINTS at once (a loop that never yields), and at least every FLUSH_INTERVAL_MS. It
 * decides nothing about envelopes: the agent's batch processor applies the same policy to what arrives.
 */
export function paceOverChannel(table: PendingPoints, send: (message: RecordsMessage) => void, saveAfterNLogs: number): SeriesPacer {
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  const flush = () => {
    clearImmediate(scheduled);
    scheduled = undefined;
    const series = table.drain();
    if (series.length === 0) return;
    send({ t: 'records', records: [{ kind: 'metrics', series }] });
  };
  table.watch({
    dueAt: saveAfterNLogs,
    fullAt: MAX_PENDING_POINTS,
    due: () => (scheduled ??= setImmediate(flush)),
    full: flush,
  });
  const timer = setInterval(flush, FLUSH_INTERVAL_MS);
  timer.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      flush();
    },
  };
}
