"""Benchmarks (`make bench`): figures for the issue notes, not tests.

1. Time per run of libya_2018_11 to 2020-01-15 (62 weekly steps) with all
   recording on, on one core: best of several repeats (the machine is shared),
   and the time to turn a run into its CSV tables.
2. `compare` of two scenarios with 200 runs each to 2020-01-15, on all cores,
   tables, plots and report included.
3. How long the loader takes to refuse hostile files (bench/bench_loader.py: the tests check the
   refusals without timing them).
4. The sweep benchmarks (bench/bench_sweep.py) unless --skip-sweep.

With ``--against REV`` (``make bench AGAINST=REV``), step 1 also times the code of commit REV (checked out
in a temporary git worktree) in the same bench run, alternating the two four times, and reports the ratio
of the best times (this version / REV).

Writes bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.compare import compare  # noqa: E402
from sim.outputs import write_tables  # noqa: E402
from sim.runner import horizon_steps, run_one  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

UNTIL = dt.date(2020, 1, 15)


def bench_run(repeats: int = 5, batch: int = 20) -> dict:
    """Seeds 0..batch-1 every repeat (the same work each time); the best repeat counts."""
    s = load_scenario(ROOT / "scenarios" / "libya" / "libya_2018_11.yaml").scenario
    steps = horizon_steps(s, until=UNTIL)
    run_one(s, 0, steps)  # warm up
    best = best_norec = float("inf")
    results = []
    for _ in range(repeats):
        t = time.perf_counter()
        results = [run_one(s, k, steps, record=True) for k in range(batch)]
        best = min(best, (time.perf_counter() - t) / batch)
        t = time.perf_counter()
        for k in range(batch):
            run_one(s, k, steps, record=False)
        best_norec = min(best_norec, (time.perf_counter() - t) / batch)
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        write_tables(Path(d), results)
        tables = (time.perf_counter() - t) / len(results)
    return {"steps": steps, "seeds": f"0..{batch - 1}", "ms_per_run_recording": round(1000 * best, 2),
            "ms_per_run_summary_only": round(1000 * best_norec, 2),
            "runs_per_second_per_core": round(1 / best, 1), "ms_per_run_writing_tables": round(1000 * tables, 2)}


def bench_against(rev: str, rounds: int = 4) -> dict:
    """Best time per run of this checkout and of commit ``rev``, measured alternately in fresh processes."""
    script = str(ROOT / "bench" / "time_runs.py")
    with tempfile.TemporaryDirectory() as d:
        other = Path(d) / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), rev], check=True)
        try:
            best = {"this": {}, rev: {}}
            for _ in range(rounds):
                for name, root in (("this", ROOT), (rev, other)):
                    out = json.loads(subprocess.run([sys.executable, script, str(root), "3"], check=True,
                                                    capture_output=True, text=True).stdout)
                    for k, v in out.items():
                        best[name][k] = min(best[name].get(k, float("inf")), v)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    ratio = {k: round(best["this"][k] / best[rev][k], 3) for k in best["this"]}
    return {"against": rev, "this": best["this"], "other": best[rev], "ratio_this_over_other": ratio}


def bench_compare(runs: int = 200) -> dict:
    paths = [str(ROOT / "scenarios" / "libya" / "palermo_success.yaml"),
             str(ROOT / "scenarios" / "libya" / "palermo_failed.yaml")]
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        compare(paths, runs, 1, UNTIL, str(Path(d) / "cmp"), {}, quiet=True)
        wall = time.perf_counter() - t
    return {"scenarios": 2, "runs_each": runs, "seconds": round(wall, 2), "target_seconds": 10}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-sweep", action="store_true", help="skip the (several minutes long) sweep benchmarks")
    ap.add_argument("--against", metavar="REV", help="also time commit REV's runs, alternately, and give the ratio")
    args = ap.parse_args()
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
           "date": dt.datetime.now().isoformat(timespec="seconds")}
    print("1. one run of libya_2018_11 to 2020-01-15, one core ...", flush=True)
    out["run"] = bench_run()
    print(json.dumps(out["run"], indent=2), flush=True)
    if args.against:
        print(f"1b. the same runs, this checkout against {args.against}, alternately ...", flush=True)
        out["run_against"] = bench_against(args.against)
        print(json.dumps(out["run_against"], indent=2), flush=True)
    print("2. compare palermo_success palermo_failed, 200 runs each ...", flush=True)
    out["compare"] = bench_compare()
    print(json.dumps(out["compare"], indent=2), flush=True)
    print("3. the loader's refusals of hostile files (bench/bench_loader.py) ...", flush=True)
    loader = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_loader.py")], capture_output=True,
                            text=True, check=True)
    out["loader"] = json.loads(loader.stdout)
    print(json.dumps(out["loader"], indent=2), flush=True)
    (ROOT / "bench" / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    if not args.skip_sweep:
        print("4. sweeps (bench/bench_sweep.py) ...", flush=True)
        return subprocess.call([sys.executable, str(ROOT / "bench" / "bench_sweep.py")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
