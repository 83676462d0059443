/**
 * Named bounds of the samplers: how long a probe may take and how much of its output is kept.
 * A sampler never grows a buffer past these; what does not fit is an error for that sample, not a crash.
 */

/** Seconds between periodic samples when neither `--metrics-interval` nor PROV4ML_METRICS_INTERVAL says. */
export const DEFAULT_METRICS_INTERVAL_S = 10;

/** `nvidia-smi` / `rocm-smi` are killed after this long; that sample then has no GPU values. */
export const GPU_TOOL_TIMEOUT_MS = 5_000;

/** Output kept from one `nvidia-smi` / `rocm-smi` run; past it the tool is killed. A node with 16 GPUs prints ~2 KiB. */
export const GPU_TOOL_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Bytes of a GPU tool's stderr kept for the one-line error message. */
export const GPU_TOOL_STDERR_KEPT_BYTES = 4 * 1024;

/**
 * Bytes read from `/proc/stat`. Only its first line (the `cpu` totals, < 200 bytes) is used; the file can
 * be hundreds of KiB on a large node because of its `intr` line, which is never read.
 */
export const PROC_STAT_READ_BYTES = 4 * 1024;

/** Bytes read from `/proc/meminfo` (about 1.5 KiB on current kernels). */
export const PROC_MEMINFO_READ_BYTES = 16 * 1024;

/** Bytes read from one `/proc/<pid>/stat` (about 300 bytes; the command name is at most 64). */
export const PROC_PID_STAT_READ_BYTES = 1024;

/** Bytes read from `/proc/cpuinfo` once at start (about 1.5 KiB per hardware thread). */
export const PROC_CPUINFO_READ_BYTES = 4 * 1024 * 1024;

/** Bytes read from a sysfs attribute such as RAPL's `energy_uj` or `name`. */
export const SYSFS_ATTRIBUTE_READ_BYTES = 256;

/**
 * Processes of the observed tree that are tracked at once. A tree larger than this (a fork bomb, or a
 * data loader with thousands of workers) is measured on its first PROCESS_TREE_MAX_PROCESSES members.
 */
export const PROCESS_TREE_MAX_PROCESSES = 4_096;

/**
 * How long a rank's end waits for its node's facts (systeminformation and nvidia-smi take ~1 s on a
 * loaded node, see docs/ARCHITECTURE.md); past it the node is recorded by name only.
 */
export const NODE_FACTS_TIMEOUT_MS = 10_000;
