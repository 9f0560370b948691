"""Recorded tables: fixed columns, one row per observation.

The model appends plain tuples during a run (cheap); the tables become CSV or
pandas frames afterwards. Floats are written with 6 significant digits so that
outputs are byte-identical for the same scenario and seed.
"""

from __future__ import annotations

import csv
import io

import numpy as np
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


# ---------------------------------------------------------------------- fast tables
def _round(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 6)


def regions_table(results) -> "pa.Table":
    """regions.csv as an Arrow table: run, seed, step, date, region, controller."""
    cols = {k: [] for k in ("run", "seed") + REGION_COLUMNS}
    for r in results:
        rec = r.recorder
        snaps = rec.snapshots
        n_p = len(rec.place_ids)
        ctrl = np.array([s.controller for s in snaps], dtype=int)
        fids = np.array(rec.faction_ids, dtype=object)
        rows = len(snaps) * n_p
        cols["run"].append(np.full(rows, r.run))
        cols["seed"].append(np.full(rows, r.seed))
        cols["step"].append(np.repeat([s.step for s in snaps], n_p))
        cols["date"].append(np.repeat(np.array([s.date for s in snaps], dtype=object), n_p))
        cols["region"].append(np.tile(np.array(rec.place_ids, dtype=object), len(snaps)))
        cols["controller"].append(fids[ctrl.ravel()])
    return _table(cols)


def actors_table(results) -> "pa.Table":
    cols = {k: [] for k in ("run", "seed") + ACTOR_COLUMNS}
    for r in results:
        rec = r.recorder
        snaps = rec.snapshots
        n_s, n_f, n_o = len(snaps), len(rec.faction_ids), len(rec.other_ids)
        n_a = n_f + n_o
        ctrl = np.array([s.controller for s in snaps], dtype=int)  # steps x places
        onehot = ctrl[:, :, None] == np.arange(n_f)[None, None, :]  # steps x places x factions
        pop = np.asarray(rec.population, dtype=float)
        oil = np.asarray(rec.oil, dtype=float)
        terr = onehot.sum(axis=1) / max(1, ctrl.shape[1])
        pop_s = np.einsum("spf,p->sf", onehot, pop) / (pop.sum() or 1.0)
        oil_s = np.einsum("spf,p->sf", onehot, oil) / (oil.sum() or 1.0)
        fac = [s.factions for s in snaps]
        oth = [s.others for s in snaps]
        zeros_o = np.zeros((n_s, n_o))
        camp = np.concatenate([np.array([[x[0] for x in row] for row in fac], dtype=object).reshape(n_s, n_f),
                               np.array([[x[0] for x in row] for row in oth], dtype=object).reshape(n_s, n_o)], axis=1)

        def both(f_idx, o_idx=None):
            fv = np.array([[x[f_idx] for x in row] for row in fac], dtype=float).reshape(n_s, n_f)
            ov = zeros_o if o_idx is None else np.array([[x[o_idx] for x in row] for row in oth],
                                                        dtype=float).reshape(n_s, n_o)
            return np.concatenate([fv, ov], axis=1)

        rows = n_s * n_a
        cols["run"].append(np.full(rows, r.run))
        cols["seed"].append(np.full(rows, r.seed))
        cols["step"].append(np.repeat([s.step for s in snaps], n_a))
        cols["date"].append(np.repeat(np.array([s.date for s in snaps], dtype=object), n_a))
        cols["actor"].append(np.tile(np.array(rec.faction_ids + rec.other_ids, dtype=object), n_s))
        cols["camp"].append(camp.ravel())
        cols["fighters"].append(_round(both(1)).ravel())
        cols["cash"].append(_round(both(2)).ravel())
        pad = lambda a: np.concatenate([a, zeros_o], axis=1)  # noqa: E731
        cols["territory_share"].append(_round(pad(terr)).ravel())
        cols["population_share"].append(_round(pad(pop_s)).ravel())
        cols["oil_share"].append(_round(pad(oil_s)).ravel())
        cols["support_received"].append(_round(both(3, 1)).ravel())
        cols["support_given"].append(_round(both(4, 2)).ravel())
    return _table(cols)


def ties_table(results) -> "pa.Table":
    cols = {k: [] for k in ("run", "seed") + TIE_COLUMNS}
    for r in results:
        snaps = r.recorder.snapshots
        start = 0
        while start < len(snaps):  # runs of weeks with the same set of ties
            keys = snaps[start].tie_keys
            end = start
            while end < len(snaps) and snaps[end].tie_keys is keys:
                end += 1
            block = snaps[start:end]
            n_t, n_s = len(keys), len(block)
            rows = n_t * n_s
            key_arr = np.array(keys, dtype=object).reshape(n_t, 3)
            cols["run"].append(np.full(rows, r.run))
            cols["seed"].append(np.full(rows, r.seed))
            cols["step"].append(np.repeat([s.step for s in block], n_t))
            cols["date"].append(np.repeat(np.array([s.date for s in block], dtype=object), n_t))
            cols["source"].append(np.tile(key_arr[:, 0], n_s))
            cols["target"].append(np.tile(key_arr[:, 1], n_s))
            cols["channel"].append(np.tile(key_arr[:, 2], n_s))
            cols["level"].append(_round(np.array([s.tie_levels for s in block], dtype=float)).ravel())
            start = end
    return _table(cols)


def camps_table(results) -> "pa.Table":
    cols = {k: [] for k in ("run", "seed") + CAMP_COLUMNS}
    for r in results:
        rows = r.recorder.camps
        cols["run"].append(np.full(len(rows), r.run))
        cols["seed"].append(np.full(len(rows), r.seed))
        for i, name in enumerate(CAMP_COLUMNS):
            vals = [row[i] for row in rows]
            if name in ("territory_share", "population_share", "oil_share", "fighters", "casualties"):
                cols[name].append(_round(vals))
            else:
                cols[name].append(np.array(vals, dtype=object if name in ("date", "camp") else int))
    return _table(cols)


def _table(cols: dict[str, list]) -> "pa.Table":
    import pyarrow as pa

    arrays = {}
    for k, parts in cols.items():
        arr = np.concatenate(parts) if parts else np.array([])
        arrays[k] = pa.array(arr.tolist() if arr.dtype == object else arr)
    return pa.table(arrays)


def write_table_csv(table, path) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="needed"))
