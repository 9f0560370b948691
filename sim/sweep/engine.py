"""Run a sweep: fixed run plan, chunked tasks, streamed Parquet parts, resumable.

Plan: design point ``p`` (0..P-1) x replication ``r`` (0..R-1) is run
``k = p * R + r`` with seed ``base_seed + r`` (common random numbers across
points). Runs ``[c * chunk_size, (c + 1) * chunk_size)`` form chunk ``c``. All
of this is fixed before anything is dispatched, so the rows do not depend on
the backend or the number of workers.

Output directory::

    sweep.json          manifest: resolved sweep, plan, column types, versions, times, sessions
    design.parquet      one row per design point
    runs/part-NNNNNN.parquet   one per finished chunk, written to a temporary file
                               then renamed (a part on disk is always complete)

``--resume`` lists the parts on disk and runs only the missing chunks.
Ctrl-C stops dispatching, drops chunks in flight, and leaves a resumable
directory.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import platform
import re
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..errors import InputError
from .design import build_design, param_arrow_types
from .evaluators import build_scenario, make_evaluator
from .spec import OutcomeSpec, SweepSpec

MANIFEST = "sweep.json"
DESIGN = "design.parquet"
RUNS = "runs"
PART_RE = re.compile(r"^part-(\d{6})\.parquet$")
ARROW_TYPES = {"bool": pa.bool_(), "int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}


class SweepFailed(RuntimeError):
    """A chunk raised (a model error, or a task lost too many workers)."""


# ------------------------------------------------------------------ tasks
@dataclass
class ChunkTask:
    chunk: int
    runs: list[tuple[int, int, int]]            # (point, replication, seed)
    params: dict[int, dict[str, Any]]           # point -> {dotted path: value}
    outcomes: dict[str, tuple[str, Any, bool]]  # name -> (summary column, equals value, derived?)


def run_chunk(evaluator: Callable[[dict, int], dict], task: ChunkTask) -> dict[str, Any]:
    """Run one chunk in a worker; returns plain columns (no Parquet here)."""
    t0 = time.perf_counter()
    out: dict[str, list] = {name: [] for name in task.outcomes}
    for point, _rep, seed in task.runs:
        summary = evaluator(task.params[point], seed)
        for name, (column, equals, derived) in task.outcomes.items():
            value = summary[column]
            if isinstance(value, np.generic):
                value = value.item()
            out[name].append(bool(value == equals) if derived else value)
    return {"chunk": task.chunk, "outcomes": out, "seconds": time.perf_counter() - t0, "pid": os.getpid()}


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# ------------------------------------------------------------------ plan
@dataclass
class Plan:
    spec: SweepSpec
    design: pd.DataFrame
    problem: dict
    steps: int | None
    chunk_size: int
    outcome_types: dict[str, str]
    evaluator: Any
    out: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return len(self.design)

    @property
    def total_runs(self) -> int:
        return self.points * self.spec.replications

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.total_runs / self.chunk_size)

    def chunk_runs(self, c: int) -> list[tuple[int, int, int]]:
        R = self.spec.replications
        lo, hi = c * self.chunk_size, min((c + 1) * self.chunk_size, self.total_runs)
        return [(k // R, k % R, self.spec.base_seed + k % R) for k in range(lo, hi)]

    def point_params(self, point: int) -> dict[str, Any]:
        row = self.design.iloc[point]
        out = {}
        for p in self.spec.params:
            v = row[p.column]
            if p.kind == "values":  # hand the model the value as written in the sweep file
                v = v.item() if isinstance(v, np.generic) else v
                v = next((x for x in p.values if (x == v and type(x) is not str) or str(x) == str(v)), v)
            elif isinstance(v, np.generic):
                v = v.item()
            out[p.path] = v
        return out

    def task(self, c: int) -> ChunkTask:
        runs = self.chunk_runs(c)
        params = {p: self.point_params(p) for p in sorted({r[0] for r in runs})}
        outcomes = {k: (o.column, o.equals, o.equals is not None) for k, o in self.spec.outcomes.items()}
        return ChunkTask(c, runs, params, outcomes)

    def schema(self) -> pa.Schema:
        fields = [pa.field("point", pa.int64()), pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
        for col, t in param_arrow_types(self.spec).items():
            fields.append(pa.field(col, ARROW_TYPES[t]))
        for name, t in self.outcome_types.items():
            fields.append(pa.field(name, ARROW_TYPES[t]))
        return pa.schema(fields)

    def runs_dir(self) -> Path:
        return self.out / RUNS


def default_chunk_size(total_runs: int) -> int:
    return int(min(50, max(20, math.ceil(total_runs / 400))))


def _value_type(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int64"
    if isinstance(v, (float, np.floating)) or v == "" or v is None:
        return "float64"  # '' is the model's "none" (e.g. ceasefire_week): a null number
    return "string"


def _coerce(values: list, t: str, name: str) -> pa.Array:
    if t in ("int64", "float64"):
        clean = []
        for v in values:
            if v is None or v == "":
                clean.append(None)
            elif isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise SweepFailed(f"outcome '{name}': expected a number, got {v!r}")
            elif t == "int64" and float(v) != int(v):
                return _coerce(values, "float64", name)
            else:
                clean.append(int(v) if t == "int64" else float(v))
        return pa.array(clean, type=ARROW_TYPES[t])
    if t == "bool":
        return pa.array([None if v is None or v == "" else bool(v) for v in values], type=pa.bool_())
    return pa.array([None if v is None else str(v) for v in values], type=pa.string())


# ------------------------------------------------------------------ prepare / resume
def _base_scenario(spec: SweepSpec):
    from ..scenario import load_scenario

    return load_scenario(spec.scenario)


def _check_parameter_paths(spec: SweepSpec, base) -> None:
    """Each parameter at its extreme values must give a valid scenario; name the sweep-file line if not."""
    for p in spec.params:
        trials = p.values if p.kind == "values" else ([int(p.low), int(p.high)] if p.integer else [p.low, p.high])
        for v in trials:
            try:
                build_scenario(base.resolved, {p.path: v})
            except InputError as exc:
                where = f"{exc.field}: " if exc.field and exc.field != p.path else ""
                raise spec.error(f"cannot set '{p.path}' to {v!r}: {where}{exc.message}",
                                 f"parameters.{p.path}") from None


def _steps(spec: SweepSpec, base) -> int | None:
    if base is None:
        return None
    from ..runner import horizon_steps

    sc = base.scenario
    if spec.until is not None and not (sc.start_date < spec.until):
        raise spec.error(f"'until' {spec.until} is not after the scenario start {sc.start_date}", "until")
    return horizon_steps(sc, until=spec.until)


def _probe_types(spec: SweepSpec, plan_like) -> dict[str, str]:
    """Run the first run in this process: check the outcome columns exist and learn their types."""
    evaluator, params = plan_like
    try:
        summary = evaluator(params, spec.base_seed)
    except Exception as exc:  # noqa: BLE001
        raise SweepFailed(f"the model failed on the first run (point 0, seed {spec.base_seed}): "
                          f"{type(exc).__name__}: {exc}") from exc
    types = {}
    for name, o in spec.outcomes.items():
        if o.column not in summary:
            avail = ", ".join(sorted(summary))
            raise spec.error(f"'{o.column}' is not an outcome of this model (available: {avail})",
                             f"outcomes.{name}.column")
        types[name] = "bool" if o.equals is not None else _value_type(summary[o.column])
    return types


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"libya_sim": __version__, "python": platform.python_version()}
    for pkg in ("mesa", "SALib", "numpy", "pandas", "pyarrow", "dask", "distributed"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, path)


def _with_posterior(spec: SweepSpec, evaluator, folder: str | None, sha256: str | None = None):
    """The evaluator with each run's calibrated parameters drawn from a posterior (``--posterior DIR``)."""
    if folder is None:
        return evaluator, None
    from ..calibrate.posterior import PosteriorEvaluator, load_posterior

    if spec.model is not None:
        raise InputError("--posterior applies to scenario sweeps, not to a test model", "--posterior")
    post = load_posterior(folder)
    if sha256 is not None and post.sha256 != sha256:
        raise InputError("the posterior changed since this sweep started (its sha256 differs); start a new sweep",
                         folder, field="--posterior")
    post.check_overrides({p.path: None for p in spec.params}, "the sweep's parameters")
    return PosteriorEvaluator(evaluator, post), post


