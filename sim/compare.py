"""Compare scenarios: common random numbers, paired bootstrap intervals, a report.

Run k of every scenario uses the same seed, so a difference between two
scenarios is measured run by run (paired by seed) and its 95% interval comes
from a bootstrap over those paired differences (Efron & Tibshirani 1993,
percentile interval). Probabilities of events come with Wilson score intervals.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import multiprocessing as mp
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple
from pathlib import Path

import numpy as np
from scipy import stats

from .errors import InputError
from .record import fmt

BOOTSTRAP_SAMPLES = 2000


# ---------------------------------------------------------------------- statistics
def bootstrap_mean_ci(diffs: np.ndarray, rng: np.random.Generator, samples: int = BOOTSTRAP_SAMPLES,
                      level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of paired differences (scipy.stats.bootstrap)."""
    diffs = np.asarray(diffs, dtype=float)
    n = len(diffs)
    if n == 0:
        return math.nan, math.nan
    if np.all(diffs == diffs[0]):
        return float(diffs[0]), float(diffs[0])
    ci = stats.bootstrap((diffs,), np.mean, n_resamples=samples, confidence_level=level, method="percentile",
                         random_state=rng, vectorized=True).confidence_interval
    return float(ci.low), float(ci.high)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (scipy.stats.binomtest)."""
    if n == 0:
        return math.nan, math.nan
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass
class Metric:
    name: str
    label: str
    kind: str  # "value" or "probability"
    values: dict[str, np.ndarray]  # scenario -> per-run values (NaN where undefined)


def metrics_from_summaries(summaries: dict[str, list[dict]], outcome_places: list[str], headline_camps: list[str]
                           ) -> list[Metric]:
    """Numeric outcomes and event indicators, per scenario, in run order."""
    names = list(summaries)
    first = summaries[names[0]][0]
    every = set.intersection(*(set(summaries[s][0]) for s in names if summaries[s]))  # outcomes all runs have
    out: list[Metric] = []
    for key, v in first.items():
        if isinstance(v, bool) or key.endswith("_controller") or key.endswith("_camp") or key not in every:
            continue
        vals = {}
        for s in names:
            vals[s] = np.array([math.nan if r.get(key) is None or r[key] == "" else float(r[key])  # not in a
                                for r in summaries[s]],  # scenario without that camp: undefined
                               dtype=float)
        out.append(Metric(key, key.replace("_", " "), "value", vals))
    for place in outcome_places:
        for camp in headline_camps:
            vals = {s: np.array([1.0 if r.get(f"{place}_camp") == camp else 0.0 for r in summaries[s]])
                    for s in names}
            out.append(Metric(f"p_{camp.lower()}_holds_{place}", f"P({camp} holds {place} at the end)",
                              "probability", vals))
    vals = {s: np.array([0.0 if r["ceasefire_week"] is None else 1.0 for r in summaries[s]]) for s in names}
    out.append(Metric("p_ceasefire_by_end", "P(a ceasefire by the end)", "probability", vals))
    vals = {s: np.array([1.0 if r["agreement_held"] else 0.0 for r in summaries[s]]) for s in names}
    out.append(Metric("p_agreement_holds", "P(an agreement holds at the end)", "probability", vals))
    return out


class ComparisonRow(NamedTuple):
    """A row of comparison.csv: one outcome of one scenario."""

    metric: str
    kind: str  # "value" or "probability"
    scenario: str
    runs: int  # runs where the outcome is defined
    mean: float
    median: float
    p10: float
    p90: float
    ci_low: float  # Wilson interval (probabilities only)
    ci_high: float
    diff_to_baseline: float  # mean paired difference to the baseline
    diff_ci_low: float  # 95% paired bootstrap interval of it
    diff_ci_high: float


COMPARISON_COLUMNS = ComparisonRow._fields


def comparison_rows(metrics: list[Metric], baseline: str, seed: int) -> list[ComparisonRow]:
    rng = np.random.default_rng(seed)
    rows = []
    for m in metrics:
        base = m.values[baseline]
        for s, vals in m.values.items():
            ok = ~np.isnan(vals)
            v = vals[ok]
            n = int(ok.sum())
            mean = float(v.mean()) if n else math.nan
            med = float(np.median(v)) if n else math.nan
            p10 = float(np.percentile(v, 10)) if n else math.nan
            p90 = float(np.percentile(v, 90)) if n else math.nan
            lo = hi = math.nan
            if m.kind == "probability":
                lo, hi = wilson_interval(int(v.sum()), n)
            paired = ok & ~np.isnan(base)
            diffs = vals[paired] - base[paired]
            d = float(diffs.mean()) if len(diffs) else math.nan
            dlo, dhi = bootstrap_mean_ci(diffs, rng) if s != baseline else (0.0, 0.0)
            if s == baseline:
                d = 0.0
            rows.append(ComparisonRow(m.name, m.kind, s, n, mean, med, p10, p90, lo, hi, d, dlo, dhi))
    return rows


def divergence_week(series: dict[str, np.ndarray], baseline: str, seed: int) -> dict[str, int | None]:
    """First step at which the mean paired difference of a series excludes 0 at 95% (bootstrap).

    ``series[s]`` is runs x steps. Scenarios with different lengths are compared on the common steps.
    """
    rng = np.random.default_rng(seed)
    base = series[baseline]
    out: dict[str, int | None] = {}
    for s, arr in series.items():
        if s == baseline:
            continue
        steps = min(arr.shape[1], base.shape[1])
        d = arr[:, :steps] - base[:, :steps]
        varies = np.flatnonzero(np.ptp(d, axis=0) > 0) if d.shape[0] > 1 else np.array([], dtype=int)
        out[s] = None
        if len(varies):  # the same resamples of the runs at every step (scipy.stats.bootstrap along axis 0)
            ci = stats.bootstrap((d[:, varies],), np.mean, axis=0, n_resamples=BOOTSTRAP_SAMPLES,
                                 method="percentile", random_state=rng, vectorized=True).confidence_interval
            apart = np.flatnonzero((ci.low > 0) | (ci.high < 0))
            out[s] = int(varies[apart[0]]) if len(apart) else None
        constant = [k for k in range(steps) if np.all(d[:, k] == d[0, k]) and d[0, k] != 0]
        if constant:  # every run differs by the same amount: no interval needed
            first = min(constant)
            out[s] = first if out[s] is None else min(out[s], first)
    return out


class Shared(NamedTuple):
    """What a comparison compares: the headline camps and outcome places every scenario names (in the baseline's
    order), and one line for each camp or place that some scenario leaves out."""

    camps: list[str]
    places: list[str]
    omitted: list[str]


def shared_outcomes(scenarios: list, names: list[str]) -> Shared:
    """The outcomes every scenario has. Raises InputError when the scenarios name headline camps or outcome
    places but share none of them: then nothing they are about can be compared."""
    camps = _shared([s.headline_camps for s in scenarios])
    places = _shared([s.outcome_places for s in scenarios])
    omitted = [f"{c}: its territory, population and oil shares and the places it holds (not a headline camp of "
               f"{_missing(c, [s.headline_camps for s in scenarios], names)})"
               for c in _union([s.headline_camps for s in scenarios]) if c not in camps]
    omitted += [f"who holds {p} (not an outcome place of {_missing(p, [s.outcome_places for s in scenarios], names)})"
                for p in _union([s.outcome_places for s in scenarios]) if p not in places]
    if omitted and not camps and not places:
        said = "; ".join(f"{n}: {', '.join(s.headline_camps) or 'none'}" for s, n in zip(scenarios, names))
        raise InputError(f"the scenarios share no headline camp and no outcome place, so nothing they are about can "
                         f"be compared (headline camps: {said})", "compare")
    return Shared(camps, places, omitted)


def _union(lists: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(x for xs in lists for x in xs))


def _shared(lists: list[list[str]]) -> list[str]:
    return [x for x in lists[0] if all(x in xs for xs in lists[1:])]


def _missing(item: str, lists: list[list[str]], names: list[str]) -> str:
    return ", ".join(n for xs, n in zip(lists, names) if item not in xs)


# ---------------------------------------------------------------------- running
def _load_all(paths: list[str], overrides: dict):
    from .scenario import load_scenario

    loaded = [load_scenario(p, overrides) for p in paths]
    names = [ls.scenario.name for ls in loaded]
    if len(set(names)) != len(names):
        # the same file twice (or two files with one name): keep them apart
        names = [f"{n}_{i}" if names.count(n) > 1 else n for i, n in enumerate(names)]
    return loaded, names


def _scenario_warnings(loaded, names) -> list[str]:
    """Each scenario's warnings (see sim.checks): printed now (with their file and line), and kept for the report
    (with the scenario's name)."""
    out = []
    for ls, name in zip(loaded, names):
        for w in ls.warnings:
            print(f"warning: {w.located()}", file=sys.stderr)
            out.append(f"{name}: {w}")
    return out


def _start_dates(loaded, horizon: dt.date) -> list[str]:
    """A warning for each scenario that starts on another day than the baseline; refused if the comparison ends
    before one starts."""
    base, out = loaded[0].scenario, []
    for ls in loaded[1:]:
        if ls.scenario.start_date != base.start_date:
            out.append(f"{ls.scenario.name} starts on {ls.scenario.start_date}, the baseline on "
                       f"{base.start_date}: differences mix the scenarios with their different starting "
                       f"points; compare the curves by date")
        if horizon <= ls.scenario.start_date:
            raise InputError(f"the comparison ends on {horizon}, before {ls.scenario.name} starts "
                             f"({ls.scenario.start_date})", ls.path)
    return out


def compare(paths: list[str], runs: int, seed: int, until: dt.date | None, out: str | None, overrides: dict,
            force: bool = False, workers: int | None = None, quiet: bool = False, argv: list[str] | None = None,
            posterior: str | None = None):
    """Run every scenario with the same seeds and write the comparison. Returns (dest, headline text).

    With ``posterior`` (a calibration folder), run k of every scenario draws the same parameter set (its seed
    picks it), so the comparison stays paired."""
    from .progress import progress_bar
    from .outputs import atomic_dir, manifest
    from .runner import run_ensemble, run_seeds
    from .model import steps_until

    if len(paths) < 2:
        raise InputError("compare needs a baseline and at least one other scenario", "compare")
    if runs < 1:
        raise InputError(f"--runs must be at least 1 (got {runs})", "--runs")
    loaded, names = _load_all(paths, overrides)
    base = loaded[0].scenario
    horizon = until or base.end_date
    shared = shared_outcomes([ls.scenario for ls in loaded], names)
    warnings = _scenario_warnings(loaded, names)
    for line in shared.omitted:
        print(f"warning: not compared: {line}", file=sys.stderr)
    warnings += _start_dates(loaded, horizon)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = Path(out) if out else Path("results") / "compare" / f"{'-vs-'.join(names[:3])}-{stamp}"
    started = dt.datetime.now()
    seeds = run_seeds(runs, seed)
    post = None
    if posterior is not None:
        from .calibrate.posterior import load_posterior

        post = load_posterior(posterior)
        targets = {name: post.scenario(ls) for ls, name in zip(loaded, names)}
    all_results = {}
    folder = atomic_dir(dest, force, unique=out is None)  # a default name gets -2, -3, ... if it is taken
    with folder as tmp:
        with progress_bar(runs * len(loaded), "compare", quiet) as bar:
            for ls, name in zip(loaded, names):
                steps = steps_until(ls.scenario.start_date, horizon)
                bar.set_description(name)
                all_results[name] = run_ensemble(targets[name] if post else ls.scenario, runs, seed, steps,
                                                 record=True, workers=workers, progress=bar.update)
        from . import plots, report  # noqa: F401  (import matplotlib once, before forking the writers)

        jobs = []
        for ls, name in zip(loaded, names):
            steps = steps_until(ls.scenario.start_date, horizon)
            info = manifest(ls, runs, seeds, steps, started, dt.datetime.now(), argv)
            if post:
                info["posterior"] = post.manifest(seeds)
            jobs.append((tmp / name, ls.scenario, all_results[name], info))
        with writing_in_background(jobs, workers):
            headline = write_comparison(tmp, loaded, names, all_results, seed, horizon, warnings, shared)
    return folder.dest, headline


def write_run_folder(folder: Path, scenario, results, info: dict) -> None:
    """A scenario's own run outputs, as `run` writes them."""
    from .outputs import write_manifest, write_tables
    from .plots import run_plots

    folder.mkdir()
    write_tables(folder, results)
    run_plots(folder / "plots", scenario, results)
    write_manifest(folder, info)


@contextmanager
def writing_in_background(jobs: list[tuple], workers: int | None):
    """Write the scenarios' folders in forked processes (they share the results: nothing is copied)
    while the body of the ``with`` runs; wait for them at the end and fail if one failed."""
    from .runner import default_workers

    if min(workers or default_workers(), len(jobs)) <= 1:
        for job in jobs:
            write_run_folder(*job)
        yield
        return
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=write_run_folder, args=job) for job in jobs]
    for proc in procs:
        proc.start()
    try:
        yield
    finally:
        for proc in procs:
            proc.join()
    failed = [p.exitcode for p in procs if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"writing a scenario's outputs failed (exit codes {failed})")


