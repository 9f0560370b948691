"""Patron support: an action-reaction process.

Richardson (1960) arms race: a patron's effort ``e`` moves by

    de = rate * ( k * (R / R0 - 1)  - c * (e - 1)  + w * resolve * (m - m0)  + red * resolve * crossed )

- ``R / R0``: the support the rival camp receives, relative to the start
  (counter-intervention; Salehyan, Gleditsch & Cunningham 2011: states back a
  side more when a rival state backs the other);
- ``c (e - 1)``: cost pulls effort back to its baseline;
- ``m = 4 p (1 - p)``: the marginal effect of support on the client camp's
  chance ``p`` of winning, largest near parity (Regan 2002: interveners act
  when it can make a difference);
- ``crossed``: a red-line place has fallen to a hostile camp.

With ``e = 1`` and an unchanged world the scenario's sourced levels stay put;
each tie's level is then ``level0 * e`` plus, when ``e > 1``, a share of its
headroom (``support_headroom_share``), capped by ``max_level`` times the patron's domestic constraint and,
across ties, by the patron's budget.
"""

from __future__ import annotations

from ..bounds import at_least


def marginal_effect(p: float) -> float:
    """4 p (1 - p): 1 at parity, 0 for a sure winner or loser."""
    return 4.0 * p * (1.0 - p)


def richardson_step(effort: float, rival_ratio: float, marginal: float, marginal0: float, crossed: bool,
                    resolve: float, rate: float, k: float, c: float, w: float, red: float) -> float:
    """One week of a patron's effort; never negative."""
    de = k * (rival_ratio - 1.0) - c * (effort - 1.0) + w * resolve * (marginal - marginal0)
    if crossed:
        de += red * resolve
    return at_least(effort + rate * de, 0.0)


def tie_level(level0: float, effort: float, max_level: float, constraint: float, headroom_share: float) -> float:
    """Level of a tie for a patron's effort.

    ``level0 * effort``, plus, when effort is above 1, ``headroom_share`` of the headroom per unit
    of extra effort; never above ``max_level`` times the domestic constraint (nor
    below the sourced level if that is already higher)."""
    cap = max(max_level * constraint, level0)
    level = level0 * effort
    if effort > 1.0:
        level += (effort - 1.0) * headroom_share * max(0.0, cap - level0)
    return min(max(level, 0.0), cap)


def tie_caps(level0: list[float], max_level: list[float], constraint: float) -> list[float]:
    """Each tie's cap: ``max_level`` times the domestic constraint, never below the sourced level."""
    return [at_least(mx * constraint, l0) for l0, mx in zip(level0, max_level)]


def patron_levels(level0: list[float], caps: list[float], cost: list[float], effort: float,
                  budget: float, headroom_share: float) -> list[float]:
    """The levels of one patron's adaptive ties: :func:`tie_level` each (``caps`` from
    :func:`tie_caps`), then :func:`fit_budget` together. Written out for speed: it runs
    for every patron every week."""
    levels = []
    spend = 0.0
    extra = headroom_share * (effort - 1.0) if effort > 1.0 else 0.0
    for l0, cap, c in zip(level0, caps, cost):
        level = l0 * effort
        if extra and cap > l0:
            level += extra * (cap - l0)
        level = 0.0 if level < 0.0 else (cap if level > cap else level)
        levels.append(level)
        spend += level * c
    if spend > budget and spend > 0:
        f = budget / spend
        levels = [lv * f for lv in levels]
    return levels


def fit_budget(levels: list[float], costs: list[float], budget: float) -> list[float]:
    """Scale levels down proportionally so that sum(level * cost) <= budget."""
    spend = sum(lv * c for lv, c in zip(levels, costs))
    if spend <= budget or spend <= 0:
        return levels
    f = budget / spend
    return [lv * f for lv in levels]
