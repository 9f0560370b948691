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
class Recorder:
    """Rows of one run. ``full=False`` keeps only events and the camp series (for sweeps)."""

    full: bool = True
    regions: list[tuple] = field(default_factory=list)
    actors: list[tuple] = field(default_factory=list)
    ties: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    camps: list[tuple] = field(default_factory=list)


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
