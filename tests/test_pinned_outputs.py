"""Pinned outputs: the SHA-256 of every table `libya-sim run` writes (and of its manifest, without the
command line and the clock) for four scenarios, and a toy war with one event of every kind, and five seeds each.

A refactoring must keep them identical. A commit that changes results on purpose re-pins them and says so:

    PIN_UPDATE=1 .venv/bin/python -m pytest -q tests/test_pinned_outputs.py   # rewrites tests/data/pinned_outputs.json
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from sim.outputs import manifest, write_tables
from sim.runner import horizon_steps, run_ensemble, run_seeds
from sim.scenario import load_scenario

from conftest import ROOT

PINS = ROOT / "tests" / "data" / "pinned_outputs.json"
SCENARIOS = {name: ROOT / "scenarios" / "libya" / f"{name}.yaml"
             for name in ("palermo_failed", "palermo_success", "tripoli_offensive_2019_04", "turkish_deployment")}
SCENARIOS["toy_all_events"] = ROOT / "tests" / "data" / "toy_all_events.yaml"  # one event of every kind
RUNS, SEED = 5, 11
CLOCK = ("command", "started", "finished", "scenario_path")


def _digests(name: str, folder: Path) -> dict[str, str]:
    loaded = load_scenario(str(SCENARIOS[name]), {})
    steps = horizon_steps(loaded.scenario)
    results = run_ensemble(loaded.scenario, RUNS, SEED, steps, workers=1)
    write_tables(folder, results)
    out = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
    t = dt.datetime(2000, 1, 1)
    data = manifest(loaded, RUNS, run_seeds(RUNS, SEED), steps, t, t, argv=[])
    for k in CLOCK:
        data.pop(k)
    out["manifest.json"] = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_outputs_are_pinned(name, tmp_path):
    got = _digests(name, tmp_path)
    pins = json.loads(PINS.read_text()) if PINS.exists() else {}
    if os.environ.get("PIN_UPDATE"):
        pins[name] = got
        PINS.write_text(json.dumps(pins, indent=2, sort_keys=True) + "\n")
        return
    assert name in pins, f"no pins for {name}: run with PIN_UPDATE=1 once"
    changed = sorted(k for k in set(got) | set(pins[name]) if got.get(k) != pins[name].get(k))
    assert not changed, f"{name}: outputs changed: {changed} (re-pin only in a commit that says results change)"
