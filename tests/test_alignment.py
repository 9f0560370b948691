"""Why militias change sides: the spoils a camp's campaign offers (bandwagoning for profit, Schweller 1994),
and the campaigns that force the choice on those whose fate they decide. On the toy war of tests/data: Red
(west) and Blue (east), and a switchable militia holding the town between them."""

from __future__ import annotations

import pytest

import test_directions as directions
from conftest import TOY
from sim.mechanisms import alignment
from sim.model import ConflictModel
from sim.scenario import load_scenario
from sim.world.camp import CampStanding

START = "2020-01-06"
RED_MARCHES_EAST = {"events.push": {"date": START, "kind": "offensive", "actor": "red_army", "target": "east",
                                    "weeks": 40, "assumption": "test data"}}
WANTS_EAST = {"actors.town_militia.faction.goals": {"east": 8.0, "west": 2.0}}


def test_spoils_are_the_objective_s_worth_against_the_most_wanted_place():
    goals = {3: 8.0, 5: 2.0}
    assert alignment.spoils(goals, 3) == 1.0
    assert alignment.spoils(goals, 5) == pytest.approx(0.25)
    assert alignment.spoils(goals, 4) == 0.0  # a campaign on a place it does not want
    assert alignment.spoils(goals, None) == 0.0  # no campaign
    assert alignment.spoils({}, 3) == 0.0
    assert alignment.spoils({3: -2.0, 5: 4.0}, 3) == 0.0  # a place it would rather not see taken


def test_the_spoils_enter_the_utility_with_their_weight():
    base = dict(current=False, pay=0.2, momentum=0.1, affinity=0.5, threat=0.3, legitimacy=0.4, inertia=2.5,
                w_pay=1.0, w_momentum=1.0, w_ideology=2.0, w_threat=1.5, w_legitimacy=1.0)
    without = alignment.camp_utility(spoils=0.0, w_spoils=3.0, **base)
    assert alignment.camp_utility(spoils=0.5, w_spoils=3.0, **base) == pytest.approx(without + 1.5)
    assert alignment.camp_utility(spoils=0.5, w_spoils=0.0, **base) == pytest.approx(without)


def started(overrides: dict, seed: int = 1) -> ConflictModel:
    m = ConflictModel(load_scenario(TOY, overrides).scenario, seed=seed, record=False)
    m.step()
    return m


def test_a_campaign_on_a_place_a_militia_wants_puts_its_side_at_stake():
    m = started({**RED_MARCHES_EAST, **WANTS_EAST})
    militia = m.actor("town_militia")
    standing = CampStanding(m, m.force)
    assert standing.objectives["RED"] == m.places.index("east")
    assert standing.spoils("RED", militia) == 1.0 and standing.spoils("BLUE", militia) == 0.0
    assert standing.at_stake(militia)
    calm = started({**RED_MARCHES_EAST, "actors.town_militia.faction.goals": {"west": 2.0}})
    calm_standing = CampStanding(calm, calm.force)
    assert calm_standing.spoils("RED", calm.actor("town_militia")) == 0.0
    if not calm_standing.war_at_door(calm.actor("town_militia").home):
        assert not calm_standing.at_stake(calm.actor("town_militia"))


def weeks_militia_red(overrides: dict) -> float:
    """Share of weeks the militia spends with Red while Red marches on the place it wants most."""
    return directions.weeks_militia_red({"parameters.alignment_rate": 0.3, **RED_MARCHES_EAST, **WANTS_EAST,
                                         **overrides}, weeks=20)


def test_a_militia_joins_the_camp_whose_campaign_offers_it_what_it_wants():
    without = weeks_militia_red({"parameters.alignment_spoils_weight": 0.0})
    drawn = weeks_militia_red({"parameters.alignment_spoils_weight": 3.0})
    assert drawn > without + 0.1, (without, drawn)
