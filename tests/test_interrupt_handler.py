"""The SIGINT handler of the command line (sim.interrupts), in a process of its own.

Ctrl-C can land where Python cannot raise it: in an at-fork callback (logging's lock release when
`compare` forks its writers), or in a finaliser. Python then prints "Exception ignored in ..." with
a traceback, which a user takes for a crash. The handler records the interrupt, keeps that noise
off the terminal, and the next check raises it.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

_FINALISER_RAISES = """
import os, signal, sys
from sim import interrupts
previous = interrupts.install()

class Finaliser:
    def __del__(self):
        {body}
        for _ in range(10_000):   # the signal handler runs here, inside the finaliser
            pass

f = Finaliser()
del f
try:
    interrupts.check()
    print("not raised")
except KeyboardInterrupt:
    print("raised")
interrupts.restore(previous)
print("hook restored" if sys.unraisablehook is sys.__unraisablehook__ else "hook left in place")
"""


def _run(body: str) -> subprocess.CompletedProcess:
    code = _FINALISER_RAISES.replace("{body}", body)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_an_interrupt_inside_a_finaliser_is_quiet_and_raised_at_the_next_check():
    done = _run("os.kill(os.getpid(), signal.SIGINT)")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split("\n")[:2] == ["raised", "hook restored"]


def test_other_errors_inside_a_finaliser_are_still_printed():
    done = _run("raise ValueError('a real fault')")
    assert "ValueError: a real fault" in done.stderr
    assert done.stdout.split("\n")[:2] == ["not raised", "hook restored"]
