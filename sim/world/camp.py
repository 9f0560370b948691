"""Camps: the sides of the war, the balance of strength between them, and how a camp defends.

A camp's offensives are its command's (:mod:`.command`). The defending camp spreads its force over its
threatened places (force-to-space); the holder keeps most of what it can bring at home.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mechanisms import alignment, combat
from ..schema import Parameters
from .command import Command
from .map import MapView


class Camp:
    """One side: its own weekly state, and (if armed) its operational command."""

    def __init__(self, name: str, armed: bool, accepts_defectors: bool, command: Command | None = None):
        self.name = name
        self.armed = armed
        self.accepts_defectors = accepts_defectors
        self.command = command
        self.pay_rate = 0.0  # $m per fighter this week from the oil revenue
        self.casualties = 0.0
        self.battles = 0


@dataclass
class Balance:
    """Strength this week: per faction (effective strength and the share it can bring to each place),
    per camp (total and chance of prevailing against its strongest enemy)."""

    strength: list[float]  # per faction: effective strength
    rows: list[list[float]]  # per faction, per place: share of its strength it can bring there
    totals: dict[str, float]  # per camp
    win_probability: dict[str, float]  # per camp (0.5 for unarmed camps)
    view: MapView  # the map it was measured on

    @classmethod
    def measure(cls, factions: list, view: MapView, camps: list[str], armed: list[str],
                decisiveness: float) -> "Balance":
        eff = [f.effective_strength() for f in factions]
        totals = dict.fromkeys(camps, 0.0)
        for camp, e in zip(view.faction_camps, eff):
            totals[camp] += e
        win = dict.fromkeys(camps, 0.5)
        for c in armed:
            enemy = 0.0
            for o in armed:
                if o != c and totals[o] > enemy:
                    enemy = totals[o]
            win[c] = combat.contest_success(totals[c], enemy, decisiveness, 1.0)
        return cls(eff, view.reach, totals, win, view)

    def at(self, faction: int, place: int) -> float:
        """Strength the faction can bring to the place."""
        return self.rows[faction][place] * self.strength[faction]


def threatened_reach(threatened: dict[str, list[int]], faction_camps, rows: list[list[float]],
                     focus: dict[int, float]) -> list[float]:
    """Per faction: the share of its strength it can bring to its camp's threatened places, each weighted by
    the defenders' focus on it (see :func:`defence_at`), summed."""
    weighted = {camp: [(t, focus.get(t, 1.0)) for t in places] for camp, places in threatened.items()}
    return [sum([row[t] * w for t, w in weighted.get(camp, ())]) for camp, row in zip(faction_camps, rows)]


def defence_at(place: int, holder: int, camp: str, armed: bool, members: list[int], force: Balance,
               spread: list[float], hold_share: float, attacking: set[int], offensive_share: float,
               focus: float = 1.0) -> dict[int, float]:
    """Faction -> strength defending the place.

    The holder keeps ``hold_share`` of what it can bring there; the other factions of an armed camp
    spread their force over the camp's threatened places, each in proportion to what it can bring
    to each times the camp's focus on the place (``spread``: its strength times its focus-weighted reach
    over them); a camp reinforces the places it was attacked at (``focus`` > 1 there). A local holder
    defends alone.
    Factions that are attacking elsewhere this week defend with what they did not commit."""
    rows, eff = force.rows, force.strength
    if not armed:
        return {holder: rows[holder][place] * eff[holder]}
    out = {}
    for g in members:
        s_gt = rows[g][place] * eff[g]
        if g == holder:
            part = s_gt * hold_share
        else:
            spread_g = spread[g]
            part = s_gt * s_gt * focus / spread_g if spread_g > 0 else 0.0
        out[g] = part * ((1.0 - offensive_share) if g in attacking else 1.0)
    return out


class CampStanding:
    """What a faction weighs about each camp when it chooses one (see FactionAgent.choose_camp): pay,
    momentum, positions on the issues (fighter-weighted), legitimacy (its most legitimate faction's)
    and the threat the camp's forces pose to the faction's home.

    Everything is read from the start of the stage (the map view the balance was measured on), so the
    factions choose simultaneously: no choice depends on the order in which they are asked."""

    def __init__(self, model, force: Balance):
        self.model = model
        self.force = force
        self.members = force.view.members
        self.max_pay = max([c.pay_rate for c in model.camps.values()]) or 1.0
        fought = model.front.attacked_last_week
        neighbours = model.geo.places.neighbours
        self.near_battles = set(fought) | {j for t in fought for j in neighbours[t]}
        self._momentum: dict[str, float] = {}
        self._positions: dict[str, dict[str, float]] = {}
        self._legitimacy: dict[str, float] = {}

    def war_at_door(self, home: int) -> bool:
        """Was there a battle last week at the place or next to it? Militias reconsider their side when the
        war reaches them (Kalyvas 2006, *The Logic of Violence in Civil War*; Christia 2012, *Alliance
        Formation in Civil Wars*: groups realign as the balance shifts around them)."""
        return home in self.near_battles

    def pay(self, camp: str) -> float:
        return self.model.camps[camp].pay_rate / self.max_pay

    def momentum(self, camp: str) -> float:
        if camp not in self._momentum:
            m = self.model
            p = m.params
            self._momentum[camp] = alignment.momentum(m.front.captures, camp, m.steps, p.momentum_weeks,
                                                      p.momentum_captures)
        return self._momentum[camp]

    def positions(self, camp: str) -> dict[str, float]:
        if camp not in self._positions:
            factions = self.model.factions
            self._positions[camp] = camp_positions([factions[fi] for fi in self.members[camp]])
        return self._positions[camp]

    def legitimacy(self, camp: str) -> float:
        if camp not in self._legitimacy:
            factions = self.model.factions
            self._legitimacy[camp] = max([factions[fi].legitimacy for fi in self.members[camp]], default=0.0)
        return self._legitimacy[camp]

    def threat(self, camp: str, faction, own: float) -> float:
        """Share of the strength at the faction's home that would be the camp's: s / (s + own)."""
        s = sum([self.force.at(g, faction.home) for g in self.members[camp]])
        return s / (s + own) if s + own > 0 else 0.0


def camp_positions(members: list) -> dict[str, float]:
    """A camp's position on each issue: its members' positions weighted by fighters and salience."""
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for f in members:
        w = f.fighters + 1.0
        for issue, (pos, sal) in f.interests.items():
            weight = w * sal
            num[issue] = num.get(issue, 0.0) + weight * pos
            den[issue] = den.get(issue, 0.0) + weight
    return {k: num[k] / den[k] for k in num if den[k] > 0}
