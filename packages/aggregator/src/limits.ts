/**
 * Named bounds of every buffer the aggregator keeps. The aggregator listens on a network port, so each
 * of them also caps what a misbehaving or hostile sender can make it hold.
 */
import { MAX_FRAME_BYTES } from '@prov4ml/prov-core';

/**
 * ZeroMQ's maxMessageSize on the PULL socket. A little above the frame limit, so a frame slightly too big
 * still arrives and is counted as 'oversized'; anything bigger makes ZeroMQ drop the connection before
 * the message is buffered (the sender reconnects; that case cannot be counted).
 */
export const MAX_ZMQ_MESSAGE_BYTES = MAX_FRAME_BYTES + 1024 * 1024;

/**
 * Messages ZeroMQ queues per connected sender before it stops reading from that sender's socket
 * (back-pressure through TCP instead of memory): at most this × MAX_ZMQ_MESSAGE_BYTES per sender,
 * while a sender's frames are 6 MB at most (the agent's 262144 points per envelope).
 */
export const RECEIVE_HIGH_WATER_MARK = 8;

/**
 * Acks queued for one subscriber before the PUB socket drops them. A node's relay is one subscriber
 * carrying the acks of all its ranks, which come in bursts of one per rank (ZeroMQ's default, 1,000,
 * dropped most of 1,024 ranks' acks, each costing a resend); an ack is ~60 bytes.
 */
export const ACK_SEND_HIGH_WATER_MARK = 65_536;

/** Accepted frames held in memory before the receive loop waits for them to reach the received log. */
export const MAX_PENDING_LOG_BYTES = 32 * 1024 * 1024;

/** Bytes of out-of-order frames held, all ranks together, until the gaps before them fill; beyond, they are dropped and resent. */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;

/** How far past the next expected sequence number a frame may be held. */
export const MAX_SEQ_AHEAD = 4_096;

/** Received-log files kept open at once (a 1024-rank job must not exhaust file descriptors). */
export const MAX_OPEN_LOG_FILES = 128;

/** Bytes read at a time when a received log or spool is streamed back. */
export const LOG_READ_CHUNK_BYTES = 8 * 1024 * 1024;

/** Distinct parameters, series, artifacts, datasets and final metrics kept per rank. */
export const MAX_SUMMARY_ENTRIES_PER_RANK = 100_000;

/** Points of one series gathered before they are formatted and written as one CSV chunk. */
export const CSV_CHUNK_POINTS = 65_536;

/**
 * Points handed to the CSV formatters and not yet written; the reader waits beyond it. Four chunks keep
 * two formatters busy; each point in flight holds its columns and then its text (about 60 bytes).
 */
export const MAX_CSV_POINTS_IN_FLIGHT = 4 * CSV_CHUNK_POINTS;

/** Points per chunk of the binary metric files: a netCDF write, and the chunk length of a Zarr array (512 KiB of doubles). */
export const BINARY_CHUNK_POINTS = 65_536;

/** Zarr chunks being compressed (on libuv's thread pool) before the reader waits. */
export const MAX_ZARR_CHUNKS_IN_FLIGHT = 8;

/** How often the completion of the job is checked while nothing arrives. */
export const COMPLETION_CHECK_INTERVAL_MS = 1_000;

/** Default rankTimeoutMs: a rank silent this long no longer holds up finalisation. */
export const DEFAULT_RANK_TIMEOUT_MS = 60_000;

/** Descriptors one rank (or one relay) takes at the aggregator: its PUSH → PULL and SUB → PUB connections. */
export const DESCRIPTORS_PER_CONNECTION = 2;

/**
 * Descriptors kept for everything but rank connections: MAX_OPEN_LOG_FILES received logs, the files
 * being finalised, the process's own (~32 idle: stdio, epoll, eventfds, ZeroMQ's and the CSV workers'
 * threads). docs/SCALING.md "Order of work" 1.
 */
export const RESERVED_DESCRIPTORS = 256;

/**
 * A receive that took this long found ZeroMQ's queue empty (a queued message is taken within
 * microseconds): the moment the beacon reports as "nothing queued" when it falls between beacons.
 */
export const INPUT_WAIT_MS = 1;
