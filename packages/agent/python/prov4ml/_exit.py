"""How the program ends when it does not call end_run: the hooks start_run installs so that the exit
path (atexit) can end the run with the agent and record why the program stopped.

- an uncaught exception: sys.excepthook is wrapped (the original hook still prints the traceback);
  the interpreter then exits with status 1, which is what the run records;
- sys.exit(n) in the main thread: sys.exit is wrapped to note n (an atexit handler cannot learn the
  exit status), so the run records it; a program that falls off its end exits with 0. Not seen:
  `raise SystemExit(n)` itself (recorded as 0), and a sys.exit the program caught (its n is recorded,
  unless an exception or a signal ends the program later).
- SIGTERM (a batch system stopping the job): when the program has no handler of its own, one that
  raises SystemExit in the main thread, so that `finally` blocks and atexit run (the default action
  would kill the process with its files unwritten); once the run is ended, `_resignal` ends the
  process by the same signal, so that whoever waits for it sees it was killed. A SIGTERM that comes
  while the run is being ended (`ending`) lets that finish first.
"""

import contextlib
import os
import signal
import sys
import threading

#: Exit status of an interpreter whose main thread ended with an uncaught exception.
_UNCAUGHT_EXCEPTION_STATUS = 1

_lock = threading.Lock()
_installed = False
#: {"exitCode": int|None, "signal": str|None} once the program is seen ending abnormally.
_abnormal = None
#: The status the main thread's last sys.exit asked for; None: none was called.
_exit_status_asked = None
#: The run is being ended (end_run or the exit path): a SIGTERM now must not interrupt it.
_ending = False


def install():
    """Installs the hooks once per process (start_run calls it; later calls do nothing)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous_hook = sys.excepthook

    def excepthook(kind, value, traceback):
        _note({"exitCode": _UNCAUGHT_EXCEPTION_STATUS, "signal": None})
        previous_hook(kind, value, traceback)

    sys.excepthook = excepthook
    previous_exit = sys.exit

    def exit(status=None):
        global _exit_status_asked
        # In another thread SystemExit ends only that thread, not the program.
        if threading.current_thread() is threading.main_thread():
            _exit_status_asked = _exit_status(status)
        previous_exit(status)

    exit.__doc__ = previous_exit.__doc__
    sys.exit = exit
    # Handlers can only be set from the main thread; a program with its own SIGTERM handler keeps it.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_default_sigterm_in_child)


def _default_sigterm_in_child():
    # A forked child (a DataLoader worker) has no run of its own: SIGTERM kills it as it always did.
    if signal.getsignal(signal.SIGTERM) is _on_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _on_sigterm(signum, frame):
    _note({"exitCode": None, "signal": "SIGTERM"})
    if not _ending:
        raise SystemExit(128 + signum)


@contextlib.contextmanager
def ending():
    """Ends the run: a SIGTERM meanwhile waits until it is done, then ends the process (_resignal)."""
    global _ending
    _ending = True
    try:
        yield
    finally:
        _ending = False
    _resignal()


def _note(how):
    global _abnormal
    if _abnormal is None:
        _abnormal = how


def how_it_ends():
    """The `exit` of the end_run message the exit path sends: how the program is ending (an uncaught
    exception, sys.exit(n), SIGTERM; else a normal exit, status 0)."""
    if _abnormal is not None:
        return dict(_abnormal)
    return {"exitCode": 0 if _exit_status_asked is None else _exit_status_asked, "signal": None}


def _exit_status(status):
    """The process status sys.exit(status) gives, as Python computes it: None is 0, an int itself,
    anything else (a message) 1."""
    if status is None:
        return 0
    if isinstance(status, int) and not isinstance(status, bool):
        return status & 0xFF
    return 1


def _resignal():
    """After the exit path ended the run: a program stopped by SIGTERM dies by it, as it would have."""
    if _abnormal is not None and _abnormal["signal"] == "SIGTERM":
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGTERM)
