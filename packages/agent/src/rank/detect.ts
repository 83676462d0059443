/**
 * Job and rank detection (DESIGN §3): which launcher started this process and what it says about the
 * rank, the job and the nodes. The precedence is the data table {@link LAUNCHER_PRECEDENCE}, first
 * match wins. MPI variables come before Slurm's because `mpirun` inside an sbatch allocation inherits
 * SLURM_PROCID=0 and SLURM_NTASKS from the batch script; Slurm's own variables count only inside a step
 * (SLURM_STEP_ID set), since a batch script outside `srun` is one process, not rank 0 of N.
 *
 * Pure: the environment is a parameter. PROV4ML_* variables arrive as `explicit` overrides, resolved by
 * the option table (config/options.ts: RunOptions.rank, worldSize, jobId).
 */
import { randomUUID } from 'node:crypto';
import { UserError, type LauncherName, type RunStartRecord } from '@prov4ml/prov-core';
import { readIntegerVariable, type Environment } from '../config/readers.js';
import { expandHostlist, expandSlurmCounts } from './hostlist.js';

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

/** `prov4ml run -n N` gives its local ranks a job id starting with this; it selects the 'local' row. */
export const LOCAL_JOB_ID_PREFIX = 'local-';

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

const EXPLICIT_SOURCES: { readonly [K in keyof RankLayout]: string } = {
  rank: 'rank option / PROV4ML_RANK',
  worldSize: 'worldSize option / PROV4ML_WORLD_SIZE',
  localRank: 'localRank option',
  localWorldSize: 'localWorldSize option',
  nodeRank: 'nodeRank option',
};

const SINGLE_PROCESS: LauncherRow = {
  launcher: 'single',
  selectedBy: 'no launcher variables',
  matches: () => true,
  read: () => ({
    layout: fixedLayout({ rank: 0, worldSize: 1 }, 'single process'),
    hosts: [],
    stepId: null,
    jobKey: null,
    jobId: null,
  }),
};

/** Launchers in precedence order (DESIGN §3), first match wins. */
export const LAUNCHER_PRECEDENCE: readonly LauncherRow[] = [
  {
    launcher: 'local',
    selectedBy: `rank and worldSize options with a job id starting with "${LOCAL_JOB_ID_PREFIX}" (prov4ml run -n N)`,
    matches: ({ explicit }) => hasExplicitRank(explicit) && explicit.jobId?.startsWith(LOCAL_JOB_ID_PREFIX) === true,
    read: readExplicit,
  },
  {
    launcher: 'explicit',
    selectedBy: 'rank and worldSize options (PROV4ML_RANK, PROV4ML_WORLD_SIZE)',
    matches: ({ explicit }) => hasExplicitRank(explicit),
    read: readExplicit,
  },
  {
    launcher: 'torchrun',
    selectedBy: 'RANK and WORLD_SIZE (torchrun, torch.distributed)',
    matches: ({ env }) => isSet(env, 'RANK') && isSet(env, 'WORLD_SIZE'),
    read: readTorchrun,
  },
  {
    launcher: 'openmpi',
    selectedBy: 'OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE (Open MPI)',
    matches: ({ env }) => isSet(env, 'OMPI_COMM_WORLD_RANK') && isSet(env, 'OMPI_COMM_WORLD_SIZE'),
    read: readOpenMpi,
  },
  {
    launcher: 'mpich',
    selectedBy: 'PMI_RANK and PMI_SIZE (MPICH/Hydra, Intel MPI, srun --mpi=pmi2)',
    matches: ({ env }) => isSet(env, 'PMI_RANK') && isSet(env, 'PMI_SIZE'),
    read: readPmi,
  },
  {
    launcher: 'pmix',
    selectedBy: 'PMIX_RANK (srun --mpi=pmix, the default MPI plugin of many Slurm sites)',
    matches: ({ env }) => isSet(env, 'PMIX_RANK'),
    read: readPmix,
  },
  {
    launcher: 'slurm',
    selectedBy: 'SLURM_STEP_ID (inside an srun step)',
    matches: ({ env }) => isSet(env, 'SLURM_STEP_ID') || isSet(env, 'SLURM_STEPID'),
    read: readSlurm,
  },
  SINGLE_PROCESS,
];

