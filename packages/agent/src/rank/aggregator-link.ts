/**
 * How this rank reaches the job's aggregator, resolved once its run directory is known: the endpoint,
 * its ack endpoint, the CURVE server key, and — on the hosting rank — the aggregator it started.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENDPOINT_FILE, ZmqEndpoint } from '@prov4ml/prov-core';
import type { Aggregator } from '@prov4ml/aggregator';
import { ENDPOINT_DISCOVERY_TIMEOUT_MS } from '../config/limits.js';
import type { SenderTarget } from '../pipeline/sender.js';
import { curveKeyDir, loadOrCreateServerKeys, waitForServerPublicKey, type TransportOptions } from './curve-keys.js';
import type { JobInfo } from './detect.js';
import type { AggregatorPlacement } from './endpoint.js';
import { waitForFileText } from './wait-for-file.js';
import { lazyRunPackager } from './run-packager.js';

export interface LinkRequest {
  job: JobInfo;
  placement: AggregatorPlacement;
  transport: TransportOptions;
  runDir: string;
  /** A hosted aggregator stops waiting for a silent rank after this long. */
  rankTimeoutMs: number;
  log: (line: string) => void;
  /** True once the rank is shutting down: waiting for a file another rank writes stops. */
  cancelled: () => boolean;
  /** ENDPOINT_DISCOVERY_TIMEOUT_MS unless a test says. */
  discoveryTimeoutMs?: number;
}

export interface AggregatorLink extends SenderTarget {
  /** The aggregator this rank started (it hosts the job's); null on every other rank. */
  hosted: Aggregator | null;
}

/**
 * The link, in one of four ways:
 * - remote: PROV4ML_AGGREGATOR names a running aggregator;
 * - hosted: this rank starts the aggregator and publishes its endpoint in `<run dir>/aggregator.endpoint`
 *   after its CURVE key, so a rank that finds the endpoint finds the key too;
 * - derived: the port follows from the job (Slurm), so there is nothing to wait for;
 * - discovered: waits (up to ENDPOINT_DISCOVERY_TIMEOUT_MS) for the hosting rank's endpoint file.
 * Off loopback (or with PROV4ML_KEY_DIR) the server key is read from the key directory, waiting for it
 * as long.
 * @throws Error when no endpoint or key appears in time, or the published endpoint is not one.
 */
export async function resolveAggregatorLink(request: LinkRequest): Promise<AggregatorLink> {
  const { placement, job, transport, runDir } = request;
  const timeoutMs = request.discoveryTimeoutMs ?? ENDPOINT_DISCOVERY_TIMEOUT_MS;
  if (placement.kind === 'remote') {
    const keyDir = curveKeyDir(placement.endpoint, transport, null);
    return link(placement.endpoint, keyDir === null ? null : await waitForServerPublicKey(keyDir, timeoutMs, request.cancelled), null);
  }
  const bind = ZmqEndpoint.tcp(placement.bind, placement.port);
  const keyDir = curveKeyDir(bind.toString(), transport, runDir);
  if (job.rank === placement.hostRank) {
    const { startAggregator } = await import('@prov4ml/aggregator');
    // The key file is in place before the endpoint is published: a rank that finds one finds both.
    const curve = keyDir === null ? undefined : await loadOrCreateServerKeys(keyDir);
    const hosted = await startAggregator({
      bind: bind.toString(),
      worldSize: job.worldSize,
      jobKey: job.jobKey,
      runDir,
      rankTimeoutMs: request.rankTimeoutMs,
      curve,
      insecure: transport.insecure,
      crateWriter: lazyRunPackager,
      log: request.log,
    });
    try {
      const bound = parseEndpoint(hosted.endpoint, 'the hosted aggregator');
      await writeFile(join(runDir, ENDPOINT_FILE), `${bound.withHost(placement.advertise ?? placement.bind).toString()}\n`);
      return link(hosted.endpoint, curve?.publicKey ?? null, hosted);
    } catch (error) {
      // Unpublished (a full disk), no other rank can find it: its sockets would only keep this process alive.
      await hosted.shutdown();
      throw error;
    }
  }
  const endpoint = placement.endpoint ?? (await discoverEndpoint(join(runDir, ENDPOINT_FILE), timeoutMs, request.cancelled));
  return link(endpoint, keyDir === null ? null : await waitForServerPublicKey(keyDir, timeoutMs, request.cancelled), null);
}

function link(endpoint: string, curveServerKey: string | null, hosted: Aggregator | null): AggregatorLink {
  return { endpoint, ackEndpoint: parseEndpoint(endpoint, 'the aggregator').ackEndpoint().toString(), curveServerKey, hosted };
}

function parseEndpoint(text: string, whose: string): ZmqEndpoint {
  const endpoint = ZmqEndpoint.parse(text);
  if (endpoint === null) throw new Error(`${whose} endpoint ${JSON.stringify(text)} is not a ZeroMQ endpoint tcp://HOST:PORT or ipc://PATH`);
  return endpoint;
}

async function discoverEndpoint(path: string, timeoutMs: number, cancelled: () => boolean): Promise<string> {
  const endpoint = await waitForFileText(path, timeoutMs, cancelled);
  if (endpoint === null) throw new Error(`no aggregator endpoint appeared in ${path}`);
  return endpoint;
}
