/** The named bounds and defaults of `prov4ml watch`. */

/** Default time between two refreshes: the issue asks for ≤ 1 s. */
export const DEFAULT_REFRESH_MS = 1_000;

/** Rates (points/s, steps/s) are taken over this much of a rank's most recent timestamps. */
export const RATE_WINDOW_MS = 30_000;

/** A rank whose step rate is below the median by more than this fraction is a straggler (the default). */
export const DEFAULT_STRAGGLER_THRESHOLD = 0.2;

/**
 * A running rank is silent when no frame arrived for this many heartbeat intervals: an idle agent seals
 * an empty envelope every heartbeat, and one more interval covers its flush and send.
 */
export const SILENT_AFTER_HEARTBEATS = 2;

/** Without `--metric`, the first this many user metrics (in the order they first appear). */
export const DEFAULT_METRIC_COUNT = 3;

/** Buckets kept per sparkline; each holds the mean of a run of points (pairs merge when full). */
export const SPARK_BUCKETS = 64;

/** Widest sparkline drawn in a rank's row. */
export const MAX_SPARK_CHARS = 24;

/** Runs of a save directory listed for picking, newest first. */
export const MAX_LISTED_RUNS = 20;
