"""Campaigns: an operational objective chosen by expected value, pursued for weeks, until it is taken,
the offensive culminates, or the command stops believing in it.

- Objective by expected value under the command's own beliefs. A command weighs the worth of a place
  against its believed chance of taking it over a campaign; an optimistic leader over-rates its own
  strength (Blainey 1973, *The Causes of War*: mutual optimism; Fearon 1995). Over a horizon of ``H``
  weeks, with a weekly chance ``p`` of winning the contest and a chance ``c`` that a won week takes the
  place, the campaign succeeds with probability ``1 - (1 - p c)^H``.
- Concentration. The campaign's force is committed on one axis (Lanchester's square law rewards
  concentration); it reaches the front along its supply line and thins with distance (Boulding 1962).
- Culmination (Clausewitz, *On War*, book 7: the culminating point of the attack). Offensive capacity
  (logistics, ammunition, readiness) is spent by every week of fighting and rebuilt every week; below a
  floor the offensive culminates and the front goes quiet until capacity is rebuilt.
- Learning in war (Slantchev 2003, "The principle of convergence in wartime negotiations"; Filson &
  Werner 2002): the command's optimism moves towards what the battles show, by
  ``rate * (won - believed chance)`` after every battle it fights.
"""

from __future__ import annotations

from ..bounds import at_least, within
from .combat import contest_success


def believed_chance(attack: float, defence: float, decisiveness: float, defender_advantage: float,
                    optimism: float) -> float:
    """The command's estimate of winning a week's contest: its own strength inflated by ``1 + optimism``."""
    return contest_success(attack * (1.0 + optimism), defence, decisiveness, defender_advantage)


def campaign_success(weekly_chance: float, capture_chance: float, horizon_weeks: float) -> float:
    """Chance that a campaign takes its objective within the horizon: ``1 - (1 - p c)^H``."""
    per_week = within(weekly_chance * capture_chance, 0.0, 1.0)
    return 1.0 - (1.0 - per_week) ** horizon_weeks


def next_capacity(capacity: float, battles: int, cost_per_battle: float, regeneration: float) -> float:
    """Offensive capacity after a week: spent by each battle fought, rebuilt every week, within [0, 1]."""
    return within(capacity - cost_per_battle * battles + regeneration, 0.0, 1.0)


def learn(optimism: float, won: bool, believed: float, rate: float, floor: float) -> float:
    """The command's optimism after a battle: up when it wins more than it believed, down when less."""
    return at_least(optimism + rate * ((1.0 if won else 0.0) - believed), floor)
