"""The statistics users read: differences between scenarios (compare) and sensitivity indices (analyze).

Each test puts in a known effect (a known difference, a known noise, a known slope) and checks that
what comes out has its sign and its size.
"""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import TOY
from scipy import stats

from sim.compare import (_fmt_diff, _fmt_value, bootstrap_mean_ci, comparison_rows, divergence_week,
                         headline_metric_names, headline_table, metrics_from_summaries, wilson_interval)
from sim.sweep.analyze import SOBOL_SEED, _correlation_rows, analyze, point_means
from sim.sweep.engine import execute, prepare, read_runs
from sim.sweep.spec import load_sweep

PI = math.pi
S1_TRUE = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST_TRUE = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


# ====================================================================== compare: the statistics
def summary(casualties, share, middle, ceasefire, agreement, fighting=3):
    """A summary row as the model writes it (see sim/outcomes.py)."""
    return {"middle_controller": "town_militia", "middle_camp": middle, "red_territory_share": share,
            "casualties": casualties, "ceasefire_week": ceasefire, "weeks_of_fighting": fighting,
            "agreement_held": agreement}


BASE = [summary(100, 0.40, "BLUE", None, False), summary(200, 0.40, "RED", 5, False),
        summary(300, 0.60, "BLUE", None, False), summary(400, 0.40, "BLUE", 7, True)]
# the variant, run by run: 10, 20, 30 and 40 more casualties; 0.2 more share in two runs of four;
# the middle town goes RED in two more runs; a ceasefire in one more run; an agreement in one more
OTHER = [summary(110, 0.60, "RED", 3, True), summary(220, 0.40, "RED", 5, False),
         summary(330, 0.80, "RED", 9, False), summary(440, 0.40, "BLUE", 7, True)]


def rows_by(rows):
    return {(r[0], r[2]): dict(zip(("metric", "kind", "scenario", "runs", "mean", "median", "p10", "p90", "ci_low",
                                    "ci_high", "diff", "diff_lo", "diff_hi"), r)) for r in rows}


@pytest.fixture
def metrics():
    return metrics_from_summaries({"base": BASE, "other": OTHER}, ["middle"], ["RED"])


def test_metrics_are_the_numeric_outcomes_and_the_event_chances(metrics):
    names = [m.name for m in metrics]
    assert names == ["red_territory_share", "casualties", "ceasefire_week", "weeks_of_fighting",
                     "p_red_holds_middle", "p_ceasefire_by_end", "p_agreement_holds"]
    by = {m.name: m for m in metrics}
    np.testing.assert_array_equal(by["casualties"].values["other"], [110, 220, 330, 440])
    # "no ceasefire" is missing, not week 0
    np.testing.assert_array_equal(by["ceasefire_week"].values["base"], [np.nan, 5, np.nan, 7])
    np.testing.assert_array_equal(by["p_red_holds_middle"].values["base"], [0, 1, 0, 0])
    np.testing.assert_array_equal(by["p_ceasefire_by_end"].values["base"], [0, 1, 0, 1])
    np.testing.assert_array_equal(by["p_agreement_holds"].values["other"], [1, 0, 0, 1])
    assert {m.kind for m in metrics if m.name.startswith("p_")} == {"probability"}
    assert {m.kind for m in metrics if not m.name.startswith("p_")} == {"value"}
    # the labels of the report's charts
    assert [m.label for m in metrics] == ["red territory share", "casualties", "ceasefire week", "weeks of fighting",
                                          "P(RED holds middle at the end)", "P(a ceasefire by the end)",
                                          "P(an agreement holds at the end)"]


def test_a_variant_with_more_outcomes_is_compared_on_the_baselines(metrics):
    """A variant whose runs have an outcome the baseline lacks (another outcome place, another camp): the
    comparison covers the baseline's outcomes."""
    more = [dict(r, east_controller="red_army", east_camp="RED", blue_territory_share=0.3) for r in OTHER]
    wider = metrics_from_summaries({"base": BASE, "other": more}, ["middle"], ["RED"])
    assert [m.name for m in wider] == [m.name for m in metrics]
    np.testing.assert_array_equal(wider[1].values["other"], metrics[1].values["other"])


def test_a_single_run_each_gives_its_one_difference():
    """compare --runs 1: the one paired difference, with an interval of that one value; a chance of 0 or 1
    with its Wilson interval."""
    one = metrics_from_summaries({"base": BASE[:1], "other": OTHER[:1]}, ["middle"], ["RED"])
    by = rows_by(comparison_rows(one, "base", seed=1))
    cas = by[("casualties", "other")]
    assert (cas["runs"], cas["mean"], cas["diff"], cas["diff_lo"], cas["diff_hi"]) == (1, 110.0, 10.0, 10.0, 10.0)
    assert (by[("p_red_holds_middle", "other")]["ci_low"], by[("p_red_holds_middle", "other")]["ci_high"]) == \
        pytest.approx((0.2065, 1.0), abs=1e-4)  # 1 of 1
    assert (by[("p_red_holds_middle", "base")]["ci_low"], by[("p_red_holds_middle", "base")]["ci_high"]) == \
        pytest.approx((0.0, 0.7935), abs=1e-4)  # 0 of 1
    assert by[("p_red_holds_middle", "other")]["diff"] == 1.0


