"""Comparing scenarios: common random numbers, intervals, the report, bad input."""

import base64
import re

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS, TOY, run_cli
from sim.compare import bootstrap_mean_ci, divergence_week, wilson_interval


def test_identical_scenarios_differ_by_exactly_zero(tmp_path, cli):
    out = tmp_path / "cmp"
    res = cli("compare", TOY, TOY, "--runs", 30, "--out", out)
    assert res.returncode == 0, res.stderr
    comp = pd.read_csv(out / "comparison.csv")
    other = comp[comp.scenario == "toy_war_1"]
    assert len(other) > 5
    assert (other.diff_to_baseline == 0).all()
    assert (other.diff_ci_low == 0).all() and (other.diff_ci_high == 0).all()
    a = pd.read_csv(out / "toy_war_0" / "summary.csv")
    b = pd.read_csv(out / "toy_war_1" / "summary.csv")
    pd.testing.assert_frame_equal(a, b)  # same seeds, same runs


def test_bootstrap_interval_covers_a_known_difference():
    rng = np.random.default_rng(42)
    covered = 0
    for trial in range(100):
        base = rng.normal(0.5, 0.1, size=200)
        other = base + 0.03 + rng.normal(0, 0.05, size=200)  # known mean difference 0.03
        lo, hi = bootstrap_mean_ci(other - base, np.random.default_rng(trial))
        covered += lo <= 0.03 <= hi
    assert covered >= 88  # a 95% interval: about 95 of 100


def test_wilson_interval():
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-3) and hi == pytest.approx(0.5962, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0


def test_divergence_week_finds_when_series_part():
    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.05, size=(100, 20))
    other = base.copy()
    other[:, 8:] += 0.05
    assert divergence_week({"a": base, "b": other}, "a", 1) == {"b": 8}
    assert divergence_week({"a": base, "c": base.copy()}, "a", 1) == {"c": None}


