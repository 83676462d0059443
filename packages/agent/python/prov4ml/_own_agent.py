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

#: Where the command line sits relative to this package: packages/agent/python/prov4ml → packages/cli/bin,
#: which is also node_modules/@prov4ml/agent/python/prov4ml → node_modules/@prov4ml/cli/bin.
_BIN_FROM_PACKAGE = os.path.join(os.pardir, os.pardir, os.pardir, "cli", "bin", "prov4ml.js")

#: How often the flush thread tries the channel of an agent that is starting.
_POLL_S = 0.01


def agent_command(search_path=None):
    """The argv prefix that runs `prov4ml`; Prov4mlError says exactly what is missing."""
    node = shutil.which("node", path=search_path)
    if node is None:
        raise Prov4mlError(
            "prov4ml.start_run: `node` is not on PATH; outside `prov4ml run` the Python client starts "
            "a prov4ml agent, which needs Node.js 20 or newer on PATH"
        )
    bundled = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), _BIN_FROM_PACKAGE))
    if os.path.isfile(bundled):
        return [node, bundled]
    installed = shutil.which("prov4ml", path=search_path)
    if installed is not None:
        return [node, installed]
    raise Prov4mlError(
        "prov4ml.start_run: cannot find the prov4ml command: neither %s nor `prov4ml` on PATH exists" % bundled
    )


class OwnAgent:
    """An agent process started for this process. start_run only spawns it; the flush thread waits
    for its channel, so that the program goes on while Node starts."""

    def __init__(self, process, directory, path):
        self._process = process
        self._directory = directory
        self._path = path

    @classmethod
    def spawn(cls):
        """Starts `prov4ml agent` without waiting for it; Prov4mlError when it cannot be started at all."""
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
