/**
 * The GPUs of a node (model, UUID, memory, driver) from one `nvidia-smi` query. Not from
 * systeminformation: its graphics() asks nvidia-smi without the UUID and runs lspci first.
 */
import type { NodeGpu } from '@prov4ml/prov-core';
import { measuredNumber, nvidiaSmiRows, textOrNull } from '../gpu/nvidia-smi.js';

export const NVIDIA_SMI_NODE_FIELDS = ['index', 'uuid', 'name', 'memory.total', 'driver_version'] as const;

export const NVIDIA_SMI_NODE_ARGS: readonly string[] = [`--query-gpu=${NVIDIA_SMI_NODE_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

/**
 * Parses the rows `nvidia-smi --query-gpu=index,uuid,name,memory.total,driver_version
 * --format=csv,noheader[,nounits]` prints, one a physical GPU. A row of the wrong width or without a
 * numeric index is an error: the tool is not answering what was asked.
 */
export function parseNvidiaSmiNodeGpus(text: string): NodeGpu[] {
  const gpus: NodeGpu[] = [];
  for (const { values, index } of nvidiaSmiRows(text, NVIDIA_SMI_NODE_FIELDS.length, 0)) {
    const [, uuid, name, memory, driver] = values as [string, string, string, string, string];
    const memoryMiB = measuredNumber(memory);
    gpus.push({
      index,
      model: textOrNull(name) ?? 'unknown GPU',
      uuid: textOrNull(uuid),
      memoryMiB: memoryMiB === null ? null : Math.round(memoryMiB),
      driver: textOrNull(driver),
    });
  }
  return gpus;
}
