"""Patterns of the record, checked on an ensemble of runs (pattern-oriented modelling: Grimm et al. 2005).

A patterns file (``configs/calibration/*.yaml``) names a scenario, a horizon, a number of runs and the
patterns, each with its sources. Kinds:

- ``holder``: the camp holding a place at a date, as a share of runs (``min_share`` and/or ``max_share``);
- ``holders``: several places and camps at one date, each with its ``min_share``;
- ``attack_weeks``: a camp attacks a place in at least ``min_weeks`` distinct weeks of a window, in at
  least ``min_share`` of runs;
- ``quiet``: the median number of weeks with any battle in a window is at most ``max_median_weeks``;
- ``fought``: the median share of weeks with a battle in a window is at least ``min_median_share``;
- ``casualties``: the median of a run's casualties lies in ``[min_median, max_median]``.

"At a date" means the last week that starts on or before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError
from .yamlio import load_yaml_file


@dataclass
class PatternResult:
    id: str
    text: str
    holds: bool
    model: str  # what the model gives, in words
    sources: list[str]


def load_patterns(path: str | Path) -> dict:
    data, _ = load_yaml_file(Path(path))
    if not isinstance(data, dict) or "patterns" not in data:
        raise InputError("a patterns file needs a 'patterns' list", str(path), 1)
    return data


def _week_index(dates: list[str], when: dt.date) -> int:
    """Index of the last recorded week starting on or before the date."""
    text = when.isoformat()
    k = 0
    for i, d in enumerate(dates):
        if d <= text:
            k = i
    return k


def _camps_at(run, when: dt.date) -> dict[str, str]:
    """place -> camp holding it at the date, in one run (from its weekly snapshots)."""
    rec = run.recorder
    snaps = rec.snapshots
    snap = snaps[_week_index([s.date for s in snaps], when)]
    return {place: snap.factions[fi][0] for place, fi in zip(rec.place_ids, snap.controller)}


def _weeks_with_battles(run, start: dt.date, end: dt.date, attacker: str | None = None,
                        place: str | None = None) -> set[int]:
    lo, hi = start.isoformat(), end.isoformat()
    return {b.step for b in run.recorder.battles if lo <= b.date <= hi
            and (attacker is None or b.attacker_camp == attacker) and (place is None or b.place == place)}


def _weeks_in(run, start: dt.date, end: dt.date) -> int:
    lo, hi = start.isoformat(), end.isoformat()
    return sum(lo <= s.date <= hi for s in run.recorder.snapshots)


def evaluate(pattern: dict, runs: list) -> PatternResult:
    """Does the pattern hold on these runs (RunResults recorded in full)?"""
    kind = pattern["kind"]
    n = len(runs)
    if kind == "holder":
        share = sum(_camps_at(r, pattern["date"])[pattern["place"]] == pattern["camp"] for r in runs) / n
        holds = share >= pattern.get("min_share", 0.0) and share <= pattern.get("max_share", 1.0)
        model = f"{pattern['camp']} {share:.0%}"
    elif kind == "holders":
        parts, holds = [], True
        for h in pattern["holders"]:
            for place in h["places"]:
                share = sum(_camps_at(r, pattern["date"])[place] == h["camp"] for r in runs) / n
                holds &= share >= h["min_share"]
                parts.append(f"{place} {share:.0%}")
        model = ", ".join(parts)
    elif kind == "attack_weeks":
        weeks = [len(_weeks_with_battles(r, pattern["from"], pattern["to"], pattern["attacker"], pattern["place"]))
                 for r in runs]
        share = sum(w >= pattern["min_weeks"] for w in weeks) / n
        holds = share >= pattern["min_share"]
        model = f"{share:.0%} of runs (median {np.median(weeks):g} weeks)"
    elif kind == "quiet":
        weeks = [len(_weeks_with_battles(r, pattern["from"], pattern["to"])) for r in runs]
        holds = float(np.median(weeks)) <= pattern["max_median_weeks"]
        model = f"median {np.median(weeks):g} of {_weeks_in(runs[0], pattern['from'], pattern['to'])} weeks"
    elif kind == "fought":
        shares = [len(_weeks_with_battles(r, pattern["from"], pattern["to"]))
                  / max(1, _weeks_in(r, pattern["from"], pattern["to"])) for r in runs]
        holds = float(np.median(shares)) >= pattern["min_median_share"]
        model = f"median share {np.median(shares):.2f}"
    elif kind == "casualties":
        c = float(np.median([r.summary["casualties"] for r in runs]))
        holds = pattern["min_median"] <= c <= pattern["max_median"]
        model = f"median {c:,.0f}"
    else:
        raise InputError(f"unknown pattern kind '{kind}'", pattern.get("id", "?"))
    return PatternResult(pattern["id"], pattern["text"], bool(holds), model, list(pattern.get("sources", [])))


def evaluate_all(patterns: dict, runs: list) -> list[PatternResult]:
    return [evaluate(p, runs) for p in patterns["patterns"]]


def table(results: list[PatternResult]) -> str:
    """Markdown: pattern, model, holds."""
    lines = ["| pattern (record) | model | holds |", "|---|---|---|"]
    lines += [f"| {r.text} | {r.model} | {'yes' if r.holds else '**no**'} |" for r in results]
    lines.append(f"\n{sum(r.holds for r in results)} of {len(results)} patterns hold.")
    return "\n".join(lines)
