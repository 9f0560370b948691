"""Pictures are checked for what they show: the colour of a known place, the colours of the camps."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SCENARIOS, TOY
from pictures import colour_near, pixel_of, rgb, share_of_colour
from sim.model import ConflictModel
from sim.scenario import load_scenario

LIBYA = load_scenario(SCENARIOS / "libya_2018_11.yaml").scenario


def place_colours(model, png: bytes, view) -> dict[str, bool]:
    img = rgb(png)
    out = {}
    for i, pid in enumerate(model.spec.territory.places):
        row, col = pixel_of(view.ax, view.fig, view.lon[i], view.lat[i], img.shape[:2])
        out[pid] = colour_near(img, row, col, model.spec.camps[model.camp_of(i)].color)
    return out


def test_viewer_map_shows_each_place_in_its_camps_colour():
    from sim.viz import draw

    m = ConflictModel(LIBYA, seed=1)
    png = draw.map_png(m)
    view = m._viz_map
    seen = place_colours(m, png, view)
    for pid in ("tripoli", "misrata", "benghazi", "tobruk", "sirte"):  # big places, never under a label
        assert seen[pid], pid
    assert sum(seen.values()) >= 0.8 * len(seen)
    # a place changes colour when it changes hands
    tripoli = m.places.index("tripoli")
    img = rgb(png)
    row, col = pixel_of(view.ax, view.fig, view.lon[tripoli], view.lat[tripoli], img.shape[:2])
    lna = next(f for f in m.factions if f.camp == "LNA")
    m.map.capture(tripoli, lna.index)
    after = rgb(draw.map_png(m))
    assert colour_near(after, row, col, LIBYA.camps["LNA"].color)
    assert not colour_near(after, row, col, LIBYA.camps["GNA"].color)


def test_a_blank_map_fails_the_check():
    """The check above cannot pass on a picture without the places."""
    from PIL import Image
    import io

    from sim.viz import draw

    m = ConflictModel(LIBYA, seed=1)
    png = draw.map_png(m)
    w, h = Image.open(io.BytesIO(png)).size
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, format="png")
    assert not any(place_colours(m, buf.getvalue(), m._viz_map).values())


def test_run_plots_show_the_camps(tmp_path, cli):
    out = tmp_path / "run"
    res = cli("run", TOY, "--runs", 3, "--out", out, "--until", "2020-06-01")
    assert res.returncode == 0, res.stderr
    toy = load_scenario(TOY).scenario
    red, blue = toy.camps["RED"].color, toy.camps["BLUE"].color
    shares = rgb((out / "plots" / "territory_share.png").read_bytes())
    assert share_of_colour(shares, red) > 0.0003 and share_of_colour(shares, blue) > 0.0003  # a line per camp
    control = rgb((out / "plots" / "control_map.png").read_bytes())
    assert share_of_colour(control, red) > 0.0003 and share_of_colour(control, blue) > 0.0003  # places of each camp
    network = rgb((out / "plots" / "support_network.png").read_bytes())
    assert share_of_colour(network, red) > 0.0003 and share_of_colour(network, blue) > 0.0003  # the actors
    for img in (shares, control, network):
        assert share_of_colour(img, "#ffffff") < 0.995  # not a blank page


def test_compare_report_images_show_both_scenarios(weak_blue_comparison):
    import base64
    import re

    out, _ = weak_blue_comparison  # `compare toy_war weak_blue` (conftest): the Blue army a fifth of its size
    html = (out / "report.html").read_text()
    images = [base64.b64decode(x) for x in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]
    assert len(images) == 4  # territory, maps, outcome distributions, chances
    assert images[0] == (out / "plots" / "territory_over_time.png").read_bytes()
    territory, maps, outcomes, _ = (rgb(x) for x in images)
    # the territory plot draws scenario k in colour k of tab10: blue (#1f77b4) and orange (#ff7f0e)
    assert share_of_colour(territory, "#1f77b4") > 0.0003 and share_of_colour(territory, "#ff7f0e") > 0.0003
    toy = load_scenario(TOY).scenario
    assert share_of_colour(maps, toy.camps["RED"].color) > 0.0003
    assert share_of_colour(maps, toy.camps["BLUE"].color) > 0.0003
    assert share_of_colour(outcomes, "#1f77b4") > 0.0003 and share_of_colour(outcomes, "#ff7f0e") > 0.0003


MILITIA_TURNS = """extends: {toy}
actors:
  town_militia: {{faction: {{can_switch: false}}}}
