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

    def __init__(self, name: str, armed: bool, accepts_defectors: bool, command: Command | None = None,
                 captures_go_to: str | None = None):
        self.name = name
        self.captures_go_to = captures_go_to  # the actor that takes the places its factions capture (if any)
        self.armed = armed
        self.accepts_defectors = accepts_defectors
        self.command = command
        self.pay_rate = 0.0  # $m per fighter this week from the oil revenue
        self.casualties = 0.0
        self.battles = 0


@dataclass
class Balance:
    """Strength this week: per faction (effective strength and the share it can bring to each place),
    per camp (total and chance of prevailing against its strongest enemy; allies count as one side)."""

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
        relations = view.relations
        for c in armed:
            enemy = 0.0
            for o, its_allies in relations.enemy_sides[c]:  # each enemy, with its allies hostile to c too
                side = totals[o]
                for a in its_allies:
                    side += totals[a]
                if side > enemy:
                    enemy = side
            own = totals[c]
            for a in relations.allies_of[c]:
                own += totals[a]
            win[c] = combat.contest_success(own, enemy, decisiveness, 1.0)
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
               focus: float = 1.0, based_here: frozenset[int] = frozenset(), arriving: float = 1.0) -> dict[int, float]:
    """Faction -> strength defending the place.

    The holder, and every faction of the camp whose home it is (militias defend their own town first), keep
    ``hold_share`` of what they can bring there; the other factions of an armed camp
    spread their force over the camp's threatened places, each in proportion to what it can bring
    to each times the camp's focus on the place (``spread``: its strength times its focus-weighted reach
    over them); a camp reinforces the places it was attacked at (``focus`` > 1 there), and ``arriving`` of those
    reserves get there (the rest is stopped by the enemy's air). A local holder defends alone.
    Factions that are attacking elsewhere this week defend with what they did not commit."""
    rows, eff = force.rows, force.strength
    if not armed:
        return {holder: rows[holder][place] * eff[holder]}
    out = {}
    for g in members:
        s_gt = rows[g][place] * eff[g]
        if g == holder or g in based_here:
            part = s_gt * hold_share
        else:
            spread_g = spread[g]
            part = s_gt * s_gt * focus * arriving / spread_g if spread_g > 0 else 0.0
        out[g] = part * ((1.0 - offensive_share) if g in attacking else 1.0)
    return out


class CampStanding:
    """What a faction weighs about each camp when it chooses one (see FactionAgent.choose_camp): pay,
    momentum, positions on the issues (fighter-weighted), legitimacy (its most legitimate faction's),
    the threat the camp poses to the faction's home (its forces there and its intent) and the spoils its
    campaign offers (the worth to the faction of the campaign's objective).

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
        self.objectives = {name: c.command.objective for name, c in model.camps.items()
                           if c.command is not None and c.command.objective is not None}
        self._momentum: dict[str, float] = {}
        self._positions: dict[str, dict[str, float]] = {}
        self._legitimacy: dict[str, float] = {}

    def war_at_door(self, home: int) -> bool:
        """Was there a battle last week at the place or next to it? Militias reconsider their side when the
        war reaches them (Kalyvas 2006, *The Logic of Violence in Civil War*; Christia 2012, *Alliance
        Formation in Civil Wars*: groups realign as the balance shifts around them)."""
        return home in self.near_battles

    def at_stake(self, faction) -> bool:
        """Does the war reach the faction this week: a battle at or next to its home last week
        (:meth:`war_at_door`), or a camp's campaign aimed at its home or at a place it wants? A campaign
        forces the choice on those whose fate it decides."""
        home, goals = faction.home, faction.goals
        if self.war_at_door(home):
            return True
        for objective in self.objectives.values():
            if objective == home or goals.get(objective, 0.0) > 0.0:
                return True
        return False

    def spoils(self, camp: str, faction) -> float:
        """What the camp's campaign offers the faction (:func:`sim.mechanisms.alignment.spoils`)."""
        return alignment.spoils(faction.goals, self.objectives.get(camp))

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

    def menaces(self, camp: str, faction) -> bool:
        """Are the camp's forces a danger to the faction's home: is the camp an enemy of the faction's (for an
        unarmed camp's faction: is it armed)? (:mod:`.relations`)"""
        return camp in self.force.view.relations.barred_to[faction.camp]

    def threat(self, camp: str, faction, own: float) -> float:
        """The camp's strength at the faction's home against the faction's own, times the camp's intent there
        (see :func:`sim.mechanisms.alignment.threat`)."""
        home = faction.home
        s = sum([self.force.at(g, home) for g in self.members[camp]])
        command = self.model.camps[camp].command
        return alignment.threat(s, own, self.worth(camp, home), command is not None and command.objective == home)

    def worth(self, camp: str, place: int) -> float:
        """What the place is worth to the camp: its members' goals there, weighted by their strength (a patron's
        forces, which take no part in campaigns, left out)."""
        members, eff, factions = self.model.front.campaigners(self.members[camp]), self.force.strength, \
            self.model.factions
        total = sum([eff[fi] for fi in members])
        return sum([eff[fi] * factions[fi].goals.get(place, 0.0) for fi in members]) / total if total > 0 else 0.0


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
