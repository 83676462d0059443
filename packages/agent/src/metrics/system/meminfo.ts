/** Node memory from /proc/meminfo, in bytes. */
export interface MemoryInfo {
  totalBytes: number;
  /** MemAvailable: what can be given to programs without swapping (also Node's os.freemem()). */
  availableBytes: number;
}

export function parseMeminfo(text: string): MemoryInfo {
  const kibibytes = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (match === null) throw new Error(`/proc/meminfo has no ${key} line`);
    return Number(match[1]) * 1024;
  };
  return { totalBytes: kibibytes('MemTotal'), availableBytes: kibibytes('MemAvailable') };
}

/** psutil's `virtual_memory().percent`, which the original logs as memory_usage. */
export function memoryUsagePercent(memory: MemoryInfo): number {
  return memory.totalBytes === 0 ? 0 : ((memory.totalBytes - memory.availableBytes) / memory.totalBytes) * 100;
}
