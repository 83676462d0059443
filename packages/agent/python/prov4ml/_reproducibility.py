"""The newer original's reproducibility calls: where the code is, how it was started, and the run's
inputs and outputs."""

import os
import subprocess
from time import time as _now

from . import _api
from ._values import check_name

#: How long one `git` query of log_source_code may take; past it that fact is left out.
GIT_TIMEOUT_S = 5.0


def log_source_code(path=None):
    """Records where the program's code is: the path (default: the working directory) and, where it is
    in a git work tree, the commit, the remote and the branch. git problems never fail the job."""
    call = "log_source_code"
    if path is not None and not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("%s: path must be a path, got %s" % (call, type(path).__name__))
    where = os.path.abspath(os.fsdecode(path)) if path is not None else os.getcwd()
    session = _api._recording(call)
    if session is None:
        return
    directory = where if os.path.isdir(where) else os.path.dirname(where)
    session.outbox.put({
        "kind": "source_code",
        "time": _now() * 1000.0,
        "path": where,
        "gitCommit": _git(directory, "rev-parse", "HEAD"),
        "gitRemote": _git(directory, "config", "--get", "remote.origin.url"),
        "gitBranch": _git(directory, "rev-parse", "--abbrev-ref", "HEAD"),
    })


def _git(directory, *arguments):
    """One line of `git` output in `directory`, or None (no git, not a work tree, a detached HEAD's 'HEAD')."""
    try:
        result = subprocess.run(["git", "-C", directory] + list(arguments), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        return None
    line = result.stdout.strip()
    return line if result.returncode == 0 and line and line != "HEAD" else None


def log_execution_command(cmd, path=None):
    """Records how the program was started: the parameter execution_command, and execution_path (the
    absolute path it ran in or from) when given."""
    call = "log_execution_command"
    check_name(cmd, "cmd", call)
    _api.log_param("execution_command", cmd)
    if path is not None:
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("%s: path must be a path, got %s" % (call, type(path).__name__))
        _api.log_param("execution_path", os.path.abspath(os.fsdecode(path)))


def log_input(inp, log_copy_in_prov_directory=True, context=None):
    """Records one input of the run, numbered input_0, input_1, …: a file or directory as an artifact
    input_<n>_<its name> the run used (copied unless log_copy_in_prov_directory=False), any other value as an input parameter."""
    return _log_io("input", inp, log_copy_in_prov_directory, context, True)


def log_output(out, log_copy_in_prov_directory=True, context=None):
    """Records one output of the run, numbered output_0, …, as log_input does for inputs."""
    return _log_io("output", out, log_copy_in_prov_directory, context, False)


def _log_io(kind, value, copy, context, is_input):
    call = "log_" + kind
    if _api._recording(call) is None:
        return None
    counts = _api._run.io_counts
    name = "%s_%d" % (kind, counts[kind])
    counts[kind] += 1
    if isinstance(value, (str, bytes, os.PathLike)) and os.path.exists(value):
        name += "_" + os.path.basename(os.path.normpath(os.fsdecode(value)))
        return _api._store_artifact(value, name, context, None, None, "artifact", call, copy=copy, is_input=is_input)
    _api.log_param(name, value, context=context, is_input=is_input)
    return None
