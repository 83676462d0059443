import type { PendingPoints } from '../pipeline/batch-processor.js';
import { FLUSH_INTERVAL_MS, MAX_PENDING_POINTS } from '../config/limits.js';
import type { ChannelClient } from './client.js';

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
export function paceOverChannel(table: PendingPoints, client: ChannelClient, saveAfterNLogs: number): SeriesPacer {
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  const send = () => {
    clearImmediate(scheduled);
    scheduled = undefined;
    const series = table.drain();
    if (series.length === 0) return;
    try {
      client.send({ t: 'records', records: [{ kind: 'metrics', series }] });
    } catch {
      // A broken channel is reported by the run's next request (end_run); the logging call never throws for it.
    }
  };
  table.watch({
    dueAt: saveAfterNLogs,
    fullAt: MAX_PENDING_POINTS,
    due: () => (scheduled ??= setImmediate(send)),
    full: send,
  });
  const timer = setInterval(send, FLUSH_INTERVAL_MS);
  timer.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      send();
    },
  };
}
