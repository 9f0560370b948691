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
from matplotlib.patches import Patch  # noqa: E402

from .plots import draw_control_map, final_control, save, share_bands_from_results  # noqa: E402

LINESTYLES = ("-", "--", ":", "-.")
SCENARIO_COLOURS = plt.get_cmap("tab10")  # scenario i of a comparison
MEAN = dict(marker="^", markerfacecolor="white", markeredgecolor="#222222", markersize=6)


SHARES = ("territory", "population", "oil")


def plotted_camps(loaded, camps: list[str]) -> list[str]:
    """The camps whose territory the report follows: the headline camps every scenario names, else the armed
    camps every scenario has."""
    if camps:
        return camps
    armed = [[c for c, spec in ls.scenario.camps.items() if spec.armed] for ls in loaded]
    return [c for c in armed[0] if all(c in a for a in armed[1:])]


def _territory_plot(path: Path, loaded, names, all_results, camps: list[str]) -> None:
    if not camps:  # nobody fights: say so rather than draw empty axes
        fig, ax = plt.subplots(figsize=(6, 2.5))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no armed camp that every scenario has: no territory curves", ha="center", va="center")
        save(fig, path)
        return
    ncols = min(2, len(camps))
    nrows = math.ceil(len(camps) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, 4.2 * nrows), squeeze=False)
    for ax, camp in zip(axes.flat, camps):
        for i, n in enumerate(names):
            xs, med, lo, hi = share_bands_from_results(all_results[n], [camp])[camp]
            col = SCENARIO_COLOURS(i % 10)
            ax.fill_between(xs, lo, hi, color=col, alpha=0.15, linewidth=0)
            ax.plot(xs, med, color=col, linestyle=LINESTYLES[i % 4], linewidth=2, label=n)
        ax.set_title(f"{camp}: share of key places (median, 10-90% band)", fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        for lbl in ax.get_xticklabels():
            lbl.set_rotation(30)
            lbl.set_horizontalalignment("right")
    for ax in list(axes.flat)[len(camps):]:
        ax.set_axis_off()
    fig.tight_layout()
    save(fig, path)


def _maps_plot(path: Path, loaded, names, all_results) -> None:
    fig, axes = plt.subplots(1, len(names), figsize=(6.5 * len(names), 5.5), squeeze=False)
    for ax, ls, n in zip(axes[0], loaded, names):
        end = all_results[n][0].recorder.camps[-1][1]
        draw_control_map(ax, ls.scenario, final_control(all_results[n]), f"{n}: control at {end}")
    save(fig, path)


def outcome_panels(metrics, camps: list[str]) -> list[tuple[str, list[tuple[str, object]]]]:
    """The panels of the outcome distributions: (title, [(label, metric)]), one per share (territory,
    population, oil) with every headline camp in it, labelled by camp, then casualties, weeks of fighting and
    any other value outcome, unlabelled."""
    values = {m.name: m for m in metrics if m.kind == "value" and not m.name.endswith("ceasefire_week")}
    panels = []
    for kind in SHARES:
        group = [(c, values.pop(f"{c.lower()}_{kind}_share")) for c in camps if f"{c.lower()}_{kind}_share" in values]
        if group:
            panels.append((f"{kind} share at the end", group))
    for name in ("casualties", "weeks_of_fighting"):
        if name in values:
            panels.append((values[name].label, [("", values.pop(name))]))
    return panels + [(m.label, [("", m)]) for m in values.values()]


def _outcomes_plot(path: Path, names, metrics, camps: list[str]) -> None:
    panels = outcome_panels(metrics, camps)
    ncols = min(3, max(1, len(panels)))
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
    for ax, (title, group) in zip(axes.flat, panels):
        _grouped_boxes(ax, names, group)
        ax.set_title(title, fontsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    handles = [Patch(facecolor=(*SCENARIO_COLOURS(i % 10)[:3], 0.45), edgecolor=SCENARIO_COLOURS(i % 10), label=n)
               for i, n in enumerate(names)]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=min(4, len(names)), fontsize=8,
               frameon=False)
    fig.tight_layout()
    save(fig, path)


def _grouped_boxes(ax, names, group: list[tuple[str, object]]) -> None:
    """For each (label, metric) of ``group``, one box per scenario (in its colour, mean marked), side by side
    above its label."""
    span = len(names) + 1
    for k, (_, m) in enumerate(group):
        data = [m.values[n][~np.isnan(m.values[n])] for n in names]
        boxes = ax.boxplot(data, positions=[k * span + i for i in range(len(names))], widths=0.75,
                           patch_artist=True, showmeans=True, manage_ticks=False, meanprops=MEAN)
        for i, (box, median) in enumerate(zip(boxes["boxes"], boxes["medians"])):
            colour = SCENARIO_COLOURS(i % 10)
            box.set(facecolor=(*colour[:3], 0.45), edgecolor=colour, linewidth=1.5)
            median.set(color=colour, linewidth=2.5)  # a box of one value is its median alone: still in its colour
    ax.set_xticks([k * span + (len(names) - 1) / 2 for k in range(len(group))], [label for label, _ in group],
                  fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    if all(not np.nan_to_num(m.values[n]).any() for _, m in group for n in names):
        ax.text(0.5, 0.9, "0 in every run", transform=ax.transAxes, ha="center", va="center", color="#666666")


def _probabilities_plot(path: Path, names, metrics) -> None:
    """A heatmap of the chances: a row per outcome, a column per scenario; each cell gives the share of runs
    and its 95% Wilson interval."""
    from .compare import wilson_interval

    probs = [m for m in metrics if m.kind == "probability"]
    fig, ax = plt.subplots(figsize=(2.4 + 1.9 * len(names), 0.9 + 0.3 * max(1, len(probs))))
    grid = np.full((max(1, len(probs)), len(names)), np.nan)
    for r, m in enumerate(probs):
        for c, n in enumerate(names):
            v = m.values[n][~np.isnan(m.values[n])]
            if not len(v):
                continue
            grid[r, c] = p = float(v.mean())
            lo, hi = wilson_interval(int(v.sum()), len(v))
            ax.text(c, r, f"{100 * p:.0f}%  ({100 * lo:.0f}-{100 * hi:.0f})", ha="center", va="center", fontsize=7.5,
                    color="white" if p > 0.6 else "#222222")
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(probs)), [m.label.removeprefix("P(").removesuffix(")").removesuffix(" at the end")
                                      for m in probs], fontsize=8)
    ax.set_xticks(np.arange(len(names)) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(probs)) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    ax.set_title("chance at the end, share of runs (95% Wilson interval)", fontsize=9)
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


