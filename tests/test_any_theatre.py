"""The engine serves any theatre: what the project shows first is data (configs/demo.yaml), the viewer's
sliders follow the scenario's own patrons, and a map anywhere in the region outlines gets its coastlines.
(That sim/ names no theatre is checked in test_model.py.)"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from conftest import TOY
from sim import plots, showcase
from sim.errors import InputError
from sim.scenario import load_scenario, resolve_scenario_path


# ---------------------------------------------------------------------- the demo and the viewer's first scenario
def test_the_demo_runs_the_comparisons_of_the_showcase_file(monkeypatch, tmp_path):
    from sim import compare

    (tmp_path / "demo.yaml").write_text(f"demo:\n  - [{TOY}, {TOY}]\nruns: 2\n")
    monkeypatch.setattr(showcase, "showcase_path", lambda: tmp_path / "demo.yaml")
    calls = []
    monkeypatch.setattr(compare, "compare", lambda paths, runs, *a, **k: calls.append((paths, runs)) or
                        (tmp_path, "headline"))
    monkeypatch.chdir(tmp_path)
    assert compare.demo() == 0
    assert calls == [([str(TOY), str(TOY)], 2)]


def test_the_shipped_showcase_names_shipped_scenarios():
    show = showcase.load_showcase()
    assert show.demo and show.viewer
    for name in [show.viewer, *(n for pair in show.demo for n in pair)]:
        assert resolve_scenario_path(name).is_file(), name


def test_a_bad_showcase_file_is_one_line_with_its_line(tmp_path):
    f = tmp_path / "demo.yaml"
    f.write_text("demo:\n  - [a, b]\nruns: 2\nviewr: a\n")
    with pytest.raises(InputError) as exc:
        showcase.load_showcase(f)
    assert str(exc.value) == f"{f}:4: viewr: unknown key"
    f.write_text("demo:\n  - [a, b, c]\n")
    with pytest.raises(InputError, match=r"demo\.yaml:2: demo\.0"):
        showcase.load_showcase(f)


def test_the_viewer_opens_the_showcase_scenario(monkeypatch, tmp_path):
    from sim.viz import model as vm

    monkeypatch.delenv(vm.ENV_SCENARIO, raising=False)
    (tmp_path / "demo.yaml").write_text(f"viewer: {TOY}\n")
    monkeypatch.setattr(vm, "load_showcase", lambda: showcase.load_showcase(tmp_path / "demo.yaml"))
    assert vm.default_scenario() == str(TOY)


def test_the_viewer_sliders_are_the_scenarios_largest_patrons():
    from sim.viz.model import slider_patrons

    s = load_scenario(TOY, {"actors.red_patron.patron.budget": 5.0,
                            "actors.green_patron": {"name": "Green patron", "kind": "patron", "camp": "RED",
                                                    "assumption": "test data",
                                                    "patron": {"budget": 9.0, "resolve": 0.5, "risk_tolerance": 0.5}},
                            "actors.turkey": {"name": "A small patron named like a big one", "kind": "patron",
                                              "camp": "BLUE", "assumption": "test data",
                                              "patron": {"budget": 0.1, "resolve": 0.5, "risk_tolerance": 0.5}}
                            }).scenario
    assert slider_patrons(s) == ["green_patron", "red_patron", "blue_patron"]  # not the one with a famous name


# ---------------------------------------------------------------------- map outlines by region
def _outline_of(lons, lats) -> str | None:
    data = plots.outline(lons, lats)
    return None if data is None else data["box"]


def test_a_map_gets_the_smallest_outline_that_holds_its_places():
    small = _outline_of([13.0, 20.0], [31.0, 32.0])  # a war on the central Mediterranean's southern shore
    levant = _outline_of([35.5, 36.2, 37.2, 40.1], [33.5, 34.7, 36.2, 35.3])  # one on the eastern shore
    assert small is not None and levant is not None and small != levant
    assert (small[2] - small[0]) * (small[3] - small[1]) < (levant[2] - levant[0]) * (levant[3] - levant[1])
    assert _outline_of([100.0, 101.0], [10.0, 11.0]) is None
    fig, ax = plt.subplots()
    assert plots.draw_outline(ax, [35.5, 40.1], [33.5, 36.2]) is True
    assert {c.get_gid() for c in ax.collections} == {"coastline", "borders"}
    plt.close(fig)


def test_the_outline_files_name_regions():
    assert len(plots.outlines()) >= 2
    for data in plots.outlines():
        x0, y0, x1, y1 = data["box"]
        assert x0 < x1 and y0 < y1 and data["land"] and data["borders"]
