// Over 300 lines: one class whose receive loop, group-commit writes, acks, background replay and
// finalisation share its state (the tracker, the pending frames, the run directory); split, they would pass it all around.
/**
 * The live aggregator: one receive loop on the PULL socket. Each frame is decoded and validated,
 * checked against the job and its rank's sequence, and appended to the rank's received log; a burst
 * of frames becomes one write per rank, then one cumulative ack per sender. The received logs are
 * replayed into CSVs and summaries as they grow; when every rank has ended (or fell silent), the job is
 * finalised from what is left of them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DROP_CAUSES,
  BEACON_INTERVAL_MS,
  decodeEnvelope,
  RECEIVED_LOG_DIR,
  rankOfReceivedLog,
  receivedLogPath,
  type CurveKeyPair,
  type DropCause,
} from '@prov4ml/prov-core';
import type { Pull } from 'zeromq';
import { finalizeJob, type FinalizeResult, type RankSources } from '../finalize/finalize.js';
import type { CrateWriter } from '../finalize/crate-writer.js';
import { CsvFormatPool } from '../metric-files/format-pool.js';
import { MetricFiles } from '../metric-files/metric-files.js';
import { readFrameFile } from './frame-file.js';
import { JobReplay } from '../finalize/job-replay.js';
import { EarlyRankDocuments } from '../finalize/early-documents.js';
import { JobTracker, type AcceptedFrame } from './job-tracker.js';
import { AckPublisher } from './ack-publisher.js';
import { COMPLETION_CHECK_INTERVAL_MS, DEFAULT_RANK_TIMEOUT_MS, INPUT_WAIT_MS, MAX_PENDING_LOG_BYTES } from '../limits.js';
import { cutReceivedLog, ReceivedLog } from './received-log.js';
import { bindSockets, type BoundSockets } from './sockets.js';
import { openFileLimitLine, readOpenFileLimit } from './descriptor-limit.js';

export interface AggregatorOptions {
  /** ZeroMQ endpoint of the PULL socket, e.g. 'tcp://127.0.0.1:0' (0 or *: ephemeral) or 'tcp://0.0.0.0:41000'. Acks use port + 1. */
  bind: string;
  /** Ranks of the job; else the first valid envelope's. */
  worldSize?: number;
  /** The job to accept; else the first valid envelope's. Frames of other jobs are dropped ('wrong_job'). */
  jobKey?: string;
  /** Where to write; else the run directory the first valid envelope names. */
  runDir?: string;
  /** Finalise without a rank that has been silent this long (default 60 s); its document says unfinished. */
  rankTimeoutMs?: number;
  /** Also write the unified document (the collection with one bundle per rank). */
  unified?: boolean;
  /** Writes the RO-Crate and the run's zip at finalisation when a rank asked (see FinalizeInput.crateWriter). */
  crateWriter?: CrateWriter;
  /** The job's CURVE server key pair; required off loopback unless `insecure` (README "Security / threat model"). */
  curve?: CurveKeyPair;
  /** Plain transport even off loopback (PROV4ML_INSECURE). */
  insecure?: boolean;
  log?: (line: string) => void;
}

export interface Aggregator {
  /** The PULL endpoint actually bound, connectable: tcp://host:port. */
  readonly endpoint: string;
  /** Resolves once the job's files are written; rejects if writing them failed. */
  readonly finalized: Promise<FinalizeResult>;
  /** Frames dropped so far, per cause. */
  dropCounts(): Record<DropCause, number>;
  /** Peers refused at the security handshake so far: they had no or a wrong server key, and sent nothing. */
  refusedHandshakes(): number;
  /** Stops receiving, writes what was accepted, waits for a finalisation under way. Idempotent. */
  shutdown(): Promise<void>;
}

export async function startAggregator(options: AggregatorOptions): Promise<Aggregator> {
  const log = options.log ?? (() => undefined);
  const sockets = await bindSockets({ bind: options.bind, curve: options.curve, insecure: options.insecure, log });
  log(openFileLimitLine(readOpenFileLimit(), options.worldSize));
  const aggregator = new LiveAggregator(options, sockets);
  try {
    if (options.runDir !== undefined) await aggregator.openRunDir(options.runDir);
  } catch (error) {
    await aggregator.shutdown();
    throw error;
  }
  aggregator.start();
  return aggregator;
}

