"""`libya-sim calibrate`: the targets file's validation, ABC-SMC end to end on a tiny budget (17 weeks, two
parameters, three targets, two runs per parameter set), determinism, resume and Ctrl-C."""

import datetime as dt
import json
import math
import os
import signal
import subprocess
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import CLI, ROOT
from sim.calibrate import load_targets
from sim.calibrate.abc import completed_generations
from sim.calibrate.stats import TargetDistance, rms, statistic
from sim.cli import main
from sim.errors import InputError

TINY = ROOT / "tests" / "data" / "calibration_tiny.yaml"
REAL = ROOT / "configs" / "calibration" / "libya_2018_2020.yaml"


# ------------------------------------------------------------------ the targets file
def test_the_real_targets_file_is_valid_and_dated_by_the_cutoff():
    spec = load_targets(REAL)
    assert 6 <= len(spec.params) <= 10  # "about 8 parameters" (the issue's benchmark)
    assert len(spec.targets) == 13
    assert spec.until.isoformat() <= "2020-01-15"
    assert yaml.safe_load(REAL.read_text())["record_cutoff"].isoformat() == "2020-01-15"
    assert spec.seeds() == list(range(spec.base_seed, spec.base_seed + spec.replications))
    assert {p.prior for p in spec.params} == {"uniform", "log_uniform", "normal"}


def _variant(tmp_path, edit, name="t.yaml"):
    data = yaml.safe_load(TINY.read_text())
    edit(data)
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def _prior(data, **kw):
    data["calibration"]["parameters"]["parameters.offensive_threshold"] = kw


