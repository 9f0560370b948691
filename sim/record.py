"""Recorded tables: fixed columns, one row per observation.

The model appends plain tuples during a run (cheap); the tables become CSV or
pandas frames afterwards. Floats are written with 6 significant digits so that
outputs are byte-identical for the same scenario and seed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class EventRow(NamedTuple):
    """A row of events.csv (after run and seed)."""

    step: int
    date: str
    kind: str
    actors: str  # actor ids joined by ";"
    text: str


class BattleRow(NamedTuple):
    """A row of battles.csv (after run and seed): one week's battle for one place."""

    step: int
    date: str
    place: str
    attacker_camp: str
    defender_camp: str
    attackers: float  # effective strength committed by the attacking factions (before air power)
    defenders: float  # effective strength defending the place (before air power)
    attacker_air: float  # the attackers' air multiplier (1 = no air superiority)
    defender_air: float
    attacker_air_lost: float  # air power shot down over the place (units of tie level: 1 = the largest effort)
    defender_air_lost: float
    attacker_air_defence_lost: float  # air defence destroyed by strikes
    defender_air_defence_lost: float
    casualties: float  # fighters lost on both sides
    outcome: str  # "captured", "won" (the attackers won the week but did not take the place) or "held"


class CampRow(NamedTuple):
    """A row of camps.csv (after run and seed): one camp, one week."""

    step: int
    date: str
    camp: str
    territory_share: float
    population_share: float
    oil_share: float
    fighters: float  # under command, foreign fighters sent by patrons included
    casualties: float  # cumulative
    battles: int  # cumulative
    air: float  # air power in stock this week (own and from patrons, less losses not yet replaced)
    air_defence: float
    air_lost: float  # cumulative air power shot down
    air_defence_lost: float  # cumulative air defence destroyed


REGION_COLUMNS = ("step", "date", "region", "controller")
ACTOR_COLUMNS = ("step", "date", "actor", "camp", "fighters", "cash", "territory_share", "population_share",
                 "oil_share", "support_received", "support_given")
TIE_COLUMNS = ("step", "date", "source", "target", "channel", "level")
EVENT_COLUMNS = EventRow._fields
BATTLE_COLUMNS = BattleRow._fields
CAMP_COLUMNS = CampRow._fields


@dataclass
class Snapshot:
    """The state of one week, kept compact; rows are made from it when a table is asked for."""

    step: int
    date: str
    controller: tuple  # place index -> faction index
    factions: tuple  # per faction: (camp, fighters, cash, support_received, support_given)
    others: tuple  # per patron/organisation: (camp, support_received, support_given)
    tie_keys: tuple  # per tie: (source, target, channel); shared between weeks while ties are unchanged
    tie_levels: tuple | np.ndarray  # per tie (the model keeps its weekly array: no copy)

    def __eq__(self, other):
        if not isinstance(other, Snapshot):
            return NotImplemented
        return ((self.step, self.date, self.controller, self.factions, self.others, self.tie_keys)
                == (other.step, other.date, other.controller, other.factions, other.others, other.tie_keys)
                and tuple(self.tie_levels) == tuple(other.tie_levels))


@dataclass
class Packed:
    """Weekly snapshots of one run as arrays: cheap to send between processes and to turn into tables."""

    steps: np.ndarray  # (weeks,)
    dates: list[str]
    camp_names: tuple
    controller: np.ndarray  # (weeks, places): faction index
    f_camp: np.ndarray  # (weeks, factions): index into camp_names
    f_num: np.ndarray  # (weeks, factions, 4): fighters, cash, support received, support given
    o_camp: np.ndarray  # (weeks, others)
    o_num: np.ndarray  # (weeks, others, 2): support received, support given
    tie_segments: list  # [(first week, last week + 1, tie keys, levels (weeks x ties))]


