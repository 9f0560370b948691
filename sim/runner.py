"""Run a scenario: one seeded run, or an ensemble of runs on all cores.

Every run's seed is fixed before any work is sent out (run k uses seed
``base_seed + k``), and results are gathered by run index, so the outputs are
identical whatever the number of worker processes.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import os
import pickle
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from . import interrupts
from .errors import InputError
from .model import ConflictModel, steps_until
from .record import Recorder
from .schema import Scenario


@dataclass
class RunResult:
    run: int
    seed: int
    summary: dict[str, object]
    recorder: Recorder


def horizon_steps(scenario: Scenario, steps: int | None = None, until: dt.date | None = None) -> int:
    if steps is not None:
        return steps
    return steps_until(scenario.start_date, until or scenario.end_date)


def run_one(scenario: Scenario, seed: int, steps: int, record: bool = True, run: int = 0) -> RunResult:
    """One seeded run of ``steps`` weeks.

    The cyclic garbage collector is paused for the whole run: a week makes no reference cycles (reference
    counting frees what it throws away), and the cycles the model is made of (agents and the model refer to
    each other) live as long as the run. Left on, the collector went through the run's objects many times
    and freed the model only in an older generation, runs later. Once the model is dropped, one collection of
    the youngest generation frees it with everything it alone held; nothing older is visited."""
    if hasattr(scenario, "for_seed"):  # parameters drawn per run (--posterior: sim.calibrate.posterior)
        scenario = scenario.for_seed(seed)
    collecting = gc.isenabled()
    gc.disable()
    try:
        model = ConflictModel(scenario, seed=seed, record=record)
        for _ in range(steps):
            model.step()
        result = RunResult(run, seed, model.summary(), model.recorder)
    finally:
        if collecting:
            gc.enable()
    del model
    if collecting:
        gc.collect(0)
    return result


MAX_SEED = 2**63 - 1  # seeds are written to the tables as 64-bit signed integers


def check_seeds(runs: int, base_seed: int) -> None:
    """Refuse a base seed whose run seeds (``base_seed`` .. ``base_seed + runs - 1``) leave 0..2^63-1."""
    if base_seed < 0:
        raise InputError(f"must be at least 0 (got {base_seed})", field="--seed")
    last = base_seed + max(runs, 1) - 1
    if last > MAX_SEED:
        raise InputError(f"run seeds go from --seed to --seed + runs - 1, and must not pass {MAX_SEED} "
                         f"(2^63 - 1); the last would be {last}: use a smaller --seed", field="--seed")


def run_seeds(runs: int, base_seed: int) -> list[int]:
    check_seeds(runs, base_seed)
    return [base_seed + k for k in range(runs)]


_WORKER_MODULES = ["sim.runner"]  # imported once by the fork server, not by every worker
STOP_WAIT = 5.0  # seconds a stopping worker gets before it is killed


def _worker_main(conn, scenario, steps, record) -> None:
    """A pool worker: run the chunks of (run, seed) it is sent, send back their results, stop on None.

    It ignores SIGINT (Ctrl-C reaches the whole process group; the parent decides) and leaves quietly
    when the parent has gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while True:
            chunk = conn.recv()
            if chunk is None:
                return
            try:
                out = (True, [run_one(scenario, seed, steps, record, run) for run, seed in chunk])
            except Exception as exc:  # the parent re-raises it
                out = (False, exc if _picklable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}"))
            conn.send(out)
    except (EOFError, OSError, pickle.UnpicklingError):  # the parent stopped talking: it is stopping us
        return


def _picklable(obj) -> bool:
    try:
        pickle.dumps(obj)
        return True
    except Exception:
        return False


