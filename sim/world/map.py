"""Control of the places, the camps of the actors, and the relations between camps.

:class:`Map` owns them and is the only way to change them (:meth:`Map.capture`,
:meth:`Map.change_camp`, :meth:`Map.set_relation`). :meth:`Map.view` hands out an immutable
:class:`MapView` of the current state; what is derived from it (camp membership,
fronts, supply lines, shares, red lines) is computed once, when first asked for
(``functools.cached_property``). A change makes the next view a new object, so a
derived value can never go stale.
"""

from __future__ import annotations

from functools import cached_property

from .geography import Geography
from .relations import Relations


class MapView:
    """The map as it stands: who holds each place, the camp of every actor and the relations between camps
    (default: those at the start). Read-only."""

    def __init__(self, geo: Geography, controller: tuple[int, ...], faction_camps: tuple[str, ...],
                 patron_camps: tuple[str, ...], homes: list[int], red_lines: list[list[int]],
                 relations: Relations | None = None):
        self.geo = geo
        self.relations = relations if relations is not None else geo.relations
        self.controller = controller  # place -> faction index
        self.faction_camps = faction_camps  # faction index -> camp
        self.patron_camps = patron_camps
        self._homes = homes
        self._red_lines = red_lines

    @cached_property
    def place_camps(self) -> list[str]:
        """The camp holding each place."""
        camps = self.faction_camps
        return [camps[fi] for fi in self.controller]

    @cached_property
    def members(self) -> dict[str, list[int]]:
        """camp -> its factions (indices, in scenario order)."""
        out: dict[str, list[int]] = {c: [] for c in self.geo.camps}
        for fi, c in enumerate(self.faction_camps):
            out[c].append(fi)
        return out

    @cached_property
    def fronts(self) -> dict[str, list[int]]:
        """armed camp -> places it can attack: held by a camp at war with it and joined by road to one it holds.

        Places of unarmed (local) camps can be attacked too, but only a faction
        with a goal there will do so; local forces never attack."""
        pc, targets = self.place_camps, self.relations.targets_of
        out: dict[str, set[int]] = {c: set() for c in self.geo.armed_camps}
        for i, j in self.geo.places.roads:
            ci, cj = pc[i], pc[j]
            if ci == cj:
                continue
            if ci in out and cj in targets[ci]:
                out[ci].add(j)
            if cj in out and ci in targets[cj]:
                out[cj].add(i)
        return {c: sorted(v) for c, v in out.items()}

    @cached_property
    def threatened(self) -> dict[str, list[int]]:
        """armed camp -> places it holds next to an armed enemy's (at war, or in a truce: the line is manned)."""
        pc, hostile = self.place_camps, self.relations.hostile_set
        out: dict[str, set[int]] = {c: set() for c in self.geo.armed_camps}
        for i, j in self.geo.places.roads:
            ci, cj = pc[i], pc[j]
            if ci != cj and cj in hostile[ci]:
                out[ci].add(i)
                out[cj].add(j)
        return {c: sorted(v) for c, v in out.items()}

    @cached_property
    def shares(self) -> dict[str, tuple[float, float, float]]:
        """camp -> (territory share, population share, oil share)."""
        geo = self.geo
        acc = {c: [0.0, 0.0, 0.0] for c in geo.camps}
        for i, camp in enumerate(self.place_camps):
            a = acc[camp]
            a[0] += 1.0
            a[1] += geo.population[i]
            a[2] += geo.oil[i]
        n = geo.size
        return {c: (v[0] / n, v[1] / geo.total_population, v[2] / geo.total_oil) for c, v in acc.items()}

    @cached_property
    def capital_camp(self) -> str | None:
        """The camp holding the (first) capital, if the scenario has one."""
        caps = self.geo.capitals
        return self.place_camps[caps[0]] if caps else None

    @cached_property
    def supply_bases(self) -> list[int]:
        """Per faction: the place its supply line starts from (its home if its camp holds it, else its most
        populous place, else its home)."""
        return supply_bases(self.geo, self.controller, self.place_camps, self.faction_camps, self._homes)

    @cached_property
    def supplied(self) -> list[set[int]]:
        """Per faction: the places its supply line reaches (see :func:`supplied_places`)."""
        return supplied_places(self.geo, self.place_camps, self.faction_camps, self.supply_bases,
                               self.relations.barred_to)

    @cached_property
    def cut_off(self) -> list[int]:
        """Places (in order) held by an armed camp that none of its factions' supply lines reaches and that are
        not air bases: garrisons under siege (see :meth:`sim.world.front.Front.lift_sieges`)."""
        geo, members, supplied = self.geo, self.members, self.supplied
        reached = {c: set().union(*[supplied[fi] for fi in members[c]]) for c in geo.armed_camps}
        airbases = set(geo.airbases)
        return [place for place, camp in enumerate(self.place_camps)
                if camp in reached and place not in reached[camp] and place not in airbases]

    @cached_property
    def reach(self) -> list[list[float]]:
        """Per faction, per place: the share of its strength it can bring there (see :func:`supply_reach`)."""
        return supply_reach(self.geo, self.supplied, self.supply_bases)

    @cached_property
    def red_lines_crossed(self) -> list[bool]:
        """Per patron: has a place on its red line fallen to a camp hostile to it?"""
        pc, hostile_to = self.place_camps, self.relations.hostile_set
        return [any(pc[j] in hostile_to[camp] for j in lines)
                for camp, lines in zip(self.patron_camps, self._red_lines)]


