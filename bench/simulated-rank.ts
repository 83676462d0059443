/**
 * A rank without a training program: the envelopes a synthetic rank would seal (built as the
 * aggregator's tests build them), sent by the agent's own Sender — its own PUSH socket, its own ack
 * subscription, its sender id, resends and all — so the aggregator sees exactly what a real agent sends.
 */
import { randomUUID } from 'node:crypto';
import { Sender } from '../packages/agent/src/pipeline/sender.js';
import { encodeAll, rankEnvelopes } from '../packages/aggregator/test/support.js';
import { ackEndpointFor } from '@prov4ml/prov-core';

export interface SimulatedRankSpec {
  job: string;
  worldSize: number;
  runDir: string;
  rank: number;
  /** Points per series per frame; every frame carries two series (`loss` and `acc`). */
  pointsPerFrame: number;
  frames: number;
  /** Leave out the final envelope (final metric + run end), so the aggregator keeps the job open. */
  withoutRunEnd?: boolean;
}

/** A fresh sender id that matches the wire's SENDER_ID_PATTERN. */
export function benchSenderId(rank: number): string {
  return `bench-${rank}-${randomUUID().slice(0, 8)}`;
}

/** The rank's envelopes, encoded, in sequence order (seq = index + 1). */
export function encodedRank(spec: SimulatedRankSpec, sender: string): Buffer[] {
  const envelopes = rankEnvelopes(spec.job, spec.worldSize, spec.runDir, { rank: spec.rank, sender, pointsPerFrame: spec.pointsPerFrame, frames: spec.frames });
  return encodeAll(spec.withoutRunEnd === true ? envelopes.slice(0, -1) : envelopes);
}

/** Metric points in one rank's envelopes. */
export function pointsOf(spec: SimulatedRankSpec): number {
  return 2 * spec.pointsPerFrame * spec.frames;
}

/** A connected agent Sender for `payloads`; `send` hands them over and resolves once all are acked. */
export class SimulatedRank {
  readonly #sender: Sender;
  readonly #payloads: readonly Buffer[];

  constructor(endpoint: string, senderId: string, payloads: readonly Buffer[]) {
    this.#payloads = payloads;
    this.#sender = new Sender({
      senderId,
      source: { readFrame: (seq) => payloads[seq - 1]! },
      log: (line) => void process.stderr.write(`bench sender ${senderId}: ${line}\n`),
    });
    // Loopback, as the bench's aggregators bind: plain transport, as the agent uses there.
    this.#sender.connect({ endpoint, ackEndpoint: ackEndpointFor(endpoint), curveServerKey: null });
  }

  /** Enqueues frames `from`..`to` (1-based, inclusive) and waits until the aggregator acked them. */
  async send(from: number, to: number, timeoutMs: number): Promise<void> {
    for (let seq = from; seq <= to; seq++) this.#sender.enqueue(seq, this.#payloads[seq - 1]!);
    if (!(await this.#sender.waitForAck(to, timeoutMs))) throw new Error(`bench: frames up to ${to} not acked within ${timeoutMs} ms`);
  }

  get frames(): number {
    return this.#payloads.length;
  }

  close(): Promise<void> {
    return this.#sender.close();
  }
}
