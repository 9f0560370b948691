"""Analyse a finished sweep directory.

- sobol: SALib Sobol indices (S1, ST with confidence intervals; S2 if sampled) of
  the per-point mean of each outcome (a boolean outcome's mean is a probability);
- morris: mu, mu*, sigma (elementary effects) of the per-point means;
- grid / latin: Spearman and Pearson correlation of each outcome's per-point
  mean with each parameter, and outcome-vs-parameter plots.

Writes ``analysis/indices.csv``, ``analysis/points.csv`` (per-point means) and
PNG charts, and returns the indices table.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import InputError
from .engine import DESIGN, MANIFEST, read_runs
from .spec import SweepSpec


def _load(out: Path) -> tuple[dict, SweepSpec, pd.DataFrame]:
    mpath = out / MANIFEST
    if not mpath.is_file():
        raise InputError(f"no {MANIFEST} here: not a sweep directory", str(out))
    try:
        manifest = json.loads(mpath.read_text())
        spec = SweepSpec.model_validate(manifest["spec"])
    except (json.JSONDecodeError, KeyError, ValueError) as exc:
        raise InputError(f"unreadable manifest ({type(exc).__name__})", str(mpath)) from None
    design = pd.read_parquet(out / DESIGN)
    return manifest, spec, design


def point_means(runs: pd.DataFrame, spec: SweepSpec, design: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per design point: the mean of each numeric or boolean outcome (and the skipped ones)."""
    usable, skipped = [], []
    for name in spec.outcomes:
        col = runs[name]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            usable.append(name)
        else:
            skipped.append(name)
    means = runs[["point"] + usable].astype({n: float for n in usable}).groupby("point").mean()
    means["runs"] = runs.groupby("point").size()
    params = [p.column for p in spec.params]
    merged = design.set_index("point")[params].join(means, how="left")
    return merged.reset_index(), skipped


# the seed of the bootstrap of Sobol confidence intervals; SALib's sobol.analyze takes a seed of 0 for no seed
# (its global generator), so the intervals would change from one analysis of a folder to the next
SOBOL_SEED = 1


def _sobol(problem, Y, second_order, num_resamples, conf_level):
    from SALib.analyze import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sobol.analyze(problem, Y, calc_second_order=second_order, num_resamples=num_resamples,
                             conf_level=conf_level, seed=SOBOL_SEED)


def _morris(problem, X, Y, num_levels, num_resamples, conf_level):
    from SALib.analyze import morris

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return morris.analyze(problem, X, Y, num_resamples=num_resamples, conf_level=conf_level,
                              num_levels=num_levels, seed=0)


