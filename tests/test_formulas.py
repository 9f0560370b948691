"""The mechanisms' formulas at known values, at their edges and boundaries (what mutation testing found
the property tests of tests/test_mechanisms.py leave open)."""

from __future__ import annotations

import math

import pytest

from sim.mechanisms import alignment, combat, diplomacy, economy, support


class Draws:
    """A stand-in for a random generator: returns the given uniform draws in order."""

    def __init__(self, *values: float):
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


# ---------------------------------------------------------------- combat
def test_projection_decays_with_the_distance_from_home_too():
    assert combat.projection(50, 100, 250, 1400) == pytest.approx(math.exp(-50 / 250 - 100 / 1400))
    assert combat.projection(50, 1000, 250, 1400) < combat.projection(50, 100, 250, 1400)
    assert combat.projection(0, 0, 250, 1400) == 1.0


def test_a_battle_uses_the_contest_and_the_square_law_with_the_defenders_advantage():
    r = combat.resolve_battle(100.0, 50.0, 2.0, 1.0, 0.1, 1.0, Draws(0.1, 0.5))
    assert r.win_probability == pytest.approx(combat.contest_success(100.0, 50.0, 1.0, 2.0)) == pytest.approx(0.5)
    assert r.attacker_losses == pytest.approx(0.1 * 2.0 * 50.0)  # the defence counts with its advantage
    assert r.defender_losses == pytest.approx(0.1 * 100.0)
    assert r.won is True and r.captured is True


def test_a_draw_at_the_probability_is_a_loss_and_at_the_tempo_no_capture():
    # parity: the attacker wins with probability 0.5; a draw of exactly 0.5 is above it
    lost = combat.resolve_battle(1.0, 1.0, 1.0, 1.0, 0.1, 0.3, Draws(0.5))
    assert lost.won is False and lost.captured is False
    held = combat.resolve_battle(1.0, 1.0, 1.0, 1.0, 0.1, 0.3, Draws(0.2, 0.3))
    assert held.won is True and held.captured is False
    taken = combat.resolve_battle(1.0, 1.0, 1.0, 1.0, 0.1, 0.3, Draws(0.2, 0.29))
    assert taken.won is True and taken.captured is True


def test_a_lost_battle_draws_once():
    draws = Draws(0.9, 0.0)
    combat.resolve_battle(1.0, 1.0, 1.0, 1.0, 0.1, 1.0, draws)
    assert draws.values == [0.0]  # the capture draw is only taken when the week is won


# ---------------------------------------------------------------- diplomacy
def test_deal_value_weighs_every_issue_by_its_salience():
    interests = {"a": (1.0, 1.0), "b": (0.0, 3.0)}
    # distances 0.5 and 0.5 with saliences 1 and 3; then 0.5 and 0.25
    assert diplomacy.deal_value(interests, {"a": 0.5, "b": 0.5}) == pytest.approx(0.5)
    assert diplomacy.deal_value(interests, {"a": 0.5, "b": 0.25}) == pytest.approx(1 - (0.5 + 0.75) / 4)
    assert diplomacy.deal_value(interests, {"a": 0.0, "b": 1.0}) == pytest.approx(0.0)


def test_a_party_without_a_stake_values_any_deal_at_one():
    assert diplomacy.deal_value({"x": (1.0, 1.0)}, {"y": 0.3}) == 1.0
    assert diplomacy.deal_value({"x": (1.0, 0.0)}, {"x": 0.0}) == 1.0  # no salience
    assert diplomacy.deal_value({}, {}) == 1.0


def test_the_party_furthest_from_accepting_walks_out():
    a = diplomacy.Verdict("a", deal=0.2, war=0.5)  # deficit 0.3
    b = diplomacy.Verdict("b", deal=0.1, war=0.9)  # deficit 0.8
    c = diplomacy.Verdict("c", deal=0.9, war=0.1)  # accepts
    assert diplomacy.negotiate([a, b, c]) == (False, b)
    assert diplomacy.negotiate([c, b, a]) == (False, b)
    assert a.deficit == pytest.approx(0.3) and c.deficit == 0.0
    assert diplomacy.Verdict("d", deal=0.5, war=0.5).accepts  # indifferent: accepts


def test_ceasefire_hazard_known_values():
    assert diplomacy.ceasefire_hazard(0.03, 0.0, False, 0.5, 5.0) == pytest.approx(0.03)
    assert diplomacy.ceasefire_hazard(0.03, 0.0, True, 0.5, 5.0) == pytest.approx(0.015)
    assert diplomacy.ceasefire_hazard(0.03, 0.2, False, 0.5, 5.0) == pytest.approx(0.06)
    assert diplomacy.ceasefire_hazard(0.03, 0.2, True, 0.5, 5.0) == pytest.approx(0.03)
    assert diplomacy.ceasefire_hazard(0.03, -0.4, False, 0.5, 5.0) == pytest.approx(0.03)  # no negative deficit


