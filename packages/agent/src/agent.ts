import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ackEndpointFor,
  encodeEnvelope,
  PROTOCOL_VERSION,
  type ArtifactRecord,
  type ContextName,
  type MetricSeriesBatch,
  type ProvRecordData,
  type RunConfigRecord,
} from '@prov4ml/prov-core';
import type { Aggregator } from '@prov4ml/aggregator';
import { storeArtifact } from './artifacts.js';
import { Batcher } from './batcher.js';
import type { RunOptions } from './config.js';
import { curveKeyDir, loadOrCreateServerKeys, waitForServerPublicKey, type TransportOptions } from './curve-keys.js';
import type { JobInfo } from './detect.js';
import { tcpEndpoint, type AggregatorPlacement } from './endpoint.js';
import { ENDPOINT_DISCOVERY_TIMEOUT_MS, FINALIZE_WAIT_MS, SHUTDOWN_ACK_TIMEOUT_MS } from './limits.js';
import { claimRunDir, type ClaimedRunDir } from './run-dir.js';
import { samplesToBatches, type SampleKind, type Sampler } from './sampling.js';
import { Sender } from './sender.js';
import { Spool, type SpoolLocation } from './spool.js';
import { waitForFileText } from './wait-for-file.js';

/** File in the run directory where a hosted aggregator publishes the endpoint ranks connect to. */
export const ENDPOINT_FILE = 'aggregator.endpoint';

/**
 * What a program's startRun says, with the save directory and the explicit run id (use_run_id), which
 * decide the run directory and are not part of the record.
 */
export type ProgramRunConfig = RunConfigRecord & { provenanceSaveDir: string | null; runId?: number | null };

/** The experiment name of a run whose program never named one. */
export const DEFAULT_EXPERIMENT_NAME = 'experiment';

/** The run configuration the options (flags, PROV4ML_*, defaults) give, for a program that says nothing. */
export function runConfigFrom(run: RunOptions): ProgramRunConfig {
  return {
    kind: 'run_config',
    time: Date.now(),
    provUserNamespace: run.provUserNamespace,
    experimentName: run.experimentName ?? DEFAULT_EXPERIMENT_NAME,
    collectAllProcesses: run.collectAllProcesses,
    saveAfterNLogs: run.saveAfterNLogs,
    provenanceSaveDir: run.provenanceSaveDir,
  };
}

export interface AgentOptions {
  job: JobInfo;
  placement: AggregatorPlacement;
  /** PROV4ML_INSECURE and PROV4ML_KEY_DIR: whether and where the job's CURVE key is. */
  transport: TransportOptions;
  /** Where run directories go when the program's startRun names none. */
  defaultSaveDir: string;
  /** PROV4ML_RUN_ID, if given. */
  runId: number | null;
  /** Used at shutdown when the program never called startRun. */
  fallbackConfig: ProgramRunConfig;
  log: (line: string) => void;
  /** Pulls points still buffered on an in-process logging hot path. */
  collectPending?: () => MetricSeriesBatch[];
  /** Milliseconds to wait for acks at shutdown before keeping the spool and giving up. */
  shutdownAckTimeoutMs?: number;
  /** A hosted aggregator stops waiting for a silent rank after this long. */
  rankTimeoutMs: number;
  /** How long the hosting rank waits for the aggregator to finalise the job at shutdown. */
  finalizeTimeoutMs?: number;
}

/** A logged artifact: the path the program gave, under which name, role and step. */
export interface ArtifactRequest {
  path: string;
  /** Name to store it under; else the path's base name. */
  name?: string;
  context: ContextName;
  step: number | null;
  /** Unix epoch ms of the logging call. */
  time: number;
  role: ArtifactRecord['role'];
}

export interface RunEndDetails {
  exitCode: number | null;
  signal: string | null;
  clean: boolean;
  createGraph: boolean;
  createSvg: boolean;
}

/** The job's run directory and the configuration the first startRun of the rank gave it. */
export interface ConfiguredRun extends ClaimedRunDir {
  config: RunConfigRecord;
}

