"""The handover event and captures that go to a partner (``captures_go_to`` of a faction or a camp). On the toy
war: Middle is held by the (blue) town militia, East port and East by the Blue Army, West by the Red Army."""

from __future__ import annotations

import pytest

from conftest import ROOT, TOY, refused_in_one_line
from sim import events
from sim.model import ConflictModel
from sim.scenario import load_scenario

START = "2020-01-06"
FIGHTING = ROOT / "tests" / "data" / "toy_fighting.yaml"  # a Red Army strong enough to attack
RED_FORCES = {"fighters": 3000, "heavy_weapons": 0.7, "home": "west"}


def handover(place: str, to: str, date: str = START, **more) -> dict:
    return {"date": date, "kind": "handover", "place": place, "to": to, "assumption": "test data", **more}


def model(seed: int = 1, scenario=TOY, **overrides) -> ConflictModel:
    return ConflictModel(load_scenario(scenario, overrides).scenario, seed=seed)


def texts(m, kind: str) -> list[str]:
    return [e.text for e in m.recorder.events if e.kind == kind]


def test_the_place_passes_to_the_named_faction_at_its_date():
    m = model(**{"events.h": handover("middle", "blue_army", "2020-01-20")})
    middle = m.places.index("middle")
    for _ in range(2):
        assert m.controller[middle] == m.actor("town_militia").index
        m.step()
    m.step()
    assert m.controller[middle] == m.actor("blue_army").index
    assert texts(m, "handover") == ["Middle handed over by Middle-town militia to Blue Army (BLUE)"]


def test_a_handover_to_a_patron_gives_the_place_to_its_forces():
    m = model(**{"actors.red_patron.patron.forces": RED_FORCES, "events.h": handover("west_field", "red_patron")})
    m.step()
    field = m.places.index("west_field")
    assert m.controller[field] == m.holder("red_patron").index == m.actor("red_patron_forces").index
    assert m.camp_of(field) == "RED"


def test_a_handover_by_an_actor_that_no_longer_holds_the_place_does_not_happen():
    m = model(**{"events.h": handover("middle", "red_army", by="blue_army")})
    m.step()
    assert m.camp_of(m.places.index("middle")) == "BLUE"
    assert texts(m, "handover") == ["Middle: not handed over, Blue Army no longer holds it (Middle-town militia does)"]


def test_a_handover_by_its_holder_happens():
    m = model(**{"events.h": handover("middle", "red_army", by="town_militia")})
    m.step()
    assert m.controller[m.places.index("middle")] == m.actor("red_army").index


def test_a_handover_is_no_battle():
    s = load_scenario(TOY, {"events.h": handover("east_port", "red_army")}).scenario
    m = ConflictModel(s, seed=1)
    fighters, goals = [f.fighters for f in m.factions], dict(m.actor("blue_army").goals)
    events.HANDLERS["handover"](m, "h", s.events["h"])
    assert m.camp_of(m.places.index("east_port")) == "RED"
    assert [f.fighters for f in m.factions] == fighters and m.front.captures == []
    assert m.actor("blue_army").goals == goals  # nobody sets out to take it back


# ---------------------------------------------------------------- captures that go to a partner
def test_a_faction_s_captures_go_to_the_partner_it_names():
    m = model(**{"actors.town_militia.faction.captures_go_to": "blue_army"})
    assert m.front.receiver(m.actor("town_militia"), m.places.index("middle")) is m.actor("blue_army")
    assert m.front.receiver(m.actor("blue_army"), m.places.index("middle")) is m.actor("blue_army")  # the rule is the militia's only


def test_a_camp_s_rule_applies_to_its_factions_and_a_faction_s_own_comes_first():
    forces = {"actors.blue_patron.patron.forces": {**RED_FORCES, "home": "east"}}
    m = model(**forces, **{"camps.BLUE.captures_go_to": "blue_patron",
                           "actors.town_militia.faction.captures_go_to": "blue_army"})
    assert m.front.receiver(m.actor("blue_army"), m.places.index("middle")) is m.holder("blue_patron")
    assert m.front.receiver(m.actor("town_militia"), m.places.index("middle")) is m.actor("blue_army")


def test_a_rule_per_place_names_the_receiver_of_those_places_only():
    """A mapping place -> actor: the places it names go to their actor; any other place falls to the camp's
    rule, else stays with the captor."""
    forces = {"actors.blue_patron.patron.forces": {**RED_FORCES, "home": "east"}}
    m = model(**forces, **{"actors.town_militia.faction.captures_go_to": {"west": "blue_army"},
                           "camps.BLUE.captures_go_to": {"west_field": "blue_patron"}})
    at = m.places.index
    militia, army = m.actor("town_militia"), m.actor("blue_army")
    assert m.front.receiver(militia, at("west")) is army
    assert m.front.receiver(militia, at("west_field")) is m.holder("blue_patron")  # the camp's rule for that place
    assert m.front.receiver(militia, at("middle")) is militia  # no rule names it
    assert m.front.receiver(army, at("west")) is army  # the militia's rule is its own


