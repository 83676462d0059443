import { execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import type { RunStartRecord } from '@prov4ml/prov-core';
import { selectEnvironment } from '../config/recorded-environment.js';
import type { JobInfo } from './detect.js';
import { PROV4ML_VERSION } from '../version.js';

export interface ObservedProcess {
  pid: number;
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** True when the wrapper observes a child; false for the API in its own process. */
  wrapped: boolean;
  /** Versions known about the observed program (e.g. python), merged with ours. */
  versions?: Record<string, string>;
}

/** What the agent records about the process of a rank when it starts. */
export function runStartRecord(job: JobInfo, observed: ObservedProcess): RunStartRecord {
  return {
    kind: 'run_start',
    time: Date.now(),
    rank: job.rank,
    worldSize: job.worldSize,
    localRank: job.localRank,
    localWorldSize: job.localWorldSize,
    nodeRank: job.nodeRank,
    jobId: job.jobId,
    stepId: job.stepId,
    launcher: job.launcher,
    hostname: hostname(),
    pid: observed.pid,
    user: currentUser(),
    argv: observed.argv,
    cwd: observed.cwd,
    environment: selectEnvironment(observed.env),
    versions: { node: process.version, prov4ml: PROV4ML_VERSION, ...observed.versions },
    gitCommit: gitCommit(observed.cwd),
    wrapped: observed.wrapped,
    nodeName: nodeNameOf(job),
  };
}

/**
 * The node's name in the job, the same on all its ranks: its entry in the job's node list (the Slurm
 * node name; emulated nodes share a host name), else the host name.
 */
export function nodeNameOf(job: Pick<JobInfo, 'hosts' | 'nodeRank'>): string {
  return job.hosts[job.nodeRank] ?? hostname();
}

/** The commit checked out in `cwd`, or null outside a git work tree (or without git). */
export function gitCommit(cwd: string): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
    const sha = out.toString().trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}