events:
  militia_turns: {{date: 2020-01-13, kind: defection, actor: town_militia, to_camp: RED, assumption: test data}}
"""


def _node_colour(ax, xy) -> str:
    from matplotlib.colors import to_hex

    for coll in ax.collections:
        offsets = coll.get_offsets()
        if len(offsets) == 1 and np.allclose(offsets[0], xy):
            return to_hex(coll.get_facecolor()[0])
    raise AssertionError(f"no node at {xy}")


def test_the_network_colours_an_actor_by_its_camp_after_it_changed_camp(tmp_path, monkeypatch):
    """The militia leaves BLUE for RED in week 1: the run's network at the end shows it in RED's colour, and so
    does the viewer's network once the week of the change is shown."""
    from matplotlib.colors import to_hex

    from sim import plots
    from sim.runner import run_ensemble
    from sim.viz import draw

    f = tmp_path / "militia_turns.yaml"
    f.write_text(MILITIA_TURNS.format(toy=TOY))
    s = load_scenario(f).scenario
    red, blue = to_hex(s.camps["RED"].color), to_hex(s.camps["BLUE"].color)
    results = run_ensemble(s, 2, 1, 4, workers=1)
    assert plots.final_camps(results)["town_militia"] == "RED"
    figures = []
    monkeypatch.setattr(plots, "save", lambda fig, path: figures.append(fig))
    plots.run_plots(tmp_path / "plots", s, results)
    network = figures[-1].axes[0]
    assert _node_colour(network, plots.network_layout(s)["town_militia"]) == red
    assert _node_colour(network, plots.network_layout(s)["blue_army"]) == blue

    m = ConflictModel(s, seed=1)
    view_colour = lambda: next(to_hex(dots.get_facecolor()[group.index(a)]) for group, dots in
                               m._viz_network.nodes.values() for a in group if a.actor_id == "town_militia")
    draw.network_png(m)
    assert view_colour() == blue
    for _ in range(2):
        m.step()
    draw.network_png(m)
    assert view_colour() == red


def test_the_viewers_time_plots_colour_an_actor_by_its_camp_after_it_changed_camp(tmp_path):
    from matplotlib.colors import to_hex

    from sim.viz import draw

    f = tmp_path / "militia_turns.yaml"
    f.write_text(MILITIA_TURNS.format(toy=TOY))
    s = load_scenario(f).scenario
    m = ConflictModel(s, seed=1)
    draw.plots_png(m)
    plots = m._viz_timeplots
    line = plots.fighter_lines["town_militia"]
    assert to_hex(line.get_color()) == to_hex(s.camps["BLUE"].color)
    for _ in range(2):
        m.step()
    draw.plots_png(m)
    legend = plots.axes[1][0].get_legend()
    entry = next(h for h, t in zip(legend.legend_handles, legend.get_texts()) if t.get_text() == "Middle-town militia")
    assert to_hex(line.get_color()) == to_hex(entry.get_color()) == to_hex(s.camps["RED"].color)
    assert legend in plots.layers.top


def test_the_viewers_casualty_total_does_not_look_like_a_camp():
    """The Syria scenarios draw the Islamic State in near-black: the line of all camps' casualties is told apart
    from every camp's line by its style, not only by a shade."""
    from matplotlib.colors import to_rgb

    from sim.viz import draw

    syria = load_scenario(SCENARIOS.parent / "syria" / "syria_2015_09.yaml").scenario
    m = ConflictModel(syria, seed=1)
    draw.plots_png(m)
    plots = m._viz_timeplots
    total = plots.total_line
    for camp, line in plots.casualty_lines.items():
        alike = np.abs(np.subtract(to_rgb(line.get_color()), to_rgb(total.get_color()))).max() < 60 / 255
        assert not (alike and line.get_linestyle() == total.get_linestyle()), camp