def prepare(spec: SweepSpec, out: Path, posterior: str | None = None) -> Plan:
    """Validate everything against the model, build the design, write manifest and design (with
    ``posterior``, a calibration folder, each run also draws the calibrated parameters with its seed)."""
    base = _base_scenario(spec) if spec.scenario else None
    if base is not None:
        _check_parameter_paths(spec, base)
    steps = _steps(spec, base)
    evaluator, post = _with_posterior(spec, make_evaluator(spec, steps, base), posterior)
    design, problem = build_design(spec)
    chunk_size = spec.chunk_size or default_chunk_size(len(design) * spec.replications)
    plan = Plan(spec, design, problem, steps, chunk_size, {}, evaluator, out)
    plan.outcome_types = _probe_types(spec, (evaluator, plan.point_params(0)))

    out.mkdir(parents=True, exist_ok=True)
    plan.runs_dir().mkdir(exist_ok=True)
    tmp = out / (DESIGN + ".tmp")
    design.to_parquet(tmp, index=False)
    os.replace(tmp, out / DESIGN)
    plan.manifest = {
        "format": "libya-sim sweep 1",
        "name": spec.name,
        "sweep_file": str(Path(spec.file).resolve()) if spec.file else None,
        "sweep_sha256": spec.sha256,
        "spec": spec.resolved(),
        "scenario": {"path": spec.scenario, "sha256": base.sha256, "name": base.scenario.name,
                     "start_date": str(base.scenario.start_date)} if base else None,
        "model": spec.model,
        "steps": steps,
        "until": str(spec.until) if spec.until else None,
        "design": {"file": DESIGN, "method": spec.design.method, "points": len(design), "problem": problem},
        "replications": spec.replications,
        "seeds": f"base_seed + replication = {spec.base_seed} .. {spec.base_seed + spec.replications - 1}",
        "runs": plan.total_runs,
        "chunk_size": chunk_size,
        "chunks": plan.n_chunks,
        "columns": {f.name: str(f.type) for f in plan.schema()},
        "outcome_types": plan.outcome_types,
        "versions": _versions(),
        "started": _now(),
        "finished": None,
        "status": "running",
        "sessions": [],
    }
    if post is not None:
        plan.manifest["posterior"] = post.manifest([spec.base_seed + r for r in range(spec.replications)])
    _write_json_atomic(out / MANIFEST, plan.manifest)
    return plan