def write_report(folder: Path, loaded, names, all_results, rows, metrics, divergence, shared, horizon, warnings,
                 headline: str) -> None:
    """report.md and a self-contained report.html (same content, images embedded), with the plots.
    ``shared`` (:class:`sim.compare.Shared`) names the headline camps and places every scenario has, and what
    is left out."""
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    camps = plotted_camps(loaded, shared.camps)
    _territory_plot(plots / "territory_over_time.png", loaded, names, all_results, camps)
    _maps_plot(plots / "control_maps.png", loaded, names, all_results)
    _outcomes_plot(plots / "outcome_distributions.png", names, metrics, shared.camps)
    _probabilities_plot(plots / "outcome_probabilities.png", names, metrics)
    runs = len(all_results[names[0]])
    intro = (f"Baseline **{names[0]}** against " + ", ".join(f"**{n}**" for n in names[1:]) +
             f"; {runs} runs each with common seeds (run k of every scenario uses seed "
             f"{all_results[names[0]][0].seed}+k), up to {horizon}. Differences are paired by seed; intervals are "
             f"95% bootstrap (differences) and Wilson (probabilities).")
    appendix = _sources_appendix(loaded)
    md = _markdown(intro, loaded, names, rows, divergence, warnings + not_compared(shared), headline, appendix)
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")
    page = _html(md, folder)
    (folder / "report.html").write_text(page, encoding="utf-8")


def not_compared(shared) -> list[str]:
    """The report's line for each outcome some scenario does not have."""
    return [f"not compared: {line}" for line in shared.omitted]


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


def _markdown(intro, loaded, names, rows, divergence, warnings, headline, appendix) -> list[str]:
    """report.md; ``divergence`` gives, for each headline camp, the week its territory share first parts from the
    baseline's in each scenario."""
    md = [f"# Comparison: {' vs '.join(names)}", "", intro, ""]
    for ls, n in zip(loaded, names):
        md.append(f"- **{n}** (`{ls.path}`, sha256 `{ls.sha256[:12]}`): {ls.scenario.question.strip()}")
    if warnings:
        md += ["", "**Warnings**", ""] + [f"- {w}" for w in warnings]
    md += ["", "## Headline", "", "```", headline, "```", ""]
    if divergence:
        md += ["## When do the scenarios part?", ""]
        md += [f"- {n}: {_parting(n, week, camp)}" for camp, weeks in divergence.items() for n, week in weeks.items()]
        md.append("")
    md += ["## Territory over time", "", "![territory](plots/territory_over_time.png)", "",
           "## Control at the end", "", "![maps](plots/control_maps.png)", "",
           "## Outcome distributions", "", "![outcomes](plots/outcome_distributions.png)", "",
           "## Chances of the outcomes", "", "![chances](plots/outcome_probabilities.png)", "",
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
