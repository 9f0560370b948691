"""Alignment and defection of militias and tribes.

A switchable faction picks a camp by a logit (McFadden 1974) over utilities
that weigh pay and patronage, momentum (recent captures), ideological affinity
and the threat a camp poses to its home, with a bonus for the current camp
(switching cost), so defections are rare but real (the Kaniyat of Tarhuna in
2019, Sirte's 604 brigade in January 2020).
"""

from __future__ import annotations

import math

from ..bounds import within


def camp_utility(*, current: bool, pay: float, momentum: float, affinity: float, threat: float, legitimacy: float,
                 inertia: float, w_pay: float, w_momentum: float, w_ideology: float, w_threat: float,
                 w_legitimacy: float) -> float:
    return ((inertia if current else 0.0) + w_pay * pay + w_momentum * momentum + w_ideology * affinity
            + w_threat * threat + w_legitimacy * legitimacy)


def logit_choice(utilities: dict[str, float], u: float) -> str:
    """Pick a key with probability softmax(utilities), using the uniform draw ``u``."""
    keys = list(utilities)
    top = max(utilities.values())
    weights = [math.exp(utilities[k] - top) for k in keys]
    total = sum(weights)
    acc = 0.0
    for k, w in zip(keys, weights):
        acc += w / total
        if u < acc:
            return k
    return keys[-1]


def affinity(own: dict[str, tuple[float, float]], other: dict[str, float]) -> float:
    """1 - salience-weighted distance between own positions and another's (mean) positions."""
    num = den = 0.0
    for issue, (pos, sal) in own.items():
        if issue in other:
            num += sal * abs(pos - other[issue])
            den += sal
    return 1.0 - num / den if den > 0 else 0.5


def momentum(captures: list[tuple[int, str, str]], camp: str, step: int, weeks: int, scale: float) -> float:
    """Net captures of the camp (won minus lost) in the last ``weeks``, over ``scale``, within [-1, 1]."""
    since = step - weeks
    net = 0
    for when, won, lost in captures:
        if when > since:
            net += (won == camp) - (lost == camp)
    return within(net / scale, -1.0, 1.0)
