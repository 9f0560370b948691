"""Matplotlib drawings of a running ConflictModel: the map, the support network, time plots.

Each function reads the model (never changes it) and returns PNG bytes. Figures are
plain :class:`matplotlib.figure.Figure` objects (no pyplot state), so nothing is
kept in a global registry; each is cleared after saving.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections import defaultdict

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.schema import Channel

DPI = 80
BG = "#fbfbf8"
ROAD = "#b9b4a8"
CHANNEL_COLORS = {
    Channel.money.value: "#2ca02c",
    Channel.arms.value: "#8c564b",
    Channel.mercenaries.value: "#d62728",
    Channel.troops.value: "#9467bd",
    Channel.drones.value: "#ff7f0e",
    Channel.air_power.value: "#e377c2",
    Channel.air_defence.value: "#17becf",
    Channel.special_forces.value: "#7f7f7f",
    Channel.diplomatic_cover.value: "#bcbd22",
    Channel.recognition.value: "#1f77b4",
    Channel.alliance.value: "#111111",
}
LINESTYLES = ["-", "--", "-.", ":"]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor=fig.get_facecolor())
    fig.clear()
    return buf.getvalue()


def camp_color(model, camp: str) -> str:
    spec = model.spec.camps.get(camp)
    return spec.color if spec is not None else "#999999"


def camp_name(model, camp: str) -> str:
    spec = model.spec.camps.get(camp)
    return spec.name if spec is not None else camp


# ---------------------------------------------------------------- map
def map_png(model, width: float = 6.6, height: float = 5.4) -> bytes:
    """Places at lon/lat coloured by the controller's camp, sized by population; roads; this week's fighting."""
    pl = model.places
    lon, lat, pop = pl.lon, pl.lat, pl.population
    fig = Figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.90))
    ax.set_facecolor(BG)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#cccccc")
    if pl.roads:
        segs = [((lon[i], lat[i]), (lon[j], lat[j])) for i, j in pl.roads]
        ax.add_collection(LineCollection(segs, colors=ROAD, linewidths=1.2, zorder=1))
    maxpop = float(pop.max()) if len(pop) and pop.max() > 0 else 1.0
    sizes = 18.0 + 520.0 * np.sqrt(pop / maxpop)
    colors = [camp_color(model, model.camp_of(i)) for i in range(pl.size)]
    oil = pl.oil_bpd > 0
    town = ~oil
    if town.any():
        ax.scatter(lon[town], lat[town], s=sizes[town], c=[c for c, t in zip(colors, town) if t],
                   edgecolors="white", linewidths=0.8, zorder=3)
    if oil.any():
        ax.scatter(lon[oil], lat[oil], s=np.maximum(sizes[oil], 40.0), c=[c for c, o in zip(colors, oil) if o],
                   marker="D", edgecolors="black", linewidths=0.6, zorder=3)
    battles = [b for b in model.battles_this_week]
    if battles:
        idx = [b[0] for b in battles]
        ax.scatter(lon[idx], lat[idx], s=sizes[idx] * 1.8 + 120, facecolors="none", edgecolors="#111111",
                   linewidths=1.6, zorder=4)
        cap = [b[0] for b in battles if b[2]]
        if cap:
            ax.scatter(lon[cap], lat[cap], s=260, marker="*", c="gold", edgecolors="black", linewidths=0.8,
                       zorder=5)
    # labels: the biggest places, capitals and places fought over this week
    order = np.argsort(-pop)
    labelled = set(int(i) for i in order[:12] if pop[i] > 0)
    labelled |= {i for i in range(pl.size) if pl.capital[i]}
    labelled |= {b[0] for b in battles}
    for i in sorted(labelled):
        ax.annotate(pl.names[i], (lon[i], lat[i]), xytext=(5, 4), textcoords="offset points", fontsize=7.5,
                    color="#222222", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6))
    # extent and aspect (degrees of longitude shrink with latitude)
    if pl.size:
        x0, x1, y0, y1 = lon.min(), lon.max(), lat.min(), lat.max()
        padx, pady = max(0.6, 0.08 * (x1 - x0)), max(0.6, 0.08 * (y1 - y0))
        ax.set_xlim(x0 - padx, x1 + padx)
        ax.set_ylim(y0 - pady, y1 + pady)
        ax.set_aspect(1.0 / max(0.2, math.cos(math.radians(float(lat.mean())))), adjustable="box")
    held = sorted({model.camp_of(i) for i in range(pl.size)}, key=list(model.spec.camps).index)
    handles = [Patch(facecolor=camp_color(model, c), label=camp_name(model, c)) for c in held]
    handles += [Line2D([], [], marker="o", ls="", mfc="none", mec="#111111", ms=9, label="battle this week"),
                Line2D([], [], marker="*", ls="", mfc="gold", mec="black", ms=11, label="captured this week"),
                Line2D([], [], marker="D", ls="", mfc="#dddddd", mec="black", ms=6, label="oil")]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
    ceasefire = " · ceasefire" if model.ceasefire_camps else ""
    fig.suptitle(f"Control of places · week {model.week} · {model.date.isoformat()}{ceasefire}",
                 fontsize=10, x=0.02, ha="left", y=0.975)
    return _png(fig)


# ---------------------------------------------------------------- network
def network_positions(model) -> dict[str, tuple[float, float]]:
    """Fixed node positions: factions in one column per camp (initial camps), patrons above, organisations below."""
    cached = getattr(model, "_viz_positions", None)
    if cached is not None:
        return cached
    spec = model.spec
    camp_order = list(spec.camps)
    by_camp_f: dict[str, list[str]] = defaultdict(list)
    by_camp_p: dict[str, list[str]] = defaultdict(list)
    orgs: list[str] = []
    for aid, a in spec.actors.items():
        if a.kind.value == "faction":
            by_camp_f[a.camp].append(aid)
        elif a.kind.value == "patron":
            by_camp_p[a.camp].append(aid)
        else:
            orgs.append(aid)
    columns = [c for c in camp_order if by_camp_f[c] or by_camp_p[c]]
    pos: dict[str, tuple[float, float]] = {}
    gap = 3.0
    for k, c in enumerate(columns):
        x = k * gap
        for j, aid in enumerate(by_camp_f[c]):
            pos[aid] = (x + (0.35 if j % 2 else -0.35) * (len(by_camp_f[c]) > 3), -1.0 * j)
        ps = by_camp_p[c]
        for j, aid in enumerate(ps):
            off = 0.0 if len(ps) == 1 else (j / (len(ps) - 1) - 0.5) * min(2.4, 0.9 * (len(ps) - 1))
            pos[aid] = (x + off, 1.6 + (0.45 if j % 2 else 0.0))
    bottom = -max([len(v) for v in by_camp_f.values()] + [1]) - 0.4
    span = (len(columns) - 1) * gap
    for j, aid in enumerate(orgs):
        x = span / 2 if len(orgs) == 1 else span * j / (len(orgs) - 1)
        pos[aid] = (x, bottom)
    model._viz_positions = pos
    return pos


def network_png(model, width: float = 6.6, height: float = 5.4) -> bytes:
    """Actors as nodes (colour = current camp), ties as edges (width = level, colour = channel)."""
    pos = network_positions(model)
    fig = Figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0.01, 0.16, 0.98, 0.76))
    ax.set_axis_off()
    # ties: parallel ties between the same pair are offset sideways
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for t in model.ties:
        if t.source in pos and t.target in pos:
            groups[tuple(sorted((t.source, t.target)))].append(t)
    live_segs, live_w, live_c, idle_segs = [], [], [], []
    channels_seen = []
    for (a, b), ties in groups.items():
        (xa, ya), (xb, yb) = pos[a], pos[b]
        dx, dy = xb - xa, yb - ya
        norm = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / norm, dx / norm
        n = len(ties)
        for k, t in enumerate(sorted(ties, key=lambda t: t.channel.value)):
            off = (k - (n - 1) / 2) * 0.09
            seg = ((xa + nx * off, ya + ny * off), (xb + nx * off, yb + ny * off))
            ch = t.channel.value
            if ch not in channels_seen:
                channels_seen.append(ch)
            if t.level > 1e-6:
                live_segs.append(seg)
                live_w.append(0.6 + 3.2 * min(t.level, 2.5))
                live_c.append(CHANNEL_COLORS.get(ch, "#555555"))
            else:
                idle_segs.append(seg)
    if idle_segs:
        ax.add_collection(LineCollection(idle_segs, colors="#bbbbbb", linewidths=0.7, linestyles=":", zorder=1))
    if live_segs:
        ax.add_collection(LineCollection(live_segs, colors=live_c, linewidths=live_w, alpha=0.8, zorder=2,
                                         capstyle="round"))
    # nodes
    kinds = {"faction": ("o", []), "patron": ("s", []), "organisation": ("^", [])}
    for agent in model.factions + model.patrons + model.organisations:
        if agent.actor_id in pos:
            kinds[agent.kind][1].append(agent)
    max_f = max([f.fighters for f in model.factions] + [1.0])
    for kind, (marker, agents) in kinds.items():
        if not agents:
            continue
        xs = [pos[a.actor_id][0] for a in agents]
        ys = [pos[a.actor_id][1] for a in agents]
        cs = [camp_color(model, a.camp) for a in agents]
        if kind == "faction":
            ss = [60 + 420 * math.sqrt(max(a.fighters, 0.0) / max_f) for a in agents]
        else:
            ss = [170] * len(agents)
        ax.scatter(xs, ys, s=ss, c=cs, marker=marker, edgecolors="black", linewidths=0.7, zorder=3)
        for a, x, y in zip(agents, xs, ys):
            label = "\n".join(textwrap.wrap(a.name, 18)[:2])
            ax.text(x, y - 0.3, label, fontsize=6.5, ha="center", va="top", zorder=4, color="#222222")
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - 1.3, max(xs) + 1.3)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.5)
    handles = [Line2D([], [], color=CHANNEL_COLORS.get(ch, "#555555"), lw=3, label=ch.replace("_", " "))
               for ch in sorted(channels_seen)]
    handles += [Line2D([], [], color="#bbbbbb", lw=0.9, ls=":", label="tie at level 0")]
    handles += [Line2D([], [], marker=m, ls="", mfc="white", mec="black", ms=7, label=lab)
                for m, lab in (("o", "faction (size = fighters)"), ("s", "patron"), ("^", "organisation"))]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=6.5, frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=1.8, columnspacing=1.0)
    fig.suptitle(f"Support ties (width = level, colour = channel) · week {model.week}", fontsize=10, x=0.02,
                 ha="left", y=0.975)
    return _png(fig)


# ---------------------------------------------------------------- time plots
def camp_series(model) -> tuple[list[str], dict[str, dict[str, np.ndarray]], np.ndarray]:
    """From model.recorder.camps: camp -> column -> array over steps."""
    rows = model.recorder.camps
    cols = ("territory_share", "population_share", "oil_share", "fighters", "casualties", "battles")
    acc: dict[str, dict[str, list]] = {}
    steps: dict[str, list] = defaultdict(list)
    for row in rows:
        c = row[2]
        d = acc.setdefault(c, {k: [] for k in cols})
        steps[c].append(row[0])
        for k, v in zip(cols, row[3:]):
            d[k].append(v)
    camps = [c for c in model.spec.camps if c in acc]
    out = {c: {k: np.asarray(v, dtype=float) for k, v in acc[c].items()} for c in camps}
    x = np.asarray(steps[camps[0]], dtype=float) if camps else np.zeros(0)
    return camps, out, x


class TimePlots:
    """Six time plots kept in one persistent figure: only the line data change from week to week.

    Building six axes costs more than drawing them, so the figure is made once per model
    (see :func:`plots_png`) and each week sets new data on the existing lines.
    """

    def __init__(self, model, width: float = 9.6, height: float = 5.0, max_factions: int = 8):
        camps, series, x = camp_series(model)
        self.fig = fig = Figure(figsize=(width, height), facecolor="white")
        self.axes = axes = fig.subplots(2, 3)
        fig.subplots_adjust(left=0.055, right=0.99, top=0.93, bottom=0.085, wspace=0.25, hspace=0.42)
        self.camps = [c for c in camps if model.spec.camps[c].armed
                      or series[c]["territory_share"].max(initial=0) > 0]
        self.share_lines: dict[tuple[str, str], Line2D] = {}
        for ax, key, title in zip(axes[0], ("territory_share", "population_share", "oil_share"),
                                  ("Territory share", "Population share", "Oil share")):
            for c in self.camps:
                (ln,) = ax.plot([], [], color=camp_color(model, c), lw=1.6, label=camp_name(model, c))
                self.share_lines[(key, c)] = ln
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(title, fontsize=9)
        axes[0][0].legend(fontsize=6.5, loc="center left", framealpha=0.8)
        # fighters per faction: the largest at the start (a fixed set, so the legend stays put)
        ax = axes[1][0]
        top = sorted(model.factions, key=lambda f: (-f.fighters, f.actor_id))[:max_factions]
        self.fighter_lines: dict[str, Line2D] = {}
        count: dict[str, int] = defaultdict(int)
        for f in top:
            k = count[f.camp]
            count[f.camp] += 1
            (ln,) = ax.plot([], [], color=camp_color(model, f.camp), ls=LINESTYLES[k % len(LINESTYLES)], lw=1.3,
                            label=f.name[:24])
            self.fighter_lines[f.actor_id] = ln
        ax.set_title("Fighters per faction (thousands)", fontsize=9)
        if top:
            ax.legend(fontsize=5.5, loc="upper left", framealpha=0.7, ncol=1 if len(top) <= 4 else 2)
        # support given per patron
        ax = axes[1][1]
        self.support_lines: dict[str, Line2D] = {}
        count.clear()
        for p in model.patrons:
            k = count[p.camp]
            count[p.camp] += 1
            (ln,) = ax.plot([], [], color=camp_color(model, p.camp), ls=LINESTYLES[k % len(LINESTYLES)], lw=1.3,
                            label=p.name[:24])
            self.support_lines[p.actor_id] = ln
        ax.set_title("Support given per patron (sum of tie levels)", fontsize=9)
        if model.patrons:
            ax.legend(fontsize=5.5, loc="upper left", framealpha=0.7, ncol=1 if len(model.patrons) <= 4 else 2)
        # casualties
        ax = axes[1][2]
        self.casualty_lines = {c: ax.plot([], [], color=camp_color(model, c), lw=1.3)[0] for c in self.camps}
        (self.total_line,) = ax.plot([], [], color="black", lw=1.6, label="all camps")
        ax.legend(fontsize=6.5, loc="upper left", framealpha=0.8)
        self.casualty_ax = ax
        for row in axes:
            for a in row:
                a.tick_params(labelsize=7)
                a.grid(alpha=0.3, lw=0.5)
        for a in axes[1]:
            a.set_xlabel("week", fontsize=7, labelpad=1)

    def png(self, model) -> bytes:
        camps, series, x = camp_series(model)
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
        self.casualty_ax.set_title(f"Casualties (cumulative): {model.casualties:,.0f}", fontsize=9)
        xmax = max(10.0, float(x.max()) if len(x) else 10.0)
        for i, row in enumerate(self.axes):
            for j, a in enumerate(row):
                a.set_xlim(0, xmax)
                if i == 1:
                    a.relim()
                    a.autoscale_view(scalex=False)
                    lo, hi = a.get_ylim()
                    a.set_ylim(0, max(hi, 1e-3))
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
        return buf.getvalue()


def plots_png(model) -> bytes:
    """Territory, population and oil share per camp; fighters per faction; support per patron; casualties."""
    plots = getattr(model, "_viz_timeplots", None)
    if plots is None:
        plots = model._viz_timeplots = TimePlots(model)
    return plots.png(model)


# ---------------------------------------------------------------- text
def header_markdown(model) -> str:
    spec = model.spec
    status = []
    if model.ceasefire_camps:
        status.append("ceasefire")
    if model.agreement:
        status.append("agreement in force")
    if model.blockading:
        status.append("oil blockade by " + ", ".join(sorted(model.blockading)))
    if not getattr(model, "running", True):
        status.append("end of scenario")
    tail = f" · {' · '.join(status)}" if status else ""
    lines = [f"### {spec.title}",
             f"**Week {model.week}** · {model.date.isoformat()} · seed {model.seed} · "
             f"casualties {model.casualties:,.0f}{tail}"]
    overrides = getattr(model, "overrides", None)
    if overrides:
        lines.append("overrides: " + ", ".join(f"`{k}={v}`" for k, v in overrides.items()))
    return "\n\n".join(lines)


def _md_escape(text: str) -> str:
    for ch in ("\\", "*", "_", "`", "[", "]", "<", ">", "#", "|"):
        text = text.replace(ch, "\\" + ch)
    return text


def events_markdown(model, limit: int = 80) -> str:
    rows = model.recorder.events
    if not rows:
        return "#### Events\n\n*No events yet.*"
    shown = rows[-limit:][::-1]
    lines = [f"#### Events ({len(rows)}, newest first)", ""]
    for step, date, kind, _actors, text in shown:
        lines.append(f"- **{date}** (w{step}) *{kind.replace('_', ' ')}*: {_md_escape(text)}")
    if len(rows) > limit:
        lines.append(f"- ... {len(rows) - limit} earlier events")
    return "\n".join(lines)
