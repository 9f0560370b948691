"""The comparison report: report.md and a self-contained report.html (images embedded)."""

from __future__ import annotations

import base64
import html
import math
import re
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
    if not camps:  # nobody fights: say so rather than draw empty axes
        fig, ax = plt.subplots(figsize=(6, 2.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"{names[0]} has no armed camp: no territory curves", ha="center", va="center")
        save(fig, path)
        return
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


def outcome_metrics_plotted(metrics, camps: list[str]) -> list:
    """The value outcomes the report plots (at most six): the headline camps' territory shares, the first
    camp's oil and population shares, casualties and weeks of fighting; others fill any free panel."""
    c = [x.lower() for x in camps]
    wanted = [f"{x}_territory_share" for x in c[:2]] + [f"{x}_{k}_share" for x in c[:1] for k in ("oil", "population")]
    wanted += ["casualties", "weeks_of_fighting"]
    values = {m.name: m for m in metrics if m.kind == "value" and not m.name.endswith("ceasefire_week")}
    chosen = [values[w] for w in wanted if w in values]
    chosen += [m for m in values.values() if m not in chosen]
    must = [m for m in chosen if m.name in ("casualties", "weeks_of_fighting")]
    out = [m for m in chosen if m not in must][: 6 - len(must)] + must
    return sorted(out, key=chosen.index)


def _outcomes_plot(path: Path, names, metrics, camps: list[str]) -> None:
    from .compare import wilson_interval

    values = outcome_metrics_plotted(metrics, camps)
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
        ps, lows, highs = [], [], []
        for m in probs:
            v = m.values[n][~np.isnan(m.values[n])]
            p = float(v.mean()) if len(v) else math.nan
            lo, hi = wilson_interval(int(v.sum()), len(v))
            ps.append(p)
            lows.append(max(p - lo, 0.0) if len(v) else 0.0)
            highs.append(max(hi - p, 0.0) if len(v) else 0.0)
        ax.bar(np.arange(len(probs)) + i * width, ps, width, label=n, color=cmap(i % 10),
               yerr=[lows, highs], capsize=3, error_kw={"elinewidth": 1, "ecolor": "#333333"})
    ax.set_xticks(np.arange(len(probs)) + width * (len(names) - 1) / 2)
    ax.set_xticklabels([m.label.replace("P(", "").rstrip(")") for m in probs], rotation=20, ha="right", fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability (whiskers: 95% Wilson interval)")
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
    _outcomes_plot(figs["outcomes"], names, metrics, loaded[0].scenario.headline_camps)
    runs = len(all_results[names[0]])
    intro = (f"Baseline **{names[0]}** against " + ", ".join(f"**{n}**" for n in names[1:]) +
             f"; {runs} runs each with common seeds (run k of every scenario uses seed "
             f"{all_results[names[0]][0].seed}+k), up to {horizon}. Differences are paired by seed; intervals are "
             f"95% bootstrap (differences) and Wilson (probabilities).")
    appendix = _sources_appendix(loaded)
    md = _markdown(intro, loaded, names, rows, divergence, camp, warnings, headline, appendix)
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")
    page = _html(md, folder)
    (folder / "report.html").write_text(page, encoding="utf-8")


def _diff_text(r, baseline: str) -> str:
    if r.scenario == baseline:
        return ""
    return f"{r.diff_to_baseline:+.3g} ({r.diff_ci_low:+.3g} to {r.diff_ci_high:+.3g})"


def _num(v: float) -> str:
    """A number for people: 3 significant digits, whole numbers with thousands separators (3,840, not 3.84e+03)."""
    if v != v:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _wilson_text(r) -> str:
    if r.kind != "probability" or r.ci_low != r.ci_low:
        return ""
    return f"{r.ci_low:.2f} to {r.ci_high:.2f}"


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
           "## All outcomes", "",
           "Probabilities (`p_...`) are shares of runs, with their 95% Wilson interval; the difference to the "
           "baseline is the mean of the differences paired by seed, with its 95% bootstrap interval.", "",
           "| outcome | scenario | mean | median | 10% | 90% | 95% interval (Wilson) | diff to baseline (95% CI) |",
           "|---|---|---|---|---|---|---|---|"]
    md += [f"| {r.metric} | {r.scenario} | {_num(r.mean)} | {_num(r.median)} | {_num(r.p10)} | {_num(r.p90)} | "
           f"{_wilson_text(r)} | {_diff_text(r, names[0])} |" for r in rows]
    md += ["", f"Each scenario's own tables, plots and manifest are in its folder ({', '.join(names)}/).", ""]
    return md + appendix


def _html(md: list[str], folder: Path) -> str:
    """report.html: the markdown of report.md rendered (headings, lists, tables, code, bold), images embedded."""
    cut = next((k for k, line in enumerate(md) if line.startswith("## Appendix")), len(md))
    body = markdown_html(md[:cut], lambda rel: _embedded_image(folder / rel))
    if cut < len(md):  # the long register of assumptions, folded
        body += [f"<h2>{_inline(md[cut][3:])}</h2>",
                 "<details><summary>sources, counts and the register of assumptions</summary>"]
        body += markdown_html(md[cut + 1:], lambda rel: "") + ["</details>"]
    return ("<!doctype html><html><head><meta charset='utf-8'><title>libya-sim comparison</title>"
            "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
            "pre{background:#f6f6f6;padding:8px;overflow-x:auto}code{background:#f6f6f6}</style></head><body>"
            + "\n".join(body) + "</body></html>")


def _embedded_image(p: Path) -> str:
    data = base64.b64encode(p.read_bytes()).decode("ascii")
    return f'<img style="max-width:100%" alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}">'


def _inline(text: str) -> str:
    """Inline markdown: `code` and **bold**, everything else escaped."""
    out = []
    for k, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if k % 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(part)))
    return "".join(out)


def markdown_html(md: list[str], image) -> list[str]:
    """The little markdown the report writes, as HTML: # headings, - lists, | tables |, ``` blocks, ![](images),
    paragraphs. ``image(path)`` gives the HTML of an image."""
    out: list[str] = []
    i = 0
    while i < len(md):
        line = md[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(md) and not md[j].startswith("```"):
                j += 1
            out.append("<pre>" + html.escape("\n".join(md[i + 1:j])) + "</pre>")
            i = j + 1
            continue
        heading = re.match(r"^(#{1,4}) (.*)", line)
        picture = re.match(r"^!\[[^\]]*\]\(([^)]+)\)$", line)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif picture:
            out.append(image(picture.group(1)))
        elif line.startswith("- "):
            items = []
            while i < len(md) and md[i].startswith("- "):
                items.append(f"<li>{_inline(md[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        elif line.startswith("|"):
            rows = []
            while i < len(md) and md[i].startswith("|"):
                rows.append([c.strip() for c in md[i].strip().strip("|").split("|")])
                i += 1
            head, body = rows[0], [r for r in rows[1:] if not all(set(c) <= set("-:") for c in r)]
            out.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
                       + "</table>")
            continue
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
        i += 1
    return out
