"""ABC-SMC with pyabc, one generation at a time, into a resumable output folder.

Output folder::

    calibration.json   manifest: the resolved targets, seed, population, generations, sessions, versions
    targets.yaml       a copy of the targets file the calibration started with
    abc.db             pyabc's SQLite history (every finished generation, with each particle's statistics)
    posterior.parquet  the last generation's parameter sets with their weights (written at the end)
    report.md, report.html, plots/

Generation 0 draws ``population`` parameter sets from the prior and accepts them all (epsilon infinite):
it is the prior predictive sample. Each later generation perturbs the previous one (pyabc's multivariate
normal kernel) and accepts a parameter set if its distance is at most the median distance of the previous
generation. Every parameter set runs the same seeds (``base_seed`` .. ``base_seed + replications - 1``:
common random numbers), so its statistics are a function of the parameters alone.

Each generation is a separate ``ABCSMC.run`` on the history (``new`` for generation 0, ``load`` after),
with numpy's global generator seeded from ``(seed, generation)``; the generation's tasks are seeded from
it (:mod:`.sampling`). So the parameter sets drawn, hence the posterior, depend only on the seed, on any
backend and number of workers, and an interrupted calibration resumed with ``--resume`` gives the same
result as one that ran through. pyabc writes a generation to the history in one transaction when it is
complete, so Ctrl-C loses at most the generation in progress.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import contextlib
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import __version__
from ..errors import InputError
from .spec import CalibrationSpec, load_targets
from .stats import TargetDistance, statistic

DB = "abc.db"
MANIFEST = "calibration.json"
TARGETS_COPY = "targets.yaml"
FORMAT = "libya-sim calibration 1"


# ------------------------------------------------------------------ the model pyabc runs
class ParticleModel:
    """A parameter set -> one statistic per target, from ``replications`` runs with the common seeds.

    Picklable and importable (the Dask workers and the forked processes run it)."""

    def __init__(self, base_resolved: dict, steps: int, targets: list[tuple[str, dict]], paths: dict[str, str],
                 seeds: list[int]):
        self.base_resolved = base_resolved
        self.steps = steps
        self.targets = targets
        self.paths = paths
        self.seeds = list(seeds)

    def runs(self, pars: dict) -> list:
        from ..runner import run_one
        from ..sweep.evaluators import build_scenario

        scenario = build_scenario(self.base_resolved, {path: float(pars[name]) for name, path in self.paths.items()})
        return [run_one(scenario, seed, self.steps, record=True, run=k) for k, seed in enumerate(self.seeds)]

    def __call__(self, pars: dict) -> dict[str, float]:
        runs = self.runs(pars)
        return {tid: float(statistic(pattern, runs)) for tid, pattern in self.targets}


def particle_model(spec: CalibrationSpec) -> ParticleModel:
    from ..runner import horizon_steps
    from ..scenario import load_scenario

    loaded = load_scenario(spec.scenario)
    steps = horizon_steps(loaded.scenario, until=spec.until)
    return ParticleModel(loaded.resolved, steps, [(t.id, t.pattern) for t in spec.targets],
                         {p.name: p.path for p in spec.params}, spec.seeds())


def prior_distribution(spec: CalibrationSpec):
    import pyabc

    rvs = {}
    for p in spec.params:
        name, args, kwargs = p.scipy()
        rvs[p.name] = pyabc.RV(name, *args, **kwargs)
    return pyabc.Distribution(**rvs)


def observed(spec: CalibrationSpec) -> dict[str, float]:
    return {t.id: t.record for t in spec.targets}


def generation_seed(seed: int, t: int) -> int:
    """The seed of numpy's global generator for generation ``t`` (pyabc draws parameter sets with it)."""
    return int(np.random.SeedSequence([seed, t]).generate_state(1)[0])


def db_url(out: Path) -> str:
    return "sqlite:///" + str((out / DB).resolve())


def quiet_pyabc() -> None:
    """Only pyabc's errors on the terminal. pyabc sets its logger to INFO when it is first imported, so it is
    imported here first."""
    import pyabc  # noqa: F401

    for name in ("ABC", "pyabc", "distributed", "jabbar"):
        logging.getLogger(name).setLevel(logging.ERROR)


