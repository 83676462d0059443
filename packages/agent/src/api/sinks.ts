import type { ContextName, EnvelopeRecord, RunConfigRecord } from '@prov4ml/prov-core';
import type { RunEndDetails } from '../rank/shutdown-report.js';
import type { ArtifactRequest } from '../rank/artifacts.js';
import { bootstrapRank } from '../rank/bootstrap.js';
import { join } from 'node:path';
import { SPOOL_DIR } from '@prov4ml/prov-core';
import { ChannelFailedError, connectChannel, type ChannelClient } from '../channel/client.js';
import { paceOverChannel } from '../channel/series-pacer.js';
import type { PendingPoints } from '../pipeline/batch-processor.js';
import { CHANNEL_RECORD_KINDS, type ChannelRecord, type ClientNotification } from '../channel/protocol.js';
import type { RunOptions } from '../config/options.js';
import type { MetricsOptions } from '../metrics/options.js';
import type { SampleKind } from '../metrics/sampling.js';
import { runConfigFrom } from '../rank/run-config.js';

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
  end(options: Pick<RunEndDetails, 'createGraph' | 'createSvg' | 'crateRoCrate' | 'zipRunDir'>): Promise<void>;
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
export type RecordedRunOptions = Pick<RunConfigRecord, 'csvSeparator' | 'disableCodecarbon' | 'zarrCodec'>;

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
    : openChannelSink(explicit, environment.channel, pending, recorded, environment.log);
}

async function openInProcessSink(
  options: RunOptions,
  environment: SinkEnvironment,
  pending: PendingPoints,
  recorded: RecordedRunOptions,
): Promise<RunSink> {
  const config = { ...runConfigFrom(options), ...recorded };
  const rank = bootstrapRank({ run: options, env: environment.env, metrics: environment.metrics, log: environment.log, fallbackConfig: config, pending });
  const { agent } = rank;
  rank.observe({ pid: process.pid, argv: process.argv, cwd: process.cwd(), env: environment.env, wrapped: false });
  await agent.configure(config);
  // In-process there is no wrapper to sample periodically: samples are taken on demand only.
  await rank.startSamplers(process.pid, 0);
  return {
    rank: rank.job.rank,
    worldSize: rank.job.worldSize,
    collectAllProcesses: options.collectAllProcesses,
    submit: (record) => agent.submit(record),
    logArtifact: async (request) => {
      await agent.logArtifact(request);
    },
    sample: (kind, context, step) => agent.sample(kind, context, step),
    end: async (asked) => {
      await rank.end({ exitCode: null, signal: null, clean: true, ...asked });
    },
  };
}

async function openChannelSink(
  explicit: Partial<RunOptions>,
  path: string,
  pending: PendingPoints,
  recorded: RecordedRunOptions,
  log: (line: string) => void,
): Promise<RunSink> {
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
      metricsFileType: explicit.metricsFormat ?? null,
      zarrCodec: recorded.zarrCodec ?? null,
    })
    .catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
  const send = sendOrSayLost(client, log);
  const pacer = paceOverChannel(pending, send, started.saveAfterNLogs);
  return {
    rank: started.rank,
    worldSize: started.worldSize,
    collectAllProcesses: started.collectAllProcesses,
    submit: (record) => {
      if (isChannelRecord(record)) send({ t: 'records', records: [record] });
    },
    logArtifact: async (request) => {
      await saidIfChannelFailed(client.request({ t: 'artifact', ...request, name: request.name ?? null, timestamp: request.time }), (reason) =>
        log(`${request.path} is not recorded: ${reason}`),
      );
    },
    sample: (kind, context, step) => send({ t: 'sample', kind, context, step }),
    end: async ({ createGraph, createSvg, crateRoCrate, zipRunDir }) => {
      pacer.stop();
      await saidIfChannelFailed(client.request({ t: 'end_run', createGraph, createSvg, crateRoCrate, zipRunDir }), (reason) =>
        log(
          `${reason}; the records the agent received are kept in ${join(started.runDir, SPOOL_DIR)}; ` +
            `once it has stopped, \`prov4ml merge ${started.runDir}\` writes the documents`,
        ),
      );
      await client.close();
    },
  };
}

/** Waits for a request; a failed channel is said (the program goes on), an agent's refusal is thrown. */
async function saidIfChannelFailed(request: Promise<unknown>, say: (reason: string) => void): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ChannelFailedError)) throw error;
    say(error.message);
  }
}

/**
 * A program's records go to its wrapper's agent; when that channel fails (the wrapper was killed), the
 * first loss is said once and the program goes on: a provenance problem never ends a user's job.
 */
function sendOrSayLost(client: ChannelClient, log: (line: string) => void): (message: ClientNotification) => void {
  let said = false;
  return (message) => {
    try {
      client.send(message);
    } catch (error) {
      if (!(error instanceof ChannelFailedError)) throw error;
      if (!said) log(`${error.message}; what is logged from now on is lost, training goes on`);
      said = true;
    }
  };
}

/** The program reports only what it knows; run start and end are the wrapper's own observations. */
function isChannelRecord(record: EnvelopeRecord): record is ChannelRecord {
  return (CHANNEL_RECORD_KINDS as readonly string[]).includes(record.kind);
}
