/**
 * Bounds on what travels between an agent and the aggregator. The aggregator listens on a network
 * port, so every length a message claims is checked against one of these before anything is allocated.
 */

/**
 * Largest encoded envelope (one ZeroMQ message, one spool or received-log frame). A metric batch of
 * 500k points is 12 MB; agents split bigger batches, and ZeroMQ's maxMessageSize is set to this.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Bytes in front of each frame on disk: the payload's length as a little-endian u32, then its bitwise
 * complement, which tells a real header from zeros or garbage left by a crash.
 */
export const FRAME_HEADER_BYTES = 8;

/**
 * Frames on disk start at multiples of this (the payload is followed by zero padding). msgpackr starts
 * each encoding 8-byte aligned, so a payload copied into the spool's shared ring keeps its alignment:
 * V8 copies between a SharedArrayBuffer and an ordinary buffer byte by byte, about 7x slower, when
 * their offsets differ modulo 8.
 */
export const FRAME_ALIGNMENT = 8;

/** Deepest nesting of maps and arrays in an envelope; ours need 6 (envelope › records › record › series › batch › array). */
export const MAX_NESTING_DEPTH = 12;

/**
 * Most msgpack items (map entries count twice) in one envelope. Metric values travel as typed arrays
 * (one item each), so only records that are not metrics count; this bounds the objects a decode creates.
 */
export const MAX_MSGPACK_ITEMS = 1_000_000;

/** Longest string (UTF-8 bytes) anywhere in an envelope: argv entries and environment values are the long ones. */
export const MAX_STRING_BYTES = 64 * 1024;

/** Most records in one envelope; agents seal an envelope before this. */
export const MAX_RECORDS_PER_ENVELOPE = 10_000;

/** Most metric series in one metrics record. */
export const MAX_SERIES_PER_RECORD = 10_000;

/**
 * Longest metric, parameter, artifact or dataset name (UTF-16 units). Longer names than a file system
 * allows are still accepted: the aggregator shortens them safely in file names.
 */
export const MAX_NAME_LENGTH = 16 * 1024;

/** Longest job key. */
export const MAX_JOB_KEY_LENGTH = 256;

/** Longest path (run directory, artifact paths). */
export const MAX_PATH_LENGTH = 4096;

/** Most entries in a string map (environment, dataset statistics, run-end counts). */
export const MAX_MAP_ENTRIES = 4096;

/** Most argv entries of a run start. */
export const MAX_ARGV_ENTRIES = 4096;

/** Largest world size the wire accepts. */
export const MAX_WORLD_SIZE = 1 << 20;

/**
 * A sender id: also the ZeroMQ subscription topic of its acks and part of its spool's file name,
 * hence the restricted alphabet.
 */
export const SENDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** GPUs, network interfaces and addresses per interface a node record may list. */
export const MAX_NODE_GPUS = 256;
export const MAX_NODE_INTERFACES = 1024;
export const MAX_NODE_ADDRESSES = 256;

/** How often the aggregator publishes its beacon (records.ts `Beacon`) to every sender. */
export const BEACON_INTERVAL_MS = 1_000;
