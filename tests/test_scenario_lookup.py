"""Finding scenarios and saying what is wrong with a name: "did you mean", where `extends:` looked, the
scenarios there are, `libya-sim list`, names found in ./scenarios/, `--set KEY=null`, `--set` errors in the
user's own terms, and the scenario warnings (allowed, but probably not meant).

Bad input: one line ``error: ...``, exit code 2, no traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SCENARIOS, SHIPPED, TOY
from sim.scenario import load_scenario


def refused(res, *needles: str) -> str:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [x for x in res.stderr.strip().splitlines() if x.startswith("error:")]
    assert len(lines) == 1, res.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def variant(tmp_path, body: str, base=TOY, name="variant.yaml"):
    f = tmp_path / name
    f.write_text(f"extends: {base}\n{body}", encoding="utf-8")
    return f


# ---------------------------------------------------------------------- did you mean
def test_a_misspelt_field_gets_did_you_mean(cli, tmp_path):
    f = variant(tmp_path, "actors:\n  red_patron:\n    patron: {budgett: 3}\n")
    refused(cli("validate", f), "actors.red_patron.patron.budgett: unknown key (did you mean 'budget'?)")


def test_a_misspelt_required_field_is_reported_at_its_own_line(cli, tmp_path):
    """`hom:` for `home:` makes two problems: an unknown key and a missing field. The unknown key is the
    fault, on its own line, with the field it was meant to be."""
    text = TOY.read_text(encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "home: middle" in x)
    f = tmp_path / "misspelt.yaml"
    f.write_text(text.replace("home: middle", "hom: middle"), encoding="utf-8")
    refused(cli("validate", f), f"{f}:{line}: actors.", ".faction.hom: unknown key (did you mean 'home'?)",
            "(and 1 more problem)")


def test_a_misspelt_actor_in_a_variant_gets_did_you_mean(cli, tmp_path):
    f = variant(tmp_path, "actors:\n  red_patrn:\n    patron: {budget: 3}\n")
    refused(cli("validate", f), "'red_patrn' is a new entry of actors (did you mean 'red_patron'?)")


def test_a_misspelt_reference_gets_did_you_mean(cli, tmp_path):
    f = variant(tmp_path, "ties:\n  red_money: {target: red_armey}\n")
    refused(cli("validate", f), f"{f}:3: ties.red_money.target: unknown actor 'red_armey' (did you mean 'red_army'?)")


def test_a_misspelt_set_path_gets_did_you_mean(cli, tmp_path):
    line = refused(cli("run", TOY, "--runs", 1, "--steps", 1, "--out", tmp_path / "o",
                       "--set", "actors.red_patrn.patron.budget=3"),
                   "--set", "actors.red_patrn", "did you mean 'red_patron'?")
    assert str(TOY) not in line
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------- where files are looked up
def test_extends_looks_beside_the_variant_then_in_the_scenarios_folder(cli, tmp_path):
    f = variant(tmp_path, 'title: "mine"\n', base="palermo_failed.yaml")  # not beside it: in scenarios/
    res = cli("validate", f)
    assert res.returncode == 0, res.stderr
    beside = tmp_path / "palermo_failed.yaml"  # a file of that name beside the variant comes first
    beside.write_text(f"extends: {SCENARIOS / 'palermo_failed.yaml'}\ntitle: beside\n", encoding="utf-8")
    assert load_scenario(f).resolved["title"] == "mine"
    assert load_scenario(beside).resolved["title"] == "beside"


def test_extends_not_found_says_where_it_looked(cli, tmp_path):
    f = variant(tmp_path, "", base="palermo_faild.yaml")
    line = refused(cli("validate", f), "extends: base scenario 'palermo_faild.yaml' not found",
                   "did you mean 'palermo_failed.yaml'", f"(looked in {tmp_path}/, ")
    assert "scenarios/)" in line  # the scenarios folder, after the variant's own


def test_file_not_found_lists_the_scenarios(cli, tmp_path):
    line = refused(cli("run", "palermo_faild", "--runs", 1, "--out", tmp_path / "o"),
                   "palermo_faild: file not found", "did you mean 'palermo_failed'?")
    for f in SHIPPED:
        assert f.stem in line
    assert not (tmp_path / "o").exists()


def test_list_names_every_scenario_with_its_start_and_title(cli):
    res = cli("list")
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line for line in res.stdout.splitlines()}
    for f in SHIPPED:
        sc = load_scenario(f).scenario
        assert f.stem in rows, res.stdout
        assert str(sc.start_date) in rows[f.stem] and sc.title in rows[f.stem]


def test_run_finds_a_name_in_the_scenarios_folder_where_you_are(cli, tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(TOY, tmp_path / "scenarios" / "my_war.yaml")
    monkeypatch.chdir(tmp_path)
    res = cli("run", "my_war", "--runs", 1, "--steps", 1, "--out", "o", "--quiet")
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["scenario"]["name"] == "my_war"
    assert "my_war" in cli("list").stdout


# ---------------------------------------------------------------------- theatre folders
def _theatres(tmp_path, *files: str):
    """A ./scenarios/ folder with the toy war at each of these paths (theatre/name.yaml)."""
    for f in files:
        (tmp_path / "scenarios" / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(TOY, tmp_path / "scenarios" / f)


def test_a_name_is_found_in_a_theatre_folder(cli, tmp_path):
    res = cli("run", "palermo_failed", "--runs", 1, "--steps", 1, "--out", tmp_path / "o", "--quiet")
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert Path(manifest["scenario_path"]).resolve() == SCENARIOS / "palermo_failed.yaml"
    assert SCENARIOS.name == "libya"


def test_a_name_in_two_theatres_is_ambiguous_and_a_theatre_names_one(cli, tmp_path, monkeypatch):
    _theatres(tmp_path, "north/my_war.yaml", "south/my_war.yaml")
    monkeypatch.chdir(tmp_path)
    refused(cli("run", "my_war", "--runs", 1, "--out", "o"),
            "error: my_war: ambiguous scenario name: north/my_war, south/my_war (name one with its theatre folder")
    assert not (tmp_path / "o").exists()
    res = cli("run", "south/my_war", "--runs", 1, "--steps", 1, "--out", "o", "--quiet")
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["scenario_path"] == "scenarios/south/my_war.yaml"


def test_list_shows_the_theatre_folders(cli, tmp_path, monkeypatch):
    _theatres(tmp_path, "north/my_war.yaml", "south/my_war.yaml", "south/other_war.yaml")
    (tmp_path / "scenarios" / "south" / "parameters.yaml").write_text("parameters: {}\n")  # not a scenario
    monkeypatch.chdir(tmp_path)
    out = cli("list").stdout.splitlines()
    assert "scenarios/north/" in out and "scenarios/south/" in out
    assert [x.split()[0] for x in out[out.index("scenarios/south/") + 1:][:2]] == ["other_war", "south/my_war"]
    assert not any(x.split()[0] == "parameters" for x in out)
    assert any(x.startswith(str(SCENARIOS)) or x.endswith("libya/") for x in out), out  # the project's, after


def test_extends_finds_a_base_in_a_theatre_folder(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("extends: libya/palermo_failed.yaml\ntitle: mine\n")
    assert load_scenario(f).scenario.start_date == load_scenario("palermo_failed").scenario.start_date


# ---------------------------------------------------------------------- --set
def test_set_null_deletes_a_field(tmp_path):
    loaded = load_scenario(TOY, {"events.talks": None, "ties.red_drones.max_level": None})
    assert "talks" not in loaded.scenario.events
    assert loaded.scenario.ties["red_drones"].max_level == 1.0  # back to the format's default


def test_set_null_of_nothing_is_refused(cli, tmp_path):
    refused(cli("run", TOY, "--runs", 1, "--out", tmp_path / "o", "--set", "events.tlks=null"),
            "--set: events.tlks: null deletes an entry, but there is no 'tlks' (did you mean 'talks'?)")


def test_set_errors_name_the_option_and_the_users_path(cli, tmp_path):
    line = refused(cli("run", TOY, "--runs", 1, "--out", tmp_path / "o", "--set", "events.talks.outcome=maybe"),
                   "error: --set: events.talks.outcome: ")
    assert ".conference." not in line and "toy_war.yaml" not in line  # no internal path, no line of the file


def test_a_problem_a_set_causes_elsewhere_names_that_set(cli, tmp_path):
    refused(cli("run", TOY, "--runs", 1, "--out", tmp_path / "o", "--set", "actors.red_patron.kind=faction"),
            "a faction needs a 'faction' profile (after --set actors.red_patron.kind)")


@pytest.mark.parametrize("command", ["run", "compare"])
def test_runs_below_one_one_message(tmp_path, command, cli):
    args = [TOY] if command == "run" else [TOY, TOY]
    forms = (["--runs", "-1"], ["--runs", "0"], ["--runs=-1"])
    got = [refused(cli(command, *args, *form, "--out", tmp_path / "o")) for form in forms]
    assert got == [f"error: argument --runs: must be at least 1 (got {n}) (see `libya-sim {command} --help`)"
                   for n in ("-1", "0", "-1")]
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------- warnings
def test_validate_warns_but_does_not_refuse(cli, tmp_path):
    f = variant(tmp_path, "camps:\n  RED: {armed: false}\n  BLUE: {armed: false}\n"
                          "territory:\n  roads: [[west, middle], [west, west_field], [east_port, east]]\n"
                          "events:\n  talks: {date: 2021-06-01}\n")
    res = cli("validate", f)
    assert res.returncode == 0 and res.stdout.startswith("ok:"), res.stderr
    warnings = [x for x in res.stderr.splitlines() if x.startswith("warning:")]
    assert len(warnings) == 3, res.stderr
    assert "no armed camp" in warnings[0]
    assert "no road joins east, east_port to the rest" in warnings[1]
    assert "events.talks.date: 2021-06-01 is after end_date 2020-12-28" in warnings[2]


def test_the_shipped_scenarios_have_no_warnings():
    for f in [*SHIPPED, TOY]:
        assert load_scenario(f).warnings == [], f