export interface ShutdownReport {
  runDir: string | undefined;
  spoolPath: string | undefined;
  /** True when the aggregator confirmed every frame; false means the spool holds what it missed. */
  delivered: boolean;
  /** Files the hosted aggregator wrote, when this agent hosted it. */
  finalized: boolean;
  /** This agent hosted the job's aggregator. */
  hosted: boolean;
  /** Why the spool stopped taking frames (ENOSPC…): records it could not take exist only if delivered. */
  spoolFailure: string | undefined;
}

/**
 * One rank's agent: it turns records into sealed, spooled, numbered envelopes and hands them to the
 * sender. Until the run directory is known (the program's first startRun names the experiment) it
 * only keeps records; then it claims the directory, opens its spool, and — on the hosting rank —
 * starts the aggregator.
 */
export class Agent {
  readonly senderId = randomBytes(8).toString('hex');
  private readonly batcher: Batcher;
  private readonly early: ProvRecordData[] = [];
  private claimed: ConfiguredRun | undefined;
  private configuring: Promise<ConfiguredRun> | undefined;
  private spool: Spool | undefined;
  private readonly spoolLocations: SpoolLocation[] = [];
  private sender: Sender | undefined;
  /** Sealed frames the spool's writer has not yet put in the file; sent only once it has. */
  private readonly unpersisted: Array<{ seq: number; payload: Uint8Array; end: number }> = [];
  /** Persisted frames waiting for the aggregator's endpoint to be known. */
  private readonly unsent: Array<{ seq: number; payload: Uint8Array }> = [];
  private hosted: Aggregator | undefined;
  private seq = 0;
  private readonly counts: Record<string, number> = {};
  private stopping: Promise<ShutdownReport> | undefined;
  private closed = false;
  /** Samples still being taken; shutdown waits for them so that none lands after run_end. */
  private readonly samplesInFlight = new Set<Promise<void>>();
  private sampler: Sampler | undefined;

  constructor(private readonly options: AgentOptions) {
    this.batcher = new Batcher({
      seal: (records) => this.seal(records),
      ...(options.collectPending ? { collectPending: options.collectPending } : {}),
    });
  }

  get job(): JobInfo {
    return this.options.job;
  }

  /** Takes a record; metric columns may be views the logging thread reuses once a flush has sealed them. */
  submit(record: ProvRecordData): void {
    this.count(record);
    if (this.claimed) this.batcher.add(record);
    else this.early.push(record.kind === 'metrics' ? { kind: 'metrics', series: record.series.map(ownedColumns) } : record);
  }

  /**
   * Applies the program's startRun: the first call of the job decides the run directory; later calls
   * (another process of the same rank) reuse it.
   */
  configure(config: ProgramRunConfig): Promise<ConfiguredRun> {
    if (this.configuring === undefined) {
      const opening = this.open(config);
      this.configuring = opening;
      // A refused startRun (a bad experiment name, an unwritable save dir) decides nothing: the next one tries again.
      opening.catch(() => {
        if (this.configuring === opening) this.configuring = undefined;
      });
    } else {
      void this.configuring.then((run) => {
        if (run.config.experimentName !== config.experimentName) {
          this.options.log(`startRun named experiment ${config.experimentName}, but this rank's run is already ${run.config.experimentName} (${run.runDir}); keeping it`);
        }
      }, () => undefined);
    }
    return this.configuring;
  }

  /** Copies an artifact into the run directory and records it. */
  async logArtifact(request: ArtifactRequest): Promise<ArtifactRecord> {
    const runDir = this.claimed?.runDir;
    if (runDir === undefined) throw new Error('logArtifact before startRun');
    const stored = await storeArtifact(runDir, this.options.job.rank, request.path, request.name);
    const record: ArtifactRecord = {
      kind: 'artifact',
      time: request.time,
      name: request.name ?? stored.storedPath.split('/').at(-1)!,
      context: request.context,
      step: request.step,
      originalPath: request.path,
      role: request.role,
      ...stored,
    };
    this.submit(record);
    return record;
  }

  /** Gives the agent its samplers (they need the observed program's pid, known only after it starts). */
  attachSampler(sampler: Sampler): void {
    this.sampler = sampler;
  }

