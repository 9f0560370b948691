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
    base = loaded[0]
    md = [f"# Comparison: {' vs '.join(names)}", ""]
    md.append(f"Baseline **{names[0]}** against " + ", ".join(f"**{n}**" for n in names[1:]) +
              f"; {runs} runs each with common seeds (run k of every scenario uses seed {all_results[names[0]][0].seed}+k), "
              f"up to {horizon}. Differences are paired by seed; intervals are 95% bootstrap (differences) and "
              f"Wilson (probabilities).")
    md.append("")
    for ls, n in zip(loaded, names):
        md.append(f"- **{n}** (`{ls.path}`, sha256 `{ls.sha256[:12]}`): {ls.scenario.question.strip()}")
    if warnings:
        md += ["", "**Warnings**", ""] + [f"- {w}" for w in warnings]
    md += ["", "## Headline", "", "```", headline, "```", ""]
    if camp:
        md.append("## When do the scenarios part?")
        md.append("")
        for n, week in divergence.items():
            if week is None:
                md.append(f"- {n}: {camp} territory share never differs significantly from the baseline "
                          f"(95% paired bootstrap).")
            else:
                md.append(f"- {n}: {camp} territory share first differs significantly from the baseline at "
                          f"week {week}.")
        md.append("")
    md += ["## Territory over time", "", "![territory](plots/territory_over_time.png)", "",
           "## Control at the end", "", "![maps](plots/control_maps.png)", "",
           "## Outcome distributions", "", "![outcomes](plots/outcome_distributions.png)", "",
           "## All outcomes", "", "| outcome | scenario | mean | 10% | 90% | diff to baseline (95% CI) |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        name, kind, s, n, mean, med, p10, p90, lo, hi, d, dlo, dhi = r
        diff = "" if s == names[0] else f"{d:+.3g} ({dlo:+.3g} to {dhi:+.3g})"
        md.append(f"| {name} | {s} | {mean:.3g} | {p10:.3g} | {p90:.3g} | {diff} |")
    md += ["", f"Each scenario's own tables, plots and manifest are in its folder ({', '.join(names)}/).", ""]
    appendix = _sources_appendix(loaded)
    md += appendix
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")

    # HTML: the same content, images embedded
    def img(p: Path) -> str:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        return f'<img style="max-width:100%" alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}">'

    body = [f"<h1>Comparison: {html.escape(' vs '.join(names))}</h1>", f"<p>{html.escape(md[2])}</p>", "<ul>"]
    for ls, n in zip(loaded, names):
        body.append(f"<li><b>{html.escape(n)}</b> (<code>{html.escape(ls.path)}</code>): "
                    f"{html.escape(ls.scenario.question.strip())}</li>")
    body.append("</ul>")
    if warnings:
        body.append("<p><b>Warnings</b></p><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in warnings) + "</ul>")
    body.append(f"<h2>Headline</h2><pre>{html.escape(headline)}</pre>")
    if camp:
        body.append("<h2>When do the scenarios part?</h2><ul>")
        for n, week in divergence.items():
            txt = ("never differs significantly" if week is None else f"first differs significantly at week {week}")
            body.append(f"<li>{html.escape(n)}: {html.escape(camp)} territory share {txt}</li>")
        body.append("</ul>")
    body += ["<h2>Territory over time</h2>", img(figs["territory"]), "<h2>Control at the end</h2>", img(figs["maps"]),
             "<h2>Outcome distributions</h2>", img(figs["outcomes"]), "<h2>All outcomes</h2>",
             "<table><tr><th>outcome</th><th>scenario</th><th>mean</th><th>10%</th><th>90%</th>"
             "<th>diff to baseline (95% CI)</th></tr>"]
    for r in rows:
        name, kind, s, n, mean, med, p10, p90, lo, hi, d, dlo, dhi = r
        diff = "" if s == names[0] else f"{d:+.3g} ({dlo:+.3g} to {dhi:+.3g})"
        body.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(s)}</td><td>{mean:.3g}</td>"
                    f"<td>{p10:.3g}</td><td>{p90:.3g}</td><td>{diff}</td></tr>")
    body.append("</table>")
    if appendix:
        body.append("<h2>Appendix: what the scenarios rest on</h2>")
        body.append("<details><summary>sources, counts and the register of assumptions</summary><pre>"
                    + html.escape("\n".join(appendix[2:])) + "</pre></details>")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>libya-sim comparison</title>"
            "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
            "pre{background:#f6f6f6;padding:8px;overflow-x:auto}</style></head><body>"
            + "\n".join(body) + "</body></html>")
    (folder / "report.html").write_text(page, encoding="utf-8")
