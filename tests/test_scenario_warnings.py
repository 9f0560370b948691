"""Warnings: what a scenario may say but probably does not mean. `validate`, `run` and `compare` print each as
one line ``warning: file:line: field: message`` (as an error is written) and go on (sim/checks.py).
(The older warnings, and that the shipped scenarios have none: test_scenario_lookup.py.)"""

from __future__ import annotations

import json

from conftest import TOY
from sim.scenario import load_scenario


def variant(tmp_path, body: str, name="variant.yaml"):
    f = tmp_path / name
    f.write_text(f"extends: {TOY}\n{body}", encoding="utf-8")
    return f


def warned(res) -> list[str]:
    assert res.returncode == 0, res.stderr
    return [x for x in res.stderr.splitlines() if x.startswith("warning:")]


def test_a_tie_at_level_0_warns_unless_dormant(cli, tmp_path):
    f = variant(tmp_path, "ties:\n  blue_mercs:\n    dormant: false\n")
    lines = warned(cli("validate", f))
    toy_line = next(i for i, x in enumerate(TOY.read_text().splitlines(), 1) if x.strip().startswith("blue_mercs:"))
    assert lines == [f"warning: {TOY}:{toy_line}: ties.blue_mercs.level: level 0: the tie gives nothing until an "
                     "escalation or an event raises it; say 'dormant: true' if that is meant"]
    assert warned(cli("validate", TOY)) == []  # the toy says dormant: true
    g = variant(tmp_path, "ties:\n  red_money:\n    level: 0\n", name="g.yaml")
    assert [x.split(": ", 2)[1] for x in warned(cli("validate", g))] == [f"{g}:4"]


def test_dormant_changes_nothing_in_a_run_or_its_manifest():
    dormant = load_scenario(TOY)
    plain = load_scenario(TOY, {"ties.blue_mercs.dormant": False})
    assert dormant.resolved == plain.resolved and dormant.sha256 == plain.sha256
    assert "dormant" not in json.dumps(dormant.resolved)


def test_a_place_its_holder_cannot_supply_warns_unless_an_enclave(cli, tmp_path):
    # West's oil field, reachable only through red West, goes to the blue army
    f = variant(tmp_path, "territory:\n  places:\n    west_field: {controller: blue_army}\n")
    lines = warned(cli("validate", f))
    assert lines == [f"warning: {f}:4: territory.places.west_field.controller: no road joins west_field to the "
                     "base of its holder blue_army through ground its camp can supply along: it starts cut off; list "
                     "it under territory.enclaves if that is meant"]
    g = variant(tmp_path, "territory:\n  places:\n    west_field: {controller: blue_army}\n  enclaves: [west_field]\n",
                name="g.yaml")
    assert warned(cli("validate", g)) == []


def test_a_place_cut_from_the_whole_map_gets_one_warning_not_two(cli, tmp_path):
    f = variant(tmp_path, "territory:\n  roads: [[west, middle], [west, west_field], [middle, east_port]]\n"
                          "  places:\n    east: {controller: red_army}\n")
    lines = warned(cli("validate", f))
    assert len(lines) == 1 and "territory.roads: no road joins east to the rest" in lines[0], lines


def test_run_prints_the_warnings_with_file_and_line_and_goes_on(cli, tmp_path):
    f = variant(tmp_path, "ties:\n  red_money:\n    level: 0\n")
    res = cli("run", f, "--runs", 1, "--steps", 1, "--out", tmp_path / "o", "--quiet")
    assert warned(res) == [f"warning: {f}:4: ties.red_money.level: level 0: the tie gives nothing until an "
                           "escalation or an event raises it; say 'dormant: true' if that is meant"]
    assert (tmp_path / "o" / "manifest.json").exists()


def test_compare_keeps_the_warnings_for_its_report(cli, tmp_path):
    f = variant(tmp_path, "ties:\n  red_money:\n    level: 0\n")
    res = cli("compare", TOY, f, "--runs", 2, "--until", "2020-02-03", "--out", tmp_path / "c", "--quiet",
              "--workers", 1)
    assert len(warned(res)) == 1 and f"{f}:4: ties.red_money.level" in warned(res)[0]
    report = (tmp_path / "c" / "report.md").read_text()
    assert "- variant: ties.red_money.level: level 0" in report


def test_a_receiver_of_captures_in_another_camp_warns(cli, tmp_path):
    f = variant(tmp_path, "actors:\n  town_militia:\n    faction:\n      captures_go_to: red_army\n")
    assert [x.split(": ", 2)[2] for x in warned(cli("validate", f))] == [
        "actors.town_militia.faction.captures_go_to: 'red_army' is in RED, not in BLUE or a camp allied to it: it "
        "takes no captured place until it is (the captor keeps them)"]
    g = variant(tmp_path, "actors:\n  town_militia:\n    faction:\n      captures_go_to: blue_army\n", "g.yaml")
    assert warned(cli("validate", g)) == []
    h = variant(tmp_path, "camps:\n  BLUE:\n    captures_go_to: {west: blue_army, middle: red_army}\n", "h.yaml")
    assert [x.split(": ", 2)[2] for x in warned(cli("validate", h))] == [
        "camps.BLUE.captures_go_to.middle: 'red_army' is in RED, not in BLUE or a camp allied to it: it takes no "
        "captured place until it is (the captor keeps them)"]


def test_funds_to_a_patron_that_spends_nothing_warn(cli, tmp_path):
    tie = "ties:\n  f: {source: red_patron, target: blue_patron, channel: money, level: 0.5, assumption: test data}\n"
    idle = "  blue_arms: {adaptive: false}\n  blue_mercs: {adaptive: false}\n"
    f = variant(tmp_path, tie + idle)
    assert [x.split(": ", 2)[2] for x in warned(cli("validate", f))] == [
        "ties.f.target: 'blue_patron' gives no adaptive support: what this tie adds to its budget is never spent"]
    assert warned(cli("validate", variant(tmp_path, tie, "g.yaml"))) == []


def test_forces_based_in_another_camp_s_ground_warn(cli, tmp_path):
    f = variant(tmp_path, "actors:\n  red_patron:\n    patron:\n      forces: {fighters: 100, heavy_weapons: 0.5, "
                          "home: east}\n")
    assert [x.split(": ", 2)[2] for x in warned(cli("validate", f))] == [
        "actors.red_patron.patron.forces.home: east is held by BLUE, not by RED: the forces of 'red_patron' start "
        "based in another camp's ground"]


def test_a_place_a_patron_s_forces_cannot_supply_warns_unless_an_enclave(cli, tmp_path):
    """Red's forces, based at West, hold East (beyond Blue's ground): they start cut off there."""
    forces = ("actors:\n  red_patron:\n    patron:\n      forces: {fighters: 100, heavy_weapons: 0.5, home: west}\n"
              "territory:\n  places:\n    east:\n      controller: red_patron\n")
    lines = [x.split(": ", 2)[2] for x in warned(cli("validate", variant(tmp_path, forces)))]
    assert lines == ["territory.places.east.controller: no road joins east to the base of its holder red_patron "
                     "through ground its camp can supply along: it starts cut off; list it under territory.enclaves "
                     "if that is meant"]
    enclave = forces + "  enclaves: [east]\n"
    assert warned(cli("validate", variant(tmp_path, enclave, "g.yaml"))) == []
