"""Where a generation's parameter sets run, with the same result on every backend and worker count.

pyabc's own parallel samplers accept parameter sets in the order they finish and reseed each worker from
the operating system, so their posteriors change with timing. :class:`SeededSampler` splits a generation
into ``n`` tasks, one per particle to accept. Task ``i`` seeds numpy's and Python's global generators (pyabc
draws its proposals from them) from the generation's seed and ``i``, then proposes and runs parameter
sets until one is accepted. The tasks' samples are put together in task order. So which parameter sets are
run, and which are accepted, depend on the seed alone: one worker in this process, forked workers, or a
Dask cluster give the same posterior, byte for byte.

Each task's count of parameter sets is geometric, so a generation runs as many as a sampler that stops
at the ``n``-th acceptance overall, on average; its accepted sets are draws from the same distribution
(the proposal, given acceptance). The price: a generation waits for its slowest task.
"""

from __future__ import annotations

import random
from typing import Callable

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler



def task_seeds(entropy, n: int) -> list[int]:
    """The seed of each of a generation's ``n`` tasks (for ``np.random.seed``: below 2**32)."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(entropy).spawn(n)]


def accept_one(shared: tuple, index: int, seed: int):
    """One task: run parameter sets until one is accepted; returns (index, sample, parameter sets run).
    ``shared`` is what every task of the generation gets: pyabc's ``simulate_one``, pickled, and its sample
    factory."""
    payload, sample_factory = shared
    simulate_one = cloudpickle.loads(payload)
    np.random.seed(seed)
    random.seed(seed)
    sample = sample_factory()
    runs = 0
    while True:
        particle = simulate_one()
        runs += 1
        sample.append(particle)
        if particle.accepted:
            return index, sample, runs


class SeededSampler(Sampler):
    """pyabc's sampler interface over a map: ``map_unordered(fn, shared, jobs)`` yields ``fn(shared, *job)`` for
    each job, in any order (this process, a pool of forked workers, a Dask client). ``on_eval(accepted)`` is called here for
    every parameter set, as each task comes back."""

    def __init__(self, map_unordered: Callable, seed: int, on_eval: Callable[[bool], None] | None = None):
        super().__init__()
        self.map_unordered = map_unordered
        self.seed = seed  # the generation's
        self.calls = 0
        self.on_eval = on_eval

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        shared = (cloudpickle.dumps(simulate_one), self.sample_factory)
        seeds = task_seeds([self.seed, self.calls], n)
        self.calls += 1
        done: dict[int, tuple] = {}
        for index, sample, runs in self.map_unordered(accept_one, shared, list(enumerate(seeds))):
            done[index] = (sample, runs)
            if self.on_eval is not None:
                for _ in range(runs - 1):
                    self.on_eval(False)
                self.on_eval(True)
        whole = self._create_empty_sample()
        for i in range(n):
            whole += done[i][0]
        self.nr_evaluations_ = sum(runs for _, runs in done.values())
        return whole


# ------------------------------------------------------------------ the maps
def in_process(fn, shared, jobs):
    for job in jobs:
        yield fn(shared, *job)


def _star(task):
    fn, shared, job = task
    return fn(shared, *job)


class ForkedPool:
    """A map over ``workers`` forked processes, started once for the calibration, one task at a time to
    whichever worker is free. Ctrl-C reaches the workers too; they leave, and :meth:`close` stops the rest."""

    def __init__(self, workers: int):
        import multiprocessing as mp
        import warnings

        with warnings.catch_warnings():  # numpy's and pyarrow's native threads: the workers only run the model
            warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
            self.pool = mp.get_context("fork").Pool(workers)

    def __call__(self, fn, shared, jobs):
        return self.pool.imap_unordered(_star, [(fn, shared, job) for job in jobs], chunksize=1)

    def close(self, interrupted: bool) -> None:
        if interrupted:
            self.pool.terminate()
        else:
            self.pool.close()
        self.pool.join()


class DaskMap:
    """A map over a Dask client: ``shared`` sent to every worker once, one future per task; the tasks left are
    cancelled if the caller stops."""

    def __init__(self, client):
        self.client = client

    def __call__(self, fn, shared, jobs):
        from distributed import as_completed

        everywhere = self.client.scatter(shared, broadcast=True)
        futures = [self.client.submit(fn, everywhere, *job, pure=False) for job in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            self.client.cancel([f for f in futures if not f.done()])
