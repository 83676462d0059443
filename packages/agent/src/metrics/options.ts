import { resolveSamplerVariables, SAMPLER_DEFAULTS, type Environment, type RunOptions, type SamplerVariables } from '../config/options.js';
import { parseVisibleDevices } from './gpu/visible-devices.js';
import { DEFAULT_METRICS_INTERVAL_S } from './limits.js';

/** What a user configures about the samplers (the PROV4ML_* ones read by the option table, config/options.ts). */
export interface MetricsOptions extends SamplerVariables {
  /** Seconds between periodic samples; 0 turns periodic sampling off. */
  intervalSeconds: number;
  /** CUDA_VISIBLE_DEVICES entries (indices, GPU-… or MIG-… UUIDs); null when unset: every GPU. */
  cudaVisibleDevices: string[] | null;
  /** ROCR_VISIBLE_DEVICES entries (indices or GPU-… UUIDs); null when unset: every GPU. */
  rocrVisibleDevices: string[] | null;
}

export const DEFAULT_METRICS_OPTIONS: Readonly<MetricsOptions> = {
  intervalSeconds: DEFAULT_METRICS_INTERVAL_S,
  ...SAMPLER_DEFAULTS,
  cudaVisibleDevices: null,
  rocrVisibleDevices: null,
};

/**
 * The sampler options the environment sets: the samplers' PROV4ML_* rows of the option table and the
 * visible GPUs. Only variables that are set appear in the result, so it can be spread over defaults.
 * An empty PROV4ML_* variable counts as unset (`export X=` in a job script); an empty
 * CUDA_VISIBLE_DEVICES means "no GPU", as it does for CUDA. The interval is a run option.
 */
export function metricsOptionsFromEnv(env: Environment): Partial<MetricsOptions> {
  const options: Partial<MetricsOptions> = resolveSamplerVariables(env);
  const cuda = parseVisibleDevices(env.CUDA_VISIBLE_DEVICES);
  if (cuda !== null) options.cudaVisibleDevices = cuda;
  const rocr = parseVisibleDevices(env.ROCR_VISIBLE_DEVICES);
  if (rocr !== null) options.rocrVisibleDevices = rocr;
  return options;
}

/** Every sampler option of a rank: the environment's over the defaults, the interval from its run options. */
export function resolveMetricsOptions(run: Pick<RunOptions, 'metricsInterval'>, env: Environment): MetricsOptions {
  return { ...DEFAULT_METRICS_OPTIONS, ...metricsOptionsFromEnv(env), intervalSeconds: run.metricsInterval };
}