def pack(snapshots: list[Snapshot]) -> Packed:
    camps = sorted({row[0] for s in snapshots for row in s.factions} | {row[0] for s in snapshots for row in s.others})
    pos = {c: i for i, c in enumerate(camps)}
    n_f = len(snapshots[0].factions)
    n_o = len(snapshots[0].others)
    segments = []
    start = 0
    while start < len(snapshots):
        keys = snapshots[start].tie_keys
        end = start
        while end < len(snapshots) and snapshots[end].tie_keys is keys:
            end += 1
        levels = np.array([snapshots[k].tie_levels for k in range(start, end)], dtype=float).reshape(end - start,
                                                                                                      len(keys))
        segments.append((start, end, keys, levels))
        start = end
    return Packed(
        steps=np.array([s.step for s in snapshots], dtype=np.int64),
        dates=[s.date for s in snapshots],
        camp_names=tuple(camps),
        controller=np.array([s.controller for s in snapshots], dtype=np.int32),
        f_camp=np.array([[pos[r[0]] for r in s.factions] for s in snapshots], dtype=np.int16).reshape(-1, n_f),
        f_num=np.array([[r[1:] for r in s.factions] for s in snapshots], dtype=float).reshape(-1, n_f, 4),
        o_camp=np.array([[pos[r[0]] for r in s.others] for s in snapshots], dtype=np.int16).reshape(-1, n_o),
        o_num=np.array([[r[1:] for r in s.others] for s in snapshots], dtype=float).reshape(-1, n_o, 2),
        tie_segments=segments,
    )


def unpack(p: Packed, k: int | None = None) -> list[Snapshot]:
    """The snapshots back from arrays (all of them, or only week index ``k``)."""
    out = []
    weeks = range(len(p.steps)) if k is None else [k]
    names = p.camp_names
    for i in weeks:
        seg = next(sg for sg in p.tie_segments if sg[0] <= i < sg[1])
        out.append(Snapshot(
            int(p.steps[i]), p.dates[i], tuple(p.controller[i].tolist()),
            tuple((names[c],) + tuple(v) for c, v in zip(p.f_camp[i].tolist(), p.f_num[i].tolist())),
            tuple((names[c],) + tuple(v) for c, v in zip(p.o_camp[i].tolist(), p.o_num[i].tolist())),
            seg[2], tuple(seg[3][i - seg[0]].tolist())))
    return out


class Recorder:
    """What a run records. ``full=False`` keeps only events and the camp series (for sweeps).

    The weekly snapshots become regions.csv, actors.csv and ties.csv through
    :func:`regions_table` and friends. Pickled, they travel as arrays (:class:`Packed`).
    """

    def __init__(self, full: bool = True):
        self.full = full
        self.place_ids: tuple = ()
        self.faction_ids: tuple = ()
        self.other_ids: tuple = ()
        self.population: tuple = ()
        self.oil: tuple = ()
        self.events: list[EventRow] = []
        self.battles: list[BattleRow] = []
        self.camps: list[CampRow] = []
        self._tie_keys: tuple | None = None
        self._snapshots: list[Snapshot] | None = []
        self._packed: Packed | None = None

    @property
    def snapshots(self) -> list[Snapshot]:
        if self._snapshots is None:
            self._snapshots = unpack(self._packed) if self._packed is not None else []
        return self._snapshots

    def packed(self) -> Packed | None:
        if self._packed is None or (self._snapshots is not None and len(self._snapshots) != len(self._packed.steps)):
            self._packed = pack(self._snapshots) if self._snapshots else None
        return self._packed

    def last_snapshot(self) -> Snapshot:
        if self._snapshots is not None:
            return self._snapshots[-1]
        return unpack(self._packed, len(self._packed.steps) - 1)[0]

    def describe(self, model) -> None:
        """What the tables need to know of the scenario: places, actors, populations and oil output."""
        self.place_ids = tuple(model.geo.places.ids)
        self.faction_ids = tuple(f.actor_id for f in model.factions)
        self.other_ids = tuple(a.actor_id for a in model.others)
        self.population = tuple(model.geo.population)
        self.oil = tuple(model.geo.oil)

    def record_week(self, model) -> None:
        """Append this week: every camp's row, and (when recording fully) a snapshot of the actors and ties."""
        step, date = model.steps, model.date_text()
        view = model.map.view()
        shares = view.shares
        fighters = {c: 0.0 for c in model.camps}
        air = {c: [0.0, 0.0] for c in model.camps}
        faction_camps = view.faction_camps
        for f, camp in zip(model.factions, faction_camps):
            fighters[camp] += f.strength_fighters
            stock = air[camp]
            stock[0] += f.air
            stock[1] += f.air_defence
        lost = model.air.lost
        for c, camp in model.camps.items():
            t, pshare, o = shares[c]
            self.camps.append(CampRow(step, date, c, t, pshare, o, fighters[c], camp.casualties, camp.battles,
                                      *air[c], *lost[c]))
        if not self.full:
            return
        ties = model.ties.ties
        if self._tie_keys is None or len(self._tie_keys) != len(ties):
            self._tie_keys = tuple((t.source, t.target, t.channel.value) for t in ties)
        self.snapshots.append(Snapshot(
            step, date, view.controller,
            tuple([(camp, f.strength_fighters, f.cash, f.support_received, f.support_given)
                   for f, camp in zip(model.factions, faction_camps)]),
            tuple([(a.camp, a.support_received, a.support_given) for a in model.others]),
            self._tie_keys, model.ties.levels))  # a new array every week, never changed in place

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_packed"] = self.packed()
        state["_snapshots"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)


