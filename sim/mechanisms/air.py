"""The air war: air power and air defence are local, they are stocks, and they destroy each other.

- Air superiority is local and temporary (Warden 1988, *The Air Campaign*): a camp's aircraft and drones
  act over the places within range of the air bases it holds, and its air defence protects the places
  near where it is deployed; what counts in a battle is the air over that place, net of the enemy's air
  defence there, not a camp-wide sum.
- Coverage falls off with distance: ``exp(-km / range_km)`` (straight-line km: aircraft do not follow
  roads).
- Attrition in the air is an exchange (Lanchester 1916, applied to air and air defence by Epstein 1985,
  *The Calculus of Conventional War*): in a week of fighting over a place, air defence shoots down air
  power in proportion to its own strength there, and strikes destroy air defence in proportion to the air
  power there; neither side loses more than it has there.
- Air interdiction (Warden 1988; Pape 1996, *Bombing to Win*, on interdiction of supply and movement): forces
  moving to a place through the enemy's air superiority there arrive thinned, by ``interdiction_rate`` times the
  enemy's air over the place net of one's own air defence there, at most all of them.
- Stocks are rebuilt by deliveries: every week a faction's stock of air power (or air defence) grows by a
  share of what its own means and its patrons supply, up to that level; a withdrawn supply is gone at once.
"""

from __future__ import annotations

import math

from ..bounds import at_most


def coverage(distance_km: float, range_km: float) -> float:
    """Share of a stock that acts at a place this far from its base."""
    return math.exp(-distance_km / range_km)


def exchange(air: float, air_defence: float, shootdown_rate: float, strike_rate: float) -> tuple[float, float]:
    """(air power lost, air defence lost) in a week's fighting over a place with this much of each there."""
    if air <= 0.0 or air_defence <= 0.0:
        return 0.0, 0.0
    return at_most(shootdown_rate * air_defence, air), at_most(strike_rate * air, air_defence)


def interdiction(enemy_air: float, own_air_defence: float, rate: float) -> float:
    """Share of the forces moving to a place that the enemy's air stops there: ``rate`` times its net air
    superiority over the place, within [0, 1]."""
    net = enemy_air - own_air_defence
    return at_most(rate * net, 1.0) if net > 0.0 else 0.0


def restock(stock: float, supplied: float, delivery_rate: float) -> float:
    """A stock after a week's deliveries: up by ``delivery_rate`` of the supplied level, never above it."""
    return at_most(stock + delivery_rate * supplied, supplied)