@pytest.mark.filterwarnings("error")
def test_an_outcome_that_never_happens_is_missing_without_warnings():
    """No ceasefire in any run of the baseline: its week is missing (no mean, no warning), the baseline's own
    difference is still 0 and the variant's, with nothing to pair, missing."""
    never = [dict(r, ceasefire_week=None) for r in BASE]
    by = rows_by(comparison_rows(metrics_from_summaries({"base": never, "other": OTHER}, ["middle"], ["RED"]),
                                 "base", seed=1))
    base = by[("ceasefire_week", "base")]
    assert base["runs"] == 0 and all(math.isnan(base[k]) for k in ("mean", "median", "p10", "p90"))
    assert (base["diff"], base["diff_lo"], base["diff_hi"]) == (0.0, 0.0, 0.0)
    other = by[("ceasefire_week", "other")]
    assert other["runs"] == 4 and other["mean"] == pytest.approx(6.0)
    assert all(math.isnan(other[k]) for k in ("diff", "diff_lo", "diff_hi"))
    assert by[("p_ceasefire_by_end", "other")]["diff"] == 1.0


def test_the_comparison_is_reproducible_from_its_seed():
    """The same comparison with the same seed gives the same intervals (the bootstrap is seeded)."""
    rng = np.random.default_rng(12)
    runs = {s: [summary(int(c), 0.5, "RED", None, False) for c in rng.integers(100, 900, 30)]
            for s in ("base", "other")}
    metrics = metrics_from_summaries(runs, ["middle"], ["RED"])
    first = pd.DataFrame(comparison_rows(metrics, "base", seed=1))
    assert first.equals(pd.DataFrame(comparison_rows(metrics, "base", seed=1)))
    assert not first.equals(pd.DataFrame(comparison_rows(metrics, "base", seed=2)))  # the seed matters


def test_a_known_difference_has_its_sign_and_size(metrics):
    by = rows_by(comparison_rows(metrics, "base", seed=1))
    cas = by[("casualties", "other")]
    assert cas["diff"] == pytest.approx(25.0)  # the mean of 10, 20, 30, 40
    assert 10.0 <= cas["diff_lo"] < 25.0 < cas["diff_hi"] <= 40.0  # the interval lies within the paired differences
    assert (cas["mean"], cas["median"], cas["runs"]) == (pytest.approx(275.0), pytest.approx(275.0), 4)
    assert cas["p10"] == pytest.approx(np.percentile([110, 220, 330, 440], 10))
    assert cas["p90"] == pytest.approx(np.percentile([110, 220, 330, 440], 90))
    assert math.isnan(cas["ci_low"]) and math.isnan(cas["ci_high"])  # a value has no Wilson interval
    share = by[("red_territory_share", "other")]
    assert share["diff"] == pytest.approx(0.1) and share["diff_lo"] == pytest.approx(0.0)
    assert share["diff_hi"] == pytest.approx(0.2)
    base = by[("casualties", "base")]
    assert (base["diff"], base["diff_lo"], base["diff_hi"]) == (0.0, 0.0, 0.0)
    assert base["mean"] == pytest.approx(250.0)
    # the other way round, the same difference with the other sign
    back = rows_by(comparison_rows(metrics, "other", seed=1))[("casualties", "base")]
    assert back["diff"] == pytest.approx(-25.0)
    assert -40.0 <= back["diff_lo"] < -25.0 < back["diff_hi"] <= -10.0


def test_chances_get_wilson_intervals_and_paired_differences(metrics):
    by = rows_by(comparison_rows(metrics, "base", seed=1))
    mid = by[("p_red_holds_middle", "other")]
    assert mid["mean"] == pytest.approx(0.75) and mid["diff"] == pytest.approx(0.5)
    assert (mid["ci_low"], mid["ci_high"]) == pytest.approx(wilson_interval(3, 4))
    assert mid["diff_lo"] >= 0.0 and mid["diff_hi"] <= 1.0
    base = by[("p_red_holds_middle", "base")]
    assert (base["ci_low"], base["ci_high"]) == pytest.approx(wilson_interval(1, 4))
    assert by[("p_ceasefire_by_end", "other")]["diff"] == pytest.approx(0.5)
    assert by[("p_agreement_holds", "other")]["diff"] == pytest.approx(0.25)


def test_missing_values_are_left_out_and_paired_by_run(metrics):
    by = rows_by(comparison_rows(metrics, "base", seed=1))
    week = by[("ceasefire_week", "other")]
    assert week["runs"] == 4 and week["mean"] == pytest.approx(6.0)
    assert by[("ceasefire_week", "base")]["runs"] == 2
    assert week["diff"] == pytest.approx(0.0)  # paired where both have a ceasefire: 5 - 5 and 7 - 7
    assert (week["diff_lo"], week["diff_hi"]) == (0.0, 0.0)


