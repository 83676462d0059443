/**
 * Bounds of the local channel. The socket is private to the user (mode 0600), but a broken client
 * must still not be able to make the agent's memory grow without end.
 */
import { MAX_FRAME_BYTES } from '@prov4ml/prov-core';

/**
 * Largest JSON payload of one channel frame, the same as an envelope's: a records message becomes
 * at most one envelope's worth of records. The Python client splits its batches well below it
 * (65,536 points per series chunk ≈ 2.1 MB of base64).
 */
export const MAX_CHANNEL_FRAME_BYTES = MAX_FRAME_BYTES;

/**
 * Reply bytes the agent queues for one connection that does not read them; past it the connection is
 * closed. Replies are under 5 kB each, so only a client that never reads gets there.
 */
export const MAX_REPLY_BACKLOG_BYTES = 1024 * 1024;

/** Programs connected to one agent at once (a rank's process and its helpers, not thousands). */
export const MAX_CHANNEL_CONNECTIONS = 256;

/**
 * Bytes a Node client lets the kernel and Node queue towards the agent before `send` refuses; the
 * TS API bounds its own batches far below this, so reaching it means the agent stopped reading.
 */
export const MAX_CLIENT_BACKLOG_BYTES = 64 * 1024 * 1024;

/** Requests a Node client keeps waiting for a reply at once. */
export const MAX_PENDING_REQUESTS = 1024;

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes including the terminating NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;