def write_comparison(folder: Path, loaded, names, all_results, seed: int, horizon: dt.date, warnings,
                     shared: Shared) -> str:
    from .report import write_report

    summaries = {n: [r.summary for r in all_results[n]] for n in names}
    metrics = metrics_from_summaries(summaries, shared.places, shared.camps)
    rows = comparison_rows(metrics, names[0], seed)
    with open(folder / "comparison.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COMPARISON_COLUMNS)
        for row in rows:
            w.writerow([fmt(v) for v in row])
    div = {camp: divergence_week(territory_series(all_results, names, camp), names[0], seed) for camp in shared.camps}
    headline = headline_table(rows, names, metrics, shared.camps, shared.places)
    write_report(folder, loaded, names, all_results, rows, metrics, div, shared, horizon, warnings, headline)
    return headline


def territory_series(all_results, names, camp: str) -> dict[str, np.ndarray]:
    """A camp's territory share in every scenario, runs x steps (for the week at which the scenarios part)."""
    return {n: np.array([[row.territory_share for row in r.recorder.camps if row.camp == camp]
                         for r in all_results[n]], dtype=float) for n in names}


def headline_metric_names(metrics, camps: list[str], places: list[str]) -> list[str]:
    """The outcomes shown in the terminal: every headline camp's territory and oil shares, casualties, fighting,
    every headline camp's chance of holding each outcome place, ceasefire and agreement."""
    low = [c.lower() for c in camps]
    wanted = [f"{c}_territory_share" for c in low] + [f"{c}_oil_share" for c in low]
    wanted += ["casualties", "weeks_of_fighting"]
    wanted += [f"p_{c}_holds_{p}" for c in low for p in places] + ["p_ceasefire_by_end", "p_agreement_holds"]
    have = {m.name for m in metrics}
    return [w for w in wanted if w in have]


def headline_table(rows, names, metrics, camps: list[str], places: list[str]) -> str:
    """A plain-text table: metric, then per scenario mean (and difference to the baseline with its 95% CI)."""
    by = {(r.metric, r.scenario): r for r in rows}
    wanted = headline_metric_names(metrics, camps, places)
    head = ["outcome (mean over runs)"] + [names[0] + " (baseline)"] + [f"{n} (diff, 95% CI)" for n in names[1:]]
    lines = [head]
    for name in wanted:
        r0 = by[(name, names[0])]
        cells = [name, _fmt_value(r0.mean, r0.kind)]
        for n in names[1:]:
            r = by[(name, n)]
            cells.append(f"{_fmt_value(r.mean, r.kind)} ({_fmt_diff(r.diff_to_baseline, r.kind)}, "
                         f"{_fmt_diff(r.diff_ci_low, r.kind)} to {_fmt_diff(r.diff_ci_high, r.kind)})")
        lines.append(cells)
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(head))]
    text = []
    for k, row in enumerate(lines):
        text.append("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)))
        if k == 0:
            text.append("  ".join("-" * w for w in widths))
    return "\n".join(text)


def _fmt_value(v: float, kind: str) -> str:
    if v != v:
        return "n/a"
    if kind == "probability":
        return f"{100 * v:.0f}%"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"  # 1,740 rather than 1.74e+03


def _fmt_diff(v: float, kind: str) -> str:
    if v != v:
        return "n/a"
    if kind == "probability":
        return f"{100 * v:+.0f} pts"
    return f"{v:+,.0f}" if abs(v) >= 1000 else f"{v:+.3g}"


# ---------------------------------------------------------------------- CLI
def run_compare_command(args) -> int:
    from .scenario import parse_set_args

    quiet = getattr(args, "quiet", False)
    dest, headline = compare(args.scenarios, args.runs, args.seed, args.until, args.out, parse_set_args(args.set),
                             force=args.force, workers=args.workers, quiet=quiet,
                             posterior=getattr(args, "posterior", None))
    if quiet:  # only where the results are
        print(f"results: {dest}")
        return 0
    print(headline)
    print(f"report: {dest / 'report.html'} (and report.md, comparison.csv)")
    return 0


def demo() -> int:
    """The main job: the comparisons listed under ``demo:`` in configs/demo.yaml (see :mod:`sim.showcase`)."""
    from .scenario import resolve_scenario_path
    from .showcase import load_showcase, showcase_path

    show = load_showcase()
    if not show.demo:
        raise InputError("no comparisons to run: list them under 'demo:' (pairs of scenario names)",
                         str(showcase_path()), None, "demo")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    reports = []
    for base, other in show.demo:
        paths = [str(resolve_scenario_path(base)), str(resolve_scenario_path(other))]
        out = Path("results") / "demo" / stamp / f"{base}-vs-{other}"
        print(f"\n=== {other} against {base} ({show.runs} runs each, common seeds) ===", flush=True)
        dest, headline = compare(paths, show.runs, 1, None, str(out), {})
        print(headline)
        reports.append(dest / "report.html")
    print("\nreports:")
    for r in reports:
        print(f"  {r}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_compare_command(None))