REFUSALS = {
    "unknown key in a prior": (lambda d: _prior(d, prior="uniform", low=1, high=2, hihg=3),
                               "calibration.parameters.parameters.offensive_threshold.hihg", "unknown key 'hihg'"),
    "uniform without high": (lambda d: _prior(d, prior="uniform", low=1),
                             "calibration.parameters.parameters.offensive_threshold", "needs 'low' and 'high'"),
    "log-uniform from 0": (lambda d: _prior(d, prior="log_uniform", low=0, high=2),
                           "calibration.parameters.parameters.offensive_threshold", "low > 0"),
    "normal without sd": (lambda d: _prior(d, prior="normal", mean=2),
                          "calibration.parameters.parameters.offensive_threshold", "needs 'mean' and 'sd'"),
    "an unknown prior": (lambda d: _prior(d, prior="beta", low=0, high=1),
                         "calibration.parameters.parameters.offensive_threshold.prior", "uniform"),
    "low above high": (lambda d: _prior(d, prior="uniform", low=3, high=2),
                       "calibration.parameters.parameters.offensive_threshold", "low < high"),
    "a path the scenario does not have": (
        lambda d: d["calibration"]["parameters"].update({"parameters.no_such_thing": {
            "prior": "uniform", "low": 0, "high": 1}}),
        "calibration.parameters.parameters.no_such_thing", "unknown key"),
    "a prior outside the model's range": (
        lambda d: _prior(d, prior="uniform", low=-1, high=2),
        "calibration.parameters.parameters.offensive_threshold", "cannot set"),
    "a target that is no pattern": (lambda d: d["calibration"]["targets"].update({"nope": {
        "record": 1, "tolerance": 1}}), "calibration.targets.nope", "no pattern 'nope'"),
    "a share above 1": (lambda d: d["calibration"]["targets"]["sabha_lna_2019_03"].update({"record": 1.5}),
                        "calibration.targets.sabha_lna_2019_03.record", "must be in [0, 1]"),
    "a zero tolerance": (lambda d: d["calibration"]["targets"]["casualties"].update({"tolerance": 0}),
                         "calibration.targets.casualties.tolerance", "greater than 0"),
    "a window past the cut-off": (lambda d: d.update({"until": "2020-02-01"}), "until", "2020-01-15"),
    "a window past a later cut-off": (lambda d: d.update({"record_cutoff": "2019-02-01"}), "until", "2019-02-01"),
    "an unknown transition": (lambda d: d["calibration"].update({"transition": "uniform"}),
                              "calibration.transition", "'normal' or 'local'"),
    "a kernel scale of 0": (lambda d: d["calibration"].update({"kernel_scale": 0}),
                            "calibration.kernel_scale", "greater than 0"),
    "a pattern after the window": (lambda d: d["patterns"][0].update({"date": "2019-06-01"}),
                                   "patterns.0.date", "after the window's end"),
    "a pattern missing a field of its kind": (lambda d: d["patterns"][0].pop("camp"), "patterns.0",
                                              "needs 'camp'"),
    "an unknown place": (lambda d: d["patterns"][0].update({"place": "atlantis"}), "patterns.0.place",
                         "unknown place"),
    "no calibration section": (lambda d: d.pop("calibration"), "calibration", "no 'calibration' section"),
    "no replications": (lambda d: d["calibration"].pop("replications"), "calibration.replications",
                        "required field"),
    "a duplicate pattern id": (lambda d: d["patterns"].append(dict(d["patterns"][0])), "patterns.3.id",
                               "used twice"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_bad_targets_file_is_refused_with_its_file_line_and_field(tmp_path, case):
    edit, field, words = REFUSALS[case]
    path = _variant(tmp_path, edit)
    with pytest.raises(InputError) as info:
        load_targets(path)
    exc = info.value
    assert exc.file == str(path)
    assert exc.field == field, str(exc)
    assert words in exc.message, str(exc)
    assert exc.line is not None and exc.line >= 1


def test_the_command_refuses_bad_input_in_one_line_with_exit_code_2(tmp_path, cli):
    path = _variant(tmp_path, lambda d: d["calibration"]["targets"]["casualties"].update({"tolerance": -1}))
    r = cli("calibrate", path, "--out", tmp_path / "out")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:"), r.stderr
    assert "calibration.targets.casualties.tolerance" in lines[0]
    assert not (tmp_path / "out").exists()
    r = cli("calibrate", TINY, "--population", "0")
    assert r.returncode == 2 and "--population" in r.stderr


def test_an_output_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["calibrate", str(TINY), "--out", str(tmp_path), "-q"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


# ------------------------------------------------------------------ statistics and distance
def test_the_distance_is_the_rms_of_the_misses_in_tolerances():
    d = TargetDistance({"a": 0.5, "b": 10.0})
    assert d({"a": 1.0, "b": 50.0}, {"a": 1.0, "b": 50.0}) == 0.0
    assert d({"a": 0.5, "b": 50.0}, {"a": 1.0, "b": 50.0}) == pytest.approx(math.sqrt(1 / 2))
    assert d({"a": 0.5, "b": 40.0}, {"a": 1.0, "b": 50.0}) == pytest.approx(1.0)
    assert rms([3.0, 4.0]) == pytest.approx(math.sqrt(12.5))


def test_the_statistics_agree_with_the_patterns_on_real_runs():
    from sim.patterns import evaluate
    from sim.runner import horizon_steps, run_ensemble
    from sim.scenario import load_scenario

    spec = load_targets(TINY)
    s = load_scenario(spec.scenario).scenario
    runs = run_ensemble(s, 4, 1, horizon_steps(s, until=spec.until), workers=1)
    by_id = {t.id: t.pattern for t in spec.targets}
    share = statistic(by_id["sabha_lna_2019_03"], runs)
    assert evaluate(by_id["sabha_lna_2019_03"], runs).model == f"LNA {share:.0%}"
    assert statistic(by_id["casualties"], runs) == np.median([r.summary["casualties"] for r in runs])
    quiet = statistic(by_id["quiet_winter"], runs)
    assert evaluate(by_id["quiet_winter"], runs).model.startswith(f"median {quiet:g} of")


# ------------------------------------------------------------------ end to end
def _calibrate(out, *extra, seed=3, population=6, generations=3):
    args = ["calibrate", str(TINY), "--population", str(population), "--generations", str(generations),
            "--seed", str(seed), "--out", str(out), "-q", *extra]
    assert main(args) == 0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "a"
    _calibrate(out)
    return out


def test_calibrate_writes_the_posterior_the_history_and_the_report(tiny):
    names = {p.name for p in os.scandir(tiny)}
    assert {"posterior.parquet", "abc.db", "report.md", "report.html", "calibration.json", "targets.yaml",
            "plots"} <= names
    assert not [n for n in names if ".tmp" in n]
    df = pq.read_table(tiny / "posterior.parquet").to_pandas()
    assert len(df) == 6
    assert {"offensive_threshold", "capacity_regeneration", "weight", "distance"} <= set(df.columns)
    assert df.weight.sum() == pytest.approx(1.0)
    assert df.offensive_threshold.between(1.0, 4.0).all() and df.capacity_regeneration.between(0.01, 0.16).all()
    meta = json.loads(pq.read_schema(tiny / "posterior.parquet").metadata[b"libya_sim"])
    assert meta["parameters"] == {"offensive_threshold": "parameters.offensive_threshold",
                                  "capacity_regeneration": "parameters.capacity_regeneration"}
    assert meta["generation"] == 2
    # every accepted parameter set of the last generation is within that generation's epsilon
    assert (df.distance <= meta["epsilon"] + 1e-12).all()
    manifest = json.loads((tiny / "calibration.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 3
    assert manifest["sessions"][0]["runs"] == 2 * manifest["sessions"][0]["evaluations"]
    md = (tiny / "report.md").read_text()
    for text in ("Sabha LNA-held on 2019-03-01", "A quiet winter", "Median casualties", "offensive_threshold",
                 "| 0 | inf | 6 | 100% |"):
        assert text in md
    page = (tiny / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3 and 'src="plots/' not in page


def test_the_epsilon_schedule_falls(tiny):
    from sim.calibrate.abc import Calibration, resume
    from sim.calibrate.report import read_generations

    cal: Calibration = resume(tiny, None, None, None, None)
    gens = read_generations(cal)
    assert [g.t for g in gens] == [0, 1, 2]
    assert math.isinf(gens[0].epsilon)
    assert gens[2].epsilon <= gens[1].epsilon < math.inf
    assert np.average(gens[2].distances, weights=gens[2].weights) < np.mean(gens[0].distances)


def test_every_parameter_set_of_the_prior_sample_is_its_own_draw(tiny):
    """Generation 0 draws each parameter set from the prior in a task of its own: no two alike (a generator
    that travelled with the tasks would give them all the same draw), all within the prior's bounds."""
    from sim.calibrate.abc import resume
    from sim.calibrate.report import read_generations

    cal = resume(tiny, None, None, None, None)
    first = read_generations(cal)[0]
    for p in cal.spec.params:
        values = first.params[p.name]
        assert len(set(values.tolist())) == cal.population, (p.name, values)
        assert ((values > p.low) & (values < p.high)).all()


def test_the_same_seed_on_one_worker_gives_an_identical_posterior(tiny, tmp_path):
    _calibrate(tmp_path / "b")
    assert (tmp_path / "b" / "posterior.parquet").read_bytes() == (tiny / "posterior.parquet").read_bytes()
    assert (tmp_path / "b" / "report.md").read_bytes() == (tiny / "report.md").read_bytes()
    _calibrate(tmp_path / "c", seed=4)
    assert (tmp_path / "c" / "posterior.parquet").read_bytes() != (tiny / "posterior.parquet").read_bytes()


def test_local_proposals_are_reproducible_and_are_not_the_global_kernel(tiny, tmp_path):
    """`transition: local` reaches pyabc: same seed, same posterior; and not the default kernel's posterior."""
    local = _variant(tmp_path, lambda d: d["calibration"].update({"transition": "local"}), "local.yaml")
    for name in ("l1", "l2"):
        assert main(["calibrate", str(local), "--population", "6", "--generations", "3", "--seed", "3",
                     "--out", str(tmp_path / name), "-q"]) == 0
    first = (tmp_path / "l1" / "posterior.parquet").read_bytes()
    assert first == (tmp_path / "l2" / "posterior.parquet").read_bytes()
    assert first != (tiny / "posterior.parquet").read_bytes()
    assert "local normal kernel per particle" in (tmp_path / "l1" / "report.md").read_text()
    assert "multivariate normal kernel" in (tiny / "report.md").read_text()


def test_a_wider_kernel_reaches_pyabc_and_the_report(tiny, tmp_path):
    """`kernel_scale` widens the kernel pyabc perturbs with (either kind), and the report names it."""
    from sim.calibrate.abc import transition

    assert transition("normal", 2.0).scaling == 2.0 and transition("local", 2.0).scaling == 2.0
    assert transition("normal").scaling == 1.0 and transition("local").scaling == 1.0
    wide = _variant(tmp_path, lambda d: d["calibration"].update({"kernel_scale": 2}), "wide.yaml")
    assert main(["calibrate", str(wide), "--population", "6", "--generations", "3", "--seed", "3",
                 "--out", str(tmp_path / "w"), "-q"]) == 0
    assert (tmp_path / "w" / "posterior.parquet").read_bytes() != (tiny / "posterior.parquet").read_bytes()
    assert "multivariate normal kernel, 2 times its bandwidth rule." in (tmp_path / "w" / "report.md").read_text()
    assert "bandwidth rule" not in (tiny / "report.md").read_text()


def test_resume_runs_more_generations_and_gives_what_one_session_gives(tiny, tmp_path):
    out = tmp_path / "r"
    _calibrate(out, generations=2)
    assert completed_generations(out) == 2
    assert main(["calibrate", "--resume", str(out), "--generations", "3", "-q"]) == 0
    assert completed_generations(out) == 3
    assert (out / "posterior.parquet").read_bytes() == (tiny / "posterior.parquet").read_bytes()
    manifest = json.loads((out / "calibration.json").read_text())
    assert [s["generations_at_start"] for s in manifest["sessions"]] == [0, 2]
    # a resumed calibration keeps its population and its seed
    assert main(["calibrate", "--resume", str(out), "--population", "7", "-q"]) == 2
    assert main(["calibrate", "--resume", str(out), "--seed", "9", "-q"]) == 2
    assert main(["calibrate", "--resume", str(out), "--generations", "2", "-q"]) == 2


@pytest.mark.slow
def test_ctrl_c_leaves_a_folder_that_resumes_to_the_same_posterior(tmp_path):
    out = tmp_path / "i"
    args = ["calibrate", str(TINY), "--population", "12", "--generations", "3", "--seed", "5", "--out", str(out),
            "-q"]
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONFAULTHANDLER="1")
    proc = subprocess.Popen(CLI + args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while completed_generations(out) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None, "finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)  # the stacks (faulthandler), then fail
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"Ctrl-C did not stop the calibration:\n{err[-6000:]}")
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("interrupted: ") and f"--resume {out}" in lines[-1], err
    assert "Traceback" not in err
    assert not (out / "posterior.parquet").exists()
    assert json.loads((out / "calibration.json").read_text())["status"] == "running"
    assert main(["calibrate", "--resume", str(out), "-q"]) == 0
    _calibrate(tmp_path / "whole", seed=5, population=12)
    assert (out / "posterior.parquet").read_bytes() == (tmp_path / "whole" / "posterior.parquet").read_bytes()


# ------------------------------------------------------------------ runs that carry the posterior
def _manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def test_a_run_with_a_posterior_records_its_draws_and_reproduces_them(tiny, tmp_path):
    from sim.calibrate.posterior import load_posterior

    post = load_posterior(tiny)
    args = ["run", "palermo_failed", "--until", "2019-03-01", "--runs", "3", "--seed", "4", "--posterior", str(tiny),
            "--workers", "1", "-q"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    rec = _manifest(tmp_path / "a")["posterior"]
    assert rec["sha256"] == post.sha256
    assert [d["seed"] for d in rec["draws"]] == [4, 5, 6]
    assert rec["draws"] == [post.draw(s) for s in (4, 5, 6)]
    drawn = rec["draws"][0]["values"]
    assert set(drawn) == {"parameters.offensive_threshold", "parameters.capacity_regeneration"}
    # the same command again: the same draws and byte-identical tables
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    assert _manifest(tmp_path / "b")["posterior"] == rec
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (tmp_path / "b" / "summary.csv").read_bytes()
    # the draw is what the run ran: run 0 equals a run with the drawn values set by hand
    sets = [x for k, v in drawn.items() for x in ("--set", f"{k}={v!r}")]
    assert main(["run", "palermo_failed", "--until", "2019-03-01", "--runs", "1", "--seed", "4", "--workers", "1",
                 "-q", "--out", str(tmp_path / "c"), *sets]) == 0
    first = (tmp_path / "a" / "summary.csv").read_text().splitlines()[:2]
    assert (tmp_path / "c" / "summary.csv").read_text().splitlines()[:2] == first
    # ... and not what the model's own values give
    assert main(["run", "palermo_failed", "--until", "2019-03-01", "--runs", "1", "--seed", "4", "--workers", "1",
                 "-q", "--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "summary.csv").read_text().splitlines()[:2] != first


def test_each_run_gets_the_parameters_its_seed_draws(tiny):
    from sim.calibrate.posterior import load_posterior
    from sim.scenario import load_scenario

    post = load_posterior(tiny)
    ps = post.scenario(load_scenario("palermo_failed"))
    draws = [post.draw(s) for s in range(1, 40)]
    assert len({d["particle"] for d in draws}) > 1  # seeds pick different parameter sets
    for d in draws[:5]:
        p = ps.for_seed(d["seed"]).parameters
        assert p.offensive_threshold == d["values"]["parameters.offensive_threshold"]
        assert p.capacity_regeneration == d["values"]["parameters.capacity_regeneration"]


def test_a_posterior_run_is_the_same_on_one_worker_or_two(tiny, tmp_path):
    base = ["run", "palermo_failed", "--until", "2019-01-01", "--runs", "8", "--posterior", str(tiny), "-q"]
    assert main(base + ["--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert main(base + ["--workers", "2", "--out", str(tmp_path / "two")]) == 0
    assert (tmp_path / "one" / "summary.csv").read_bytes() == (tmp_path / "two" / "summary.csv").read_bytes()


def test_a_comparison_with_a_posterior_gives_every_scenario_the_same_draws(tiny, tmp_path):
    assert main(["compare", "palermo_success", "palermo_failed", "--until", "2019-01-01", "--runs", "3",
                 "--workers", "1", "--posterior", str(tiny), "--out", str(tmp_path / "cmp")]) == 0
    a = _manifest(tmp_path / "cmp" / "palermo_success")["posterior"]["draws"]
    b = _manifest(tmp_path / "cmp" / "palermo_failed")["posterior"]["draws"]
    assert a == b and len(a) == 3


def test_posterior_refusals(tiny, tmp_path, cli):
    r = cli("run", "palermo_failed", "--runs", "1", "--posterior", tmp_path, "--out", tmp_path / "x")
    assert r.returncode == 2 and "posterior.parquet" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("run", "palermo_failed", "--runs", "1", "--posterior", tiny, "--set",
            "parameters.offensive_threshold=2", "--out", tmp_path / "y")
    assert r.returncode == 2 and "parameters.offensive_threshold" in r.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


SWEEP = """
name: posterior_sweep
scenario: palermo_failed
until: 2019-03-01
parameters:
  {path}: {{values: [{a}, {b}]}}
design: {{method: grid}}
replications: 2
base_seed: 7
outcomes: [casualties]
"""


def test_a_sweep_with_a_posterior_draws_per_replication_seed_and_records_the_draws(tiny, tmp_path):
    from sim.calibrate.posterior import load_posterior
    from sim.runner import horizon_steps, run_one
    from sim.scenario import load_scenario
    from sim.sweep.engine import read_runs
    from sim.sweep.evaluators import build_scenario

    f = tmp_path / "s.yaml"
    f.write_text(SWEEP.format(path="actors.turkey.patron.budget", a=0.5, b=2.0))
    out = tmp_path / "sw"
    assert main(["sweep", str(f), "--workers", "1", "--out", str(out), "--posterior", str(tiny),
                 "--no-progress"]) == 0
    post = load_posterior(tiny)
    rec = json.loads((out / "sweep.json").read_text())["posterior"]
    assert rec["draws"] == [post.draw(7), post.draw(8)]
    rows = read_runs(out)
    loaded = load_scenario("palermo_failed")
    steps = horizon_steps(loaded.scenario, until=dt.date(2019, 3, 1))
    row = rows.iloc[3]  # point 1 (budget 2.0), replication 1 (seed 8)
    assert (row.point, row.seed) == (1, 8)
    s = build_scenario(loaded.resolved, {**post.draw(8)["values"], "actors.turkey.patron.budget": 2.0})
    assert row.casualties == pytest.approx(run_one(s, 8, steps, record=False).summary["casualties"])
    plain = build_scenario(loaded.resolved, {"actors.turkey.patron.budget": 2.0})
    assert row.casualties != pytest.approx(run_one(plain, 8, steps, record=False).summary["casualties"])
    # resuming the finished sweep reloads the posterior it started with
    assert main(["sweep", "--resume", str(out), "--workers", "1", "--no-progress"]) == 0
    # a sweep may not vary a parameter the posterior draws
    f.write_text(SWEEP.format(path="parameters.offensive_threshold", a=1.5, b=2.5))
    assert main(["sweep", str(f), "--out", str(tmp_path / "no"), "--posterior", str(tiny), "--no-progress"]) == 2


# ------------------------------------------------------------------ other backends
@pytest.mark.slow
def test_two_local_workers_give_one_workers_posterior_and_ctrl_c_leaves_no_process_behind(tiny, tmp_path):
    import psutil

    out = tmp_path / "w2"
    _calibrate(out, "--workers", "2")
    assert completed_generations(out) == 3
    assert (out / "posterior.parquet").read_bytes() == (tiny / "posterior.parquet").read_bytes()
    assert json.loads((out / "calibration.json").read_text())["sessions"][0]["workers"] == 2

    out = tmp_path / "w2i"
    args = ["calibrate", str(TINY), "--population", "40", "--generations", "3", "--out", str(out), "--workers", "2",
            "-q"]
    proc = subprocess.Popen(CLI + args, cwd=ROOT, env=dict(os.environ, PYTHONWARNINGS="ignore"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    children = []
    while completed_generations(out) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    while not children and time.monotonic() < deadline and proc.poll() is None:
        children = psutil.Process(proc.pid).children()
        time.sleep(0.05)
    assert children and proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive


@pytest.mark.cluster
@pytest.mark.slow
def test_calibrate_on_a_local_dask_cluster_gives_one_workers_posterior(tiny, tmp_path):
    out = tmp_path / "dask"
    _calibrate(out, "--backend", "dask", "--workers", "2")
    assert completed_generations(out) == 3 and (out / "report.html").is_file()
    assert (out / "posterior.parquet").read_bytes() == (tiny / "posterior.parquet").read_bytes()
    assert json.loads((out / "calibration.json").read_text())["sessions"][0]["backend"] == "dask"


def test_a_scenario_named_relative_to_the_targets_file_is_found_again_on_resume(tmp_path):
    import shutil

    from sim.calibrate import abc

    (tmp_path / "scn").mkdir()
    for name in ("palermo_failed.yaml", "libya_2018_11.yaml", "parameters.yaml"):
        shutil.copy(ROOT / "scenarios" / "libya" / name, tmp_path / "scn" / name)
    (tmp_path / "t").mkdir()
    f = _variant(tmp_path / "t", lambda d: d.update({"scenario": "../scn/palermo_failed.yaml"}))
    cal = abc.start(str(f), tmp_path / "out", 4, 1, 1)
    assert cal.spec.scenario == str((tmp_path / "scn" / "palermo_failed.yaml").resolve())
    again = abc.resume(tmp_path / "out", None, None, None, None)
    assert again.spec.scenario == cal.spec.scenario and again.spec.file == str(f)


def test_a_generation_seeds_the_global_generators_and_gives_them_back():
    """pyabc draws from numpy's and Python's global generators: each generation seeds them, and the caller's
    states are restored afterwards."""
    import random

    import numpy as np

    from sim.calibrate.abc import _global_generators_seeded

    np.random.seed(123)
    random.seed(123)
    expected = (np.random.random(), random.random())
    np.random.seed(123)
    random.seed(123)
    with _global_generators_seeded(7):
        first = (np.random.random(), random.random())
    with _global_generators_seeded(7):
        assert (np.random.random(), random.random()) == first  # the same seed, the same draws
    assert (np.random.random(), random.random()) == expected  # the caller's streams go on as if untouched


# ------------------------------------------------------------------ the seeded sampler
def _draw_particle():
    """A stand-in for pyabc's simulate_one: a parameter drawn from numpy's global generator, accepted
    below 0.3 (as pyabc draws proposals from it)."""
    from pyabc import Parameter
    from pyabc.population import Particle

    x = float(np.random.uniform())
    return Particle(m=0, parameter=Parameter(x=x), weight=1.0, sum_stat={}, distance=x, accepted=x < 0.3)


def _sample(map_unordered, seed=11, n=12):
    from sim.calibrate.sampling import SeededSampler

    seen = []
    sampler = SeededSampler(map_unordered, seed, on_eval=seen.append)
    sample = sampler.sample_until_n_accepted(n, _draw_particle, 0)
    return [p.parameter["x"] for p in sample.accepted_particles], sampler.nr_evaluations_, seen


def test_the_seeded_sampler_accepts_in_task_order_whatever_order_tasks_finish():
    """The tasks coming back in another order (another worker count, a cluster) change nothing: the same
    parameter sets, accepted in the same order, with the same count of evaluations, each reported once."""
    from sim.calibrate.sampling import in_process

    def backwards(fn, shared, jobs):
        return reversed(list(in_process(fn, shared, jobs)))

    accepted, evaluations, seen = _sample(in_process)
    assert len(accepted) == 12 and all(x < 0.3 for x in accepted)
    assert evaluations > 12 and len(seen) == evaluations and sum(seen) == 12
    assert _sample(backwards)[:2] == (accepted, evaluations)
    assert _sample(in_process, seed=12)[0] != accepted


# ------------------------------------------------------------------ what the terminal and the report say
def test_the_command_prints_two_lines_and_no_log_of_pyabc(tmp_path):
    """pyabc logs every generation at INFO from its first import on; the command shows only its own lines."""
    res = subprocess.run(CLI + ["calibrate", str(TINY), "--population", "4", "--generations", "2", "--seed", "3",
                                "--out", str(tmp_path / "q"), "-q"], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONWARNINGS="ignore"), timeout=300)
    assert res.returncode == 0, res.stderr
    lines = res.stderr.strip().splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["calibrate", "done"], res.stderr


def test_a_posterior_resting_on_a_few_sets_is_flagged(tmp_path, monkeypatch, capsys):
    from sim.calibrate import report

    assert report.weight_warning(200, np.ones(200)) is None
    assert report.weight_warning(200, np.r_[np.ones(20), np.zeros(180)]) is None   # 20 even sets: 10%
    assert report.weight_warning(200, np.r_[np.ones(19), np.zeros(181)]) is not None  # 19: under 10%
    w = np.r_[35.0, np.full(65, 1.0)]  # one set with 35% of the weight
    ess = 1 / np.sum((w / w.sum()) ** 2)
    assert report.weight_warning(200, w) == (
        f"the last generation's effective sample size is {ess:.1f} of 200 (its heaviest parameter set carries "
        f"35% of the weight): the posterior's medians and intervals rest on a few sets; a larger --population, "
        f"or another --seed, shows how much they move")
    monkeypatch.setattr(report, "FEW", 1.01)  # every posterior is "a few sets"
    _calibrate(tmp_path / "few", generations=2)
    assert "warning: the last generation's effective sample size is" in capsys.readouterr().err
    assert "**Warning**: the last generation's effective sample size" in (tmp_path / "few" / "report.md").read_text()
