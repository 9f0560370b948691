"""The air war: local cover, air defence where it is deployed, losses and deliveries; and the campaign's
forward base, the home guard and the wish to retake a lost place."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SCENARIOS, TOY
from sim.mechanisms import air, campaign, deterrence, siege
from sim.model import ConflictModel
from sim.runner import run_one
from sim.scenario import load_scenario
from sim.world.camp import defence_at

amount = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)
rate = st.floats(min_value=0.0, max_value=2.0, allow_nan=False)


# ---------------------------------------------------------------- the formulas
def test_coverage_falls_off_with_distance():
    assert air.coverage(0.0, 500.0) == 1.0
    assert air.coverage(500.0, 500.0) == pytest.approx(math.exp(-1.0))
    assert air.coverage(100.0, 500.0) > air.coverage(300.0, 500.0)


@given(amount, amount, rate, rate)
def test_the_exchange_never_destroys_more_than_is_there(a, d, shoot, strike):
    air_lost, ad_lost = air.exchange(a, d, shoot, strike)
    assert 0.0 <= air_lost <= a and 0.0 <= ad_lost <= d


def test_air_defence_shoots_down_air_and_strikes_destroy_air_defence():
    assert air.exchange(2.0, 1.0, 0.1, 0.05) == pytest.approx((0.1, 0.1))  # 0.1 x 1.0 shot down, 0.05 x 2.0 struck
    assert air.exchange(2.0, 0.0, 0.1, 0.05) == (0.0, 0.0)  # nothing to shoot with, nothing to strike
    assert air.exchange(0.0, 1.0, 0.1, 0.05) == (0.0, 0.0)
    more_ad = air.exchange(2.0, 2.0, 0.1, 0.05)
    assert more_ad[0] > 0.1  # more air defence shoots down more


def test_deliveries_rebuild_a_stock_up_to_what_is_supplied():
    assert air.restock(0.5, 1.0, 0.1) == pytest.approx(0.6)
    assert air.restock(0.95, 1.0, 0.1) == 1.0  # never above the supplied level
    assert air.restock(1.0, 0.4, 0.1) == 0.4  # a withdrawn supply is gone at once


def test_a_forward_base_brings_more_of_the_force_to_the_axis():
    plain = campaign.forward_reach(600.0, 200.0, 900.0, 1.0)
    assert plain == pytest.approx(math.exp(-800.0 / 900.0))  # factor 1: the supply line itself
    assert campaign.forward_reach(600.0, 200.0, 900.0, 3.0) > plain
    assert campaign.forward_reach(600.0, 400.0, 900.0, 3.0) < campaign.forward_reach(600.0, 200.0, 900.0, 3.0)


# ---------------------------------------------------------------- in the model
def toy(overrides: dict | None = None) -> ConflictModel:
    m = ConflictModel(load_scenario(TOY, overrides or {}).scenario, seed=1)
    m.air.new_week(m.map.view())
    return m


def test_a_camp_s_air_covers_the_places_near_its_bases_most():
    m = toy()
    middle, east = m.geo.places.index("middle"), m.geo.places.index("east")
    assert m.air.air_over("RED", middle) > m.air.air_over("RED", east) > 0.0
    # RED holds no air base: it flies from its factions' supply base (west)
    assert m.air.air_base_km("RED", middle) == pytest.approx(m.geo.straight_km[m.geo.places.index("west")][middle])


def test_a_camp_flies_from_its_nearest_air_base():
    m = toy({"territory.places.east_port.airbase": True})
    middle, east_port = m.geo.places.index("middle"), m.geo.places.index("east_port")
    assert m.air.air_base_km("BLUE", middle) == pytest.approx(m.geo.straight_km[east_port][middle])
    assert m.air.air_base_km("RED", middle) > 0.0  # RED does not use BLUE's base


def test_air_defence_protects_the_places_near_where_it_is_deployed():
    near = toy({"actors.town_militia.faction.air_defence": 1.0})  # based at middle, the front
    far = toy({"actors.blue_army.faction.air_defence": 1.0})  # based at east, ~380 km from middle
    none = toy()
    middle = none.geo.places.index("middle")
    assert near.air.multiplier("RED", "BLUE", middle) < far.air.multiplier("RED", "BLUE", middle)
    assert far.air.multiplier("RED", "BLUE", middle) == pytest.approx(
        none.air.multiplier("RED", "BLUE", middle), rel=0.05)
    assert none.air.multiplier("RED", "BLUE", middle) > 1.0


def test_the_air_war_destroys_stocks_and_deliveries_rebuild_them():
    m = ConflictModel(load_scenario(TOY, {"actors.red_army.faction.fighters": 25000,
                                          "actors.town_militia.faction.air_defence": 2.0}).scenario, seed=1)
    red = m.actor("red_army")
    full = red.air
    for _ in range(30):
        m.step()
        if any(b.attacker_air_lost > 0 for b in m.recorder.battles):
            break
    lost = [b for b in m.recorder.battles if b.attacker_camp == "RED" and b.attacker_air_lost > 0]
    assert lost, "RED's drones met BLUE's air defence over the front"
    assert red.air < full
    assert m.air.lost["RED"][0] == pytest.approx(sum(b.attacker_air_lost for b in m.recorder.battles
                                                     if b.attacker_camp == "RED")
                                                 + sum(b.defender_air_lost for b in m.recorder.battles
                                                       if b.defender_camp == "RED"))
    camp_row = [r for r in m.recorder.camps if r.camp == "RED"][-1]
    assert camp_row.air == pytest.approx(red.air) and camp_row.air_lost > 0
    # no more fighting: deliveries bring the stock back to what is supplied
    for camp in ("RED", "BLUE"):
        m.camps[camp].command.capacity = 0.0
    m.params = m.params.model_copy(update={"capacity_regeneration": 0.0})
    for _ in range(15):
        m.step()
    assert red.air == pytest.approx(red.air_supplied)


def test_a_second_battle_in_a_week_loses_no_air_defence_that_an_earlier_one_destroyed():
    """The week's cover is reckoned once; a camp whose air defence an earlier battle of the same week destroyed
    has nothing left to lose in the next (it used to divide by zero)."""
    m = toy({"actors.town_militia.faction.air_defence": 1.0})
    middle = m.geo.places.index("middle")
    assert m.air.air_defence_over("BLUE", middle) > 0.0  # the week's cover, kept for the week
    for f in m.factions:
        if f.camp == "BLUE":
            f.air_defence = 0.0  # destroyed in an earlier battle of the week
    lost = m.air.fight_over(middle, "RED", "BLUE")
    assert lost[3] == 0.0 and all(f.air_defence == 0.0 for f in m.factions if f.camp == "BLUE")
    assert m.air.lost["BLUE"][1] == 0.0


@pytest.fixture(scope="module")
def libya():
    m = ConflictModel(load_scenario(SCENARIOS / "palermo_failed.yaml").scenario, seed=1)
    m.step()
    m.air.new_week(m.map.view())
    return m


def test_a_campaign_is_supplied_from_its_camp_s_air_base_nearest_the_axis(libya):
    m = libya
    front = m.front
    front._force, front._view = m.force, m.map.view()
    lna = m.actor("haftar_lna")
    sirte = m.geo.places.index("sirte")
    by_line = m.force.rows[lna.index][sirte]
    forward = front._forward_reach(lna.index, sirte)
    assert forward > by_line  # from Jufra, not along the road from Benghazi
    committed = dict(front.campaign_force([lna.index], sirte))[lna.index]
    view = front._view  # the GNA's air over Sirte thins what is brought there (the calibrated interdiction)
    thinned = 1.0 - m.air.interdicted(view.faction_camps[lna.index], view.place_camps[sirte], sirte)
    assert m.params.air_interdiction_rate > 0
    assert committed == pytest.approx(m.params.offensive_share * thinned * m.force.strength[lna.index] * forward)


def test_militias_defend_their_own_town_first(libya):
    m = libya
    view = m.map.view()
    tripoli = m.geo.places.index("tripoli")
    militias = m.actor("tripoli_militias").index
    holder = view.controller[tripoli]
    assert holder != militias and militias in m.geo.based_at[tripoli]
    spread = [s * 10.0 for s in m.force.strength]  # thinly spread over many places
    args = (tripoli, holder, "GNA", True, view.members["GNA"], m.force, spread, 0.75, set(), 0.5, 1.0)
    home_guard = defence_at(*args, based_here=m.geo.based_at[tripoli])[militias]
    spread_only = defence_at(*args)[militias]
    assert home_guard == pytest.approx(0.75 * m.force.at(militias, tripoli))
    assert home_guard > spread_only


def test_a_camp_that_loses_a_place_wants_it_back():
    m = ConflictModel(load_scenario(TOY).scenario, seed=1)
    m.step()
    middle = m.geo.places.index("middle")
    red, militia = m.actor("red_army"), m.actor("town_militia")
    m.front.capture(middle, red, militia)
    for fi in m.map.view().members["BLUE"]:
        assert m.factions[fi].goals[middle] >= m.params.recapture_worth


# ---------------------------------------------------------------- deterrence and restraint
def test_risk_aversion_is_the_support_weighted_aversion_of_the_camp_s_patrons():
    assert deterrence.risk_aversion([0.2, 0.8], [1.0, 3.0]) == pytest.approx((0.8 * 1 + 0.2 * 3) / 4)
    assert deterrence.risk_aversion([], []) == 1.0  # nobody shields an unbacked camp from the reaction
    assert deterrence.risk_aversion([0.5], [0.0]) == 1.0


def test_a_red_line_costs_more_the_more_resolved_its_patrons_and_the_more_timid_the_attacker_s():
    assert deterrence.red_line_cost([0.7, 0.5], 0.5, 1.0) == pytest.approx(0.6)
    assert deterrence.red_line_cost([0.7, 0.5], 0.9, 1.0) > deterrence.red_line_cost([0.7, 0.5], 0.5, 1.0)
    assert deterrence.red_line_cost([], 0.9, 1.0) == 0.0
    assert deterrence.deterred_value(5.0, 0.5, 1.0) == pytest.approx(2.0)  # the cost is paid only on success
    assert deterrence.deterred_value(5.0, 0.5, 6.0) < 0.0  # a front can freeze at a red line


def _red_launches(overrides: dict) -> int:
    s = load_scenario(TOY, {"actors.red_army.faction.optimism": 1.5, **overrides}).scenario
    r = run_one(s, 1, 20)
    return sum(e.kind == "campaign" and "RED launches" in e.text for e in r.recorder.events)


def test_a_resolved_patron_s_red_line_deters_a_campaign():
    assert _red_launches({}) > 0
    guarded = {"actors.blue_patron.patron.red_lines": ["middle"], "actors.blue_patron.patron.resolve": 1.0,
               "parameters.red_line_weight": 5.0}
    assert _red_launches(guarded) == 0
    # a bold patron (tolerating risk) restrains its client less than a timid one
    m_bold = ConflictModel(load_scenario(TOY, {**guarded, "actors.red_patron.patron.risk_tolerance": 0.9}).scenario)
    m_timid = ConflictModel(load_scenario(TOY, {**guarded, "actors.red_patron.patron.risk_tolerance": 0.1}).scenario)
    middle = m_bold.geo.places.index("middle")
    costs = []
    for m in (m_bold, m_timid):
        m.step()
        m.front._view = m.map.view()
        m.front._red_line_costs = {}
        costs.append(m.front.red_line_cost("RED", middle))
    assert 0.0 < costs[0] < costs[1]


def test_a_patron_matches_a_rival_s_escalation_as_far_as_its_risk_tolerance_allows():
    def red_effort(tolerance: float) -> float:
        s = load_scenario(TOY, {"actors.red_patron.patron.risk_tolerance": tolerance}).scenario
        m = ConflictModel(s, seed=1)
        m.ties.get("blue_mercs").level0 = 1.0  # BLUE's patron sends mercenaries after the start
        m.ties.changed()
        for _ in range(4):
            m.step()
        return m.actor("red_patron").effort
    assert red_effort(0.9) > red_effort(0.1)


# ---------------------------------------------------------------- sieges
def test_a_cut_off_garrison_gives_way_at_its_hazard():
    assert siege.gives_way(10.0, 0.05) and not siege.gives_way(10.0, 0.15)
    assert siege.gives_way(1.0, 0.999)  # an endurance of a week: it falls at once


CUT_OFF = {"territory.places.east_port.controller": "red_army", "camps.RED.offensive_capacity": 0.0,
           "parameters.capacity_regeneration": 0.0}


def _abandoned(overrides: dict, weeks: int = 30) -> list[str]:
    # RED holds East port, between BLUE's town and BLUE's home: cut off by road (and RED cannot relieve it)
    s = load_scenario(TOY, {**CUT_OFF, **overrides}).scenario
    r = run_one(s, 1, weeks)
    return [e.text for e in r.recorder.events if e.kind == "abandon"]


def test_a_place_cut_off_by_road_falls_unless_it_is_supplied_by_air():
    fallen = _abandoned({})
    assert fallen and fallen[0].startswith("East port abandoned by RED")
    assert _abandoned({"territory.places.east_port.airbase": True}) == []
    # a garrison that endures longer falls later (or not within the horizon)
    quick = load_scenario(TOY, {**CUT_OFF, "parameters.siege_endurance_weeks": 2.0}).scenario
    slow = load_scenario(TOY, {**CUT_OFF, "parameters.siege_endurance_weeks": 200.0}).scenario

    def week_fallen(s):
        r = run_one(s, 1, 30)
        return next((e.step for e in r.recorder.events if e.kind == "abandon"), 99)
    assert week_fallen(quick) < week_fallen(slow)


# ---------------------------------------------------------------- the viewer's air layer
def test_the_map_marks_where_a_camp_rules_the_air_and_air_defence_takes_that_away():
    from sim.viz.draw import MapView, air_superiority

    m = ConflictModel(load_scenario(TOY).scenario, seed=1)
    m.step()
    middle = m.geo.places.index("middle")
    assert air_superiority(m)[middle][0] == "RED"  # RED's drones, no air defence on BLUE's side
    view = MapView(m)
    view.png(m)
    assert len(view.air_marks.get_offsets()) == len(air_superiority(m)) > 0
    guarded = ConflictModel(load_scenario(TOY, {"actors.town_militia.faction.air_defence": 3.0}).scenario, seed=1)
    guarded.step()
    assert middle not in air_superiority(guarded)


# ---------------------------------------------------------------- air interdiction
def test_interdiction_stops_a_share_of_the_forces_moving_under_enemy_air():
    assert air.interdiction(2.0, 0.5, 0.2) == pytest.approx(0.3)  # 0.2 x (2.0 - 0.5)
    assert air.interdiction(2.0, 2.5, 0.2) == 0.0  # own air defence covers the move
    assert air.interdiction(2.0, 0.0, 0.0) == 0.0  # the rate at 0: no interdiction
    assert air.interdiction(20.0, 0.0, 0.2) == 1.0  # never more than all of them


def opening_battle(overrides: dict):
    """The first battle of the fighting toy war (Red attacks, with drones; Blue has none)."""
    s = load_scenario(TOY.parent / "toy_fighting.yaml", overrides).scenario
    m = ConflictModel(s, seed=1, record=True)
    while not m.recorder.battles and m.steps < 30:
        m.step()
    return m.recorder.battles[0]


def test_air_superiority_thins_the_reserves_sent_to_defend_but_not_the_garrison():
    """Red's air over the place stops some of Blue's reserves on their way; what Red brings is not thinned,
    Blue having no air; the garrison is there already."""
    base = opening_battle({})
    interdicted = opening_battle({"parameters.air_interdiction_rate": 0.3})
    assert (interdicted.step, interdicted.place) == (base.step, base.place)
    assert interdicted.attackers == pytest.approx(base.attackers)
    assert interdicted.defenders < base.defenders
    total = opening_battle({"parameters.air_interdiction_rate": 1.0,
                            "actors.red_army.faction.air": 3.0})
    assert total.defenders > 0.0  # the holder's garrison still stands
    assert total.defenders <= interdicted.defenders


def test_the_defender_s_air_thins_the_attack_on_its_place():
    base = opening_battle({})
    blue_air = opening_battle({"actors.blue_army.faction.air": 1.0})
    blue_air_interdicts = opening_battle({"actors.blue_army.faction.air": 1.0,
                                          "parameters.air_interdiction_rate": 0.2})
    assert blue_air.step == blue_air_interdicts.step and blue_air.place == blue_air_interdicts.place
    assert blue_air_interdicts.attackers < blue_air.attackers
    assert base.attackers > 0.0