def test_the_headline_shows_the_difference_with_its_sign(metrics):
    rows = comparison_rows(metrics, "base", seed=1)
    text = headline_table(rows, ["base", "other"], metrics, ["RED"], ["middle"])
    all_lines = text.splitlines()
    lines = {line.split()[0]: line for line in all_lines[2:]}
    assert list(lines) == ["red_territory_share", "casualties", "weeks_of_fighting", "p_red_holds_middle",
                           "p_ceasefire_by_end", "p_agreement_holds"]
    assert list(lines) == headline_metric_names(metrics, ["RED"], ["middle"])
    assert "275 (+25, +" in lines["casualties"]
    assert lines["p_red_holds_middle"].split()[1:4] == ["25%", "75%", "(+50"]
    mid = rows_by(rows)[("p_red_holds_middle", "other")]
    assert f"75% (+50 pts, {100 * mid['diff_lo']:+.0f} pts to {100 * mid['diff_hi']:+.0f} pts)" in \
        lines["p_red_holds_middle"]
    # a table: the header names the baseline, a rule of dashes under each column, every column left-aligned
    header, rule = all_lines[0], all_lines[1]
    starts = [0, header.index("base (baseline)"), header.index("other (diff, 95% CI)")]
    assert header.startswith("outcome ") and starts[0] < starts[1] < starts[2]
    assert set(rule) == {"-", " "} and [m.start() for m in re.finditer(r"-+", rule)] == starts
    for name, line in lines.items():
        r0, r1 = rows_by(rows)[(name, "base")], rows_by(rows)[(name, "other")]
        assert line.startswith(name + " ")
        assert line[starts[1]:].startswith(_fmt_value(r0["mean"], r0["kind"]) + " ")
        assert line[starts[2]:].startswith(_fmt_value(r1["mean"], r1["kind"]) + " (")
    assert "0.55 (+0.1, +0 to +0.2)" in lines["red_territory_share"]
    back = headline_table(comparison_rows(metrics, "other", seed=1), ["other", "base"], metrics, ["RED"], ["middle"])
    assert "250 (-25, -" in back


def test_the_headline_covers_every_headline_camp():
    """With two or more headline camps, each camp's shares and chances of holding the places are shown (in a
    three-camp war one camp's chance is not the other's complement)."""
    names = ["a_territory_share", "b_territory_share", "a_oil_share", "b_oil_share", "casualties",
             "p_a_holds_x", "p_b_holds_x", "p_a_holds_y", "p_b_holds_y", "p_c_holds_x", "p_ceasefire_by_end"]
    metrics = [SimpleNamespace(name=n) for n in names]
    assert headline_metric_names(metrics, ["A", "B"], ["x", "y"]) == [
        "a_territory_share", "b_territory_share", "a_oil_share", "b_oil_share", "casualties",
        "p_a_holds_x", "p_a_holds_y", "p_b_holds_x", "p_b_holds_y", "p_ceasefire_by_end"]


def test_the_headline_without_a_headline_camp_and_its_formats(metrics):
    assert headline_metric_names(metrics, [], ["middle"]) == ["casualties", "weeks_of_fighting", "p_ceasefire_by_end",
                                                              "p_agreement_holds"]
    assert _fmt_value(math.nan, "value") == _fmt_value(math.nan, "probability") == "n/a"
    assert _fmt_diff(math.nan, "value") == _fmt_diff(math.nan, "probability") == "n/a"
    assert (_fmt_value(0.75, "probability"), _fmt_diff(0.75, "probability"), _fmt_diff(-0.05, "probability")) == \
        ("75%", "+75 pts", "-5 pts")
    assert (_fmt_value(1234.5, "value"), _fmt_diff(-0.0123, "value")) == ("1,234", "-0.0123")
    # from 1,000 on (a thousand casualties included), thousands with a comma, never 1e+03
    assert [_fmt_value(v, "value") for v in (999.4, 1000, 1000.4)] == ["999", "1,000", "1,000"]
    assert [_fmt_diff(v, "value") for v in (999.4, 1000, -1000.4, 1500)] == ["+999", "+1,000", "-1,000", "+1,500"]


def test_bootstrap_interval_edges_and_sign():
    assert bootstrap_mean_ci(np.array([]), np.random.default_rng(0)) == (pytest.approx(math.nan, nan_ok=True),) * 2
    assert bootstrap_mean_ci(np.array([0.3, 0.3, 0.3]), np.random.default_rng(0)) == (0.3, 0.3)
    # a constant difference is reported as it is (a mean of three 0.1 is 0.10000000000000002)
    assert bootstrap_mean_ci(np.array([0.1, 0.1, 0.1]), np.random.default_rng(0)) == (0.1, 0.1)
    assert bootstrap_mean_ci(np.array([0.1]), np.random.default_rng(0)) == (0.1, 0.1)
    up = np.random.default_rng(5).normal(1.0, 0.2, size=60)
    lo, hi = bootstrap_mean_ci(up, np.random.default_rng(0))
    assert 0.8 < lo < up.mean() < hi < 1.2
    lo2, hi2 = bootstrap_mean_ci(-up, np.random.default_rng(0))
    assert -1.2 < lo2 < -up.mean() < hi2 < -0.8
    lo90, hi90 = bootstrap_mean_ci(up, np.random.default_rng(0), level=0.5)
    assert lo < lo90 < hi90 < hi  # a narrower interval at a lower level


def test_bootstrap_interval_is_the_seeded_percentile_interval():
    """The percentile interval (Efron & Tibshirani), of `samples` resamples drawn from the generator given:
    the same generator state, the same interval."""
    skewed = np.random.default_rng(8).exponential(1.0, size=25)

    def scipy_ci(method, resamples):
        ci = stats.bootstrap((skewed,), np.mean, n_resamples=resamples, method=method,
                             random_state=np.random.default_rng(0)).confidence_interval
        return ci.low, ci.high

    ours = bootstrap_mean_ci(skewed, np.random.default_rng(0), samples=300)
    assert ours == bootstrap_mean_ci(skewed, np.random.default_rng(0), samples=300)
    assert ours != bootstrap_mean_ci(skewed, np.random.default_rng(1), samples=300)
    assert ours == pytest.approx(scipy_ci("percentile", 300), rel=1e-12)
    # the data tell these apart: BCa, or another number of resamples, give another interval
    assert ours != pytest.approx(scipy_ci("BCa", 300), rel=1e-6)
    assert ours != pytest.approx(scipy_ci("percentile", 9999), rel=1e-6)


