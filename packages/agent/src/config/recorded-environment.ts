/**
 * Which of the process's variables a rank's provenance records: how the job was launched and with which
 * software, never what may hold a credential.
 */
import type { Environment } from './readers.js';

/** Longest value recorded for one variable; longer ones are cut and marked, so one huge variable cannot bloat every run-start record. */
export const MAX_RECORDED_VARIABLE_LENGTH = 8_192;

/**
 * Variables recorded in provenance: those that say how the job was launched and with which software,
 * matched by prefix (names ending in `_`) or exactly. Anything else (a user's ad-hoc variables) is left
 * out, because it is where credentials tend to live.
 */
export const RECORDED_VARIABLE_NAMES: readonly string[] = [
  // launchers and job schedulers
  'SLURM_', 'SLURMD_', 'OMPI_', 'PMI_', 'PMIX_', 'MPI_', 'MPIR_CVAR_', 'I_MPI_', 'HYDI_', 'PBS_', 'LSB_',
  'TORCHELASTIC_', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'GROUP_WORLD_SIZE',
  'ROLE_RANK', 'ROLE_WORLD_SIZE', 'ROLE_NAME', 'MASTER_ADDR', 'MASTER_PORT',
  // accelerators and threading
  'CUDA_', 'NCCL_', 'ROCR_VISIBLE_DEVICES', 'HIP_VISIBLE_DEVICES', 'GPU_DEVICE_ORDINAL', 'ZE_AFFINITY_MASK',
  'OMP_', 'MKL_', 'OPENBLAS_NUM_THREADS', 'UCX_',
  // software environment
  'PROV4ML_', 'PATH', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'PYTHONHASHSEED', 'PYTHONUNBUFFERED', 'PYTHONHOME',
  'VIRTUAL_ENV', 'CONDA_', 'PYENV_VERSION', 'NODE_ENV', 'NODE_OPTIONS',
  // who and where
  'HOSTNAME', 'USER', 'LOGNAME', 'HOME', 'PWD', 'SHELL', 'LANG', 'LC_ALL', 'TZ',
];

/** Names that may hold a credential are never recorded, even when their prefix is listed above. */
export const SECRET_NAME_PATTERN = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|JWT|AUTH/i;

/** The environment recorded in a rank's provenance, sorted by name (see RECORDED_VARIABLE_NAMES). */
export function selectEnvironment(env: Environment): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || SECRET_NAME_PATTERN.test(name) || !isRecordedName(name)) continue;
    selected[name] =
      value.length > MAX_RECORDED_VARIABLE_LENGTH ? `${value.slice(0, MAX_RECORDED_VARIABLE_LENGTH)}…[truncated]` : value;
  }
  return selected;
}

function isRecordedName(name: string): boolean {
  return RECORDED_VARIABLE_NAMES.some((entry) => (entry.endsWith('_') ? name.startsWith(entry) : name === entry));
}
