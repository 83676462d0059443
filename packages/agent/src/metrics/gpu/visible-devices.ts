import type { GpuDeviceReading } from './device.js';

/**
 * Splits CUDA_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES into its entries. null when the variable is unset
 * (every GPU is visible); an empty value means no GPU at all, as it does for CUDA and ROCm.
 */
export function parseVisibleDevices(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  if (value.trim() === '') return [];
  return value.split(',').map((entry) => entry.trim());
}

/** Parent GPU of a MIG instance, from `nvidia-smi -L`. */
export interface MigParent {
  migUuid: string;
  gpuIndex: number;
  gpuUuid: string;
}

/**
 * The devices a rank may use, in the order it sees them, each physical GPU once.
 *
 * Follows CUDA's rules: an entry is an index, a unique prefix of a `GPU-…` UUID, or a MIG instance
 * (`MIG-<uuid>`, or the pre-R470 `MIG-GPU-<uuid>/<gi>/<ci>`), and the list ends at the first entry that
 * names no device (so `-1` hides every GPU). A MIG instance stands for its whole parent GPU, because
 * nvidia-smi reports power, temperature and memory per physical GPU.
 *
 * Indices are nvidia-smi's (PCI bus order). CUDA's own order is the same only with
 * CUDA_DEVICE_ORDER=PCI_BUS_ID or identical GPUs; UUIDs are exact either way.
 */
export function selectVisibleDevices<T extends GpuDeviceReading>(
  devices: readonly T[],
  entries: readonly string[] | null,
  migParents: readonly MigParent[] = [],
): T[] {
  if (entries === null) return [...devices];
  const selected: T[] = [];
  for (const entry of entries) {
    const device = findDevice(devices, entry, migParents);
    if (device === undefined) break;
    if (!selected.includes(device)) selected.push(device);
  }
  return selected;
}

/** True when some entry names a MIG instance, so `nvidia-smi -L` is needed to find its parent. */
export function namesMigInstance(entries: readonly string[] | null): boolean {
  return entries !== null && entries.some((entry) => entry.startsWith('MIG-') && !entry.startsWith('MIG-GPU-'));
}

function findDevice<T extends GpuDeviceReading>(devices: readonly T[], entry: string, migParents: readonly MigParent[]): T | undefined {
  if (entry === '') return undefined;
  if (/^\d+$/.test(entry)) return devices.find((device) => device.index === Number(entry));
  if (entry.startsWith('MIG-GPU-')) {
    const parentUuid = entry.slice('MIG-'.length).split('/')[0]!;
    return devices.find((device) => device.uuid === parentUuid);
  }
  if (entry.startsWith('MIG-')) {
    const parents = migParents.filter((parent) => parent.migUuid.startsWith(entry));
    if (parents.length !== 1) return undefined;
    return devices.find((device) => device.index === parents[0]!.gpuIndex);
  }
  const matches = devices.filter((device) => device.uuid !== null && device.uuid.startsWith(entry));
  return matches.length === 1 ? matches[0] : undefined;
}