class LiveAggregator implements Aggregator {
  readonly endpoint: string;
  readonly finalized: Promise<FinalizeResult>;
  readonly #options: AggregatorOptions;
  readonly #log: (line: string) => void;
  readonly #pull: Pull;
  readonly #acks: AckPublisher;
  readonly #sockets: BoundSockets;
  readonly #tracker: JobTracker;
  readonly #drops = Object.fromEntries(DROP_CAUSES.map((cause) => [cause, 0])) as Record<DropCause, number>;
  #runDir: string | null = null;
  #receivedLog: ReceivedLog | null = null;
  #pending = new Map<number, AcceptedFrame[]>();
  #pendingBytes = 0;
  #ackDue = new Set<number>();
  /** Ranks whose received log grew since the background replay last read it (16,384 ranks: no scan of all). */
  #replayDue = new Set<number>();
  #flushScheduled = false;
  /** The write loop while it runs. */
  #writing: Promise<void> | null = null;
  #writeFailed = false;
  #receiving: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #beaconTimer: NodeJS.Timeout | undefined;
  /** When nothing was last queued here (every frame that had arrived written and acked): the beacons' measure. */
  #drainedAt = Date.now();
  /** The receive loop waits for ZeroMQ: nothing is queued there. */
  #awaitingInput = false;
  /** When the receive loop last found ZeroMQ's queue empty. */
  #inputEmptyAt = 0;
  #finalizing: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  /** Started with the job's first frame, so finalising does not wait for threads to start. */
  #formatPool: CsvFormatPool | null = null;
  /** The job's frames replayed so far. */
  #replay: JobReplay | null = null;
  #early: EarlyRankDocuments | null = null;
  /** Per received log adopted from an earlier aggregator: where this one's own (validated) frames start. */
  readonly #adoptedBytes = new Map<string, number>();
  /** Places (log:offset) where the live replay stopped, each said once. */
  readonly #liveStops = new Set<string>();
  /** The replay of what the received logs gained, while it runs. */
  #replayingBehind: Promise<void> | null = null;
  #lastReplayProblem: string | null = null;
  #resolveFinalized!: (result: FinalizeResult) => void;
  #rejectFinalized!: (error: unknown) => void;

  constructor(options: AggregatorOptions, sockets: BoundSockets) {
    this.#options = options;
    this.#log = options.log ?? (() => undefined);
    this.#sockets = sockets;
    this.#pull = sockets.pull;
    this.#acks = new AckPublisher(sockets.acks);
    this.endpoint = sockets.endpoint;
    this.#tracker = new JobTracker({ jobKey: options.jobKey, worldSize: options.worldSize });
    this.finalized = new Promise((resolve, reject) => {
      this.#resolveFinalized = resolve;
      this.#rejectFinalized = reject;
    });
    // A failure is reported to whoever awaits `finalized`; nobody awaiting it must not crash the process.
    this.finalized.catch(() => undefined);
  }

  start(): void {
    this.#receiving = this.#receiveLoop();
    this.#timer = setInterval(() => this.#checkCompletion(), COMPLETION_CHECK_INTERVAL_MS);
    this.#beaconTimer = setInterval(() => this.#acks.beacon(() => this.#behindMs()), BEACON_INTERVAL_MS);
  }

