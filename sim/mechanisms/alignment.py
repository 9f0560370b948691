"""Alignment and defection of militias and tribes.

A switchable faction picks a camp by a logit (McFadden 1974) over utilities
that weigh pay and patronage, momentum (recent captures), ideological affinity,
the threat a camp poses to its home and the spoils its campaign offers, with a bonus for the current camp
(switching cost), so defections are rare but real: a town's militia changes
sides once in a while, not every week (Kalyvas 2006; Christia 2012).
"""

from __future__ import annotations

import math

from ..bounds import within


def threat(strength_there: float, own: float, worth: float, campaign_on_it: bool) -> float:
    """The threat a camp poses to a faction's home (Walt 1987, *The Origins of Alliances*: power near at hand
    times offensive intent): its share of the strength there, ``s / (s + own)``, times its intent, 1 if its
    campaign is aimed at the place, else ``worth / (worth + 1)`` with ``worth`` what the place is worth to it."""
    total = strength_there + own
    if total <= 0.0:
        return 0.0
    intent = 1.0 if campaign_on_it else worth / (worth + 1.0)
    return strength_there / total * intent


def spoils(goals: dict[int, float], objective: int | None) -> float:
    """What a camp's campaign offers a faction (Schweller 1994, "Bandwagoning for Profit", *International
    Security* 19(1): revisionist actors join a rising revisionist power to share the gains): the worth to the
    faction of the campaign's objective, over the worth of its most wanted place; 0 without a campaign."""
    if objective is None or not goals:
        return 0.0
    top = max(goals.values())
    return max(0.0, goals.get(objective, 0.0)) / top if top > 0.0 else 0.0


def camp_utility(*, current: bool, pay: float, momentum: float, affinity: float, threat: float, legitimacy: float,
                 spoils: float, inertia: float, w_pay: float, w_momentum: float, w_ideology: float, w_threat: float,
                 w_legitimacy: float, w_spoils: float) -> float:
    return ((inertia if current else 0.0) + w_pay * pay + w_momentum * momentum + w_ideology * affinity
            + w_threat * threat + w_legitimacy * legitimacy + w_spoils * spoils)


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
