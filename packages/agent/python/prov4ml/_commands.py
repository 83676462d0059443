"""The original's command-line modules (`python -m prov4ml.prov2dot` …) run the prov4ml command line
underneath: the same one the client starts as its agent (see _own_agent.agent_command)."""

import argparse
import subprocess
import sys

from ._errors import Prov4mlError
from ._own_agent import agent_command

#: Exit status when the prov4ml command line cannot be found (the shell's "command not found").
NO_CLI_EXIT = 127

#: Exit status of a usage mistake, as argparse and the prov4ml command line both use it.
USAGE_EXIT = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line naming the argument (the usage is under --help)."""

    def error(self, message):
        self.exit(USAGE_EXIT, "%s: %s\n" % (self.prog, message))


def pick(parser, flag, flag_value, positional_value, required=True):
    """The original took some arguments positionally at first and as flags later: accept either, once."""
    if flag_value is not None and positional_value is not None:
        parser.error("%s given both positionally and as a flag" % flag)
    value = flag_value if flag_value is not None else positional_value
    if value is None and required:
        parser.error("the following argument is required: %s" % flag)
    return value


def run_cli(prog, arguments):
    """Runs `prov4ml <arguments>`; returns its exit status (128 + N when signal N ended it)."""
    try:
        command = agent_command()
    except Prov4mlError as error:
        sys.stderr.write("%s: %s\n" % (prog, error))
        return NO_CLI_EXIT
    status = subprocess.call(command + list(arguments))
    return 128 - status if status < 0 else status