/**
 * Detects this process's rank, job and nodes from the launcher's environment; explicit values beat it.
 * @param hostname this host's name: the node list of a local job, and the name looked up in a Slurm
 *   node list when no launcher variable names this node.
 * @param newJobId makes the job key of a process that is a job of its own (rank 0 of 1 with no job id).
 * @throws UserError naming the variable or option when the environment contradicts itself (rank ≥ size,
 *   a negative or non-integer number, a node list that does not parse) or when several ranks have no
 *   shared job id.
 */
export function detectJob(
  env: Environment,
  overrides: JobOverridesInput = {},
  hostname = 'localhost',
  newJobId: () => string = randomUUID,
): JobInfo {
  const explicit = givenOverrides(overrides);
  const input: DetectionInput = { env, explicit, hostname };
  const row = LAUNCHER_PRECEDENCE.find((candidate) => candidate.matches(input)) ?? SINGLE_PROCESS;
  const reading = row.read(input);
  const layout = applyOverrides(reading.layout, explicit);
  const allRanksHere = layout.localWorldSize.value === layout.worldSize.value;
  const hosts = reading.hosts.length > 0 ? reading.hosts : allRanksHere ? [hostname] : [];
  checkLayout(layout, hosts);
  const jobKey = explicit.jobId ?? reading.jobKey ?? ownJobKey(row, layout.worldSize, hostname, newJobId);
  return {
    rank: layout.rank.value,
    worldSize: layout.worldSize.value,
    localRank: layout.localRank.value,
    localWorldSize: layout.localWorldSize.value,
    nodeRank: layout.nodeRank.value,
    jobId: explicit.jobId ?? variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID') ?? reading.jobId ?? jobKey,
    stepId: reading.stepId,
    hosts,
    launcher: row.launcher,
    jobKey,
    masterAddr: variable(env, 'MASTER_ADDR') ?? null,
  };
}

function ownJobKey(row: LauncherRow, worldSize: Fact, hostname: string, newJobId: () => string): string {
  if (worldSize.value === 1) return `single-${hostname}-${newJobId()}`;
  throw new UserError(
    `PROV4ML_JOB_ID is not set and ${row.selectedBy} give the ${worldSize.value} ranks no shared job id: ` +
      'set PROV4ML_JOB_ID to one value for the whole job before launching it',
  );
}

// ---- rows ----

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

function readTorchrun(input: DetectionInput): LauncherReading {
  const { env } = input;
  const rank = requiredFact(env, 'RANK', 0);
  const worldSize = requiredFact(env, 'WORLD_SIZE', 1);
  // Under srun every node's torchrun agent is a task of one step, so its node list is the job's.
  const hosts = slurmStepHosts(env) ?? slurmJobHosts(env) ?? [];
  const given = {
    localRank: fact(env, 'LOCAL_RANK', 0),
    localWorldSize: fact(env, 'LOCAL_WORLD_SIZE', 1),
    nodeRank: fact(env, 'GROUP_RANK', 0),
  };
  return {
    layout: completeLayout(input, rank, worldSize, given, hosts),
    hosts,
    stepId: slurmStepId(env),
    jobKey: slurmStepKey(env) ?? torchrunJobKey(env),
    jobId: torchrunRunId(env),
  };
}

/** torchrun's run id, except the "none" it gets under static rendezvous unless --rdzv_id is given. */
function torchrunRunId(env: Environment): string | null {
  const runId = variable(env, 'TORCHELASTIC_RUN_ID');
  return runId === undefined || runId === 'none' ? null : runId;
}

/** The run id names the job; without one, the rendezvous address that all ranks share does. */
function torchrunJobKey(env: Environment): string | null {
  const runId = torchrunRunId(env);
  if (runId !== null) return `torchrun-${runId}`;
  const masterAddr = variable(env, 'MASTER_ADDR');
  const masterPort = variable(env, 'MASTER_PORT');
  return masterAddr && masterPort ? `torchrun-${masterAddr}:${masterPort}` : null;
}