def fmt(x) -> str:
    if x is None:  # "none" (e.g. no ceasefire): an empty cell
        return ""
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


# ---------------------------------------------------------------------- fast tables
def _round(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 6)


class _Labels:
    """A text column kept as integer codes into per-part label lists; written as an Arrow dictionary array."""

    def __init__(self):
        self.parts: list[tuple[np.ndarray, list[str]]] = []

    def add(self, codes: np.ndarray, labels) -> None:
        self.parts.append((np.asarray(codes, dtype=np.int64), list(labels)))

    def array(self):
        import pyarrow as pa

        index: dict[str, int] = {}
        for _, labels in self.parts:
            for lab in labels:
                index.setdefault(lab, len(index))
        codes = [np.array([index[lab] for lab in labels], dtype=np.int32)[c] for c, labels in self.parts]
        allcodes = np.concatenate(codes) if codes else np.array([], dtype=np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(allcodes), pa.array(list(index), type=pa.string()))


def regions_table(results) -> "pa.Table":
    """regions.csv as an Arrow table: run, seed, step, date, region, controller."""
    nums = {k: [] for k in ("run", "seed", "step")}
    date, region, controller = _Labels(), _Labels(), _Labels()
    for r in results:
        rec = r.recorder
        pk = rec.packed()
        n_s, n_p = pk.controller.shape
        rows = n_s * n_p
        nums["run"].append(np.full(rows, r.run))
        nums["seed"].append(np.full(rows, r.seed))
        nums["step"].append(np.repeat(pk.steps, n_p))
        date.add(np.repeat(np.arange(n_s), n_p), pk.dates)
        region.add(np.tile(np.arange(n_p), n_s), rec.place_ids)
        controller.add(pk.controller.ravel(), rec.faction_ids)
    return _table(nums, {"date": date, "region": region, "controller": controller}, ("run", "seed") + REGION_COLUMNS)


