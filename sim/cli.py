"""The `libya-sim` command line.

    libya-sim run SCENARIO [--runs N] [--seed S] [--steps K | --until DATE] [--out DIR] [--set KEY=VALUE ...] [--force]
    libya-sim compare BASELINE OTHER [MORE ...] [--runs N] [--seed S] [--until DATE] [--out DIR] [--set ...]
    libya-sim validate FILE...
    libya-sim list
    libya-sim sources SCENARIO
    libya-sim schema
    libya-sim viz [SCENARIO] [--seed S] [--port P] [--host 127.0.0.1]
    libya-sim sweep configs/sweeps/FILE.yaml [--backend local|dask] [--workers N] [--scheduler ADDR] [--out DIR] [--resume DIR]
    libya-sim analyze DIR
    libya-sim calibrate TARGETS.yaml [--population N] [--generations G] [--backend local|dask] [--workers N] [--out DIR] [--resume DIR] [--seed S]
    libya-sim demo

Bad input gives one line ``error: file:line: field: message`` and exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from . import __version__, interrupts
from .errors import InputError
from .progress import progress_bar

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors are input errors too: exit 2, one line
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _at_least(lowest: int):
    """An argparse type: a whole number not below ``lowest``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if v < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest} (got {v})")
        return v

    return parse


_positive = _at_least(1)
_nonneg = _at_least(0)


# ---------------------------------------------------------------------- run
def run_scenario(path: str, runs: int, seed: int, steps: int | None, until: dt.date | None, out: str | None,
                 overrides: dict, force: bool, quiet: bool = False, workers: int | None = None,
                 argv: list[str] | None = None, posterior: str | None = None) -> tuple[Path, list]:
    from .outputs import atomic_dir, default_out_dir, manifest, write_manifest, write_tables
    from .plots import run_plots
    from .runner import check_seeds, horizon_steps, run_ensemble, run_seeds
    from .scenario import load_scenario

    check_seeds(runs, seed)
    loaded = load_scenario(path, overrides)
    print_warnings(loaded)
    scenario = loaded.scenario
    if until is not None and until <= scenario.start_date:
        raise InputError(f"--until {until} is not after the scenario's start_date {scenario.start_date}", loaded.path)
    n_steps = horizon_steps(scenario, steps, until)
    post = _posterior(posterior)
    folder = atomic_dir(Path(out) if out else default_out_dir(scenario.name), force, unique=out is None)
    started = dt.datetime.now()
    with folder as tmp:
        with progress_bar(runs, f"{scenario.name}", quiet) as bar:
            results = run_ensemble(post.scenario(loaded) if post else scenario, runs, seed, n_steps, record=True,
                                   workers=workers, progress=bar.update)
        write_tables(tmp, results)
        run_plots(tmp / "plots", scenario, results)
        info = manifest(loaded, runs, run_seeds(runs, seed), n_steps, started, dt.datetime.now(), argv)
        if post:
            info["posterior"] = post.manifest(run_seeds(runs, seed))
        write_manifest(tmp, info)
    return folder.dest, results


def _posterior(folder: str | None):
    """The posterior of a calibration folder (``--posterior DIR``), or None."""
    if folder is None:
        return None
    from .calibrate.posterior import load_posterior

    return load_posterior(folder)


def summary_table(scenario_name: str, results: list) -> str:
    import numpy as np

    rows = [r.summary for r in results]
    keys = list(rows[0].keys())
    lines = [f"{scenario_name}: {len(rows)} runs"]
    for k in keys:
        vals = [v for v in (row[k] for row in rows)]
        if isinstance(vals[0], str):
            nonblank = [v for v in vals if v != ""]
            if k.endswith("_controller") or k.endswith("_camp") or not nonblank:
                counts: dict[str, int] = {}
                for v in vals:
                    counts[v or "(none)"] = counts.get(v or "(none)", 0) + 1
                txt = ", ".join(f"{v} {100 * c / len(vals):.0f}%" for v, c in sorted(counts.items(),
                                                                                    key=lambda kv: -kv[1]))
                lines.append(f"  {k:<28} {txt}")
                continue
        if isinstance(vals[0], bool):
            lines.append(f"  {k:<28} {100 * sum(vals) / len(vals):.0f}% of runs")
            continue
        nums = np.array([float(v) for v in vals if v is not None and v != ""], dtype=float)
        if len(nums) == 0:
            lines.append(f"  {k:<28} (none)")
            continue
        extra = f" ({len(nums)}/{len(vals)} runs)" if len(nums) < len(vals) else ""
        lines.append(f"  {k:<28} median {np.median(nums):.3g}  (10-90%: {np.percentile(nums, 10):.3g} to "
                     f"{np.percentile(nums, 90):.3g}){extra}")
    return "\n".join(lines)


