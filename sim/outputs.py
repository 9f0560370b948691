"""Write a run folder: tables, manifest and plots, atomically.

Everything is written into a hidden temporary folder beside the destination,
which is renamed into place at the end, so an interrupted or failed run leaves
no half-written results and no temporary folder.

While a folder is being written, a lock file beside it (``.NAME.lock``) keeps a
second process from writing the same folder; the default folder name is made
unique by creating it exclusively. ``--force`` replaces only a folder this tool
wrote (one with its ``manifest.json``, or a comparison with ``comparison.csv``).
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import sys
from pathlib import Path

from . import __version__, interrupts
from .errors import InputError
from .record import (BATTLE_COLUMNS, EVENT_COLUMNS, actors_table, camps_table, fmt, regions_table, ties_table, write_csv,
                     write_table_csv)
from .runner import RunResult, iter_rows

RUN_PREFIX = ("run", "seed")
PACKAGE = "libya-sim"


def default_out_dir(scenario_name: str, root: str | Path = "results") -> Path:
    """``results/<scenario>/<timestamp>``: the first choice of name; :func:`atomic_dir` with
    ``unique=True`` adds ``-2``, ``-3``, ... if another run took it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / scenario_name / stamp


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_results_folder(path: Path) -> bool:
    """A folder this tool wrote: a run (``manifest.json`` naming this package) or a comparison
    (``comparison.csv`` beside scenario folders that are runs)."""
    path = Path(path)
    if not path.is_dir() or path.is_symlink():
        return False
    data = _read_manifest(path / "manifest.json")
    if data is not None and data.get("package") == PACKAGE:
        return True
    if (path / "comparison.csv").is_file():
        runs = [p for p in path.iterdir() if p.is_dir() and p.name != "plots"]
        return bool(runs) and all(is_results_folder(p) for p in runs)
    return False


class _Lock:
    """An exclusive ``flock`` on ``.NAME.lock`` beside the destination, held while it is written."""

    def __init__(self, dest: Path):
        self.path = dest.parent / f".{dest.name}.lock"
        self.fd: int | None = None

    def acquire(self, dest: Path) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise InputError("another libya-sim process is writing this output folder; wait for it or "
                                 "choose another --out", str(dest)) from None
            try:  # the file we locked is still the one at that path (not one a finishing writer removed)
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None


