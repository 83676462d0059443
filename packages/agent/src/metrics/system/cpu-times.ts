/** Aggregate CPU time of the node since boot, in clock ticks (USER_HZ), from the `cpu` line of /proc/stat. */
export interface CpuTimes {
  /** Ticks spent doing work: user, nice, system, irq, softirq, steal (guest time is inside user). */
  busy: number;
  /** busy + idle + iowait. */
  total: number;
}

/** Reads the first line of /proc/stat: `cpu  user nice system idle iowait irq softirq steal guest guest_nice`. */
export function parseProcStatCpuLine(text: string): CpuTimes {
  const end = text.indexOf('\n');
  const line = end < 0 ? text : text.slice(0, end);
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 5) throw new Error(`/proc/stat does not start with a cpu line: '${line.slice(0, 120)}'`);
  const ticks = fields.slice(1, 9).map(Number);
  if (ticks.some((value) => !Number.isFinite(value))) throw new Error(`/proc/stat cpu line is not numeric: '${line.slice(0, 120)}'`);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Share of the node's CPU capacity that was busy between two readings, 0–1, as psutil computes
 * `cpu_percent` (iowait counts as idle). null when no tick passed, so nothing can be said.
 */
export function busyFraction(previous: CpuTimes, current: CpuTimes): number | null {
  const total = current.total - previous.total;
  if (total <= 0) return null;
  return Math.min(1, Math.max(0, (current.busy - previous.busy) / total));
}
