"""``libya-sim calibrate TARGETS.yaml`` (registered by sim.cli through :func:`register`).

Exit codes: 0 done; 2 bad input (one line ``error: ...``); 130 interrupted (the folder is valid:
continue with ``--resume DIR``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..errors import InputError

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..cli import _at_least

    _positive, _nonneg = _at_least(1), _at_least(0)
    p.add_argument("targets", nargs="?", help="targets file (YAML with a 'calibration' section); optional with "
                                              "--resume")
    p.add_argument("--population", type=_positive, help="parameter sets per generation (default: the file's, or 50)")
    p.add_argument("--generations", type=_positive,
                   help="generations, the prior's included (default: the file's, or 4); with --resume, a larger "
                        "number runs more")
    p.add_argument("--backend", choices=("local", "dask"), default=None,
                   help="this machine (default) or Dask (implied by --scheduler)")
    p.add_argument("--workers", type=_positive, default=None,
                   help="worker processes (default 1: deterministic for a seed)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default results/calibration/<targets>/<timestamp>/); must be new or empty")
    p.add_argument("--resume", default=None, metavar="DIR", help="continue the calibration in DIR")
    p.add_argument("--seed", type=_nonneg, default=None, help="seed of the parameter draws (default 1)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")


def register(sub) -> None:
    """Add the ``calibrate`` sub-command to sim.cli's sub-parsers."""
    p = sub.add_parser("calibrate", help="ABC-SMC calibration of model parameters against the record")
    add_arguments(p)
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    from . import abc
    from .report import write_report

    backend = args.backend or ("dask" if args.scheduler else "local")
    if backend == "local" and args.scheduler:
        raise InputError("--scheduler needs --backend dask", "--scheduler")
    workers = args.workers or (1 if backend == "local" else 2)
    if args.resume:
        out = Path(args.resume)
        if args.out and Path(args.out).resolve() != out.resolve():
            raise InputError("give either --out or --resume, not both", "--resume")
        cal = abc.resume(out, args.targets, args.population, args.generations, args.seed)
    else:
        if not args.targets:
            raise InputError("give a targets file (or --resume DIR)", "calibrate")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path(args.out) if args.out else Path("results") / "calibration" / Path(args.targets).stem / stamp
        cal = abc.start(args.targets, out, args.population, args.generations,
                        1 if args.seed is None else args.seed)
    done = abc.completed_generations(out)
    print(f"calibrate: {len(cal.spec.params)} parameters, {len(cal.spec.targets)} targets, population "
          f"{cal.population}, generations {done} of {cal.generations} done, {cal.spec.replications} runs per "
          f"parameter set, {backend} with {workers} worker(s) -> {out}", file=sys.stderr)
    res = abc.run(cal, backend=backend, workers=workers, scheduler=args.scheduler, progress=not args.quiet)
    if res.status == "interrupted":
        print(f"interrupted: {res.generations_done} of {cal.generations} generations in {out}; continue with "
              f"--resume {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        warning = write_report(cal)
    except KeyboardInterrupt:
        print(f"interrupted while writing the report: the {res.generations_done} generations are in {out}; "
              f"--resume {out} writes it", file=sys.stderr)
        return EXIT_INTERRUPTED
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    rate = res.runs / res.seconds if res.seconds > 0 else 0.0
    print(f"done: {res.generations_done} generations in {out} ({res.evaluations} parameter sets, {res.runs} runs "
          f"this session, {res.seconds:.1f} s, {rate:.1f} runs/s); see {out / 'report.html'}", file=sys.stderr)
    return 0
