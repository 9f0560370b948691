"""Parameter sweeps: sweep-file validation, determinism, Ishigami indices, interrupt + resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.sweep.analyze import analyze
from sim.sweep.cli import main as sweep_main
from sim.sweep.engine import execute, prepare, read_runs
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "data" / "toy_war.yaml"
PI = 3.141592653589793
S1_TRUE = [0.3139, 0.4424, 0.0]
ST_TRUE = [0.5576, 0.4424, 0.2437]


def ishigami_yaml(method="sobol", samples=2048, delay=0.0, chunk_size=None, extra=""):
    lines = [
        "model: ishigami",
        f"model_options: {{delay: {delay}}}" if delay else "",
        "parameters:",
        f"  x1: {{bounds: [{-PI}, {PI}]}}",
        f"  x2: {{bounds: [{-PI}, {PI}]}}",
        f"  x3: {{bounds: [{-PI}, {PI}]}}",
        f"design: {{method: {method}, samples: {samples}, seed: 7}}",
        "outcomes: [y]",
        f"chunk_size: {chunk_size}" if chunk_size else "",
        extra,
    ]
    return "\n".join(x for x in lines if x) + "\n"


def toy_yaml(method="latin", samples=12, replications=2, chunk_size=7):
    return f"""\
name: toy
scenario: {TOY}
until: 2020-09-01
parameters:
  parameters.contest_decisiveness: {{bounds: [1.0, 4.0]}}
  actors.red_patron.patron.budget: {{bounds: [0.0, 4.0], name: red_budget}}
  ties.blue_mercs.level: {{values: [0.0, 1.0]}}
design: {{method: {method}, samples: {samples}, seed: 3}}
replications: {replications}
base_seed: 100
chunk_size: {chunk_size}
outcomes:
  blue_holds_middle: {{column: middle_camp, equals: BLUE}}
  red_territory: {{column: red_territory_share}}
  middle: middle_camp
  casualties: casualties
  ceasefire_week: ceasefire_week
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def run_local(sweep_file: Path, out: Path, workers: int):
    plan = prepare(load_sweep(sweep_file), out)
    res = execute(plan, backend="local", workers=workers, progress=False, log=lambda m: None)
    assert res.status == "complete", res
    return read_runs(out)


# ------------------------------------------------------------------ Ishigami through the whole machinery
def test_ishigami_sobol_matches_analytic(tmp_path):
    f = write(tmp_path, "ishigami.yaml", ishigami_yaml(samples=2048, chunk_size=1024))
    out = tmp_path / "out"
    assert sweep_main(["sweep", str(f), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    table = analyze(out, plots=True, log=lambda m: None)
    s1 = table["S1"].to_numpy()
    st = table["ST"].to_numpy()
    assert np.allclose(s1, S1_TRUE, atol=0.05), s1
    assert np.allclose(st, ST_TRUE, atol=0.05), st
    csv = pd.read_csv(out / "analysis" / "indices.csv")
    assert list(csv.columns[:6]) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert (out / "analysis" / "sobol_y.png").stat().st_size > 1000
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs"] == 2048 * 5
    assert manifest["finished"] and manifest["versions"]["SALib"]
    design = pd.read_parquet(out / "design.parquet")
    assert len(design) == 2048 * 5


def test_shipped_ishigami_config_and_morris(tmp_path):
    spec = load_sweep(ROOT / "configs" / "sweeps" / "ishigami.yaml")
    assert spec.model == "ishigami" and spec.design.method == "sobol"
    f = write(tmp_path, "m.yaml", ishigami_yaml(method="morris", samples=60))
    out = tmp_path / "m"
    run_local(f, out, workers=1)
    table = analyze(out, plots=True, log=lambda m: None)
    mu_star = dict(zip(table["parameter"], table["mu_star"]))
    # x3 alone has no first-order effect but a strong interaction: mu* of x2 and x1 above x3's
    assert mu_star["x2"] > mu_star["x3"] and mu_star["x1"] > mu_star["x3"]
    assert (out / "analysis" / "morris_y.png").exists()


# ------------------------------------------------------------------ determinism and the scenario evaluator
def test_local_one_vs_two_workers_identical_rows(tmp_path):
    f = write(tmp_path, "toy.yaml", toy_yaml())
    a = run_local(f, tmp_path / "w1", workers=1)
    b = run_local(f, tmp_path / "w2", workers=2)
    assert len(a) == 12 * 2
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:3]) == ["point", "replication", "seed"]
    assert set(a["seed"]) == {100, 101}
    assert a["blue_holds_middle"].dtype == bool
    parts = sorted(p.name for p in (tmp_path / "w2" / "runs").iterdir())
    assert parts == [f"part-{c:06d}.parquet" for c in range(4)]  # 24 runs in chunks of 7

    # a row equals a direct run of the model with the same overrides and seed
    import datetime as dt

    from sim.runner import horizon_steps, run_one
    from sim.scenario import load_scenario

    row = a.iloc[5]
    sc = load_scenario(TOY, {"parameters.contest_decisiveness": float(row["parameters.contest_decisiveness"]),
                             "actors.red_patron.patron.budget": float(row["red_budget"]),
                             "ties.blue_mercs.level": float(row["ties.blue_mercs.level"])}).scenario
    summary = run_one(sc, int(row["seed"]), horizon_steps(sc, until=dt.date(2020, 9, 1)), record=False).summary
    assert row["red_territory"] == pytest.approx(summary["red_territory_share"])
    assert row["blue_holds_middle"] == (summary["middle_camp"] == "BLUE")
    assert row["middle"] == summary["middle_camp"]