function readOpenMpi(input: DetectionInput): LauncherReading {
  const { env } = input;
  const rank = requiredFact(env, 'OMPI_COMM_WORLD_RANK', 0);
  const worldSize = requiredFact(env, 'OMPI_COMM_WORLD_SIZE', 1);
  // Not the step's node list: mpirun starts its remote daemons in a step of their own, so ranks on
  // mpirun's node see no step and the others see a step without mpirun's node.
  const hosts = slurmJobHosts(env) ?? [];
  const given = {
    localRank: fact(env, 'OMPI_COMM_WORLD_LOCAL_RANK', 0),
    localWorldSize: fact(env, 'OMPI_COMM_WORLD_LOCAL_SIZE', 1),
    // OMPI_COMM_WORLD_NODE_RANK is the rank among the node's processes, not the node's index.
    nodeRank: nodeIndex(input, hosts) ?? orteDaemonIndex(env),
  };
  const namespace = variable(env, 'PMIX_NAMESPACE', 'OMPI_MCA_ess_base_jobid');
  return {
    layout: completeLayout(input, rank, worldSize, given, hosts),
    hosts,
    stepId: null,
    jobKey: namespace === undefined ? null : `ompi-${namespace}`,
    jobId: namespace ?? null,
  };
}

/**
 * Outside Slurm, Open MPI 4 (ORTE) gives the node's index only as its daemon's number, in
 * OMPI_MCA_orte_local_daemon_uri (`<job family>.<vpid>;tcp://…`): 0 is mpirun's own node, so the
 * numbers start at 1 when mpirun's node runs no rank. Inside an allocation mpirun may start a daemon
 * even on its own node (vpid 1 on a one-node job), which is why the node list is asked first.
 */
function orteDaemonIndex(env: Environment): Fact | undefined {
  const vpid = /^\d+\.(\d+);/.exec(variable(env, 'OMPI_MCA_orte_local_daemon_uri') ?? '')?.[1];
  return vpid === undefined ? undefined : { value: Number(vpid), source: 'OMPI_MCA_orte_local_daemon_uri' };
}

function readPmi(input: DetectionInput): LauncherReading {
  const { env } = input;
  const rank = requiredFact(env, 'PMI_RANK', 0);
  const worldSize = requiredFact(env, 'PMI_SIZE', 1);
  // Hydra inside an allocation starts its proxies as one srun step spanning the nodes it uses.
  const hosts = slurmStepHosts(env) ?? slurmJobHosts(env) ?? [];
  const given = { localRank: fact(env, 'MPI_LOCALRANKID', 0), localWorldSize: fact(env, 'MPI_LOCALNRANKS', 1) };
  const pmiJobId = variable(env, 'PMI_JOBID');
  return {
    layout: completeLayout(input, rank, worldSize, given, hosts),
    hosts,
    stepId: slurmStepId(env),
    jobKey: slurmStepKey(env) ?? (pmiJobId === undefined ? null : `mpich-${pmiJobId}`),
    jobId: pmiJobId ?? null,
  };
}

function readPmix(input: DetectionInput): LauncherReading {
  const { env, explicit } = input;
  const rank = requiredFact(env, 'PMIX_RANK', 0);
  const namespace = variable(env, 'PMIX_NAMESPACE');
  const jobKey = slurmStepKey(env) ?? (namespace === undefined ? null : `pmix-${namespace}`);
  const step = readSlurmStep(env);
  if (step === null) {
    // PMIx has no size variable; without a Slurm step only an explicit world size can say it.
    if (explicit.worldSize === undefined) {
      throw new UserError(`PMIX_RANK is set outside a Slurm step and nothing gives the world size: set PROV4ML_WORLD_SIZE`);
    }
    const layout = completeLayout(input, rank, explicitFact(explicit, 'worldSize'), {}, []);
    return { layout, hosts: [], stepId: null, jobKey, jobId: namespace ?? null };
  }
  if (step.layout.rank.value !== rank.value) {
    throw new UserError(`PMIX_RANK ${rank.value} disagrees with SLURM_PROCID ${step.layout.rank.value} in the same Slurm step`);
  }
  return { layout: { ...step.layout, rank }, hosts: step.hosts, stepId: step.stepId, jobKey, jobId: namespace ?? null };
}

function readSlurm({ env }: DetectionInput): LauncherReading {
  const step = readSlurmStep(env);
  if (step === null) throw new Error('the slurm row matched without SLURM_STEP_ID');
  return {
    layout: step.layout,
    hosts: step.hosts,
    stepId: step.stepId,
    jobKey: `slurm-${step.jobId}.${step.stepId}`,
    jobId: step.jobId,
  };
}

// ---- Slurm ----

interface SlurmStep {
  layout: RankLayout;
  hosts: string[];
  jobId: string;
  stepId: string;
}

