"""The comparison report: report.md and a self-contained report.html (images embedded)."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .plots import draw_control_map, final_control, save, share_bands_from_results  # noqa: E402

LINESTYLES = ("-", "--", ":", "-.")


def _territory_plot(path: Path, loaded, names, all_results) -> None:
    base = loaded[0].scenario
    camps = base.headline_camps or [c for c, s in base.camps.items() if s.armed][:2]
    fig, axes = plt.subplots(1, len(camps), figsize=(6 * len(camps), 4.2), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, camp in zip(axes[0], camps):
        for i, n in enumerate(names):
            bands = share_bands_from_results(all_results[n], [camp])
            xs, med, lo, hi = bands[camp]
            col = cmap(i % 10)
            ax.fill_between(xs, lo, hi, color=col, alpha=0.15, linewidth=0)
            ax.plot(xs, med, color=col, linestyle=LINESTYLES[i % 4], linewidth=2, label=n)
        ax.set_title(f"{camp}: share of key places (median, 10-90% band)", fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        for lbl in ax.get_xticklabels():
            lbl.set_rotation(30)
            lbl.set_horizontalalignment("right")
    save(fig, path)


def _maps_plot(path: Path, loaded, names, all_results) -> None:
    fig, axes = plt.subplots(1, len(names), figsize=(6.5 * len(names), 5.5), squeeze=False)
    for ax, ls, n in zip(axes[0], loaded, names):
        end = all_results[n][0].recorder.camps[-1][1]
        draw_control_map(ax, ls.scenario, final_control(all_results[n]), f"{n}: control at {end}")
    save(fig, path)


def _outcomes_plot(path: Path, names, metrics) -> None:
    values = [m for m in metrics if m.kind == "value" and not m.name.endswith("ceasefire_week")][:6]
    probs = [m for m in metrics if m.kind == "probability"]
    ncols = 3
    nrows = math.ceil(len(values) / ncols) + 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.4 * nrows), squeeze=False)
    for ax, m in zip(axes.flat, values):
        data = [m.values[n][~np.isnan(m.values[n])] for n in names]
        ax.boxplot(data, tick_labels=names, showmeans=True)
        ax.set_title(m.label, fontsize=9)
        ax.tick_params(axis="x", labelrotation=15, labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(values):]:
        ax.set_axis_off()
    ax = fig.add_subplot(nrows, 1, nrows)
    width = 0.8 / len(names)
    cmap = plt.get_cmap("tab10")
    for i, n in enumerate(names):
        ps = [float(np.nanmean(m.values[n])) for m in probs]
        ax.bar(np.arange(len(probs)) + i * width, ps, width, label=n, color=cmap(i % 10))
    ax.set_xticks(np.arange(len(probs)) + width * (len(names) - 1) / 2)
    ax.set_xticklabels([m.label.replace("P(", "").rstrip(")") for m in probs], rotation=20, ha="right", fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    save(fig, path)


def _sources_appendix(loaded) -> list[str]:
    """The report's appendix: for each scenario, its sources with counts and its register of assumptions."""
    from .errors import InputError
    from .sources import appendix_markdown, load_bibliography

    try:
        bib = load_bibliography()
    except InputError:
        return []
    out = ["## Appendix: what the scenarios rest on", "",
           "(`libya-sim sources SCENARIO` prints the full list of sources.)", ""]
    for ls in loaded:
        out += appendix_markdown(ls.scenario, bib)
    return out


def write_report(folder: Path, loaded, names, all_results, rows, metrics, divergence, camp, horizon, warnings,
                 headline: str) -> None:
    """report.md and a self-contained report.html (same content, images embedded), with the plots."""
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    figs = {
        "territory": plots / "territory_over_time.png",
        "maps": plots / "control_maps.png",
        "outcomes": plots / "outcome_distributions.png",
    }
    _territory_plot(figs["territory"], loaded, names, all_results)
    _maps_plot(figs["maps"], loaded, names, all_results)
    _outcomes_plot(figs["outcomes"], names, metrics)
    runs = len(all_results[names[0]])
    intro = (f"Baseline **{names[0]}** against " + ", ".join(f"**{n}**" for n in names[1:]) +
             f"; {runs} runs each with common seeds (run k of every scenario uses seed "
             f"{all_results[names[0]][0].seed}+k), up to {horizon}. Differences are paired by seed; intervals are "
             f"95% bootstrap (differences) and Wilson (probabilities).")
    appendix = _sources_appendix(loaded)
    md = _markdown(intro, loaded, names, rows, divergence, camp, warnings, headline, appendix)
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")
    page = _html(intro, loaded, names, rows, divergence, camp, warnings, headline, appendix, figs)
    (folder / "report.html").write_text(page, encoding="utf-8")