  dropCounts(): Record<DropCause, number> {
    return { ...this.#drops };
  }

  refusedHandshakes(): number {
    return this.#sockets.refusedHandshakes();
  }

  shutdown(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Adopts the run directory and replays its received logs (after a crash) before anything is acked. */
  async openRunDir(runDir: string): Promise<void> {
    this.#runDir = runDir;
    this.#receivedLog = ReceivedLog.create(runDir);
    const names = await readdir(join(runDir, RECEIVED_LOG_DIR));
    let replayed = 0;
    for (const name of names) {
      const rank = rankOfReceivedLog(name);
      if (rank === null) continue;
      const now = Date.now();
      const end = await readFrameFile(receivedLogPath(runDir, rank), (frames) => {
        for (const frame of frames) {
          const decoded = decodeEnvelope(frame);
          if (decoded.ok && this.#tracker.replay(decoded.envelope, now)) replayed++;
        }
      });
      if (end.problem !== null) {
        this.#log(`received log of rank ${rank}: ${end.problem} tail after byte ${end.validBytes} cut off (the agents resend it)`);
        cutReceivedLog(runDir, rank, end.validBytes);
      }
      this.#receivedLog.adopt(rank, end.validBytes);
      this.#replayDue.add(rank);
      this.#adoptedBytes.set(receivedLogPath(runDir, rank), end.validBytes);
    }
    if (replayed > 0) {
      this.#log(`replayed ${replayed} frames from ${join(runDir, RECEIVED_LOG_DIR)}`);
      for (const [rank] of this.#tracker.senders()) this.#ackDue.add(rank);
      this.#scheduleFlush();
    }
  }

  /**
   * The run directory a rank names, adopted only if it already exists: the agents create it before
   * they send, so a directory that is not there is a sender's mistake (or not yet visible on a shared
   * file system — the frame is resent). Returns why it cannot be used, or null.
   */
  async #adoptRunDirOf(runDir: string): Promise<string | null> {
    try {
      if (!(await stat(runDir)).isDirectory()) return `run directory ${runDir} is not a directory`;
      await this.openRunDir(runDir);
      return null;
    } catch (error) {
      this.#runDir = null;
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? `run directory ${runDir} does not exist (yet)` : (error as Error).message;
    }
  }

  async #receiveLoop(): Promise<void> {
    try {
      // A rank sends one frame a message; a node's relay forwards several of its ranks' frames as the parts of one.
      for (;;) {
        this.#awaitingInput = true;
        const askedAt = Date.now();
        const askedAtMonotonic = performance.now();
        const parts = await this.#pull.receive();
        this.#awaitingInput = false;
        // A queued message is taken at once; a wait means ZeroMQ had none (the beacons' measure). The wait
        // is timed on the monotonic clock: Date.now's whole milliseconds would see one in every ms crossed.
        if (performance.now() - askedAtMonotonic >= INPUT_WAIT_MS) this.#inputEmptyAt = askedAt;
        for (const part of parts) {
          try {
            await this.#ingest(part);
          } catch (error) {
            // A bug in handling one frame must not stop the aggregator; the frame is not acked and is resent.
            this.#log(`cannot handle a frame: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          }
        }
      }
    } catch (error) {
      if (this.#stopping === null) this.#log(`receive loop stopped: ${(error as Error).message}`);
    }
  }

  async #ingest(payload: Uint8Array): Promise<void> {
    const decoded = decodeEnvelope(payload);
    if (!decoded.ok) return this.#drop(decoded.cause, decoded.detail);
    const envelope = decoded.envelope;
    if (this.#runDir === null) {
      const problem = await this.#adoptRunDirOf(envelope.runDir);
      if (problem !== null) return this.#drop('run_dir_unusable', problem);
    }
    if (this.#formatPool === null) {
      this.#formatPool = new CsvFormatPool();
      this.#formatPool.warmUp();
    }
    const offer = this.#tracker.offer(envelope, payload, Date.now());
    if (!offer.accepted) {
      this.#drop(offer.cause, offer.detail);
      // A resent frame means its ack was lost or late: ack again.
      if (offer.cause === 'duplicate') this.#ackDue.add(envelope.rank);
    } else {
      for (const frame of offer.frames) {
        let frames = this.#pending.get(frame.rank);
        if (frames === undefined) this.#pending.set(frame.rank, (frames = []));
        frames.push(frame);
        this.#pendingBytes += frame.payload.length;
      }
      this.#ackDue.add(envelope.rank);
    }
    this.#scheduleFlush();
    if (this.#pendingBytes > MAX_PENDING_LOG_BYTES) await this.#flush();
  }

  /** Flushes once the receive loop has drained what ZeroMQ had queued. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => void this.#flush());
  }

  /** Resolves when everything accepted so far is on disk and acked. */
  #flush(): Promise<void> {
    this.#flushScheduled = false;
    this.#writing ??= this.#writeLoop().finally(() => (this.#writing = null));
    return this.#writing;
  }

  /**
   * Writes and acks until nothing is pending. Frames that arrive during a write go into the next one
   * (group commit): under load a write carries many frames, and the receive loop goes on decoding
   * while the disk works.
   */
  async #writeLoop(): Promise<void> {
    while (this.#pending.size > 0 || this.#ackDue.size > 0) {
      const batch = this.#pending;
      const ranks = this.#ackDue;
      this.#pending = new Map();
      this.#pendingBytes = 0;
      this.#ackDue = new Set();
      if (batch.size > 0) await this.#append(batch);
      for (const rank of ranks) this.#ack(rank);
      this.#replayBehind();
      this.#checkCompletion();
    }
  }

  async #append(batch: Map<number, AcceptedFrame[]>): Promise<void> {
    const payloads = new Map([...batch].map(([rank, frames]) => [rank, frames.map((frame) => frame.payload)]));
    const failures = await this.#receivedLog!.append(payloads);
    for (const [rank, frames] of batch) {
      if (failures.has(rank)) {
        this.#tracker.rollBack(rank);
        this.#dropPending(rank);
      } else {
        this.#tracker.markDurable(rank, frames.at(-1)!.seq);
        this.#replayDue.add(rank);
      }
    }
    // Nothing that failed is acked; the agents keep it in their spools and resend it.
    const [failure] = failures.values();
    if (failure !== undefined && !this.#writeFailed) this.#log(`${failure.message}; frames stay in the agents' spools and are resent`);
    this.#writeFailed = failure !== undefined;
  }

  /**
   * Forgets a rank's frames that arrived during its failed append: they follow the frames that did not
   * reach the log, so writing them would leave a gap there, and the ack after them would cover the
   * missing frames (never resent). Unacked, they are resent with the failed ones, in order. Dropping
   * them, rather than stopping acks at a gap, keeps the log itself the gap-free prefix 1..n that acks,
   * replay and merge rely on.
   */
  #dropPending(rank: number): void {
    const frames = this.#pending.get(rank);
    if (frames === undefined) return;
    this.#pending.delete(rank);
    for (const frame of frames) this.#pendingBytes -= frame.payload.length;
  }

  /**
   * Nothing queued: the receive loop waits for ZeroMQ, and every frame taken is written and acked. (Not
   * the socket's `readable`: reading it outside the receive loop takes ZeroMQ's edge-triggered wake-up
   * away from that loop, which then stalls.)
   */
  #drained(): boolean {
    return this.#awaitingInput && this.#writtenAndAcked();
  }

