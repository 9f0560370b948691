"""Plots of recorded runs: territory over time, the map of control, the support network.

Each function draws on a matplotlib Axes from plain tables, so that `run`,
`compare` and the viewer share them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import textwrap
from collections import Counter, defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from .palette import CHANNEL_COLORS  # noqa: E402
from .schema import Scenario  # noqa: E402

OUTLINES = Path(__file__).resolve().parent / "data" / "outlines"  # one file per region (tools/make_outline.py)
SEA, LAND, COAST, BORDER = "#dcebf5", "#f4f1e8", "#6b8aa6", "#9a8f80"


@functools.cache
def outlines() -> tuple[dict, ...]:
    """Every region's outline (land polygons, country borders, box; see tools/make_outline.py), from the
    smallest box to the largest; a file that cannot be read is left out."""
    out = []
    for f in sorted(OUTLINES.glob("*.json")):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out.append(data)
    return tuple(sorted(out, key=lambda d: (d["box"][2] - d["box"][0]) * (d["box"][3] - d["box"][1])))


def outline(lons, lats) -> dict | None:
    """The outline of the smallest region whose box holds every place, or None if no region does."""
    if not len(lons):
        return None
    for data in outlines():
        x0, y0, x1, y1 = data["box"]
        if x0 <= min(lons) and max(lons) <= x1 and y0 <= min(lats) and max(lats) <= y1:
            return data
    return None


def draw_outline(ax, lons, lats) -> bool:
    """Sea, land with its coastline, and country borders beneath a map whose places are at ``lons``,
    ``lats``, from the smallest outline that holds them all (a scenario elsewhere gets none).
    Does not change the axes' limits. Returns whether it drew."""
    data = outline(lons, lats)
    if data is None:
        return False
    ax.set_facecolor(SEA)
    ax.add_collection(PolyCollection(data["land"], facecolors=LAND, edgecolors=COAST, linewidths=0.9, zorder=0.1,
                                     gid="coastline"), autolim=False)
    ax.add_collection(LineCollection(data["borders"], colors=BORDER, linewidths=0.8, linestyles=(0, (5, 2)),
                                     zorder=0.2, gid="borders"), autolim=False)
    return True


# offsets (points) tried in turn for a label: beside the marker first, then further out with a leader line
_NEAR = [(5, 4), (5, -10), (-5, 4), (-5, -10), (7, -3), (-7, -3), (0, 8), (0, -14)]
_FAR = [(dx * k, dy * k) for k in (2.2, 3.4, 4.6) for dx, dy in
        [(10, 8), (10, -8), (-10, 8), (-10, -8), (14, 0), (-14, 0), (0, 12), (0, -12)]]


