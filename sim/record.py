"""Recorded tables: fixed columns, one row per observation.

The model appends plain tuples during a run (cheap); the tables become CSV or
pandas frames afterwards. Floats are written with 6 significant digits so that
outputs are byte-identical for the same scenario and seed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

REGION_COLUMNS = ("step", "date", "region", "controller")
ACTOR_COLUMNS = ("step", "date", "actor", "camp", "fighters", "cash", "territory_share", "population_share",
                 "oil_share", "support_received", "support_given")
TIE_COLUMNS = ("step", "date", "source", "target", "channel", "level")
EVENT_COLUMNS = ("step", "date", "kind", "actors", "text")
CAMP_COLUMNS = ("step", "date", "camp", "territory_share", "population_share", "oil_share", "fighters",
                "casualties", "battles")


@dataclass
class Snapshot:
    """The state of one week, kept compact; rows are made from it when a table is asked for."""

    step: int
    date: str
    controller: tuple  # place index -> faction index
    factions: tuple  # per faction: (camp, fighters, cash, support_received, support_given)
    others: tuple  # per patron/organisation: (camp, support_received, support_given)
    tie_keys: tuple  # per tie: (source, target, channel); shared between weeks while ties are unchanged
    tie_levels: tuple


@dataclass
class Recorder:
    """What a run records. ``full=False`` keeps only events and the camp series (for sweeps).

    ``regions``, ``actors`` and ``ties`` are the rows of regions.csv, actors.csv
    and ties.csv (without the run and seed columns), made on demand from weekly
    snapshots.
    """

    full: bool = True
    place_ids: tuple = ()
    faction_ids: tuple = ()
    other_ids: tuple = ()
    population: tuple = ()
    oil: tuple = ()
    snapshots: list[Snapshot] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    camps: list[tuple] = field(default_factory=list)

    @property
    def regions(self) -> list[tuple]:
        ids, fids = self.place_ids, self.faction_ids
        return [(s.step, s.date, ids[i], fids[fi]) for s in self.snapshots for i, fi in enumerate(s.controller)]

    @property
    def actors(self) -> list[tuple]:
        rows = []
        n = len(self.place_ids)
        total_pop = sum(self.population) or 1.0
        total_oil = sum(self.oil) or 1.0
        for s in self.snapshots:
            held = [[0.0, 0.0, 0.0] for _ in self.faction_ids]
            for i, fi in enumerate(s.controller):
                h = held[fi]
                h[0] += 1.0
                h[1] += self.population[i]
                h[2] += self.oil[i]
            for fid, (camp, fighters, cash, rec, giv), h in zip(self.faction_ids, s.factions, held):
                rows.append((s.step, s.date, fid, camp, fighters, cash, h[0] / n, h[1] / total_pop, h[2] / total_oil,
                             rec, giv))
            for aid, (camp, rec, giv) in zip(self.other_ids, s.others):
                rows.append((s.step, s.date, aid, camp, 0.0, 0.0, 0.0, 0.0, 0.0, rec, giv))
        return rows

    @property
    def ties(self) -> list[tuple]:
        return [(s.step, s.date) + key + (lv,) for s in self.snapshots for key, lv in zip(s.tie_keys, s.tie_levels)]


def fmt(x) -> str:
    if isinstance(x, float):
        if x != x:  # nan
            return ""
        return f"{x:.6g}"
    return str(x)


def write_csv(path, header: tuple, prefix_header: tuple, chunks) -> None:
    """Write rows to ``path``. ``chunks`` yields (prefix_values, rows)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(prefix_header + header)
        for prefix, rows in chunks:
            pre = [fmt(v) for v in prefix]
            for row in rows:
                w.writerow(pre + [fmt(v) for v in row])


def rows_to_csv_text(header: tuple, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([fmt(v) for v in row])
    return buf.getvalue()
