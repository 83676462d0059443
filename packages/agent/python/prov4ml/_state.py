"""PROV4ML_DATA: the original's process-global state object (prov4ml.constants.PROV4ML_DATA), as a
read-only view of this process's run. Programs read from it where the run's files go and who records;
the values come from the agent's answer to start_run. Before the first start_run it holds the
original's defaults; after end_run, the last run's values (the original kept them too).

What the original kept in it besides (the buffered metrics, parameters and artifacts) lives in the
agent here, so it is not offered: a program that read those would get a wrong picture, not an error
it can act on.
"""

import os

from . import _api

#: The original's values before init() (yprovml.md §1.3).
_DEFAULTS = {
    "PROV_SAVE_PATH": "prov_save_path",
    "USER_NAMESPACE": "user_namespace",
    "EXPERIMENT_NAME": "test_experiment",
    "EXPERIMENT_DIR": "test_experiment_dir",
    "ARTIFACTS_DIR": "artifact_dir",
    "TMP_DIR": "tmp",
    "RUN_ID": 0,
    "global_rank": None,
    "is_collecting": False,
    "save_metrics_after_n_logs": 100,
}


class Prov4MLData:
    """Attributes as the original named them; reading one waits (bounded) for the agent's answer to
    start_run when it has not come yet."""

    __slots__ = ()

    def __getattr__(self, name):
        if name not in _DEFAULTS:
            raise AttributeError("PROV4ML_DATA has no %r here (this client offers: %s)" % (name, ", ".join(sorted(_DEFAULTS))))
        facts = _run_facts()
        return _DEFAULTS[name] if facts is None else facts[name]

    def __setattr__(self, name, value):
        raise AttributeError("PROV4ML_DATA is read-only here: start_run's arguments set the run's options")

    def __dir__(self):
        return sorted(_DEFAULTS)

    def __repr__(self):
        return "PROV4ML_DATA(%s)" % ", ".join("%s=%r" % (name, getattr(self, name)) for name in sorted(_DEFAULTS))


def _run_facts():
    """The current run's values, else the last run's, else None."""
    session = _api._session
    if session is None and _api._run is not None:
        session = _api._run.ended_session
    answer = None if session is None else session.answer()
    if answer is None:
        return None
    rank = session.global_rank
    run_dir = answer["runDir"]
    experiment = answer["experimentName"]
    user_namespace = session.user_namespace
    return {
        "PROV_SAVE_PATH": os.path.dirname(run_dir),
        "USER_NAMESPACE": user_namespace if user_namespace is not None else _DEFAULTS["USER_NAMESPACE"],
        # The original's (G1) rule: rank 0 keeps the experiment's name, another rank gets _GR<rank>.
        "EXPERIMENT_NAME": "%s_GR%d" % (experiment, rank) if rank else experiment,
        "EXPERIMENT_DIR": run_dir,
        "ARTIFACTS_DIR": answer["artifactsDir"],
        # The original's temporary metric files were its metric files: here they are in metrics/.
        "TMP_DIR": os.path.join(run_dir, "metrics"),
        "RUN_ID": answer["runId"],
        "global_rank": rank,
        "is_collecting": session.collecting,
        "save_metrics_after_n_logs": answer["saveAfterNLogs"],
    }


PROV4ML_DATA = Prov4MLData()