def test_a_receiver_outside_the_camp_takes_nothing():
    m = model(**{"actors.town_militia.faction.captures_go_to": "blue_army"})
    m.map.change_camp(m.actor("town_militia"), "RED")  # the militia changed sides: Blue is no partner now
    assert m.front.receiver(m.actor("town_militia"), m.places.index("middle")) is m.actor("town_militia")


def test_a_receiver_in_an_allied_camp_takes_the_place():
    over = {"camps.GREEN": {"name": "Green", "color": "#00aa00"},
            "actors.green_army": {"name": "Green Army", "kind": "faction", "camp": "GREEN", "assumption": "test data",
                                  "faction": {"fighters": 1000, "heavy_weapons": 0.3, "cash": 5, "cohesion": 0.7,
                                              "legitimacy": 0.3, "home": "middle"}},
            "relations": {"rg": {"camps": ["RED", "GREEN"], "relation": "allied", "assumption": "test data"}},
            "actors.red_army.faction.captures_go_to": "green_army"}
    m = model(**over)
    assert m.front.receiver(m.actor("red_army"), m.places.index("middle")) is m.actor("green_army")


def test_a_place_captured_in_battle_goes_to_the_receiver():
    """Over seeds, every place the Red Army captures ends with the Red patron's forces, and none with the army."""
    over = {"actors.red_patron.patron.forces": RED_FORCES, "actors.red_army.faction.captures_go_to": "red_patron"}
    taken = 0
    for seed in range(6):
        m = model(seed, FIGHTING, **over)
        forces, army = m.holder("red_patron").index, m.actor("red_army").index
        start = list(m.controller)
        for _ in range(40):
            m.step()
            for place, attacker, captured in m.battles_this_week:
                if captured and attacker == army:
                    taken += 1
                    assert m.controller[place] == forces
        assert all(c != army or start[i] == army for i, c in enumerate(m.controller))
    assert taken > 0  # the test saw captures


def test_without_a_rule_the_largest_contributor_takes_the_place():
    m = model()
    for f in m.factions:
        assert m.front.receiver(f, m.places.index("middle")) is f


@pytest.mark.parametrize("fields, message", [
    ("events:\n  h: {kind: handover, date: 2020-01-06, place: midle, to: red_army, assumption: test}",
     "events.h.place: unknown place 'midle' (did you mean 'middle'?)"),
    ("events:\n  h: {kind: handover, date: 2020-01-06, place: middle, to: red_patron, assumption: test}",
     "events.h.to: 'red_patron' cannot hold places (a faction, or a patron with forces, can)"),
    ("events:\n  h: {kind: handover, date: 2020-01-06, place: middle, to: mediator, assumption: test}",
     "events.h.to: 'mediator' cannot hold places (a faction, or a patron with forces, can)"),
    ("events:\n  h: {kind: handover, date: 2020-01-06, place: middle, to: red_army, by: red_army, assumption: test}",
     "events.h.to: 'red_army' is also the actor handing the place over"),
    ("events:\n  h: {kind: handover, date: 2020-01-06, place: middle, to: red_ary, assumption: test}",
     "events.h.to: unknown actor 'red_ary' (did you mean 'red_army'?)"),
    ("actors:\n  town_militia:\n    faction:\n      captures_go_to: blue_patron",
     "actors.town_militia.faction.captures_go_to: 'blue_patron' cannot hold places (a faction, or a patron with "
     "forces, can)"),
    ("actors:\n  town_militia:\n    faction:\n      captures_go_to: town_militia",
     "actors.town_militia.faction.captures_go_to: 'town_militia' is the faction itself: leave captures_go_to out"),
    ("camps:\n  BLUE:\n    captures_go_to: blue_amry",
     "camps.BLUE.captures_go_to: unknown actor 'blue_amry' (did you mean 'blue_army'?)"),
    ("camps:\n  BLUE:\n    captures_go_to: {wset: blue_army}",
     "camps.BLUE.captures_go_to.wset: unknown place 'wset' (did you mean 'west'?)"),
    ("camps:\n  BLUE:\n    captures_go_to: {west: blue_patron}",
     "camps.BLUE.captures_go_to.west: 'blue_patron' cannot hold places (a faction, or a patron with forces, can)"),
])
def test_a_bad_handover_or_receiver_is_one_line(cli, tmp_path, fields, message):
    refused_in_one_line(cli, tmp_path, fields, message)


def test_a_cut_off_garrison_that_gives_way_goes_to_the_receiver(monkeypatch):
    """West field handed to Blue is cut off behind West (Red): when it gives way, the Red Army's receiver takes it."""
    from sim.world import front

    monkeypatch.setattr(front.siege, "gives_way", lambda endurance, draw: True)
    over = {"actors.red_patron.patron.forces": RED_FORCES, "actors.red_army.faction.captures_go_to": "red_patron",
            "events.h": handover("west_field", "blue_army")}
    m = model(**over)
    events.HANDLERS["handover"](m, "h", m.spec.events["h"])
    field = m.places.index("west_field")
    assert m.camp_of(field) == "BLUE" and field in m.map.view().cut_off
    m._measure_balance()
    m.front.lift_sieges(m.force)
    assert m.controller[field] == m.holder("red_patron").index
