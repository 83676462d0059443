import { readFileSync } from 'node:fs';
import { startAggregator } from '@prov4ml/aggregator';
import { UserError } from '@prov4ml/prov-core';
import type { RunOptions } from '../config/options.js';
import { curveKeyDir, loadOrCreateServerKeys } from '../rank/curve-keys.js';
import { ephemeralPortRisk } from '../rank/endpoint.js';
import { lazyRunPackager } from '../rank/run-packager.js';

export interface ServeAggregatorOptions {
  /** ZeroMQ endpoint to bind (--bind, PROV4ML_BIND); acks on port + 1 or PATH.ack. */
  bind: string | null;
  /** The options shared with the ranks (world size, job id, key dir, insecure, rank timeout), read as every rank reads them. */
  run: RunOptions;
  /** Run directory to write; undefined: the one the ranks name. */
  runDir: string | undefined;
  /** Also write one document with a bundle per rank. */
  unified: boolean;
  log: (line: string) => void;
  /** Receives the endpoint actually bound, once (the command prints it on stdout). */
  announce: (endpoint: string) => void;
}

/**
 * `prov4ml aggregate`: a stand-alone aggregator for one job, e.g. started by an sbatch script before
 * `srun`. Resolves once the job is finalised; SIGINT and SIGTERM end it early (writing what it has).
 * @throws UserError when there is nothing to bind, or the job was not finalised.
 */
export async function serveAggregator(options: ServeAggregatorOptions): Promise<void> {
  const { bind, run, log } = options;
  if (bind === null) throw new UserError('aggregate: --bind (or PROV4ML_BIND) is required, e.g. tcp://0.0.0.0:41000');
  // Made before binding and never in the run directory, which the ranks name only once they send.
  const keyDir = curveKeyDir(bind, run, null);
  const curve = keyDir === null ? undefined : await loadOrCreateServerKeys(keyDir);
  if (keyDir !== null) log(`CURVE on: the ranks read the server key from ${keyDir}`);
  const range = ephemeralPortRange();
  const portRisk = range === null ? null : ephemeralPortRisk(bind, range);
  if (portRisk !== null) log(`warning: ${portRisk}`);
  const aggregator = await startAggregator({
    bind,
    worldSize: run.worldSize ?? undefined,
    jobKey: run.jobId ?? undefined,
    runDir: options.runDir,
    rankTimeoutMs: run.rankTimeout * 1000,
    unified: options.unified,
    curve,
    insecure: run.insecure,
    crateWriter: lazyRunPackager,
    log,
  });
  options.announce(aggregator.endpoint);
  const stop = (): void => void aggregator.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await aggregator.finalized;
    log(`wrote ${result.files.length} files in ${result.runDir}`);
  } catch (error) {
    throw new UserError(`aggregate: the job was not finalised (${(error as Error).message}); run prov4ml merge on its run directory`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await aggregator.shutdown();
  }
}

/** Linux's ephemeral port range, or null where the host does not say. */
function ephemeralPortRange(): [number, number] | null {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) ? [low, high] : null;
  } catch {
    return null;
  }
}
