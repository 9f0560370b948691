"""Bargaining at a conference.

Fearon (1995, "Rationalist explanations for war"): a party accepts a deal
worth ``x`` to it iff ``x >= p * V - c``, where ``p`` is its (private, possibly
optimistic) estimate of winning, ``V`` the prize (here 1) and ``c`` its cost of
fighting on. The worth of a deal comes from the spatial model (Bueno de
Mesquita; KTAB): one minus the salience-weighted distance between the deal's
positions and the party's own positions on the issues.
"""

from __future__ import annotations

from dataclasses import dataclass


def deal_value(interests: dict[str, tuple[float, float]], positions: dict[str, float]) -> float:
    """Worth of a deal in [0, 1]: 1 = every issue settled at the party's own position.

    ``interests`` maps issue -> (position, salience); issues the deal is silent on
    are ignored. A party with no stake in the deal's issues values it at 1.
    """
    num = den = 0.0
    for issue, pos in positions.items():
        if issue in interests:
            own, salience = interests[issue]
            num += salience * abs(own - pos)
            den += salience
    return 1.0 - num / den if den > 0 else 1.0


def war_value(p_win: float, cost: float, legitimacy_edge: float = 0.0, legitimacy_weight: float = 0.0) -> float:
    """Expected value of fighting on for a prize of 1, plus what recognition is worth at the table: a party
    whose camp is more legitimate than its most legitimate enemy can walk away and keep the standing, the
    institutions and the foreign backing that recognition brings (Hurd 1999, "Legitimacy and Authority in
    International Politics"; Coggins 2011, "Friends in High Places"), so it asks for more; one less
    legitimate asks for less. ``legitimacy_edge`` is its camp's legitimacy minus the enemy's, in [-1, 1]."""
    return p_win - cost + legitimacy_weight * legitimacy_edge


@dataclass(frozen=True)
class Verdict:
    party: str
    deal: float
    war: float

    @property
    def accepts(self) -> bool:
        return self.deal >= self.war

    @property
    def deficit(self) -> float:
        """How far the deal falls short of fighting on (0 if acceptable)."""
        return max(0.0, self.war - self.deal)


def negotiate(verdicts: list[Verdict]) -> tuple[bool, Verdict | None]:
    """Agreement iff every key party accepts; else the party with the largest deficit walks out."""
    refusing = [v for v in verdicts if not v.accepts]
    if not refusing:
        return True, None
    return False, max(refusing, key=lambda v: v.deficit)


def ceasefire_hazard(base_rate: float, deficit: float, under_agreement: bool, agreement_factor: float,
                     deficit_weight: float, shift: float = 0.0, shift_weight: float = 0.0) -> float:
    """Weekly chance that a ceasefire breaks down: a base rate, lower under a signed agreement, higher the
    more the unhappiest party would gain by fighting on (its deficit), and higher the more the balance of
    power has shifted since the ceasefire began (``shift``: the largest change of a party's chance of
    prevailing). A side that has grown stronger cannot be held to terms struck when it was weaker: the
    commitment problem (Powell 2006, "War as a commitment problem")."""
    return (base_rate * (agreement_factor if under_agreement else 1.0) * (1.0 + deficit_weight * max(0.0, deficit))
            * (1.0 + shift_weight * max(0.0, shift)))
