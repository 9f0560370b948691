"""Time runs of libya_2018_11 to 2020-01-15 with the code of a given checkout (for `make bench`'s ratios).

    python bench/time_runs.py ROOT [REPEATS]     # prints one JSON line: best ms per run, with and without recording

ROOT is a checkout of this project (the current one, or an older commit's worktree): its `sim` package and
scenario are used, so two versions can be timed on the same machine in the same bench run (the scenario is in
scenarios/libya/, or in scenarios/ in a checkout from before the theatre folders).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

root = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
sys.path.insert(0, root)

from sim.runner import horizon_steps, run_one  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

BATCH = 20
path = Path(root, "scenarios", "libya", "libya_2018_11.yaml")
if not path.is_file():
    path = Path(root, "scenarios", "libya_2018_11.yaml")  # an older checkout
s = load_scenario(str(path)).scenario
steps = horizon_steps(s, until=dt.date(2020, 1, 15))
run_one(s, 0, steps)  # warm up
best = best_norec = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    for k in range(BATCH):
        run_one(s, k, steps, record=True)
    best = min(best, (time.perf_counter() - t) / BATCH)
    t = time.perf_counter()
    for k in range(BATCH):
        run_one(s, k, steps, record=False)
    best_norec = min(best_norec, (time.perf_counter() - t) / BATCH)
print(json.dumps({"ms_per_run_recording": round(1000 * best, 2), "ms_per_run_summary_only": round(1000 * best_norec, 2)}))
