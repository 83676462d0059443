/**
 * What job and rank detection gives, and the shapes its launcher rows share (rank/detect.ts puts the
 * rows in order; rank/launchers/ holds one file a launcher).
 */
import type { LauncherName, RunStartRecord } from '@prov4ml/prov-core';
import type { Environment } from '../config/readers.js';

/** What detection knows about this rank; the run-start record carries the same fields. */
export interface JobInfo
  extends Pick<RunStartRecord, 'rank' | 'worldSize' | 'localRank' | 'localWorldSize' | 'nodeRank' | 'launcher'> {
  /** PROV4ML_JOB_ID, else Slurm's job id (also under MPI inside an allocation), else the launcher's. */
  jobId: string;
  /** Slurm step id, or null outside a step and under Open MPI's mpirun (whose ranks do not share one). */
  stepId: string | null;
  /** The job's nodes in node-rank order when the launcher says; [this host] when all ranks are here; else []. */
  hosts: string[];
  /** Identical on every rank of one job step and different between jobs. */
  jobKey: string;
  /** MASTER_ADDR when set: torchrun's rendezvous host, which runs rank 0. */
  masterAddr: string | null;
}

/** What explicit options (startRun arguments, PROV4ML_RANK, PROV4ML_WORLD_SIZE, PROV4ML_JOB_ID) say. */
export type JobInfoOverrides = Pick<JobInfo, 'rank' | 'worldSize' | 'localRank' | 'localWorldSize' | 'nodeRank' | 'jobId'>;

/** Explicit values as callers hold them: undefined or null means not given. */
export type JobOverridesInput = { [K in keyof JobInfoOverrides]?: JobInfoOverrides[K] | null };

/** A number and the variable or option it came from, so that a contradiction names its sources. */
export interface Fact {
  value: number;
  source: string;
}

export interface RankLayout {
  rank: Fact;
  worldSize: Fact;
  localRank: Fact;
  localWorldSize: Fact;
  nodeRank: Fact;
}

export interface DetectionInput {
  env: Environment;
  explicit: Partial<JobInfoOverrides>;
  hostname: string;
}

/** What one launcher row reads; detectJob applies the explicit overrides and checks the result. */
export interface LauncherReading {
  layout: RankLayout;
  /** Node names in node-rank order, or [] when the launcher does not say. */
  hosts: string[];
  stepId: string | null;
  /** Identical on all ranks of the job step, or null when the launcher gives nothing job-unique. */
  jobKey: string | null;
  /** The launcher's own job id, used when there is no Slurm job id. */
  jobId: string | null;
}

export interface LauncherRow {
  launcher: LauncherName;
  /** What selects the row, for documentation and error messages. */
  selectedBy: string;
  matches(input: DetectionInput): boolean;
  read(input: DetectionInput): LauncherReading;
}