# ------------------------------------------------------------------ samplers
class Cluster:
    """Where the particles run: this process (one worker), forked processes, or a Dask cluster. Each
    generation's sampler is a :class:`~.sampling.SeededSampler` over it, so all three give the same posterior."""

    def __init__(self, backend: str, workers: int, scheduler: str | None):
        from .sampling import DaskMap, ForkedPool, in_process

        self.backend, self.workers, self.scheduler = backend, workers, scheduler
        self.client = self.cluster = self.pool = None
        if backend == "dask":
            from ..sweep.engine import dask_client

            self.client, self.cluster, self.workers = dask_client(workers, scheduler)
            self.map = DaskMap(self.client)
        elif self.workers > 1:
            self.pool = ForkedPool(self.workers)
            self.map = self.pool
        else:
            self.map = in_process

    def sampler(self, seed: int, on_eval: Callable[[bool], None]):
        from .sampling import SeededSampler

        return SeededSampler(self.map, seed, on_eval)

    def close(self, interrupted: bool = False) -> None:
        if self.pool is not None:
            self.pool.close(interrupted)
        for thing in (self.client, self.cluster):
            if thing is not None:
                try:
                    thing.close(timeout=10)
                except Exception:  # noqa: BLE001
                    pass
        self.client = self.cluster = self.pool = None


# ------------------------------------------------------------------ the folder
def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"libya_sim": __version__, "python": platform.python_version()}
    for pkg in ("pyabc", "mesa", "numpy", "scipy", "pandas", "pyarrow", "dask", "distributed"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


@dataclass
class Calibration:
    """An output folder: its spec (from the copy of the targets file) and its manifest."""

    out: Path
    spec: CalibrationSpec
    manifest: dict[str, Any]

    @property
    def population(self) -> int:
        return int(self.manifest["population"])

    @property
    def generations(self) -> int:
        return int(self.manifest["generations"])

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    def save(self) -> None:
        write_json_atomic(self.out / MANIFEST, self.manifest)


def _scenario_sha(spec: CalibrationSpec) -> str:
    from ..scenario import load_scenario

    return load_scenario(spec.scenario).sha256


def start(targets: str, out: Path, population: int | None, generations: int | None, seed: int) -> Calibration:
    """A new calibration folder (refused if ``out`` exists and is not empty)."""
    spec = load_targets(targets)
    population = population or spec.population or 50
    generations = generations or spec.generations or 4
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("output folder exists and is not empty (use --resume DIR to continue a calibration "
                         "there, or choose another --out)", str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror or exc}", str(out)) from None
    shutil.copyfile(targets, out / TARGETS_COPY)
    manifest = {
        "format": FORMAT,
        "package": "libya-sim",
        "targets_file": str(targets),
        "targets_dir": str(Path(targets).resolve().parent),
        "targets_sha256": spec.sha256,
        "scenario_sha256": _scenario_sha(spec),
        "spec": spec.resolved(),
        "seed": seed,
        "population": population,
        "generations": generations,
        "seeds_per_parameter_set": spec.seeds(),
        "database": DB,
        "versions": versions(),
        "started": _now(),
        "finished": None,
        "status": "running",
        "sessions": [],
    }
    cal = Calibration(out, _spec_of_copy(out, manifest), manifest)
    cal.save()
    return cal


def _spec_of_copy(out: Path, manifest: dict) -> CalibrationSpec:
    """The spec from the folder's copy of the targets file, named and resolved as the original."""
    spec = load_targets(out / TARGETS_COPY, base_dir=manifest.get("targets_dir"))
    spec.file = manifest["targets_file"]
    return spec


def resume(out: Path, targets: str | None, population: int | None, generations: int | None,
           seed: int | None) -> Calibration:
    """Reopen a calibration folder; ``generations`` may raise its number of generations."""
    mpath = out / MANIFEST
    if not mpath.is_file():
        raise InputError(f"no {MANIFEST} here: not a calibration folder", str(out))
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"format {manifest.get('format')!r}")
    except (ValueError, OSError) as exc:
        raise InputError(f"unreadable manifest ({exc})", str(mpath)) from None
    spec = _spec_of_copy(out, manifest)
    if targets is not None and load_targets(targets).sha256 != manifest["targets_sha256"]:
        raise InputError(f"this targets file differs from the one the calibration in {out} started with", targets)
    if _scenario_sha(spec) != manifest["scenario_sha256"]:
        raise InputError("the scenario (or its parameter files) changed since this calibration started (its "
                         "sha256 differs); start a new calibration", spec.scenario)
    if population is not None and population != manifest["population"]:
        raise InputError(f"this calibration runs populations of {manifest['population']}; a resumed one cannot "
                         f"change it", "--population")
    if seed is not None and seed != manifest["seed"]:
        raise InputError(f"this calibration's seed is {manifest['seed']}; a resumed one cannot change it", "--seed")
    if generations is not None:
        done = completed_generations(out)
        if generations < done:
            raise InputError(f"{done} generations are done already; --generations must be at least that",
                             "--generations")
        manifest["generations"] = generations
    return Calibration(out, spec, manifest)