def load_plan(out: Path) -> Plan:
    """Rebuild the plan of an existing sweep directory (for --resume and analyze)."""
    mpath = out / MANIFEST
    if not mpath.is_file():
        raise InputError(f"no {MANIFEST} here: not a sweep directory", str(out))
    try:
        manifest = json.loads(mpath.read_text())
        spec_d = dict(manifest["spec"])
    except (json.JSONDecodeError, KeyError) as exc:
        raise InputError(f"unreadable manifest ({exc})", str(mpath)) from None
    spec = SweepSpec.model_validate(spec_d)
    design = pd.read_parquet(out / DESIGN)
    base = None
    if spec.scenario:
        base = _base_scenario(spec)
        if base.sha256 != manifest["scenario"]["sha256"]:
            raise InputError("the scenario changed since this sweep started (its sha256 differs); "
                             "start a new sweep", spec.scenario)
    post = manifest.get("posterior")
    evaluator, _ = _with_posterior(spec, make_evaluator(spec, manifest["steps"], base),
                                   post["folder"] if post else None, post["sha256"] if post else None)
    plan = Plan(spec, design, manifest["design"]["problem"], manifest["steps"], manifest["chunk_size"],
                manifest["outcome_types"], evaluator, out, manifest)
    return plan


def done_chunks(plan: Plan) -> set[int]:
    """Chunks whose part is on disk and complete; stale temporary files are removed."""
    done = set()
    rdir = plan.runs_dir()
    rdir.mkdir(parents=True, exist_ok=True)
    for f in rdir.iterdir():
        if ".tmp" in f.name:
            f.unlink(missing_ok=True)
            continue
        m = PART_RE.match(f.name)
        if not m:
            continue
        c = int(m.group(1))
        try:
            ok = c < plan.n_chunks and pq.read_metadata(f).num_rows == len(plan.chunk_runs(c))
        except Exception:
            ok = False
        if ok:
            done.add(c)
        else:
            f.unlink()
    return done