# ---------------------------------------------------------------- support
def test_fit_budget_leaves_levels_within_budget_alone():
    assert support.fit_budget([1.0, 2.0], [1.0, 1.0], 3.0) == [1.0, 2.0]  # exactly at the budget
    assert support.fit_budget([0.0, 0.0], [1.0, 1.0], -1.0) == [0.0, 0.0]  # nothing spent, nothing to cut
    assert support.fit_budget([1.0, 2.0], [1.0, 1.0], 1.5) == pytest.approx([0.5, 1.0])


# ---------------------------------------------------------------- alignment
CAPTURES = [(10, "A", "B"), (8, "A", "C"), (3, "A", "B"), (9, "C", "A"), (6, "A", "B")]


def test_momentum_counts_net_captures_of_the_last_weeks():
    # weeks 7 to 10: won at 10 and 8, lost at 9 (week 6 and week 3 are too old)
    assert alignment.momentum(CAPTURES, "A", 10, 4, 2.0) == pytest.approx(0.5)
    assert alignment.momentum(CAPTURES, "C", 10, 4, 2.0) == pytest.approx(0.0)  # won 9, lost 8
    assert alignment.momentum(CAPTURES, "B", 10, 4, 2.0) == pytest.approx(-0.5)
    assert alignment.momentum(CAPTURES, "B", 10, 10, 1.0) == -1.0  # clipped
    assert alignment.momentum(CAPTURES, "A", 10, 10, 1.0) == 1.0
    assert alignment.momentum([], "A", 10, 4, 2.0) == 0.0


def test_logit_choice_splits_the_unit_interval_in_key_order():
    even = {"A": 0.0, "B": 0.0, "C": 0.0}
    assert [alignment.logit_choice(even, u) for u in (0.0, 0.33, 0.34, 0.66, 0.67, 0.999)] == list("AABBCC")
    assert alignment.logit_choice(even, 1.0) == "C"  # the top end (or a sum rounded below 1): the last key
    assert alignment.logit_choice({"A": math.log(3.0), "B": 0.0}, 0.74) == "A"  # P(A) = 3/4
    assert alignment.logit_choice({"A": math.log(3.0), "B": 0.0}, 0.76) == "B"
    assert alignment.logit_choice({"A": 800.0, "B": 0.0}, 0.999) == "A"  # no overflow


def test_affinity_weighs_every_issue_by_its_salience():
    own = {"a": (1.0, 1.0), "b": (0.0, 3.0)}
    assert alignment.affinity(own, {"a": 0.5, "b": 0.25}) == pytest.approx(1 - (0.5 + 0.75) / 4)
    assert alignment.affinity(own, {"a": 0.5, "c": 0.0}) == pytest.approx(0.5)  # only the shared issue
    assert alignment.affinity(own, {"c": 0.0}) == 0.5  # nothing in common: neutral
    assert alignment.affinity({"a": (1.0, 0.0)}, {"a": 0.0}) == 0.5  # no salience: neutral


def test_air_power_below_one_unit_net_still_counts():
    assert combat.air_multiplier(1.0, 0.5, 0.5) == pytest.approx(1.25)
    assert combat.air_multiplier(0.5, 0.5, 0.5) == 1.0


# ---------------------------------------------------------------- Richardson, term by term
BASE = dict(rate=0.15, k=0.6, c=0.3, w=1.0, red=2.0, resolve=0.7)


def test_richardson_prospect_cost_and_red_line_terms():
    # a better prospect (marginal effect up by 0.5): de = w * resolve * 0.5
    assert support.richardson_step(1.0, 1.0, 1.0, 0.5, False, **BASE) == pytest.approx(1.0 + 0.15 * 0.35)
    assert support.richardson_step(1.0, 1.0, 0.5, 1.0, False, **BASE) == pytest.approx(1.0 - 0.15 * 0.35)
    # effort above its baseline costs: de = -c * (e - 1)
    assert support.richardson_step(2.0, 1.0, 0.8, 0.8, False, **BASE) == pytest.approx(2.0 - 0.15 * 0.3)
    # a rival doubling and a red line crossed: de = k * 1 + red * resolve
    assert support.richardson_step(1.0, 2.0, 0.8, 0.8, True, **BASE) == pytest.approx(1.0 + 0.15 * (0.6 + 1.4))
    assert support.richardson_step(0.0, 0.0, 0.8, 0.8, False, **BASE) == 0.0  # never negative


# ---------------------------------------------------------------- economy
def test_weekly_revenue_exact():
    assert economy.weekly_revenue(1_000_000, 60.0) == 420.0  # $m: a million barrels a day for a week at $60


def test_pay_with_a_debt_and_no_force():
    assert economy.pay_and_recruit(0.0, -1.0, 0.0, 0.001, 100.0, 0.01, 8.0) == (0.0, 0.0, 1.0)
