"""Run a scenario: one seeded run, or an ensemble of runs on all cores.

Every run's seed is fixed before any work is sent out (run k uses seed
``base_seed + k``), and results are gathered by run index, so the outputs are
identical whatever the number of worker processes.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import os
from dataclasses import dataclass
from typing import Callable, Iterable

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
    model = ConflictModel(scenario, seed=seed, record=record)
    # A week allocates many small objects but creates no reference cycles, so the cyclic
    # garbage collector only costs time here (about 3% of a run); reference counting frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(steps):
            model.step()
    finally:
        if collecting:
            gc.enable()
    return RunResult(run, seed, model.summary(), model.recorder)


def run_seeds(runs: int, base_seed: int) -> list[int]:
    return [base_seed + k for k in range(runs)]


_WORK: tuple | None = None


def _init_worker(scenario, steps, record):
    global _WORK
    _WORK = (scenario, steps, record)


def _run_task(task: tuple[int, int]) -> RunResult:
    scenario, steps, record = _WORK
    run, seed = task
    return run_one(scenario, seed, steps, record, run)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def run_ensemble(scenario: Scenario, runs: int, base_seed: int, steps: int, record: bool = True,
                 workers: int | None = None, progress: Callable[[int], None] | None = None) -> list[RunResult]:
    """Run ``runs`` seeded runs; returns results ordered by run index."""
    tasks = list(enumerate(run_seeds(runs, base_seed)))
    workers = min(workers or default_workers(), runs)
    results: list[RunResult] = []
    if workers <= 1 or runs < 8:
        for run, seed in tasks:
            results.append(run_one(scenario, seed, steps, record, run))
            if progress:
                progress(1)
        return results
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(scenario, steps, record)) as pool:
        for res in pool.imap_unordered(_run_task, tasks, chunksize=max(1, runs // (workers * 8))):
            results.append(res)
            if progress:
                progress(1)
    results.sort(key=lambda r: r.run)
    return results


def iter_rows(results: Iterable[RunResult], table: str):
    for r in results:
        yield (r.run, r.seed), getattr(r.recorder, table)
