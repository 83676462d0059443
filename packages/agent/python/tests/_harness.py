"""What the far end of the channel is when the tests of packages/agent/test/python-harness.ts run these.

PROV4ML_TEST_HARNESS names it:
- "agent": PROV4ML_CHANNEL is unset, so every start_run starts a real agent (`prov4ml agent`, found through
  PROV4ML_CLI), which hosts the run's aggregator and writes the run under PROV4ML_TEST_RUNS; the Node test
  checks the files written.
- "recorder": PROV4ML_CHANNEL is a recording channel server (packages/agent/test/channel-recorder.ts) whose
  run directory is the folder of its socket; the Node test checks the shape of the messages on the wire.
Unset (plain `python3 -m unittest`): the scenarios that need one of the two are skipped."""

import os

MODE = os.environ.get("PROV4ML_TEST_HARNESS")
AGENT = MODE == "agent"
RECORDER = MODE == "recorder"
NEEDS = "needs the harness of packages/agent/test/python-harness.ts (PROV4ML_TEST_HARNESS=agent or recorder)"
ACTIVE = AGENT or RECORDER

if MODE is not None and not ACTIVE:
    raise RuntimeError("PROV4ML_TEST_HARNESS=%s: expected agent or recorder" % MODE)
if RECORDER and not os.environ.get("PROV4ML_CHANNEL"):
    raise RuntimeError("PROV4ML_TEST_HARNESS=recorder needs PROV4ML_CHANNEL (the recording server's socket)")
if AGENT and not os.environ.get("PROV4ML_TEST_RUNS"):
    raise RuntimeError("PROV4ML_TEST_HARNESS=agent needs PROV4ML_TEST_RUNS (where the agents write their runs)")


def run_dir(experiment, run_id=0, save_dir=None):
    """The run directory start_run reports: the agent's <save dir>/<experiment>_<id> (PROV4ML_TEST_RUNS
    unless start_run named one), or the recorder's folder."""
    if AGENT:
        return os.path.join(save_dir or os.environ["PROV4ML_TEST_RUNS"], "%s_%d" % (experiment, run_id))
    return os.path.dirname(os.environ["PROV4ML_CHANNEL"])


def run_version(run_id=0):
    """The number of the run directory (None for the recorder's folder, which has none)."""
    return run_id if AGENT else None


def documents(experiment, run_id=0, save_dir=None):
    """The (json, dot, svg) paths log_provenance_documents returns with a graph and an SVG asked for."""
    # The recorder names every document after the placeholder experiment "experiment".
    stem = os.path.join(run_dir(experiment, run_id, save_dir), "prov_%s_GR0." % (experiment if AGENT else "experiment"))
    return tuple(stem + ext for ext in ("json", "dot", "svg"))


def stored_again(path):
    """What the agent answers for a copy stored under a name already taken in the run: a real agent keeps
    both (<stem>.1<extension>: net.pth, then net.1.pth); the recorder answers the name alone."""
    stem, extension = os.path.splitext(path)
    return stem + ".1" + extension if AGENT else path