def part_path(plan: Plan, c: int) -> Path:
    return plan.runs_dir() / f"part-{c:06d}.parquet"


def write_part(plan: Plan, task: ChunkTask, result: dict[str, Any], schema: pa.Schema) -> None:
    runs = task.runs
    arrays = [pa.array([r[0] for r in runs], pa.int64()), pa.array([r[1] for r in runs], pa.int64()),
              pa.array([r[2] for r in runs], pa.int64())]
    ptypes = param_arrow_types(plan.spec)
    for p in plan.spec.params:
        vals = [task.params[r[0]][p.path] for r in runs]
        arrays.append(_coerce(vals, ptypes[p.column], p.column) if ptypes[p.column] != "bool"
                      else pa.array(vals, pa.bool_()))
    for name, t in plan.outcome_types.items():
        arr = _coerce(result["outcomes"][name], t, name)
        arrays.append(arr)
    fields = list(schema)
    for i, a in enumerate(arrays):  # an int outcome that turned out fractional is widened in the schema
        if a.type != fields[i].type:
            arrays[i] = a.cast(fields[i].type) if pa.types.is_integer(a.type) else a
            if arrays[i].type != fields[i].type:
                raise SweepFailed(f"column '{fields[i].name}' changed type ({fields[i].type} -> {a.type})")
    table = pa.Table.from_arrays(arrays, schema=schema)
    final = part_path(plan, task.chunk)
    tmp = final.with_name(final.name + f".tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, final)


# ------------------------------------------------------------------ backends
@dataclass(eq=False)
class Submitted:
    """A chunk sent to a backend: its task, the backend's future, and the pool generation it went to."""

    task: ChunkTask
    future: Any
    generation: int = 0


class Backend(Protocol):
    """What :func:`execute` needs of a place to run chunks: the local process pool or a Dask cluster."""

    name: str
    workers: int

    @property
    def window(self) -> int:
        """How many chunks to keep in flight."""

    def submit(self, task: ChunkTask) -> Submitted: ...

    def wait(self, inflight: set[Submitted], timeout: float) -> list[Submitted]:
        """The chunks finished within the timeout (possibly none)."""

    def result(self, sub: Submitted, inflight: set[Submitted]) -> dict[str, Any] | None:
        """A finished chunk's rows, or None if it was resubmitted (a worker died); raises SweepFailed."""

    def abort(self, inflight: set[Submitted]) -> None: ...

    def close(self) -> None: ...


class _LocalBackend:
    name = "local"

    def __init__(self, workers: int, evaluator):
        self.workers = workers
        self.evaluator = evaluator
        self.inline = workers <= 1
        self.pool: cf.ProcessPoolExecutor | None = None
        self.restarts = 0
        self.generation = 0
        self._pending: list[Submitted] = []  # inline mode: run when waited for
        self._by_future: dict[cf.Future, Submitted] = {}
        if not self.inline:
            self._start()

    def _start(self):
        import warnings

        self.pool = cf.ProcessPoolExecutor(self.workers, mp_context=mp.get_context("fork"),
                                           initializer=_ignore_sigint)
        # With fork, every worker is started now, before the progress bar or the pool's own threads.
        # Python 3.12 still warns because numpy's BLAS (and pyarrow) keep native threads; the
        # children only run the model (no BLAS thread pool, no Arrow), as sim.runner does.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
            self.pool.submit(int, 0).result()

    @property
    def window(self) -> int:
        return 1 if self.inline else 2 * self.workers + 2

    def submit(self, task: ChunkTask) -> Submitted:
        if self.inline:
            sub = Submitted(task, cf.Future(), self.generation)
            self._pending.append(sub)
            return sub
        sub = Submitted(task, self.pool.submit(run_chunk, self.evaluator, task), self.generation)
        self._by_future[sub.future] = sub
        return sub

    def wait(self, inflight: set[Submitted], timeout: float) -> list[Submitted]:
        if self.inline:
            done = []
            while self._pending:
                sub = self._pending.pop(0)
                try:
                    sub.future.set_result(run_chunk(self.evaluator, sub.task))
                except Exception as exc:  # noqa: BLE001
                    sub.future.set_exception(exc)
                done.append(sub)
            return done
        finished, _ = cf.wait([s.future for s in inflight], timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return [self._by_future.pop(f) for f in finished]

    def result(self, sub: Submitted, inflight: set[Submitted]) -> dict[str, Any] | None:
        """A chunk's result, or None if the chunk was resubmitted after a worker died."""
        if sub.generation != self.generation:
            return None  # from a pool that died; its chunk was resubmitted already
        try:
            return sub.future.result()
        except cf.process.BrokenProcessPool:
            if self.restarts >= 3:
                raise SweepFailed("worker processes keep dying (3 pool restarts)") from None
            # a worker died: start a new pool and resubmit every chunk that was in flight
            self.restarts += 1
            self.generation += 1
            lost = [s.task for s in inflight | {sub}]
            inflight.clear()
            self._by_future.clear()
            self.pool.shutdown(wait=False, cancel_futures=True)
            self._start()
            for task in lost:
                inflight.add(self.submit(task))
            return None

    def abort(self, inflight: set[Submitted]) -> None:
        if self.pool is not None:
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=5)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def connect(scheduler: str, timeout: str = "20s"):
    """A Dask client of the scheduler at ``scheduler``; an InputError if it cannot be reached."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # unreachable, or not an address
        raise InputError(f"cannot connect to the Dask scheduler {scheduler}: {exc}".replace("\n", " "),
                         "--scheduler") from None


def dask_client(workers: int, scheduler: str | None):
    """(client, cluster, workers): a client of the scheduler at ``scheduler`` (see :func:`connect`), or of a
    local cluster of ``workers`` single-threaded processes started here, quietly (``cluster`` is then that
    cluster, else None)."""
    import logging

    from distributed import Client, LocalCluster

    started: dict = {}
    if scheduler:
        started["client"] = connect(scheduler)
    else:
        logging.getLogger("distributed").setLevel(logging.ERROR)

        def start():
            started["cluster"] = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                              dashboard_address=None)
            started["client"] = Client(started["cluster"])

        _start_quietly(start)
        started["client"].run(_quiet_worker_logs)  # a cancelled chunk is not worth a warning on the terminal
    client = started["client"]
    return client, started.get("cluster"), len(client.scheduler_info().get("workers", {})) or workers


class _DaskBackend:
    name = "dask"

    def __init__(self, workers: int, evaluator, scheduler: str | None):
        from distributed import as_completed

        self.evaluator = evaluator
        self.client, self.cluster, self.workers = dask_client(workers, scheduler)
        self.ac = as_completed()
        self.sweep_id = uuid.uuid4().hex[:8]
        self.attempt = 0
        self._by_key: dict[str, Submitted] = {}

    @property
    def window(self) -> int:
        return max(4, 3 * self.workers)

    def submit(self, task: ChunkTask) -> Submitted:
        self.attempt += 1
        fut = self.client.submit(run_chunk, self.evaluator, task, key=f"sweep-{self.sweep_id}-chunk-{task.chunk}"
                                 f"-{self.attempt}", pure=False, retries=2)
        sub = self._by_key[fut.key] = Submitted(task, fut)
        self.ac.add(fut)
        return sub

    def wait(self, inflight: set[Submitted], timeout: float) -> list[Submitted]:
        deadline = time.monotonic() + timeout
        while True:
            batch = self.ac.next_batch(block=False)
            if batch or time.monotonic() >= deadline:
                return [self._by_key.pop(f.key) for f in batch]
            time.sleep(0.02)

    def result(self, sub: Submitted, inflight: set[Submitted]) -> dict[str, Any] | None:
        try:
            return sub.future.result()
        except Exception as exc:  # noqa: BLE001  (KilledWorker after allowed-failures, or a model error)
            raise SweepFailed(f"chunk {sub.task.chunk} failed: {type(exc).__name__}: {exc}") from None

    def abort(self, inflight: set[Submitted]) -> None:
        _quiet_worker_logs()  # this process's comms to the cluster close now too: no traceback from them
        try:
            self.client.cancel([s.future for s in inflight], force=True)
        except Exception:  # noqa: BLE001
            pass
        self.close()

    def close(self) -> None:
        try:
            self.client.close(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=10)
            except Exception:  # noqa: BLE001
                pass
            self.cluster = None


QUIET_LOGGERS = ("distributed", "tornado", "asyncio")  # what a cluster shutting down can print from its comms


def _quiet_worker_logs() -> None:
    """A worker says nothing on the terminal: a failed chunk reaches the sweep through its future (and is
    reported there in one line), and a comm closed by a Ctrl-C is not worth a traceback."""
    import logging

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _start_quietly(start: Callable[[], None]) -> None:
    """Start a local Dask cluster whose worker processes never see a Ctrl-C, then run ``start``.

    A Ctrl-C at the terminal reaches the whole process group: Dask's worker processes would each print a
    KeyboardInterrupt traceback, or "Nanny failed to start" while they start. Here they are forked from a
    forkserver that was itself started with SIGINT ignored, so they inherit the ignored signal (asyncio then
    installs no handler of its own); only this process sees Ctrl-C, and it stops them. While the cluster
    starts, a Ctrl-C is only remembered, and passed on to this process's handler once it has started."""
    if threading.current_thread() is not threading.main_thread():
        start()
        return
    import multiprocessing.forkserver

    import dask

    from distributed.utils import get_mp_context

    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    get_mp_context()  # sets the forkserver's preloaded modules (distributed and its packages)
    pressed = []
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()  # inherits SIGINT ignored, and passes it on
        signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
        start()
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        signal.raise_signal(signal.SIGINT)


def open_backend(backend: str, workers: int, evaluator, scheduler: str | None) -> Backend:
    if backend == "local":
        return _LocalBackend(workers, evaluator)
    if backend == "dask":
        return _DaskBackend(workers, evaluator, scheduler)
    raise InputError(f"unknown backend '{backend}' (local or dask)", "--backend")


# ------------------------------------------------------------------ run
@dataclass
class SweepOutcome:
    out: Path
    status: str              # complete | interrupted | failed
    chunks_done: int
    chunks_total: int
    runs_done: int
    runs_total: int
    seconds: float
    runs_this_session: int
    error: str | None = None


class _StopFlag:
    """First Ctrl-C asks to stop; a second one interrupts at once."""

    def __init__(self):
        self.stop = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame):
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def default_workers() -> int:
    from ..runner import default_workers as dw

    return dw()