  /** Takes a sample asynchronously (never on the caller's stack) and records it under `context` and `step`. */
  sample(kind: SampleKind, context: ContextName, step: number): void {
    const { sampler } = this;
    if (!sampler) {
      this.options.log(`no ${kind} sampler in this process; log_${kind}_metrics ignored`);
      return;
    }
    const taking = sampler(kind).then(
      (samples) => this.submit({ kind: 'metrics', series: samplesToBatches(samples, context, step, Date.now()) }),
      (error: unknown) => this.options.log(`${kind} sample failed: ${(error as Error).message}`),
    );
    this.samplesInFlight.add(taking);
    void taking.finally(() => this.samplesInFlight.delete(taking));
  }

  /** Seals everything pending into the spool now (the send itself stays asynchronous). */
  flush(): void {
    if (this.claimed) this.batcher.flush();
  }

  /**
   * Ends the rank: records how it ended, seals and spools everything, waits (bounded) for the
   * aggregator's acks and, on the hosting rank, for the job's files. Idempotent.
   */
  shutdown(end: RunEndDetails): Promise<ShutdownReport> {
    this.stopping ??= this.stop(end);
    return this.stopping;
  }

  private async open({ provenanceSaveDir, runId, ...config }: ProgramRunConfig): Promise<ConfiguredRun> {
    const { job } = this.options;
    const claimed: ConfiguredRun = {
      ...claimRunDir({
        saveDir: provenanceSaveDir ?? this.options.defaultSaveDir,
        experimentName: config.experimentName,
        jobKey: job.jobKey,
        runId: runId ?? this.options.runId,
      }),
      config,
    };
    this.spool = Spool.open(join(claimed.runDir, 'spool', `GR${job.rank}-${this.senderId}.spool`), () => this.releasePersisted(), this.options.log);
    this.claimed = claimed;
    this.submit(config);
    for (const record of this.early.splice(0)) this.batcher.add(record);
    this.batcher.start();
    void this.connect(claimed.runDir).catch((error: unknown) => {
      this.options.log(`cannot reach the aggregator: ${(error as Error).message}; records stay in ${this.spool?.path}`);
    });
    return claimed;
  }

  private async connect(runDir: string): Promise<void> {
    const { placement, job, transport } = this.options;
    const keyDir = placement.kind === 'remote'
      ? curveKeyDir(placement.endpoint, transport, null)
      : curveKeyDir(tcpEndpoint(placement.bind, placement.port), transport, runDir);
    let endpoint: string;
    let serverKey: string | null = null;
    if (placement.kind === 'remote') {
      endpoint = placement.endpoint;
    } else if (job.rank === placement.hostRank) {
      const { startAggregator } = await import('@prov4ml/aggregator');
      // The key file is in place before the endpoint is published: a rank that finds one finds both.
      const curve = keyDir === null ? undefined : await loadOrCreateServerKeys(keyDir);
      serverKey = curve?.publicKey ?? null;
      this.hosted = await startAggregator({
        bind: tcpEndpoint(placement.bind, placement.port),
        worldSize: job.worldSize,
        jobKey: job.jobKey,
        runDir,
        rankTimeoutMs: this.options.rankTimeoutMs,
        curve,
        insecure: transport.insecure,
        log: this.options.log,
      });
      endpoint = this.hosted.endpoint;
      const port = Number(new URL(endpoint.replace(/^tcp:/, 'http:')).port);
      await writeFile(join(runDir, ENDPOINT_FILE), `${tcpEndpoint(placement.advertise ?? placement.bind, port)}\n`);
    } else if (placement.endpoint !== null) {
      // A port derived from the job (Slurm): no need to wait for rank 0 to publish it.
      endpoint = placement.endpoint;
    } else {
      endpoint = await waitForEndpointFile(join(runDir, ENDPOINT_FILE), ENDPOINT_DISCOVERY_TIMEOUT_MS, () => this.closed);
    }
    if (keyDir !== null && serverKey === null) serverKey = await waitForServerPublicKey(keyDir, ENDPOINT_DISCOVERY_TIMEOUT_MS, () => this.closed);
    this.sender = new Sender({
      endpoint,
      ackEndpoint: ackEndpointFor(endpoint),
      senderId: this.senderId,
      curveServerKey: serverKey,
      reread: (seq) => this.spool!.read(this.spoolLocations[seq - 1]!),
      log: this.options.log,
    });
    for (const frame of this.unsent.splice(0)) this.sender.enqueue(frame.seq, frame.payload);
  }

