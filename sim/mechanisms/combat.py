"""Combat on the frontier.

- Contest success function (Tullock 1980; Hirshleifer 1989, "Conflict and
  rent-seeking success functions"): the attacker wins a week's battle with
  probability ``Ea^m / (Ea^m + (d Ed)^m)``.
- Loss-of-strength gradient (Boulding 1962, *Conflict and Defense*): force
  projected at a place decays with road distance from the nearest held place
  and from the home base (supply lines).
- Lanchester (1916) square law in weekly steps: each side's losses are
  proportional to the other side's effective strength.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..bounds import at_least


def contest_success(attack: float, defence: float, decisiveness: float, defender_advantage: float) -> float:
    """Probability that the attacker wins this week's contest (0 if it brings nothing)."""
    if attack <= 0.0:
        return 0.0
    if defence <= 0.0:
        return 1.0
    # ratio form is numerically safe for large m
    r = (defender_advantage * defence / attack) ** decisiveness
    return 1.0 / (1.0 + r)


def defender_advantage(base: float, population: float, urban_per_100k: float) -> float:
    """d >= 1: larger in cities (urban warfare favours the defender)."""
    return base + urban_per_100k * population / 100_000.0


def air_multiplier(own_air: float, enemy_air_defence: float, air_weight: float) -> float:
    """Drones and air power multiply strength; enemy air defence cancels them."""
    net = own_air - enemy_air_defence
    return 1.0 + air_weight * net if net > 0.0 else 1.0


def effective_strength(fighters: float, quality: float, cohesion: float) -> float:
    """Fighters weighted by quality (heavy weapons, training) and cohesion."""
    return at_least(fighters, 0.0) * (0.5 + quality) * cohesion


def projection(distance_front_km: float, distance_home_km: float, range_km: float, supply_km: float) -> float:
    """Share of a force that can be brought to bear at a place."""
    return math.exp(-distance_front_km / range_km - distance_home_km / supply_km)


def lanchester_losses(attack: float, defence: float, rate: float) -> tuple[float, float]:
    """(attacker losses, defender losses) for one week of fighting; never negative."""
    return at_least(rate * defence, 0.0), at_least(rate * attack, 0.0)


@dataclass(frozen=True)
class BattleResult:
    """One week's battle for a place."""

    win_probability: float
    attacker_losses: float
    defender_losses: float
    won: bool  # the attacker won the week's contest
    captured: bool  # ... and took the place


def capture_chance(capture_tempo: float, attack: float, defence: float, defender_advantage: float) -> float:
    """Chance that a won week takes the place: ``1 - (1 - capture_tempo)^odds``, with ``odds`` the attack over
    the defence times its advantage. At even odds it is ``capture_tempo``; against overwhelming odds the
    defenders break and withdraw (Helmbold's breakpoints: a force that cannot hold gives way), against long
    odds a won week rarely takes the place."""
    if defence <= 0.0:
        return 1.0
    odds = attack / (defender_advantage * defence)
    return 1.0 - (1.0 - capture_tempo) ** odds


def resolve_battle(attack: float, defence: float, defender_advantage: float, decisiveness: float,
                   attrition_rate: float, capture_tempo: float, rng) -> BattleResult:
    """Contest success decides the week (one draw), Lanchester's square law the losses; a won week
    takes the place with :func:`capture_chance` (a second draw, only when won)."""
    prob = contest_success(attack, defence, decisiveness, defender_advantage)
    loss_a, loss_d = lanchester_losses(attack, defender_advantage * defence, attrition_rate)
    won = rng.random() < prob
    captured = won and rng.random() < capture_chance(capture_tempo, attack, defence, defender_advantage)
    return BattleResult(prob, loss_a, loss_d, won, captured)
