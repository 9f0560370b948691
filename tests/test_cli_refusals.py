"""What the command line refuses: one line ``error: ...``, exit code 2, nothing written, no traceback.

The first test goes through a subprocess as a user would (for the date on the start; the date before it in the
test process); the others call the same entry point (``sim.cli.main``) in the test process, which is quicker.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from conftest import TOY, run_cli

PI = math.pi


def refused(res, needle: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [x for x in res.stderr.strip().splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and needle in lines[0], res.stderr


# ---------------------------------------------------------------------- run / compare --until
@pytest.mark.parametrize("until,through", [("2019-12-30", "main"), ("2020-01-06", "subprocess")])
def test_run_until_not_after_the_start_is_refused(tmp_path, until, through, cli):  # before the toy's start, on it
    out = tmp_path / "run"
    res = (run_cli if through == "subprocess" else cli)("run", TOY, "--runs", 1, "--until", until, "--out", out)
    refused(res, f"--until {until} is not after the scenario's start_date 2020-01-06")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_run_until_the_week_after_the_start_runs_one_week(cli, tmp_path):
    out = tmp_path / "run"
    res = cli("run", TOY, "--runs", 1, "--until", "2020-01-13", "--out", out)
    assert res.returncode == 0, res.stderr
    assert json.loads((out / "manifest.json").read_text())["steps"] == 1


def test_compare_until_before_a_start_is_refused(cli, tmp_path):
    out = tmp_path / "cmp"
    res = cli("compare", TOY, TOY, "--runs", 2, "--until", "2019-06-01", "--out", out)
    refused(res, "the comparison ends on 2019-06-01, before toy_war starts (2020-01-06)")
    assert not out.exists()


# ---------------------------------------------------------------------- a null that deletes nothing
@pytest.mark.parametrize("body,field,line", [
    ("events:\n  no_such_event: null\n", "events.no_such_event", 3),
    ("actors:\n  red_army:\n    faction: {no_such_field: null}\n", "actors.red_army.faction.no_such_field", 4),
    ("nothing_here: null\n", "nothing_here", 2),
])
def test_a_null_that_deletes_nothing_is_refused(cli, tmp_path, body, field, line):
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {TOY}\n{body}")
    refused(cli("validate", variant), "null deletes an entry of the base scenario, but there is none")
    res = cli("validate", variant)
    assert re.match(rf"error: {re.escape(str(variant))}:{line}: {re.escape(field)}: ", res.stderr), res.stderr
    out = tmp_path / "run"
    refused(cli("run", variant, "--runs", 1, "--out", out), field)
    assert not out.exists()


def test_a_null_that_deletes_something_is_accepted(cli, tmp_path):
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {TOY}\nevents:\n  talks: null\n")
    res = cli("validate", variant)
    assert res.returncode == 0 and "0 events" in res.stdout, res.stderr


# ---------------------------------------------------------------------- sweeps: --resume, analyze
def toy_sweep(scenario) -> str:
    return f"""\
name: toy
scenario: {scenario}
until: 2020-03-01
parameters:
  parameters.contest_decisiveness: {{bounds: [1.0, 4.0]}}
design: {{method: latin, samples: 4, seed: 3}}
replications: 1
chunk_size: 2
outcomes: [red_territory_share]
"""


def ishigami(method: str, samples: int) -> str:
    return (f"model: ishigami\nparameters:\n" + "".join(f"  x{i}: {{bounds: [{-PI}, {PI}]}}\n" for i in (1, 2, 3))
            + f"design: {{method: {method}, samples: {samples}, seed: 7}}\noutcomes: [y]\nchunk_size: 8\n")


def test_resume_with_a_changed_sweep_file_is_refused(cli, tmp_path):
    f = tmp_path / "toy.yaml"
    f.write_text(toy_sweep(TOY))
    out = tmp_path / "out"
    res = cli("sweep", f, "--out", out, "--workers", 1, "--no-progress")
    assert res.returncode == 0, res.stderr
    before = sorted(p.name for p in (out / "runs").iterdir())
    f.write_text(toy_sweep(TOY).replace("bounds: [1.0, 4.0]", "bounds: [1.0, 3.0]"))
    refused(cli("sweep", f, "--resume", out, "--no-progress"),
            f"this sweep file differs from the one the sweep in {out} started with")
    assert sorted(p.name for p in (out / "runs").iterdir()) == before
    f.write_text(toy_sweep(TOY))  # the same file again: resuming a finished sweep does nothing and succeeds
    assert cli("sweep", f, "--resume", out, "--no-progress").returncode == 0


def test_resume_after_the_scenario_changed_is_refused(cli, tmp_path):
    scenario = tmp_path / "toy_war.yaml"
    scenario.write_text(TOY.read_text())
    f = tmp_path / "toy.yaml"
    f.write_text(toy_sweep(scenario))
    out = tmp_path / "out"
    assert cli("sweep", f, "--out", out, "--workers", 1, "--no-progress").returncode == 0
    scenario.write_text(TOY.read_text().replace("fighters: 10000, heavy_weapons: 0.5, air: 0.5",
                                                "fighters: 12000, heavy_weapons: 0.5, air: 0.5"))
    refused(cli("sweep", "--resume", out, "--no-progress"), "the scenario changed since this sweep started")
    refused(cli("sweep", f, "--resume", out, "--no-progress"), "the scenario changed since this sweep started")


@pytest.mark.parametrize("method,samples", [("sobol", 8), ("morris", 4)])
def test_analyze_refuses_an_incomplete_sobol_or_morris_sweep(cli, tmp_path, method, samples):
    f = tmp_path / "s.yaml"
    f.write_text(ishigami(method, samples))
    out = tmp_path / "out"
    assert cli("sweep", f, "--out", out, "--workers", 1, "--no-progress").returncode == 0
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) > 1
    parts[1].unlink()
    res = cli("analyze", out, "--no-plots")
    refused(res, "sweep is incomplete: ")
    assert re.search(r"incomplete: (\d+) of (\d+) runs on disk \(finish it with --resume ", res.stderr)
    done, total = map(int, re.search(r"(\d+) of (\d+) runs", res.stderr).groups())
    assert done == total - 8
    assert not (out / "analysis" / "indices.csv").exists()


def test_analyze_reads_an_incomplete_latin_sweep_with_a_warning(cli, tmp_path):
    f = tmp_path / "l.yaml"
    f.write_text(ishigami("latin", 32))
    out = tmp_path / "out"
    assert cli("sweep", f, "--out", out, "--workers", 1, "--no-progress").returncode == 0
    sorted((out / "runs").glob("part-*.parquet"))[0].unlink()
    res = cli("analyze", out, "--no-plots")
    assert res.returncode == 0, res.stderr
    assert "warning: sweep is incomplete: 24 of 32 runs on disk" in res.stdout + res.stderr
    assert (out / "analysis" / "indices.csv").exists()


def test_analyze_refuses_a_folder_that_is_not_a_sweep(cli, tmp_path):
    refused(cli("analyze", tmp_path), "not a sweep directory")
