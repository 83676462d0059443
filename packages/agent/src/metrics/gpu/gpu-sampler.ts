import { GPU_TOOL_MAX_OUTPUT_BYTES, GPU_TOOL_TIMEOUT_MS } from '../limits.js';
import type { MetricSample } from '../sample.js';
import { gpuSamples, type GpuDeviceReading, type GpuTool } from './device.js';
import { NVIDIA_SMI_LIST_ARGS, NVIDIA_SMI_QUERY_ARGS, parseNvidiaSmiList, parseNvidiaSmiQuery } from './nvidia-smi.js';
import { parseRocmSmiJson, ROCM_SMI_ARGS } from './rocm-smi.js';
import { runTool, type RunToolOptions } from './run-tool.js';
import { namesMigInstance, selectVisibleDevices, type MigParent } from './visible-devices.js';

export interface GpuSamplerOptions {
  /** CUDA_VISIBLE_DEVICES entries; null: every GPU. */
  cudaVisibleDevices: string[] | null;
  /** ROCR_VISIBLE_DEVICES entries; null: every GPU (or CUDA_VISIBLE_DEVICES, which HIP honours too). */
  rocrVisibleDevices: string[] | null;
  /** Command or path of nvidia-smi, looked up on PATH; default 'nvidia-smi'. */
  nvidiaSmiCommand?: string;
  /** Command or path of rocm-smi; default 'rocm-smi'. */
  rocmSmiCommand?: string;
  timeoutMs?: number;
}

/** The rank's GPUs at one instant. */
export interface GpuReading {
  devices: GpuDeviceReading[];
  samples: MetricSample[];
  /** Why this reading has no values although the node has a GPU tool (timeout, driver error…). */
  error: string | null;
}

/**
 * Reads the rank's own GPUs through the vendor tool found at start: nvidia-smi, else rocm-smi, else
 * none (then every reading is empty — no GPU metrics, never zeros).
 */
export class GpuSampler {
  private migParents: MigParent[] | null = null;

  private constructor(
    /** null when the node has no working GPU tool. */
    readonly tool: GpuTool | null,
    private readonly command: string,
    private readonly visible: string[] | null,
    private readonly run: RunToolOptions,
    /** Why no tool was chosen, one clause per tool tried; empty when one was. */
    readonly absenceReasons: readonly string[],
  ) {}

  /** Finds the node's GPU tool by running its query once. */
  static async start(options: GpuSamplerOptions): Promise<GpuSampler> {
    const run = { timeoutMs: options.timeoutMs ?? GPU_TOOL_TIMEOUT_MS, maxOutputBytes: GPU_TOOL_MAX_OUTPUT_BYTES };
    const nvidia = options.nvidiaSmiCommand ?? 'nvidia-smi';
    const rocm = options.rocmSmiCommand ?? 'rocm-smi';
    const reasons: string[] = [];
    const nvidiaProbe = await runTool(nvidia, NVIDIA_SMI_QUERY_ARGS, run);
    if (nvidiaProbe.kind === 'output') return new GpuSampler('nvidia-smi', nvidia, options.cudaVisibleDevices, run, []);
    reasons.push(nvidiaProbe.kind === 'missing' ? `${nvidia} is not installed` : nvidiaProbe.message);
    const rocmProbe = await runTool(rocm, ROCM_SMI_ARGS, run);
    const rocmVisible = options.rocrVisibleDevices ?? options.cudaVisibleDevices;
    if (rocmProbe.kind === 'output') return new GpuSampler('rocm-smi', rocm, rocmVisible, run, []);
    reasons.push(rocmProbe.kind === 'missing' ? `${rocm} is not installed` : rocmProbe.message);
    return new GpuSampler(null, nvidia, null, run, reasons);
  }

  async read(): Promise<GpuReading> {
    if (this.tool === null) return { devices: [], samples: [], error: null };
    const args = this.tool === 'nvidia-smi' ? NVIDIA_SMI_QUERY_ARGS : ROCM_SMI_ARGS;
    const result = await runTool(this.command, args, this.run);
    if (result.kind !== 'output') {
      const error = result.kind === 'missing' ? `${this.command} disappeared` : result.message;
      return { devices: [], samples: [], error };
    }
    try {
      const all = this.tool === 'nvidia-smi' ? parseNvidiaSmiQuery(result.stdout) : parseRocmSmiJson(result.stdout);
      const devices = selectVisibleDevices(all, this.visible, await this.migParentsIfNeeded());
      return { devices, samples: gpuSamples(devices, this.tool), error: null };
    } catch (error) {
      return { devices: [], samples: [], error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** MIG layouts only change with a GPU reset, so `nvidia-smi -L` is asked once. */
  private async migParentsIfNeeded(): Promise<MigParent[]> {
    if (this.tool !== 'nvidia-smi' || !namesMigInstance(this.visible)) return [];
    if (this.migParents === null) {
      const listing = await runTool(this.command, NVIDIA_SMI_LIST_ARGS, this.run);
      if (listing.kind !== 'output') throw new Error(`cannot map MIG instances to GPUs: ${this.command} -L did not answer`);
      this.migParents = parseNvidiaSmiList(listing.stdout);
    }
    return this.migParents;
  }
}
