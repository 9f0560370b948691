"""One number per target from a parameter set's runs, and the distance of those numbers to the record.

The statistic of each pattern kind (``sim.patterns`` defines the kinds; a pattern's thresholds decide
whether it holds, its statistic says by how much the model is off the record):

- ``holder``: share of runs in which ``camp`` holds ``place`` at ``date``;
- ``holders``: the lowest, over the listed places, of the share of runs in which the place's camp holds it;
- ``attack_weeks``: median number of distinct weeks in which ``attacker`` attacks ``place`` in the window;
- ``quiet``: median number of weeks with any battle in the window;
- ``fought``: median share of the window's weeks with a battle;
- ``casualties``: median casualties of a run.

A target's miss is ``|statistic - record| / tolerance``; the distance is the root mean square of the misses
(so a distance of 1 means "off by one tolerance on average").
"""

from __future__ import annotations

import math

import numpy as np

from ..patterns import _camps_at, _weeks_in, _weeks_with_battles


def statistic(pattern: dict, runs: list) -> float:
    """The pattern's number on these runs (RunResults recorded in full)."""
    kind = pattern["kind"]
    n = len(runs)
    if kind == "holder":
        return sum(_camps_at(r, pattern["date"])[pattern["place"]] == pattern["camp"] for r in runs) / n
    if kind == "holders":
        camps = [_camps_at(r, pattern["date"]) for r in runs]
        return min(sum(c[place] == h["camp"] for c in camps) / n
                   for h in pattern["holders"] for place in h["places"])
    if kind == "attack_weeks":
        return float(np.median([len(_weeks_with_battles(r, pattern["from"], pattern["to"], pattern["attacker"],
                                                        pattern["place"])) for r in runs]))
    if kind == "quiet":
        return float(np.median([len(_weeks_with_battles(r, pattern["from"], pattern["to"])) for r in runs]))
    if kind == "fought":
        return float(np.median([len(_weeks_with_battles(r, pattern["from"], pattern["to"]))
                                / max(1, _weeks_in(r, pattern["from"], pattern["to"])) for r in runs]))
    if kind == "casualties":
        return float(np.median([float(r.summary["casualties"]) for r in runs]))
    raise ValueError(f"unknown pattern kind '{kind}'")


def misses(stats: dict, record: dict, tolerance: dict) -> dict[str, float]:
    return {k: abs(float(stats[k]) - record[k]) / tolerance[k] for k in record}


def rms(values) -> float:
    values = list(values)
    return math.sqrt(sum(v * v for v in values) / len(values)) if values else 0.0


class TargetDistance:
    """pyabc's distance: the root mean square of the misses, each weighted by its tolerance (picklable)."""

    def __init__(self, tolerance: dict[str, float]):
        self.tolerance = dict(tolerance)

    def __call__(self, x: dict, x0: dict) -> float:
        return rms(abs(float(x[k]) - float(x0[k])) / tol for k, tol in self.tolerance.items())
