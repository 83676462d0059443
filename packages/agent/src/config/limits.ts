/**
 * Named bounds of every buffer the agent keeps. Each is a trade between memory, loss on a sudden death
 * and syscall rate; the values are documented here so that they are found in one place.
 */
import { BEACON_INTERVAL_MS } from '@prov4ml/prov-core';

/** Points sealed into one envelope at most (keeps a frame far below the aggregator's frame limit). */
export const MAX_POINTS_PER_ENVELOPE = 262_144;

/**
 * Non-metric records the agent seals into one envelope at most: far below what the wire accepts in one
 * (prov-core's MAX_RECORDS_PER_ENVELOPE), so a sealed envelope is never refused for its size.
 */
export const MAX_RECORDS_PER_SEAL = 1_024;

/**
 * Points pending (in the batch processor, and apart in the API's series table) before they are sealed
 * at once, even inside a tight loop that never yields.
 */
export const MAX_PENDING_POINTS = 65_536;

/**
 * Bytes of sealed frames the spool's writer thread may still have to put in the file. The logging
 * thread waits for the disk only when this much is queued; a SIGKILL can lose at most this much more.
 * At 8-9 bytes a point (column-codec.ts) this is about a million points, milliseconds of disk. A
 * multiple of 8, so that frames keep their alignment in it.
 */
export const SPOOL_RING_BYTES = 8 * 1024 * 1024;

/**
 * The sender's queue: bytes of spooled frames kept in memory until they are sent, also while the
 * aggregator's endpoint is not yet known (up to ENDPOINT_DISCOVERY_TIMEOUT_MS). Beyond it a queued frame
 * is only its sequence number, and it — like every resend — is re-read from the spool (from the page
 * cache, as a rule).
 */
export const MAX_UNSENT_BYTES_IN_MEMORY = 8 * 1024 * 1024;

/**
 * Bytes of frames the spool could not take (the disk refused it: ENOSPC) kept in memory until the
 * aggregator confirms them: they exist nowhere else. Records sealed past it are dropped before they are
 * numbered (the aggregator sees no gap), said once in the log and counted in the shutdown report.
 */
export const MAX_UNSPOOLED_BYTES_IN_MEMORY = 64 * 1024 * 1024;

/** Frames the sender hands to ZeroMQ at once before waiting for the socket to drain. */
export const SEND_WINDOW_FRAMES = 64;

/** Deadline of one ZeroMQ send; past it the frame stays queued and is retried. */
export const SEND_DEADLINE_MS = 2_000;

/** Without any ack progress for this long, every unacknowledged frame is sent again. */
export const RESEND_AFTER_MS = 3_000;

/**
 * Each resend without ack progress doubles the wait before the next, up to this: with thousands of
 * ranks an aggregator that acks late would otherwise get every unacknowledged frame again every
 * RESEND_AFTER_MS from every rank, and fall further behind decoding the copies (issue 14's 16k bench).
 * A connection made again (a restarted aggregator) starts over at RESEND_AFTER_MS.
 */
export const MAX_RESEND_AFTER_MS = 12_000;

/**
 * The aggregator's beacon (prov-core `Beacon`) says how long ago it last had nothing queued. A frame sent
 * before that moment by more than this (its way through the relay and the network) and still unacked
 * was lost, and is resent; a later one is queued there, and resending it would only queue a copy.
 */
export const BEACON_IN_FLIGHT_MS = 1_000;

/**
 * Without a beacon for this long (an older aggregator, a partition) resends follow the clock alone.
 * Fifteen beacons: on the 16k bench's two cores, relays and senders heard them 3-15 s late.
 */
export const BEACON_STALE_MS = 15 * BEACON_INTERVAL_MS;

/** However busy the beacons say the aggregator is, an unacked frame is resent after this long (a copy at worst). */
export const MAX_QUEUED_WAIT_MS = 60_000;

/** How often the batch processor seals what it has, even below saveAfterNLogs. */
export const FLUSH_INTERVAL_MS = 1_000;

/** An agent with nothing to say still sends an empty envelope this often, so the aggregator sees it alive. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** After the program ends, how long the agent waits for acks before it exits keeping its spool. */
export const SHUTDOWN_ACK_TIMEOUT_MS = 20_000;

/** How long the hosting rank waits for the job's files beyond the rank timeout, after its own end. */
export const FINALIZE_WAIT_MS = 120_000;

/** How long a rank waits for the hosted aggregator to publish its endpoint in the run directory. */
export const ENDPOINT_DISCOVERY_TIMEOUT_MS = 600_000;

/** Resolution of the shared clock the logging hot path reads instead of calling Date.now(). */
export const CLOCK_RESOLUTION_MS = 1;

/**
 * How long the wrapper waits for its program's start_run before it names the run from flags and
 * PROV4ML_* itself; until then its own observations are held in memory.
 */
export const START_RUN_GRACE_MS = 30_000;

/**
 * start_run is answered once the rank's samplers are up, so that a sample asked for right after it is
 * taken at its call, not when they come up. Past this a rank is answered anyway; its earlier requests
 * are then taken when the samplers are up.
 */
export const SAMPLERS_START_WAIT_MS = 5_000;

/**
 * How long a rank whose program never called start_run waits at its end for another rank of its job on
 * this host to name the job's run (rank/job-pointer.ts), before it names one from the options itself.
 * The hosting rank names it at the latest START_RUN_GRACE_MS after it started (or at its end, if
 * sooner), so waiting that long costs nothing: this rank's records would wait for the hosting rank's
 * aggregator as long. A rank 0 that starts its run late (data loading first) is still joined.
 */
export const JOB_POINTER_WAIT_MS = START_RUN_GRACE_MS + 10_000;
