"""Maps people can read: sea, land, coastline and borders wherever a map is drawn (checked on the
rendered PNGs), place and actor labels that do not overlap, oil sites named, actors named."""

from __future__ import annotations

import io
from itertools import combinations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from sim import plots  # noqa: E402
from sim.runner import horizon_steps, run_ensemble  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

from conftest import SCENARIOS, SHIPPED  # noqa: E402


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])


def _share(png: bytes, hex_color: str, tol: int = 3) -> float:
    """Share of the image's pixels that have this colour (within ``tol`` per channel)."""
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return float((np.abs(img - _rgb(hex_color)).max(axis=2) <= tol).mean())


def _assert_has_outline(png: bytes) -> None:
    assert _share(png, plots.SEA) > 0.03, "no sea on the map"
    assert _share(png, plots.LAND) > 0.15, "no land on the map"
    assert _share(png, plots.COAST, tol=40) > 0.002, "no coastline on the map"


@pytest.fixture(scope="module")
def libya():
    loaded = load_scenario(str(SCENARIOS / "libya_2018_11.yaml"))
    s = loaded.scenario
    return s, run_ensemble(s, 4, 1, horizon_steps(s), workers=1)


def _no_overlaps(ax) -> list[str]:
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]
    return [f"{a} / {b}" for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]


def test_run_map_has_coastline_and_readable_labels(tmp_path, libya):
    scenario, results = libya
    paths = plots.run_plots(tmp_path / "plots", scenario, results)
    _assert_has_outline((tmp_path / "plots" / "control_map.png").read_bytes())
    assert paths[1].name == "control_map.png"

    fig, ax = plt.subplots(figsize=(8, 6.5))
    plots.draw_control_map(ax, scenario, plots.final_control(results))
    assert {c.get_gid() for c in ax.collections} >= {"coastline", "borders"}
    assert not _no_overlaps(ax)
    shown = {t.get_text().rsplit(" ", 1)[0] if t.get_text().endswith("%") else t.get_text() for t in ax.texts}
    oil = [p.name.split(" (")[0] for p in scenario.territory.places.values() if p.oil_bpd > 0]
    assert sum(name in shown for name in oil) >= len(oil) // 2, (oil, shown)  # oil sites are named
    for place in scenario.outcome_places:  # the places the question is about always are
        assert scenario.territory.places[place].name.split(" (")[0] in {t.split(" ")[0] for t in shown} | shown
    plt.close(fig)


def test_report_maps_have_the_coastline(tmp_path, libya):
    scenario, results = libya
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), squeeze=False)
    for ax in axes[0]:
        plots.draw_control_map(ax, scenario, plots.final_control(results), "a title")
    path = tmp_path / "maps.png"
    plots.save(fig, path)
    _assert_has_outline(path.read_bytes())


def test_viewer_map_has_the_coastline():
    from sim.viz import draw
    from sim.viz import model as vm

    params = vm.build_model_params(str(SCENARIOS / "libya_2018_11.yaml"), 1).model_params
    model = vm.ViewerModel(**{k: v["value"] for k, v in params.items()})
    model.step()
    _assert_has_outline(draw.map_png(model))


def test_network_labels_are_names_and_do_not_overlap(libya):
    scenario, results = libya
    last = results[0].recorder.last_snapshot()
    fig, ax = plt.subplots(figsize=(9, 7))
    plots.draw_support_network(ax, scenario, dict(zip(last.tie_keys, last.tie_levels)))
    texts = {t.get_text() for t in ax.texts if t.get_text()}
    assert not texts & set(scenario.actors), "actor ids used as labels"
    assert len(texts) >= len(scenario.actors) * 3 // 4
    assert not _no_overlaps(ax)
    plt.close(fig)


def test_recognition_is_not_a_camp_colour():
    """The recognition edge must not look like a camp: no camp colour of a shipped scenario within 60 of
    it on any channel (the old blue differed from the GNA camp's by 8)."""
    recognition = _rgb(plots.CHANNEL_COLORS["recognition"])
    for f in SHIPPED:
        for camp, spec in load_scenario(str(f)).scenario.camps.items():
            assert np.abs(_rgb(spec.color) - recognition).max() > 60, (f.name, camp)


def test_a_map_elsewhere_gets_no_outline():
    fig, ax = plt.subplots()
    assert plots.draw_outline(ax, [100.0, 101.0], [10.0, 11.0]) is False
    assert plots.draw_outline(ax, [13.0, 20.0], [31.0, 32.0]) is True
    plt.close(fig)


def test_no_armed_camp_draws_without_a_warning():
    import warnings

    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.draw_share_bands(ax, {}, {})
    assert any("no armed camp" in t.get_text() for t in ax.texts)
    plt.close(fig)


SYRIA = SCENARIOS.parent / "syria" / "syria_2015_09.yaml"


def _start_control(scenario) -> dict:
    """place -> Counter(camp of its holder at the start: 1)."""
    from collections import Counter

    return {pid: Counter({scenario.actors[p.controller].camp: 1}) for pid, p in scenario.territory.places.items()}


def _apart(legend, ax) -> bool:
    renderer = ax.figure.canvas.get_renderer()
    return not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


@pytest.mark.parametrize("path", [SCENARIOS / "libya_2018_11.yaml", SYRIA], ids=lambda p: p.stem)
def test_map_legends_sit_beside_the_map_not_on_it(path):
    """The legend hid the places in the south (it sat in the map's lower left corner): it is beneath the map,
    in the run's and the report's maps and in the viewer's."""
    from sim.viz import draw
    from sim.viz import model as vm

    scenario = load_scenario(str(path)).scenario
    fig, ax = plt.subplots(figsize=(8, 6.5))
    plots.draw_control_map(ax, scenario, _start_control(scenario), "a title")
    assert ax.get_legend() is not None and _apart(ax.get_legend(), ax)
    plt.close(fig)
    model = vm.ViewerModel(scenario_file=str(path), seed=1)
    draw.map_png(model)
    view = model._viz_map
    assert view.legend is not None and _apart(view.legend, view.ax)
