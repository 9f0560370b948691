"""The libya-sim browser viewer: a Mesa SolaraViz page over :class:`sim.viz.model.ViewerModel`.

Run with ``libya-sim viz [SCENARIO]`` (see :func:`sim.viz.serve`) or directly::

    LIBYA_SIM_VIZ_SCENARIO=scenarios/libya_2018_11.yaml solara run sim/viz/app.py --no-open

The page shows, from the same running model: the date and week, a map of the places
(colour = camp in control, size = population, rings = this week's battles, stars =
captures), the support network (ties: width = level, colour = channel), time plots
from the model's recorder and the event log (newest first). The sidebar chooses the
scenario and seed and moves a few parameters; they act on Reset.
"""

from __future__ import annotations

import mesa.visualization.solara_viz as solara_viz
import solara
from mesa.visualization import SolaraViz

from sim.viz import draw
from sim.viz import model as vm

CSS = """
.vue-grid-item { overflow: auto; background: white; }
.libya-figure { width: 100%; height: auto; display: block; }
.libya-header h3 { margin: 0 0 2px 0; font-size: 1.15rem; }
.libya-header p { margin: 0; font-size: 0.9rem; }
.libya-events { font-size: 0.82rem; line-height: 1.3; }
.libya-events ul { padding-left: 1.1em; margin-top: 0; }
.libya-events li { margin-bottom: 2px; }
.libya-events h4 { margin: 0 0 4px 0; }
"""

# grid cells (12 columns, rows of 30 px + 10 px gaps): header; map | network; plots | events
LAYOUT = [
    {"i": 0, "x": 0, "y": 0, "w": 12, "h": 2},
    {"i": 1, "x": 0, "y": 2, "w": 6, "h": 14},
    {"i": 2, "x": 6, "y": 2, "w": 6, "h": 14},
    {"i": 3, "x": 0, "y": 16, "w": 8, "h": 13},
    {"i": 4, "x": 8, "y": 16, "w": 4, "h": 13},
]
_mesa_initial_layout = solara_viz.make_initial_grid_layout


def _initial_layout(num_components: int):
    """Mesa lays every component out 6 columns wide and 10 rows high; this page needs its own grid."""
    if num_components == len(LAYOUT):
        return [dict(cell, moved=False) for cell in LAYOUT]
    return _mesa_initial_layout(num_components)


solara_viz.make_initial_grid_layout = _initial_layout


def _key(model) -> list:
    return [getattr(model, "viz_token", id(model)), model.steps]


def Header(model):
    text = solara.use_memo(lambda: draw.header_html(model), _key(model))
    with solara.Column(classes=["libya-header"], gap="0px") as main:
        solara.Style(CSS)
        solara.HTML(tag="div", unsafe_innerHTML=text)
    return main


def _figure_view(render, css_class: str):
    """A component showing one of the viewer's figures (a PNG redrawn when the week changes)."""

    def view(model):
        png = solara.use_memo(lambda: render(model), _key(model))
        with solara.Div(classes=[css_class]) as main:
            solara.Image(png, classes=["libya-figure"])
        return main

    return view


MapView = _figure_view(draw.map_png, "libya-map")
NetworkView = _figure_view(draw.network_png, "libya-network")
TimePlots = _figure_view(draw.plots_png, "libya-plots")


def EventLog(model):
    text = solara.use_memo(lambda: draw.events_html(model), _key(model))
    sources = solara.use_memo(lambda: draw.citations_html(model), [getattr(model, "viz_token", id(model))])
    with solara.Div(classes=["libya-events"]) as main:
        solara.HTML(tag="div", unsafe_innerHTML=text)
        solara.HTML(tag="div", unsafe_innerHTML=sources)
    return main


SCENARIO = vm.default_scenario()
SEED = vm.default_seed()
vm.CURRENT_CHOICES = vm.scenario_choices(SCENARIO)
vm.CURRENT_KNOBS = vm.build_model_params(SCENARIO, SEED)
model_params = vm.CURRENT_KNOBS.model_params
initial_model = vm.ViewerModel(**{k: v["value"] for k, v in model_params.items()})

page = SolaraViz(
    initial_model,
    components=[(Header, 0), (MapView, 0), (NetworkView, 0), (TimePlots, 0), (EventLog, 0)],
    model_params=model_params,
    name="libya-sim",
    play_interval=150,
)
page  # noqa: B018  (solara serves the module-level `page`)
