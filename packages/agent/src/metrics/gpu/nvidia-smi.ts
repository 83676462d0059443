import type { GpuDeviceReading } from './device.js';
import type { MigParent } from './visible-devices.js';

/** The fields the sampler asks nvidia-smi for, in order; every driver since R450 knows them all. */
export const NVIDIA_SMI_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const;

export const NVIDIA_SMI_QUERY_ARGS: readonly string[] = [
  `--query-gpu=${NVIDIA_SMI_QUERY_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

/** Lists GPUs and their MIG instances with UUIDs; asked only when CUDA_VISIBLE_DEVICES names a MIG instance. */
export const NVIDIA_SMI_LIST_ARGS: readonly string[] = ['-L'];

/**
 * Parses the rows of `nvidia-smi --query-gpu=<fields> --format=csv,noheader[,nounits]`, one row per
 * physical GPU (with MIG enabled too: its instances share the row, and `utilization.gpu` is `[N/A]`).
 * `fields` names the columns in order. Values with units (`100 %`, `631.95 W`) are read as well as bare
 * ones; `[N/A]`, `[Not Supported]`, `[Requested functionality has been deprecated]` and other bracketed
 * notes become null. A row with the wrong number of columns or no numeric index is an error, because
 * it means the tool is not answering what was asked.
 */
export function parseNvidiaSmiQuery(text: string, fields: readonly string[] = NVIDIA_SMI_QUERY_FIELDS): GpuDeviceReading[] {
  const column = (name: string) => {
    const at = fields.indexOf(name);
    if (at < 0) throw new TypeError(`fields must include '${name}'`);
    return at;
  };
  const at = {
    index: column('index'),
    uuid: column('uuid'),
    name: column('name'),
    utilization: column('utilization.gpu'),
    memoryUsed: column('memory.used'),
    memoryTotal: column('memory.total'),
    temperature: column('temperature.gpu'),
    power: column('power.draw'),
  };
  const devices: GpuDeviceReading[] = [];
  for (const { values, index } of nvidiaSmiRows(text, fields.length, at.index)) {
    devices.push({
      index,
      uuid: textOrNull(values[at.uuid]!),
      name: textOrNull(values[at.name]!) ?? 'unknown GPU',
      utilizationPercent: measuredNumber(values[at.utilization]!),
      memoryUsedMiB: measuredNumber(values[at.memoryUsed]!),
      memoryTotalMiB: measuredNumber(values[at.memoryTotal]!),
      temperatureC: measuredNumber(values[at.temperature]!),
      powerW: measuredNumber(values[at.power]!),
    });
  }
  return devices;
}

/**
 * The rows of a `--format=csv,noheader` answer, each with its GPU index. A row of the wrong width or
 * without a numeric index is an error: the tool is not answering what was asked.
 */
export function nvidiaSmiRows(text: string, width: number, indexColumn: number): { values: string[]; index: number }[] {
  const rows: { values: string[]; index: number }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const values = line.split(', ').map((value) => value.trim());
    if (values.length !== width) {
      throw new Error(`nvidia-smi printed a row of ${values.length} values where ${width} were asked: '${line.slice(0, 200)}'`);
    }
    const index = measuredNumber(values[indexColumn]!);
    if (index === null || !Number.isInteger(index)) throw new Error(`nvidia-smi printed a row without a GPU index: '${line.slice(0, 200)}'`);
    rows.push({ values, index });
  }
  return rows;
}

/** MIG instances and their parent GPUs from `nvidia-smi -L`. */
export function parseNvidiaSmiList(text: string): MigParent[] {
  const parents: MigParent[] = [];
  let gpu: { index: number; uuid: string } | null = null;
  for (const line of text.split('\n')) {
    const gpuLine = /^GPU (\d+): .*\(UUID: (GPU-[^)\s]+)\)/.exec(line);
    if (gpuLine !== null) {
      gpu = { index: Number(gpuLine[1]), uuid: gpuLine[2]! };
      continue;
    }
    const migLine = /^\s+MIG .*\(UUID: (MIG-[^)\s]+)\)/.exec(line);
    if (migLine !== null && gpu !== null) parents.push({ migUuid: migLine[1]!, gpuIndex: gpu.index, gpuUuid: gpu.uuid });
  }
  return parents;
}

/** A number, optionally followed by its unit; null for N/A, bracketed notes or anything else. */
export function measuredNumber(value: string): number | null {
  const match = /^(-?\d+(?:\.\d+)?)(?: \S+)?$/.exec(value);
  return match === null ? null : Number(match[1]);
}

export function textOrNull(value: string): string | null {
  return value === '' || value === 'N/A' || value.startsWith('[') ? null : value;
}