def execute(plan: Plan, backend: str = "local", workers: int | None = None, scheduler: str | None = None,
            progress: bool = True, log: Callable[[str], None] | None = None) -> SweepOutcome:
    """Run every chunk not yet on disk; returns how far it got."""
    workers = workers or default_workers()
    done = done_chunks(plan)
    todo = [c for c in range(plan.n_chunks) if c not in done]
    runs_before = sum(len(plan.chunk_runs(c)) for c in done)
    t0 = time.perf_counter()
    session = {"started": _now(), "backend": backend, "workers": workers, "scheduler": scheduler,
               "chunks_at_start": len(done)}
    status, error = "complete", None
    be: Backend | None = None
    bar = None
    inflight: set[Submitted] = set()
    with _StopFlag() as flag:
        try:
            if todo:
                be = open_backend(backend, workers, plan.evaluator, scheduler)
                session["workers"] = be.workers
            bar = _progress_bar(plan, runs_before) if progress else None
            _run_chunks(plan, be, todo, done, inflight, flag, bar)
            if flag.stop and len(done) < plan.n_chunks:
                status = "interrupted"
        except KeyboardInterrupt:
            status = "interrupted"
        except SweepFailed as exc:
            status, error = "failed", str(exc)
        finally:
            if bar is not None:
                bar.close()
            if be is not None:
                if status == "complete":
                    be.close()
                else:
                    be.abort(inflight)
            runs_session = sum(len(plan.chunk_runs(c)) for c in done) - runs_before
    seconds = time.perf_counter() - t0
    _record_session(plan, session, status, error, runs_session, seconds)
    return SweepOutcome(plan.out, status, len(done), plan.n_chunks, runs_before + runs_session, plan.total_runs,
                        seconds, runs_session, error)


