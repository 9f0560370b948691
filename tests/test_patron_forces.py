"""A patron's own forces (``forces:`` of a patron): they hold and defend places in the patron's camp and count in
its strength, take no part in its campaigns, and are paid by their patron. On the toy war the Blue patron puts a
force at East port (held by the Blue Army at the start)."""

from __future__ import annotations

import pytest

from conftest import ROOT, TOY, refused_in_one_line
from sim.model import ConflictModel
from sim.scenario import load_scenario

FIGHTING = ROOT / "tests" / "data" / "toy_fighting.yaml"  # a Red Army strong enough to attack
FORCES = {"fighters": 4000, "heavy_weapons": 0.8, "home": "east_port"}
AT_THE_PORT = {"actors.blue_patron.patron.forces": FORCES,
               "territory.places.east_port.controller": "blue_patron"}


def model(overrides: dict, seed: int = 1, scenario=TOY) -> ConflictModel:
    return ConflictModel(load_scenario(scenario, overrides).scenario, seed=seed)


def test_the_forces_are_a_faction_of_the_patron_s_camp_after_the_scenario_s():
    m = model(AT_THE_PORT)
    force = m.holder("blue_patron")
    assert force is m.actor("blue_patron_forces") is m.factions[-1] and force.index == len(m.factions) - 1
    assert force.camp == "BLUE" and force.fighters == 4000 and force.heavy_weapons == 0.8
    assert [f.actor_id for f in m.factions[:-1]] == [f.actor_id for f in model({}).factions]


def test_a_place_held_by_the_forces_counts_for_the_patron_s_camp():
    m, plain = model(AT_THE_PORT), model({})
    port = m.places.index("east_port")
    assert m.controller[port] == m.holder("blue_patron").index and m.camp_of(port) == "BLUE"
    assert m.map.view().shares["BLUE"] == plain.map.view().shares["BLUE"]
    assert m.force.totals["BLUE"] > plain.force.totals["BLUE"]  # their strength counts for the camp
    assert m.force.win_probability["BLUE"] > plain.force.win_probability["BLUE"]


def test_the_forces_defend_the_place_they_hold():
    def defence(forces):
        m = model({**AT_THE_PORT, "actors.blue_patron.patron.forces.fighters": forces})
        m.front.focus = {}
        m.front.spread = [e * r for e, r in zip(m.force.strength, m.front._threatened_reach(m.map.view(), m.force))]
        m.air.new_week(m.map.view())
        return m, m.front.defenders(m.places.index("east_port"), set(), m.force, "RED")

    m, d = defence(4000)
    force = m.holder("blue_patron").index
    p = m.params
    hold = m.force.at(force, m.places.index("east_port")) * p.hold_weight / (p.hold_weight + 1.0)
    assert d[force] == pytest.approx(hold) and hold > 0.0  # as a holder: it keeps most of its force there
    assert sum(defence(8000)[1].values()) > sum(d.values()) > sum(defence(1000)[1].values())


def test_a_place_held_by_strong_forces_falls_less_often():
    def port_falls(fighters):
        over = {**AT_THE_PORT, "actors.blue_patron.patron.forces.fighters": fighters}
        falls = 0
        for seed in range(8):
            m = model(over, seed, FIGHTING)
            for _ in range(40):
                m.step()
            falls += m.camp_of(m.places.index("east_port")) != "BLUE"
        return falls

    assert port_falls(20000) < port_falls(100)


def test_the_forces_take_no_part_in_campaigns():
    m = model({"actors.red_patron.patron.forces": {**FORCES, "home": "west"}}, scenario=FIGHTING)
    force = m.holder("red_patron").index
    red = m.map.view().members["RED"]
    assert force in red
    m.step()
    m.front._force, m.front._view = m.force, m.map.view()
    assert force not in [fi for fi, _ in m.front.campaign_force(red, m.places.index("middle"))]
    for _ in range(30):
        m.step()
        assert all(attacker != force for _, attacker, _ in m.battles_this_week)
    assert m.camps["RED"].command is not None


def test_the_forces_do_not_change_what_the_camp_wants():
    m, plain = model({"actors.red_patron.patron.forces": {**FORCES, "home": "west"}}), model({})
    for x in (m, plain):
        x.front._force, x.front._view, x.front._worths = x.force, x.map.view(), {}
    assert m.front.objective_worths("RED", m.map.view().members["RED"]) == \
        plain.front.objective_worths("RED", plain.map.view().members["RED"])
    from sim.world.camp import CampStanding

    east = m.places.index("east")
    assert CampStanding(m, m.force).worth("RED", east) == CampStanding(plain, plain.force).worth("RED", east) > 0


def test_the_forces_are_paid_by_their_patron_not_by_the_camp():
    m, plain = model(AT_THE_PORT), model({})
    for x in (m, plain):
        x.step()
    assert m.camps["BLUE"].pay_rate == pytest.approx(plain.camps["BLUE"].pay_rate)
    force = m.holder("blue_patron")
    assert force.fighters == 4000 and force.cohesion == 0.8  # kept at strength, whatever the takings


def test_the_forces_follow_their_patron_to_another_camp():
    over = {**AT_THE_PORT, "events.d": {"date": "2020-01-06", "kind": "defection", "actor": "blue_patron",
                                        "to_camp": "RED", "assumption": "test data"}}
    m = model(over)
    m.step()
    assert m.holder("blue_patron").camp == "RED" and m.camp_of(m.places.index("east_port")) == "RED"


@pytest.mark.parametrize("fields, message", [
    ("actors:\n  blue_patron:\n    patron:\n      forces: {fighters: 100, heavy_weapons: 0.5, home: est}",
     "actors.blue_patron.patron.forces.home: unknown place 'est' (did you mean 'west' or 'east'?)"),
    ("actors:\n  blue_patron:\n    patron:\n      forces: {fighters: -100, heavy_weapons: 0.5, home: east}",
     "actors.blue_patron.patron.forces.fighters: Input should be greater than or equal to 0"),
    ("actors:\n  mediator:\n    kind: patron\n    patron: {budget: 1, resolve: 0.5, risk_tolerance: 0.5, forces: "
     "{fighters: 100, heavy_weapons: 0.5, home: east}}",
     "actors.mediator.patron.forces: camp 'neutral' is not armed: a patron's forces fight for an armed camp"),
    ("actors:\n  blue_patron_forces: {name: X, kind: patron, camp: BLUE, assumption: test, patron: {budget: 1, "
     "resolve: 0.5, risk_tolerance: 0.5}}\n  blue_patron:\n    patron:\n      forces: {fighters: 100, "
     "heavy_weapons: 0.5, home: east}",
     "actors.blue_patron.patron.forces: its forces are recorded as 'blue_patron_forces', which is already an actor "
     "of the scenario"),
    ("actors:\n  blue_army:\n    patron: {budget: 1, resolve: 0.5, risk_tolerance: 0.5, forces: {fighters: 100, "
     "heavy_weapons: 0.5, home: east}}",
     "actors.blue_army.patron.forces: 'blue_army' is a faction: only a patron has forces of its own (a faction's are "
     "its fighters)"),
    ("territory:\n  places:\n    east:\n      controller: blue_patron",
     "territory.places.east.controller: 'blue_patron' cannot hold places (a faction, or a patron with forces, can)"),
])
def test_bad_forces_are_one_line(cli, tmp_path, fields, message):
    refused_in_one_line(cli, tmp_path, fields, message)
