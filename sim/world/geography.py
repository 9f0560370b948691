"""What does not change during a run: the places and roads, distances, the camps and their relations at the
start (they change on the map: :class:`sim.world.map.Map`).

Values the weekly code reads in tight loops are kept as Python lists of floats
(numpy scalars in the state make every later step slower).
"""

from __future__ import annotations

import math

from ..mechanisms import combat
from ..schema import ActorKind, Parameters, Scenario, expeditionary_forces
from ..territory import PlaceGraph, components, place_graph
from .relations import Relations


class Geography:
    """The scenario's places, roads and camps, with the quantities derived from them once per run."""

    def __init__(self, scenario: Scenario, params: Parameters):
        self.places: PlaceGraph = place_graph(scenario.territory, params.road_detour_factor)
        self.camps: list[str] = list(scenario.camps)
        self.armed_camps: list[str] = [c for c, spec in scenario.camps.items() if spec.armed]
        self.joinable_camps: list[str] = [c for c, spec in scenario.camps.items()
                                          if spec.armed and spec.accepts_defectors]
        self.relations = Relations.at_start(scenario)  # at the start; the map holds them as they change
        pl = self.places
        pidx = {p: i for i, p in enumerate(pl.ids)}
        self._components: dict[tuple[bool, ...], list[int]] = {}
        self.size = pl.size
        self.distance_rows: list[list[float]] = pl.distance_km.tolist()  # by road
        self.straight_km: list[list[float]] = pl.straight_km  # shared by every run of the territory: read-only
        homes = [pidx[a.faction.home] for a in scenario.actors.values() if a.kind == ActorKind.faction]
        homes += [pidx[spec.faction.home] for _, _, spec in expeditionary_forces(scenario)]  # a patron's forces
        self.based_at: list[frozenset[int]] = [frozenset(fi for fi, h in enumerate(homes) if h == i)
                                               for i in range(pl.size)]  # place -> factions whose home it is
        self.airbases: list[int] = [i for i, place in enumerate(scenario.territory.places.values()) if place.airbase]
        self.ports: list[int] = [i for i, place in enumerate(scenario.territory.places.values()) if place.port]
        self.population: list[float] = [float(x) for x in pl.population]
        self.oil: list[float] = [float(x) for x in pl.oil_bpd]
        self.total_population = float(pl.population.sum()) or 1.0
        self.total_oil = float(pl.oil_bpd.sum()) or 1.0
        self.capitals: list[int] = [i for i in range(pl.size) if pl.capital[i]]
        # Boulding's loss-of-strength gradient from a supply base at each place to every place, along open
        # supply lines and to places cut off from them (see map.supply_reach)
        self.supply_decay: list[list[float]] = [[math.exp(-d / params.supply_range_km) for d in row]
                                                for row in self.distance_rows]
        self.cut_off_supply: list[list[float]] = [[d * params.enclave_supply for d in row]
                                                  for row in self.supply_decay]
        self.defender_advantage: list[float] = [
            combat.defender_advantage(params.defender_advantage, pop, params.urban_advantage_per_100k)
            for pop in self.population]

    def road_components(self, passable: tuple[bool, ...]) -> list[int]:
        """:func:`sim.territory.components` of the roads through the passable places; remembered, since a
        capture changes the ground of only the camps that fought for the place."""
        net = self._components.get(passable)
        if net is None:
            net = self._components[passable] = components(passable, self.places.neighbours)
        return net

    def is_armed(self, camp: str) -> bool:
        return camp in self.armed_camps
