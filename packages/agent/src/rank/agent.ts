import { randomBytes } from 'node:crypto';
import { spoolPath, UserError, type ArtifactRecord, type ContextName, type MetricSeriesBatch, type EnvelopeRecord } from '@prov4ml/prov-core';
import type { Aggregator, RankDocumentPaths } from '@prov4ml/aggregator';
import { resolveAggregatorLink } from './aggregator-link.js';
import { artifactRecord, type ArtifactRequest } from './artifacts.js';
import { BatchProcessor, type PendingPoints } from '../pipeline/batch-processor.js';
import type { TransportOptions } from './curve-keys.js';
import type { JobInfo } from './detect.js';
import type { AggregatorPlacement } from './endpoint.js';
import { FINALIZE_WAIT_MS, SHUTDOWN_ACK_TIMEOUT_MS } from '../config/limits.js';
import { FramePipeline } from '../pipeline/frame-pipeline.js';
import type { SenderTarget } from '../pipeline/sender.js';
import { joinedRunConfig, leaveJobPointer, removeJobPointer } from './job-pointer.js';
import { claimRunDir } from './run-dir.js';
import type { ConfiguredRun, ProgramRunConfig } from './run-config.js';
import { SampleRequests } from './sample-requests.js';
import type { RunEndDetails, ShutdownReport } from './shutdown-report.js';
import type { SampleKind, Sampler } from '../metrics/sampling.js';

export interface AgentOptions {
  job: JobInfo;
  placement: AggregatorPlacement;
  /** PROV4ML_INSECURE and PROV4ML_KEY_DIR: whether and where the job's CURVE key is. */
  transport: TransportOptions;
  /** Where run directories go when the program's startRun names none. */
  defaultSaveDir: string;
  /** PROV4ML_RUN_ID, if given. */
  runId: number | null;
  /** When the job started, for telling a purged job's claim from this job's (rank/slurm-job-start.ts). */
  jobStartedAt?: () => number | null;
  /** Used at shutdown when the program never called startRun. */
  fallbackConfig: ProgramRunConfig;
  log: (line: string) => void;
  /** The points of an in-process logging hot path, which the batch processor watches and takes. */
  pending?: PendingPoints;
  /** Milliseconds to wait for acks at shutdown before keeping the spool and giving up. */
  shutdownAckTimeoutMs?: number;
  /** A hosted aggregator stops waiting for a silent rank after this long. */
  rankTimeoutMs: number;
  /** How long the hosting rank waits for the aggregator to finalise the job at shutdown. */
  finalizeTimeoutMs?: number;
  /** Where the sender goes once the aggregator's link is known (the node's relay); the link itself otherwise. */
  route?: (link: SenderTarget) => SenderTarget;
}

/**
 * One rank's agent: it takes records and hands them, batched, to its frame pipeline (numbered,
 * spooled, sent). Until the run directory is known (the program's first startRun names the experiment)
 * it only keeps records; then it claims the directory, opens the pipeline, and resolves the aggregator
 * link — on the hosting rank, by starting the aggregator.
 */
export class Agent {
  readonly senderId = randomBytes(8).toString('hex');
  private readonly batcher: BatchProcessor;
  private readonly early: EnvelopeRecord[] = [];
  /** The program's sample requests; the channel answers start_run once their samplers are up. */
  readonly samples: SampleRequests;
  private claimed: ConfiguredRun | undefined;
  private configuring: Promise<ConfiguredRun> | undefined;
  private pipeline: FramePipeline | undefined;
  private hosted: Aggregator | undefined;
  private readonly counts: Record<string, number> = {};
  private stopping: Promise<ShutdownReport> | undefined;
  private closed = false;

  constructor(private readonly options: AgentOptions) {
    this.samples = new SampleRequests((series) => this.submit({ kind: 'metrics', series }), options.log);
    // The batch processor decides when records become an envelope; the pipeline seals it.
    this.batcher = new BatchProcessor({
      seal: (records) => this.pipeline!.seal(records),
      ...(options.pending ? { pending: options.pending } : {}),
    });
  }

