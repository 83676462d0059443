"""The original's Context, LoggingItemKind and FoldOperation, and what a context argument may be.

Contexts and kinds are str constants rather than Enum members: they are dictionary keys on the
logging hot path, and an Enum member's hash is a Python-level call.
"""

import enum
import re
import threading

from ._errors import warn_once
from ._limits import MAX_CONTEXT_ALIASES

#: The agent's rule for context names (prov-core's CONTEXT_NAME_PATTERN).
CONTEXT_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}\Z")


class _Constant(str):
    """A str that reads like the original's enum member: .name, .value and repr 'Context.TRAINING'."""

    def __new__(cls, owner, name, value):
        constant = str.__new__(cls, value)
        constant._owner = owner
        constant.name = name
        return constant

    @property
    def value(self):
        return str(self)

    def __repr__(self):
        return "<%s.%s: %s>" % (self._owner, self.name, str.__repr__(self))


class _ContextType(type):
    """Makes Context read like the original's Enum: Context["TRAINING"], iteration, `in`, len()."""

    def __getitem__(cls, name):
        member = _members.get(name)
        if member is None:
            raise KeyError(name)
        return member

    def __iter__(cls):
        return iter(list(_members.values()))

    def __len__(cls):
        return len(_members)

    def __contains__(cls, context):
        return _context_name(context) is not None

    def __call__(cls, value):
        """Context("TRAINING") as an Enum looks a member up by value; ValueError names an unknown one."""
        return cls.get_context_from_string(value)


class Context(metaclass=_ContextType):
    """Where a metric was measured. Context.TRAINING, Context["TRAINING"], "training", "TRAINING" and
    "Context.TRAINING" are one context; on the wire contexts are upper case. Other names are added
    with create_context, which makes them members too (Context.<name>)."""

    TRAINING = _Constant("Context", "TRAINING", "TRAINING")
    VALIDATION = _Constant("Context", "VALIDATION", "VALIDATION")
    TESTING = _Constant("Context", "TESTING", "TESTING")
    EVALUATION = _Constant("Context", "EVALUATION", "EVALUATION")
    DATASETS = _Constant("Context", "DATASETS", "DATASETS")
    MODELS = _Constant("Context", "MODELS", "MODELS")

    @staticmethod
    def get_context_from_string(context):
        """The original's lookup: 'training' or 'Context.TRAINING' → Context.TRAINING; ValueError otherwise."""
        name = _context_name(context)
        if name is None:
            raise ValueError("Invalid context: %s" % (context,))
        return _members[name]


_BUILT_IN = {c: c for c in (Context.TRAINING, Context.VALIDATION, Context.TESTING, Context.EVALUATION, Context.DATASETS, Context.MODELS)}
#: Every context by name, built in and created, in creation order (what iterating Context yields).
_members = dict(_BUILT_IN)
#: Created contexts: name → the name of the context it is a sub-context of (or None).
_declared = {}
_declared_lock = threading.Lock()


def create_context(name, is_subcontext_of=None):
    """Adds Context.<name> (the newer original's create_context) and returns it; `is_subcontext_of`
    names the parent context. Creating an existing name again only updates its parent."""
    if not isinstance(name, str) or not CONTEXT_NAME_PATTERN.match(name):
        raise TypeError("create_context: context must match %s, got %r" % (CONTEXT_NAME_PATTERN.pattern, name))
    parent = None if is_subcontext_of is None else canonical_context(is_subcontext_of, "create_context", argument="is_subcontext_of")
    with _declared_lock:
        member = _members.get(name)
        if member is None:
            member = _members[name] = _Constant("Context", name, name)
            setattr(Context, name, member)
        if name not in _BUILT_IN:
            _declared[name] = parent
    return member


def _context_name(context):
    if not isinstance(context, str):
        return None
    bare = context[len("Context."):] if context.startswith("Context.") else context
    if bare in _declared:
        return bare
    upper = bare.upper()
    return upper if upper in _BUILT_IN else None


def canonical_context(context, call, default=Context.TRAINING, argument="context"):
    """The wire name of a context argument; None means `default`. TypeError names the argument."""
    if context is None:
        return str(default)
    name = _context_name(context)
    if name is None:
        known = ", ".join(sorted(_members))
        # `from None`: the hot path looks the context up first, and its KeyError is no news to the caller.
        raise TypeError("%s: %s must be one of %s (or declared with create_context), got %r" % (call, argument, known, context)) from None
    return str(name)


