"""Without `prov4ml run`, start_run starts an agent for this process: the `prov4ml agent` command of
the Node package, which watches this process and finishes the rank's provenance when it ends."""

import os
import shutil
import subprocess
import tempfile
import time

from ._channel import Channel
from ._errors import Prov4mlError
from ._limits import AGENT_START_TIMEOUT_S

#: Names the prov4ml command line explicitly: its bin/prov4ml.js (run with `node`) or any executable.
CLI_ENV = "PROV4ML_CLI"

#: Where the command line sits relative to this package: packages/agent/python/prov4ml → packages/cli/bin,
#: which is also node_modules/@prov4ml/agent/python/prov4ml → node_modules/@prov4ml/cli/bin. A pip-installed
#: client has no such neighbour and relies on PROV4ML_CLI or PATH.
_BIN_FROM_PACKAGE = os.path.join(os.pardir, os.pardir, os.pardir, "cli", "bin", "prov4ml.js")

#: Scripts that need `node` in front of them.
_JS_SUFFIXES = (".js", ".mjs", ".cjs")

#: What to install or set when no command line is found; one line, it may end up in a warning.
NO_CLI_MESSAGE = (
    "prov4ml: no prov4ml command line found: install Node.js 20+ and put `prov4ml` on PATH "
    "(`npm install -g <prov4ml checkout>/packages/cli` after `npm ci` there), or set "
    "PROV4ML_CLI=<prov4ml checkout>/packages/cli/bin/prov4ml.js"
)

#: How often the flush thread tries the channel of an agent that is starting.
_POLL_S = 0.01


def agent_command(search_path=None):
    """The argv prefix that runs `prov4ml`: PROV4ML_CLI, else `prov4ml` on PATH, else the command line
    next to this package in a prov4ml checkout. Prov4mlError says, in one line, what to install or set."""
    explicit = os.environ.get(CLI_ENV)
    if explicit:
        if not os.path.isfile(explicit):
            raise Prov4mlError("prov4ml: %s=%s: no such file; point it at packages/cli/bin/prov4ml.js of a prov4ml checkout" % (CLI_ENV, explicit))
        if not explicit.endswith(_JS_SUFFIXES) and not os.access(explicit, os.X_OK):
            raise Prov4mlError("prov4ml: %s=%s: not executable and not a .js file" % (CLI_ENV, explicit))
        return _runnable(explicit, search_path)
    installed = shutil.which("prov4ml", path=search_path)
    if installed is not None:
        # npm links bin/prov4ml.js onto PATH: run it with the `node` we check for, so a missing Node.js
        # is named rather than reported by /usr/bin/env.
        return _runnable(os.path.realpath(installed), search_path)
    bundled = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), _BIN_FROM_PACKAGE))
    if os.path.isfile(bundled):
        return _runnable(bundled, search_path)
    raise Prov4mlError(NO_CLI_MESSAGE)


def _runnable(path, search_path):
    if not path.endswith(_JS_SUFFIXES):
        return [path]
    node = shutil.which("node", path=search_path)
    if node is None:
        raise Prov4mlError("prov4ml: `node` is not on PATH; the prov4ml command line %s needs Node.js 20 or newer" % path)
    return [node, path]


class OwnAgent:
    """An agent process started for this process. start_run only spawns it; the flush thread waits
    for its channel, so that the program goes on while Node starts."""

    def __init__(self, process, directory, path):
        self._process = process
        self._directory = directory
        self._path = path

    @classmethod
    def spawn(cls, job_environment=None):
        """Starts `prov4ml agent` without waiting for it; Prov4mlError when it cannot be started at all.
        `job_environment`: variables that tell it who this process is in its job (_job.py)."""
        command = agent_command()
        directory = tempfile.mkdtemp(prefix="prov4ml-")
        path = os.path.join(directory, "agent.sock")
        # A new session: Ctrl-C in the terminal reaches the program, not its agent, which must outlive
        # the program long enough to deliver what it logged.
        try:
            process = subprocess.Popen(
                command + ["agent", "--channel", path, "--parent-pid", str(os.getpid())],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=dict(os.environ, **job_environment) if job_environment else None,
            )
        except OSError as error:
            shutil.rmtree(directory, ignore_errors=True)
            raise Prov4mlError("prov4ml.start_run: cannot start %s: %s" % (" ".join(command), error)) from None
        return cls(process, directory, path)

    def connect(self):
        """Waits (bounded) for the agent to open its channel; Prov4mlError says why it did not."""
        deadline = time.monotonic() + AGENT_START_TIMEOUT_S
        while True:
            status = self._process.poll()
            if status is not None:
                raise Prov4mlError("prov4ml.start_run: the prov4ml agent exited with status %d before opening its channel (its messages are above)" % status)
            try:
                return Channel.connect(self._path)
            except OSError:
                if time.monotonic() > deadline:
                    raise Prov4mlError("prov4ml.start_run: the prov4ml agent did not open its channel %s within %g s" % (self._path, AGENT_START_TIMEOUT_S)) from None
                time.sleep(_POLL_S)

    def stop(self, channel):
        """After a failed start: nothing to deliver, so the agent is not left waiting for this process."""
        if channel is not None:
            channel.close()
        self._process.kill()
        self._process.wait()
        shutil.rmtree(self._directory, ignore_errors=True)

    def finish(self, channel):
        """After the agent answered the end of the run: what is left for it is closing its channel and
        exiting, so it is not waited for (the rank's files are complete, or the answer said what is kept)."""
        channel.close()
        shutil.rmtree(self._directory, ignore_errors=True)
