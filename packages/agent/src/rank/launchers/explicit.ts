/** Rank and world size given explicitly: by the user (PROV4ML_RANK, PROV4ML_WORLD_SIZE) or by `prov4ml run -n N`. */
import { UserError } from '@prov4ml/prov-core';
import type { DetectionInput, JobInfoOverrides, JobOverridesInput, LauncherReading, LauncherRow, RankLayout } from '../job-info.js';
import { EXPLICIT_SOURCES, explicitFact, oneHostLayout } from './rank-layout.js';
import { slurmStepId, slurmStepKey } from './slurm.js';

/** `prov4ml run -n N` gives its local ranks a job id starting with this; it selects the 'local' row. */
export const LOCAL_JOB_ID_PREFIX = 'local-';

/** The ranks of `prov4ml run -n N` on this host. */
export const LOCAL: LauncherRow = {
  launcher: 'local',
  selectedBy: `rank and worldSize options with a job id starting with "${LOCAL_JOB_ID_PREFIX}" (prov4ml run -n N)`,
  matches: ({ explicit }) => hasExplicitRank(explicit) && explicit.jobId?.startsWith(LOCAL_JOB_ID_PREFIX) === true,
  read: readExplicit,
};

/** Rank and world size the user gives. */
export const EXPLICIT: LauncherRow = {
  launcher: 'explicit',
  selectedBy: 'rank and worldSize options (PROV4ML_RANK, PROV4ML_WORLD_SIZE)',
  matches: ({ explicit }) => hasExplicitRank(explicit),
  read: readExplicit,
};

function readExplicit({ env, explicit }: DetectionInput): LauncherReading {
  const rank = explicitFact(explicit, 'rank');
  const worldSize = explicitFact(explicit, 'worldSize');
  return {
    layout: oneHostLayout(rank, worldSize, { value: 0, source: EXPLICIT_SOURCES.nodeRank }),
    hosts: [],
    stepId: slurmStepId(env),
    jobKey: slurmStepKey(env),
    jobId: null,
  };
}

function hasExplicitRank(explicit: Partial<JobInfoOverrides>): boolean {
  return explicit.rank !== undefined && explicit.worldSize !== undefined;
}

/** The layout with each explicit value in place of the launcher's. */
export function applyOverrides(layout: RankLayout, explicit: Partial<JobInfoOverrides>): RankLayout {
  const result = { ...layout };
  for (const key of Object.keys(EXPLICIT_SOURCES) as (keyof RankLayout)[]) {
    if (explicit[key] !== undefined) result[key] = explicitFact(explicit, key);
  }
  return result;
}

/** The overrides that are given (not null or undefined), checked. */
export function givenOverrides(overrides: JobOverridesInput): Partial<JobInfoOverrides> {
  const explicit: Partial<JobInfoOverrides> = {};
  for (const key of Object.keys(EXPLICIT_SOURCES) as (keyof RankLayout)[]) {
    const value: unknown = overrides[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number') throw new TypeError(`${key} must be a number, got ${typeof value}`);
    const min = key === 'worldSize' || key === 'localWorldSize' ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new UserError(`${EXPLICIT_SOURCES[key]}: ${value} is not an integer ≥ ${min}`);
    }
    explicit[key] = value;
  }
  const jobId: unknown = overrides.jobId;
  if (jobId !== undefined && jobId !== null) {
    if (typeof jobId !== 'string' || jobId === '') throw new TypeError('jobId must be a non-empty string');
    explicit.jobId = jobId;
  }
  return explicit;
}
