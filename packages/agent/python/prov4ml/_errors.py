"""What the client raises and warns."""

import os
import sys
import threading
import warnings


class Prov4mlError(RuntimeError):
    """start_run cannot reach or start an agent; the message says why, in one line."""


class Prov4mlWarning(UserWarning):
    """Something was not recorded; training goes on."""


_warned = set()
_warned_lock = threading.Lock()


#: The client's own packages: a warning names the program's line that called into them, not theirs.
_CLIENT_PACKAGES = tuple(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), package) + os.sep for package in ("prov4ml", "yprov4ml")
)


def warn(message):
    warnings.warn(message, Prov4mlWarning, stacklevel=_caller_level())


def _caller_level():
    """warnings.warn's stacklevel of the first frame outside prov4ml and yprov4ml (however deep the
    call went through wrappers such as _signatures.published)."""
    level = 2
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_CLIENT_PACKAGES):
        frame = frame.f_back
        level += 1
    return level


def warn_once(key, message):
    """Warns the first time `key` comes up in this process, so a loop does not repeat the same warning."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    warn(message)