def actors_table(results) -> "pa.Table":
    """actors.csv as an Arrow table (factions first, then patrons and organisations, each week)."""
    nums = {k: [] for k in ("run", "seed", "step", "fighters", "cash", "territory_share", "population_share",
                            "oil_share", "support_received", "support_given")}
    date, actor, camp = _Labels(), _Labels(), _Labels()
    for r in results:
        rec = r.recorder
        pk = rec.packed()
        n_s, n_p = pk.controller.shape
        n_f, n_o = len(rec.faction_ids), len(rec.other_ids)
        n_a = n_f + n_o
        onehot = pk.controller[:, :, None] == np.arange(n_f)[None, None, :]  # weeks x places x factions
        pop = np.asarray(rec.population, dtype=float)
        oil = np.asarray(rec.oil, dtype=float)
        zeros_o = np.zeros((n_s, n_o))

        def pad(a):
            return np.concatenate([a, zeros_o], axis=1)

        rows = n_s * n_a
        nums["run"].append(np.full(rows, r.run))
        nums["seed"].append(np.full(rows, r.seed))
        nums["step"].append(np.repeat(pk.steps, n_a))
        date.add(np.repeat(np.arange(n_s), n_a), pk.dates)
        actor.add(np.tile(np.arange(n_a), n_s), rec.faction_ids + rec.other_ids)
        camp.add(np.concatenate([pk.f_camp, pk.o_camp], axis=1).ravel(), pk.camp_names)
        nums["fighters"].append(_round(pad(pk.f_num[:, :, 0])).ravel())
        nums["cash"].append(_round(pad(pk.f_num[:, :, 1])).ravel())
        nums["territory_share"].append(_round(pad(onehot.sum(axis=1) / max(1, n_p))).ravel())
        nums["population_share"].append(
            _round(pad(np.einsum("spf,p->sf", onehot, pop) / (pop.sum() or 1.0))).ravel())
        nums["oil_share"].append(_round(pad(np.einsum("spf,p->sf", onehot, oil) / (oil.sum() or 1.0))).ravel())
        nums["support_received"].append(
            _round(np.concatenate([pk.f_num[:, :, 2], pk.o_num[:, :, 0]], axis=1)).ravel())
        nums["support_given"].append(_round(np.concatenate([pk.f_num[:, :, 3], pk.o_num[:, :, 1]], axis=1)).ravel())
    return _table(nums, {"date": date, "actor": actor, "camp": camp}, ("run", "seed") + ACTOR_COLUMNS)


def ties_table(results) -> "pa.Table":
    nums = {k: [] for k in ("run", "seed", "step", "level")}
    date, source, target, channel = _Labels(), _Labels(), _Labels(), _Labels()
    for r in results:
        pk = r.recorder.packed()
        for start, end, keys, levels in pk.tie_segments:
            n_t, n_s = len(keys), end - start
            rows = n_t * n_s
            nums["run"].append(np.full(rows, r.run))
            nums["seed"].append(np.full(rows, r.seed))
            nums["step"].append(np.repeat(pk.steps[start:end], n_t))
            date.add(np.repeat(np.arange(n_s), n_t), pk.dates[start:end])
            codes = np.tile(np.arange(n_t), n_s)
            source.add(codes, [k[0] for k in keys])
            target.add(codes, [k[1] for k in keys])
            channel.add(codes, [k[2] for k in keys])
            nums["level"].append(_round(levels).ravel())
    return _table(nums, {"date": date, "source": source, "target": target, "channel": channel},
                  ("run", "seed") + TIE_COLUMNS)


def camps_table(results) -> "pa.Table":
    nums = {k: [] for k in ("run", "seed") + CAMP_COLUMNS if k not in ("date", "camp")}
    date, camp = _Labels(), _Labels()
    for r in results:
        rows = r.recorder.camps
        n = len(rows)
        nums["run"].append(np.full(n, r.run))
        nums["seed"].append(np.full(n, r.seed))
        columns = dict(zip(CAMP_COLUMNS, zip(*rows))) if rows else {name: () for name in CAMP_COLUMNS}
        for name, values in columns.items():
            if name == "date":
                date.add(np.arange(n), values)
            elif name == "camp":
                camp.add(np.arange(n), values)
            elif name in ("step", "battles"):
                nums[name].append(np.array(values, dtype=np.int64))
            else:
                nums[name].append(_round(values))
    return _table(nums, {"date": date, "camp": camp}, ("run", "seed") + CAMP_COLUMNS)


def _table(nums: dict[str, list], labels: dict[str, _Labels], order: tuple) -> "pa.Table":
    import pyarrow as pa

    arrays = {}
    for k in order:
        if k in labels:
            arrays[k] = labels[k].array()
        else:
            parts = nums[k]
            arrays[k] = pa.array(np.concatenate(parts) if parts else np.array([]))
    return pa.table(arrays)


def write_table_csv(table, path) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="needed"))