class ContextAliases:
    """Maps every spelling of a context the program used to its canonical name's entry, so that the
    hot path finds it with one dictionary lookup of the object it was given."""

    def __init__(self, make_entry):
        self._make_entry = make_entry
        self.by_alias = {}
        self._by_name = {}
        self._lock = threading.Lock()

    def entry(self, context, call):
        name = canonical_context(context, call)
        with self._lock:
            entry = self._by_name.get(name)
            if entry is None:
                entry = self._by_name[name] = self._make_entry(name)
            if len(self.by_alias) < MAX_CONTEXT_ALIASES:
                self.by_alias[context] = entry
            else:
                warn_once("context-aliases", "prov4ml: more than %d spellings of contexts; logging with new ones is slower" % MAX_CONTEXT_ALIASES)
        return entry


class _ConstantsType(type):
    """Makes a class of _Constant members read like the original's Enum: iteration and len() over its
    members, `in`, lookup by name (Kind["METRIC"]) and by value (Kind("metric"), ValueError otherwise)."""

    def _members(cls):
        return [value for value in vars(cls).values() if isinstance(value, _Constant)]

    def __iter__(cls):
        return iter(cls._members())

    def __len__(cls):
        return len(cls._members())

    def __contains__(cls, value):
        return value in cls._members()

    def __getitem__(cls, name):
        member = vars(cls).get(name)
        if not isinstance(member, _Constant):
            raise KeyError(name)
        return member

    def __call__(cls, value):
        for member in cls._members():
            if member == value:
                return member
        raise ValueError("%r is not a valid %s" % (value, cls.__name__))


class LoggingItemKind(metaclass=_ConstantsType):
    """The original's kinds of logged items; the value is the metric's `source` on the wire."""

    METRIC = _Constant("LoggingItemKind", "METRIC", "metric")
    FLOPS_PER_BATCH = _Constant("LoggingItemKind", "FLOPS_PER_BATCH", "flops_pb")
    FLOPS_PER_EPOCH = _Constant("LoggingItemKind", "FLOPS_PER_EPOCH", "flops_pe")
    SYSTEM_METRIC = _Constant("LoggingItemKind", "SYSTEM_METRIC", "system")
    CARBON_METRIC = _Constant("LoggingItemKind", "CARBON_METRIC", "carbon")
    EXECUTION_TIME = _Constant("LoggingItemKind", "EXECUTION_TIME", "execution_time")
    MODEL_VERSION = _Constant("LoggingItemKind", "MODEL_VERSION", "model_version")
    FINAL_MODEL_VERSION = _Constant("LoggingItemKind", "FINAL_MODEL_VERSION", "model_version_final")
    PARAMETER = _Constant("LoggingItemKind", "PARAMETER", "param")


#: Units the wire carries for metrics of a kind; user metrics have none.
UNIT_OF_SOURCE = {
    "execution_time": "s",
    "flops_pb": "FLOP",
    "flops_pe": "FLOP",
}


def _add(x, y):
    return x + y


def _subtract(x, y):
    return x - y


def _multiply(x, y):
    return x * y


def _minimum(x, y):
    return min(x, y)


def _maximum(x, y):
    return max(x, y)


class FoldOperation:
    """Two-argument folds for register_final_metric: fold(current, new value)."""

    ADD = staticmethod(_add)
    SUBTRACT = staticmethod(_subtract)
    MULTIPLY = staticmethod(_multiply)
    MIN = staticmethod(_minimum)
    MAX = staticmethod(_maximum)


#: The wire's operation name of each built-in fold; any other callable is 'CUSTOM'.
FOLD_NAMES = {_add: "ADD", _subtract: "SUBTRACT", _multiply: "MULTIPLY", _minimum: "MIN", _maximum: "MAX"}


class MetricsType(enum.Enum):
    """The newer original's metric file formats (start_run(metrics_file_type=)), all written: .txt, .csv, .zarr, .nc."""

    TEXT = "txt"
    CSV = "csv"
    ZARR = "zarr"
    NETCDF = "netcdf"


class CompressorType(enum.Enum):
    """The newer original's compression of the run's files (start_run(use_compressor=))."""

    NONE = "none"
    ZIP = "zip"
    BLOSC_ZSTD = "blosc_zstd"