def cmd_run(args) -> int:
    from .scenario import parse_set_args

    dest, results = run_scenario(args.scenario, args.runs, args.seed, args.steps, args.until, args.out,
                                 parse_set_args(args.set), args.force, quiet=args.quiet, workers=args.workers,
                                 posterior=args.posterior)
    if not args.quiet:
        print(summary_table(results and Path(args.scenario).stem, results))
    print(f"results: {dest}")
    return 0


def print_warnings(loaded) -> None:
    """A scenario's warnings (see sim.checks), one line each on stderr: ``warning: file:line: field: message``."""
    for w in loaded.warnings:
        print(f"warning: {w.located()}", file=sys.stderr)


def cmd_validate(args) -> int:
    from .scenario import load_scenario

    bad = 0
    for f in args.files:
        try:
            loaded = load_scenario(f)
            s = loaded.scenario
            print(f"ok: {f} ({len(s.actors)} actors, {len(s.territory.places)} places, {len(s.ties)} ties, "
                  f"{len(s.events)} events)")
            print_warnings(loaded)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
    return EXIT_INPUT if bad else 0


def cmd_sources(args) -> int:
    from .scenario import load_scenario
    from .sources import format_register, load_bibliography

    loaded = load_scenario(args.scenario)
    sys.stdout.write(format_register(loaded.scenario, load_bibliography()))
    return 0


def cmd_schema(args) -> int:
    from .scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def cmd_list(args) -> int:
    from .scenario import list_scenarios, scenario_dirs

    rows = list_scenarios()
    if not rows:
        print(f"no scenarios in {', '.join(map(str, scenario_dirs())) or 'scenarios/'}", file=sys.stderr)
        return 0
    width = max(len(name) for _, name, _, _ in rows)
    folder = None
    for theatre, name, start, title in rows:
        if theatre != folder:
            folder = theatre
            print(theatre)
        print(f"  {name:<{width}}  {start:<10}  {title}")
    return 0


def _add_list(sub) -> None:
    p = sub.add_parser("list", help="the scenarios you can name, by theatre folder: name, start date, title",
                       description="List the scenarios found in ./scenarios/ and the project's scenarios/, by "
                                   "theatre folder (scenarios/THEATRE/): a name given to run, compare, sources or "
                                   "viz is looked up there; a name found in two theatres is given as theatre/name.")
    p.set_defaults(func=cmd_list)


def cmd_compare(args) -> int:
    from .compare import run_compare_command

    return run_compare_command(args)


def cmd_viz(args) -> int:
    from .viz import serve

    return serve(args.scenario, args.seed, args.host, args.port)