def _categorical(col: pd.Series) -> bool:
    """A parameter of text values (object dtype, or pandas' string dtype)."""
    return not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _bar_chart(table: pd.DataFrame, outcome: str, cols: list[tuple[str, str | None]], path: Path, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sub = table[table["outcome"] == outcome]
    names = list(sub["parameter"])
    x = np.arange(len(names))
    width = 0.8 / len(cols)
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(names) + 2), 4))
    for i, (col, conf) in enumerate(cols):
        err = sub[conf].to_numpy() if conf else None
        ax.bar(x + (i - (len(cols) - 1) / 2) * width, sub[col].to_numpy(), width, yerr=err, capsize=3, label=col)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _scatter(points: pd.DataFrame, spec: SweepSpec, outcome: str, path: Path, grid: bool):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = [p.column for p in spec.params]
    n = len(params)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows), squeeze=False)
    for ax, p in zip(axes.flat, params):
        xs = points[p]
        categorical = _categorical(xs)
        if grid:
            g = points.groupby(p)[outcome]
            m = g.mean()
            lo, hi = g.min(), g.max()
            ax.fill_between(range(len(m)) if categorical else m.index, lo, hi, alpha=0.2)
            ax.plot(range(len(m)) if categorical else m.index, m.to_numpy(), marker="o")
            if categorical:
                ax.set_xticks(range(len(m)), [str(v) for v in m.index])
        else:
            ax.scatter(xs if not categorical else xs.astype(str), points[outcome], s=6, alpha=0.5)
        ax.set_xlabel(p, fontsize=8)
        ax.set_ylabel(outcome, fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{spec.name}: {outcome} (mean over replications per point)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def analyze(out: str | Path, num_resamples: int = 100, conf_level: float = 0.95, plots: bool = True,
            log: Callable[[str], None] = print) -> pd.DataFrame:
    """Sensitivity indices (Sobol, Morris) or correlations (grid, Latin) of every outcome of a sweep folder;
    writes analysis/points.csv, analysis/indices.csv and the plots, and returns the indices."""
    out = Path(out)
    manifest, spec, design = _load(out)
    runs = read_runs(out)
    method = spec.design.method
    _check_complete(out, runs, manifest["runs"], method, log)
    points, skipped = point_means(runs, spec, design)
    for name in skipped:
        log(f"note: outcome '{name}' is not numeric or boolean; skipped (use {{column: ..., equals: ...}})")
    outcomes = [o for o in spec.outcomes if o not in skipped]
    adir = out / "analysis"
    adir.mkdir(exist_ok=True)
    points.to_csv(adir / "points.csv", index=False)
    table = sensitivity_table(points, design, spec, manifest["design"]["problem"], outcomes, num_resamples,
                              conf_level, log)
    table.to_csv(adir / "indices.csv", index=False)
    if plots and not table.empty:
        _plot_indices(table, points, spec, [o for o in outcomes if o in set(table["outcome"])], adir)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format",
                           "{:.4f}".format):
        log(f"{spec.name}: {method}, {len(points)} points x {spec.replications} replications, {len(runs)} runs")
        log(table.to_string(index=False) if not table.empty else "(no indices)")
    log(f"wrote {adir / 'indices.csv'}")
    return table


def sensitivity_table(points: pd.DataFrame, design: pd.DataFrame, spec: SweepSpec, problem: dict,
                      outcomes: list[str], num_resamples: int = 100, conf_level: float = 0.95,
                      log: Callable[[str], None] = print) -> pd.DataFrame:
    """The statistics of `analyze` (nothing written): one row per outcome and parameter, with the Sobol
    indices, the Morris effects or the correlations of the per-point means (`point_means`)."""
    method = spec.design.method
    params = [p.column for p in spec.params]
    rows = []
    for name in outcomes:
        Y = points.sort_values("point")[name].to_numpy(dtype=float)
        if method in ("sobol", "morris") and not _usable(name, Y, log):
            continue
        if method == "sobol":
            new_rows = _sobol_rows(name, params, problem, Y, spec.design.second_order, num_resamples, conf_level)
            _warn_sample_too_small(name, new_rows, spec, log)
            rows += new_rows
        elif method == "morris":
            X = design.sort_values("point")[[f"_x{j}" for j in range(len(params))]].to_numpy()
            Si = _morris(problem, X, Y, spec.design.num_levels, num_resamples, conf_level)
            rows += [{"outcome": name, "parameter": p, "mu": Si["mu"][j], "mu_star": Si["mu_star"][j],
                      "mu_star_conf": Si["mu_star_conf"][j], "sigma": Si["sigma"][j]} for j, p in enumerate(params)]
        else:
            rows += _correlation_rows(name, params, points.dropna(subset=[name]))
    return pd.DataFrame(rows)


def _check_complete(out: Path, runs: pd.DataFrame, total: int, method: str, log) -> None:
    """Sobol and Morris need every run; grid and Latin designs can be read incomplete (with a warning)."""
    if len(runs) < total:
        msg = f"sweep is incomplete: {len(runs)} of {total} runs on disk (finish it with --resume {out})"
        if method in ("sobol", "morris") or len(runs) == 0:
            raise InputError(msg, str(out))
        log("warning: " + msg)
    if runs.duplicated(["point", "replication"]).any():
        raise InputError("duplicate rows (point, replication) in runs/", str(out))


def _usable(name: str, Y: np.ndarray, log) -> bool:
    """Sobol and Morris need a value at every point (a constant outcome gets indices of 0)."""
    if np.isnan(Y).any():
        log(f"note: outcome '{name}' has missing values at {int(np.isnan(Y).sum())} points; skipped")
        return False
    if np.ptp(Y) == 0:
        log(f"note: outcome '{name}' is constant ({Y[0]:g}) over the design; indices are 0")
    return True


