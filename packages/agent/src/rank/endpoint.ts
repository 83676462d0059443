/**
 * Where the job's aggregator runs and how ranks reach it: an aggregator that already runs
 * (`PROV4ML_AGGREGATOR`), or one hosted by rank 0's agent.
 */
import { MAX_DATA_PORT, tcpEndpoint, UserError, ZmqEndpoint } from '@prov4ml/prov-core';
import type { JobInfo } from './detect.js';

/** First port of the derived range (below Linux's default ephemeral range, 32768–60999). */
export const DERIVED_PORT_BASE = 20_000;
/** Number of port pairs in the derived range: ports 20000–31999, even ports for data, odd for acks. */
export const DERIVED_PORT_SLOTS = 6_000;
/** Steps of one job that get distinct ports before they wrap onto the next job id's slots. */
export const DERIVED_PORT_STEPS_PER_JOB = 64;
/** Largest aggregator port: the aggregator also binds port + 1 for acknowledgements. */
export const MAX_AGGREGATOR_PORT = MAX_DATA_PORT;

export interface RemoteAggregator {
  kind: 'remote';
  /** The ZeroMQ endpoint every rank connects to. */
  endpoint: string;
}

export interface HostedAggregator {
  kind: 'hosted';
  /** The rank whose agent runs the aggregator. */
  hostRank: 0;
  /** Address the aggregator binds: 127.0.0.1 when all ranks are on this host, else 0.0.0.0. */
  bind: '127.0.0.1' | '0.0.0.0';
  /** Port of the data socket (acks use port + 1); 0 = ephemeral, chosen at bind. */
  port: number;
  /**
   * Host the other ranks connect to, as this rank knows it: what rank 0 publishes in
   * `<run dir>/aggregator.endpoint`. Never null on rank 0 (its own host name at worst); null on another
   * rank that cannot know rank 0's host.
   */
  advertise: string | null;
  /**
   * `tcp://advertise:port` when this rank knows both in advance; null when the port is ephemeral or the
   * host unknown, and the ranks must read `<run dir>/aggregator.endpoint`.
   */
  endpoint: string | null;
}

export type AggregatorPlacement = RemoteAggregator | HostedAggregator;

export interface AggregatorOptions {
  /** PROV4ML_AGGREGATOR: endpoint of an aggregator that already runs. */
  aggregator?: string | null;
  /** PROV4ML_PORT: port of the hosted aggregator, 0 = ephemeral. */
  port?: number | null;
  /** This host's name. */
  hostname: string;
}

/**
 * Decides where the aggregator runs and how every rank reaches it.
 *
 * - `options.aggregator` (PROV4ML_AGGREGATOR) names a running aggregator: every rank connects to it.
 * - Otherwise rank 0 hosts it. When all ranks are on this host (local size = world size) it binds and is
 *   reached on 127.0.0.1. Otherwise it binds 0.0.0.0 and is reached at torchrun's MASTER_ADDR, else the
 *   first host of the Slurm node list, else MASTER_ADDR when set, else (on rank 0) this host name.
 * - Port: `options.port` (PROV4ML_PORT) when given; else, when Slurm gives a numeric job id J and step
 *   id S, `20000 + 2 × ((J × 64 + S) mod 6000)`: an even port in 20000–31998, so that the ack port
 *   (port + 1) never meets another job's, the same on every rank without any exchange, and distinct for
 *   up to 64 steps of one job and for jobs on one node unless their ids differ by a multiple of 375;
 *   else 0 (an ephemeral port, published in `<run dir>/aggregator.endpoint`).
 * @throws UserError naming PROV4ML_AGGREGATOR when it is not a ZeroMQ endpoint.
 */
export function resolveAggregatorEndpoint(job: JobInfo, options: AggregatorOptions): AggregatorPlacement {
  if (options.aggregator !== undefined && options.aggregator !== null) {
    const endpoint = checkZmqEndpoint(options.aggregator);
    if (endpoint === null) {
      throw new UserError(
        `PROV4ML_AGGREGATOR: ${JSON.stringify(options.aggregator)} is not a ZeroMQ endpoint tcp://HOST:PORT or ipc://PATH`,
      );
    }
    return { kind: 'remote', endpoint };
  }
  const port = options.port ?? derivePort(job.jobId, job.stepId) ?? 0;
  const allRanksHere = job.localWorldSize === job.worldSize;
  const advertise = allRanksHere ? '127.0.0.1' : (rankZeroHost(job) ?? (job.rank === 0 ? options.hostname : null));
  return {
    kind: 'hosted',
    hostRank: 0,
    bind: allRanksHere ? '127.0.0.1' : '0.0.0.0',
    port,
    advertise,
    endpoint: advertise !== null && port !== 0 ? tcpEndpoint(advertise, port) : null,
  };
}

function rankZeroHost(job: JobInfo): string | null {
  if (job.launcher === 'torchrun' && job.masterAddr !== null) return job.masterAddr;
  return job.hosts[0] ?? job.masterAddr;
}

/**
 * The aggregator port for a Slurm job step (see resolveAggregatorEndpoint), or null when the job id or
 * the step id is not a Slurm number.
 */
export function derivePort(jobId: string, stepId: string | null): number | null {
  if (stepId === null || !/^\d+$/.test(jobId) || !/^\d+$/.test(stepId)) return null;
  const slot = (BigInt(jobId) * BigInt(DERIVED_PORT_STEPS_PER_JOB) + BigInt(stepId)) % BigInt(DERIVED_PORT_SLOTS);
  return DERIVED_PORT_BASE + 2 * Number(slot);
}

/**
 * Why binding `endpoint` can fail for a reason outside prov4ml, or null: an explicit port (or its ack
 * port) inside the host's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range). Ranks on
 * the same host that keep connecting to it before the aggregator binds can be given that very port as
 * their own source port, connect to themselves, and hold it. The derived ports stay below the range.
 */
export function ephemeralPortRisk(endpoint: string, ephemeralRange: readonly [number, number]): string | null {
  const port = ZmqEndpoint.parse(endpoint, 'bind')?.port ?? 0;
  const [low, high] = ephemeralRange;
  if (port === 0 || port + 1 < low || port > high) return null;
  return (
    `port ${port} (acks ${port + 1}) is in this host's ephemeral port range ${low}-${high}: ranks here that start before ` +
    `the aggregator may take it as their own source port and make the bind fail; a port below ${low} avoids that`
  );
}

/**
 * The endpoint when it is one a rank can connect to (see {@link ZmqEndpoint.parse}), else null.
 */
export function checkZmqEndpoint(endpoint: string): string | null {
  return ZmqEndpoint.parse(endpoint)?.toString() ?? null;
}