def cmd_demo(args) -> int:
    from .compare import demo

    return demo()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="libya-sim", description="Agent-based what-if simulation of proxy wars, each theatre a set of YAML scenarios.")
    parser.add_argument("--version", action="version", version=f"libya-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_run(sub)
    _add_compare(sub)
    _add_list(sub)

    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("sources", help="what a scenario rests on: its sources with counts, and its assumptions")
    p.add_argument("scenario")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("viz", help="step a scenario in the browser (Mesa's SolaraViz)",
                       description="Serve the viewer: choose a scenario and a seed, Step, Play, Reset; the sliders "
                                   "act after Reset. Ctrl-C stops it.")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario YAML file or name in scenarios/ (default: the 'viewer:' of configs/demo.yaml)")
    p.add_argument("--seed", type=_nonneg, default=1, help="seed of the model shown (default 1; the page can change it)")
    p.add_argument("--port", type=_positive, default=8765, help="port to serve on, 1 to 65535 (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=cmd_viz)

    try:
        from .sweep import cli as sweep_cli

        p = sub.add_parser("sweep", help="parameter sweep on this machine or a Dask cluster")
        sweep_cli.add_sweep_arguments(p)
        p.set_defaults(func=sweep_cli.run_sweep_command)
        p = sub.add_parser("analyze", help="sensitivity analysis of a sweep folder")
        sweep_cli.add_analyze_arguments(p)
        p.set_defaults(func=sweep_cli.run_analyze_command)
    except ImportError:  # the sweep package is optional at import time
        pass

    _add_calibrate(sub)

    p = sub.add_parser("demo", help="the main job: the comparisons listed in configs/demo.yaml, with reports")
    p.set_defaults(func=cmd_demo)
    return parser


def _add_posterior(p) -> None:
    p.add_argument("--posterior", metavar="DIR",
                   help="draw each run's calibrated parameters from the posterior of `libya-sim calibrate` in DIR "
                        "(the run's seed picks the draw; default: the scenario's parameters, its theatre's and the "
                        "generic defaults of configs/model.yaml)")


def _add_calibrate(sub) -> None:
    from .calibrate.cli import register

    register(sub)


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario N times and write its tables and plots")
    p.add_argument("scenario", help="scenario YAML file, or a name (see `libya-sim list`); no default")
    p.add_argument("--runs", type=_positive, default=20, help="number of seeded runs (default 20)")
    p.add_argument("--seed", type=_nonneg, default=1, help="seed of the first run; run k uses seed+k (default 1)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--steps", type=_nonneg, metavar="K", help="weeks to simulate (default: up to the end_date)")
    g.add_argument("--until", type=_date, metavar="DATE",
                   help="simulate up to this date, YYYY-MM-DD (default: the scenario's end_date)")
    p.add_argument("--out", help="output folder (default results/<scenario>/<timestamp>/)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override any scenario value by dotted path; repeat for more; KEY=null deletes (default: none)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing results folder, only one this tool wrote (default: never replace)")
    p.add_argument("--workers", type=_positive, help="worker processes (default: all cores)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar and no summary: print only the results folder (default: off)")
    _add_posterior(p)
    p.set_defaults(func=cmd_run)


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="compare scenarios with common random numbers",
                       description="Run every scenario with the same seeds (run k of each uses seed+k) and write "
                                   "each scenario's run folder, comparison.csv, report.md and a self-contained "
                                   "report.html (differences to the baseline paired by seed, with 95% intervals).")
    p.add_argument("scenarios", nargs="+",
                   help="BASELINE OTHER [MORE ...]: scenario YAML files or names (see `libya-sim list`); "
                        "the first is the baseline (no default: at least two)")
    p.add_argument("--runs", type=_positive, default=100, help="seeded runs of each scenario (default 100)")
    p.add_argument("--seed", type=_nonneg, default=1,
                   help="seed of the first run; run k of every scenario uses seed+k (default 1)")
    p.add_argument("--until", type=_date, metavar="DATE",
                   help="compare up to this date, YYYY-MM-DD (default: the baseline's end_date)")
    p.add_argument("--out", metavar="DIR", help="output folder (default results/compare/<names>-<timestamp>/)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a value of every scenario by dotted path; repeat for more; KEY=null deletes "
                        "(default: none)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing results folder, only one this tool wrote (default: never replace)")
    p.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar and no headline table: print only the results folder (default: off)")
    _add_posterior(p)
    p.set_defaults(func=cmd_compare)


def main(argv: list[str] | None = None) -> int:
    """Run the command line in this process; returns the exit code (the host's SIGINT handler is put back)."""
    return _main(argv, interrupts.restore)


def _main(argv: list[str] | None, finished) -> int:
    previous = interrupts.install()
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except InputError as exc:
        if interrupts.requested():
            return _interrupted()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:
        if interrupts.requested():  # a failure that follows Ctrl-C is the interrupt's doing
            return _interrupted()
        raise
    finally:
        finished(previous)


def _interrupted() -> int:
    print(interrupts.message(), file=sys.stderr)
    return interrupts.EXIT_INTERRUPTED


def entry() -> None:
    """The `libya-sim` program: :func:`main`, then exit with its code.

    After an interrupt the process leaves with ``os._exit(130)`` once its output is flushed: the
    interpreter would otherwise turn an interrupt that passed through an extension module's start-up
    (numpy, scipy) into a second death by SIGINT at exit, and everything that needed cleaning up has
    been cleaned up by then (worker processes stopped, temporary folders removed). Once the command has
    returned, Ctrl-C is ignored: there is nothing left to interrupt."""
    code = _main(None, lambda previous: interrupts.ignore())
    if code == interrupts.EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