def _diff_text(r, baseline: str) -> str:
    if r.scenario == baseline:
        return ""
    return f"{r.diff_to_baseline:+.3g} ({r.diff_ci_low:+.3g} to {r.diff_ci_high:+.3g})"


def _parting(n: str, week, camp: str) -> str:
    if week is None:
        return f"{camp} territory share never differs significantly from the baseline (95% paired bootstrap)."
    return f"{camp} territory share first differs significantly from the baseline at week {week}."


def _markdown(intro, loaded, names, rows, divergence, camp, warnings, headline, appendix) -> list[str]:
    md = [f"# Comparison: {' vs '.join(names)}", "", intro, ""]
    for ls, n in zip(loaded, names):
        md.append(f"- **{n}** (`{ls.path}`, sha256 `{ls.sha256[:12]}`): {ls.scenario.question.strip()}")
    if warnings:
        md += ["", "**Warnings**", ""] + [f"- {w}" for w in warnings]
    md += ["", "## Headline", "", "```", headline, "```", ""]
    if camp:
        md += ["## When do the scenarios part?", ""]
        md += [f"- {n}: {_parting(n, week, camp)}" for n, week in divergence.items()]
        md.append("")
    md += ["## Territory over time", "", "![territory](plots/territory_over_time.png)", "",
           "## Control at the end", "", "![maps](plots/control_maps.png)", "",
           "## Outcome distributions", "", "![outcomes](plots/outcome_distributions.png)", "",
           "## All outcomes", "", "| outcome | scenario | mean | 10% | 90% | diff to baseline (95% CI) |",
           "|---|---|---|---|---|---|"]
    md += [f"| {r.metric} | {r.scenario} | {r.mean:.3g} | {r.p10:.3g} | {r.p90:.3g} | {_diff_text(r, names[0])} |"
           for r in rows]
    md += ["", f"Each scenario's own tables, plots and manifest are in its folder ({', '.join(names)}/).", ""]
    return md + appendix


def _html(intro, loaded, names, rows, divergence, camp, warnings, headline, appendix, figs) -> str:
    def img(p: Path) -> str:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        return f'<img style="max-width:100%" alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}">'

    body = [f"<h1>Comparison: {html.escape(' vs '.join(names))}</h1>", f"<p>{html.escape(intro)}</p>", "<ul>"]
    for ls, n in zip(loaded, names):
        body.append(f"<li><b>{html.escape(n)}</b> (<code>{html.escape(ls.path)}</code>): "
                    f"{html.escape(ls.scenario.question.strip())}</li>")
    body.append("</ul>")
    if warnings:
        body.append("<p><b>Warnings</b></p><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in warnings) + "</ul>")
    body.append(f"<h2>Headline</h2><pre>{html.escape(headline)}</pre>")
    if camp:
        body.append("<h2>When do the scenarios part?</h2><ul>")
        body += [f"<li>{html.escape(n)}: {html.escape(_parting(n, week, camp))}</li>" for n, week in divergence.items()]
        body.append("</ul>")
    body += ["<h2>Territory over time</h2>", img(figs["territory"]), "<h2>Control at the end</h2>", img(figs["maps"]),
             "<h2>Outcome distributions</h2>", img(figs["outcomes"]), "<h2>All outcomes</h2>",
             "<table><tr><th>outcome</th><th>scenario</th><th>mean</th><th>10%</th><th>90%</th>"
             "<th>diff to baseline (95% CI)</th></tr>"]
    body += [f"<tr><td>{html.escape(r.metric)}</td><td>{html.escape(r.scenario)}</td><td>{r.mean:.3g}</td>"
             f"<td>{r.p10:.3g}</td><td>{r.p90:.3g}</td><td>{_diff_text(r, names[0])}</td></tr>" for r in rows]
    body.append("</table>")
    if appendix:
        body.append("<h2>Appendix: what the scenarios rest on</h2>")
        body.append("<details><summary>sources, counts and the register of assumptions</summary><pre>"
                    + html.escape("\n".join(appendix[2:])) + "</pre></details>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>libya-sim comparison</title>"
            "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
            "pre{background:#f6f6f6;padding:8px;overflow-x:auto}</style></head><body>"
            + "\n".join(body) + "</body></html>")