  private seal(records: ProvRecordData[]): void {
    const { job } = this.options;
    const seq = ++this.seq;
    const payload = encodeEnvelope({
      v: PROTOCOL_VERSION,
      job: job.jobKey,
      rank: job.rank,
      worldSize: job.worldSize,
      sender: this.senderId,
      seq,
      sent: Date.now(),
      runDir: this.claimed!.runDir,
      records,
    });
    let location: SpoolLocation;
    try {
      location = this.spool!.appendFrame(payload);
    } catch (error) {
      // The disk refused the spool: never throw into the program's logging call; still try to deliver.
      this.options.log(`${(error as Error).message}; sending frame ${seq} without a spooled copy`);
      location = { offset: -1, length: 0 };
      this.dispatch({ seq, payload });
    }
    this.spoolLocations.push(location);
    if (location.offset >= 0) this.unpersisted.push({ seq, payload, end: location.offset + location.length });
  }

  /** Moves every frame the spool's writer has put in the file on to the sender. */
  private releasePersisted(): void {
    const persisted = this.spool!.persistedBytes();
    while (this.unpersisted.length > 0 && this.unpersisted[0]!.end <= persisted) this.dispatch(this.unpersisted.shift()!);
  }

  private dispatch(frame: { seq: number; payload: Uint8Array }): void {
    if (this.sender) this.sender.enqueue(frame.seq, frame.payload);
    else this.unsent.push(frame);
  }

  private count(record: ProvRecordData): void {
    const n = record.kind === 'metrics' ? record.series.reduce((sum, s) => sum + s.values.length, 0) : 1;
    this.counts[record.kind] = (this.counts[record.kind] ?? 0) + n;
  }

  private async stop(end: RunEndDetails): Promise<ShutdownReport> {
    // A program that never called startRun is still recorded, as the options describe it.
    if (!this.claimed) {
      try {
        await this.configure({ ...this.options.fallbackConfig, time: Date.now() });
      } catch (error) {
        // No run directory, so no spool: there is nowhere to keep this rank's records.
        this.options.log(`${(error as Error).message}; this rank's provenance is not recorded`);
        this.closed = true;
        return { runDir: undefined, spoolPath: undefined, delivered: false, finalized: false, hosted: false, spoolFailure: undefined };
      }
    }
    await Promise.all(this.samplesInFlight);
    this.batcher.flush();
    this.submit({ kind: 'run_end', time: Date.now(), ...end, counts: { ...this.counts } });
    this.batcher.flush();
    this.batcher.stop();
    await this.spool!.flushed();
    this.releasePersisted();
    const lastSeq = this.seq;
    const timeout = this.options.shutdownAckTimeoutMs ?? SHUTDOWN_ACK_TIMEOUT_MS;
    const deadline = Date.now() + timeout;
    while (!this.sender && Date.now() < deadline) await sleep(50);
    const delivered = this.sender ? await this.sender.waitForAck(lastSeq, Math.max(0, deadline - Date.now())) : false;
    let finalized = false;
    if (this.hosted) {
      // Its own frames unconfirmed (say, a full disk under the received log), the job cannot be finalised
      // here: waiting for it would hold the rank for minutes, while merge rebuilds it from the spools.
      finalized = delivered && (await settlesWithin(this.hosted.finalized, this.options.finalizeTimeoutMs ?? this.options.rankTimeoutMs + FINALIZE_WAIT_MS));
      await this.hosted.shutdown();
    }
    this.closed = true;
    await this.sender?.close();
    await this.spool?.close();
    return { runDir: this.claimed?.runDir, spoolPath: this.spool?.path, delivered, finalized, hosted: this.hosted !== undefined, spoolFailure: this.spool?.writeFailure };
  }
}

async function waitForEndpointFile(path: string, timeoutMs: number, cancelled: () => boolean): Promise<string> {
  const endpoint = await waitForFileText(path, timeoutMs, cancelled);
  if (endpoint === null) throw new Error(`no aggregator endpoint appeared in ${path}`);
  return endpoint;
}

/** True when `promise` resolves within `ms`; false when it rejects or the time runs out. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A copy of a batch whose columns may be views into buffers that are about to be reused. */
function ownedColumns(batch: MetricSeriesBatch): MetricSeriesBatch {
  return { ...batch, steps: batch.steps.slice(), values: batch.values.slice(), timestamps: batch.timestamps.slice() };
}