def supply_bases(geo: Geography, controller, place_camps: list[str], faction_camps, homes: list[int]) -> list[int]:
    """Per faction: its home if its camp holds it, else the most populous place it holds, else its home."""
    pop = geo.population
    held_by: list[list[int]] = [[] for _ in faction_camps]
    for i, fi in enumerate(controller):
        held_by[fi].append(i)
    return [homes[fi] if place_camps[homes[fi]] == camp or not held_by[fi]
            else max(held_by[fi], key=lambda i: (pop[i], -i)) for fi, camp in enumerate(faction_camps)]


def supplied_places(geo: Geography, place_camps: list[str], faction_camps, bases: list[int],
                    barred_to: dict[str, frozenset[str]]) -> list[set[int]]:
    """Per faction: the places its supply line reaches. Supply passes through any ground but that of the camps
    barred to its camp (``barred_to``: for an armed camp, its enemies; for an unarmed one, every armed camp):
    it reaches the part of that ground joined to the faction's base by road, and the edge of it (the front);
    a cut-off enclave, or deep enemy ground, is beyond it."""
    neighbours = geo.places.neighbours
    nets: dict[str, list[int]] = {}  # camp -> components of the roads it can supply along
    supplied_from: dict[tuple[str, int], set[int]] = {}  # (camp, component) -> the places it supplies
    out = []
    for camp, base in zip(faction_camps, bases):
        net = nets.get(camp)
        if net is None:
            barred = barred_to[camp]
            net = nets[camp] = geo.road_components(tuple([pc not in barred for pc in place_camps]))
        supplied = supplied_from.get((camp, net[base]))
        if supplied is None:
            supplied = {i for i, label in enumerate(net) if label >= 0 and label == net[base]}
            supplied |= {j for i in supplied for j in neighbours[i]}
            supplied_from[camp, net[base]] = supplied
        out.append(supplied)  # shared by the factions of a camp on the same ground: read-only
    return out


def supply_reach(geo: Geography, supplied: list[set[int]], bases: list[int]) -> list[list[float]]:
    """Share of each faction's strength it can bring to each place (faction x place).

    Loss-of-strength gradient (Boulding 1962, *Conflict and Defense*) along the supply line: strength comes
    forward from the faction's supply base and decays as ``exp(-road km / supply_range_km)``
    (``geo.supply_decay``); a place its supply line does not reach (:func:`supplied_places`) gets
    ``enclave_supply`` of it (``geo.cut_off_supply``).
    """
    out = []
    for reached, base in zip(supplied, bases):
        decay = geo.supply_decay[base]
        row = geo.cut_off_supply[base].copy()
        for t in reached:
            row[t] = decay[t]
        out.append(row)
    return out


class Map:
    """Who holds each place and which camp each actor is in; the only ways to change either."""

    def __init__(self, geo: Geography, controller: list[int], factions: list, patrons: list):
        self.geo = geo
        self._controller = list(controller)
        self._factions = factions
        self._patrons = patrons
        self._homes = [f.home for f in factions]
        self._red_lines = [p.red_lines for p in patrons]
        self.relations: Relations = geo.relations
        self._view: MapView | None = None
        self.version = 0  # counts changes (for tests and caches keyed on the map)

    def view(self) -> MapView:
        """The map as it stands now (the same object until the next change)."""
        if self._view is None:
            self._view = MapView(self.geo, tuple(self._controller), tuple(f.camp for f in self._factions),
                                 tuple(p.camp for p in self._patrons), self._homes, self._red_lines,
                                 self.relations)
        return self._view

    def capture(self, place: int, faction_index: int) -> None:
        """The faction takes the place."""
        self._controller[place] = faction_index
        self._changed()

    def change_camp(self, agent, camp: str) -> None:
        """The actor (faction, patron or organisation) joins another camp."""
        agent._camp = camp
        self._changed()

    def set_relation(self, a: str, b: str, relation: str) -> None:
        """Two armed camps are now at war, in a truce, neutral or allied (see :mod:`.relations`)."""
        self.relations = self.relations.changed(a, b, relation)
        self._changed()

    def _changed(self) -> None:
        self._view = None
        self.version += 1