def test_report_is_self_contained_with_real_images(palermo_comparison):
    # `compare palermo_success palermo_failed --runs 4 --until 2019-03-01` (conftest)
    out, stdout = palermo_comparison
    assert "p_lna_holds_tripoli" in stdout and "report:" in stdout
    html = (out / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 4  # territory, maps, outcome distributions, chances
    for img in images:
        raw = base64.b64decode(img)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 20_000
    from PIL import Image
    import io

    pic = np.asarray(Image.open(io.BytesIO(base64.b64decode(images[0]))).convert("L"))
    assert pic.std() > 10  # not a blank image
    md = (out / "report.md").read_text()
    assert "palermo_success" in md and "When do the scenarios part?" in md
    for sub in ("palermo_success", "palermo_failed"):
        assert (out / sub / "summary.csv").exists() and (out / sub / "plots" / "control_map.png").exists()


@pytest.mark.slow
def test_different_start_dates_are_allowed_with_a_warning(tmp_path):
    out = tmp_path / "cmp"
    res = run_cli("compare", SCENARIOS / "libya_2018_11.yaml", SCENARIOS / "tripoli_offensive_2019_04.yaml",
                  "--runs", 5, "--until", "2019-09-01", "--out", out)
    assert res.returncode == 0, res.stderr
    assert "starts on 2019-04-01" in (out / "report.md").read_text()


@pytest.mark.parametrize("args,needle", [
    (["missing.yaml", "other.yaml"], "file not found"),
    ([str(TOY)], "at least one other"),
    ([str(TOY), str(TOY), "--runs", "0"], "at least 1"),
])
def test_bad_input_exit_2_nothing_written(tmp_path, args, needle, cli):
    out = tmp_path / "cmp"
    res = cli("compare", *args, "--out", out)
    assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_invalid_scenario_is_reported_before_running(tmp_path, cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {TOY}\nactors: {{red_army: {{faction: {{cohesion: 2}}}}}}\n")
    out = tmp_path / "cmp"
    res = cli("compare", TOY, bad, "--out", out)
    assert res.returncode == 2 and "bad.yaml:2: actors.red_army.faction.cohesion" in res.stderr
    assert not out.exists()


THREE = TOY.parent / "toy_three_camps.yaml"
SYRIA = SCENARIOS.parent / "syria" / "syria_2015_09.yaml"


def test_scenarios_with_other_headline_camps_compare_what_they_share(tmp_path, cli):
    """The baseline follows RED, BLUE and GREEN at middle and west, the variant RED and GREEN at middle and south:
    RED and GREEN at middle are compared, and one line for each of BLUE, west and south says why it is not."""
    base, other = tmp_path / "three.yaml", tmp_path / "other_headlines.yaml"
    base.write_text(f"extends: {THREE}\nheadline_camps: [RED, BLUE, GREEN]\n")
    other.write_text(f"extends: {THREE}\nheadline_camps: [GREEN, RED]\noutcome_places: [south, middle]\n")
    out = tmp_path / "cmp"
    res = cli("compare", base, other, "--runs", 3, "--until", "2020-03-01", "--out", out, "--workers", 1)
    assert res.returncode == 0, res.stderr
    omitted = [x for x in res.stderr.splitlines() if x.startswith("warning: not compared: ")]
    assert [x.split(": ")[2].split()[0] for x in omitted] == ["BLUE", "who", "who"], res.stderr
    assert omitted[0].endswith(": BLUE: its territory, population and oil shares and the places it holds (not a "
                               "headline camp of other_headlines)")
    assert omitted[1:] == ["warning: not compared: who holds west (not an outcome place of other_headlines)",
                           "warning: not compared: who holds south (not an outcome place of three)"]
    comp = pd.read_csv(out / "comparison.csv")
    metrics = list(dict.fromkeys(comp.metric))
    assert metrics == ["red_territory_share", "red_population_share", "red_oil_share", "green_territory_share",
                       "green_population_share", "green_oil_share", "casualties", "ceasefire_week",
                       "weeks_of_fighting", "p_red_holds_middle", "p_green_holds_middle", "p_ceasefire_by_end",
                       "p_agreement_holds"]
    assert comp[comp.metric != "ceasefire_week"].runs.eq(3).all()  # every outcome compared is defined in every run
    md = (out / "report.md").read_text()
    for line in omitted:
        assert f"- {line.removeprefix('warning: ')}" in md


@pytest.mark.parametrize("other", ["camps", "libya"])
def test_scenarios_that_share_no_headline_camp_or_place_are_refused_before_running(tmp_path, cli, monkeypatch, other):
    from sim import runner

    monkeypatch.setattr(runner, "run_ensemble", lambda *a, **k: pytest.fail("ran before refusing"))
    if other == "camps":
        base, variant = TOY, tmp_path / "green_south.yaml"
        variant.write_text(f"extends: {THREE}\nheadline_camps: [GREEN]\noutcome_places: [south]\n")
    else:
        base, variant = SYRIA, SCENARIOS / "libya_2018_11.yaml"
    out = tmp_path / "cmp"
    res = cli("compare", base, variant, "--runs", 2, "--out", out)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith("error: compare: the scenarios share no headline camp and no outcome place")
    assert not out.exists()


def test_the_report_follows_every_headline_camp(tmp_path, cli, monkeypatch):
    """Three headline camps: a territory curve for each, each in the outcome distributions, and each one's chance
    of holding every outcome place in the chances."""
    from sim import report

    saved = {}
    original = report.save

    def keep(fig, path):
        saved[path.name] = fig
        original(fig, path)

    monkeypatch.setattr(report, "save", keep)
    base, other = tmp_path / "three.yaml", tmp_path / "strong_green.yaml"
    base.write_text(f"extends: {THREE}\nheadline_camps: [RED, BLUE, GREEN]\n")
    other.write_text(f"extends: {base}\nactors: {{green_army: {{faction: {{fighters: 60000}}}}}}\n")
    res = cli("compare", base, other, "--runs", 2, "--until", "2020-03-01", "--out", tmp_path / "cmp", "--workers", 1)
    assert res.returncode == 0, res.stderr
    titles = [ax.get_title() for ax in saved["territory_over_time.png"].axes if ax.get_title()]
    assert [t.split(":")[0] for t in titles] == ["RED", "BLUE", "GREEN"]
    shares = next(ax for ax in saved["outcome_distributions.png"].axes if ax.get_title() == "territory share at the end")
    assert [t.get_text() for t in shares.get_xticklabels()] == ["RED", "BLUE", "GREEN"]
    chances = [t.get_text() for t in saved["outcome_probabilities.png"].axes[0].get_yticklabels()]
    assert chances[:6] == [f"{c} holds {p}" for p in ("middle", "west") for c in ("RED", "BLUE", "GREEN")]
    md = (tmp_path / "cmp" / "report.md").read_text()
    assert "![chances](plots/outcome_probabilities.png)" in md
    for camp in ("RED", "BLUE", "GREEN"):  # when each camp's territory parts from the baseline's
        assert f"- strong_green: {camp} territory share " in md
