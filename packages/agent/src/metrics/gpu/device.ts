import { Unit, type MetricSample } from '../sample.js';

/** The tool a reading came from; also the samples' source. */
export type GpuTool = 'nvidia-smi' | 'rocm-smi';

/** One physical GPU as its vendor tool reported it; null where the tool said N/A or not supported. */
export interface GpuDeviceReading {
  /** The tool's index (nvidia-smi `index`, rocm-smi `cardN`). */
  index: number;
  /** `GPU-…` for NVIDIA, `GPU-<unique id>` for AMD; null when the tool has none. */
  uuid: string | null;
  name: string;
  utilizationPercent: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  temperatureC: number | null;
  powerW: number | null;
}

/**
 * The rank's GPU samples: `gpu_*` over all its devices — totals for power and memory used (only when
 * every device reports them, so a partial sum never passes for a total), means for usage and
 * temperature over the devices that report them, memory usage as Σused / Σtotal — and
 * `gpu<index>_<metric>` per device, whose source names the device's UUID.
 * No device, or no value for a metric, means no sample for it: never a made-up zero.
 */
export function gpuSamples(devices: readonly GpuDeviceReading[], tool: GpuTool): MetricSample[] {
  if (devices.length === 0) return [];
  const samples: MetricSample[] = [];
  const add = (name: string, value: number | null, unit: string, source: string) => {
    if (value !== null) samples.push({ name, value, unit, source });
  };
  add('gpu_usage', mean(devices.map((d) => d.utilizationPercent)), Unit.PERCENT, tool);
  add('gpu_memory_usage', memoryPercent(devices), Unit.PERCENT, tool);
  add('gpu_memory_used', totalOfAll(devices.map((d) => d.memoryUsedMiB)), Unit.MEBIBYTES, tool);
  add('gpu_temperature', mean(devices.map((d) => d.temperatureC)), Unit.CELSIUS, tool);
  add('gpu_power_usage', totalOfAll(devices.map((d) => d.powerW)), Unit.WATTS, tool);
  for (const device of devices) {
    const prefix = `gpu${device.index}_`;
    const source = device.uuid === null ? tool : `${tool} ${device.uuid}`;
    add(`${prefix}usage`, device.utilizationPercent, Unit.PERCENT, source);
    add(`${prefix}memory_usage`, memoryPercent([device]), Unit.PERCENT, source);
    add(`${prefix}memory_used`, device.memoryUsedMiB, Unit.MEBIBYTES, source);
    add(`${prefix}temperature`, device.temperatureC, Unit.CELSIUS, source);
    add(`${prefix}power_usage`, device.powerW, Unit.WATTS, source);
  }
  return samples;
}

/** The rank's total GPU power in W, or null unless every device reported its power. */
export function totalGpuPowerW(devices: readonly GpuDeviceReading[]): number | null {
  return devices.length === 0 ? null : totalOfAll(devices.map((d) => d.powerW));
}

function mean(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0) / known.length;
}

function totalOfAll(values: readonly (number | null)[]): number | null {
  let total = 0;
  for (const value of values) {
    if (value === null) return null;
    total += value;
  }
  return total;
}

function memoryPercent(devices: readonly GpuDeviceReading[]): number | null {
  let used = 0;
  let total = 0;
  for (const device of devices) {
    if (device.memoryUsedMiB === null || device.memoryTotalMiB === null || device.memoryTotalMiB <= 0) continue;
    used += device.memoryUsedMiB;
    total += device.memoryTotalMiB;
  }
  return total === 0 ? null : (used / total) * 100;
}
