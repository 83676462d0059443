"""ProvenanceTrackedFunction: the newest original's wrapper that logs what a callable returns."""

import types

from ._api import log_metric

#: Callables whose class says nothing of them (every function's class is `function`): named by __name__.
_NAMED_BY_NAME = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType)


class ProvenanceTrackedFunction:
    """Wraps a callable (a loss such as torch.nn.MSELoss(), a metric function): each call returns its
    result unchanged and logs it as one point of a metric named after the callable, at steps 0, 1, 2, …
    (one a call), in `context` (default TRAINING), with that name as the source.

    The name is the callable's class, as the original's was (`MSELoss`); for a plain function, whose
    class is `function` for every function, it is the function's name. A result that is not one number
    (a tensor of many elements) is kept as text, as log_metric keeps it."""

    def __init__(self, func, context=None):
        if not callable(func):
            raise TypeError("prov4ml.ProvenanceTrackedFunction: func must be callable, not %s" % type(func).__name__)
        self.fn = func
        self.context = context
        self.source = func.__name__ if isinstance(func, _NAMED_BY_NAME) else type(func).__name__
        #: The step of the next call's point.
        self.inc = 0

    def __call__(self, *args, **kwargs):
        result = self.fn(*args, **kwargs)
        log_metric(self.source, result, context=self.context, step=self.inc, source=self.source)
        self.inc += 1
        return result
