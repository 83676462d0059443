/**
 * Whether a rank goes through its node's relay, and the relay's life on local rank 0: started once that
 * rank knows the aggregator's link, kept until the node's other ranks are done with it.
 */
import { ackEndpointFor } from '@prov4ml/prov-core';
import type { SenderTarget } from '../pipeline/sender.js';
import type { JobInfo } from '../rank/job-info.js';
import { Relay } from './relay.js';
import { relayEndpoint } from './relay-endpoint.js';

/**
 * The relay setting of a rank: undefined or false, none (the in-process API and `prov4ml agent` never
 * relay); null, when the job spans several nodes; true, always (also on one node).
 */
export type RelaySetting = boolean | null | undefined;

export interface NodeRelay {
  /** This node's relay endpoint. */
  readonly endpoint: string;
  /**
   * Where this rank's sender goes: the relay, falling back to `link` (the aggregator) when the relay is
   * gone. On local rank 0 it starts the relay first, with `link` as its upstream.
   */
  route(link: SenderTarget): SenderTarget;
  /** On local rank 0: waits (bounded) for the node's other ranks to be done, then closes the relay. */
  end(): Promise<void>;
}

/** The node relay of a rank, or null when it goes to the aggregator directly. */
export function nodeRelayFor(job: JobInfo, setting: RelaySetting, log: (line: string) => void): NodeRelay | null {
  if (setting === undefined || setting === false) return null;
  if (setting === null && job.localWorldSize >= job.worldSize) return null;
  const endpoint = relayEndpoint(job.jobKey, job.nodeRank);
  let relay: Promise<Relay | null> | undefined;
  return {
    endpoint,
    route(link) {
      const aggregator: SenderTarget = { endpoint: link.endpoint, ackEndpoint: link.ackEndpoint, curveServerKey: link.curveServerKey };
      if (job.localRank === 0) {
        relay ??= Relay.start({ bind: endpoint, upstream: aggregator, log }).catch((error: unknown) => {
          log(`cannot start the node's relay at ${endpoint}: ${(error as Error).message}; this node's ranks go to the aggregator directly`);
          return null;
        });
      }
      // Inside the node: ipc, no CURVE (the socket is a file of this user's on this node).
      return { endpoint, ackEndpoint: ackEndpointFor(endpoint), curveServerKey: null, fallback: aggregator };
    },
    async end() {
      const started = await relay;
      if (!started) return;
      await started.drain(job.localWorldSize);
      await started.close();
    },
  };
}