def _context():
    """The fork server: workers are forked from a single-threaded server process that has imported the
    model once, so starting them is cheap and safe however many threads this process runs (fork from a
    threaded process can deadlock), and they start with SIGINT ignored (see :func:`_start_fork_server`)."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_WORKER_MODULES)
    _start_fork_server()
    return ctx


def _start_fork_server() -> None:
    """Start the fork server (once per process) with SIGINT ignored: an ignored signal stays ignored
    through exec, so the server, from its first instruction, and every worker it forks ignore Ctrl-C
    (the command stops them itself). This process ignores SIGINT only while the server is spawned
    (a fork and an exec, a few milliseconds)."""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        _ensure_own_fork_server(forkserver)
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _ensure_own_fork_server(forkserver)
    finally:
        signal.signal(signal.SIGINT, previous)


def _ensure_own_fork_server(forkserver) -> None:
    """``forkserver.ensure_running()``, also in a process forked from one that had started the server:
    there Python's check of the server (waiting on a process that is not its child) fails, so the
    inherited record is dropped and this process starts its own server."""
    try:
        forkserver.ensure_running()
    except ChildProcessError:
        server = forkserver._forkserver
        if server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
        server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
        forkserver.ensure_running()


def _stop(procs: list, conns: list, clean: bool) -> None:
    """Stop the workers: ask them (clean) or terminate them, wait a bounded time, then kill."""
    for conn in conns:
        if clean:
            try:
                conn.send(None)
            except OSError:
                pass
    if not clean:
        for p in procs:
            if p.exitcode is None:
                p.terminate()
    deadline = time.monotonic() + STOP_WAIT
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.exitcode is None:
            p.kill()
            p.join()
    for conn in conns:
        conn.close()


def _run_pool(scenario, tasks: list[tuple[int, int]], steps: int, record: bool, workers: int,
              progress: Callable[[int], None] | None) -> list[RunResult]:
    chunksize = max(1, len(tasks) // (workers * 8))
    chunks = [tasks[i:i + chunksize] for i in range(0, len(tasks), chunksize)]
    ctx = _context()
    procs, conns = [], []
    results: list[RunResult] = []
    clean = False
    try:
        # Ctrl-C is held back while workers start, so none is left half-started; it acts right after.
        with interrupts.deferred():
            for _ in range(min(workers, len(chunks))):
                mine, theirs = ctx.Pipe()
                p = ctx.Process(target=_worker_main, args=(theirs, scenario, steps, record), daemon=True)
                p.start()
                theirs.close()
                procs.append(p)
                conns.append(mine)
        todo = iter(chunks)
        busy: dict = {}  # connection -> worker process with a chunk in flight
        for conn, p in zip(conns, procs):
            chunk = next(todo, None)
            if chunk is not None:
                conn.send(chunk)
                busy[conn] = p
        while busy:
            ready = mp_connection.wait(list(busy) + [p.sentinel for p in busy.values()])
            for conn in [c for c in busy if c in ready or c.poll()]:
                try:
                    ok, payload = conn.recv()
                except EOFError:
                    raise RuntimeError(f"a worker process stopped (exit code {busy[conn].exitcode})") from None
                if not ok:
                    raise payload
                results.extend(payload)
                if progress:
                    progress(len(payload))
                chunk = next(todo, None)
                if chunk is None:
                    del busy[conn]
                else:
                    conn.send(chunk)
            for conn, p in list(busy.items()):
                if p.sentinel in ready and not conn.poll():
                    raise RuntimeError(f"a worker process stopped (exit code {p.exitcode})")
        clean = True
    finally:
        _stop(procs, conns, clean)
    results.sort(key=lambda r: r.run)
    return results


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def run_ensemble(scenario: Scenario, runs: int, base_seed: int, steps: int, record: bool = True,
                 workers: int | None = None, progress: Callable[[int], None] | None = None) -> list[RunResult]:
    """Run ``runs`` seeded runs; returns results ordered by run index.

    With more than one worker, the runs go to worker processes (see :func:`_context`); an interrupt or an
    error stops them all, within a bounded wait, before it propagates."""
    tasks = list(enumerate(run_seeds(runs, base_seed)))
    workers = min(workers or default_workers(), runs)
    if workers <= 1 or runs < 8:
        results: list[RunResult] = []
        for run, seed in tasks:
            results.append(run_one(scenario, seed, steps, record, run))
            if progress:
                progress(1)
        return results
    return _run_pool(scenario, tasks, steps, record, workers, progress)


def iter_rows(results: Iterable[RunResult], table: str):
    for r in results:
        yield (r.run, r.seed), getattr(r.recorder, table)