/** The Slurm step this process is a task of, or null outside a step. */
function readSlurmStep(env: Environment): SlurmStep | null {
  const stepId = slurmStepId(env);
  if (stepId === null) return null;
  const jobId = variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID');
  if (jobId === undefined) throw new UserError(`SLURM_JOB_ID is not set although SLURM_STEP_ID ${stepId} is`);
  const rank = requiredStepFact(env, ['SLURM_PROCID'], 0);
  const worldSize = requiredStepFact(env, ['SLURM_STEP_NUM_TASKS', 'SLURM_NTASKS', 'SLURM_NPROCS'], 1);
  const nodeRank = requiredStepFact(env, ['SLURM_NODEID'], 0);
  const hosts = expandFirst(env, ['SLURM_STEP_NODELIST', 'SLURM_JOB_NODELIST', 'SLURM_NODELIST']) ?? [];
  const layout: RankLayout = {
    rank,
    worldSize,
    localRank: requiredStepFact(env, ['SLURM_LOCALID'], 0),
    localWorldSize: tasksOnNode(env, nodeRank, hosts, worldSize),
    nodeRank,
  };
  return { layout, hosts, jobId, stepId };
}

function requiredStepFact(env: Environment, names: string[], min: number): Fact {
  for (const name of names) {
    const found = fact(env, name, min);
    if (found) return found;
  }
  throw new UserError(`${names.join(' / ')} is not set although SLURM_STEP_ID is (inside a Slurm step)`);
}

/** This node's task count, from SLURM_STEP_TASKS_PER_NODE (`2(x2)`, `3,1`…) at the node's index. */
function tasksOnNode(env: Environment, nodeRank: Fact, hosts: string[], worldSize: Fact): Fact {
  const name = ['SLURM_STEP_TASKS_PER_NODE', 'SLURM_TASKS_PER_NODE'].find((candidate) => isSet(env, candidate));
  if (name === undefined) {
    if (hosts.length <= 1) return worldSize;
    throw new UserError(`SLURM_STEP_TASKS_PER_NODE is not set for a Slurm step on ${hosts.length} nodes`);
  }
  const counts = expandSlurmCounts(env[name] ?? '', name);
  if (hosts.length > 0 && counts.length !== hosts.length) {
    throw new UserError(`${name} ${JSON.stringify(env[name])} counts ${counts.length} nodes, the node list has ${hosts.length}`);
  }
  const count = counts[nodeRank.value];
  if (count === undefined) {
    throw new UserError(`${nodeRank.source} ${nodeRank.value} is not below the ${counts.length} nodes of ${name}`);
  }
  return { value: count, source: name };
}

function slurmStepId(env: Environment): string | null {
  return variable(env, 'SLURM_STEP_ID', 'SLURM_STEPID') ?? null;
}

function slurmStepKey(env: Environment): string | null {
  const jobId = variable(env, 'SLURM_JOB_ID', 'SLURM_JOBID');
  const stepId = slurmStepId(env);
  return jobId !== undefined && stepId !== null ? `slurm-${jobId}.${stepId}` : null;
}

function slurmStepHosts(env: Environment): string[] | null {
  return slurmStepId(env) === null ? null : expandFirst(env, ['SLURM_STEP_NODELIST']);
}

function slurmJobHosts(env: Environment): string[] | null {
  return expandFirst(env, ['SLURM_JOB_NODELIST', 'SLURM_NODELIST']);
}

function expandFirst(env: Environment, names: string[]): string[] | null {
  const name = names.find((candidate) => isSet(env, candidate));
  return name === undefined ? null : expandHostlist(env[name] ?? '', name);
}

/**
 * The position of this node in hosts. Its name: MPIR_CVAR_CH3_INTERFACE_HOSTNAME, which Hydra sets per
 * node (it overwrites SLURMD_NODENAME with mpiexec's own), else SLURMD_NODENAME, else the host name,
 * also without its domain.
 */
function nodeIndex({ env, hostname }: DetectionInput, hosts: string[]): Fact | undefined {
  const nodeName = variable(env, 'MPIR_CVAR_CH3_INTERFACE_HOSTNAME', 'SLURMD_NODENAME') ?? hostname;
  const candidates = [nodeName, nodeName.split('.')[0] ?? nodeName];
  for (const candidate of candidates) {
    const index = hosts.indexOf(candidate);
    if (index >= 0) return { value: index, source: `the position of ${candidate} in the node list` };
  }
  return undefined;
}

// ---- layouts ----