def test_wilson_interval_is_asymmetric_near_the_edges():
    lo, hi = wilson_interval(1, 20)
    assert lo == pytest.approx(0.0089, abs=1e-3) and hi == pytest.approx(0.2361, abs=1e-3)
    lo, hi = wilson_interval(19, 20)
    assert lo == pytest.approx(0.7639, abs=1e-3) and hi == pytest.approx(0.9911, abs=1e-3)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    assert wilson_interval(5, 10, level=0.5)[0] > wilson_interval(5, 10)[0]


def test_divergence_week_in_either_direction_and_on_common_steps():
    rng = np.random.default_rng(3)
    base = rng.normal(0.5, 0.05, size=(80, 15))
    lower = base.copy()
    lower[:, 6:] -= 0.05
    longer = np.hstack([base, base[:, :5] + 1.0])  # differs only after the baseline ends
    out = divergence_week({"a": base, "lower": lower, "longer": longer}, "a", 1)
    assert out == {"lower": 6, "longer": None}
    shifted = base + 0.01  # every run differs by the same amount from the first week
    assert divergence_week({"a": base, "s": shifted}, "a", 1) == {"s": 0}
    one_run = {"a": base[:1], "b": base[:1].copy()}
    one_run["b"][0, 4:] += 0.2
    assert divergence_week(one_run, "a", 1) == {"b": 4}


def test_divergence_week_needs_more_than_noise():
    """Weeks of noise that averages zero are no divergence, a shift is (from its first week); one run in three
    that differs is not enough; two runs that both differ are; a one-week comparison can diverge in week 0."""
    rng = np.random.default_rng(6)
    base = rng.normal(0.5, 0.05, size=(60, 12))
    noise = rng.normal(0.0, 0.05, size=(60, 12))
    noise -= noise.mean(axis=0)  # every week's mean difference is 0
    shifted = base + noise
    shifted[:, 7:] += 0.05
    assert divergence_week({"a": base, "b": shifted, "noise": base + noise}, "a", 1) == {"b": 7, "noise": None}
    three = np.full((3, 4), 0.5)
    up, down = three.copy(), three.copy()
    up[2] += 0.3
    down[2] -= 0.3
    assert divergence_week({"a": three, "up": up, "down": down}, "a", 1) == {"up": None, "down": None}
    two = np.full((2, 5), 0.5)
    both = two.copy()
    both[0, 2:] += 0.1
    both[1, 2:] += 0.2
    assert divergence_week({"a": two, "b": both}, "a", 1) == {"b": 2}
    week = base[:, :1]
    assert divergence_week({"a": week, "b": week + 0.1 + noise[:, :1] / 5}, "a", 1) == {"b": 0}


def test_divergence_week_is_the_first_of_either_kind():
    """The first week that differs, whether the bootstrap finds it (runs differ by different amounts) or every
    run differs by the same amount (no interval needed)."""
    rng = np.random.default_rng(9)
    base = rng.integers(0, 64, size=(50, 8)) / 64  # exact in binary: a shift of 0.25 is the same in every run
    tested = base.copy()
    tested[:, 3] += 0.1 + rng.normal(0.0, 0.01, 50)
    tested[:, 5] += 0.25
    constant_first = base.copy()
    constant_first[:, 2] += 0.25
    constant_first[:, 5] += 0.1 + rng.normal(0.0, 0.01, 50)
    assert divergence_week({"a": base, "tested": tested, "constant": constant_first}, "a", 1) == \
        {"tested": 3, "constant": 2}


def test_divergence_week_is_reproducible_from_its_seed():
    """Weeks at the edge of significance: which comes first depends on the bootstrap's resamples, so on the
    seed, and the same seed gives the same week."""
    rng = np.random.default_rng(4)
    z = rng.normal(0.0, 1.0, size=(30, 12))
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    series = {"a": np.full((30, 12), 0.5), "b": 0.5 + z + 1.96 / np.sqrt(30)}  # each week's mean at its edge
    weeks = [divergence_week(series, "a", seed)["b"] for seed in range(10)]
    assert len(set(weeks)) > 1
    assert [divergence_week(series, "a", seed)["b"] for seed in range(10)] == weeks


