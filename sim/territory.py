"""The territory: key places, the road graph between them and road distances.

Distances are great-circle lengths of road segments (haversine), summed along
shortest paths (Floyd-Warshall: the graphs here have a few dozen places).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .schema import Territory

EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class PlaceGraph:
    ids: list[str]
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    oil_bpd: np.ndarray
    capital: list[bool]
    neighbours: list[list[int]]
    roads: list[tuple[int, int]]
    distance_km: np.ndarray  # shortest road distance, inf if unreachable
    straight_km: list[list[float]]  # great-circle distance (aircraft do not follow roads)

    @property
    def size(self) -> int:
        return len(self.ids)

    def index(self, place_id: str) -> int:
        return self.ids.index(place_id)


def place_graph(territory: Territory, detour: float) -> PlaceGraph:
    """The territory's :class:`PlaceGraph`, built once per detour factor and kept with the territory
    (runs only read it)."""
    graph = territory._graphs.get(detour)
    if graph is None:
        graph = territory._graphs[detour] = build_place_graph(territory, detour)
    return graph


def build_place_graph(territory: Territory, detour: float) -> PlaceGraph:
    """Places and roads; a road's length is its great-circle length times ``detour`` (roads are not straight)."""
    ids = list(territory.places)
    pos = {pid: i for i, pid in enumerate(ids)}
    places = [territory.places[p] for p in ids]
    n = len(ids)
    lat = np.array([p.lat for p in places], dtype=float)
    lon = np.array([p.lon for p in places], dtype=float)
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    roads: list[tuple[int, int]] = []
    for a, b in territory.roads:
        i, j = pos[a], pos[b]
        d = haversine_km(lat[i], lon[i], lat[j], lon[j]) * detour
        if d < dist[i, j]:
            dist[i, j] = dist[j, i] = d
        if j not in neighbours[i]:
            neighbours[i].append(j)
            neighbours[j].append(i)
            roads.append((i, j))
    for k in range(n):
        dist = np.minimum(dist, dist[:, k:k + 1] + dist[k:k + 1, :])
    return PlaceGraph(
        ids=ids,
        names=[p.name for p in places],
        lat=lat,
        lon=lon,
        population=np.array([p.population for p in places], dtype=float),
        oil_bpd=np.array([p.oil_bpd for p in places], dtype=float),
        capital=[p.capital for p in places],
        neighbours=neighbours,
        roads=roads,
        distance_km=dist,
        straight_km=[[haversine_km(lat[i], lon[i], lat[j], lon[j]) for j in range(n)] for i in range(n)],
    )


def components(allowed: list[bool], neighbours: list[list[int]]) -> list[int]:
    """Label of each place's road-connected component through allowed places only (-1 if not allowed).

    Two allowed places are joined by such roads exactly when their labels are equal."""
    label = [-1] * len(allowed)
    current = 0
    for start, ok in enumerate(allowed):
        if not ok or label[start] >= 0:
            continue
        label[start] = current
        stack = [start]
        while stack:
            i = stack.pop()
            for j in neighbours[i]:
                if label[j] < 0 and allowed[j]:
                    label[j] = current
                    stack.append(j)
        current += 1
    return label
