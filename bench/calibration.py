"""The figures of docs/calibration.md: the historical path against the dated record (sources/record.yaml).

    .venv/bin/python bench/calibration.py            # 100 seeds (1 to 100), about a minute
    .venv/bin/python bench/calibration.py --runs 50

Runs `palermo_failed` (libya_2018_11 with the Palermo conference failing) to
2020-01-15 and prints, as Markdown: the calibration targets, and for each of the
record's places the most frequent holder at 2019-04-15 and at the end against
the record. Not a test: tests/test_calibration.py holds the thresholds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.patterns import evaluate_all, load_patterns  # noqa: E402
from sim.patterns import table as patterns_table  # noqa: E402
from sim.runner import horizon_steps, run_ensemble  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

RECORD = ROOT / "sources" / "record.yaml"
UNTIL = dt.date(2020, 1, 15)
APRIL = dt.date(2019, 4, 15)
HEARTLAND = yaml.safe_load(RECORD.read_text())["targets"]["lna_heartland_at_the_end"]["places"]


def record_camp(label: str) -> str | None:
    """The record's control label as a camp (None: contested or unknown)."""
    label = str(label)
    for camp in ("GNA", "LNA"):
        if label.startswith(camp):
            return camp
    return "local" if label.startswith("local") else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    s = load_scenario(ROOT / "scenarios" / "palermo_failed.yaml").scenario
    steps = horizon_steps(s, until=UNTIL)
    april = (APRIL - s.start_date).days // 7
    results = run_ensemble(s, args.runs, 1, steps, record=True)
    places = list(s.territory.places)

    def holders(step: int) -> list[dict[str, str]]:
        out = []
        for r in results:
            snap = r.recorder.snapshots[step]
            out.append({places[i]: snap.factions[fi][0] for i, fi in enumerate(snap.controller)})
        return out

    at_april, at_end = holders(april), holders(steps)

    def share(rows, place, camp):
        return np.mean([row[place] == camp for row in rows])

    casualties = np.array([r.summary["casualties"] for r in results])
    fighting = np.array([r.summary["weeks_of_fighting"] for r in results])
    print(f"## palermo_failed, {args.runs} runs (seeds 1 to {args.runs}), {steps} weeks to {UNTIL}\n")
    patterns = load_patterns(ROOT / "configs" / "calibration" / "libya_2018_2020.yaml")
    print("### The patterns of the record (configs/calibration/libya_2018_2020.yaml)\n")
    print(patterns_table(evaluate_all(patterns, results)) + "\n")
    print("### The places\n")
    print(f"- LNA holds Sabha on {APRIL}: {share(at_april, 'sabha', 'LNA'):.0%} "
          f"(local {share(at_april, 'sabha', 'local'):.0%}, GNA {share(at_april, 'sabha', 'GNA'):.0%})")
    print(f"- Tripoli GNA-held at the end: {share(at_end, 'tripoli', 'GNA'):.0%}; "
          f"Misrata: {share(at_end, 'misrata', 'GNA'):.0%}")
    print("- LNA heartland at the end: " + ", ".join(f"{p} {share(at_end, p, 'LNA'):.0%}" for p in HEARTLAND))
    print(f"- casualties: median {np.median(casualties):,.0f} "
          f"(10-90%: {np.percentile(casualties, 10):,.0f} to {np.percentile(casualties, 90):,.0f})")
    print(f"- weeks with fighting: median {np.median(fighting):.0f} of {steps}")

    record = yaml.safe_load(RECORD.read_text())["places"]
    print("\n| place | record 2019-04 | model 2019-04 | record 2020-01 | model 2020-01 |\n|---|---|---|---|---|")
    agree = {"2019-04": [0, 0], "2020-01": [0, 0]}
    for pid, city in record.items():
        if pid not in places:
            print(f"| {city['name']} | (not a place of the scenario) | | | |")
            continue
        cells = [pid]
        for date, rows in (("2019-04", at_april), ("2020-01", at_end)):
            label = city["holder"].get(date, "")
            counts = Counter(row[pid] for row in rows)
            modal = counts.most_common(1)[0][0]
            want = record_camp(label)
            if want is not None:
                agree[date][1] += 1
                agree[date][0] += modal == want
            text = ", ".join(f"{c} {n / len(rows):.0%}" for c, n in counts.most_common())
            cells += [str(label), text if want is None or modal == want else f"**{text}**"]
        print("| " + " | ".join(cells) + " |")
    print("\nmost frequent holder agrees with the record: "
          + "; ".join(f"{a} of {n} at {d}" for d, (a, n) in agree.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