# ====================================================================== compare: through the command line
def test_compare_reports_a_known_effect_with_its_sign_and_size(weak_blue_comparison):
    # `compare toy_war weak_blue --runs 20 --seed 1` (conftest): the Blue army a fifth of its size
    out, stdout = weak_blue_comparison
    comp = pd.read_csv(out / "comparison.csv")
    base = pd.read_csv(out / "toy_war" / "summary.csv")
    weak = pd.read_csv(out / "weak_blue" / "summary.csv")
    assert list(base.seed) == list(weak.seed) == list(range(1, 21))  # common seeds
    row = comp[(comp.metric == "red_territory_share") & (comp.scenario == "weak_blue")].iloc[0]
    expected = (weak.red_territory_share - base.red_territory_share).mean()
    assert expected > 0.05  # a weaker enemy: Red holds more
    assert row.diff_to_baseline == pytest.approx(expected, abs=1e-4)
    assert 0 < row.diff_ci_low < expected < row.diff_ci_high
    assert row["mean"] == pytest.approx(weak.red_territory_share.mean(), abs=1e-4)
    held = comp[(comp.metric == "p_red_holds_middle") & (comp.scenario == "weak_blue")].iloc[0]
    p_weak, p_base = (weak.middle_camp == "RED").mean(), (base.middle_camp == "RED").mean()
    assert p_weak - p_base > 0.3
    assert held.diff_to_baseline == pytest.approx(p_weak - p_base, abs=1e-4)
    assert (held.ci_low, held.ci_high) == pytest.approx(wilson_interval(int((weak.middle_camp == "RED").sum()), 20),
                                                        abs=1e-4)
    blue = comp[(comp.metric == "blue_territory_share") & (comp.scenario == "weak_blue")].iloc[0]
    assert blue.diff_to_baseline == pytest.approx(-expected, abs=1e-4) and blue.diff_ci_high < 0
    base_row = comp[(comp.metric == "red_territory_share") & (comp.scenario == "toy_war")].iloc[0]
    assert base_row.diff_to_baseline == 0

    # report.md shows the same numbers, with their signs
    md = (out / "report.md").read_text()
    line = next(x for x in md.splitlines() if x.startswith("| red_territory_share | weak_blue |"))
    assert f"| {row.diff_to_baseline:+.3g} ({row.diff_ci_low:+.3g} to {row.diff_ci_high:+.3g}) |" in line
    line = next(x for x in md.splitlines() if x.startswith("| blue_territory_share | weak_blue |"))
    assert f"| {-expected:+.3g} (" in line
    assert re.search(r"weak_blue: RED territory share first differs significantly from the baseline at week \d+",
                     md)
    head = next(x for x in stdout.splitlines() if x.startswith("red_territory_share"))
    assert f"({expected:+.3g}, " in head


# ====================================================================== analyze: Sobol, replications, correlations
def ishigami_yaml(method: str, samples: int, replications: int = 1) -> str:
    return "\n".join([
        "model: ishigami",
        "parameters:",
        f"  x1: {{bounds: [{-PI}, {PI}]}}",
        f"  x2: {{bounds: [{-PI}, {PI}]}}",
        f"  x3: {{bounds: [{-PI}, {PI}]}}",
        f"design: {{method: {method}, samples: {samples}, seed: 7}}",
        f"replications: {replications}",
        "outcomes: [y]",
        "chunk_size: 2048",
    ]) + "\n"


def sweep(tmp_path, name: str, text: str):
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    out = tmp_path / name
    res = execute(prepare(load_sweep(f), out), backend="local", workers=1, progress=False, log=lambda m: None)
    assert res.status == "complete"
    return out


def add_noise(out, noise_by_point: np.ndarray) -> None:
    """Replication r of point i gets (+1, -1, ...)[r] times the point's noise: the mean over the replications
    is the noise-free value, any one replication is not."""
    for part in sorted((out / "runs").glob("part-*.parquet")):
        table = pq.read_table(part)
        df = table.to_pandas()
        sign = np.where(df["replication"].to_numpy() % 2 == 0, 1.0, -1.0)
        df["y"] = df["y"] + sign * noise_by_point[df["point"].to_numpy()]
        pq.write_table(pa.Table.from_pandas(df, schema=table.schema, preserve_index=False), part)


@pytest.fixture(scope="module")
def noisy_sobol(tmp_path_factory):
    """Ishigami (Var y = 13.84) with 2 replications per point and a known noise of sd 3 that cancels in
    the mean of the replications, but would pull S1 down by about a third in any single replication."""
    tmp = tmp_path_factory.mktemp("sobol")
    out = sweep(tmp, "noisy", ishigami_yaml("sobol", 1024, replications=2))
    clean = point_means(read_runs(out), load_sweep(tmp / "noisy.yaml"), pd.read_parquet(out / "design.parquet"))[0]
    noise = np.random.default_rng(11).normal(0.0, 3.0, size=len(clean))
    add_noise(out, noise)
    table = analyze(out, num_resamples=200, plots=True, log=lambda m: None)
    return out, table, clean


def test_sobol_averages_the_replications(noisy_sobol):
    out, table, clean = noisy_sobol
    points = pd.read_csv(out / "analysis" / "points.csv")
    np.testing.assert_allclose(points["y"], clean["y"], atol=1e-9)  # the noise cancels in the mean
    assert (points["runs"] == 2).all()
    s1 = dict(zip(table.parameter, table.S1))
    st = dict(zip(table.parameter, table.ST))
    for p in ("x1", "x2", "x3"):
        assert s1[p] == pytest.approx(S1_TRUE[p], abs=0.06), (p, s1)
        assert st[p] == pytest.approx(ST_TRUE[p], abs=0.06), (p, st)


def test_sobol_confidence_columns_are_their_own(noisy_sobol):
    """S1_conf is the interval of S1, ST_conf that of ST (as SALib computes them on the same means)."""
    from SALib.analyze import sobol

    out, table, clean = noisy_sobol
    problem = json.loads((out / "sweep.json").read_text())["design"]["problem"]
    Y = clean.sort_values("point")["y"].to_numpy(dtype=float)
    Si = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=SOBOL_SEED)
    np.testing.assert_allclose(table["S1_conf"], Si["S1_conf"], rtol=1e-9)
    np.testing.assert_allclose(table["ST_conf"], Si["ST_conf"], rtol=1e-9)
    assert not np.allclose(table["S1_conf"], table["ST_conf"], rtol=0.05)
    csv = pd.read_csv(out / "analysis" / "indices.csv")
    np.testing.assert_allclose(csv["S1_conf"], Si["S1_conf"], rtol=1e-6)
    # each interval covers the analytic value of its own index
    for _, r in table.iterrows():
        assert abs(r.S1 - S1_TRUE[r.parameter]) <= r.S1_conf + 0.02, r
        assert abs(r.ST - ST_TRUE[r.parameter]) <= r.ST_conf + 0.02, r
    # the same folder analysed again: the same intervals (the bootstrap is seeded)
    again = analyze(out, num_resamples=200, plots=False, log=lambda m: None)
    np.testing.assert_array_equal(again["S1_conf"], table["S1_conf"])
    np.testing.assert_array_equal(again["ST_conf"], table["ST_conf"])
    # a lower confidence level, narrower intervals
    narrow = analyze(out, num_resamples=200, conf_level=0.5, plots=False, log=lambda m: None)
    assert (narrow["S1_conf"].to_numpy() < table["S1_conf"].to_numpy()).all()


