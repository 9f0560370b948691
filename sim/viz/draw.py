"""Matplotlib drawings of a running ConflictModel: the map, the support network, time plots.

Each function reads the model (never changes it) and returns PNG bytes. Figures are
plain :class:`matplotlib.figure.Figure` objects (no pyplot state), so nothing is
kept in a global registry; each is cleared after saving.
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from collections import defaultdict

import numpy as np
from PIL import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from sim.palette import CHANNEL_COLORS
from sim.plots import draw_outline

DPI = 80
PNG_OPTIONS = {"compress_level": 1}  # fast to encode; the images go over a local socket
BG = "#fbfbf8"
ROAD = "#b9b4a8"
LINESTYLES = ["-", "--", "-.", ":"]


def camp_color(model, camp: str) -> str:
    spec = model.spec.camps.get(camp)
    return spec.color if spec is not None else "#999999"


def camp_name(model, camp: str) -> str:
    spec = model.spec.camps.get(camp)
    return spec.name if spec is not None else camp


def short_name(name: str, limit: int = 24) -> str:
    """'Northern Army - General ...' -> 'Northern Army'; 'Port Town (refinery ...)' -> 'Port Town'."""
    out = name
    for sep in (" (", " - ", " / ", ": "):
        head = out.split(sep, 1)[0]
        if len(head) >= 3:
            out = head
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "."


def camp_label(model, camp: str) -> str:
    name = camp_name(model, camp)
    return name if len(name) <= 22 else camp


def _cached(model, attr: str, factory):
    view = getattr(model, attr, None)
    if view is None:
        view = factory(model)
        setattr(model, attr, view)
    return view


class Layers:
    """Render a figure fast: its static texts (labels, legends, tick labels) are drawn once into an overlay.

    Text is what costs most in Agg. Artists listed in ``top`` are rendered once, alone, on a transparent
    canvas; each week the rest of the figure is drawn without them and the overlay is laid on top.
    Call :meth:`invalidate` when a top artist changes (e.g. a legend is rebuilt).
    """

    def __init__(self, fig: Figure):
        self.fig = fig
        fig.set_dpi(DPI)
        self.canvas = FigureCanvasAgg(fig)
        self.top: list = []
        self._overlay: tuple[np.ndarray, np.ndarray] | None = None

    def invalidate(self) -> None:
        self._overlay = None

    def _everything_else(self) -> list:
        top = {id(a) for a in self.top}
        out = [self.fig.patch] + list(self.fig.texts) + list(self.fig.legends)
        for ax in self.fig.axes:
            out += [ax.patch, ax.xaxis, ax.yaxis, *ax.spines.values(), *ax.collections, *ax.lines, *ax.patches,
                    *ax.texts, *ax.images]
            if ax.get_legend() is not None:
                out.append(ax.get_legend())
            out += [c for c in ax.get_children() if isinstance(c, Text) and c not in ax.texts]  # the three titles
        return [a for a in out if id(a) not in top]

    def _draw(self) -> np.ndarray:
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())

    def png(self) -> bytes:
        if self._overlay is None:
            rest = self._everything_else()
            shown = [a.get_visible() for a in rest]
            for a in rest:
                a.set_visible(False)
            for a in self.top:
                a.set_visible(True)
            rgba = self._draw().astype(np.float32) / 255.0
            alpha = rgba[..., 3:4]
            self._overlay = (rgba[..., :3] * alpha, 1.0 - alpha)  # straight alpha (Agg) -> premultiplied
            for a, vis in zip(rest, shown):
                a.set_visible(vis)
        for a in self.top:
            a.set_visible(False)
        base = self._draw()[..., :3].astype(np.float32) / 255.0
        pre, keep = self._overlay
        out = (pre + base * keep) * 255.0 + 0.5
        img = Image.fromarray(out.astype(np.uint8), "RGB")
        buf = io.BytesIO()
        img.save(buf, format="png", **PNG_OPTIONS)
        return buf.getvalue()


# ---------------------------------------------------------------- map
MAP_MARKS = {  # the legend's entries after the camps: label -> style of its mark
    "battle this week": dict(marker="o", ls="", mfc="none", mec="#111111", ms=9),
    "captured": dict(marker="*", ls="", mfc="gold", mec="black", ms=11),
    "oil": dict(marker="D", ls="", mfc="#dddddd", mec="black", ms=6),
    "air superiority (camp colour)": dict(marker="^", ls="", mfc="#999999", mec="black", ms=7),
    "campaign: attack axis (dashed: on to its objective)": dict(color="#555555", lw=2, marker=">", ms=6),
}
LEGEND_COLUMNS = 3


def legend_strip(entries: int) -> float:
    """Inches beneath the map for a legend of ``entries`` in LEGEND_COLUMNS columns."""
    return 0.08 + 0.19 * math.ceil(entries / LEGEND_COLUMNS)


class MapView:
    """Places at lon/lat coloured by the controller's camp, sized by population; roads; this week's fighting.

    The figure, roads and labels are made once per model; each week only colours, rings and stars change.
    """

    def __init__(self, model, width: float = 6.4):
        pl = model.places
        self.lon, self.lat, pop = pl.lon, pl.lat, pl.population
        # the figure takes the shape of the territory (degrees of longitude shrink with latitude)
        if pl.size:
            x0, x1, y0, y1 = self.lon.min(), self.lon.max(), self.lat.min(), self.lat.max()
            padx, pady = max(0.5, 0.06 * (x1 - x0)), max(0.5, 0.06 * (y1 - y0))
            xlim, ylim = (x0 - padx, x1 + padx), (y0 - pady, y1 + pady)
        else:
            xlim, ylim = (0.0, 1.0), (0.0, 1.0)
        stretch = 1.0 / max(0.2, math.cos(math.radians(float(self.lat.mean()) if pl.size else 0.0)))
        ratio = (ylim[1] - ylim[0]) * stretch / (xlim[1] - xlim[0])
        ax_w = width * 0.98
        strip = legend_strip(len(model.spec.camps) + len(MAP_MARKS))  # the legend's room, beneath the map
        height = min(max(ax_w * ratio + 0.35, 3.0), 7.5) + strip
        self.fig = fig = Figure(figsize=(width, height), facecolor="white")
        top = 1.0 - 0.33 / height
        self.bottom = bottom = strip / height
        self.ax = ax = fig.add_axes((0.01, bottom, 0.98, top - bottom))
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect(stretch, adjustable="box", anchor="N")
        ax.set_facecolor(BG)
        draw_outline(ax, self.lon, self.lat)  # sea, land, coastline and borders beneath the places
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_color("#cccccc")
        if pl.roads:
            segs = [((self.lon[i], self.lat[i]), (self.lon[j], self.lat[j])) for i, j in pl.roads]
            ax.add_collection(LineCollection(segs, colors=ROAD, linewidths=1.2, zorder=1))
        maxpop = float(pop.max()) if len(pop) and pop.max() > 0 else 1.0
        self.sizes = 18.0 + 520.0 * np.sqrt(pop / maxpop)
        self.oil = np.flatnonzero(pl.oil_bpd > 0)
        self.town = np.flatnonzero(pl.oil_bpd <= 0)
        self.town_dots = ax.scatter(self.lon[self.town], self.lat[self.town], s=self.sizes[self.town],
                                    c=["#999999"] * len(self.town), edgecolors="white", linewidths=0.8, zorder=3)
        self.oil_dots = ax.scatter(self.lon[self.oil], self.lat[self.oil], s=np.maximum(self.sizes[self.oil], 40.0),
                                   c=["#999999"] * len(self.oil), marker="D", edgecolors="black", linewidths=0.6,
                                   zorder=3)
        self.rings = ax.scatter([], [], s=[], facecolors="none", edgecolors="#111111", linewidths=1.6, zorder=4)
        self.stars = ax.scatter([], [], s=260, marker="*", c="gold", edgecolors="black", linewidths=0.8, zorder=5)
        self.air_marks = ax.scatter([], [], s=[], marker="^", facecolors=[], edgecolors="black", linewidths=0.5,
                                    zorder=5)
        # labels: the biggest places and capitals; places fought over get theirs each week
        self.stretch, self.min_gap = stretch, (xlim[1] - xlim[0]) / 16.0
        self.labelled = self._pick_labels(pl, stretch, self.min_gap)
        self.layers = Layers(fig)
        self.layers.top = [self._label(model, i, bold=False) for i in sorted(self.labelled)]
        self.static_labels = list(self.layers.top)
        self.dynamic_labels: list = []
        self.arrows: list = []
        self.legend = None
        self.title = fig.suptitle("", fontsize=10, x=0.02, ha="left", va="top", y=1.0 - 0.07 / height)

    def _pick_labels(self, pl, stretch: float, min_gap: float, most: int = 10) -> set[int]:
        """Capitals, then the most populous places, skipping any too close to one already labelled."""
        order = sorted(range(pl.size), key=lambda i: (not pl.capital[i], -pl.population[i]))
        chosen: list[int] = []
        for i in order:
            if len(chosen) >= most or (pl.population[i] <= 0 and not pl.capital[i]):
                break
            if all(math.hypot(self.lon[i] - self.lon[j], (self.lat[i] - self.lat[j]) * stretch) >= min_gap
                   for j in chosen):
                chosen.append(i)
        return set(chosen)

    def _label(self, model, i: int, bold: bool):
        return self.ax.annotate(short_name(model.places.names[i], 20), (self.lon[i], self.lat[i]), xytext=(5, 4),
                                textcoords="offset points", fontsize=7.5, color="#222222", zorder=6,
                                fontweight="bold" if bold else "normal",
                                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6))

    def _draw_campaigns(self, model, camps: list[str]) -> None:
        """An arrow for each camp's campaign: from the place it attacks from to its axis, dashed on to the
        objective when the axis is not the objective itself."""
        for a in self.arrows:
            a.remove()
        self.arrows = []
        pl, dist = model.places, model.geo.distance_rows
        fronts = model.map.view().fronts
        for name, camp in model.camps.items():
            cmd = camp.command
            if cmd is None or cmd.objective is None:
                continue
            axis = cmd.axis(model.geo, fronts.get(name, []), cmd.objective)
            start = [j for j in pl.neighbours[axis] if camps[j] == name] if axis is not None else []
            if not start:
                continue
            src = min(start, key=lambda j: (dist[j][axis], j))
            color = camp_color(model, name)
            self.arrows.append(self.ax.annotate(
                "", xy=(self.lon[axis], self.lat[axis]), xytext=(self.lon[src], self.lat[src]), zorder=4,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=2.6, alpha=0.9, shrinkA=4, shrinkB=6)))
            if axis != cmd.objective:
                obj = cmd.objective
                self.arrows.append(self.ax.annotate(
                    "", xy=(self.lon[obj], self.lat[obj]), xytext=(self.lon[axis], self.lat[axis]), zorder=4,
                    arrowprops=dict(arrowstyle="->", color=color, lw=1.3, ls="--", alpha=0.8, shrinkA=6,
                                    shrinkB=6)))

    def _draw_air(self, model) -> None:
        """A triangle above each place where a camp has air superiority this week (its air there beats the
        enemy's air defence there), in the camp's colour, sized by the margin."""
        marks = air_superiority(model)
        if not marks:
            self.air_marks.set_offsets(np.zeros((0, 2)))
            self.air_marks.set_sizes([])
            return
        idx = sorted(marks)
        dy = (self.ax.get_ylim()[1] - self.ax.get_ylim()[0]) / 40.0
        self.air_marks.set_offsets(np.column_stack([self.lon[idx], self.lat[idx] + dy]))
        self.air_marks.set_sizes([25.0 + 60.0 * min(1.0, marks[i][1]) for i in idx])
        self.air_marks.set_facecolor([camp_color(model, marks[i][0]) for i in idx])

    def png(self, model) -> bytes:
        pl = model.places
        camps = [model.camp_of(i) for i in range(pl.size)]
        self._draw_air(model)
        self.town_dots.set_facecolor([camp_color(model, camps[i]) for i in self.town])
        self.oil_dots.set_facecolor([camp_color(model, camps[i]) for i in self.oil])
        battles = list(model.battles_this_week)
        idx = [b[0] for b in battles]
        cap = [b[0] for b in battles if b[2]]
        self.rings.set_offsets(np.column_stack([self.lon[idx], self.lat[idx]]) if idx else np.zeros((0, 2)))
        self.rings.set_sizes(self.sizes[idx] * 1.8 + 120 if idx else [])
        self.stars.set_offsets(np.column_stack([self.lon[cap], self.lat[cap]]) if cap else np.zeros((0, 2)))
        for t in self.dynamic_labels:
            t.remove()
        # captured places get a bold label unless a fixed label sits close by
        fresh = [i for i in sorted(set(cap) - self.labelled)
                 if all(math.hypot(self.lon[i] - self.lon[j], (self.lat[i] - self.lat[j]) * self.stretch)
                        >= self.min_gap for j in self.labelled)]
        self.dynamic_labels = [self._label(model, i, bold=True) for i in fresh]
        self._draw_campaigns(model, camps)
        held = sorted(set(camps), key=list(model.spec.camps).index)
        key = tuple(held)
        if self.legend is None or self.legend_key != key:
            if self.legend is not None:
                self.legend.remove()
            handles = [Patch(facecolor=camp_color(model, c), label=camp_label(model, c)) for c in held]
            handles += [Line2D([], [], label=label, **style) for label, style in MAP_MARKS.items()]
            self.legend = self.fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, self.bottom),
                                          ncol=LEGEND_COLUMNS, fontsize=7, frameon=False, columnspacing=1.2)
            self.legend_key = key
            self.layers.top = self.static_labels + [self.legend]
            self.layers.invalidate()
        ceasefire = " · ceasefire" if model.ceasefire_camps else ""
        self.title.set_text(f"Control of places · week {model.week} · {model.date.isoformat()}{ceasefire}")
        return self.layers.png()


def air_superiority(model) -> dict[int, tuple[str, float]]:
    """place -> (camp, margin) for the places where an armed camp's air power over the place exceeds the air
    defence every hostile camp has there, as the map stands (:class:`sim.world.air.AirWar`, read on a copy so
    the run is not touched)."""
    from ..world.air import AirWar

    air = AirWar(model)
    view = model.map.view()
    air.new_week(view)
    out: dict[int, tuple[str, float]] = {}
    geo = model.geo
    for place in range(geo.size):
        best = None
        for camp in geo.armed_camps:
            own = air.air_over(camp, place)
            if own <= 0.0:
                continue
            margin = own - max([air.air_defence_over(e, place) for e in view.relations.hostile_to[camp]],
                               default=0.0)
            if margin > 0.05 and (best is None or margin > best[1]):
                best = (camp, margin)
        if best is not None:
            out[place] = best
    return out


def map_png(model) -> bytes:
    return _cached(model, "_viz_map", MapView).png(model)


# ---------------------------------------------------------------- network
def network_positions(model) -> dict[str, tuple[float, float]]:
    """Fixed node positions (by the camps at the start, so nodes do not jump when an actor changes side).

    Factions sit in one band per camp (two columns when a camp has more than four), patrons in a
    staggered row above, ordered by camp so that they stand over their clients, organisations below.
    """
    spec = model.spec
    camp_order = list(spec.camps)
    factions: dict[str, list[str]] = defaultdict(list)
    patrons: list[str] = []
    orgs: list[str] = []
    for aid, a in spec.actors.items():
        if a.kind.value == "faction":
            factions[a.camp].append(aid)
        elif a.kind.value == "patron":
            patrons.append(aid)
        else:
            orgs.append(aid)
    patrons.sort(key=lambda a: camp_order.index(spec.actors[a].camp))
    pos: dict[str, tuple[float, float]] = {}
    col_w, row_h = 1.9, 1.05
    x = 0.0
    deepest = 0
    for c in camp_order:
        fs = factions.get(c)
        if not fs:
            continue
        ncols = 1 if len(fs) <= 4 else 2
        nrows = math.ceil(len(fs) / ncols)
        deepest = max(deepest, nrows)
        for j, aid in enumerate(fs):
            col, row = j % ncols, j // ncols
            pos[aid] = (x + col * col_w, -row * row_h)
        x += ncols * col_w + 0.5
    width = max(x - 0.5 - col_w, 0.0)
    for items, y, dy in ((patrons, 1.9, 0.55), (orgs, -deepest * row_h - 0.5, -0.5)):
        n = len(items)
        for j, aid in enumerate(items):
            px = width / 2 if n == 1 else -0.4 + (width + 0.8) * j / (n - 1)
            pos[aid] = (px, y + (dy if j % 2 else 0.0))
    return pos


class NetworkView:
    """Actors as nodes (colour = current camp), ties as edges (width = level, colour = channel)."""

    def __init__(self, model, width: float = 6.4, height: float = 5.6):
        self.pos = pos = network_positions(model)
        self.fig = fig = Figure(figsize=(width, height), facecolor="white")
        self.ax = ax = fig.add_axes((0.01, 0.13, 0.98, 0.81))
        ax.set_axis_off()
        self.idle = LineCollection([], colors="#bbbbbb", linewidths=0.7, linestyles=":", zorder=1)
        self.live = LineCollection([], alpha=0.75, zorder=2, capstyle="round")
        ax.add_collection(self.idle)
        ax.add_collection(self.live)
        self.nodes = {}
        self.labels: list = []
        agents = {"faction": model.factions, "patron": model.patrons, "organisation": model.organisations}
        for kind, marker in (("faction", "o"), ("patron", "s"), ("organisation", "^")):
            group = [a for a in agents[kind] if a.actor_id in pos]
            if not group:
                continue
            xs = [pos[a.actor_id][0] for a in group]
            ys = [pos[a.actor_id][1] for a in group]
            dots = ax.scatter(xs, ys, s=[170] * len(group), c=["#999999"] * len(group), marker=marker,
                              edgecolors="black", linewidths=0.7, zorder=3)
            self.nodes[kind] = (group, dots)
            for a, x, y in zip(group, xs, ys):
                label = "\n".join(textwrap.wrap(short_name(a.name, 30), 15)[:2])
                above = kind == "patron"
                self.labels.append(ax.text(x, y + (0.22 if above else -0.25), label, fontsize=6.5, ha="center",
                        va="bottom" if above else "top", zorder=4, color="#222222"))
        xs = [p[0] for p in pos.values()] or [0.0]
        ys = [p[1] for p in pos.values()] or [0.0]
        ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
        ax.set_ylim(min(ys) - 0.75, max(ys) + 0.6)
        self.legend = None
        self.legend_key = None
        self.title = fig.suptitle("", fontsize=10, x=0.02, ha="left", y=0.985)
        self.layers = Layers(fig)

    def png(self, model) -> bytes:
        pos = self.pos
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for t in model.ties.ties:
            if t.source in pos and t.target in pos:
                groups[tuple(sorted((t.source, t.target)))].append(t)
        live_segs, live_w, live_c, idle_segs = [], [], [], []
        channels = set()
        for (a, b), ties in groups.items():
            (xa, ya), (xb, yb) = pos[a], pos[b]
            dx, dy = xb - xa, yb - ya
            norm = math.hypot(dx, dy) or 1.0
            nx, ny = -dy / norm, dx / norm
            n = len(ties)
            for k, t in enumerate(sorted(ties, key=lambda t: t.channel.value)):
                off = (k - (n - 1) / 2) * 0.07
                seg = ((xa + nx * off, ya + ny * off), (xb + nx * off, yb + ny * off))
                channels.add(t.channel.value)
                if t.level > 1e-6:
                    live_segs.append(seg)
                    live_w.append(0.5 + 2.6 * min(t.level, 2.5))
                    live_c.append(CHANNEL_COLORS.get(t.channel.value, "#555555"))
                else:
                    idle_segs.append(seg)
        self.idle.set_segments(idle_segs)
        self.live.set_segments(live_segs)
        self.live.set_linewidths(live_w or [1.0])
        self.live.set_colors(live_c or ["#555555"])
        max_f = max([f.strength_fighters for f in model.factions] + [1.0])
        for kind, (group, dots) in self.nodes.items():
            dots.set_facecolor([camp_color(model, a.camp) for a in group])
            if kind == "faction":
                dots.set_sizes([40 + 380 * math.sqrt(max(a.strength_fighters, 0.0) / max_f) for a in group])
        key = tuple(sorted(channels))
        if key != self.legend_key:
            if self.legend is not None:
                self.legend.remove()
            handles = [Line2D([], [], color=CHANNEL_COLORS.get(ch, "#555555"), lw=3, label=ch.replace("_", " "))
                       for ch in key]
            handles += [Line2D([], [], color="#bbbbbb", lw=0.9, ls=":", label="tie at level 0")]
            handles += [Line2D([], [], marker=m, ls="", mfc="white", mec="black", ms=7, label=lab)
                        for m, lab in (("o", "faction (size = fighters)"), ("s", "patron"), ("^", "organisation"))]
            self.legend = self.fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=6.5, frameon=False,
                                          bbox_to_anchor=(0.5, 0.0), handlelength=1.8, columnspacing=1.0)
            self.legend_key = key
            self.layers.top = self.labels + [self.legend]
            self.layers.invalidate()
        self.title.set_text(f"Support ties (width = level, colour = channel, node = current camp) · "
                            f"week {model.week}")
        return self.layers.png()


def network_png(model) -> bytes:
    return _cached(model, "_viz_network", NetworkView).png(model)


# ---------------------------------------------------------------- time plots
LEGEND_NAME = 30  # characters of an actor's name in a legend ("Northern Liberation Army", not "Northern Liberation A.")
_BELOW = dict(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, handlelength=2.2,
              columnspacing=1.0)


def legend_name(name: str) -> str:
    """An actor's name in a legend: its short form, cut at a word with an ellipsis if still long."""
    out = short_name(name, 200)
    return out if len(out) <= LEGEND_NAME else out[: LEGEND_NAME - 1].rsplit(" ", 1)[0] + "…"


def camp_series(model) -> tuple[list[str], dict[str, dict[str, np.ndarray]], np.ndarray]:
    """From model.recorder.camps: camp -> column -> array over steps."""
    rows = model.recorder.camps
    cols = ("territory_share", "population_share", "oil_share", "fighters", "casualties", "battles")
    acc: dict[str, dict[str, list]] = {}
    steps: dict[str, list] = defaultdict(list)
    for row in rows:
        d = acc.setdefault(row.camp, {k: [] for k in cols})
        steps[row.camp].append(row.step)
        for k in cols:
            d[k].append(getattr(row, k))
    camps = [c for c in model.spec.camps if c in acc]
    out = {c: {k: np.asarray(v, dtype=float) for k, v in acc[c].items()} for c in camps}
    x = np.asarray(steps[camps[0]], dtype=float) if camps else np.zeros(0)
    return camps, out, x


class TimePlots:
    """Six time plots kept in one persistent figure: only the line data change from week to week.

    Building six axes costs more than drawing them, so the figure is made once per model
    (see :func:`plots_png`) and each week sets new data on the existing lines.
    """

    def __init__(self, model, width: float = 13.0, height: float = 6.6, max_factions: int = 8):
        camps, series, x = camp_series(model)
        self.fig = fig = Figure(figsize=(width, height), facecolor="white")
        self.axes = axes = fig.subplots(2, 3)
        self.titles: list = []
        # the page gives the plots its full width; the legends of the lower row sit beneath their axes
        fig.subplots_adjust(left=0.04, right=0.99, top=0.9, bottom=0.27, wspace=0.18, hspace=0.38)
        self.horizon = max(10, int(getattr(model, "end_step", 0)) or 52)
        self.camps = [c for c in camps if model.spec.camps[c].armed
                      or series[c]["territory_share"].max(initial=0) > 0]
        self.share_lines: dict[tuple[str, str], Line2D] = {}
        for ax, key, title in zip(axes[0], ("territory_share", "population_share", "oil_share"),
                                  ("Territory share", "Population share", "Oil share")):
            for c in self.camps:
                (ln,) = ax.plot([], [], color=camp_color(model, c), lw=1.6, label=camp_label(model, c),
                                marker="o", ms=3, markevery=[-1])
                self.share_lines[(key, c)] = ln
            ax.set_ylim(-0.02, 1.02)
            self._title(ax, title)
        camp_legend = fig.legend(handles=[self.share_lines[("territory_share", c)] for c in self.camps],
                                 loc="upper center", ncol=max(1, len(self.camps)), fontsize=7.5, frameon=False,
                                 bbox_to_anchor=(0.5, 1.0))
        # fighters per faction: the largest at the start (a fixed set, so the legend stays put)
        ax = axes[1][0]
        top = sorted(model.factions, key=lambda f: (-f.strength_fighters, f.actor_id))[:max_factions]
        self.fighter_lines: dict[str, Line2D] = {}
        self.fighter_lines = self._actor_lines(ax, model, top)
        self._title(ax, "Fighters per faction (thousands)")
        self.tracked = {a.actor_id: a for a in [*top, *model.patrons]}
        self.tracked_camps = {aid: a.camp for aid, a in self.tracked.items()}
        if top:
            ax.legend(**_BELOW, ncol=1 if len(top) <= 4 else 2)
        # support given per patron
        ax = axes[1][1]
        self.support_lines = self._actor_lines(ax, model, model.patrons)
        self._title(ax, "Support given per patron (sum of tie levels)")
        if model.patrons:
            ax.legend(**_BELOW, ncol=1 if len(model.patrons) <= 4 else 2)
        # casualties
        ax = axes[1][2]
        self.casualty_lines = {c: ax.plot([], [], color=camp_color(model, c), lw=1.3)[0] for c in self.camps}
        # dashed: a camp may well be drawn in black
        (self.total_line,) = ax.plot([], [], color="#555555", lw=1.6, ls="--", label="all camps")
        ax.legend(fontsize=6.5, loc="upper left", framealpha=0.8)
        self._title(ax, "Casualties (cumulative)")
        self.casualty_text = ax.text(0.98, 0.96, "", transform=ax.transAxes, ha="right", va="top", fontsize=8)
        for row in axes:
            for a in row:
                a.tick_params(labelsize=7, length=2.5)
                a.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
                a.yaxis.set_major_locator(MaxNLocator(nbins=4))
        for a in axes.flat:
            a.set_xlim(0, self.horizon)
        for a in axes[1]:
            a.set_xlabel("week", fontsize=7, labelpad=1)
        self.layers = Layers(fig)
        self.camp_legend = camp_legend
        self._static()

    def _static(self) -> None:
        """What the overlay draws once: titles, legends, the week axes and the 0..1 share axes (the other y axes
        move)."""
        axes = self.axes
        self.layers.top = [self.camp_legend] + self.titles + [a.xaxis for a in axes.flat] + \
            [a.yaxis for a in axes[0]] + [a.get_legend() for a in axes[1] if a.get_legend() is not None]
        self.layers.invalidate()

    def _recolour(self, model) -> None:
        """An actor that changed camp gets its new camp's colour, on its line and in its legend."""
        now = {aid: a.camp for aid, a in self.tracked.items()}
        if now == self.tracked_camps:
            return
        self.tracked_camps = now
        for lines in (self.fighter_lines, self.support_lines):
            for aid, ln in lines.items():
                ln.set_color(camp_color(model, now[aid]))
        for ax, lines in zip(self.axes[1], (self.fighter_lines, self.support_lines)):
            if ax.get_legend() is not None:
                ax.legend(**_BELOW, ncol=1 if len(lines) <= 4 else 2)
        self._static()

    @staticmethod
    def _actor_lines(ax, model, actors) -> dict[str, Line2D]:
        """One empty line per actor, coloured by camp, line style cycling within a camp."""
        lines: dict[str, Line2D] = {}
        count: dict[str, int] = defaultdict(int)
        for a in actors:
            k = count[a.camp]
            count[a.camp] += 1
            (ln,) = ax.plot([], [], color=camp_color(model, a.camp), ls=LINESTYLES[k % len(LINESTYLES)], lw=1.3,
                            label=legend_name(a.name))
            lines[a.actor_id] = ln
        return lines

    def _title(self, ax, text: str) -> None:
        # a plain text, not ax.title: Matplotlib moves axes titles at draw time, which breaks the overlay
        self.titles.append(ax.text(0.5, 1.03, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=9))

    def png(self, model) -> bytes:
        camps, series, x = camp_series(model)
        self._recolour(model)
        for (key, c), ln in self.share_lines.items():
            ln.set_data(x, series[c][key] if c in series else np.zeros_like(x))
        weeks = np.asarray(getattr(model, "history_weeks", []), dtype=float)
        hist_f = getattr(model, "history_fighters", {})
        for aid, ln in self.fighter_lines.items():
            ln.set_data(weeks, np.asarray(hist_f.get(aid, []), dtype=float) / 1000.0)
        hist_s = getattr(model, "history_support", {})
        for aid, ln in self.support_lines.items():
            ln.set_data(weeks, np.asarray(hist_s.get(aid, []), dtype=float))
        total = np.zeros_like(x)
        for c, ln in self.casualty_lines.items():
            y = series[c]["casualties"] if c in series else np.zeros_like(x)
            ln.set_data(x, y)
            total = total + y
        self.total_line.set_data(x, total)
        self.casualty_text.set_text(f"total {model.casualties:,.0f}")
        for j, a in enumerate(self.axes[1]):  # room above the lines for the legend
            top = max([float(np.max(ln.get_ydata(), initial=0.0)) for ln in a.get_lines()] + [0.0])
            a.set_ylim(0, top * 1.6 if top > 0 else 1.0)
        return self.layers.png()


def plots_png(model) -> bytes:
    """Territory, population and oil share per camp; fighters per faction; support per patron; casualties."""
    return _cached(model, "_viz_timeplots", TimePlots).png(model)


# ---------------------------------------------------------------- text
# Plain HTML, not solara.Markdown: that component always fetches KaTeX from a CDN, which fails offline.
def header_html(model) -> str:
    spec = model.spec
    status = []
    if model.ceasefire_camps:
        status.append("ceasefire")
    if model.agreement:
        status.append("agreement in force")
    if model.blockading:  # faction indices (or camp names in older models)
        by = {model.factions[b].camp if isinstance(b, int) else str(b) for b in model.blockading}
        status.append("oil blockade by " + ", ".join(sorted(by)))
    closures = getattr(getattr(model, "economy", None), "closures", None)
    if closures:  # blockades of places, by who imposed them
        status.append("blockade of places by " + ", ".join(sorted({c.by.name for c in closures.values()})))
    if not getattr(model, "running", True):
        status.append("end of scenario: Reset to start again")
    tail = "".join(f" · {html.escape(s)}" for s in status)
    parts = [f"<h3>{html.escape(spec.title)}</h3>",
             f"<p><b class='sim-week'>Week {model.week}</b> · {model.date.isoformat()} · seed {model.seed} · "
             f"casualties {model.casualties:,.0f}{tail}"]
    error = getattr(model, "load_error", None)
    if error:
        parts.append(f" · <span class='sim-error' style='color:#b00020'>{html.escape(error)}</span>")
    overrides = getattr(model, "overrides", None)
    if overrides:
        parts.append(" · overrides: " + ", ".join(f"<code>{html.escape(f'{k}={v}')}</code>"
                                                  for k, v in overrides.items()))
    parts.append("</p>")
    return "".join(parts)


def events_html(model, limit: int = 80) -> str:
    rows = model.recorder.events
    if not rows:
        return "<h4>Events</h4><p><i>No events yet.</i></p>"
    shown = rows[-limit:][::-1]
    items = [f"<li><b>{html.escape(date)}</b> (w{step}) <i>{html.escape(kind.replace('_', ' '))}</i>: "
             f"{html.escape(text)}</li>" for step, date, kind, _actors, text in shown]
    if len(rows) > limit:
        items.append(f"<li>... {len(rows) - limit} earlier events</li>")
    return f"<h4>Events ({len(rows)}, newest first)</h4><ul>{''.join(items)}</ul>"


def citations_html(model) -> str:
    """The actors and ties of the scenario, each with its sources and assumptions as a hover tooltip."""
    from sim.errors import InputError
    from sim.sources import citation_text, load_bibliography, register

    spec = model.spec
    try:
        bib = load_bibliography()
    except InputError:
        bib = None
    reg = register(spec)

    def item(label: str, cited) -> str:
        tip = citation_text(cited, bib) or "no citation"
        mark = " *" if cited.assumption else ""
        return f"<li title='{html.escape(tip, quote=True)}'>{html.escape(label)}{mark}</li>"

    actors = [item(a.name, a) for a in spec.actors.values()]
    ties = [item(f"{t.source} -> {t.target}: {t.channel.value} {t.level:g}", t) for t in spec.ties.values()]
    return (f"<details class='sim-sources'><summary>Sources: {reg.sourced} of {reg.items} items cite a source, "
            f"{reg.assumed} mark an assumption (*); hover for each</summary>"
            f"<h4>Actors</h4><ul>{''.join(actors)}</ul><h4>Ties</h4><ul>{''.join(ties)}</ul></details>")
