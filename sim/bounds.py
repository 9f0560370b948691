"""A number held to a bound: :func:`at_least`, :func:`at_most` and :func:`within` give what ``max(floor, x)``,
``min(cap, x)`` and ``min(high, max(low, x))`` give (the bound wins a tie, as there).

The weekly stages bound a few quantities of every faction and patron (quality, legitimacy, cohesion, effort,
a command's capacity). On Python 3.12 the builtin ``min`` and ``max`` parse their arguments for ``key`` and
``default`` at every call, which makes them several times as costly as the comparison written out here.
"""

from __future__ import annotations


def at_least(x: float, floor: float) -> float:
    return x if x > floor else floor


def at_most(x: float, cap: float) -> float:
    return x if x < cap else cap


def within(x: float, low: float, high: float) -> float:
    return at_most(at_least(x, low), high)
