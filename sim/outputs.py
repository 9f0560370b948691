"""Write a run folder: tables, manifest and plots, atomically.

Everything is written into a hidden temporary folder beside the destination,
which is renamed into place at the end, so an interrupted run leaves no
half-written results.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .errors import InputError
from .record import (BATTLE_COLUMNS, EVENT_COLUMNS, actors_table, camps_table, fmt, regions_table, ties_table, write_csv,
                     write_table_csv)
from .runner import RunResult, iter_rows

RUN_PREFIX = ("run", "seed")


def default_out_dir(scenario_name: str, root: str | Path = "results") -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / scenario_name / stamp


@contextmanager
def atomic_dir(dest: Path, force: bool):
    """Yield a temporary folder; on success it replaces ``dest``."""
    dest = Path(dest)
    if dest.exists() and not force and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError("output folder exists and is not empty (use --force to replace it)", str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if dest.exists():
        old = dest.parent / f".{dest.name}.old-{os.getpid()}"
        os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)


def summary_columns(results: list[RunResult]) -> list[str]:
    return list(RUN_PREFIX) + list(results[0].summary.keys()) if results else list(RUN_PREFIX)


def write_summary(path: Path, results: list[RunResult]) -> None:
    cols = summary_columns(results)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in results:
            row = [r.run, r.seed] + [r.summary[k] for k in cols[2:]]
            w.writerow([fmt(float(v)) if hasattr(v, "dtype") else fmt(v) for v in row])


def write_tables(folder: Path, results: list[RunResult]) -> None:
    """The run's tables as CSV (the big ones through Arrow's C++ writer)."""
    write_table_csv(regions_table(results), folder / "regions.csv")
    write_table_csv(actors_table(results), folder / "actors.csv")
    write_table_csv(ties_table(results), folder / "ties.csv")
    write_table_csv(camps_table(results), folder / "camps.csv")
    write_csv(folder / "events.csv", EVENT_COLUMNS, RUN_PREFIX, iter_rows(results, "events"))
    write_csv(folder / "battles.csv", BATTLE_COLUMNS, RUN_PREFIX, iter_rows(results, "battles"))
    write_summary(folder / "summary.csv", results)


def manifest(loaded, runs: int, seeds: list[int], steps: int, started: dt.datetime, finished: dt.datetime,
             argv: list[str] | None = None) -> dict:
    return {
        "command": " ".join(argv if argv is not None else sys.argv),
        "package": "libya-sim",
        "version": __version__,
        "scenario_path": loaded.path,
        "scenario_name": loaded.scenario.name,
        "scenario_sha256": loaded.sha256,
        "overrides": {k: v for k, v in loaded.overrides.items()},
        "runs": runs,
        "seeds": seeds,
        "steps": steps,
        "start_date": loaded.scenario.start_date.isoformat(),
        "parameters": loaded.resolved["parameters"],
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "scenario": loaded.resolved,
    }


def write_manifest(folder: Path, data: dict) -> None:
    with open(folder / "manifest.json", "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=False, default=str)
        fh.write("\n")
