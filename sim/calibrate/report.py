"""The outputs of a calibration: ``posterior.parquet``, ``report.md``, a self-contained ``report.html``
and ``plots/`` (prior against posterior marginals, a pair plot, the epsilon schedule). Each file is written
to a temporary name and renamed into place; nothing in them depends on the clock, so the same history
gives the same files."""

from __future__ import annotations

import base64
import html
import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .abc import Calibration, db_url  # noqa: E402

POSTERIOR = "posterior.parquet"
PLOTS = "plots"
LEVEL = 0.9  # the intervals of the report: 5% to 95%


@dataclass
class Generation:
    t: int
    epsilon: float
    evaluations: int
    params: dict[str, np.ndarray]   # name -> values
    weights: np.ndarray             # normalised
    distances: np.ndarray
    stats: dict[str, np.ndarray]    # target id -> values

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))


def read_generations(cal: Calibration) -> list[Generation]:
    from pyabc import History

    h = History(db_url(cal.out), _id=1)
    pops = h.get_all_populations()
    names = [p.name for p in cal.spec.params]
    tids = [t.id for t in cal.spec.targets]
    out = []
    for _, row in pops[pops.t >= 0].sort_values("t").iterrows():
        t = int(row.t)
        particles = h.get_population(t).particles
        w = np.array([p.weight for p in particles], dtype=float)
        out.append(Generation(
            t, float(row.epsilon), int(row.samples),
            {n: np.array([float(p.parameter[n]) for p in particles]) for n in names}, w / w.sum(),
            np.array([float(p.distance) for p in particles]),
            {k: np.array([float(p.sum_stat[k]) for p in particles]) for k in tids}))
    return out


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> list[float]:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) - 0.5 * w
    cum /= w.sum()
    return [float(np.interp(q, cum, v)) for q in qs]


def _interval(values, weights) -> tuple[float, float, float]:
    lo, med, hi = weighted_quantiles(np.asarray(values, float), np.asarray(weights, float),
                                     [(1 - LEVEL) / 2, 0.5, (1 + LEVEL) / 2])
    return med, lo, hi


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "inf"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


# ------------------------------------------------------------------ posterior.parquet
def write_posterior(cal: Calibration, gens: list[Generation], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    last = gens[-1]
    cols = {"particle": pa.array(np.arange(len(last.weights)), pa.int64())}
    for p in cal.spec.params:
        cols[p.name] = pa.array(last.params[p.name], pa.float64())
    cols["weight"] = pa.array(last.weights, pa.float64())
    cols["distance"] = pa.array(last.distances, pa.float64())
    for tid, v in last.stats.items():
        cols[f"stat_{tid}"] = pa.array(v, pa.float64())
    meta = {"generation": last.t, "generations": len(gens), "epsilon": last.epsilon, "seed": cal.seed,
            "population": cal.population, "targets_sha256": cal.manifest["targets_sha256"],
            "scenario_sha256": cal.manifest["scenario_sha256"],
            "parameters": {p.name: p.path for p in cal.spec.params}}
    table = pa.table(cols).replace_schema_metadata({"libya_sim": json.dumps(meta, sort_keys=True)})
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


# ------------------------------------------------------------------ plots
def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)


