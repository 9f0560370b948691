"""Ctrl-C for the command line: one clean stop, in the parent and in its helper processes.

The command line installs :func:`install` once. From then on:

- SIGINT in the command's own process raises :class:`KeyboardInterrupt` as usual, and also
  records that an interrupt was asked for (:func:`requested`), so a failure that follows it
  (an interrupt swallowed inside a library, a helper process that stopped) is reported as the
  interrupt it is, and no results are committed after it (:func:`check`);
- an interrupt that lands where Python cannot raise it (an at-fork callback, a finaliser) would be
  printed as "Exception ignored in ..." with a traceback; it is recorded all the same and dropped
  quietly, and the next :func:`check` raises it;
- a process forked from it (the compare writers) inherits the handler and, on SIGINT, leaves at
  once and quietly: its parent is being interrupted too and discards what it was writing.

Worker processes of :mod:`sim.runner` ignore SIGINT altogether; their parent stops them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager

EXIT_INTERRUPTED = 130

_owner_pid: int | None = None
_requested = False
_written: list[str] = []  # results folders put in place by this process (an interrupt after that is late)
_host_unraisablehook = None  # the hook install() replaced, put back by restore()


def _on_sigint(signum, frame):
    global _requested
    if os.getpid() != _owner_pid:  # a forked helper: its parent cleans up
        os._exit(EXIT_INTERRUPTED)
    _requested = True
    raise KeyboardInterrupt


def _quiet_unraisable(unraisable) -> None:
    """Drop an interrupt Python could not raise (it is recorded in ``_requested``); pass on the rest."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt) and requested():
        return
    (_host_unraisablehook or sys.__unraisablehook__)(unraisable)


def install():
    """Handle SIGINT as described above (main thread only; elsewhere a no-op). Returns what to pass to
    :func:`restore` (the command line restores its host's handler when it returns)."""
    global _owner_pid, _requested, _host_unraisablehook
    if threading.current_thread() is not threading.main_thread():
        return None
    _owner_pid = os.getpid()
    _requested = False
    _written.clear()
    if sys.unraisablehook is not _quiet_unraisable:
        _host_unraisablehook = sys.unraisablehook
        sys.unraisablehook = _quiet_unraisable
    return signal.signal(signal.SIGINT, _on_sigint)


def ignore() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def restore(previous) -> None:
    global _host_unraisablehook
    if threading.current_thread() is not threading.main_thread():
        return
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
    if sys.unraisablehook is _quiet_unraisable:
        sys.unraisablehook = _host_unraisablehook or sys.__unraisablehook__
        _host_unraisablehook = None


def requested() -> bool:
    """True once SIGINT reached this process (after :func:`install`)."""
    return _requested and os.getpid() == _owner_pid


def note_written(path) -> None:
    """Record that a results folder is complete and in place."""
    _written.append(str(path))


def message() -> str:
    """The one line the command line prints when interrupted."""
    if _written:
        return f"interrupted: the results were already complete in {', '.join(_written)}"
    return "interrupted: nothing was written"


def check() -> None:
    """Raise :class:`KeyboardInterrupt` if an interrupt was asked for, even one a library swallowed."""
    if requested():
        raise KeyboardInterrupt


@contextmanager
def deferred():
    """Hold SIGINT back for a short critical section (renaming results into place); an interrupt
    that arrives meanwhile is raised when the section ends. Outside the main thread, a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum, frame):
        caught.append(signum)

    global _requested
    old = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if caught and os.getpid() == _owner_pid:
            _requested = True  # also when the section failed: the failure is then the interrupt's doing
    if caught:
        raise KeyboardInterrupt