  get job(): JobInfo {
    return this.options.job;
  }

  /** start_run(disable_codecarbon=True): this rank records no carbon metrics. */
  get carbonDisabled(): boolean {
    return this.claimed?.config.disableCodecarbon === true;
  }

  /** Takes a record; metric columns may be views the logging thread reuses once a flush has sealed them. */
  submit(record: EnvelopeRecord): void {
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

  /** Names the run for a program that never did: the options' run, or the job's on this host (job-pointer.ts). */
  async configureFromOptions(atEnd: boolean): Promise<ConfiguredRun> {
    const { job, placement, fallbackConfig } = this.options;
    const wait = atEnd && placement.kind !== 'remote' && job.rank !== placement.hostRank;
    return this.configure(await joinedRunConfig({ ...fallbackConfig, time: Date.now() }, job, wait));
  }

  /** Copies an artifact into the run directory (or fingerprints it in place) and records it. */
  async logArtifact(request: ArtifactRequest): Promise<ArtifactRecord> {
    const runDir = this.claimed?.runDir;
    if (runDir === undefined) throw new Error('logArtifact before startRun');
    const record = await artifactRecord(runDir, this.options.job.rank, request);
    this.submit(record);
    return record;
  }

  /**
   * log_provenance_documents: seals and persists everything submitted so far, then writes this rank's
   * documents from its spool into the run directory, where the job's finalisation replaces them later.
   */
  async writeDocuments(graphs: { createGraph: boolean; createSvg: boolean }): Promise<RankDocumentPaths> {
    const { claimed, pipeline, options: { job } } = this;
    if (claimed === undefined || pipeline === undefined) throw new UserError('log_provenance_documents before start_run: there is no run directory yet');
    // A sample asked for before the request belongs in the documents.
    await this.samplesTaken();
    this.batcher.flush();
    await pipeline.persisted();
    const spoolFailure = pipeline.spoolFailure();
    if (spoolFailure !== undefined) this.options.log(`the spool stopped taking frames (${spoolFailure}); the documents hold what it kept`);
    const { writeRankDocumentsNow } = await import('@prov4ml/aggregator');
    return writeRankDocumentsNow({
      runDir: claimed.runDir,
      jobKey: job.jobKey,
      worldSize: job.worldSize,
      rank: job.rank,
      files: [pipeline.spoolPath],
      sender: this.senderId,
      ...graphs,
    });
  }

  /**
   * Gives the agent its samplers (they need the observed program's pid, known only after it starts);
   * null when they cannot start. Sample requests that came earlier are taken now.
   */
  attachSampler(sampler: Sampler | null): void {
    this.samples.attach(sampler);
  }

  /**
   * Takes one sample asynchronously (never on the caller's stack) and records it under `context` and
   * `step`: every request gives exactly one batch, also one made before the samplers have started.
   */
  sample(kind: SampleKind, context: ContextName, step: number): void {
    this.samples.request(kind, context, step);
  }

  /** Resolves once every sample requested so far is recorded (the samplers may stop after it). */
  samplesTaken(): Promise<void> {
    return this.samples.taken();
  }

  /**
   * Takes every sample requested so far (while the program that asked still runs: its process figures
   * need it), seals everything pending and resolves once it is in the spool file (at once before the
   * run directory exists: the records stay in memory).
   */
  async persist(): Promise<void> {
    await this.samplesTaken();
    if (!this.claimed) return;
    this.batcher.flush();
    await this.pipeline!.persisted();
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
    const { job, log } = this.options;
    const claimed: ConfiguredRun = {
      ...claimRunDir({
        saveDir: provenanceSaveDir ?? this.options.defaultSaveDir,
        experimentName: config.experimentName,
        jobKey: job.jobKey,
        runId: runId ?? this.options.runId,
        ...(this.options.jobStartedAt ? { jobStartedAt: this.options.jobStartedAt } : {}),
      }),
      config,
    };
    const pipeline = new FramePipeline({
      spoolPath: spoolPath(claimed.runDir, job.rank, this.senderId),
      source: { job: job.jobKey, rank: job.rank, worldSize: job.worldSize, sender: this.senderId, runDir: claimed.runDir },
      log,
    });
    this.pipeline = pipeline;
    this.claimed = claimed;
    leaveJobPointer(job, claimed.runDir);
    this.batcher.start({ saveAfterNLogs: config.saveAfterNLogs });
    // The batcher seals the run config ahead of any point: a replay knows the CSV separator before it needs it.
    this.submit(config);
    for (const record of this.early.splice(0)) this.batcher.add(record);
    const { placement, transport, rankTimeoutMs } = this.options;
    resolveAggregatorLink({ job, placement, transport, rankTimeoutMs, log, runDir: claimed.runDir, cancelled: () => this.closed }).then(
      (link) => {
        // An aggregator started while the rank was already ending would outlive it.
        if (this.closed) return void link.hosted?.shutdown();
        if (link.hosted !== null) this.hosted = link.hosted;
        pipeline.connect(this.options.route?.(link) ?? link);
      },
      (error: unknown) => log(`cannot reach the aggregator: ${(error as Error).message}; records stay in ${pipeline.spoolPath}`),
    );
    return claimed;
  }

  private count(record: EnvelopeRecord): void {
    const n = record.kind === 'metrics' ? record.series.reduce((sum, s) => sum + s.values.length, 0) : 1;
    this.counts[record.kind] = (this.counts[record.kind] ?? 0) + n;
  }

  private async stop(end: RunEndDetails): Promise<ShutdownReport> {
    // A program that never called startRun is still recorded, as the options describe it.
    if (!this.claimed) {
      try {
        await this.configureFromOptions(true);
      } catch (error) {
        // No run directory, so no spool: there is nowhere to keep this rank's records.
        this.options.log(`${(error as Error).message}; this rank's provenance is not recorded`);
        this.closed = true;
        return { runDir: undefined, spoolPath: undefined, delivered: false, finalized: false, hosted: false, spoolFailure: undefined, droppedFrames: 0 };
      }
    }
    const pipeline = this.pipeline!;
    // Samplers that never started (the program ended first) give nothing; requests waiting for them end.
    this.samples.attach(null);
    await this.samplesTaken();
    this.batcher.flush();
    this.submit({ kind: 'run_end', time: Date.now(), ...end, counts: { ...this.counts } });
    this.batcher.flush();
    this.batcher.stop();
    await pipeline.persisted();
    // Acks can come only once the link is resolved; the wait for them includes the wait for the link.
    const delivered = await pipeline.delivered(this.options.shutdownAckTimeoutMs ?? SHUTDOWN_ACK_TIMEOUT_MS);
    let finalized = false;
    if (this.hosted) {
      // Its own frames unconfirmed (say, a full disk under the received log), the job cannot be finalised
      // here: waiting for it would hold the rank for minutes, while merge rebuilds it from the spools.
      finalized = delivered && (await settlesWithin(this.hosted.finalized, this.options.finalizeTimeoutMs ?? this.options.rankTimeoutMs + FINALIZE_WAIT_MS));
      await this.hosted.shutdown();
      removeJobPointer(this.options.job.jobKey);
    }
    this.closed = true;
    await pipeline.close();
    return {
      runDir: this.claimed?.runDir,
      spoolPath: pipeline.spoolPath,
      delivered,
      finalized,
      hosted: this.hosted !== undefined,
      spoolFailure: pipeline.spoolFailure(),
      droppedFrames: pipeline.droppedFrames,
      aggregatorReached: pipeline.aggregatorReached,
    };
  }
}

/** True when `promise` resolves within `ms`; false when it rejects or the time runs out. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true, () => false), late]).finally(() => clearTimeout(timer));
}

/** A copy of a batch whose columns may be views into buffers that are about to be reused. */
function ownedColumns(batch: MetricSeriesBatch): MetricSeriesBatch {
  return { ...batch, steps: batch.steps.slice(), values: batch.values.slice(), timestamps: batch.timestamps.slice() };
}