def test_point_means_average_every_replication_and_count_them():
    runs = pd.DataFrame({"point": [0, 0, 0, 1, 1, 2], "replication": [0, 1, 2, 0, 1, 0],
                         "y": [1.0, 2.0, 6.0, -1.0, -3.0, 5.0], "won": [True, False, False, True, True, False],
                         "who": ["a", "b", "a", "a", "a", "b"]})
    spec = SimpleNamespace(outcomes=["y", "won", "who"], params=[SimpleNamespace(column="x1")])
    design = pd.DataFrame({"point": [0, 1, 2, 3], "x1": [0.0, 0.5, 1.0, 1.5]})  # point 3 not run yet
    means, skipped = point_means(runs, spec, design)
    assert skipped == ["who"]
    assert list(means.columns) == ["point", "x1", "y", "won", "runs"]
    assert list(means["point"]) == [0, 1, 2, 3]
    np.testing.assert_array_equal(means["y"], [3.0, -2.0, 5.0, np.nan])
    np.testing.assert_allclose(means["won"], [1 / 3, 1.0, 0.0, np.nan])
    np.testing.assert_array_equal(means["runs"], [3, 2, 1, np.nan])
    assert list(means["x1"]) == [0.0, 0.5, 1.0, 1.5]


def test_correlations_have_the_sign_of_the_slope():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 200)
    sub = pd.DataFrame({"up": x, "down": x[::-1].copy(), "flat": np.zeros(200), "kind": np.where(x > 0.5, "b", "a")})
    sub["y"] = 3 * sub["up"] - 2 * sub["down"] + rng.normal(0, 0.1, 200)
    rows = {r["parameter"]: r for r in _correlation_rows("y", ["up", "down", "flat", "kind"], sub)}
    assert rows["up"]["spearman"] > 0.5 and rows["up"]["pearson"] > 0.5
    assert rows["down"]["spearman"] < -0.3 and rows["down"]["pearson"] < -0.3
    assert rows["up"]["spearman"] == pytest.approx(sub["up"].corr(sub["y"], method="spearman"))
    assert rows["up"]["pearson"] == pytest.approx(sub["up"].corr(sub["y"]))
    assert rows["flat"]["spearman"] == 0.0 and rows["flat"]["pearson"] == 0.0  # a constant parameter
    sub["event"] = (sub["up"] > 0.5).astype(float)  # happens or not: two values
    event = {r["parameter"]: r for r in _correlation_rows("event", ["up"], sub)}["up"]
    assert event["spearman"] > 0.8 and (event["mean_at_low"], event["mean_at_high"]) == (0.0, 1.0)
    sub["same"] = 1.0
    for r in _correlation_rows("same", ["up", "kind"], sub):  # a constant outcome
        assert (r["spearman"], r["pearson"], r["mean_at_low"], r["mean_at_high"]) == (0.0, 0.0, 1.0, 1.0)
    assert rows["kind"]["spearman"] > 0.5  # categories by their codes: "b" (high x) above "a"
    assert rows["up"]["mean_at_high"] == pytest.approx(sub["y"][sub["up"] == sub["up"].max()].mean())
    assert rows["up"]["mean_at_low"] < rows["up"]["mean_at_high"]


def test_latin_sweep_correlations_have_the_sign_of_the_effect(tmp_path):
    """Ishigami's y rises with x1 (through sin x1), is symmetric in x2 and x3."""
    out = sweep(tmp_path, "latin", ishigami_yaml("latin", 400))
    table = analyze(out, plots=True, log=lambda m: None).set_index("parameter")
    assert table.loc["x1", "spearman"] > 0.3 and table.loc["x1", "pearson"] > 0.3
    assert abs(table.loc["x2", "spearman"]) < 0.15 and abs(table.loc["x3", "pearson"]) < 0.15
    points = pd.read_csv(out / "analysis" / "points.csv")
    assert table.loc["x1", "spearman"] == pytest.approx(points["x1"].corr(points["y"], method="spearman"))
    # an outcome missing at some points (no ceasefire in any replication, say) leaves the other outcomes' points
    from sim.sweep.analyze import sensitivity_table

    points["gappy"] = points["y"].where(points["x2"] > 0)
    both = sensitivity_table(points, pd.read_parquet(out / "design.parquet"), load_sweep(tmp_path / "latin.yaml"),
                             {}, ["y", "gappy"], log=lambda m: None).set_index(["outcome", "parameter"])
    pd.testing.assert_series_equal(both.loc["y"]["spearman"], table["spearman"], check_names=False)
    assert both.loc[("y", "x2"), "mean_at_low"] == table.loc["x2", "mean_at_low"]
    kept = points[points["x2"] > 0]
    assert both.loc[("gappy", "x1"), "pearson"] == pytest.approx(kept["x1"].corr(kept["y"]))


