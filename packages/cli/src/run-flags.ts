import type { Options } from 'yargs';
import { DEFAULT_METRICS_OPTIONS, metricsOptionsFromEnv, type MetricsOptions, type RunOptions } from '@prov4ml/agent';

/** Flags shared by `run` and `agent`; each also comes from PROV4ML_<NAME> (see the agent's config). */
export interface RunFlags {
  'prov-user-namespace'?: string;
  'experiment-name'?: string;
  'provenance-save-dir'?: string;
  'collect-all-processes'?: boolean;
  'save-after-n-logs'?: number;
  rank?: number;
  'world-size'?: number;
  aggregator?: string;
  port?: number;
  'run-id'?: number;
  'metrics-interval'?: number;
  'rank-timeout'?: number;
}

export const runOptionFlags = {
  'prov-user-namespace': { type: 'string', alias: 'prov_user_namespace', describe: 'default namespace of the PROV documents [PROV4ML_PROV_USER_NAMESPACE]' },
  'experiment-name': { type: 'string', alias: 'experiment_name', describe: 'experiment name; else the program\'s startRun names it [PROV4ML_EXPERIMENT_NAME]' },
  'provenance-save-dir': { type: 'string', alias: 'provenance_save_dir', describe: 'where run directories go (default ./prov) [PROV4ML_PROVENANCE_SAVE_DIR]' },
  'collect-all-processes': { type: 'boolean', alias: 'collect_all_processes', describe: "keep every rank's user-logged records, not only rank 0's [PROV4ML_COLLECT_ALL_PROCESSES]" },
  'save-after-n-logs': { type: 'number', alias: 'save_after_n_logs', describe: 'points of a metric after which they are spooled and sent [PROV4ML_SAVE_AFTER_N_LOGS]' },
  rank: { type: 'number', describe: 'this process\'s rank, overriding the launcher [PROV4ML_RANK]' },
  'world-size': { type: 'number', alias: 'world_size', describe: 'number of ranks, overriding the launcher [PROV4ML_WORLD_SIZE]' },
  aggregator: { type: 'string', describe: 'ZeroMQ endpoint of an aggregator that already runs; then no rank hosts one [PROV4ML_AGGREGATOR]' },
  port: { type: 'number', describe: 'port of the aggregator hosted by rank 0 [PROV4ML_PORT]' },
  'run-id': { type: 'number', alias: 'run_id', describe: 'run id instead of the smallest free one [PROV4ML_RUN_ID]' },
  'metrics-interval': { type: 'number', alias: 'metrics_interval', describe: 'seconds between system samples, 0 = off (default 10) [PROV4ML_METRICS_INTERVAL]' },
  'rank-timeout': { type: 'number', alias: 'rank_timeout', describe: 'seconds rank 0\'s aggregator waits for a silent rank before it finalises (default 60) [PROV4ML_RANK_TIMEOUT]' },
} as const satisfies Record<keyof RunFlags, Options>;

const FLAG_TO_OPTION: Record<keyof RunFlags, keyof RunOptions> = {
  'prov-user-namespace': 'provUserNamespace',
  'experiment-name': 'experimentName',
  'provenance-save-dir': 'provenanceSaveDir',
  'collect-all-processes': 'collectAllProcesses',
  'save-after-n-logs': 'saveAfterNLogs',
  rank: 'rank',
  'world-size': 'worldSize',
  aggregator: 'aggregator',
  port: 'port',
  'run-id': 'runId',
  'metrics-interval': 'metricsInterval',
  'rank-timeout': 'rankTimeout',
};

/** The options given as flags; the agent's config fills the rest from PROV4ML_* and defaults. */
export function explicitRunOptions(args: RunFlags): Partial<RunOptions> {
  const explicit: Partial<RunOptions> = {};
  for (const [flag, option] of Object.entries(FLAG_TO_OPTION) as [keyof RunFlags, keyof RunOptions][]) {
    const value = args[flag];
    if (value !== undefined) (explicit as Record<string, unknown>)[option] = value;
  }
  return explicit;
}

/** Sampler options from PROV4ML_* (country, region, intensity, RAPL root, visible GPUs); the interval from the run's options. */
export function metricsOptions(run: RunOptions): MetricsOptions {
  return { ...DEFAULT_METRICS_OPTIONS, ...metricsOptionsFromEnv(process.env), intervalSeconds: run.metricsInterval };
}
