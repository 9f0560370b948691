"""The libya-sim browser viewer: a Mesa SolaraViz page over :class:`sim.viz.model.ViewerModel`.

Run with ``libya-sim viz [SCENARIO]`` (see :func:`sim.viz.serve`) or directly::

    LIBYA_SIM_VIZ_SCENARIO=tests/data/toy_war.yaml solara run sim/viz/app.py --no-open

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
.sim-figure { width: 100%; height: auto; display: block; }
.sim-header h3 { margin: 0 0 2px 0; font-size: 1.15rem; }
.sim-header p { margin: 0; font-size: 0.9rem; }
.sim-events { font-size: 0.82rem; line-height: 1.3; }
.sim-events ul { padding-left: 1.1em; margin-top: 0; }
.sim-events li { margin-bottom: 2px; }
.sim-events h4 { margin: 0 0 4px 0; }
"""

# grid cells (12 columns, rows of 30 px + 10 px gaps): header; map | network; plots (the full width); events
LAYOUT = [
    {"i": 0, "x": 0, "y": 0, "w": 12, "h": 2},
    {"i": 1, "x": 0, "y": 2, "w": 6, "h": 14},
    {"i": 2, "x": 6, "y": 2, "w": 6, "h": 14},
    {"i": 3, "x": 0, "y": 16, "w": 12, "h": 15},
    {"i": 4, "x": 0, "y": 31, "w": 12, "h": 10},
]
_mesa_initial_layout = solara_viz.make_initial_grid_layout


def _initial_layout(num_components: int):
    """Mesa lays every component out 6 columns wide and 10 rows high; this page needs its own grid."""
    if num_components == len(LAYOUT):
        return [dict(cell, moved=False) for cell in LAYOUT]
    return _mesa_initial_layout(num_components)


solara_viz.make_initial_grid_layout = _initial_layout


AFTER_RESET = "Scenario, seed and sliders act after Reset."


def _number(value) -> str:
    return f"{float(value):g}"


@solara.component
def ScenarioInputs(user_params, on_change=None):
    """The sidebar's model inputs (in place of Mesa's UserInputs): the scenario, the seed (a bad one is a
    message under it, and Reset uses 0), and only the sliders that apply to the chosen scenario (its
    patrons, its first conference), each showing its value. Choosing another scenario puts that
    scenario's own values on its sliders."""
    first = user_params.get("scenario_file", {})
    chosen, set_chosen = solara.use_state(first.get("value"))
    seed_text, set_seed_text = solara.use_state(str(user_params.get("seed", {}).get("value", "0")))
    values, set_values = solara.use_state({})
    path = vm.CURRENT_CHOICES.get(chosen, chosen) if chosen else vm.default_scenario()
    knobs = solara.use_memo(lambda: _knobs_or_none(path), [path])

    def pick(label):
        set_chosen(label)
        on_change("scenario_file", label)
        new = _knobs_or_none(vm.CURRENT_CHOICES.get(label, label))
        defaults = dict(new.defaults) if new else {}
        for key, value in defaults.items():  # the new scenario's own values, not the last one's
            on_change(key, value)
        set_values(defaults)

    def seed_changed(text):
        set_seed_text(text or "")
        on_change("seed", text or "")

    def slider_changed(key, value):
        set_values({**values, key: value})
        on_change(key, value)

    solara.Select("Scenario", values=list(first.get("values", [])), value=chosen, on_value=pick)
    _, problem = vm.parse_seed(seed_text)
    solara.InputText("Seed (integer)", value=seed_text, on_value=seed_changed,
                     error=problem.replace("Reset used", "Reset will use") if problem else False)
    solara.HTML(tag="div", unsafe_innerHTML=AFTER_RESET, classes=["sim-after-reset"],
                style={"font-size": "0.85rem", "color": "#555", "margin": "6px 0"})
    if knobs is None:
        return
    for key, opt in knobs.model_params.items():
        if key not in knobs.paths:
            continue
        value = values.get(key, knobs.defaults.get(key))
        if opt["type"] == "SliderFloat":
            solara.SliderFloat(f"{opt['label']}: {_number(value)}", value=value, min=opt["min"], max=opt["max"],
                               step=opt["step"], on_value=lambda v, key=key: slider_changed(key, v),
                               thumb_label=False).key(f"{path}|{key}")
        elif opt["type"] == "Select":
            solara.Select(opt["label"], values=opt["values"], value=value,
                          on_value=lambda v, key=key: slider_changed(key, v)).key(f"{path}|{key}")


def _knobs_or_none(path: str):
    try:
        return vm.knobs_for(path)
    except Exception:  # noqa: BLE001  (a scenario that does not load: Reset shows why)
        return None


solara_viz.UserInputs = ScenarioInputs  # ModelCreator looks it up when it renders


def _key(model) -> list:
    return [getattr(model, "viz_token", id(model)), model.steps]


def Header(model):
    text = solara.use_memo(lambda: draw.header_html(model), _key(model))
    with solara.Column(classes=["sim-header"], gap="0px") as main:
        solara.Style(CSS)
        solara.HTML(tag="div", unsafe_innerHTML=text)
    return main


def _figure_view(render, css_class: str):
    """A component showing one of the viewer's figures (a PNG redrawn when the week changes)."""

    def view(model):
        png = solara.use_memo(lambda: render(model), _key(model))
        with solara.Div(classes=[css_class]) as main:
            solara.Image(png, classes=["sim-figure"])
        return main

    return view


MapView = _figure_view(draw.map_png, "sim-map")
NetworkView = _figure_view(draw.network_png, "sim-network")
TimePlots = _figure_view(draw.plots_png, "sim-plots")


def EventLog(model):
    text = solara.use_memo(lambda: draw.events_html(model), _key(model))
    sources = solara.use_memo(lambda: draw.citations_html(model), [getattr(model, "viz_token", id(model))])
    with solara.Div(classes=["sim-events"]) as main:
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