def place_labels(ax, labels: list[tuple[str, float, float, dict]], avoid_points: list[tuple[float, float]] = ()
                 ) -> list:
    """Put labels (text, x, y, text properties) in order of importance where they overlap no label
    placed before and no marker: beside the point if there is room, else further out with a leader line,
    else not at all. Returns the texts placed."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    placed_boxes = []
    pad = 1.5
    markers = [ax.transData.transform(p) for p in avoid_points]
    frame = ax.get_window_extent(renderer)
    texts = []
    for text, x, y, props in labels:
        px, py = ax.transData.transform((x, y))
        done = False
        for k, (dx, dy) in enumerate(_NEAR + _FAR):
            far = k >= len(_NEAR)
            ha = "left" if dx > 0 else ("right" if dx < 0 else "center")
            va = "bottom" if dy > 0 else ("top" if dy < -5 else "center")
            t = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, zorder=6,
                            arrowprops=dict(arrowstyle="-", color="#555555", lw=0.6, shrinkA=0, shrinkB=3)
                            if far else None, **props)
            bb = t.get_window_extent(renderer).expanded(1.0, 1.0)
            bb = bb.from_extents(bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
            inside = frame.x0 <= bb.x0 and bb.x1 <= frame.x1 and frame.y0 <= bb.y0 and bb.y1 <= frame.y1
            clear = inside and not any(bb.overlaps(o) for o in placed_boxes) and \
                not any(bb.contains(mx, my) for mx, my in markers if (mx, my) != (px, py))
            if clear:
                placed_boxes.append(bb)
                texts.append(t)
                done = True
                break
            t.remove()
        if not done:
            continue
    return texts


def camp_color(scenario: Scenario, camp: str) -> str:
    spec = scenario.camps.get(camp)
    return spec.color if spec else "#999999"


def draw_share_bands(ax, bands, colors: dict[str, str], label_suffix: str = "", linestyle: str = "-") -> None:
    for camp, (xs, med, lo, hi) in bands.items():
        col = colors[camp]
        ax.fill_between(xs, lo, hi, color=col, alpha=0.18, linewidth=0)
        ax.plot(xs, med, color=col, linestyle=linestyle, linewidth=2, label=f"{camp}{label_suffix}")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of key places")
    ax.grid(alpha=0.3)
    if bands:
        ax.legend(loc="best", fontsize=8)
    else:  # a scenario with no armed camp: say so instead of an empty legend (and matplotlib's warning)
        ax.text(0.5, 0.5, "no armed camp in this scenario", transform=ax.transAxes, ha="center", va="center",
                color="#666666")
    for lbl in ax.get_xticklabels():
        lbl.set_rotation(30)
        lbl.set_horizontalalignment("right")


def final_control(results) -> dict[str, Counter]:
    """place -> Counter(camp -> number of runs in which that camp held it at the end)."""
    control: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        rec = r.recorder
        last = rec.last_snapshot()
        for pid, fi in zip(rec.place_ids, last.controller):
            control[pid][last.factions[fi][0]] += 1
    return control


def final_camps(results) -> dict[str, str]:
    """actor -> the camp it was in at the end (most often, across runs): its colour on the network at the end."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        rec = r.recorder
        last = rec.last_snapshot()
        for aid, row in zip(rec.faction_ids + rec.other_ids, last.factions + last.others):
            counts[aid][row[0]] += 1
    return {aid: c.most_common(1)[0][0] for aid, c in counts.items()}


def share_bands_from_results(results, camps: list[str], column: str = "territory_share"):
    """{camp: (dates, median, p10, p90)} across runs, from the recorded camp series."""
    idx = {"territory_share": 3, "population_share": 4, "oil_share": 5, "fighters": 6, "casualties": 7}[column]
    out = {}
    first = results[0].recorder.camps
    dates = [dt.date.fromisoformat(row[1]) for row in first if row[2] == camps[0]] if camps else []
    for c in camps:
        arr = np.array([[row[idx] for row in r.recorder.camps if row[2] == c] for r in results], dtype=float)
        out[c] = (dates, np.median(arr, axis=0), np.percentile(arr, 10, axis=0), np.percentile(arr, 90, axis=0))
    return out


