"""The baselines quoted in the sweep files' comments are the budgets of the scenario each sweep runs."""

import re

import pytest
import yaml

from conftest import ROOT
from sim.scenario import load_scenario

SWEEPS = sorted((ROOT / "configs" / "sweeps").glob("*.yaml"))
PATRONS = {"UAE": "uae", "Russia": "russia", "Turkey": "turkey", "Egypt": "egypt", "Qatar": "qatar"}
QUOTE = re.compile(r"\b(" + "|".join(PATRONS) + r") (\d+(?:\.\d+)?)\b")


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_quoted_baselines_match_the_scenario(path):
    text = path.read_text()
    spec = yaml.safe_load(text)
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    quoted = QUOTE.findall(comments)
    if "scenario" not in spec:
        assert not quoted
        return
    s = load_scenario(ROOT / spec["scenario"]).scenario
    for name, value in quoted:
        assert s.actors[PATRONS[name]].patron.budget == float(value), (path.name, name, value)


def test_the_check_reads_the_comments():
    assert QUOTE.findall("# (UAE 3.5, Russia 2.5, Turkey 2.5 units/week)") == [
        ("UAE", "3.5"), ("Russia", "2.5"), ("Turkey", "2.5")]
