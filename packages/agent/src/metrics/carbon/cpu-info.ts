/** What /proc/cpuinfo says about the node's CPUs. */
export interface CpuInfo {
  /** The first `model name` (x86); null where the kernel prints none (most arm64 kernels). */
  modelName: string | null;
  /** Distinct `physical id` values; 1 when the kernel prints none (VMs, arm64). */
  sockets: number;
  /** `processor` entries: hardware threads online. */
  threads: number;
}

export function parseCpuinfo(text: string): CpuInfo {
  let modelName: string | null = null;
  const physicalIds = new Set<string>();
  let threads = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') threads += 1;
    else if (key === 'physical id') physicalIds.add(value);
    else if (key === 'model name' && modelName === null && value !== '') modelName = value;
  }
  return { modelName, sockets: Math.max(1, physicalIds.size), threads: Math.max(1, threads) };
}
