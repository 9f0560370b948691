"""The command line as a user runs it: through a subprocess where the process is the point (a whole run from the
shell, string-hash seeds, Ctrl-C, the help a user reads first), else in this process (``sim.cli.main``)."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import CLI, LIBYA, ROOT, SCENARIOS, SHIPPED, TOY, run_cli


def test_run_writes_every_table_plot_and_manifest(tmp_path):
    out = tmp_path / "run"
    res = run_cli("run", SCENARIOS / "palermo_failed.yaml", "--runs", 4, "--seed", 11, "--until", "2019-06-30",
                  "--out", out, "--set", "parameters.contest_decisiveness=2.5")
    assert res.returncode == 0, res.stderr
    assert "palermo_failed: 4 runs" in res.stdout and "tripoli_camp" in res.stdout
    for name in ("manifest.json", "regions.csv", "actors.csv", "ties.csv", "events.csv", "summary.csv",
                 "camps.csv", "plots/territory_share.png", "plots/control_map.png", "plots/support_network.png"):
        assert (out / name).stat().st_size > 0, name
    man = json.loads((out / "manifest.json").read_text())
    assert man["seeds"] == [11, 12, 13, 14] and man["runs"] == 4
    assert man["overrides"] == {"parameters.contest_decisiveness": 2.5}
    assert man["parameters"]["contest_decisiveness"] == 2.5
    assert len(man["scenario_sha256"]) == 64 and man["scenario"]["name"] == "palermo_failed"
    assert man["steps"] == 33  # whole weeks from 2018-11-05 to 2019-06-30
    regions = pd.read_csv(out / "regions.csv")
    assert list(regions.columns) == ["run", "seed", "step", "date", "region", "controller"]
    assert set(regions.region) == set(man["scenario"]["territory"]["places"])
    assert len(regions) == 4 * 34 * 30
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.seed) == [11, 12, 13, 14]
    assert {"tripoli_camp", "sirte_camp", "sabha_camp", "lna_territory_share", "gna_oil_share", "casualties",
            "ceasefire_week", "weeks_of_fighting", "agreement_held"} <= set(summary.columns)
    events = pd.read_csv(out / "events.csv")
    assert events.text.str.contains("Palermo").any()
    actors = pd.read_csv(out / "actors.csv")
    shares = actors.groupby(["run", "step"]).territory_share.sum()
    assert ((shares - 1).abs() < 1e-4).all()
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary folder left behind


def test_run_never_overwrites_without_force(tmp_path, cli):
    out = tmp_path / "run"
    assert cli("run", TOY, "--runs", 2, "--out", out).returncode == 0
    before = (out / "summary.csv").read_bytes()
    res = cli("run", TOY, "--runs", 3, "--out", out)
    assert res.returncode == 2 and "--force" in res.stderr and "Traceback" not in res.stderr
    assert (out / "summary.csv").read_bytes() == before
    res = cli("run", TOY, "--runs", 3, "--out", out, "--force")
    assert res.returncode == 0 and len(pd.read_csv(out / "summary.csv")) == 3


@pytest.mark.parametrize("scenario, horizon", [
    pytest.param(TOY, (), id="toy"),
    # the Libya scenario end to end (a run of each in two processes): slow; its tables are pinned in this process
    # (test_pinned_outputs.py) and equal whatever the workers (test_model.py)
    pytest.param(SCENARIOS / "palermo_failed.yaml", ("--until", "2019-09-01"), id="palermo_failed",
                 marks=pytest.mark.slow)])
def test_same_seed_same_bytes_through_the_cli(tmp_path, scenario, horizon, cli):
    """Separate processes with different string-hash seeds (so any dependence on set order would show): this
    one, and a subprocess whose seed differs from this process's."""
    args = ("run", scenario, "--runs", 6, "--seed", 5, *horizon, "--out")
    assert cli(*args, tmp_path / "a").returncode == 0
    other = "4242" if os.environ.get("PYTHONHASHSEED") == "0" else "0"  # unset or random here: 0 is another seed
    res = run_cli(*args, tmp_path / "b", env_extra={"PYTHONHASHSEED": other})
    assert res.returncode == 0, res.stderr
    for table in ("regions.csv", "actors.csv", "ties.csv", "events.csv", "summary.csv", "camps.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes(), table


def test_interrupted_run_leaves_nothing(tmp_path):
    out = tmp_path / "big"
    proc = subprocess.Popen(CLI + ["run", str(SCENARIOS / "libya_2018_11.yaml"), "--runs", "5000", "--out", str(out),
                                   "--workers", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".big.tmp-*")):
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_validate_every_shipped_scenario(cli):
    files = SHIPPED
    assert len(LIBYA) >= 8
    res = cli("validate", *files)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("ok: ") == len(files)


def test_shipped_scenarios_state_their_question():
    for f in SHIPPED:
        head = f.read_text().splitlines()[:15]
        assert any(line.startswith("#") and "Question" in line for line in head), f


def test_help_lists_the_commands():
    res = subprocess.run([sys.executable, "-m", "sim.cli", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    import re

    listed = re.search(r"\{([a-z,]+)\}", res.stdout).group(1).split(",")  # argparse's list of sub-commands
    assert listed == ["run", "compare", "list", "validate", "sources", "schema", "viz", "sweep", "analyze", "calibrate", "demo"]
    for cmd in listed:  # each with its line of help
        assert re.search(rf"^\s+{cmd}\s+\S", res.stdout, re.M), cmd