def completed_generations(out: Path) -> int:
    """Generations in the history (0 if there is none yet). Read-only: safe while a calibration writes it."""
    import sqlite3

    path = out / DB
    if not path.is_file():
        return 0
    try:
        con = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=30)
        try:
            row = con.execute("SELECT COUNT(*) FROM populations WHERE abc_smc_id = 1 AND t >= 0").fetchone()
        finally:
            con.close()
    except sqlite3.Error:  # a database created but not yet written
        return 0
    return int(row[0])


# ------------------------------------------------------------------ running
class _StopOnCtrlC:
    """Ctrl-C during a calibration. While parameter sets are being run (inside the sampler, where nothing
    touches the history) it raises KeyboardInterrupt at once; anywhere else (pyabc reading or writing the
    history, fitting the kernel) it is noted and raised at the next safe point, so no database lock or
    transaction is left half-done and the history holds whole generations. A process forked by a sampler
    leaves quietly (the parent stops the calibration)."""

    def __init__(self):
        self.requested = False
        self.running = 0
        self.pid = os.getpid()
        self.previous = None

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None
        return False

    def _handler(self, signum, frame):
        if os.getpid() != self.pid:
            os._exit(130)
        self.requested = True
        if self.running:
            raise KeyboardInterrupt

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt

    def interruptible(self, fn):
        def wrapped(*args, **kwargs):
            self.check()
            self.running += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self.running -= 1

        return wrapped


@dataclass
class Outcome:
    status: str          # complete | interrupted
    generations_done: int
    evaluations: int     # parameter sets evaluated this session
    runs: int            # model runs this session
    seconds: float


def run(cal: Calibration, backend: str = "local", workers: int = 1, scheduler: str | None = None,
        progress: bool = True) -> Outcome:
    """Run the missing generations; returns how far it got (KeyboardInterrupt is caught: status interrupted)."""
    session = {"started": _now(), "backend": backend, "workers": workers, "scheduler": scheduler}
    t0 = time.perf_counter()
    evaluations = 0
    status = "complete"
    cluster = None
    bar = None
    spec = cal.spec
    out = cal.out
    stop = _StopOnCtrlC()
    try:
        stop.__enter__()
        quiet_pyabc()
        done = completed_generations(out)
        session["generations_at_start"] = done
        if done == 0 and (out / DB).exists():
            (out / DB).unlink()  # an interrupted first generation: nothing in it
        model = particle_model(spec)
        prior = prior_distribution(spec)
        distance = TargetDistance({t.id: t.tolerance for t in spec.targets})
        x0 = observed(spec)
        stop.check()
        if done < cal.generations:
            cluster = Cluster(backend, workers, scheduler)
            session["workers"] = cluster.workers
        for t in range(done, cal.generations):
            bar = _bar(t, cal.population, progress)
            evaluations += _run_generation(cal, t, (model, prior, distance, x0), cluster, stop, bar)
            bar = None
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        stop.running = 0  # from here a Ctrl-C is only noted: the session is being closed
        try:
            if bar is not None:
                bar.close()
            if cluster is not None:
                cluster.close(interrupted=status == "interrupted")
        finally:
            stop.__exit__(None, None, None)
    return _close_session(cal, session, status, evaluations, time.perf_counter() - t0)


