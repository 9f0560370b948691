"""The capture event: a dated hand-over of a place to a faction (a change of the starting state, or a negotiated
hand-over), without a battle. On the toy war: Middle is held by the (blue) town militia, East port by the Blue
Army."""

from __future__ import annotations

import pytest

from conftest import TOY
from sim.model import ConflictModel
from sim.runner import horizon_steps, run_one
from sim.scenario import load_scenario

START = "2020-01-06"


def hand_over(place: str, to: str, date: str = START) -> dict:
    return {"date": date, "kind": "capture", "place": place, "to": to, "assumption": "test data"}


def model(**events) -> ConflictModel:
    return ConflictModel(load_scenario(TOY, {f"events.{k}": v for k, v in events.items()}).scenario, seed=1)


def test_the_place_changes_hands_at_its_date():
    m = model(hand=hand_over("middle", "red_army", "2020-01-20"))
    middle = m.places.index("middle")
    shares = [m.map.view().shares["RED"][0]]
    for _ in range(3):
        assert m.camp_of(middle) == "BLUE"
        m.step()
        shares.append(m.map.view().shares["RED"][0])
    assert m.camp_of(middle) == "RED" and m.controller[middle] == m.actor("red_army").index
    assert shares[-1] == pytest.approx(shares[0] + 1 / 5)
    assert [e[4] for e in m.recorder.events if e[2] == "capture"] == [
        "Middle handed over to RED (Red Army) by Middle-town militia"]


def test_a_hand_over_is_no_battle():
    from sim import events

    m = model()
    ev = load_scenario(TOY, {"events.hand": hand_over("east_port", "red_army")}).scenario.events["hand"]
    fighters = [f.fighters for f in m.factions]
    goals = dict(m.actor("blue_army").goals)
    events.HANDLERS["capture"](m, "hand", ev)
    assert m.camp_of(m.places.index("east_port")) == "RED"
    assert [f.fighters for f in m.factions] == fighters and m.casualties == 0.0  # nobody fought
    assert m.front.captures == [] and m.front.battles_this_week == []  # no momentum for anyone
    assert m.actor("blue_army").goals == goals  # nobody sets out to retake it


def test_the_oil_of_a_place_handed_over_goes_with_it():
    m = model(hand=hand_over("east_port", "red_army"))
    before = m.map.view().shares["RED"][2]
    m.step()
    assert before == pytest.approx(0.4) and m.map.view().shares["RED"][2] == pytest.approx(1.0)


def test_a_hand_over_moves_the_war_its_way():
    """Over 20 seeds Red holds Middle at the end more often when Middle is handed to it at the start."""
    def red_holds_middle(overrides):
        s = load_scenario(TOY, overrides).scenario
        return sum(run_one(s, k, horizon_steps(s), record=False).summary["middle_camp"] == "RED" for k in range(20))

    assert red_holds_middle({"events.hand": hand_over("middle", "red_army")}) > red_holds_middle({})


def test_a_place_already_held_stays_and_says_so():
    m = model(hand=hand_over("west", "red_army"))
    m.step()
    assert m.camp_of(m.places.index("west")) == "RED"
    assert [e[4] for e in m.recorder.events if e[2] == "capture"] == ["West: already held by Red Army"]


@pytest.mark.parametrize("fields, message", [
    ("place: midle\n    to: red_army", "events.c.place: unknown place 'midle' (did you mean 'middle'?)"),
    ("place: middle\n    to: red_patron", "events.c.to: 'red_patron' is not a faction and cannot hold places"),
    ("place: middle", "events.c.to: required field is missing"),
])
def test_a_bad_capture_is_one_line(cli, tmp_path, fields, message):
    f = tmp_path / "v.yaml"
    f.write_text(f"extends: {TOY}\nevents:\n  c:\n    kind: capture\n    date: {START}\n    {fields}\n"
                 "    assumption: test data\n")
    res = cli("validate", f)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1, res.stderr
    assert errors[0].startswith(f"error: {f}:") and errors[0].endswith(message), errors[0]
