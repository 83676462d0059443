import { isAbsolute } from 'node:path';
import { UserError } from '@prov4ml/prov-core';
import { parseVisibleDevices } from './gpu/visible-devices.js';
import { DEFAULT_METRICS_INTERVAL_S } from './limits.js';

/** What a user configures about the samplers (from flags or the environment, mapped at the edge). */
export interface MetricsOptions {
  /** Seconds between periodic samples; 0 turns periodic sampling off. */
  intervalSeconds: number;
  /** ISO 3166 alpha-3 country code, upper case, for the carbon intensity; null: world average. */
  countryIso: string | null;
  /** A region of `countryIso` the shipped tables know (US state, Canadian province, Nordic zone). */
  region: string | null;
  /** A forced carbon intensity in gCO2eq/kWh; beats country and region. */
  carbonIntensityGPerKWh: number | null;
  /** Directory holding `sys/class/powercap` ('/' on a real node; a fake tree in tests). */
  raplRoot: string;
  /** CUDA_VISIBLE_DEVICES entries (indices, GPU-… or MIG-… UUIDs); null when unset: every GPU. */
  cudaVisibleDevices: string[] | null;
  /** ROCR_VISIBLE_DEVICES entries (indices or GPU-… UUIDs); null when unset: every GPU. */
  rocrVisibleDevices: string[] | null;
}

export const DEFAULT_METRICS_OPTIONS: Readonly<MetricsOptions> = {
  intervalSeconds: DEFAULT_METRICS_INTERVAL_S,
  countryIso: null,
  region: null,
  carbonIntensityGPerKWh: null,
  raplRoot: '/',
  cudaVisibleDevices: null,
  rocrVisibleDevices: null,
};

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Maps the environment variables that configure the samplers to options; only variables that are set
 * appear in the result, so it can be spread over defaults and under command-line flags.
 * An empty PROV4ML_* variable counts as unset (`export X=` in a job script); an empty
 * CUDA_VISIBLE_DEVICES means "no GPU", as it does for CUDA.
 */
export function metricsOptionsFromEnv(env: Environment): Partial<MetricsOptions> {
  const options: Partial<MetricsOptions> = {};
  const interval = nonEmpty(env, 'PROV4ML_METRICS_INTERVAL');
  if (interval !== undefined) options.intervalSeconds = nonNegativeNumber('PROV4ML_METRICS_INTERVAL', interval, 'seconds');
  const country = nonEmpty(env, 'PROV4ML_COUNTRY');
  if (country !== undefined) options.countryIso = countryCode(country);
  const region = nonEmpty(env, 'PROV4ML_REGION');
  if (region !== undefined) options.region = region;
  const intensity = nonEmpty(env, 'PROV4ML_CARBON_INTENSITY');
  if (intensity !== undefined) options.carbonIntensityGPerKWh = nonNegativeNumber('PROV4ML_CARBON_INTENSITY', intensity, 'gCO2eq/kWh');
  const raplRoot = nonEmpty(env, 'PROV4ML_RAPL_ROOT');
  if (raplRoot !== undefined) {
    if (!isAbsolute(raplRoot)) throw new UserError(`PROV4ML_RAPL_ROOT must be an absolute path, got '${raplRoot}'`);
    options.raplRoot = raplRoot;
  }
  const cuda = parseVisibleDevices(env.CUDA_VISIBLE_DEVICES);
  if (cuda !== null) options.cudaVisibleDevices = cuda;
  const rocr = parseVisibleDevices(env.ROCR_VISIBLE_DEVICES);
  if (rocr !== null) options.rocrVisibleDevices = rocr;
  return options;
}

function nonEmpty(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function nonNegativeNumber(variable: string, text: string, unit: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new UserError(`${variable} must be a number ≥ 0 (${unit}), got '${text}'`);
  }
  return value;
}

function countryCode(text: string): string {
  if (!/^[A-Za-z]{3}$/.test(text)) {
    throw new UserError(`PROV4ML_COUNTRY must be an ISO 3166 alpha-3 code such as FRA or USA, got '${text}'`);
  }
  return text.toUpperCase();
}
