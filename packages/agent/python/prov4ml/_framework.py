"""A logger class that becomes a subclass of its framework's logger base (Lightning's Logger, itwinai's
Logger) when that framework is importable, without importing the framework when prov4ml is imported.

Importing Lightning takes seconds, so `import prov4ml` must not do it. The framework is looked up
when the first instance of a logger class is made (by then a Lightning or itwinai program has it
imported already, so it costs nothing): the instance's class is then the exported class mixed with
the framework's base, built once per class. isinstance(logger, lightning.pytorch.loggers.Logger) and
isinstance(logger, prov4ml.ProvMLLogger) are both true; without the framework the instance is of the
exported class itself, which has every method the framework's base has.
"""

import importlib
import sys
import threading
import types

from ._errors import warn_once

_lock = threading.Lock()
#: exported (or user-defined) logger class → the class its instances have (mixed, or itself)
_instance_classes = {}


class FrameworkLogger:
    """Base of the exported loggers. `FRAMEWORK_BASES`: (module, attribute) candidates, preferred first."""

    FRAMEWORK_BASES = ()

    def __new__(cls, *args, **kwargs):
        return object.__new__(_instance_class(cls))

    def __reduce__(self):
        # The mixed class is made at run time and cannot be found by name; rebuild from the exported one.
        return _rebuild, (_exported_class(type(self)), self.__dict__.copy())


def _rebuild(exported, state):
    logger = exported.__new__(exported)
    logger.__dict__.update(state)
    return logger


def _exported_class(cls):
    return getattr(cls, "_prov4ml_exported", cls)


def _instance_class(cls):
    if getattr(cls, "_prov4ml_exported", None) is not None:  # already the mixed class
        return cls
    with _lock:
        mixed = _instance_classes.get(cls)
        if mixed is None:
            base = framework_base(cls.FRAMEWORK_BASES)
            if base is None or issubclass(cls, base):
                mixed = cls
            else:
                # types.new_class picks the framework's metaclass (Lightning's base is an ABC).
                mixed = types.new_class(cls.__name__, (cls, base), {}, lambda namespace: namespace.update(
                    __module__=cls.__module__, __qualname__=cls.__qualname__, __doc__=cls.__doc__, _prov4ml_exported=cls))
            _instance_classes[cls] = mixed
    return mixed


def framework_base(candidates):
    """The first importable candidate class; candidates whose package the program already imported
    come first (a program on pytorch_lightning gets that Logger even where lightning is installed too)."""
    ordered = sorted(candidates, key=lambda candidate: candidate[0].split(".")[0] not in sys.modules)
    for module_name, attribute in ordered:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        except Exception as error:  # a broken framework install must not end the training job
            warn_once(("framework", module_name), "prov4ml: importing %s failed (%s: %s); the logger is not its subclass"
                      % (module_name, type(error).__name__, error))
            continue
        base = getattr(module, attribute, None)
        if isinstance(base, type):
            return base
    return None
