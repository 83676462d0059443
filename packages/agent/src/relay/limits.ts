/** The named bounds of the per-node relay (docs/SCALING.md "Past one aggregator" 1). */

/**
 * A rank routed through its node's relay falls back to the aggregator directly when the relay's socket
 * has been unreachable this long (never bound, or gone: a SIGKILLed wrapper) while frames wait for
 * their acks. Twice RESEND_AFTER_MS: a relay that starts a moment after its ranks is not given up on.
 */
export const RELAY_UNREACHABLE_MS = 6_000;

/**
 * … or when the relay is connected but no ack has come back through it for this long while frames
 * wait (its upstream is broken). Long, so that an aggregator that starts late does not send every rank
 * of the job past its relay at once.
 */
export const RELAY_SILENT_MS = 30_000;

/** Ranks of one node that may be connecting to the relay at once (the listen backlog; ZeroMQ's default is 100). */
export const RELAY_BACKLOG = 4_096;

/** Frames the relay takes from its ranks' queue and forwards as one multipart message, at most. */
export const RELAY_BATCH_FRAMES = 64;

/** Deadline of one forward to the aggregator; past it the relay tries the same message again. */
export const RELAY_SEND_DEADLINE_MS = 2_000;

/**
 * How long the relay outlives its own rank's end while the node's other ranks are still connected
 * (they end later); past it they fall back to the aggregator directly.
 */
export const RELAY_DRAIN_TIMEOUT_MS = 120_000;