type LocalFacts = Partial<Pick<RankLayout, 'localRank' | 'localWorldSize' | 'nodeRank'>>;

/**
 * Fills what a launcher left unsaid: from the Slurm step when this process's ranks are its tasks
 * (srun --mpi=pmi2 sets no local variables), else from this node's position in the node list, and
 * otherwise assuming every rank runs on this host.
 */
function completeLayout(input: DetectionInput, rank: Fact, worldSize: Fact, given: LocalFacts, hosts: string[]): RankLayout {
  if (given.localRank && given.localWorldSize && given.nodeRank) {
    return { rank, worldSize, localRank: given.localRank, localWorldSize: given.localWorldSize, nodeRank: given.nodeRank };
  }
  const step = readSlurmStep(input.env);
  const stepTasksAreTheseRanks =
    step !== null && step.layout.rank.value === rank.value && step.layout.worldSize.value === worldSize.value;
  const fallback = stepTasksAreTheseRanks
    ? step.layout
    : oneHostLayout(rank, worldSize, nodeIndex(input, hosts) ?? { value: 0, source: 'default node rank' });
  return {
    rank,
    worldSize,
    localRank: given.localRank ?? fallback.localRank,
    localWorldSize: given.localWorldSize ?? fallback.localWorldSize,
    nodeRank: given.nodeRank ?? fallback.nodeRank,
  };
}

function oneHostLayout(rank: Fact, worldSize: Fact, nodeRank: Fact): RankLayout {
  return { rank, worldSize, localRank: rank, localWorldSize: worldSize, nodeRank };
}

function fixedLayout(values: { rank: number; worldSize: number }, source: string): RankLayout {
  const rank = { value: values.rank, source };
  const worldSize = { value: values.worldSize, source };
  return oneHostLayout(rank, worldSize, { value: 0, source });
}

function applyOverrides(layout: RankLayout, explicit: Partial<JobInfoOverrides>): RankLayout {
  const result = { ...layout };
  for (const key of Object.keys(EXPLICIT_SOURCES) as (keyof RankLayout)[]) {
    if (explicit[key] !== undefined) result[key] = explicitFact(explicit, key);
  }
  return result;
}

function checkLayout(layout: RankLayout, hosts: string[]): void {
  const { rank, worldSize, localRank, localWorldSize, nodeRank } = layout;
  requireBelow('rank', rank, 'world size', worldSize);
  requireBelow('local rank', localRank, 'local world size', localWorldSize);
  if (localWorldSize.value > worldSize.value) {
    throw new UserError(
      `local world size ${localWorldSize.value} (${localWorldSize.source}) exceeds the world size ${worldSize.value} (${worldSize.source})`,
    );
  }
  if (hosts.length > 0 && nodeRank.value >= hosts.length) {
    throw new UserError(`node rank ${nodeRank.value} (${nodeRank.source}) is not below the ${hosts.length} nodes of the node list`);
  }
}

function requireBelow(lowName: string, low: Fact, highName: string, high: Fact): void {
  if (low.value >= high.value) {
    throw new UserError(`${lowName} ${low.value} (${low.source}) is not below the ${highName} ${high.value} (${high.source})`);
  }
}

// ---- explicit values ----

function hasExplicitRank(explicit: Partial<JobInfoOverrides>): boolean {
  return explicit.rank !== undefined && explicit.worldSize !== undefined;
}

function explicitFact(explicit: Partial<JobInfoOverrides>, key: keyof RankLayout): Fact {
  const value = explicit[key];
  if (value === undefined) throw new Error(`explicit ${key} read although it is not given`);
  return { value, source: EXPLICIT_SOURCES[key] };
}

/** The overrides that are given (not null or undefined), checked. */
function givenOverrides(overrides: JobOverridesInput): Partial<JobInfoOverrides> {
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

// ---- variables ----

function isSet(env: Environment, name: string): boolean {
  return env[name] !== undefined && env[name] !== '';
}

/** The first of the names that is set and not empty. */
function variable(env: Environment, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function fact(env: Environment, name: string, min: number): Fact | undefined {
  const value = readIntegerVariable(env, name, min);
  return value === undefined ? undefined : { value, source: name };
}

/** A variable the row matched on, so it is set; reading it still checks that it is a number. */
function requiredFact(env: Environment, name: string, min: number): Fact {
  const found = fact(env, name, min);
  if (found === undefined) throw new Error(`${name} read by a row that did not match on it`);
  return found;
}
