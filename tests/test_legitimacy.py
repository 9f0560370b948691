"""Legitimacy beyond alignment: access to the revenue of the state's institutions, and recruitment."""

import pytest

from conftest import TOY
from sim.mechanisms import economy
from sim.model import ConflictModel
from sim.scenario import load_scenario


def test_an_unrecognised_holder_of_the_capital_keeps_less_of_the_revenue():
    full = economy.revenue_split({"A": 0.6, "B": 0.4}, "A", "capital_share", 0.7)
    half = economy.revenue_split({"A": 0.6, "B": 0.4}, "A", "capital_share", 0.7, recognition=0.5)
    assert full == pytest.approx({"A": 0.7, "B": 0.3})
    assert half == pytest.approx({"A": 0.35, "B": 0.65})
    assert sum(half.values()) == pytest.approx(1.0)
    # equitable sharing does not depend on who is recognised
    assert economy.revenue_split({"A": 0.6, "B": 0.4}, "A", "by_population", 0.7, recognition=0.2) == pytest.approx(
        {"A": 0.6, "B": 0.4})


def test_recognition_is_the_capital_camp_s_legitimacy_over_the_most_legitimate():
    assert economy.recognition({"A": 0.3, "B": 0.9}, "A") == pytest.approx(1 / 3)
    assert economy.recognition({"A": 0.9, "B": 0.3}, "A") == 1.0
    assert economy.recognition({"A": 0.0, "B": 0.0}, "A") == 1.0
    assert economy.recognition({"A": 0.5}, None) == 1.0


def test_a_legitimate_faction_recruits_more_per_dollar():
    assert economy.recruits_per_cash(400.0, 0.5, 0.5) == 400.0
    assert economy.recruits_per_cash(400.0, 1.0, 0.5) == pytest.approx(500.0)
    assert economy.recruits_per_cash(400.0, 0.0, 0.5) == pytest.approx(300.0)
    assert economy.recruits_per_cash(400.0, 0.9, 0.0) == 400.0  # the weight switches it off


def _red_after(overrides: dict, weeks: int = 8) -> ConflictModel:
    m = ConflictModel(load_scenario(TOY, {"camps.RED.offensive_capacity": 0.0, "camps.BLUE.offensive_capacity": 0.0,
                                          **overrides}).scenario, seed=1)
    for _ in range(weeks):
        m.step()
    return m


def test_the_capital_s_revenue_follows_recognition_in_the_model():
    recognised = _red_after({"actors.red_army.faction.legitimacy": 0.9})  # RED holds the capital
    shunned = _red_after({"actors.red_army.faction.legitimacy": 0.1})
    assert recognised.economy.recognition == 1.0 and shunned.economy.recognition < 0.5
    assert shunned.camps["RED"].pay_rate < recognised.camps["RED"].pay_rate
    assert shunned.camps["BLUE"].pay_rate > recognised.camps["BLUE"].pay_rate


def test_legitimacy_grows_a_paid_force_faster():
    def recruits(legitimacy: float) -> float:
        m = ConflictModel(load_scenario(TOY).scenario, seed=1)
        red, p = m.actor("red_army"), m.params
        m.camps["RED"].pay_rate, red.income, red.legitimacy = 0.0, 0.0, legitimacy
        upkeep = red.fighters * p.upkeep_per_fighter
        red.cash = upkeep * (1 + p.cash_reserve_weeks) + 0.05  # a small surplus: recruitment is cash-limited
        before = red.fighters
        red.pay_and_recruit()
        return red.fighters - before
    w = load_scenario(TOY).scenario.parameters.legitimacy_recruit_weight
    assert w > 0.0
    assert recruits(0.9) == pytest.approx(recruits(0.1) * (1 + w * 0.4) / (1 - w * 0.4))
    assert recruits(0.1) > 0.0


# ---------------------------------------------------------------- alignment: threat with intent, commitment
def test_a_camp_threatens_a_home_it_wants_more_than_one_it_does_not():
    from sim.mechanisms import alignment
    assert alignment.threat(9000.0, 1000.0, 0.0, False) == 0.0  # strength without intent
    assert alignment.threat(9000.0, 1000.0, 4.0, False) == pytest.approx(0.9 * 0.8)
    assert alignment.threat(9000.0, 1000.0, 4.0, True) == pytest.approx(0.9)  # its campaign is aimed there
    assert alignment.threat(0.0, 0.0, 4.0, True) == 0.0


def test_a_defector_does_not_reconsider_for_a_while():
    m = ConflictModel(load_scenario(TOY, {"parameters.alignment_rate": 1.0,
                                          "parameters.alignment_rate_at_war": 1.0}).scenario, seed=1)
    militia = m.actor("town_militia")
    m.step()
    m.map.change_camp(militia, "RED")
    militia.switched_at = m.steps
    lock = m.params.realignment_lock_weeks
    assert lock > 1
    for _ in range(lock - 1):
        m.step()
        assert militia.camp == "RED" and militia.chosen_camp == "RED"


def test_legitimacy_is_worth_something_at_the_table():
    """A party whose camp is more legitimate than its enemy asks for more to stop fighting (Hurd 1999;
    Coggins 2011); the weight 0 (the default) leaves Fearon's value of fighting on as it was."""
    from sim.mechanisms import diplomacy
    assert diplomacy.war_value(0.6, 0.3) == pytest.approx(0.3)
    assert diplomacy.war_value(0.6, 0.3, 0.2, 0.0) == pytest.approx(0.3)
    assert diplomacy.war_value(0.6, 0.3, 0.2, 0.5) == pytest.approx(0.4)
    assert diplomacy.war_value(0.6, 0.3, -0.2, 0.5) == pytest.approx(0.2)


def test_a_party_s_legitimacy_edge_is_its_camp_s_over_its_enemy_s():
    from conftest import TOY
    from sim.model import ConflictModel
    from sim.scenario import load_scenario
    m = ConflictModel(load_scenario(TOY, {"parameters.legitimacy_bargaining_weight": 0.5,
                                          "parameters.bargaining_noise": 0.0}).scenario, seed=1)
    m.step()
    red, blue = m.actor("red_army"), m.actor("blue_army")
    assert red.legitimacy_edge() == pytest.approx(-blue.legitimacy_edge())
    assert (red.legitimacy_edge() < 0.0) == (red.legitimacy < blue.legitimacy)
    deal = {"tripoli_government": 0.5}
    weighted = red.assess_deal(deal).war
    m.params = m.params.model_copy(update={"legitimacy_bargaining_weight": 0.0})
    assert weighted - red.assess_deal(deal).war == pytest.approx(0.5 * red.legitimacy_edge())
    assert red.legitimacy_edge() != 0.0