  #writtenAndAcked(): boolean {
    return this.#pending.size === 0 && this.#ackDue.size === 0 && this.#writing === null && this.#acks.unsent === 0;
  }

  /**
   * The beacon's `behindMs` at the moment it is sent: how long ago nothing was last queued here
   * (records.ts `Beacon`). Under a burst of thousands of ranks acks come late for everyone, and senders
   * that resent on their own clock alone sent a copy of every frame again and again (16k bench: 4 to 7).
   */
  #behindMs(): number {
    const now = Date.now();
    if (this.#drained()) this.#drainedAt = now;
    // Between beacons the loop may have found the queue empty and written everything since: drained then.
    else if (this.#writtenAndAcked() && this.#inputEmptyAt > this.#drainedAt) this.#drainedAt = this.#inputEmptyAt;
    return now - this.#drainedAt;
  }

  #ack(rank: number): void {
    const sender = this.#tracker.senderOf(rank);
    const upTo = this.#tracker.durableUpTo(rank);
    if (sender !== null && upTo > 0) this.#acks.ack(sender, upTo);
  }

  #drop(cause: DropCause, detail: string): void {
    if (this.#drops[cause]++ === 0) this.#log(`dropped a frame (${cause}): ${detail}; further '${cause}' drops are only counted`);
  }

  /**
   * Replays what the received logs gained since the last replay, in the background: the CSVs and
   * summaries grow during the run, and finalising has only the tail left. The replay reads the logs,
   * never the receive loop's frames, so a replay that lags behind (formatting is slower than ingest) holds nothing
   * in memory and never slows ingest down.
   */
  #replayBehind(): void {
    if (this.#replayingBehind !== null || this.#finalizing !== null || this.#stopping !== null) return;
    const jobKey = this.#tracker.jobKey;
    if (jobKey === null || this.#runDir === null) return;
    // Every frame this aggregator appended passed its decode and validation on arrival: the replay reads
    // them back without doing it again (merge, reading the same files, validates them all).
    this.#replay ??= new JobReplay(jobKey, new MetricFiles(this.#runDir, this.#formatPool ?? undefined), {
      validatedFrom: (path) => this.#adoptedBytes.get(path) ?? 0,
      onLiveStop: (path, offset, reason) => this.#liveStop(path, offset, reason),
    });
    this.#early ??= new EarlyRankDocuments({ runDir: this.#runDir, jobKey, worldSize: this.#tracker.worldSize! });
    this.#replayingBehind = this.#replayLogs(this.#replay, this.#early)
      .catch((error) => {
        // Retried behind every write: said once per cause (out of descriptors, it would repeat each time).
        const line = `replaying the received logs: ${(error as Error).message}`;
        if (line !== this.#lastReplayProblem) this.#log(line);
        this.#lastReplayProblem = line;
      })
      .finally(() => (this.#replayingBehind = null));
  }

  async #replayLogs(replay: JobReplay, early: EarlyRankDocuments): Promise<void> {
    const runDir = this.#runDir!;
    while (this.#replayDue.size > 0 && this.#finalizing === null && this.#stopping === null) {
      const ranks = this.#replayDue;
      this.#replayDue = new Set();
      for (const rank of ranks) {
        // Finalising replays the rest itself: it waits for this replay only to its next file.
        if (this.#finalizing !== null || this.#stopping !== null) return;
        const sender = this.#tracker.senderOf(rank);
        const path = receivedLogPath(runDir, rank);
        const from = replay.replayedUpTo(path);
        const to = this.#receivedLog!.durableBytes(rank);
        if (sender === null || to <= from) continue;
        replay.expectSender(rank, sender);
        await replay.replayLive(rank, path, to);
        await early.offer(replay, rank);
        // A replay that stopped short but moved on goes on; one that waits at a frame is read again when its log grows.
        const reached = replay.replayedUpTo(path);
        if (reached > from && reached < to) this.#replayDue.add(rank);
      }
    }
  }

  /** Says once per place that the live replay waits there (its frame is read again later). */
  #liveStop(path: string, offset: number, reason: string): void {
    const place = `${path}:${offset}`;
    if (this.#liveStops.has(place)) return;
    this.#liveStops.add(place);
    this.#log(`live replay of ${path} waits at byte ${offset} (${reason}); it reads the frame there again later`);
  }

  #checkCompletion(): void {
    if (this.#finalizing !== null || this.#stopping !== null) return;
    if (!this.#tracker.isFinished(Date.now(), this.#options.rankTimeoutMs ?? DEFAULT_RANK_TIMEOUT_MS)) return;
    this.#finalizing = this.#finalize();
  }

  async #finalize(): Promise<void> {
    // Every frame before each complete rank's run end is on disk (that is what complete means);
    // frames still being written belong to ranks that are not waited for.
    const runDir = this.#runDir!;
    const worldSize = this.#tracker.worldSize!;
    // The background replay stops at its next file; finalising replays the rest of each log from there.
    await this.#replayingBehind;
    const sources = new Map<number, RankSources>();
    for (const [rank, sender] of this.#tracker.senders()) {
      sources.set(rank, { files: [receivedLogPath(runDir, rank)], sender });
    }
    try {
      const result = await finalizeJob({
        runDir,
        jobKey: this.#tracker.jobKey!,
        worldSize,
        sources,
        unified: this.#options.unified,
        crateWriter: this.#options.crateWriter,
        formatPool: this.#formatPool ?? undefined,
        ...(this.#replay === null ? {} : { replay: this.#replay }),
        ...(this.#early === null ? {} : { early: this.#early }),
        log: this.#log,
      });
      const unfinished = result.ranks.filter((rank) => !rank.finished).map((rank) => rank.rank);
      this.#log(`finalised ${runDir}: ${result.files.length} files${unfinished.length > 0 ? `; unfinished ranks: ${unfinished.join(', ')}` : ''}`);
      this.#resolveFinalized(result);
    } catch (error) {
      this.#log(`finalisation failed: ${(error as Error).message}`);
      this.#rejectFinalized(error);
    } finally {
      // Its threads are not needed any more; the (closed) pool stays so that no new one is started.
      await this.#formatPool?.close();
    }
  }

  async #stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#beaconTimer);
    this.#pull.close();
    await this.#receiving;
    await this.#flush();
    await this.#finalizing;
    await this.#replayingBehind;
    await this.#acks.close();
    this.#receivedLog?.close();
    await this.#formatPool?.close();
    this.#rejectFinalized(new Error('the aggregator was shut down before the job finished'));
  }
}
