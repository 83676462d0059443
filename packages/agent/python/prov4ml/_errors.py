"""What the client raises and warns."""

import threading
import warnings


class Prov4mlError(RuntimeError):
    """start_run cannot reach or start an agent; the message says why, in one line."""


class Prov4mlWarning(UserWarning):
    """Something was not recorded; training goes on."""


_warned = set()
_warned_lock = threading.Lock()


def warn(message):
    warnings.warn(message, Prov4mlWarning, stacklevel=3)


def warn_once(key, message):
    """Warns the first time `key` comes up in this process, so a loop does not repeat the same warning."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    warn(message)
