import { JOULES_PER_KILOWATT_HOUR, Unit, type MetricSample } from '../sample.js';
import { TrapezoidIntegrator } from './gpu-energy.js';
import type { CarbonIntensity } from './intensity.js';
import type { NodeEnergyMeter } from './node-energy-meter.js';

/** Joules per component; `total` is their sum. */
export interface EnergyByComponent {
  cpu: number;
  gpu: number;
  ram: number;
  total: number;
}

/** What the rank is attributed over one interval (since the previous measure) and since start. */
export interface CarbonReading {
  seconds: number;
  /** Mean power over the interval, W; null for a component this rank does not record. */
  powerW: { cpu: number | null; gpu: number | null; ram: number | null };
  intervalJ: EnergyByComponent;
  cumulativeJ: EnergyByComponent;
  intervalEmissionsG: number;
  cumulativeEmissionsG: number;
  /** Emissions of the interval per second of it, gCO2eq/s; null for an empty interval. */
  emissionsRateGPerS: number | null;
}

export interface CarbonMeterOptions {
  intensity: CarbonIntensity;
  /** The node's CPU and RAM meter, on local rank 0 only; null elsewhere. */
  node: NodeEnergyMeter | null;
  /** Whether the GPU power fed through addGpuPower is this rank's to record. */
  recordsGpuEnergy: boolean;
  /** Source of the gpu_* carbon samples, e.g. 'nvidia-smi'. */
  gpuSource: string;
}

/**
 * Turns the rank's share of energy into emissions: gCO2eq = kWh × intensity (the original logged
 * energy under the name `emissions`; this does not).
 */
export class CarbonMeter {
  private readonly gpu = new TrapezoidIntegrator();
  private readonly cumulativeJ: EnergyByComponent = { cpu: 0, gpu: 0, ram: 0, total: 0 };
  private cumulativeEmissionsG = 0;
  private lastMs: number;

  constructor(
    private readonly options: CarbonMeterOptions,
    startMs: number,
  ) {
    this.lastMs = startMs;
  }

  get intensity(): CarbonIntensity {
    return this.options.intensity;
  }

  /** Feeds one GPU power reading (the rank's total, W) taken at `timeMs`. */
  addGpuPower(timeMs: number, watts: number): void {
    if (this.options.recordsGpuEnergy) this.gpu.addPoint(timeMs, watts);
  }

  async measure(nowMs: number): Promise<CarbonReading> {
    const seconds = Math.max(0, (nowMs - this.lastMs) / 1000);
    this.lastMs = nowMs;
    const node = this.options.node === null ? null : await this.options.node.measure(nowMs);
    const gpuJ = this.gpu.takeJoules();
    const intervalJ = { cpu: node?.cpu.joules ?? 0, gpu: gpuJ, ram: node?.ram.joules ?? 0, total: 0 };
    intervalJ.total = intervalJ.cpu + intervalJ.gpu + intervalJ.ram;
    for (const key of ['cpu', 'gpu', 'ram', 'total'] as const) this.cumulativeJ[key] += intervalJ[key];
    const intervalEmissionsG = (intervalJ.total / JOULES_PER_KILOWATT_HOUR) * this.options.intensity.gPerKWh;
    this.cumulativeEmissionsG += intervalEmissionsG;
    return {
      seconds,
      powerW: {
        cpu: node === null ? null : node.cpu.watts,
        gpu: this.gpu.hasPoints && seconds > 0 ? gpuJ / seconds : null,
        ram: node === null ? null : node.ram.watts,
      },
      intervalJ,
      cumulativeJ: { ...this.cumulativeJ },
      intervalEmissionsG,
      cumulativeEmissionsG: this.cumulativeEmissionsG,
      emissionsRateGPerS: seconds > 0 ? intervalEmissionsG / seconds : null,
    };
  }

  /**
   * The original's carbon metric names: `cpu_power`, `gpu_power`, `ram_power` (W, mean over the
   * interval); `cpu_energy`, `gpu_energy`, `ram_energy`, `energy_consumed` (J since start, each also as
   * `<name>_kwh` in kWh, the original's unit); `emissions` (gCO2eq since start); `emissions_rate`
   * (gCO2eq/s over the interval). Components the rank does not record have no samples.
   */
  samples(reading: CarbonReading): MetricSample[] {
    const samples: MetricSample[] = [];
    const energy = (name: string, joules: number, source: string) => {
      samples.push({ name, value: joules, unit: Unit.JOULES, source });
      samples.push({ name: `${name}_kwh`, value: joules / JOULES_PER_KILOWATT_HOUR, unit: Unit.KILOWATT_HOURS, source });
    };
    const node = this.options.node;
    if (node !== null && reading.powerW.cpu !== null && reading.powerW.ram !== null) {
      samples.push({ name: 'cpu_power', value: reading.powerW.cpu, unit: Unit.WATTS, source: node.cpuSource });
      samples.push({ name: 'ram_power', value: reading.powerW.ram, unit: Unit.WATTS, source: 'dimm-estimate' });
      energy('cpu_energy', reading.cumulativeJ.cpu, node.cpuSource);
      energy('ram_energy', reading.cumulativeJ.ram, 'dimm-estimate');
    }
    if (reading.powerW.gpu !== null) {
      samples.push({ name: 'gpu_power', value: reading.powerW.gpu, unit: Unit.WATTS, source: this.options.gpuSource });
      energy('gpu_energy', reading.cumulativeJ.gpu, this.options.gpuSource);
    }
    energy('energy_consumed', reading.cumulativeJ.total, 'carbon-meter');
    const intensity = `${this.options.intensity.gPerKWh} gCO2eq/kWh (${intensityLabel(this.options.intensity)})`;
    samples.push({ name: 'emissions', value: reading.cumulativeEmissionsG, unit: Unit.GRAMS_CO2EQ, source: intensity });
    if (reading.emissionsRateGPerS !== null) {
      samples.push({ name: 'emissions_rate', value: reading.emissionsRateGPerS, unit: Unit.GRAMS_CO2EQ_PER_SECOND, source: intensity });
    }
    return samples;
  }
}

function intensityLabel(intensity: CarbonIntensity): string {
  if (intensity.basis === 'forced' || intensity.basis === 'world-average') return intensity.basis;
  return intensity.basis === 'region' ? `${intensity.countryIso}/${intensity.region}` : String(intensity.countryIso);
}
