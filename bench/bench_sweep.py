"""Sweep throughput and memory: sim.sweep (local 1, local 2, dask 2) against mesa.batch_run.

    .venv/bin/python bench/bench_sweep.py            # ~5-10 min on 2 cores
    .venv/bin/python bench/bench_sweep.py --quick    # 200 / 2,000 runs instead of 2,000 / 20,000

The design: Latin hypercube of 200 points over contest_decisiveness and the
Turkish and Russian budgets, x 10 replications = 2,000 runs of libya_2018_11
to 2020-01-15 (record=False). Each configuration runs in a fresh subprocess so
that peak memory (ru_maxrss of the process and of its waited-for children) is
its own. Writes bench/results_sweep.json and prints a table. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "libya" / "libya_2018_11.yaml"


def sweep_text(points: int, reps: int, until: str) -> str:
    return f"""\
name: bench
scenario: {SCENARIO}
until: {until}
parameters:
  parameters.contest_decisiveness: {{bounds: [1.0, 4.0], name: contest_decisiveness}}
  actors.turkey.patron.budget: {{bounds: [0.0, 5.0], name: turkey_budget}}
  actors.russia.patron.budget: {{bounds: [0.0, 4.0], name: russia_budget}}
design: {{method: latin, samples: {points}, seed: 1}}
replications: {reps}
base_seed: 1000
outcomes:
  lna_holds_tripoli: {{column: tripoli_camp, equals: LNA}}
  lna_territory_share: {{column: lna_territory_share}}
  casualties: {{column: casualties}}
"""


def _maxrss_mb() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"maxrss_parent_mb": round(me, 1), "maxrss_children_mb": round(kids, 1)}


# ------------------------------------------------------------------ mesa.batch_run wrapper
_BATCH: dict = {}


def _batch_setup():
    if not _BATCH:
        from sim.sweep.design import build_design
        from sim.sweep.engine import _base_scenario, _steps
        from sim.sweep.spec import load_sweep

        spec = load_sweep(os.environ["BENCH_SWEEP_FILE"])
        base = _base_scenario(spec)
        design, _ = build_design(spec)
        _BATCH.update(spec=spec, base=base, design=design, steps=_steps(spec, base))
    return _BATCH


import mesa  # noqa: E402


class SweepPointModel(mesa.Model):
    """ConflictModel at one design point, for mesa.batch_run; data collected only at the end."""

    def __init__(self, point: int = 0, seed: int | None = None):
        super().__init__(rng=seed)
        from sim.model import ConflictModel
        from sim.sweep.evaluators import build_scenario

        b = _batch_setup()
        row = b["design"].iloc[point]
        overrides = {p.path: float(row[p.column]) for p in b["spec"].params}
        self.inner = ConflictModel(build_scenario(b["base"].resolved, overrides), seed=seed, record=False)
        self.horizon = b["steps"]
        self.summary: dict = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            "lna_holds_tripoli": lambda m: m.summary.get("tripoli_camp") == "LNA",
            "lna_territory_share": lambda m: m.summary.get("lna_territory_share"),
            "casualties": lambda m: m.summary.get("casualties"),
        })

    def step(self):
        self.inner.step()
        if self.inner.steps >= self.horizon:
            self.summary = self.inner.summary()
            self.datacollector.collect(self)
            self.running = False


def measure(kind: str, workers: int, points: int, reps: int, until: str) -> dict:
    """One configuration, in this (fresh) process."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    f = tmp / "bench.yaml"
    f.write_text(sweep_text(points, reps, until))
    os.environ["BENCH_SWEEP_FILE"] = str(f)
    runs = points * reps
    if kind == "batch_run":
        import warnings

        b = _batch_setup()
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = mesa.batch_run(SweepPointModel, parameters={"point": range(points)}, number_processes=workers,
                                  rng=[1000 + r for r in range(reps)], max_steps=b["steps"] + 1,
                                  data_collection_period=-1, display_progress=False)
        seconds = time.perf_counter() - t0
        assert len(rows) == runs, len(rows)
    else:
        from sim.sweep.engine import execute, prepare
        from sim.sweep.spec import load_sweep

        plan = prepare(load_sweep(f), tmp / "out")
        t0 = time.perf_counter()
        res = execute(plan, backend=kind, workers=workers, progress=False, log=lambda m: None)
        seconds = time.perf_counter() - t0
        assert res.status == "complete" and res.runs_done == runs, res
    return {"config": f"{kind} {workers}", "runs": runs, "seconds": round(seconds, 2),
            "runs_per_s": round(runs / seconds, 1), **_maxrss_mb()}


def run_in_subprocess(kind, workers, points, reps, until) -> dict:
    cmd = [sys.executable, __file__, "--measure", kind, str(workers), str(points), str(reps), until]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))
    if proc.returncode != 0:
        raise SystemExit(f"{kind} {workers} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10x fewer runs")
    ap.add_argument("--until", default="2020-01-15")
    ap.add_argument("--big-until", default=None,
                    help="horizon of the 20,000-run memory check (default: --until; a shorter one is faster)")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--measure", nargs=5, metavar=("KIND", "WORKERS", "POINTS", "REPS", "UNTIL"))
    args = ap.parse_args()
    if args.measure:
        kind, workers, points, reps, until = args.measure
        print(json.dumps(measure(kind, int(workers), int(points), int(reps), until)))
        return

    points = 20 if args.quick else 200
    rows = []
    for kind, workers in [("local", 1), ("local", 2), ("dask", 2), ("batch_run", 1), ("batch_run", 2)]:
        r = run_in_subprocess(kind, workers, points, 10, args.until)
        r["until"] = args.until
        rows.append(r)
        print(f"  {r['config']:<12} {r['runs']:>6} runs {r['seconds']:>8.1f} s {r['runs_per_s']:>8.1f} runs/s "
              f"maxrss parent {r['maxrss_parent_mb']:.0f} MB, children {r['maxrss_children_mb']:.0f} MB", flush=True)
    if not args.skip_big:
        big_until = args.big_until or args.until
        r = run_in_subprocess("local", 2, points * 10, 10, big_until)
        r["until"] = big_until
        r["config"] = "local 2 (memory)"
        rows.append(r)
        print(f"  {r['config']:<12} {r['runs']:>6} runs {r['seconds']:>8.1f} s {r['runs_per_s']:>8.1f} runs/s "
              f"maxrss parent {r['maxrss_parent_mb']:.0f} MB, children {r['maxrss_children_mb']:.0f} MB", flush=True)

    print()
    print(f"{'config':<18}{'runs':>7}{'until':>12}{'seconds':>9}{'runs/s':>9}{'parent MB':>11}{'child MB':>10}")
    for r in rows:
        print(f"{r['config']:<18}{r['runs']:>7}{r['until']:>12}{r['seconds']:>9.1f}{r['runs_per_s']:>9.1f}"
              f"{r['maxrss_parent_mb']:>11.0f}{r['maxrss_children_mb']:>10.0f}")
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
           "scenario": str(SCENARIO.relative_to(ROOT)), "design": f"latin {points} points x 10 replications",
           "note": "maxrss: ru_maxrss of the measuring process and of its largest waited-for child (MB); "
                   "Dask workers are grandchildren (nanny) and may not be counted",
           "results": rows}
    (ROOT / "bench" / "results_sweep.json").write_text(json.dumps(out, indent=2))
    print(f"wrote {ROOT / 'bench' / 'results_sweep.json'}")


if __name__ == "__main__":
    main()
