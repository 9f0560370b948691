"""The figures of docs/calibration.md: the historical path against the dated record (sources/record.yaml).

    .venv/bin/python bench/calibration.py                 # 100 seeds (1 to 100), about a minute
    .venv/bin/python bench/calibration.py --runs 50
    .venv/bin/python bench/calibration.py --write-docs    # make calibration-docs: rewrites the generated
                                                          # sections of docs/calibration.md
    .venv/bin/python bench/calibration.py --check-docs    # exit 1 if they are out of date

Runs `palermo_failed` (libya_2018_11 with the Palermo conference failing) to
2020-01-15 and prints, as Markdown: the patterns of the record, and for each of the
record's places the most frequent holder at 2019-04-15 and at the end against
the record. With --write-docs it also copies the parameter and pattern tables of the
latest calibration (LATEST, its report.md) into docs/calibration.md,
so that the document's tables are generated, never written by hand. Not a test:
tests/test_calibration.py and tests/test_patterns.py hold the thresholds.
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
DOCS = ROOT / "docs" / "calibration.md"
# The latest calibration of the model: docs/calibration.md shows its report, and the Libya defaults are the
# values bench/choose_defaults.py chose from it (its defaults.yaml; a test checks they are the scenarios').
LATEST = ROOT / "configs" / "calibration" / "posterior_2026-12-02c"


def record_camp(label: str) -> str | None:
    """The record's control label as a camp (None: contested or unknown)."""
    label = str(label)
    for camp in ("GNA", "LNA"):
        if label.startswith(camp):
            return camp
    return "local" if label.startswith("local") else None


def model_against_record(runs: int) -> str:
    """The Markdown of the patterns and places on ``runs`` runs of palermo_failed (seeds 1 to runs)."""
    s = load_scenario(ROOT / "scenarios" / "libya" / "palermo_failed.yaml").scenario
    steps = horizon_steps(s, until=UNTIL)
    april = (APRIL - s.start_date).days // 7
    results = run_ensemble(s, runs, 1, steps, record=True)
    places = list(s.territory.places)

    def holders(step: int) -> list[dict[str, str]]:
        out = []
        for r in results:
            snap = r.recorder.snapshots[step]
            out.append({places[i]: snap.factions[fi][0] for i, fi in enumerate(snap.controller)})
        return out

    at_april, at_end = holders(april), holders(steps)
    patterns = load_patterns(ROOT / "configs" / "calibration" / "libya_2018_2020.yaml")
    evaluated = evaluate_all(patterns, results)
    lines = [f"### palermo_failed, {runs} runs (seeds 1 to {runs}), {steps} weeks to {UNTIL}\n",
             "#### The patterns of the record (configs/calibration/libya_2018_2020.yaml)\n",
             patterns_table(evaluated) + "\n", "#### The places\n"]
    lines += _place_summary(results, at_april, at_end, steps)
    lines += _places_table(places, at_april, at_end)
    return "\n".join(lines) + "\n"


def _share(rows, place, camp) -> float:
    return float(np.mean([row[place] == camp for row in rows]))


def _place_summary(results, at_april, at_end, steps: int) -> list[str]:
    casualties = np.array([r.summary["casualties"] for r in results])
    fighting = np.array([r.summary["weeks_of_fighting"] for r in results])
    return [f"- LNA holds Sabha on {APRIL}: {_share(at_april, 'sabha', 'LNA'):.0%} "
            f"(local {_share(at_april, 'sabha', 'local'):.0%}, GNA {_share(at_april, 'sabha', 'GNA'):.0%})",
            f"- Tripoli GNA-held at the end: {_share(at_end, 'tripoli', 'GNA'):.0%}; "
            f"Misrata: {_share(at_end, 'misrata', 'GNA'):.0%}",
            "- LNA heartland at the end: " + ", ".join(f"{p} {_share(at_end, p, 'LNA'):.0%}" for p in HEARTLAND),
            f"- casualties: median {np.median(casualties):,.0f} "
            f"(10-90%: {np.percentile(casualties, 10):,.0f} to {np.percentile(casualties, 90):,.0f})",
            f"- weeks with fighting: median {np.median(fighting):.0f} of {steps}"]


def _places_table(places, at_april, at_end) -> list[str]:
    record = yaml.safe_load(RECORD.read_text())["places"]
    lines = ["", "| place | record 2019-04 | model 2019-04 | record 2020-01 | model 2020-01 |",
             "|---|---|---|---|---|"]
    agree = {"2019-04": [0, 0], "2020-01": [0, 0]}
    for pid, city in record.items():
        if pid not in places:
            lines.append(f"| {city['name']} | (not a place of the scenario) | | | |")
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
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("\nmost frequent holder agrees with the record: "
                 + "; ".join(f"{a} of {n} at {d}" for d, (a, n) in agree.items()))
    return lines


def report_section(report: str, heading: str) -> str:
    """The body of a ``## heading`` section of a calibration report.md (up to the next ``## ``)."""
    start = report.index(f"## {heading}\n") + len(heading) + 4
    end = report.find("\n## ", start)
    return report[start:end if end >= 0 else len(report)].strip()


def posterior_tables(folder: Path) -> str:
    """A calibration's summary, parameters and patterns, from its report.md."""
    report = (folder / "report.md").read_text()
    summary = report.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    rel = folder.relative_to(ROOT).as_posix()
    params = report_section(report, "Parameters: prior and posterior").replace("](plots/", f"](../{rel}/plots/")
    patterns = report_section(report, "The patterns: record, prior predictive, posterior predictive")
    return (f"From `{rel}/report.md`:\n\n{summary}\n\n#### Parameters: prior and posterior\n\n{params}\n\n"
            f"#### The patterns: record, prior predictive, posterior predictive\n\n{patterns}\n")


def replace_generated(text: str, name: str, body: str) -> str:
    """Replace what lies between the ``<!-- BEGIN generated: name -->`` and ``<!-- END generated: name -->``
    markers of docs/calibration.md."""
    begin, end = f"<!-- BEGIN generated: {name} -->", f"<!-- END generated: {name} -->"
    if begin not in text or end not in text:
        raise SystemExit(f"{DOCS.relative_to(ROOT)}: markers for '{name}' not found")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    return f"{head}{begin}\n{body.strip()}\n{end}{tail}"


def generated_docs(runs: int) -> str:
    text = DOCS.read_text()
    text = replace_generated(text, "make calibration", model_against_record(runs))
    return replace_generated(text, "the latest calibration", posterior_tables(LATEST))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write-docs", action="store_true", help="rewrite the generated sections of the docs")
    mode.add_argument("--check-docs", action="store_true", help="exit 1 if the generated sections are stale")
    args = ap.parse_args()
    if not (args.write_docs or args.check_docs):
        print(model_against_record(args.runs), end="")
        return 0
    new = generated_docs(args.runs)
    if args.write_docs:
        tmp = DOCS.with_suffix(".md.tmp")
        tmp.write_text(new)
        tmp.replace(DOCS)
        print(f"wrote the generated sections of {DOCS.relative_to(ROOT)}")
        return 0
    if new != DOCS.read_text():
        print(f"{DOCS.relative_to(ROOT)} is out of date: run `make calibration-docs`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