def _sobol_rows(name: str, params: list[str], problem: dict, Y: np.ndarray, second_order: bool,
                num_resamples: int, conf_level: float) -> list[dict]:
    if np.ptp(Y) == 0:
        return [{"outcome": name, "parameter": p, "S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0}
                for p in params]
    Si = _sobol(problem, Y, second_order, num_resamples, conf_level)
    rows = []
    for j, p in enumerate(params):
        row = {"outcome": name, "parameter": p, "S1": Si["S1"][j], "S1_conf": Si["S1_conf"][j],
               "ST": Si["ST"][j], "ST_conf": Si["ST_conf"][j]}
        if second_order:
            for k, q in enumerate(params):
                if k > j:
                    row[f"S2[{q}]"] = Si["S2"][j, k]
        rows.append(row)
    return rows


IMPOSSIBLE_MARGIN = 0.05  # S1 below -0.05 or ST above 1.05: beyond what rounding explains


def _warn_sample_too_small(name: str, rows: list[dict], spec, log) -> None:
    """A first-order index below 0 or a total index above 1 cannot be: the base sample is too small for the
    estimates (their error shrinks as 1/sqrt(N)). Say so, and how many samples to use instead."""
    worst_s1 = min(rows, key=lambda r: r["S1"])
    worst_st = max(rows, key=lambda r: r["ST"])
    excess = max(-worst_s1["S1"], worst_st["ST"] - 1.0)
    if excess <= IMPOSSIBLE_MARGIN:
        return
    what = []
    if worst_s1["S1"] < -IMPOSSIBLE_MARGIN:
        what.append(f"S1 of {worst_s1['parameter']} is {worst_s1['S1']:.2f} (cannot be below 0)")
    if worst_st["ST"] > 1.0 + IMPOSSIBLE_MARGIN:
        what.append(f"ST of {worst_st['parameter']} is {worst_st['ST']:.2f} (cannot be above 1)")
    n = spec.design.samples
    want = max(4 * n, n * (excess / IMPOSSIBLE_MARGIN) ** 2)
    suggested = 1 << math.ceil(math.log2(want))
    per_sample = len(rows) * (2 if spec.design.second_order else 1) + 2
    log(f"warning: outcome '{name}': {' and '.join(what)}: the sample is too small for Sobol indices; use "
        f"samples: {suggested} or more in the sweep file (now {n}; {suggested} x {per_sample} = "
        f"{suggested * per_sample:,} points x {spec.replications} replications)")


def _correlation_rows(name: str, params: list[str], sub: pd.DataFrame) -> list[dict]:
    """Spearman and Pearson correlations of the outcome with each parameter, and its mean at the extremes."""
    rows = []
    for p in params:
        x = sub[p]
        if _categorical(x) or pd.api.types.is_bool_dtype(x):
            x = x.astype("category").cat.codes
        x = x.astype(float)
        y = sub[name].astype(float)
        ok = x.nunique() > 1 and y.nunique() > 1
        rows.append({"outcome": name, "parameter": p,
                     "spearman": x.corr(y, method="spearman") if ok else 0.0,
                     "pearson": x.corr(y) if ok else 0.0,
                     "mean_at_low": y[x == x.min()].mean(), "mean_at_high": y[x == x.max()].mean()})
    return rows


def _plot_indices(table: pd.DataFrame, points: pd.DataFrame, spec, outcomes: list[str], adir: Path) -> None:
    method = spec.design.method
    for name in outcomes:
        if method == "sobol":
            _bar_chart(table, name, [("S1", "S1_conf"), ("ST", "ST_conf")], adir / f"sobol_{name}.png",
                       f"Sobol indices of {name}")
        elif method == "morris":
            _bar_chart(table, name, [("mu_star", "mu_star_conf"), ("sigma", None)],
                       adir / f"morris_{name}.png", f"Morris elementary effects of {name}")
        else:
            _bar_chart(table, name, [("spearman", None), ("pearson", None)], adir / f"correlation_{name}.png",
                       f"Correlation of {name} with each parameter")
            _scatter(points, spec, name, adir / f"{method}_{name}.png", grid=(method == "grid"))
