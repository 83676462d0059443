"""Who this process is in its job when no launcher says so, for the agent it starts for itself.

Under srun, mpirun or torchrun the agent reads the launcher's variables. A job of processes started by
the program itself (torch.multiprocessing.spawn, multiprocessing) has none: each process knows its
rank only from start_run's `rank` argument or from torch.distributed. As in the original, a rank other
than 0 records nothing unless every rank collects (collect_all_processes); then the agent is told the
rank, the world size and a job id that the processes of one spawn share (their parent), so that they
record one job, as the original's `rank` argument made them write one experiment directory.
"""

import os
import sys

from ._errors import warn

#: Variables of the launchers the agent detects (see packages/agent/src/rank/launchers): where one is
#: set, the launcher says who the process is and this module says nothing.
LAUNCHER_RANK_VARIABLES = ("PROV4ML_RANK", "SLURM_PROCID", "RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK")


#: PROV4ML_COLLECT_ALL_PROCESSES's words, as the agent reads them (packages/agent/src/config/readers.ts).
_TRUE_WORDS = ("1", "true", "yes")


def records_nothing(rank, collect_all_processes):
    """True for the original's silent rank, when no launcher says who the process is: a rank other than
    0 (`rank`, else torch.distributed's) that does not collect. It starts no agent: nothing would wait
    for its end, and it would only record a run of its own."""
    if _collects_all(collect_all_processes) or _launched():
        return False
    if rank is None:
        distributed = _torch_distributed()
        rank = None if distributed is None else distributed[0]
    return rank is not None and rank != 0


def agent_job_environment(rank, collect_all_processes):
    """Variables for the agent this process starts: PROV4ML_RANK, PROV4ML_WORLD_SIZE and PROV4ML_JOB_ID
    when a rank is known (`rank`, else torch.distributed's) with a world size above one, every rank
    collects (only then do all of them call start_run, as the original's pattern has it: a job that
    waited for ranks that never start a run would wait in vain), and no launcher says who the process
    is; else none."""
    if not _collects_all(collect_all_processes) or _launched():
        return {}
    distributed = _torch_distributed()
    if rank is None:
        rank = None if distributed is None else distributed[0]
    if rank is None:
        return {}
    world_size = distributed[1] if distributed is not None else _world_size_variable()
    if world_size is None or world_size <= 1:
        if rank != 0:
            warn(
                "prov4ml.start_run: rank=%d, but nothing gives the job's world size (torch.distributed is not "
                "initialised, PROV4ML_WORLD_SIZE and WORLD_SIZE are not set): this process is recorded as a job "
                "of its own; initialise torch.distributed before start_run, or set PROV4ML_WORLD_SIZE" % rank
            )
        return {}
    if rank >= world_size:
        warn("prov4ml.start_run: rank=%d is not below the world size %d; this process is recorded as a job of its own" % (rank, world_size))
        return {}
    return {
        "PROV4ML_RANK": str(rank),
        "PROV4ML_WORLD_SIZE": str(world_size),
        "PROV4ML_JOB_ID": os.environ.get("PROV4ML_JOB_ID") or _spawn_job_id(),
    }


def _launched():
    return any(os.environ.get(name) for name in LAUNCHER_RANK_VARIABLES)


def _collects_all(collect_all_processes):
    if collect_all_processes is not None:
        return bool(collect_all_processes)
    return os.environ.get("PROV4ML_COLLECT_ALL_PROCESSES", "").strip().lower() in _TRUE_WORDS


def _torch_distributed():
    """(rank, world size) of an initialised torch.distributed, else None. torch is not imported for it:
    a program that initialised torch.distributed has imported it."""
    torch = sys.modules.get("torch")
    distributed = getattr(torch, "distributed", None)
    try:
        if distributed is None or not distributed.is_available() or not distributed.is_initialized():
            return None
        return distributed.get_rank(), distributed.get_world_size()
    except Exception:  # noqa: BLE001 - a broken process group says nothing about ranks
        return None


def _world_size_variable():
    for name in ("PROV4ML_WORLD_SIZE", "WORLD_SIZE"):
        value = os.environ.get(name)
        if value and value.isdigit():
            return int(value)
    return None


def _spawn_job_id():
    """The parent process and its start time: shared by the processes of one spawn, never by two
    spawns (a pid alone comes back)."""
    parent = os.getppid()
    try:
        with open("/proc/%d/stat" % parent) as stat:
            # Field 22, after the command name in parentheses (which may hold spaces).
            started = stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        started = "0"
    return "spawn-%d-%s" % (parent, started)
