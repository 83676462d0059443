import { hostname } from 'node:os';
import type { ContextName, EnvelopeRecord, RunConfigRecord } from '@prov4ml/prov-core';
import { Agent, runConfigFrom, type ArtifactRequest, type ShutdownReport } from '../rank/agent.js';
import { connectChannel, type ChannelClient } from '../channel/client.js';
import { paceOverChannel } from '../channel/series-pacer.js';
import type { PendingPoints } from '../pipeline/batch-processor.js';
import { CHANNEL_RECORD_KINDS, type ChannelRecord } from '../channel/protocol.js';
import type { RunOptions } from '../config/options.js';
import { detectJob } from '../rank/detect.js';
import { resolveAggregatorEndpoint } from '../rank/endpoint.js';
import { runStartRecord } from '../rank/observe.js';
import type { MetricsOptions } from '../metrics/options.js';
import { startRankMetrics, type SampleKind } from '../metrics/sampling.js';

/**
 * Where the API's records go: to this process's own agent, or over the local channel to the agent of
 * the `prov4ml run` wrapper that started this process. The API does not care which.
 */
export interface RunSink {
  readonly rank: number;
  readonly worldSize: number;
  /** The options in effect for the run (a wrapper's flags may have decided them). */
  readonly collectAllProcesses: boolean;
  submit(record: EnvelopeRecord): void;
  logArtifact(request: ArtifactRequest): Promise<void>;
  sample(kind: SampleKind, context: ContextName, step: number): void;
  end(options: { createGraph: boolean; createSvg: boolean }): Promise<void>;
}

export interface SinkEnvironment {
  /** PROV4ML_CHANNEL: set by the wrapper for its child. */
  channel: string | null;
  /** Sampler configuration for logSystemMetrics / logCarbonMetrics when this process is its own agent. */
  metrics: MetricsOptions;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
}

/** startRun options that only the run config records: no flag or PROV4ML_* variable sets them. */
export type RecordedRunOptions = Pick<RunConfigRecord, 'csvSeparator' | 'disableCodecarbon'>;

/**
 * `options` are the program's startRun arguments resolved with PROV4ML_* and defaults; `explicit` only
 * what the program said, which is all a wrapper's agent should hear: its own flags fill the rest.
 */
export async function openRunSink(
  options: RunOptions,
  explicit: Partial<RunOptions>,
  environment: SinkEnvironment,
  pending: PendingPoints,
  recorded: RecordedRunOptions = {},
): Promise<RunSink> {
  return environment.channel === null
    ? openInProcessSink(options, environment, pending, recorded)
    : openChannelSink(explicit, environment.channel, pending, recorded);
}

async function openInProcessSink(
  options: RunOptions,
  environment: SinkEnvironment,
  pending: PendingPoints,
  recorded: RecordedRunOptions,
): Promise<RunSink> {
  const job = detectJob(environment.env, { rank: options.rank, worldSize: options.worldSize, jobId: options.jobId }, hostname());
  const placement = resolveAggregatorEndpoint(job, { aggregator: options.aggregator, port: options.port, hostname: hostname() });
  const agent = new Agent({
    job,
    placement,
    transport: { insecure: options.insecure, keyDir: options.keyDir },
    defaultSaveDir: options.provenanceSaveDir ?? 'prov',
    runId: options.runId,
    fallbackConfig: { ...runConfigFrom(options), ...recorded },
    rankTimeoutMs: options.rankTimeout * 1000,
    log: environment.log,
    pending,
  });
  agent.submit(runStartRecord(job, { pid: process.pid, argv: process.argv, cwd: process.cwd(), env: environment.env, wrapped: false }));
  await agent.configure({ ...runConfigFrom(options), ...recorded });
  // In-process there is no wrapper to sample periodically: samples are taken on demand only.
  const metrics = await startRankMetrics(agent, { ...environment.metrics, localRank: job.localRank, hostname: hostname(), rootPid: process.pid }, 0, environment.log);
  return {
    rank: job.rank,
    worldSize: job.worldSize,
    collectAllProcesses: options.collectAllProcesses,
    submit: (record) => agent.submit(record),
    logArtifact: async (request) => {
      await agent.logArtifact(request);
    },
    sample: (kind, context, step) => agent.sample(kind, context, step),
    end: async ({ createGraph, createSvg }) => {
      await metrics.stop();
      const report = await agent.shutdown({ exitCode: null, signal: null, clean: true, createGraph, createSvg });
      const notice = shutdownNotice(report);
      if (notice !== null) environment.log(notice);
    },
  };
}

async function openChannelSink(explicit: Partial<RunOptions>, path: string, pending: PendingPoints, recorded: RecordedRunOptions): Promise<RunSink> {
  const client: ChannelClient = await connectChannel(path);
  // A refused start_run must not leave the connection open: it would keep the program from exiting.
  const started = await client
    .request({
      t: 'start_run',
      provUserNamespace: explicit.provUserNamespace ?? null,
      experimentName: explicit.experimentName ?? null,
      provenanceSaveDir: explicit.provenanceSaveDir ?? null,
      collectAllProcesses: explicit.collectAllProcesses ?? null,
      saveAfterNLogs: explicit.saveAfterNLogs ?? null,
      rank: explicit.rank ?? null,
      csvSeparator: recorded.csvSeparator ?? null,
      disableCodecarbon: recorded.disableCodecarbon ?? null,
    })
    .catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
  const pacer = paceOverChannel(pending, client, started.saveAfterNLogs);
  return {
    rank: started.rank,
    worldSize: started.worldSize,
    collectAllProcesses: started.collectAllProcesses,
    submit: (record) => {
      if (isChannelRecord(record)) client.send({ t: 'records', records: [record] });
    },
    logArtifact: async (request) => {
      await client.request({ t: 'artifact', ...request, name: request.name ?? null, timestamp: request.time });
    },
    sample: (kind, context, step) => client.send({ t: 'sample', kind, context, step }),
    end: async ({ createGraph, createSvg }) => {
      pacer.stop();
      await client.request({ t: 'end_run', createGraph, createSvg });
      await client.close();
    },
  };
}

/** The program reports only what it knows; run start and end are the wrapper's own observations. */
function isChannelRecord(record: EnvelopeRecord): record is ChannelRecord {
  return (CHANNEL_RECORD_KINDS as readonly string[]).includes(record.kind);
}

/**
 * What a user must know when a rank ends without its records safely in the job's files: where they
 * are kept and how to rebuild the files, or what could not be kept. Null when all is well.
 */
export function shutdownNotice(report: ShutdownReport): string | null {
  const merge = `prov4ml merge ${report.runDir ?? '<run dir>'}`;
  // Without a run directory there is no spool; the agent has already said why.
  if (report.spoolPath === undefined) return null;
  if (!report.delivered && report.spoolFailure !== undefined) {
    return (
      `the aggregator did not confirm every record, and the spool ${report.spoolPath} stopped taking them (${report.spoolFailure}): ` +
      `what it holds is kept; records it could not take that the aggregator did not confirm are lost. To rebuild the files from what is kept: ${merge}`
    );
  }
  if (!report.delivered) {
    return `the aggregator did not confirm every record; nothing is lost: the records are in ${report.spoolPath}. After the job, run: ${merge}`;
  }
  if (report.hosted && !report.finalized) {
    return `the job's files were not written in ${report.runDir} (see above); every record is kept in its spools. Once the cause is fixed, run: ${merge}`;
  }
  return null;
}
