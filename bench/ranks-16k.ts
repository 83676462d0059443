/**
 * 16,384 simulated ranks through per-node relays (issue 14, item 7): 16 nodes × 1,024 ranks, each node
 * one process (its relay and its 1,024 ranks, each rank the agent's own Sender with its own sender id,
 * reaching the relay over ipc), in its own network namespace on the bench's bridge where it can be
 * (bench-network.ts), the relays forwarding over CURVE to one stand-alone aggregator process.
 * Figures: points lost (logged but not in the CSVs), the aggregator's peak open descriptors, the time
 * from the last rank's run end to the collection, the aggregator's peak RSS. The same job without
 * relays needs 2 descriptors a rank at the aggregator: it is reported as what it would need beside the
 * aggregator's limit, and run only where that limit allows it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { ackEndpointFor } from '@prov4ml/prov-core';
import { relayEndpoint } from '../packages/agent/src/relay/relay-endpoint.js';
import { startAggregatorProcess } from './aggregator-process.js';
import { benchNetwork } from './bench-network.js';
import { csvPoints, sendThenFinalize } from './ranks-1024.js';
import { launchSenders, rankGroups } from './rank-senders.js';

const NODES = 16;
const RANKS_PER_NODE = 1_024;
/** Two series of 50 per rank, in one frame (then the run end): the figures are about ranks, not points. */
const POINTS_PER_SERIES = 50;
/** Descriptors an aggregator has besides its connections (ZeroMQ, Node, received logs); SCALING.md's margin. */
const BASE_DESCRIPTORS = 256;
/** The aggregator and the node processes are killed (and the bench fails) after this long. */
const TIMEOUT_MS = 900_000;
/** A rank fails the bench when its frames are not acked within this (16k ranks on 2 shared cores are slow to start). */
const ACK_TIMEOUT_MS = 840_000;
/** How often the aggregator's open descriptors are counted. */
const FD_SAMPLE_MS = 200;

/** Limit on the open descriptors the bench asks of the aggregator: 2 per node plus the base. */
export const RANKS_16K_FD_LIMIT = 2 * NODES + BASE_DESCRIPTORS;

function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The soft limit on open files of process `pid` (its /proc limits). */
function openFileLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((text) => text.startsWith('Max open files'));
  return Number(line?.split(/\s{2,}/)[1] ?? NaN);
}

/** `nodes` other than 16 is for measuring a scaled-down job (the figures' names stay the same). */
export async function measureRanks16k(nodes = NODES): Promise<Record<string, number>> {
  const rankCount = nodes * RANKS_PER_NODE;
  const network = benchNetwork(nodes, (line) => void process.stderr.write(`ranks-16k: ${line}\n`));
  const runDir = mkdtempSync(join(tmpdir(), 'prov4ml-bench-16k-'));
  try {
    const job = `bench-16k-${randomUUID()}`;
    const curve = curveKeyPair();
    const aggregator = await startAggregatorProcess(job, rankCount, TIMEOUT_MS, { bind: `tcp://${network.aggregatorHost}:0`, curve });
    let peakDescriptors = 0;
    const sampler = setInterval(() => (peakDescriptors = Math.max(peakDescriptors, openDescriptors(aggregator.pid))), FD_SAMPLE_MS);
    const fdLimit = openFileLimit(aggregator.pid);
    try {
      const upstream = { endpoint: aggregator.endpoint, ackEndpoint: ackEndpointFor(aggregator.endpoint), curveServerKey: curve.publicKey };
      const senders = await launchSenders(
        rankGroups(rankCount, nodes).map((ranks, index) => {
          const netns = network.namespace(index + 1);
          return {
            mode: 'agent' as const,
            endpoint: relayEndpoint(job, index),
            relay: upstream,
            ...(netns === undefined ? {} : { netns }),
            job,
            runDir,
            worldSize: rankCount,
            ranks,
            pointsPerFrame: POINTS_PER_SERIES,
            frames: 1,
            ackTimeoutMs: ACK_TIMEOUT_MS,
          };
        }),
        TIMEOUT_MS,
      );
      const { sendSeconds, finalizeSeconds, peakRssMiB, copies, userCpuSeconds, systemCpuSeconds } = await sendThenFinalize(senders, aggregator, runDir);
      return {
        ranks_16k_lost_points: rankCount * 2 * POINTS_PER_SERIES - csvPoints(runDir),
        ranks_16k_aggregator_fds: peakDescriptors,
        ranks_16k_finalize_s: finalizeSeconds,
        ranks_16k_aggregator_rss_mb: peakRssMiB,
        ranks_16k_send_s: sendSeconds,
        // Frames resent while their acks were on the way (32,768 originals): the load a late ack adds.
        ranks_16k_copies: copies,
        // The aggregator's CPU time, all its threads, start to exit: the work behind the wall-clock figures,
        // which here also depend on the CPU the simulated nodes leave it. Its system time is mostly file creation.
        ranks_16k_aggregator_user_cpu_s: userCpuSeconds,
        ranks_16k_aggregator_system_cpu_s: systemCpuSeconds,
        ranks_16k_in_namespaces: network.mode === 'netns' ? 1 : 0,
        // Without relays: 2 connections a rank, past the aggregator's limit here, so not run.
        ranks_16k_direct_fds_needed: 2 * rankCount + BASE_DESCRIPTORS,
        ranks_16k_aggregator_fd_limit: fdLimit,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    network.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}
