// Samplers for system, GPU and carbon metrics (DESIGN §7). Each piece is usable alone; MetricsCollector
// puts them together for one rank.
export { Unit, JOULES_PER_KILOWATT_HOUR, type MetricSample } from './sample.js';
export { DEFAULT_METRICS_OPTIONS, metricsOptionsFromEnv, resolveMetricsOptions, type MetricsOptions } from './options.js';
export * as metricsLimits from './limits.js';
export {
  MetricsCollector,
  startPeriodicSampling,
  type MetricsCollectorOptions,
  type MetricsSnapshot,
  type SampleRequest,
} from './collector.js';
export { SystemSampler, diskUsagePercent, type SystemSamplerOptions, type SamplesWithErrors } from './system/system-sampler.js';
export { ProcessTreeSampler, parsePidStat, type ProcessTreeUsage } from './system/process-tree.js';
export { readKernelUnits, DEFAULT_KERNEL_UNITS, type KernelUnits } from './system/auxv.js';
export { GpuSampler, type GpuSamplerOptions, type GpuReading } from './gpu/gpu-sampler.js';
export { gpuSamples, totalGpuPowerW, type GpuDeviceReading, type GpuTool } from './gpu/device.js';
export { parseNvidiaSmiQuery, parseNvidiaSmiList, NVIDIA_SMI_QUERY_FIELDS, NVIDIA_SMI_QUERY_ARGS } from './gpu/nvidia-smi.js';
export { parseRocmSmiJson, ROCM_SMI_ARGS } from './gpu/rocm-smi.js';
export { parseVisibleDevices, selectVisibleDevices, type MigParent } from './gpu/visible-devices.js';
export { resolveCarbonIntensity, type CarbonIntensity, type CarbonIntensityQuery } from './carbon/intensity.js';
export { NodeEnergyMeter, CPU_IDLE_POWER_FRACTION, type NodeEnergyMeterOptions, type NodeEnergy } from './carbon/node-energy-meter.js';
export { CarbonMeter, type CarbonMeterOptions, type CarbonReading, type EnergyByComponent } from './carbon/carbon-meter.js';
export { RaplCounter, counterDeltaUj } from './carbon/rapl.js';
export { matchCpuModel, nodeCpuTdp, parseCpuPowerCsv, DEFAULT_CPU_WATTS_PER_THREAD, type CpuPowerEntry, type CpuTdp } from './carbon/cpu-tdp.js';
export { parseCpuinfo, type CpuInfo } from './carbon/cpu-info.js';
export { estimateRamPower, estimateDimmCount, type RamPowerEstimate } from './carbon/ram-power.js';
export { TrapezoidIntegrator } from './carbon/gpu-energy.js';
export {
  planCarbonAttribution,
  describeCarbonAttribution,
  carbonAttributionRecord,
  type CarbonAttributionPlan,
  type AttributionFacts,
} from './carbon/attribution.js';
