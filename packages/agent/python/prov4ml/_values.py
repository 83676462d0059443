"""Turning the program's arguments into what the wire carries. A wrong type is a TypeError that names
the call and the argument, raised at once; nothing here does I/O."""

import math
import operator

from ._limits import MAX_NAME_CHARS, MAX_PARAM_VALUE_CHARS, MAX_SAFE_STEP


def metric_number(value):
    """A float from a number, a numpy scalar or a one-element tensor (anything with __float__ or .item());
    None for a value that is not one number (a list, a string, a tensor of many elements)."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (str, bytes)):
        return None
    try:
        if hasattr(type(value), "__float__"):
            return float(value)
        item = getattr(value, "item", None)
        if item is not None:
            number = item()
            if isinstance(number, (int, float)):
                return float(number)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None
    return None


def as_number(value, argument, call):
    """metric_number, or a TypeError naming the argument."""
    number = metric_number(value)
    if number is None:
        raise TypeError("%s: %s must be a number, got %s" % (call, argument, type(value).__name__)) from None
    return number


def as_step(step, call, argument="step"):
    """An exact integer step; None is 0 (the original's default of None crashed its end_run)."""
    if step is None:
        return 0
    if isinstance(step, float) and step.is_integer():
        step = int(step)
    else:
        try:
            step = operator.index(step)
        except TypeError:
            raise TypeError("%s: %s must be an integer, got %r" % (call, argument, step)) from None
    if not -MAX_SAFE_STEP <= step <= MAX_SAFE_STEP:
        raise TypeError("%s: %s must be within ±2**53, got %d" % (call, argument, step))
    return step


def optional_step(step, call):
    return None if step is None else as_step(step, call)


def check_name(name, argument, call):
    if not isinstance(name, str) or not name:
        raise TypeError("%s: %s must be a non-empty string, got %r" % (call, argument, name)) from None
    if len(name) > MAX_NAME_CHARS:
        raise TypeError("%s: %s is %d characters long, the limit is %d" % (call, argument, len(name), MAX_NAME_CHARS)) from None
    return name


_NON_FINITE_NAMES = {math.inf: "Infinity", -math.inf: "-Infinity"}


def number_to_wire(number):
    """JSON has no NaN: the channel spells non-finite numbers 'NaN', 'Infinity', '-Infinity'."""
    if math.isfinite(number):
        return number
    return "NaN" if math.isnan(number) else _NON_FINITE_NAMES[number]


def param_value(value):
    """What a parameter value becomes on the wire: None, bool, int, float, or its str() as the original kept it."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return number_to_wire(value)
    if not isinstance(value, str):
        scalar = _scalar(value)
        if scalar is not None:
            return param_value(scalar)
        value = str(value)
    return value if len(value) <= MAX_PARAM_VALUE_CHARS else value[:MAX_PARAM_VALUE_CHARS] + "…"


def _scalar(value):
    """The Python number inside a numpy scalar or a one-element tensor, else None."""
    item = getattr(value, "item", None)
    if item is None or getattr(value, "ndim", 0) != 0:
        return None
    try:
        number = item()
    except (TypeError, ValueError, RuntimeError):
        return None
    return number if isinstance(number, (bool, int, float)) else None