class atomic_dir:
    """``with atomic_dir(dest, force) as tmp:`` write into ``tmp``; on success it becomes ``dest``.

    Refused before any work starts (:class:`InputError`, so exit code 2): ``dest`` exists and is
    not empty without ``force``; ``force`` on something that is not a results folder of this tool;
    a file or a mount point at ``dest``; a folder that cannot be created; another process writing
    ``dest``. With ``unique=True`` (default names) ``dest`` gets a ``-2``, ``-3``, ... suffix if it
    is taken; the chosen folder is ``self.dest``. On any failure or interrupt the temporary folder
    (and a folder claimed for a unique name) is removed, and a failure to write is an
    :class:`InputError` naming the file.
    """

    def __init__(self, dest: Path | str, force: bool = False, unique: bool = False):
        self.dest = Path(dest)
        self.force = force
        self.unique = unique
        self.tmp: Path | None = None
        self._claimed = False  # we created dest (an empty placeholder) to reserve a unique name
        self._lock: _Lock | None = None

    # ------------------------------------------------------------------ before
    def _check(self) -> None:
        dest = self.dest
        if os.path.lexists(dest) and not dest.is_dir():
            raise InputError("exists and is a file, not a folder: choose another --out", str(dest))
        if dest.is_dir():
            if os.path.ismount(dest):
                raise InputError("is a mount point and cannot be replaced as a whole; write into a folder "
                                 "inside it (--out DIR/NAME)", str(dest))
            if any(dest.iterdir()):
                if not self.force:
                    raise InputError("output folder exists and is not empty (use --force to replace it)",
                                     str(dest))
                if not is_results_folder(dest):
                    raise InputError("--force replaces only a results folder of libya-sim (one with its "
                                     "manifest.json or comparison.csv); this one is not: move it away or "
                                     "choose another --out", str(dest))

    def _make_parent(self) -> None:
        try:
            self.dest.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise InputError("cannot create the output folder: a file is in the way", str(self.dest)) from None
        except OSError as exc:
            raise InputError(f"cannot create the output folder: {_why(exc)}", str(self.dest)) from None

    def _claim_unique(self) -> None:
        base = self.dest
        for k in range(1, 10_000):
            candidate = base if k == 1 else base.with_name(f"{base.name}-{k}")
            try:
                os.mkdir(candidate)
            except FileExistsError:
                continue
            except OSError as exc:
                raise InputError(f"cannot create the output folder: {_why(exc)}", str(candidate)) from None
            self.dest, self._claimed = candidate, True
            return
        raise InputError("no free folder name", str(base))

    def _remove_stale(self) -> None:
        """Temporary folders of earlier writers of this folder that were killed (we hold the lock, so
        their owners are gone)."""
        prefix = f".{self.dest.name}."
        for p in self.dest.parent.iterdir():
            rest = p.name[len(prefix):] if p.name.startswith(prefix) else ""
            if rest[:4] in ("tmp-", "old-") and rest[4:].isdigit() and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)

    def __enter__(self) -> Path:
        self._make_parent()
        if self.unique:
            self._claim_unique()
        self._check()
        lock = _Lock(self.dest)
        try:
            lock.acquire(self.dest)
        except OSError as exc:
            self._unclaim()
            raise InputError(f"cannot write beside the output folder: {_why(exc)}", str(self.dest)) from None
        except BaseException:
            self._unclaim()
            raise
        self._lock = lock
        try:
            self._check()  # again, now that no other writer of ours can change it
            self._remove_stale()
            self.tmp = self.dest.parent / f".{self.dest.name}.tmp-{os.getpid()}"
            self.tmp.mkdir()
        except OSError as exc:
            self._abandon()
            raise InputError(f"cannot create the output folder: {_why(exc)}", str(self.dest)) from None
        except BaseException:
            self._abandon()
            raise
        return self.tmp

    # ------------------------------------------------------------------ after
    def _unclaim(self) -> None:
        if self._claimed:
            try:
                os.rmdir(self.dest)
            except OSError:
                pass
            self._claimed = False

    def _abandon(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self._unclaim()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _commit(self) -> Path | None:
        """Rename the temporary folder into place; returns the replaced folder's new hidden name, if any."""
        dest, tmp = self.dest, self.tmp
        old = None
        if dest.is_dir() and not self._claimed and any(dest.iterdir()):
            old = dest.parent / f".{dest.name}.old-{os.getpid()}"
            os.replace(dest, old)
        try:
            os.replace(tmp, dest)  # onto nothing, or onto an empty folder (ours or the user's)
        except BaseException:
            if old is not None:
                os.replace(old, dest)
            raise
        self._claimed = False
        interrupts.note_written(dest)
        return old

    def _user_path(self, filename) -> str:
        """A path inside the temporary folder, named as the user will know it (inside ``dest``)."""
        if filename is None:
            return str(self.dest)
        try:
            return str(self.dest / Path(os.fsdecode(filename)).relative_to(self.tmp))
        except (ValueError, TypeError):
            return os.fsdecode(filename)

    def __exit__(self, etype, exc, tb):
        if etype is None:
            try:
                interrupts.check()  # an interrupt some library swallowed: commit nothing
                old = None
                try:
                    with interrupts.deferred():
                        old = self._commit()
                finally:
                    if old is not None:
                        shutil.rmtree(old, ignore_errors=True)
            except OSError as err:
                self._abandon()
                raise InputError(f"could not put the results in place: {_why(err)}", str(self.dest)) from None
            except BaseException:
                self._abandon()
                raise
            self._abandon()  # releases the lock; tmp is gone already
            return False
        self._abandon()
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
            raise InputError(f"writing the results failed: {_why(exc)}", self._user_path(exc.filename)) from None
        return False


_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.ENOENT,
                 errno.EFBIG, errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EXDEV}


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
