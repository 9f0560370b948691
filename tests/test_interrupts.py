"""Ctrl-C at random moments of `run` and `compare`, as a terminal sends it (SIGINT to the whole
process group), and as `kill -INT` sends it (to the command's process alone).

Every try must end with exit code 130 and one line starting "interrupted" (or, when the command had
already finished, exit 0 with complete results), no traceback, no process of the command left
running, and nothing on disk but complete results. The moments are drawn from a seeded generator
so a failure can be replayed; the time limits are hang detectors, not speed checks.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import CLI, ROOT, SCENARIOS

pytestmark = pytest.mark.slow  # about forty commands started and interrupted: minutes

HANG = 60  # seconds after the signal before a try counts as hung (generous: the machine is shared)
FAILED = str(SCENARIOS / "palermo_failed.yaml")
SUCCESS = str(SCENARIOS / "palermo_success.yaml")
PROGRESS = re.compile(r"\d+%\|")  # a progress bar line (tqdm)
RESULTS = ("summary.csv", "regions.csv", "actors.csv", "ties.csv", "camps.csv", "events.csv", "manifest.json")


def _session_processes(sid: int) -> list[int]:
    """Processes still alive in session ``sid`` (the command's own session)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def _wait_gone(sid: int) -> list[int]:
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        left = _session_processes(sid)
        if not left:
            return []
        time.sleep(0.05)
    return _session_processes(sid)


def _complete_run(folder: Path) -> bool:
    return all((folder / name).is_file() for name in RESULTS) and \
        json.loads((folder / "manifest.json").read_text())["package"] == "libya-sim"


def _complete_compare(folder: Path, names: list[str]) -> bool:
    return (folder / "report.html").is_file() and (folder / "comparison.csv").is_file() and \
        all(_complete_run(folder / n) for n in names)


def _started(pid: int) -> bool:
    """The command's own code runs: numpy, which it imports right after taking over Ctrl-C, is loaded.
    (Before that the interpreter itself is starting, and a Ctrl-C then stops any Python program with
    Python's own traceback, before this program exists.)"""
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _interrupt(args: list[str], workdir: Path, delay: float, group: bool, trigger=None) -> tuple[int, str, bool]:
    """Start the command, wait until its own code runs and ``trigger()`` is true (if given), then ``delay``
    seconds, then send SIGINT; returns (exit code, stderr, whether the signal was sent while it ran)."""
    proc = subprocess.Popen(CLI + args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(ROOT)),
                            start_new_session=True)
    try:
        deadline = time.monotonic() + HANG
        for ready in filter(None, (lambda: _started(proc.pid), trigger)):
            while proc.poll() is None and not ready() and time.monotonic() < deadline:
                time.sleep(0.005)
        time.sleep(delay)
        sent = proc.poll() is None
        if sent:
            if group:
                os.killpg(proc.pid, signal.SIGINT)
            else:
                proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"hung after SIGINT: {' '.join(args)} (delay {delay:.2f} s)")
        left = _wait_gone(proc.pid)
        assert not left, f"processes left running after exit: {left}"
        return proc.returncode, err, sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _check_outcome(code: int, err: str, sent: bool, workdir: Path, complete) -> str:
    """Asserts what the user sees and what is on disk; returns 'interrupted' or 'finished'."""
    assert "Traceback" not in err and "Error" not in err, err
    out = workdir / "out"
    if code == 0:
        assert complete(out), "exit 0 without complete results"
        outcome = "finished"
    else:
        assert sent and code == 130, (code, err)
        lines = [ln for ln in err.splitlines() if ln.strip() and not PROGRESS.search(ln)]
        assert len(lines) == 1 and lines[0].startswith("interrupted"), err
        if "already complete" in lines[0]:
            assert complete(out)
            outcome = "finished"
        else:
            assert not out.exists(), list(out.iterdir())
            outcome = "interrupted"
    leftovers = [p.name for p in workdir.iterdir() if p.name != "out"]
    assert not leftovers, leftovers  # no hidden temporary folder, lock file or old copy
    return outcome


def _fresh(tmp_path: Path, k: int) -> Path:
    d = tmp_path / f"try{k:02d}"
    d.mkdir()
    return d


# (name, arguments after the scenario(s), tries, delay range in s, compare?)
CASES = [
    ("run-small", ["run", FAILED, "--runs", "8"], 12, (0.0, 3.0), False),
    ("run-large", ["run", FAILED, "--runs", "200"], 10, (0.3, 5.0), False),
    ("compare", ["compare", SUCCESS, FAILED, "--runs", "16"], 12, (0.0, 4.0), True),
]


@pytest.mark.parametrize("name, args, tries, delays, is_compare", CASES, ids=[c[0] for c in CASES])
def test_ctrl_c_at_random_moments(tmp_path, name, args, tries, delays, is_compare):
    rng = random.Random(f"ctrl-c {name}")
    outcomes = []
    for k in range(tries):
        workdir = _fresh(tmp_path, k)
        delay = rng.uniform(*delays)
        group = k % 3 != 2  # most as a terminal sends Ctrl-C, every third as `kill -INT`
        code, err, sent = _interrupt(args + ["--out", "out"], workdir, delay, group)
        complete = (lambda f: _complete_compare(f, ["palermo_success", "palermo_failed"])) if is_compare \
            else _complete_run
        outcomes.append(_check_outcome(code, err, sent, workdir, complete))
    assert outcomes.count("interrupted") >= tries // 2, outcomes  # most tries caught the command at work


def test_ctrl_c_while_compare_writes(tmp_path):
    """The moment the scenario folders start to be written (the writers are at work), then a little later."""
    rng = random.Random("ctrl-c compare writing")
    outcomes = []
    for k in range(16):
        workdir = _fresh(tmp_path, k)

        def writing(d=workdir):
            return any(p.is_dir() for tmp in d.glob(".out.tmp-*") for p in tmp.iterdir())

        code, err, sent = _interrupt(["compare", SUCCESS, FAILED, "--runs", "16", "--out", "out"], workdir,
                                     rng.uniform(0.0, 0.6), group=k % 4 != 3, trigger=writing)
        outcomes.append(_check_outcome(code, err, sent, workdir,
                                       lambda f: _complete_compare(f, ["palermo_success", "palermo_failed"])))
    assert outcomes.count("interrupted") >= 8, outcomes
