import type { CarbonAttributionRecord } from '@prov4ml/prov-core';
import { carbonAttributionRecord, describeCarbonAttribution, planCarbonAttribution, type AttributionFacts } from './carbon/attribution.js';
import { CarbonMeter } from './carbon/carbon-meter.js';
import { resolveCarbonIntensity } from './carbon/intensity.js';
import { NodeEnergyMeter } from './carbon/node-energy-meter.js';
import { totalGpuPowerW, type GpuDeviceReading } from './gpu/device.js';
import { GpuSampler, type GpuReading } from './gpu/gpu-sampler.js';
import type { MetricsOptions } from './options.js';
import type { MetricSample } from './sample.js';
import type { KernelUnits } from './system/auxv.js';
import { SystemSampler } from './system/system-sampler.js';

export interface MetricsCollectorOptions extends Omit<MetricsOptions, 'intervalSeconds'> {
  /** Rank on its node; local rank 0 runs the node energy meter. */
  localRank: number;
  hostname: string;
  /** The observed program's pid (the wrapper's child); null: no process-tree metrics. */
  rootPid?: number | null;
  /** Where procfs is mounted; '/proc' on a real node. */
  procRoot?: string;
  /** Filesystem of disk_usage; '/' like the original. */
  diskPath?: string;
  nvidiaSmiCommand?: string;
  rocmSmiCommand?: string;
  gpuToolTimeoutMs?: number;
  kernelUnits?: KernelUnits;
  /** Monotonic milliseconds for intervals; default performance.now. */
  clock?: () => number;
}

export type SampleRequest = 'system' | 'carbon' | 'all';

/** One sample; parts that were not asked for are empty. */
export interface MetricsSnapshot {
  /** cpu_usage, memory_usage, disk_usage, process_cpu_usage, process_rss. */
  system: MetricSample[];
  /** gpu_* and gpu<index>_*; empty without a GPU. */
  gpu: MetricSample[];
  /** The rank's share of power, energy and emissions. */
  carbon: MetricSample[];
  /** The rank's GPUs as read, with index and UUID. */
  gpuDevices: GpuDeviceReading[];
  /** What could not be measured this time, one line each. */
  errors: string[];
}

/**
 * The rank's samplers together: system, GPU and carbon, taking one GPU reading per sample and feeding
 * its power to the GPU energy integral. Runs in the agent / wrapper process, asynchronously; calls are
 * queued so two samples never interleave.
 */
export class MetricsCollector {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly system: SystemSampler,
    private readonly gpu: GpuSampler,
    private readonly carbon: CarbonMeter,
    private readonly node: NodeEnergyMeter | null,
    private readonly clock: () => number,
    /** How this rank's share of energy is computed, for its document. */
    readonly attributionMethod: string,
  ) {}

  /**
   * Resolves the carbon intensity (a UserError for an unknown country or region), finds the GPU tool
   * and takes every baseline reading, so the first sample covers the time since start.
   */
  static async start(options: MetricsCollectorOptions): Promise<MetricsCollector> {
    const clock = options.clock ?? (() => performance.now());
    const intensity = await resolveCarbonIntensity({
      countryIso: options.countryIso,
      region: options.region,
      forcedGPerKWh: options.carbonIntensityGPerKWh,
    });
    const gpu = await GpuSampler.start({
      cudaVisibleDevices: options.cudaVisibleDevices,
      rocrVisibleDevices: options.rocrVisibleDevices,
      nvidiaSmiCommand: options.nvidiaSmiCommand,
      rocmSmiCommand: options.rocmSmiCommand,
      timeoutMs: options.gpuToolTimeoutMs,
    });
    const gpuListVariable = chosenGpuListVariable(gpu, options);
    const plan = planCarbonAttribution({ localRank: options.localRank, hasGpuList: gpuListVariable !== null });
    const system = await SystemSampler.start(
      { procRoot: options.procRoot, diskPath: options.diskPath, rootPid: options.rootPid, kernelUnits: options.kernelUnits },
      clock(),
    );
    const node = plan.recordsNodeEnergy ? await NodeEnergyMeter.start({ procRoot: options.procRoot, raplRoot: options.raplRoot }, clock()) : null;
    const carbon = new CarbonMeter({ intensity, node, recordsGpuEnergy: plan.recordsGpuEnergy, gpuSource: gpu.tool ?? 'none' }, clock());
    const firstGpu = await gpu.read();
    const facts: AttributionFacts = {
      plan,
      hostname: options.hostname,
      node,
      gpuTool: gpu.tool,
      gpuCount: firstGpu.devices.length,
      gpuListVariable,
    };
    const collector = new MetricsCollector(system, gpu, carbon, node, clock, describeCarbonAttribution(facts));
    collector.feedGpuPower(firstGpu);
    return collector;
  }

  /** 'system': system and GPU metrics (logSystemMetrics); 'carbon': carbon metrics (logCarbonMetrics); 'all': both. */
  sample(request: SampleRequest = 'all'): Promise<MetricsSnapshot> {
    const next = this.queue.then(() => this.sampleNow(request));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The rank's carbon_attribution record. */
  attributionRecord(time: number): CarbonAttributionRecord {
    return carbonAttributionRecord(this.attributionMethod, this.carbon.intensity, time);
  }

  async close(): Promise<void> {
    await this.queue;
    await Promise.all([this.system.close(), this.node?.close()]);
  }

  private async sampleNow(request: SampleRequest): Promise<MetricsSnapshot> {
    const snapshot: MetricsSnapshot = { system: [], gpu: [], carbon: [], gpuDevices: [], errors: [] };
    const gpu = await this.gpu.read();
    this.feedGpuPower(gpu);
    if (gpu.error !== null) snapshot.errors.push(`gpu: ${gpu.error}`);
    if (request !== 'carbon') {
      const system = await this.system.sample(this.clock());
      snapshot.system = system.samples;
      snapshot.errors.push(...system.errors);
      snapshot.gpu = gpu.samples;
      snapshot.gpuDevices = gpu.devices;
    }
    if (request !== 'system') {
      try {
        snapshot.carbon = this.carbon.samples(await this.carbon.measure(this.clock()));
      } catch (error) {
        snapshot.errors.push(`carbon: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return snapshot;
  }

  private feedGpuPower(reading: GpuReading): void {
    const watts = totalGpuPowerW(reading.devices);
    if (watts !== null) this.carbon.addGpuPower(this.clock(), watts);
  }
}

function chosenGpuListVariable(gpu: GpuSampler, options: MetricsCollectorOptions): AttributionFacts['gpuListVariable'] {
  if (gpu.tool === 'rocm-smi' && options.rocrVisibleDevices !== null) return 'ROCR_VISIBLE_DEVICES';
  return gpu.tool !== null && options.cudaVisibleDevices !== null ? 'CUDA_VISIBLE_DEVICES' : null;
}

/** Samples every `intervalSeconds` (never two at once) until stopped; for the wrapper's periodic metrics. */
export function startPeriodicSampling(
  collector: MetricsCollector,
  intervalSeconds: number,
  onSnapshot: (snapshot: MetricsSnapshot) => void,
): { stop(): Promise<void> } {
  if (!(intervalSeconds > 0)) throw new TypeError(`intervalSeconds must be > 0, got ${intervalSeconds}`);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    inFlight = collector.sample('all').then(onSnapshot, (error: unknown) => {
      onSnapshot({ system: [], gpu: [], carbon: [], gpuDevices: [], errors: [String(error)] });
    });
    void inFlight.then(() => {
      if (!stopped) schedule();
    });
  };
  const schedule = () => {
    timer = setTimeout(tick, intervalSeconds * 1000);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
