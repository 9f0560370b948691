"""``libya-sim sweep`` and ``libya-sim analyze`` (wired by sim.cli).

Exit codes: 0 done; 1 a run failed; 2 bad input (one line ``error: ...`` on
stderr); 130 interrupted (the directory is valid: continue with ``--resume``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..errors import InputError

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_file", nargs="?", help="sweep file (YAML); optional with --resume")
    parser.add_argument("--backend", choices=("local", "dask"), default=None,
                        help="local process pool (default) or Dask (implied by --scheduler)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786 (default: start a local cluster)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output directory (default: results/sweeps/<name>/<timestamp>/); must be new or empty")
    parser.add_argument("--resume", default=None, metavar="DIR", help="continue the sweep in DIR")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--posterior", default=None, metavar="DIR",
                        help="draw each run's calibrated parameters from the posterior of `libya-sim calibrate` in "
                             "DIR (replication r's seed picks the draw, the same at every design point)")


def add_analyze_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", help="sweep output directory (holds sweep.json)")
    parser.add_argument("--resamples", type=int, default=100, help="bootstrap resamples for confidence intervals")
    parser.add_argument("--conf-level", type=float, default=0.95)
    parser.add_argument("--no-plots", action="store_true", help="indices only, no PNG charts")


def _err(exc: InputError) -> int:
    print(f"error: {exc}".replace("\n", " "), file=sys.stderr)
    return EXIT_INPUT


def default_out_dir(name: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / "sweeps" / name / stamp


def run_sweep_command(args: argparse.Namespace) -> int:
    from .engine import SweepFailed, execute

    fresh: Path | None = None  # the folder of a new sweep: what it wrote there is removed if no run got done
    keep_folder = False
    try:
        backend = getattr(args, "backend", None) or ("dask" if getattr(args, "scheduler", None) else "local")
        if backend == "local" and getattr(args, "scheduler", None):
            raise InputError("--scheduler needs --backend dask", "--scheduler")
        workers = getattr(args, "workers", None)
        if workers is not None and workers < 1:
            raise InputError("must be at least 1", "--workers")
        if getattr(args, "resume", None):
            plan, out = _resumed_plan(args)
        else:
            plan, out, keep_folder = _new_plan(args)
            fresh = out
    except InputError as exc:
        return _err(exc)
    except SweepFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(f"sweep {plan.spec.name}: {plan.points} points x {plan.spec.replications} replications = "
          f"{plan.total_runs} runs in {plan.n_chunks} chunks of {plan.chunk_size} -> {out}", file=sys.stderr)
    try:
        res = execute(plan, backend=backend, workers=workers, scheduler=getattr(args, "scheduler", None),
                      progress=not getattr(args, "no_progress", False))
    except InputError as exc:  # e.g. a scheduler that cannot be reached
        _remove_if_nothing_done(fresh, keep_folder)
        return _err(exc)
    if res.status == "interrupted" and res.chunks_done == 0 and _remove_if_nothing_done(fresh, keep_folder):
        print("interrupted: nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    rate = res.runs_this_session / res.seconds if res.seconds > 0 else 0.0
    if res.status == "complete":
        print(f"done: {res.runs_total} runs in {out} ({res.runs_this_session} this session, "
              f"{res.seconds:.1f} s, {rate:.1f} runs/s)", file=sys.stderr)
        return 0
    if res.status == "interrupted":
        print(f"interrupted: {res.chunks_done} of {res.chunks_total} chunks on disk; continue with "
              f"--resume {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"error: sweep failed: {res.error} ({res.chunks_done} of {res.chunks_total} chunks on disk; "
          f"--resume {out} after fixing)", file=sys.stderr)
    return 1


def _resumed_plan(args: argparse.Namespace):
    """(plan, folder) of the sweep that ``--resume`` continues, checked against the sweep file if one is given."""
    from .engine import load_plan
    from .spec import load_sweep

    out = Path(args.resume)
    if getattr(args, "out", None) and Path(args.out).resolve() != out.resolve():
        raise InputError("give either --out or --resume, not both", "--resume")
    plan = load_plan(out)
    if getattr(args, "posterior", None):
        raise InputError("a resumed sweep keeps the posterior it started with (drop --posterior)", "--posterior")
    if args.sweep_file:
        spec = load_sweep(args.sweep_file)
        if spec.sha256 != plan.manifest.get("sweep_sha256"):
            raise InputError(f"this sweep file differs from the one the sweep in {out} started with",
                             args.sweep_file)
    return plan, out


def _new_plan(args: argparse.Namespace):
    """(plan, folder, whether the folder existed) of a new sweep, prepared in a new or empty folder."""
    from .engine import prepare
    from .spec import load_sweep

    if not args.sweep_file:
        raise InputError("give a sweep file (or --resume DIR)", "sweep")
    spec = load_sweep(args.sweep_file)
    out = Path(args.out) if getattr(args, "out", None) else default_out_dir(spec.name)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("output directory exists and is not empty (use --resume DIR to continue a sweep "
                         "there, or choose another --out)", str(out))
    _check_scheduler(getattr(args, "scheduler", None))  # before anything is written
    existed = out.exists()
    return prepare(spec, out, getattr(args, "posterior", None)), out, existed


def _check_scheduler(address: str | None) -> None:
    """An InputError, before the sweep's folder is made, if the Dask scheduler cannot be reached."""
    if not address:
        return
    from .engine import connect

    client = connect(address)
    try:
        client.close(timeout=10)
    except Exception:  # noqa: BLE001  (closing a client that worked: nothing to report)
        pass


def _remove_if_nothing_done(folder: Path | None, keep_folder: bool) -> bool:
    """Remove what a new sweep wrote into ``folder`` if no run of it is on disk (the folder too, unless it
    was there, empty, before). Returns whether it did."""
    import shutil

    from .engine import MANIFEST, RUNS, done_chunks, load_plan

    if folder is None or not folder.is_dir():
        return False
    try:
        if done_chunks(load_plan(folder)):
            return False
    except (InputError, OSError, ValueError):
        if any((folder / RUNS).glob("part-*")):
            return False
    if not (folder / MANIFEST).exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    if keep_folder:  # it was there, empty, before: leave it so
        folder.mkdir(exist_ok=True)
        return not any(folder.iterdir())
    return not folder.exists()


def run_analyze_command(args: argparse.Namespace) -> int:
    from .analyze import analyze

    try:
        analyze(Path(args.dir), num_resamples=getattr(args, "resamples", 100),
                conf_level=getattr(args, "conf_level", 0.95), plots=not getattr(args, "no_plots", False))
    except InputError as exc:
        return _err(exc)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m sim.sweep.cli sweep|analyze ...``) until sim.cli wires these."""
    parser = argparse.ArgumentParser(prog="python -m sim.sweep.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    add_sweep_arguments(sub.add_parser("sweep", help="run a parameter sweep"))
    add_analyze_arguments(sub.add_parser("analyze", help="sensitivity indices and plots of a sweep"))
    args = parser.parse_args(argv)
    return run_sweep_command(args) if args.command == "sweep" else run_analyze_command(args)


if __name__ == "__main__":
    sys.exit(main())
