"""The positional orders of every published generation of the original's API, in one table, and the
one decorator that maps a call onto the implementation's keywords.

`import prov4ml` keeps the seed's order (G1/G2), `import yprov4ml` the newest, name-first one (G3/G4);
both accept the keywords of every version. Where generations order the same call differently and the
arguments' types tell which order a call uses (a name is a str, a model or data set is not), the
types decide in both modules; a call that fits no order is a TypeError naming it.
"""

import functools
import inspect
import os

from ._kinds import _context_name

SEED = "seed"
NEWEST = "newest"

#: Positional order of each call whose generations differ, per generation.
ORDERS = {
    "start_run": {
        SEED: ("prov_user_namespace", "experiment_name", "provenance_save_dir", "collect_all_processes",
               "save_after_n_logs", "rank", "disable_codecarbon", "metrics_file_type", "use_compressor"),
        NEWEST: ("experiment_name", "prov_user_namespace", "provenance_save_dir", "collect_all_processes",
                 "save_after_n_logs", "rank", "disable_codecarbon", "metrics_file_type", "csv_separator",
                 "use_compressor", "use_run_id"),
    },
    "log_artifact": {
        SEED: ("artifact_path", "context", "step", "timestamp"),
        NEWEST: ("artifact_name", "artifact_path", "context", "source", "step", "log_copy_in_prov_directory",
                 "log_copy_subdirectory", "is_model", "is_input"),
    },
    "save_model_version": {
        SEED: ("model", "model_name", "context", "step", "timestamp"),
        NEWEST: ("model_name", "model", "context", "source", "step", "incremental", "is_input"),
    },
    "log_model": {
        SEED: ("model", "model_name", "log_model_info", "log_as_artifact"),
        NEWEST: ("model_name", "model", "context", "source", "log_model_info", "log_model_layers", "is_input"),
    },
    "log_dataset": {
        SEED: ("dataset", "label"),
        NEWEST: ("dataset_label", "dataset", "context", "source", "log_dataset_info"),
    },
}

#: Keywords one generation spelled differently: spelling → the implementation's name.
ALIASES = {
    "start_run": {"prov_save_path": "provenance_save_dir"},
    "log_dataset": {"label": "dataset_label"},
}

#: Defaults that differ between generations, applied when the call used that generation's order.
FORM_DEFAULTS = {
    ("save_model_version", NEWEST): {"incremental": True},
}


def _is_path(value):
    return isinstance(value, (str, bytes, os.PathLike))


def _name_first(args, kwargs):
    """(name, object, …) against (object, name, …): the name is the str one."""
    if isinstance(args[0], str):
        return NEWEST
    if len(args) < 2 or isinstance(args[1], str):
        return SEED
    return None


def _artifact_form(args, kwargs):
    """log_artifact(name, path, …) against log_artifact(path, context, …)."""
    if not _is_path(args[0]):
        return None
    if len(args) < 2:
        return NEWEST if "artifact_path" in kwargs else SEED
    second = args[1]
    if second is None:
        return SEED
    if _context_name(second) is not None:
        # 'training' is read as a file name only where that file exists and the first argument does not.
        if not (os.path.exists(second) and not os.path.exists(args[0])):
            return SEED
    return NEWEST if _is_path(second) else None


#: How the arguments' types pick the order, for the calls whose generations differ and where they can.
CHOOSERS = {
    "log_artifact": _artifact_form,
    "save_model_version": _name_first,
    "log_model": _name_first,
    "log_dataset": _name_first,
}


def _form_text(name, order):
    return "%s(%s, …)" % (name, ", ".join(order[:2]))


def _signature(implementation, order, aliases, form_defaults):
    """What help() shows: the generation's positional order (and defaults), then the other keywords the call accepts."""
    parameters = {key: p.replace(default=form_defaults.get(key, p.default)) for key, p in inspect.signature(implementation).parameters.items()}
    canonical = [aliases.get(key, key) for key in order]
    defaults = [parameters[key].default for key in canonical]
    # A parameter before a required one is shown required too (log_artifact(artifact_name, artifact_path, …)).
    required = max((i for i, value in enumerate(defaults) if value is inspect.Parameter.empty), default=-1)
    positional = [inspect.Parameter(key, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=inspect.Parameter.empty if i <= required else defaults[i])
                  for i, key in enumerate(order)]
    keywords = [inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=p.default) for key, p in parameters.items() if key not in canonical]
    keywords += [inspect.Parameter(alias, inspect.Parameter.KEYWORD_ONLY, default=None) for alias in aliases if alias not in order]
    return inspect.Signature(positional + keywords)


def published(name, line):
    """Decorator: the public `name` with generation `line`'s positional order (or the order the
    arguments' types choose), calling the implementation with keywords only."""
    orders = ORDERS[name]
    choose = CHOOSERS.get(name)
    aliases = ALIASES.get(name, {})

    def wrap(implementation):
        accepted = frozenset(inspect.signature(implementation).parameters) | frozenset(aliases)

        @functools.wraps(implementation)
        def call(*args, **kwargs):
            form = choose(args, kwargs) if choose is not None and args else line
            if form is None:
                raise TypeError("%s: the arguments fit neither %s nor %s (got %s)" % (
                    name, _form_text(name, orders[SEED]), _form_text(name, orders[NEWEST]),
                    ", ".join(type(a).__name__ for a in args)))
            order = orders[form]
            if len(args) > len(order):
                raise TypeError("%s: takes at most %d positional arguments in the form %s, got %d" % (
                    name, len(order), _form_text(name, order), len(args)))
            for key in kwargs:
                if key not in accepted:
                    raise TypeError("%s: unknown keyword argument %r" % (name, key))
            for alias, canonical in aliases.items():
                if alias in kwargs:
                    if canonical in kwargs:
                        raise TypeError("%s: %s and %s are the same argument; give one" % (name, alias, canonical))
                    kwargs[canonical] = kwargs.pop(alias)
            for key, value in zip(order, args):
                key = aliases.get(key, key)
                if key in kwargs:
                    raise TypeError("%s: got multiple values for argument %r" % (name, key))
                kwargs[key] = value
            for key, value in FORM_DEFAULTS.get((name, form), {}).items():
                kwargs.setdefault(key, value)
            return implementation(**kwargs)

        call.__name__ = call.__qualname__ = name
        call.__signature__ = _signature(implementation, orders[line], aliases, FORM_DEFAULTS.get((name, line), {}))
        return call

    return wrap
