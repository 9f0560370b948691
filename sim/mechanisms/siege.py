"""Sieges: a garrison cut off from its supply wears down and gives way.

A place its holder's camp can no longer supply by road (its roads run only through enemy ground) and cannot
supply by air (it is not an air base) holds out for a while on what it has: a garrison's stocks run down,
and each week it gives way with a constant hazard ``1 / endurance`` (mean endurance in weeks). Defeat then
cascades: places that depended on the lost node are cut off in turn (threshold cascades in networks of
dependent positions; Helmbold's breakpoints: a force that loses its supply withdraws).
"""

from __future__ import annotations


def gives_way(endurance_weeks: float, draw: float) -> bool:
    """Does a cut-off garrison give way this week? (``draw`` uniform on [0, 1).)"""
    return draw < 1.0 / endurance_weeks