def draw_control_map(ax, scenario: Scenario, control: dict[str, Counter], title: str = "",
                     highlight: dict[str, str] | None = None) -> None:
    """Places at lon/lat, coloured by the camp holding them (most often, across runs), sized by population.

    ``control`` maps place -> Counter(camp -> runs). A place held by another camp in at
    least a tenth of the runs gets a ring in that camp's colour (thicker the more often)
    and a label with the majority's share.
    """
    places = scenario.territory.places
    lons = [p.lon for p in places.values()]
    lats = [p.lat for p in places.values()]
    has_outline = draw_outline(ax, lons, lats)
    for a, b in scenario.territory.roads:
        pa, pb = places[a], places[b]
        ax.plot([pa.lon, pb.lon], [pa.lat, pb.lat], color="#a9a29a" if has_outline else "#bbbbbb", linewidth=1,
                zorder=1)
    big = set(sorted(places, key=lambda p: -places[p].population)[:8]) | set(scenario.outcome_places)
    labels = []  # (priority, text, lon, lat, props)
    for pid, p in places.items():
        counts = control.get(pid) or Counter()
        total = sum(counts.values()) or 1
        ranked = counts.most_common()
        camp = ranked[0][0] if ranked else None
        size = 30 + 250 * math.sqrt(p.population / 1_000_000)
        color = camp_color(scenario, camp) if camp else "#ffffff"
        minority = ranked[1][1] / total if len(ranked) > 1 else 0.0
        contested = minority >= 0.1  # held by another camp in at least a tenth of the runs
        edge = camp_color(scenario, ranked[1][0]) if contested else "#333333"
        lw = 1.0 + 3.0 * minority if contested else 0.6
        marker = "s" if p.oil_bpd > 0 else "o"
        ax.scatter([p.lon], [p.lat], s=size, c=[color], edgecolors=[edge], linewidths=lw, marker=marker, zorder=3)
        label = p.name.split(" (")[0]
        if contested:
            label += f" {100 * ranked[0][1] / total:.0f}%"
        box = dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7)
        if pid in big or contested or (highlight and pid in highlight):
            rank = 0 if pid in scenario.outcome_places or (highlight and pid in highlight) else (1 if contested else 2)
            labels.append((rank, -p.population, label, p.lon, p.lat, dict(fontsize=7, bbox=box)))
        elif p.oil_bpd > 0:
            labels.append((3, -p.oil_bpd, label, p.lon, p.lat, dict(fontsize=6.5, style="italic", bbox=box)))
        if highlight and pid in highlight:
            ax.scatter([p.lon], [p.lat], s=size * 2.2, facecolors="none", edgecolors=["#000000"],
                       linewidths=1.5, marker="*" if highlight[pid] == "capture" else "o", zorder=5)
    camps = [c for c, spec in scenario.camps.items() if spec.armed] + [c for c, s in scenario.camps.items() if not s.armed]
    handles = [Line2D([0], [0], marker="o", color="w", markerfacecolor=camp_color(scenario, c), markersize=8,
                      label=textwrap.fill(scenario.camps[c].name, 60)) for c in camps]
    handles.append(Line2D([0], [0], marker="s", color="w", markerfacecolor="#cccccc", markersize=8, label="oil site"))
    if has_outline:
        handles.append(Line2D([0], [0], color=BORDER, lw=1, ls=(0, (5, 2)), label="border"))
    legend_below(ax, handles)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    # a degree of longitude is cos(latitude) of a degree of latitude
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians(sum(lats) / len(lats)))) if lats else "equal",
                  adjustable="datalim")
    ax.grid(alpha=0.2)
    if title:
        ax.set_title(title, fontsize=10)
    ax.figure.canvas.draw()  # final limits before the labels are fitted around the markers
    labels.sort(key=lambda item: item[:2])
    place_labels(ax, [(text, x, y, props) for _, _, text, x, y, props in labels], list(zip(lons, lats)))


def legend_below(ax, handles: list, gap: float = 34.0, ncols: int = 1):
    """The legend of a figure beneath its axes (``gap`` points below them, clear of the tick labels and the axis
    label), never over the places."""
    below = ax.transAxes + ScaledTranslation(0, -gap / 72.0, ax.figure.dpi_scale_trans)
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below,
                     ncols=ncols, fontsize=7, frameon=False)


