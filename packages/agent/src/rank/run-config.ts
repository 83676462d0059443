import { DEFAULT_METRIC_FORMAT, type RunConfigRecord } from '@prov4ml/prov-core';
import type { RunOptions } from '../config/options.js';
import type { ClaimedRunDir } from './run-dir.js';

/**
 * What a program's startRun says, with the save directory and the explicit run id (use_run_id), which
 * decide the run directory and are not part of the record.
 */
export type ProgramRunConfig = RunConfigRecord & { provenanceSaveDir: string | null; runId?: number | null };

/** The experiment name of a run whose program never named one. */
export const DEFAULT_EXPERIMENT_NAME = 'experiment';

/** The run configuration the options (flags, PROV4ML_*, defaults) give, for a program that says nothing. */
export function runConfigFrom(run: RunOptions): ProgramRunConfig {
  return {
    kind: 'run_config',
    time: Date.now(),
    provUserNamespace: run.provUserNamespace,
    experimentName: run.experimentName ?? DEFAULT_EXPERIMENT_NAME,
    collectAllProcesses: run.collectAllProcesses,
    saveAfterNLogs: run.saveAfterNLogs,
    provenanceSaveDir: run.provenanceSaveDir,
    // Only a format other than CSV travels: a record without one means CSV to every reader.
    ...(run.metricsFormat === DEFAULT_METRIC_FORMAT ? {} : { metricsFormat: run.metricsFormat }),
  };
}

/** The job's run directory and the configuration the first startRun of the rank gave it. */
export interface ConfiguredRun extends ClaimedRunDir {
  config: RunConfigRecord;
}

