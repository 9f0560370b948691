"""Ctrl-C during a sweep on the local Dask backend, as a terminal sends it (SIGINT to the whole process
group: the command and every process it started), and a scheduler that cannot be reached.

What the user must see: exit code 130, one line, no traceback from any worker, no "Nanny failed to start";
no process of the sweep left behind; only whole parts on disk, or no folder at all if nothing was done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

pytest.importorskip("distributed")
pytestmark = pytest.mark.cluster

SLOW = """\
model: ishigami
model_options: {delay: 0.02}
parameters:
  x1: {bounds: [-3.14, 3.14]}
  x2: {bounds: [-3.14, 3.14]}
  x3: {bounds: [-3.14, 3.14]}
design: {method: sobol, samples: 64, seed: 7}
outcomes: [y]
chunk_size: 8
"""  # 320 runs in 40 chunks of 8, about 0.16 s each
NOISE = ("Traceback", "KeyboardInterrupt", "Nanny", "CancelledError", "WARNING")


def _group(pgid: int) -> list[str]:
    """The processes still in a process group (zombies included: a zombie is a child nobody waited for)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if os.getpgid(int(p.name)) == pgid:
                    out.append(f"{p.name}: {(p / 'cmdline').read_bytes()[:120]!r}")
            except (ProcessLookupError, PermissionError, FileNotFoundError):
                pass
    return out


def _ctrl_c(tmp_path: Path, ready, grace: float = 0.0):
    """Start `libya-sim sweep` on the local Dask backend in its own process group; once ``ready(out)`` holds
    (and ``grace`` seconds more), send SIGINT to the group. Returns (exit code, stderr lines, out)."""
    f = tmp_path / "slow.yaml"
    f.write_text(SLOW)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(f), "--backend", "dask", "--workers", "2",
                             "--out", str(out), "--no-progress"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not ready(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert proc.poll() is None, proc.communicate()
        time.sleep(grace)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + 30  # the cluster's processes end with the command, within a bounded time
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group(proc.pid) == [], _group(proc.pid)
    return proc.returncode, [x for x in err.splitlines() if x.strip()], out


def _parts(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir() else []


def test_ctrl_c_during_a_local_dask_sweep_is_one_line_and_leaves_no_process(tmp_path):
    code, lines, out = _ctrl_c(tmp_path, lambda out: len(_parts(out)) >= 3)
    assert code == 130, lines
    assert not [x for x in lines if any(n in x for n in NOISE)], lines
    assert lines[-1].startswith("interrupted: ") and "--resume" in lines[-1], lines
    assert len(lines) == 2 and lines[0].startswith("sweep slow: "), lines  # the start line, then one line
    from sim.sweep.engine import read_runs

    assert 3 <= len(_parts(out)) < 40 and not list((out / "runs").glob("*.tmp*"))
    rows = read_runs(out)
    assert len(rows) == 8 * len(_parts(out)) and not rows.duplicated(["point", "replication"]).any()


@pytest.mark.parametrize("grace", [0.0, 0.4])
def test_ctrl_c_while_the_local_cluster_starts(tmp_path, grace):
    """The sweep's folder is written just before the cluster starts: Ctrl-C then (or a little later, while
    the workers start) stops the sweep with one line; nothing was done, so nothing is left."""
    code, lines, out = _ctrl_c(tmp_path, lambda out: (out / "sweep.json").exists(), grace)
    assert code == 130, lines
    assert not [x for x in lines if any(n in x for n in NOISE)], lines
    if _parts(out):  # the workers were quick: whole parts, and the hint to resume
        assert lines[-1].startswith("interrupted: ") and "--resume" in lines[-1], lines
    else:
        assert lines[-1] == "interrupted: nothing was written" and not out.exists(), lines


def test_an_unreachable_scheduler_leaves_no_folder(tmp_path, capsys):
    from sim.cli import main

    f = tmp_path / "slow.yaml"
    f.write_text(SLOW)
    with socket_closed_port() as port:
        code = main(["sweep", str(f), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path / "out"),
                     "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: --scheduler: cannot connect"), err
    assert not (tmp_path / "out").exists()


class socket_closed_port:
    """A loopback port nothing listens on (bound and closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc):
        return False