def _run_generation(cal: Calibration, t: int, problem: tuple, cluster, stop, bar) -> int:
    """Generation t of ABC-SMC into the history database (``problem``: model, prior, distance, observed);
    returns the parameter sets it evaluated. Closes the progress bar."""
    import pyabc

    model, prior, distance, x0 = problem
    spec, out = cal.spec, cal.out
    counts = {"n": 0, "acc": 0, "t0": time.perf_counter()}
    eps_t = np.inf if t == 0 else _next_epsilon(out, t)

    def on_eval(accepted: bool) -> None:
        counts["n"] += 1
        counts["acc"] += accepted
        if bar is not None:
            if accepted:
                bar.update(1)
            _postfix(bar, eps_t, counts["acc"], counts["n"], spec.replications, time.perf_counter() - counts["t0"])

    seed = generation_seed(cal.seed, t)
    with _global_generators_seeded(seed):  # pyabc's own draws outside the sampler's tasks, if any
        eps = pyabc.QuantileEpsilon(initial_epsilon=np.inf) if t == 0 else pyabc.MedianEpsilon()
        abc = pyabc.ABCSMC(model, prior, distance, population_size=cal.population,
                           sampler=cluster.sampler(seed, on_eval),
                           eps=eps, transitions=transition(spec.transition, spec.kernel_scale))
        abc.sampler.sample_until_n_accepted = stop.interruptible(abc.sampler.sample_until_n_accepted)
        if t == 0:
            abc.new(db_url(out), x0, meta_info={"seed": cal.seed, "targets_sha256": spec.sha256})
        else:
            abc.load(db_url(out), 1)
        history = abc.run(max_nr_populations=1)
        stop.check()
    pops = history.get_all_populations()
    row = pops[pops.t == t].iloc[0]
    n_eval = int(row.samples)
    if bar is not None:
        bar.n = cal.population
        _postfix(bar, float(row.epsilon), cal.population, n_eval, spec.replications, time.perf_counter() - counts["t0"])
        bar.close()
    return n_eval


def transition(kind: str, scale: float = 1.0):
    """The proposal kernel around the last generation's particles: pyabc's default multivariate normal (one
    bandwidth for all, by Silverman's rule), or a local normal per particle fitted to its nearest quarter of the
    population (Filippi et al. 2013). ``scale`` widens (above 1) or narrows the kernel: a kernel too narrow for
    the population leaves a few particles with most of the importance weight."""
    import pyabc

    if kind == "local":
        return pyabc.LocalTransition(k_fraction=0.25, scaling=scale)
    return pyabc.MultivariateNormalTransition(scaling=scale)


@contextlib.contextmanager
def _global_generators_seeded(seed: int):
    """pyabc draws its proposals from numpy's and Python's global generators and takes no generator of its own:
    seeding them for each generation is what makes a calibration reproducible. Their states are restored after,
    so the caller's global generators are as they were (the model runs draw only from their own generators)."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def _close_session(cal: Calibration, session: dict, status: str, evaluations: int, seconds: float) -> Outcome:
    """Record the session in the manifest and save it."""
    spec = cal.spec
    done_now = completed_generations(cal.out)
    session.update({"finished": _now(), "status": status, "generations_at_end": done_now,
                    "evaluations": evaluations, "runs": evaluations * spec.replications,
                    "seconds": round(seconds, 3)})
    cal.manifest["sessions"].append(session)
    cal.manifest["status"] = "running" if status == "interrupted" else "complete"
    if status == "complete":
        cal.manifest["finished"] = _now()
    cal.save()
    return Outcome(status, done_now, evaluations, evaluations * spec.replications, seconds)


def _next_epsilon(out: Path, t: int) -> float:
    """Generation t's threshold: the weighted median distance of generation t - 1 (as pyabc's MedianEpsilon)."""
    from pyabc import History
    from pyabc.weighted_statistics import weighted_quantile

    wd = History(db_url(out), _id=1).get_weighted_distances(t - 1)
    w = wd.w.values.astype(float)
    return float(weighted_quantile(points=wd.distance.values, weights=w / w.sum(), alpha=0.5))


def _bar(t: int, population: int, progress: bool):
    if not progress:
        return None
    import sys

    from tqdm import tqdm

    tqdm.monitor_interval = 0
    return tqdm(total=population, desc=f"generation {t}", unit="particle", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.2)


def _postfix(bar, eps: float | None, accepted: int, evaluated: int, reps: int, seconds: float) -> None:
    rate = accepted / evaluated if evaluated else 0.0
    runs_s = evaluated * reps / seconds if seconds > 0 else 0.0
    parts = {"eps": "inf" if eps is not None and not np.isfinite(eps) else (f"{eps:.3g}" if eps is not None else "...")}
    parts.update({"acc": f"{rate:.0%}", "runs/s": f"{runs_s:.1f}"})
    bar.set_postfix(parts, refresh=False)
