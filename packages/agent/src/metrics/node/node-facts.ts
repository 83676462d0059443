/**
 * What a node is, read once per node (by its local rank 0's agent) into a node record. Each fact comes
 * from where it is cheap and exact (docs/ARCHITECTURE.md "What each node is" has the measured costs):
 * - systeminformation: CPU sockets and physical cores (cpu(), which reads lscpu's and /proc/cpuinfo's
 *   topology), total memory (mem()), the distribution's name and release (osInfo(), /etc/os-release and
 *   its equivalents on other systems) — the facts it gets right on every platform it supports;
 * - Node's os module: the CPU model exactly as /proc/cpuinfo names it (systeminformation rewrites it into
 *   brand names), logical CPUs, kernel (`uname -r`), machine (`uname -m`), and the interfaces with an
 *   address (name, addresses, MAC), instantly; the link speed from /sys/class/net/<name>/speed.
 *   systeminformation's networkInterfaces() runs tools per interface (3 s for 24 interfaces here);
 * - nvidia-smi: the GPUs (gpu-facts.ts).
 * A fact that cannot be read is left at its empty value and said once; it never stops the rank.
 */
import { readFile } from 'node:fs/promises';
import { cpus, machine, networkInterfaces, release, type NetworkInterfaceInfo } from 'node:os';
import type { NodeInterface, NodeRecord } from '@prov4ml/prov-core';
import { GPU_TOOL_MAX_OUTPUT_BYTES, GPU_TOOL_TIMEOUT_MS } from '../limits.js';
import { runTool } from '../gpu/run-tool.js';
import { NVIDIA_SMI_NODE_ARGS, parseNvidiaSmiNodeGpus } from './gpu-facts.js';

export interface NodeFactsOptions {
  /** The node's name in the job (its Slurm node name, else the host name). */
  nodeName: string;
  hostname: string;
  /** Command or path of nvidia-smi; default 'nvidia-smi'. */
  nvidiaSmiCommand?: string;
  log: (line: string) => void;
}

/** Reads the node's facts; never rejects (what failed is logged and left empty). */
export async function collectNodeFacts(options: NodeFactsOptions): Promise<NodeRecord> {
  // Loaded here, not at the top: only one rank of a node pays for loading it.
  const si = (await import('systeminformation')).default;
  const failed = (what: string) => (error: unknown) => {
    options.log(`node facts: cannot read ${what} (${(error as Error).message}); recorded without it`);
    return null;
  };
  const [cpu, memory, os, gpus, interfaces] = await Promise.all([
    si.cpu().catch(failed('the CPU topology')),
    si.mem().catch(failed('the memory size')),
    si.osInfo().catch(failed('the operating system')),
    nodeGpus(options),
    nodeInterfaces(),
  ]);
  const logical = cpus();
  return {
    kind: 'node',
    time: Date.now(),
    nodeName: options.nodeName,
    hostname: options.hostname,
    cpuModel: logical[0]?.model.trim() ?? '',
    cpuSockets: cpu?.processors ?? 0,
    cpuCores: cpu?.physicalCores ?? 0,
    cpuThreads: logical.length,
    memoryBytes: memory?.total ?? 0,
    gpus,
    os: os === null ? '' : [os.distro, os.release, os.codename ? `(${os.codename})` : ''].filter(Boolean).join(' '),
    kernel: release(),
    arch: machine(),
    interfaces,
  };
}

async function nodeGpus(options: NodeFactsOptions) {
  const result = await runTool(options.nvidiaSmiCommand ?? 'nvidia-smi', NVIDIA_SMI_NODE_ARGS, {
    timeoutMs: GPU_TOOL_TIMEOUT_MS,
    maxOutputBytes: GPU_TOOL_MAX_OUTPUT_BYTES,
  });
  if (result.kind === 'missing') return [];
  try {
    if (result.kind === 'failed') throw new Error(result.message);
    return parseNvidiaSmiNodeGpus(result.stdout);
  } catch (error) {
    options.log(`node facts: cannot read the GPUs (${(error as Error).message}); recorded without them`);
    return [];
  }
}

/** Interfaces with at least one address, in the kernel's order. */
async function nodeInterfaces(): Promise<NodeInterface[]> {
  const entries = Object.entries(networkInterfaces()).filter((entry): entry is [string, NetworkInterfaceInfo[]] => entry[1] !== undefined);
  return Promise.all(
    entries.map(async ([name, addresses]) => ({
      name,
      addresses: addresses.map((address) => address.address),
      mac: addresses.find((address) => address.mac !== '00:00:00:00:00:00')?.mac ?? null,
      speedMbps: await linkSpeed(name),
    })),
  );
}

/** /sys/class/net/<name>/speed in Mbit/s; null where the kernel gives none (loopback, -1 for an unknown speed). */
async function linkSpeed(name: string): Promise<number | null> {
  try {
    const speed = Number((await readFile(`/sys/class/net/${name}/speed`, 'utf8')).trim());
    return Number.isInteger(speed) && speed > 0 ? speed : null;
  } catch {
    return null;
  }
}
