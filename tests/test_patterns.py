"""The patterns of the record (configs/calibration/libya_2018_2020.yaml) on an ensemble of the historical path.

The issue's target is 11 of 13; the model holds HELD_NOW today (docs/calibration.md says which miss and why).
This test keeps what has been reached and names every pattern that fails."""

import datetime as dt

import pytest

from conftest import ROOT
from sim.patterns import evaluate, evaluate_all, load_patterns
from sim.runner import horizon_steps, run_ensemble
from sim.scenario import load_scenario

PATTERNS = load_patterns(ROOT / "configs" / "calibration" / "libya_2018_2020.yaml")
HELD_NOW = 11  # of 13: 11 on seeds 1-50 and 11 on seeds 51-100 (make calibration prints them)


@pytest.fixture(scope="module", params=[1, 51], ids=["seeds 1-50", "seeds 51-100"])
def runs(request):
    s = load_scenario(PATTERNS["scenario"]).scenario
    return run_ensemble(s, PATTERNS["runs"], request.param, horizon_steps(s, until=PATTERNS["until"]), workers=2)


def test_the_patterns_of_the_record_hold(runs):
    results = evaluate_all(PATTERNS, runs)
    failed = [f"{r.text}: {r.model}" for r in results if not r.holds]
    assert sum(r.holds for r in results) >= HELD_NOW, failed


def test_the_structural_patterns_always_hold(runs):
    """The heartland, the casualty range, the quiet winter, the Fezzan campaign and the offensive on Tripoli
    hold on both seed sets."""
    by_id = {p["id"]: p for p in PATTERNS["patterns"]}
    for pid in ("heartland", "casualties", "quiet_winter", "tripoli_attacked", "sabha_lna_2019_03"):
        r = evaluate(by_id[pid], runs)
        assert r.holds, (r.text, r.model)


def test_a_pattern_that_cannot_hold_is_reported_as_failing(runs):
    impossible = {"id": "x", "text": "Tripoli LNA-held on 2018-11-05", "kind": "holder", "place": "tripoli",
                  "date": dt.date(2018, 11, 5), "camp": "LNA", "min_share": 0.5}
    assert not evaluate(impossible, runs).holds