def test_grid_design_and_analysis(tmp_path):
    f = write(tmp_path, "grid.yaml", toy_yaml(method="grid", samples=3, replications=1, chunk_size=20))
    out = tmp_path / "g"
    runs = run_local(f, out, workers=2)
    assert len(runs) == 3 * 3 * 2
    table = analyze(out, plots=True, log=lambda m: None)
    assert {"spearman", "pearson"} <= set(table.columns)
    assert (out / "analysis" / "grid_red_territory.png").exists()


# ------------------------------------------------------------------ bad sweep files: exit 2, one line, file and line
BAD = {
    "unknown_key": (toy_yaml().replace("base_seed: 100", "base_seed: 100\nbogus_key: 1"), 11, "bogus_key"),
    "bad_bounds": (toy_yaml().replace("bounds: [1.0, 4.0]", "bounds: [4.0, 1.0]"), 5, "low < high"),
    "unknown_parameter_path": (toy_yaml().replace("ties.blue_mercs.level", "ties.no_such_tie.level"), 7,
                               "no_such_tie"),
    "out_of_range_value": (toy_yaml().replace("bounds: [1.0, 4.0]", "bounds: [1.0, 40.0]"), 5,
                           "contest_decisiveness"),
    "missing_scenario": (toy_yaml().replace(str(TOY), "no/such/scenario.yaml"), 2, "not found"),
    "unknown_outcome": (toy_yaml().replace("column: red_territory_share", "column: red_territorry"), 14,
                        "red_territorry"),
    "sobol_not_power_of_two": (ishigami_yaml(samples=1000), 6, "power of 2"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sweep_file_exit_2_one_line(tmp_path, capsys, case):
    text, line, needle = BAD[case]
    f = write(tmp_path, f"{case}.yaml", text)
    out = tmp_path / "out"
    rc = sweep_main(["sweep", str(f), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {f}:{line}: "), err
    assert needle in err
    assert not out.exists() or not any(out.iterdir())


def test_bad_file_as_subprocess_and_non_empty_out(tmp_path):
    f = write(tmp_path, "bad.yaml", BAD["unknown_key"][0])
    proc = subprocess.run([sys.executable, "-m", "sim.sweep.cli", "sweep", str(f)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {f}:11: bogus_key: unknown key 'bogus_key' (expected one of: " + \
        "name, description, scenario, model, model_options, until, parameters, design, replications, " \
        "base_seed, outcomes, chunk_size)"
    good = write(tmp_path, "good.yaml", ishigami_yaml(samples=8))
    out = tmp_path / "busy"
    out.mkdir()
    (out / "something").write_text("x")
    assert sweep_main(["sweep", str(good), "--out", str(out), "--no-progress"]) == 2


# ------------------------------------------------------------------ Ctrl-C, then --resume
def interrupt_sweep(args: list[str], out: Path, env: dict, after_parts: int = 4, stop_within: float = 30) -> None:
    """Start `libya-sim sweep ARGS --out OUT`, press Ctrl-C once `after_parts` Parquet parts are on disk, and
    check what the user sees: exit code 130, a hint to --resume, only whole parts (no temporary files)."""
    proc = subprocess.Popen([sys.executable, "-m", "sim.sweep.cli", "sweep", *args, "--out", str(out),
                             "--no-progress"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((out / "runs").glob("part-*.parquet"))) < after_parts:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=stop_within)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err
    assert after_parts <= len(list((out / "runs").glob("part-*.parquet")))
    assert not list((out / "runs").glob("*.tmp*"))


def test_interrupt_then_resume_no_duplicates_no_gaps(tmp_path, monkeypatch):
    f = write(tmp_path, "slow.yaml", ishigami_yaml(samples=64, delay=0.02, chunk_size=8))  # 320 runs, 40 chunks
    out = tmp_path / "slow"
    interrupt_sweep([str(f), "--workers", "2"], out, dict(os.environ, PYTHONWARNINGS="ignore"))
    assert len(list((out / "runs").glob("part-*.parquet"))) < 40
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"
    partial = read_runs(out)
    assert not partial.duplicated(["point", "replication"]).any()

    args = Namespace(sweep_file=None, backend="local", workers=2, scheduler=None, out=None, resume=str(out),
                     no_progress=True)
    from sim.sweep import engine
    from sim.sweep.cli import run_sweep_command
    from sim.sweep.evaluators import IshigamiEvaluator

    # the delay only made the first session slow enough to interrupt: the rest runs without it (same values)
    monkeypatch.setattr(engine, "make_evaluator", lambda spec, *a, **k: IshigamiEvaluator(
        **{**spec.model_options, "delay": 0.0}))
    assert run_sweep_command(args) == 0
    rows = read_runs(out)
    assert len(rows) == 320
    assert not rows.duplicated(["point", "replication"]).any()
    assert list(rows["point"]) == list(range(320))
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    # the rows equal an uninterrupted run
    straight = run_local(write(tmp_path, "fast.yaml", ishigami_yaml(samples=64, chunk_size=8)), tmp_path / "s", 1)
    pd.testing.assert_frame_equal(rows, straight)
    # resuming a finished sweep does nothing and succeeds
    assert run_sweep_command(args) == 0
    assert len(read_runs(out)) == 320