def test_grid_sweep_with_a_text_parameter_gets_the_sign_of_its_effect(tmp_path):
    """A parameter of text values is correlated through its category codes (agreement < failure)."""
    out = sweep(tmp_path, "talks", f"""\
name: talks
scenario: {TOY}
until: 2020-07-06
parameters:
  events.talks.outcome: {{values: [agreement, failure]}}
  parameters.contest_decisiveness: {{bounds: [1.0, 4.0]}}
design: {{method: grid, samples: 2}}
replications: 3
outcomes:
  agreement: agreement_held
  red_territory: red_territory_share
""")
    table = analyze(out, plots=True, log=lambda m: None)
    row = table[(table.outcome == "agreement") & (table.parameter == "events.talks.outcome")].iloc[0]
    assert row.spearman < -0.9 and row.pearson < -0.75  # a forced failure: no agreement
    assert row.mean_at_low >= 0.6 and row.mean_at_high == 0.0  # a forced agreement can still break down
    assert (out / "analysis" / "grid_agreement.png").stat().st_size > 0


def set_outcome(out, fn) -> None:
    """Replace the outcome y of every run by fn(runs) (the rows hold their parameters)."""
    for part in sorted((out / "runs").glob("part-*.parquet")):
        table = pq.read_table(part)
        df = table.to_pandas()
        df["y"] = fn(df)
        pq.write_table(pa.Table.from_pandas(df, schema=table.schema, preserve_index=False), part)