def _marginals(cal: Calibration, gens: list[Generation], path: Path) -> None:
    params = cal.spec.params
    ncols = min(3, len(params))
    nrows = math.ceil(len(params) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.3 * nrows), squeeze=False)
    last = gens[-1]
    for ax, p in zip(axes.flat, params):
        dist = p.frozen()
        lo, hi = float(dist.ppf(0.001)), float(dist.ppf(0.999))
        xs = np.linspace(lo, hi, 200)
        ax.plot(xs, dist.pdf(xs), color="0.4", linestyle="--", label="prior")
        ax.hist(last.params[p.name], bins=min(20, max(5, len(last.weights) // 3)), range=(lo, hi),
                weights=last.weights, density=True, color="tab:blue", alpha=0.55, label=f"posterior (gen {last.t})")
        ax.set_title(f"{p.name}", fontsize=10)
        ax.set_xlabel(p.path, fontsize=8)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(params):]:
        ax.axis("off")
    _save(fig, path)


def _pairs(cal: Calibration, gens: list[Generation], path: Path) -> None:
    params = cal.spec.params
    n = len(params)
    last = gens[-1]
    fig, axes = plt.subplots(n, n, figsize=(2.4 * n + 0.6, 2.4 * n + 0.6), squeeze=False)
    size = 8 + 200 * last.weights / last.weights.max()
    for i, pi in enumerate(params):
        for j, pj in enumerate(params):
            ax = axes[i][j]
            if i == j:
                ax.hist(last.params[pi.name], bins=12, weights=last.weights, color="tab:blue", alpha=0.6)
            elif i > j:
                ax.scatter(last.params[pj.name], last.params[pi.name], s=size, alpha=0.4, color="tab:blue",
                           linewidths=0)
            else:
                ax.axis("off")
                continue
            if i == n - 1:
                ax.set_xlabel(pj.name, fontsize=8)
            if j == 0:
                ax.set_ylabel(pi.name, fontsize=8)
            ax.tick_params(labelsize=6)
    _save(fig, path)


def _epsilons(gens: list[Generation], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ts = [g.t for g in gens if math.isfinite(g.epsilon)]
    ax.plot(ts, [g.epsilon for g in gens if math.isfinite(g.epsilon)], marker="o")
    ax.set_xlabel("generation")
    ax.set_ylabel("epsilon (RMS of misses)")
    ax.set_title("epsilon schedule (generation 0: the prior, epsilon infinite)", fontsize=9)
    ax.grid(alpha=0.3)
    _save(fig, path)


# ------------------------------------------------------------------ tables
def parameter_rows(cal: Calibration, gens: list[Generation]) -> list[list[str]]:
    last = gens[-1]
    rows = []
    for p in cal.spec.params:
        dist = p.frozen()
        lo, med, hi = (float(dist.ppf(q)) for q in ((1 - LEVEL) / 2, 0.5, (1 + LEVEL) / 2))
        pm, plo, phi = _interval(last.params[p.name], last.weights)
        rows.append([p.name, f"`{p.path}`", p.describe(), f"{_fmt(med)} ({_fmt(lo)} to {_fmt(hi)})",
                     f"{_fmt(pm)} ({_fmt(plo)} to {_fmt(phi)})",
                     f"{(phi - plo) / (hi - lo):.2f}" if hi > lo else ""])
    return rows


def pattern_rows(cal: Calibration, gens: list[Generation]) -> list[list[str]]:
    first, last = gens[0], gens[-1]
    rows = []
    for t in cal.spec.targets:
        pm, plo, phi = _interval(first.stats[t.id], first.weights)
        qm, qlo, qhi = _interval(last.stats[t.id], last.weights)
        rows.append([t.pattern["text"], f"{_fmt(t.record)} ± {_fmt(t.tolerance)}",
                     f"{_fmt(pm)} ({_fmt(plo)} to {_fmt(phi)})", f"{_fmt(qm)} ({_fmt(qlo)} to {_fmt(qhi)})",
                     f"{abs(pm - t.record) / t.tolerance:.2f} → {abs(qm - t.record) / t.tolerance:.2f}"])
    return rows


def epsilon_rows(cal: Calibration, gens: list[Generation]) -> list[list[str]]:
    return [[str(g.t), _fmt(g.epsilon), str(g.evaluations), f"{cal.population / g.evaluations:.0%}",
             f"{g.ess:.1f}", _fmt(float(np.sum(g.weights * g.distances)))] for g in gens]


PARAM_HEAD = ["parameter", "path", "prior", "prior median (90%)", "posterior median (90%)", "width ratio"]
PATTERN_HEAD = ["pattern (record)", "record ± tolerance", "prior predictive median (90%)",
                "posterior predictive median (90%)", "miss: prior → posterior"]
EPS_HEAD = ["generation", "epsilon", "parameter sets run", "acceptance", "effective sample size",
            "mean distance"]


def _md_table(head, rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _html_table(head, rows) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c.replace('`', ''))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


FEW = 0.1  # an effective sample size below this share of the population is worth a warning


def weight_warning(population: int, weights: np.ndarray) -> str | None:
    """A warning when the posterior's weight rests on a few parameter sets, else None."""
    w = np.asarray(weights, float) / np.sum(weights)
    ess = float(1.0 / np.sum(w ** 2))
    if round(ess, 6) >= FEW * population:  # (20 even sets of 200 sum to 19.999...)
        return None
    return (f"the last generation's effective sample size is {ess:.1f} of {population} (its heaviest parameter "
            f"set carries {w.max():.0%} of the weight): the posterior's medians and intervals rest on a few sets; "
            f"a larger --population, or another --seed, shows how much they move")


def _intro(cal: Calibration, gens: list[Generation], warning: str | None) -> list[str]:
    spec = cal.spec
    last = gens[-1]
    return [
        f"Targets file `{Path(spec.file).name}` (sha256 {cal.manifest['targets_sha256'][:12]}), scenario "
        f"`{Path(spec.scenario).stem}` to {spec.until}; {len(spec.params)} parameters, {len(spec.targets)} targets.",
        f"ABC-SMC (pyabc {cal.manifest['versions'].get('pyabc', '?')}): population {cal.population}, "
        f"{len(gens)} generations (generation 0 is the prior), seed {cal.seed}; every parameter set runs "
        f"{spec.replications} seeds ({spec.seeds()[0]} to {spec.seeds()[-1]}, common to all parameter sets); "
        f"{sum(g.evaluations for g in gens)} parameter sets run, "
        f"{sum(g.evaluations for g in gens) * spec.replications} model runs; proposals from a "
        f"{'local normal kernel per particle' if spec.transition == 'local' else 'multivariate normal kernel'}"
        f"{f', {spec.kernel_scale:g} times its bandwidth rule' if spec.kernel_scale != 1 else ''}.",
        f"Distance: root mean square of the misses |statistic - record| / tolerance; final epsilon "
        f"{_fmt(last.epsilon)}. Intervals are {LEVEL:.0%} (weighted 5% to 95% quantiles over the particles). "
        f"The prior predictive is generation 0 (parameter sets drawn from the prior), the posterior "
        f"predictive the last generation, both with the calibration's seeds.",
    ] + ([f"**Warning**: {warning}."] if warning else [])


def write_report(cal: Calibration) -> str | None:
    """posterior.parquet, plots/, report.md, report.html; returns the warning about the posterior's weights that
    the report gives (:func:`weight_warning`), or None."""
    out = cal.out
    gens = read_generations(cal)
    if not gens:
        raise RuntimeError("no generation in the history")
    write_posterior(cal, gens, out / POSTERIOR)
    tmp_plots = out / f".{PLOTS}.tmp-{os.getpid()}"
    shutil.rmtree(tmp_plots, ignore_errors=True)
    tmp_plots.mkdir()
    _marginals(cal, gens, tmp_plots / "marginals.png")
    _pairs(cal, gens, tmp_plots / "pairs.png")
    _epsilons(gens, tmp_plots / "epsilon.png")
    old = out / f".{PLOTS}.old-{os.getpid()}"
    if (out / PLOTS).exists():
        os.replace(out / PLOTS, old)
    os.replace(tmp_plots, out / PLOTS)
    shutil.rmtree(old, ignore_errors=True)

    prow, trow, erow = parameter_rows(cal, gens), pattern_rows(cal, gens), epsilon_rows(cal, gens)
    warning = weight_warning(cal.population, gens[-1].weights)
    intro = _intro(cal, gens, warning)
    md = ["# Calibration against the record (ABC-SMC)", "", *intro, "",
          "## Parameters: prior and posterior", "",
          "The width ratio is the posterior's 90% interval over the prior's (below 1: the record narrowed it).", "",
          _md_table(PARAM_HEAD, prow), "", f"![marginals]({PLOTS}/marginals.png)", "",
          f"![pair plot]({PLOTS}/pairs.png)", "",
          "## The patterns: record, prior predictive, posterior predictive", "", _md_table(PATTERN_HEAD, trow), "",
          "## Epsilon schedule", "", _md_table(EPS_HEAD, erow), "", f"![epsilon]({PLOTS}/epsilon.png)", ""]
    _write_text(out / "report.md", "\n".join(md))

    def img(name: str, alt: str) -> str:
        data = base64.b64encode((out / PLOTS / name).read_bytes()).decode("ascii")
        return f'<img alt="{alt}" src="data:image/png;base64,{data}">'

    page = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Calibration against the record</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}"
        "th{background:#f4f4f4}img{max-width:100%}</style></head><body>",
        "<h1>Calibration against the record (ABC-SMC)</h1>",
        *(f"<p>{html.escape(p.replace('`', ''))}</p>" for p in intro),
        "<h2>Parameters: prior and posterior</h2>",
        "<p>The width ratio is the posterior's 90% interval over the prior's (below 1: the record narrowed it).</p>",
        _html_table(PARAM_HEAD, prow), img("marginals.png", "marginals"), img("pairs.png", "pair plot"),
        "<h2>The patterns: record, prior predictive, posterior predictive</h2>", _html_table(PATTERN_HEAD, trow),
        "<h2>Epsilon schedule</h2>", _html_table(EPS_HEAD, erow), img("epsilon.png", "epsilon"),
        "</body></html>", ""]
    _write_text(out / "report.html", "\n".join(page))
    return warning


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