def _progress_bar(plan: Plan, runs_done: int):
    from tqdm import tqdm

    tqdm.monitor_interval = 0
    return tqdm(total=plan.total_runs, initial=runs_done, unit="run", desc=plan.spec.name, dynamic_ncols=True,
                smoothing=0.1, file=sys.stderr)


def _run_chunks(plan: Plan, be: Backend | None, todo: list[int], done: set[int], inflight: set[Submitted],
                flag, bar) -> None:
    """Keep the backend's window full until every chunk is on disk or a stop is asked; each finished chunk
    is written as it arrives and added to ``done``."""
    schema = plan.schema()
    queue = list(todo)
    while (queue or inflight) and not flag.stop:
        while queue and len(inflight) < be.window and not flag.stop:
            inflight.add(be.submit(plan.task(queue.pop(0))))
        for sub in be.wait(inflight, 0.25):
            inflight.discard(sub)
            res = be.result(sub, inflight)
            if res is None:
                continue
            write_part(plan, sub.task, res, schema)
            done.add(sub.task.chunk)
            if bar is not None:
                bar.update(len(sub.task.runs))


def _record_session(plan: Plan, session: dict, status: str, error: str | None, runs: int, seconds: float) -> None:
    """The session's figures in the sweep's manifest (written atomically)."""
    session.update({"finished": _now(), "status": status, "runs": runs, "seconds": round(seconds, 3)})
    if error:
        session["error"] = error
    manifest = plan.manifest
    manifest.setdefault("sessions", []).append(session)
    manifest["status"] = status
    if status == "complete":
        manifest["finished"] = _now()
    _write_json_atomic(plan.out / MANIFEST, manifest)


def read_runs(out: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All rows on disk, ordered by (point, replication)."""
    rdir = Path(out) / RUNS
    parts = sorted(f for f in rdir.iterdir() if PART_RE.match(f.name)) if rdir.is_dir() else []
    if not parts:
        return pd.DataFrame()
    df = pq.ParquetDataset([str(p) for p in parts]).read(columns=columns).to_pandas()
    return df.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