def test_morris_effects_of_a_known_linear_outcome_averaged_over_replications(tmp_path):
    """y = 2 x1 - 3 x2 on [-pi, pi]: every elementary effect of x1 is 2 * 2 pi (a step across the whole range),
    of x2 -3 * 2 pi, of x3 0, so mu = mu* up to sign and sigma = 0; replications get a noise that cancels only
    in their mean."""
    out = sweep(tmp_path, "morris", ishigami_yaml("morris", 20, replications=2).replace(
        "seed: 7}", "seed: 7, num_levels: 6}"))
    noise = np.random.default_rng(5).normal(0.0, 2.0, size=10_000)
    sign = lambda df: np.where(df["replication"] % 2 == 0, 1.0, -1.0)  # noqa: E731
    set_outcome(out, lambda df: 2 * df["x1"] - 3 * df["x2"] + sign(df) * noise[df["point"]])
    table = analyze(out, plots=True, log=lambda m: None).set_index("parameter")
    assert list(table.columns) == ["outcome", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert table.loc["x1", "mu"] == pytest.approx(4 * PI) and table.loc["x1", "mu_star"] == pytest.approx(4 * PI)
    assert table.loc["x2", "mu"] == pytest.approx(-6 * PI) and table.loc["x2", "mu_star"] == pytest.approx(6 * PI)
    assert table.loc["x3", "mu"] == pytest.approx(0, abs=1e-9) and table.loc["x3", "mu_star"] == pytest.approx(0, abs=1e-9)
    np.testing.assert_allclose(table["sigma"], 0, atol=1e-9)
    np.testing.assert_allclose(table["mu_star_conf"], 0, atol=1e-9)
    assert (out / "analysis" / "morris_y.png").stat().st_size > 0


def test_morris_confidence_is_seeded_and_has_its_level(tmp_path):
    """Ishigami's mu* with its bootstrap interval (SALib's, with the resamples and the level asked for):
    the same each time the folder is analysed, narrower at a lower level; the indices do not depend on the
    order of the points."""
    from SALib.analyze import morris

    from sim.sweep.analyze import sensitivity_table

    out = sweep(tmp_path, "morris", ishigami_yaml("morris", 30).replace("seed: 7}", "seed: 7, num_levels: 6}"))
    table = analyze(out, num_resamples=50, plots=False, log=lambda m: None)
    assert (table["mu_star_conf"] > 0).all()
    again = analyze(out, num_resamples=50, plots=False, log=lambda m: None)
    np.testing.assert_array_equal(again["mu_star_conf"], table["mu_star_conf"])
    narrow = analyze(out, num_resamples=50, conf_level=0.5, plots=False, log=lambda m: None)
    assert (narrow["mu_star_conf"].to_numpy() < table["mu_star_conf"].to_numpy()).all()
    manifest = json.loads((out / "sweep.json").read_text())
    design = pd.read_parquet(out / "design.parquet")
    points = pd.read_csv(out / "analysis" / "points.csv")
    X = design[["_x0", "_x1", "_x2"]].to_numpy()
    Si = morris.analyze(manifest["design"]["problem"], X, points["y"].to_numpy(), num_resamples=50,
                        conf_level=0.95, num_levels=6, seed=0)
    for col in ("mu", "mu_star", "mu_star_conf", "sigma"):
        np.testing.assert_allclose(table[col], Si[col], rtol=1e-12)
    spec = load_sweep(tmp_path / "morris.yaml")
    shuffled = sensitivity_table(points.sample(frac=1, random_state=1), design.sample(frac=1, random_state=2), spec,
                                 manifest["design"]["problem"], ["y"], num_resamples=50, conf_level=0.95,
                                 log=lambda m: None)
    pd.testing.assert_frame_equal(shuffled, table)
    # the defaults are analyze's
    default = analyze(out, plots=False, log=lambda m: None)
    pd.testing.assert_frame_equal(sensitivity_table(points, design, spec, manifest["design"]["problem"], ["y"],
                                                    log=lambda m: None), default)
    # two outcomes, each in its own rows
    two = sensitivity_table(points.assign(twice=2 * points["y"]), design, spec, manifest["design"]["problem"],
                            ["y", "twice"], num_resamples=50, log=lambda m: None)
    assert list(two.outcome) == ["y"] * 3 + ["twice"] * 3
    np.testing.assert_allclose(two["mu"].iloc[3:], 2 * table["mu"].to_numpy())
    # an outcome missing at a point is skipped (Morris needs every point)
    set_outcome(out, lambda df: df["y"].where(df["point"] != 3))
    notes = []
    assert analyze(out, plots=False, log=notes.append).empty
    assert "note: outcome 'y' has missing values at 1 points; skipped" in notes


def test_sobol_second_order_indices_find_the_interaction(tmp_path):
    """Ishigami's only interaction is x1 with x3 (S13 = 0.2437); each pair once, in the row of its first."""
    out = sweep(tmp_path, "s2", ishigami_yaml("sobol", 1024).replace("seed: 7}", "seed: 7, second_order: true}"))
    table = analyze(out, plots=False, log=lambda m: None).set_index("parameter")
    assert list(table.columns) == ["outcome", "S1", "S1_conf", "ST", "ST_conf", "S2[x2]", "S2[x3]"]
    assert table.loc["x1", "S2[x3]"] == pytest.approx(0.2437, abs=0.1)
    assert abs(table.loc["x1", "S2[x2]"]) < 0.1 and abs(table.loc["x2", "S2[x3]"]) < 0.1
    assert table.loc["x1", "S2[x3]"] > 0.1 + max(abs(table.loc["x1", "S2[x2]"]), abs(table.loc["x2", "S2[x3]"]))
    assert math.isnan(table.loc["x2", "S2[x2]"]) and table.loc["x3", ["S2[x2]", "S2[x3]"]].isna().all()
    assert table.loc["x1", "S1"] == pytest.approx(S1_TRUE["x1"], abs=0.1)


def test_sobol_of_a_constant_or_an_incomplete_outcome(tmp_path):
    """A constant outcome has indices of 0 (and a note); one with missing values is skipped (with a note)."""
    out = sweep(tmp_path, "flat", ishigami_yaml("sobol", 64))
    set_outcome(out, lambda df: np.full(len(df), 3.0))
    notes = []
    table = analyze(out, plots=False, log=notes.append)
    assert list(table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table.parameter) == ["x1", "x2", "x3"] and (table.outcome == "y").all()
    assert (table[["S1", "S1_conf", "ST", "ST_conf"]] == 0.0).all().all()
    assert "note: outcome 'y' is constant (3) over the design; indices are 0" in notes
    # an event (0 or 1 at each point: a range of exactly 1) decided by x1 alone
    set_outcome(out, lambda df: (df["x1"] > 0).astype(float))
    event = analyze(out, plots=False, log=lambda m: None).set_index("parameter")
    assert event.loc["x1", "S1"] == pytest.approx(1.0, abs=0.15) and event.loc["x1", "ST"] == pytest.approx(1.0, abs=0.15)
    assert abs(event.loc["x2", "ST"]) < 0.1 and abs(event.loc["x3", "ST"]) < 0.1
    set_outcome(out, lambda df: np.where(df["point"] % 10 == 0, np.nan, df["x1"]))
    notes = []
    assert analyze(out, plots=False, log=notes.append).empty
    missing = int((pd.read_parquet(out / "design.parquet")["point"] % 10 == 0).sum())
    assert f"note: outcome 'y' has missing values at {missing} points; skipped" in notes
    # the outcomes after a skipped one are analysed, each in its own rows
    from sim.sweep.analyze import sensitivity_table

    points = pd.read_csv(out / "analysis" / "points.csv").assign(x1_again=lambda d: d["x1"], minus=lambda d: -d["x2"])
    spec = load_sweep(tmp_path / "flat.yaml")
    problem = json.loads((out / "sweep.json").read_text())["design"]["problem"]
    table = sensitivity_table(points, pd.read_parquet(out / "design.parquet"), spec, problem,
                              ["y", "x1_again", "minus"], log=lambda m: None)
    assert list(table.outcome) == ["x1_again"] * 3 + ["minus"] * 3
    assert list(table.parameter) == ["x1", "x2", "x3"] * 2
    assert table.S1.iloc[0] == pytest.approx(1.0, abs=0.1) and table.ST.iloc[4] == pytest.approx(1.0, abs=0.1)


def test_analyze_refuses_duplicate_runs(tmp_path):
    import shutil

    from sim.errors import InputError

    out = sweep(tmp_path, "dup", ishigami_yaml("latin", 20))
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    copy = part.with_name("part-900000.parquet")  # the same runs twice, with other values
    shutil.copy(part, copy)
    rows = pd.read_parquet(copy)
    rows["y"] += 1e-3
    rows.to_parquet(copy, index=False)
    with pytest.raises(InputError) as e:
        analyze(out, plots=False, log=lambda m: None)
    assert str(e.value) == f"{out}: duplicate rows (point, replication) in runs/"


def test_analyze_refuses_a_latin_sweep_with_no_runs(tmp_path):
    from sim.errors import InputError

    out = sweep(tmp_path, "empty", ishigami_yaml("latin", 20))
    for part in (out / "runs").glob("part-*.parquet"):
        part.unlink()
    with pytest.raises(InputError) as e:
        analyze(out, plots=False, log=lambda m: None)
    assert str(e.value).startswith(f"{out}: sweep is incomplete: 0 of 20 runs on disk")
