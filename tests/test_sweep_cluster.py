"""Sweeps on a real Dask cluster: a `dask scheduler` and `dask worker` processes on loopback.

Every process started here is stopped here (module fixture and try/finally).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.engine import execute, prepare, read_runs
from sim.sweep.spec import load_sweep

from test_sweep import interrupt_sweep, ishigami_yaml, run_local, toy_yaml, write

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"


def _env():
    return dict(os.environ, PYTHONWARNINGS="ignore", DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="10",
                DASK_DISTRIBUTED__WORKER__DAEMON="False")


def _start(args, log: Path) -> subprocess.Popen:
    # own session: a worker's nanny and its worker process can be killed together
    return subprocess.Popen([str(DASK)] + args, cwd=ROOT, env=_env(), stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _start_worker(address: str, tmp: Path, name: str) -> subprocess.Popen:
    return _start([ "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                    "--name", name, "--local-directory", str(tmp / f"wd-{name}")], tmp / f"{name}.log")


def _wait_workers(address: str, n: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout="20s") as c:
        c.wait_for_workers(n, timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    sched_file = tmp / "scheduler.json"
    procs = []
    try:
        procs.append(_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                             "--scheduler-file", str(sched_file)], tmp / "scheduler.log"))
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            assert procs[0].poll() is None, (tmp / "scheduler.log").read_text()
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(_start_worker(address, tmp, f"w{i}"))
        _wait_workers(address, 2)
        yield {"address": address, "tmp": tmp}
    finally:
        for p in reversed(procs):
            _stop(p)


def _run_dask(sweep_file: Path, out: Path, address: str):
    plan = prepare(load_sweep(sweep_file), out)
    res = execute(plan, backend="dask", scheduler=address, progress=False, log=lambda m: None)
    assert res.status == "complete", res
    return read_runs(out)


def test_cluster_rows_identical_to_local(cluster, tmp_path):
    f = write(tmp_path, "toy.yaml", toy_yaml(samples=16, replications=2, chunk_size=5))
    local = run_local(f, tmp_path / "local", workers=2)
    remote = _run_dask(f, tmp_path / "dask", cluster["address"])
    pd.testing.assert_frame_equal(local, remote)
    # and through the CLI entry with --scheduler
    from sim.sweep.cli import main

    assert main(["sweep", str(f), "--scheduler", cluster["address"], "--out", str(tmp_path / "cli"),
                 "--no-progress"]) == 0
    pd.testing.assert_frame_equal(local, read_runs(tmp_path / "cli"))
    manifest = json.loads((tmp_path / "cli" / "sweep.json").read_text())
    assert manifest["sessions"][0]["backend"] == "dask" and manifest["sessions"][0]["workers"] == 2


def _worker_address(client, name: str) -> str:
    return next(a for a, w in client.scheduler_info()["workers"].items() if w.get("name") == name)


def _chunks_held(client, address: str) -> list[str]:
    """The sweep chunks the scheduler has given to the worker at `address` and not seen finish."""
    return [k for k in client.processing(workers=[address]).get(address, []) if str(k).startswith("sweep-")]


def test_killed_worker_every_row_arrives(cluster, tmp_path):
    """A worker dies while it holds a chunk: the chunk is run again elsewhere, every row arrives once."""
    from distributed import Client

    address, tmp = cluster["address"], cluster["tmp"]
    victim = _start_worker(address, tmp, "victim")
    held: list[str] = []
    try:
        _wait_workers(address, 3)
        # 480 runs in 48 chunks of 10, 0.05 s a run: ~8 s on 3 workers
        f = write(tmp_path, "slow.yaml", ishigami_yaml(method="latin", samples=480, delay=0.05, chunk_size=10))
        out = tmp_path / "slow"
        plan = prepare(load_sweep(f), out)
        result = {}
        with Client(address, timeout="20s") as client:
            victim_address = _worker_address(client, "victim")
            t = threading.Thread(target=lambda: result.setdefault(
                "res", execute(plan, backend="dask", scheduler=address, progress=False, log=lambda m: None)))
            t.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                    len(list((out / "runs").glob("part-*.parquet"))) >= 6 and _chunks_held(client, victim_address)):
                time.sleep(0.02)
            # frozen first, so that what it holds cannot finish between the look and the kill
            os.killpg(victim.pid, signal.SIGSTOP)
            time.sleep(0.5)  # news the worker sent before it stopped reaches the scheduler
            held = _chunks_held(client, victim_address)
            _stop(victim, signal.SIGKILL)  # the nanny and its worker die at once, mid-sweep
        parts_at_kill = len(list((out / "runs").glob("part-*.parquet")))
        t.join(timeout=120)
        assert not t.is_alive()
    finally:
        _stop(victim, signal.SIGKILL)
    assert held, "the killed worker held no chunk: the test tested nothing"
    res = result["res"]
    assert res.status == "complete", res
    assert parts_at_kill < 48
    rows = read_runs(out)
    assert len(rows) == 480
    assert list(rows["point"]) == list(range(480))
    assert not rows.duplicated(["point", "replication"]).any()
    straight = run_local(write(tmp_path, "fast.yaml", ishigami_yaml(method="latin", samples=480, chunk_size=10)), tmp_path / "s", 2)
    pd.testing.assert_frame_equal(rows, straight)


def test_ctrl_c_on_the_dask_backend_then_resume(cluster, tmp_path):
    """Ctrl-C during a sweep on a cluster: exit 130, only whole parts on disk, the cluster left running;
    --resume on the same cluster completes it with every row once."""
    address = cluster["address"]
    f = write(tmp_path, "slow.yaml", ishigami_yaml(samples=64, delay=0.02, chunk_size=8))  # 320 runs, 40 chunks
    out = tmp_path / "slow"
    interrupt_sweep([str(f), "--scheduler", address], out, _env(), stop_within=60)
    assert len(list((out / "runs").glob("part-*.parquet"))) < 40
    _wait_workers(address, 2)  # the user's cluster is still there

    from sim.sweep.cli import main

    assert main(["sweep", "--resume", str(out), "--scheduler", address, "--no-progress"]) == 0
    rows = read_runs(out)
    assert len(rows) == 320 and list(rows["point"]) == list(range(320))
    straight = run_local(write(tmp_path, "fast.yaml", ishigami_yaml(samples=64, chunk_size=8)), tmp_path / "s", 1)
    pd.testing.assert_frame_equal(rows, straight)
