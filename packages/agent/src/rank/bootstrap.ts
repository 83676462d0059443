/**
 * One rank's set-up and end, the same for the in-process API, the `prov4ml run` wrapper and
 * `prov4ml agent`: detect the job → place the aggregator (the link itself is resolved once the run
 * directory is known) → the Agent → the run-start record → the samplers → at the end, the shutdown
 * notice.
 */
import { hostname } from 'node:os';
import { Agent } from './agent.js';
import { shutdownNotice, type RunEndDetails, type ShutdownReport } from './shutdown-report.js';
import type { RunOptions } from '../config/options.js';
import { detectJob, type JobInfo } from './detect.js';
import { resolveAggregatorEndpoint } from './endpoint.js';
import type { MetricsOptions } from '../metrics/options.js';
import type { PendingPoints } from '../pipeline/batch-processor.js';
import { startRankMetrics, type RankMetrics } from '../metrics/sampling.js';
import { nodeNameOf, runStartRecord, type ObservedProcess } from './observe.js';
import { describeNode } from '../metrics/node/describe-node.js';
import { slurmJobStartReader } from './slurm-job-start.js';
import type { ProgramRunConfig } from './run-config.js';
import { nodeRelayFor, type RelaySetting } from '../relay/node-relay.js';

export interface RankOptions {
  run: RunOptions;
  env: Record<string, string | undefined>;
  /** Sampler configuration (its interval is the caller's to use: `startSamplers` takes one). */
  metrics: MetricsOptions;
  log: (line: string) => void;
  /** The run configuration recorded when the program never calls startRun. */
  fallbackConfig: ProgramRunConfig;
  /** The points of an in-process logging hot path, which the batch processor watches and takes. */
  pending?: PendingPoints;
  /** Whether this rank goes through its node's relay (see RelaySetting; only the wrapper sets it). */
  relay?: RelaySetting;
}

/** A rank's agent with what surrounds it from start to end. */
export interface Rank {
  readonly job: JobInfo;
  readonly agent: Agent;
  /** Records the run start: the process this rank observes. */
  observe(observed: ObservedProcess): void;
  /**
   * Starts the samplers for the process tree under `rootPid`, periodic every `intervalS` seconds (0: on
   * demand only). When they cannot start, that is logged and sample requests say so.
   */
  startSamplers(rootPid: number | null, intervalS: number): Promise<void>;
  /** Stops the samplers, ends the agent and logs what the user must know (see shutdownNotice). Idempotent. */
  end(end: RunEndDetails): Promise<ShutdownReport>;
}

/**
 * Detects the job and makes its agent.
 * @throws UserError when the job's environment is contradictory or PROV4ML_AGGREGATOR is no endpoint.
 */
export function bootstrapRank(options: RankOptions): Rank {
  const { run, log } = options;
  const job = detectJob(options.env, { rank: run.rank, worldSize: run.worldSize, jobId: run.jobId }, hostname());
  const relay = nodeRelayFor(job, options.relay, log);
  const agent = new Agent({
    job,
    placement: resolveAggregatorEndpoint(job, { aggregator: run.aggregator, port: run.port, hostname: hostname() }),
    transport: { insecure: run.insecure, keyDir: run.keyDir },
    defaultSaveDir: run.provenanceSaveDir ?? 'prov',
    runId: run.runId,
    jobStartedAt: slurmJobStartReader(options.env, job),
    fallbackConfig: options.fallbackConfig,
    rankTimeoutMs: run.rankTimeout * 1000,
    log,
    ...(options.pending ? { pending: options.pending } : {}),
    ...(relay ? { route: relay.route } : {}),
  });
  // Once per node: its local rank 0 describes it (the others only name it in their run start).
  const nodeFacts = job.localRank === 0 ? describeNode(agent, { nodeName: nodeNameOf(job), hostname: hostname(), log }) : Promise.resolve();
  let samplers: Promise<RankMetrics | null> = Promise.resolve(null);
  let ending: Promise<ShutdownReport> | undefined;
  return {
    job,
    agent,
    observe: (observed) => agent.submit(runStartRecord(job, observed)),
    startSamplers(rootPid, intervalS) {
      samplers = startRankMetrics(agent, { ...options.metrics, localRank: job.localRank, hostname: hostname(), rootPid }, intervalS, log).catch((error: unknown) => {
        log(`the samplers could not start: ${(error as Error).message}; no system or carbon metrics are recorded`);
        return null;
      });
      return samplers.then(() => undefined);
    },
    end(end) {
      ending ??= (async () => {
        await (await samplers)?.stop();
        await nodeFacts;
        const report = await agent.shutdown(end);
        // On local rank 0 the node's other ranks may still send through its relay.
        await relay?.end();
        const notice = shutdownNotice(report);
        if (notice !== null) log(notice);
        return report;
      })();
      return ending;
    },
  };
}