def network_layout(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Fixed positions: one column per camp; factions in the column, patrons and organisations beside it."""
    camps = [c for c, s in scenario.camps.items() if s.armed] + [c for c, s in scenario.camps.items() if not s.armed]
    pos: dict[str, tuple[float, float]] = {}
    for ci, camp in enumerate(camps):
        x = ci * 1.2
        members = [a for a, s in scenario.actors.items() if s.camp == camp and s.faction is not None]
        backers = [a for a, s in scenario.actors.items() if s.camp == camp and s.faction is None]
        for k, a in enumerate(members):
            pos[a] = (x, (k - (len(members) - 1) / 2) * 0.4)
        side = -0.55 if ci == 0 else 0.55
        for k, a in enumerate(backers):
            pos[a] = (x + side + (0.12 if k % 2 else 0.0) * (1 if side > 0 else -1),
                      (k - (len(backers) - 1) / 2) * 0.4)
    return pos


def draw_support_network(ax, scenario: Scenario, levels: dict[tuple[str, str, str], float],
                         camps_now: dict[str, str] | None = None, title: str = "") -> None:
    """Actors as nodes (coloured by camp), ties as edges: width = level, colour = channel."""
    pos = network_layout(scenario)
    used = set()
    for (src, tgt, ch), lv in sorted(levels.items()):
        if lv <= 0.01:
            continue
        (x1, y1), (x2, y2) = pos[src], pos[tgt]
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                    arrowprops=dict(arrowstyle="-|>", color=CHANNEL_COLORS.get(ch, "#444444"),
                                    lw=0.6 + 3.0 * min(lv, 2.0), alpha=0.7, shrinkA=8, shrinkB=8,
                                    connectionstyle="arc3,rad=0.08"))
        used.add(ch)
    labels = []
    for a, (x, y) in pos.items():
        spec = scenario.actors[a]
        camp = (camps_now or {}).get(a, spec.camp)
        marker = "o" if spec.faction is not None else ("D" if spec.patron is not None else "^")
        ax.scatter([x], [y], s=160, c=[camp_color(scenario, camp)], marker=marker, edgecolors="#222222", zorder=3)
        labels.append((short_label(spec.name), x, y, dict(fontsize=6.5, bbox=dict(
            boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.75))))
    handles = [Line2D([0], [0], color=CHANNEL_COLORS[c], lw=2.5, label=c.replace("_", " ")) for c in CHANNEL_COLORS
               if c in used]
    if handles:
        legend_below(ax, handles, gap=4.0, ncols=4)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    ax.margins(0.12)
    ax.figure.canvas.draw()
    place_labels(ax, labels, list(pos.values()))


def short_label(name: str, limit: int = 30) -> str:
    """An actor's name for a label: without its parenthesis, cut at a word before ``limit`` characters."""
    name = name.split(" (")[0].strip()
    if len(name) <= limit:
        return name
    cut = name[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else name[:limit - 1]) + "…"


def save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def run_plots(folder: Path, scenario: Scenario, results) -> list[Path]:
    """The three plots of a run folder."""
    folder.mkdir(parents=True, exist_ok=True)
    armed = [c for c, s in scenario.camps.items() if s.armed]
    colors = {c: camp_color(scenario, c) for c in scenario.camps}
    out = []

    fig, ax = plt.subplots(figsize=(8, 4.2))
    draw_share_bands(ax, share_bands_from_results(results, armed), colors)
    ax.set_title(f"{scenario.title}: territory share per camp (median, 10-90% band, {len(results)} runs)",
                 fontsize=9)
    out.append(folder / "territory_share.png")
    save(fig, out[-1])

    control = final_control(results)
    fig, ax = plt.subplots(figsize=(8, 6.5))
    end_date = results[0].recorder.last_snapshot().date
    draw_control_map(ax, scenario, control, f"Control at {end_date} (colour: most frequent holder across "
                                            f"{len(results)} runs; ring: held by another camp in some runs)")
    out.append(folder / "control_map.png")
    save(fig, out[-1])

    levels: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for r in results:
        last = r.recorder.last_snapshot()
        for key, lv in zip(last.tie_keys, last.tie_levels):
            levels[key].append(lv)
    med = {k: float(np.median(v)) for k, v in levels.items()}
    fig, ax = plt.subplots(figsize=(9, 7))
    draw_support_network(ax, scenario, med, final_camps(results),
                         title=f"Support network at {end_date} (median tie level across runs; node colour: camp "
                               f"at the end)")
    out.append(folder / "support_network.png")
    save(fig, out[-1])
    return out
