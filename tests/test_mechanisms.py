"""Each mechanism alone: known values and properties."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import air, alignment, campaign, combat, deterrence, diplomacy, economy, siege, support
from sim.territory import components

pos = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)
strictly_pos = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)


# ---------------------------------------------------------------- combat
def test_contest_success_known_odds():
    # KTAB's table for a 2:1 ratio: 2/3 (m=1), 4/5 (m=2), 16/17 (m=4)
    assert combat.contest_success(2, 1, 1, 1) == pytest.approx(2 / 3)
    assert combat.contest_success(2, 1, 2, 1) == pytest.approx(4 / 5)
    assert combat.contest_success(2, 1, 4, 1) == pytest.approx(16 / 17)
    assert combat.contest_success(1, 1, 2, 1) == pytest.approx(0.5)
    # a defender advantage of 2 turns a 2:1 attack into parity
    assert combat.contest_success(2, 1, 2, 2) == pytest.approx(0.5)


@given(strictly_pos, strictly_pos, st.floats(0.1, 10), st.floats(1, 5))
def test_contest_success_is_a_probability_and_monotone(a, d, m, adv):
    p = combat.contest_success(a, d, m, adv)
    assert 0.0 <= p <= 1.0
    assert combat.contest_success(a * 2, d, m, adv) >= p
    assert combat.contest_success(a, d, m, adv * 1.5) <= p


def test_contest_success_edges():
    assert combat.contest_success(0, 5, 2, 1) == 0.0
    assert combat.contest_success(5, 0, 2, 1) == 1.0


@given(pos, pos, st.floats(0, 1))
def test_lanchester_losses_never_negative_and_square_law(a, d, rate):
    la, ld = combat.lanchester_losses(a, d, rate)
    assert la >= 0 and ld >= 0
    assert la == pytest.approx(rate * d) and ld == pytest.approx(rate * a)


@pytest.mark.parametrize("attack,defence,rate,expected", [
    (-500.0, 1000.0, 0.1, (100.0, 0.0)),   # a side with a negative strength inflicts nothing
    (1000.0, -500.0, 0.1, (0.0, 100.0)),
    (-1.0, -1.0, 0.1, (0.0, 0.0)),
    (1000.0, 500.0, -0.1, (0.0, 0.0)),     # a negative rate kills no one (and revives no one)
    (1000.0, 500.0, 0.0, (0.0, 0.0)),
    (1000.0, 500.0, 0.1, (50.0, 100.0)),   # the square law: each side's losses from the other's strength
])
def test_lanchester_losses_clamp_at_zero(attack, defence, rate, expected):
    assert combat.lanchester_losses(attack, defence, rate) == pytest.approx(expected)


def test_effective_strength_clamps_negative_fighters():
    assert combat.effective_strength(-100.0, 0.5, 0.8) == 0.0
    assert combat.effective_strength(100.0, 0.5, 0.8) == pytest.approx(80.0)


def test_air_multiplier_cancelled_by_air_defence():
    assert combat.air_multiplier(2.0, 0.0, 0.5) == pytest.approx(2.0)
    assert combat.air_multiplier(2.0, 2.0, 0.5) == 1.0
    assert combat.air_multiplier(1.0, 3.0, 0.5) == 1.0


def test_projection_decays_with_distance():
    near = combat.projection(50, 100, 250, 1400)
    far = combat.projection(500, 100, 250, 1400)
    assert 0 < far < near <= 1


def test_urban_defender_advantage():
    assert combat.defender_advantage(1.5, 1_000_000, 0.1) == pytest.approx(2.5)


# ---------------------------------------------------------------- economy
# population shares: none, or at least a person in a billion (subnormal shares underflow to 0 when scaled,
# and no place holds a 1e-320th of the people)
SHARES = st.one_of(st.just(0.0), st.floats(1e-9, 1))


@given(st.dictionaries(st.sampled_from(["A", "B", "C"]), SHARES, min_size=1),
       st.sampled_from(["A", "B", None]), st.sampled_from(["capital_share", "by_population"]), st.floats(0, 1))
def test_revenue_split_sums_to_one(pop, capital, rule, share):
    out = economy.revenue_split(pop, capital, rule, share)
    total = sum(out.values())
    assert all(v >= 0 for v in out.values())
    if any(v > 0 for v in pop.values()):
        assert total == pytest.approx(1.0)
    else:
        assert total == 0


def test_equitable_sharing_follows_population():
    out = economy.revenue_split({"A": 0.75, "B": 0.25}, "B", "by_population", 0.9)
    assert out == {"A": pytest.approx(0.75), "B": pytest.approx(0.25)}
    out = economy.revenue_split({"A": 0.75, "B": 0.25}, "B", "capital_share", 0.9)
    assert out["B"] == pytest.approx(0.9)


def test_the_capital_only_rule_pays_the_capital_s_camp_as_far_as_it_is_recognised():
    assert economy.revenue_split({"A": 0.75, "B": 0.25}, "B", "capital_only", 0.9) == {"A": 0.0, "B": 1.0}
    assert economy.revenue_split({"A": 0.75, "B": 0.25}, "B", "capital_only", 0.9, 0.4) == {"A": 0.0, "B": 0.4}
    assert economy.revenue_split({"A": 0.75, "B": 0.25}, None, "capital_only", 0.9) == {"A": 0.75, "B": 0.25}
    with pytest.raises(ValueError, match="unknown rule of the capital's institutions: 'status_quo'"):
        economy.revenue_split({"A": 1.0}, "A", "status_quo", 0.9)  # the deal's word, not a rule of institutions


def test_weekly_revenue_matches_2019_record():
    # 1.097m b/d at $60 is about $24bn a year (NOC reported $22.5bn for 2019)
    assert 52 * economy.weekly_revenue(1_097_000, 60) == pytest.approx(23_960, rel=0.01)


@given(pos, pos, pos, st.floats(0, 0.01), st.floats(0, 1000), st.floats(0, 0.1))
def test_pay_never_negative(fighters, cash, income, upkeep, per_cash, cap):
    f, c, paid = economy.pay_and_recruit(fighters, cash, income, upkeep, per_cash, cap, 8.0)
    assert f >= fighters and c >= -1e-9 and 0.0 <= paid <= 1.0


def test_unpaid_force_reports_share():
    f, c, paid = economy.pay_and_recruit(1000, 0.0, 0.25, 0.001, 100, 0.01, 8.0)
    assert f == 1000 and c == 0.0 and paid == pytest.approx(0.25)


# ---------------------------------------------------------------- support
def test_richardson_is_stationary_at_the_sourced_baseline():
    e = support.richardson_step(1.0, 1.0, 0.8, 0.8, False, 0.7, 0.15, 0.6, 0.3, 1.0, 2.0)
    assert e == pytest.approx(1.0)


def test_richardson_reacts_to_rivals_and_red_lines():
    base = dict(marginal=0.8, marginal0=0.8, resolve=0.7, rate=0.15, k=0.6, c=0.3, w=1.0, red=2.0)
    up = support.richardson_step(rival_ratio=2.0, crossed=False, effort=1.0, **base)
    red = support.richardson_step(rival_ratio=1.0, crossed=True, effort=1.0, **base)
    down = support.richardson_step(rival_ratio=0.5, crossed=False, effort=1.0, **base)
    assert up > 1.0 and red > 1.0 and down < 1.0


def test_tie_level_caps_and_budget():
    assert support.tie_level(0.5, 1.0, 1.0, 1.0, 0.5) == 0.5
    assert support.tie_level(0.5, 3.0, 1.0, 0.6, 0.5) == pytest.approx(0.6)
    assert support.tie_level(0.0, 2.0, 1.0, 1.0, 0.5) == pytest.approx(0.5)  # reserve channel opens
    assert support.fit_budget([1.0, 1.0], [1.0, 3.0], 2.0) == pytest.approx([0.5, 0.5])


def test_marginal_effect_peaks_at_parity():
    assert support.marginal_effect(0.5) == 1.0
    assert support.marginal_effect(0.9) < support.marginal_effect(0.6)


# ---------------------------------------------------------------- diplomacy
def test_deal_value_and_fearon_acceptance():
    interests = {"tripoli": (1.0, 1.0), "oil": (1.0, 0.0)}
    assert diplomacy.deal_value(interests, {"tripoli": 1.0}) == 1.0
    assert diplomacy.deal_value(interests, {"tripoli": 0.25}) == pytest.approx(0.25)
    ok = diplomacy.Verdict("a", deal=0.5, war=diplomacy.war_value(0.7, 0.3))
    no = diplomacy.Verdict("b", deal=0.2, war=diplomacy.war_value(0.9, 0.3))
    assert ok.accepts and not no.accepts and no.deficit == pytest.approx(0.4)
    agreed, walker = diplomacy.negotiate([ok, no])
    assert not agreed and walker.party == "b"
    assert diplomacy.negotiate([ok]) == (True, None)


# ---------------------------------------------------------------- alignment
def test_logit_choice_follows_utilities():
    rng = np.random.default_rng(0)
    utilities = {"A": 2.0, "B": 0.0}
    picks = [alignment.logit_choice(utilities, rng.random()) for _ in range(4000)]
    share = picks.count("A") / len(picks)
    assert share == pytest.approx(math.exp(2) / (1 + math.exp(2)), abs=0.03)


def test_affinity_bounds():
    assert alignment.affinity({"x": (1.0, 1.0)}, {"x": 1.0}) == 1.0
    assert alignment.affinity({"x": (1.0, 1.0)}, {"x": 0.0}) == 0.0


@given(st.lists(st.tuples(st.floats(0, 3), st.floats(0, 3), st.floats(0, 2)), min_size=1, max_size=6),
       st.floats(0, 4), st.floats(0, 1), st.floats(0, 10))
def test_patron_levels_is_tie_level_then_fit_budget(ties, effort, constraint, budget):
    level0, max_level, cost = (list(x) for x in zip(*ties))
    expected = support.fit_budget([support.tie_level(a, effort, b, constraint, 0.5) for a, b in zip(level0, max_level)],
                                  cost, budget)
    assert support.patron_levels(level0, support.tie_caps(level0, max_level, constraint), cost, effort, budget, 0.5) == pytest.approx(expected)


@given(st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20),
    st.lists(st.booleans(), min_size=n, max_size=n))))
def test_supply_components_join_exactly_the_places_roads_connect(case):
    n, roads, allowed = case
    neighbours = [[] for _ in range(n)]
    for a, b in roads:
        if a != b and b not in neighbours[a]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    label = components(allowed, neighbours)
    g = nx.Graph()
    g.add_nodes_from(i for i in range(n) if allowed[i])
    g.add_edges_from((a, b) for a, b in roads if allowed[a] and allowed[b])
    for i in range(n):
        assert (label[i] < 0) == (not allowed[i])
        for j in range(n):
            if allowed[i] and allowed[j]:
                assert (label[i] == label[j]) == nx.has_path(g, i, j)


def test_camp_utility_rises_with_each_pull():
    base = dict(current=False, pay=0.5, momentum=0.0, affinity=0.5, threat=0.2, legitimacy=0.5, spoils=0.2,
                inertia=2.5, w_pay=1.0, w_momentum=1.0, w_ideology=2.0, w_threat=1.5, w_legitimacy=1.0, w_spoils=1.0)
    u = alignment.camp_utility(**base)
    for key in ("pay", "momentum", "affinity", "threat", "legitimacy", "spoils"):
        assert alignment.camp_utility(**{**base, key: base[key] + 0.3}) > u, key
    assert alignment.camp_utility(**{**base, "current": True}) == pytest.approx(u + 2.5)
    off = {**base, "w_legitimacy": 0.0}
    assert alignment.camp_utility(**{**off, "legitimacy": 1.0}) == alignment.camp_utility(**off)


# ================================================================ known values, edges and boundaries
# (what mutation testing found the property tests above leave open; see docs/testing.md)
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
    at_chance = combat.capture_chance(0.3, 1.0, 1.0, 1.0)  # the tempo at even odds
    held = combat.resolve_battle(1.0, 1.0, 1.0, 1.0, 0.1, 0.3, Draws(0.2, at_chance))
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


def test_patron_levels_clamp_and_fit_a_small_budget():
    assert support.patron_levels([0.8], [1.0], [1.0], 1.0, 0.4, 0.5) == pytest.approx([0.4])  # spend 0.8 > 0.4
    assert support.patron_levels([0.5], [1.0], [1.0], -1.0, 10.0, 0.5) == [0.0]  # never below zero
    assert support.patron_levels([0.0], [1.0], [1.0], 1.0, -1.0, 0.5) == [0.0]  # nothing spent, nothing cut
    assert support.patron_levels([0.5], [1.0], [1.0], 3.0, 10.0, 0.5) == [1.0]  # capped
    # above baseline effort: level0 * effort plus a share of the headroom per unit of extra effort
    assert support.patron_levels([0.2], [1.0], [1.0], 1.5, 10.0, 0.5) == pytest.approx([0.3 + 0.5 * 0.5 * 0.8])


def test_revenue_split_with_a_capital_camp_that_holds_no_people():
    # the capital's camp is not among the camps with people: shared by population, no share for it
    assert economy.revenue_split({"A": 0.25, "B": 0.75}, "Z", "capital_share", 0.9) == {"A": 0.25, "B": 0.75}
    assert economy.revenue_split({"A": 1.0, "B": 0.0}, "A", "capital_share", 0.6) == {"A": 1.0, "B": 0.0}


def test_pay_and_recruit_known_weeks():
    # upkeep exactly met: nothing left to recruit with
    assert economy.pay_and_recruit(1000.0, 0.0, 0.25, 0.00025, 400.0, 0.003, 8.0) == (1000.0, 0.0, 1.0)
    # a surplus of 91 above the reserve, spending capped at 1% of the force per week: 20 -> 10 recruits
    f, c, paid = economy.pay_and_recruit(1000.0, 100.0, 0.0, 0.001, 0.5, 0.01, 8.0)
    assert (f, c, paid) == (pytest.approx(1010.0), pytest.approx(79.0), 1.0)
    # a tiny force recruits as if it had 100 fighters
    f, c, _ = economy.pay_and_recruit(10.0, 100.0, 0.0, 0.0, 400.0, 0.01, 8.0)
    assert f == pytest.approx(11.0) and c == pytest.approx(100.0 - 0.0025)


def test_logit_choice_boundary_goes_to_the_next_key():
    assert alignment.logit_choice({"A": 0.0, "B": 0.0}, 0.5) == "B"
    assert alignment.logit_choice({"A": 0.0, "B": 0.0}, 0.4999) == "A"


def test_contest_success_at_zero_defence():
    assert combat.contest_success(1.0, 0.0, 3.0, 2.0) == 1.0


# ================================================================ the mechanisms added since: known values and boundaries
# (air, deterrence, sieges, campaigns, threat, recognition; what mutation testing found open, docs/testing.md)

# ---------------------------------------------------------------- combat
def test_effective_strength_weighs_quality_and_cohesion():
    assert combat.effective_strength(1000.0, 1.0, 0.5) == pytest.approx(750.0)  # (0.5 + 1.0) x 0.5
    assert combat.effective_strength(1000.0, 0.0, 1.0) == pytest.approx(500.0)  # no heavy weapons: half


def test_capture_chance_known_odds():
    # odds = attack / (advantage x defence); chance = 1 - (1 - tempo)^odds
    assert combat.capture_chance(0.3, 4.0, 4.0, 2.0) == pytest.approx(1 - 0.7 ** 0.5)  # odds 1/2
    assert combat.capture_chance(0.3, 2.0, 0.5, 1.0) == pytest.approx(1 - 0.7 ** 4)  # odds 4
    assert combat.capture_chance(0.3, 1.0, 0.5, 1.0) == pytest.approx(1 - 0.7 ** 2)  # a defence below one
    assert combat.capture_chance(0.3, 1.0, 0.0, 1.0) == 1.0  # nobody defends it: taken
    assert combat.capture_chance(0.3, 0.0, 1.0, 1.0) == 0.0  # nothing attacks


# ---------------------------------------------------------------- air
def test_air_coverage_known_values():
    assert air.coverage(250.0, 500.0) == pytest.approx(math.exp(-0.5))
    assert air.coverage(0.0, 500.0) == 1.0


def test_the_air_exchange_known_values_and_caps():
    # below one unit of air and of air defence: shot down 0.2 x 0.8, struck 0.3 x 0.5
    assert air.exchange(0.5, 0.8, 0.2, 0.3) == pytest.approx((0.16, 0.15))
    # no more air is lost than was over the place, no more air defence than was there
    assert air.exchange(0.1, 5.0, 0.2, 0.3) == pytest.approx((0.1, 0.03))
    assert air.exchange(4.0, 0.05, 0.5, 1.0) == pytest.approx((0.025, 0.05))
    assert air.exchange(0.5, 0.0, 0.2, 0.3) == (0.0, 0.0)  # nothing shoots, nothing is struck
    assert air.exchange(0.0, 0.5, 0.2, 0.3) == (0.0, 0.0)


def test_restock_known_values():
    assert air.restock(0.2, 0.5, 0.4) == pytest.approx(0.4)  # up by 0.4 x 0.5
    assert air.restock(0.4, 0.5, 0.4) == 0.5  # never above the supplied level
    assert air.restock(0.8, 0.5, 0.4) == 0.5  # a cut supply is gone at once


# ---------------------------------------------------------------- deterrence
def test_risk_aversion_known_values():
    assert deterrence.risk_aversion([0.2, 0.8], [1.0, 3.0]) == pytest.approx((0.8 * 1.0 + 0.2 * 3.0) / 4.0)
    assert deterrence.risk_aversion([0.2], [0.5]) == pytest.approx(0.8)  # a small support: its patron's aversion
    assert deterrence.risk_aversion([0.6, 0.0], [0.25, 0.25]) == pytest.approx(0.7)
    assert deterrence.risk_aversion([], []) == 1.0  # nobody backs it: the threat in full
    assert deterrence.risk_aversion([0.3], [0.0]) == 1.0


def test_red_line_cost_and_deterred_value_known_values():
    assert deterrence.red_line_cost([0.7, 0.5], 0.5, 2.0) == pytest.approx(1.2)
    assert deterrence.red_line_cost([0.4], 0.25, 1.0) == pytest.approx(0.1)
    assert deterrence.deterred_value(3.0, 0.5, 1.0) == pytest.approx(1.0)
    assert deterrence.deterred_value(3.0, 0.0, 5.0) == 0.0  # the cost is paid only if the campaign succeeds


# ---------------------------------------------------------------- sieges
def test_a_garrison_gives_way_below_its_weekly_hazard_only():
    assert siege.gives_way(4.0, 0.2) and not siege.gives_way(4.0, 0.3)
    assert not siege.gives_way(4.0, 0.25)  # a draw of exactly 1 / endurance: it holds (P = 1/4 over [0, 1))
    assert not siege.gives_way(10.0, 0.15)
    assert siege.gives_way(1.0, 0.999)


# ---------------------------------------------------------------- campaigns
def test_believed_chance_inflates_the_command_s_own_strength():
    assert campaign.believed_chance(1.0, 1.0, 1.0, 1.0, 0.0) == pytest.approx(0.5)
    assert campaign.believed_chance(1.0, 1.0, 1.0, 1.0, 1.0) == pytest.approx(2 / 3)  # strength counted twice
    assert campaign.believed_chance(1.0, 1.0, 1.0, 1.0, -0.5) == pytest.approx(1 / 3)  # a pessimist: half
    assert campaign.believed_chance(2.0, 1.0, 2.0, 2.0, 0.5) == pytest.approx(9 / 13)  # 3 against 2 x 1, m = 2: 9 / (9 + 4)


def test_campaign_success_known_values_and_bounds():
    assert campaign.campaign_success(0.5, 0.5, 2) == pytest.approx(1 - 0.75 ** 2)
    assert campaign.campaign_success(1.0, 1.0, 3) == 1.0
    assert campaign.campaign_success(0.0, 1.0, 52) == 0.0
    # the weekly chance is a probability: a product above one (rounding) counts as certain
    assert campaign.campaign_success(1.0, 1.5, 3.5) == 1.0
    assert campaign.campaign_success(-0.5, 1.0, 3.5) == 0.0


def test_forward_reach_known_values():
    # 600 km of rear road at three times the range, then 200 km of front
    assert campaign.forward_reach(600.0, 200.0, 900.0, 3.0) == pytest.approx(math.exp(-(600 / 2700 + 200 / 900)))
    assert campaign.forward_reach(0.0, 450.0, 900.0, 3.0) == pytest.approx(math.exp(-0.5))
    assert campaign.forward_reach(900.0, 0.0, 900.0, 2.0) == pytest.approx(math.exp(-0.5))
    assert campaign.forward_reach(0.0, 0.0, 900.0, 3.0) == 1.0


def test_next_capacity_known_values_and_bounds():
    assert campaign.next_capacity(0.5, 2, 0.1, 0.05) == pytest.approx(0.35)
    assert campaign.next_capacity(0.5, 0, 0.1, 0.05) == pytest.approx(0.55)
    assert campaign.next_capacity(0.98, 0, 0.1, 0.05) == 1.0  # never above full
    assert campaign.next_capacity(1.5, 0, 0.1, 0.0) == 1.0
    assert campaign.next_capacity(0.05, 3, 0.1, 0.0) == 0.0  # never below empty


def test_learning_known_values_and_floor():
    assert campaign.learn(1.0, False, 0.6, 0.1, -0.5) == pytest.approx(0.94)  # lost: down by 0.1 x 0.6
    assert campaign.learn(1.0, True, 0.6, 0.1, -0.5) == pytest.approx(1.04)  # won: up by 0.1 x 0.4
    assert campaign.learn(0.0, True, 0.25, 0.5, -0.5) == pytest.approx(0.375)
    assert campaign.learn(-0.45, False, 0.9, 0.5, -0.5) == -0.5  # never below the floor


# ---------------------------------------------------------------- ceasefires: the shift of the balance
def test_ceasefire_hazard_rises_with_the_shift_of_the_balance():
    assert diplomacy.ceasefire_hazard(0.03, 0.0, False, 0.5, 5.0, 0.2, 10.0) == pytest.approx(0.09)
    assert diplomacy.ceasefire_hazard(0.03, 0.2, True, 0.5, 5.0, 0.1, 10.0) == pytest.approx(0.03 * 0.5 * 2 * 2)
    assert diplomacy.ceasefire_hazard(0.03, 0.0, False, 0.5, 5.0, -0.3, 10.0) == pytest.approx(0.03)
    # by default the balance plays no part: no shift given, or no weight given
    assert diplomacy.ceasefire_hazard(0.03, 0.0, False, 0.5, 5.0, shift_weight=10.0) == pytest.approx(0.03)
    assert diplomacy.ceasefire_hazard(0.03, 0.0, False, 0.5, 5.0, shift=0.2) == pytest.approx(0.03)


# ---------------------------------------------------------------- alignment: threat
def test_threat_is_the_share_of_strength_times_intent():
    assert alignment.threat(9000.0, 1000.0, 4.0, False) == pytest.approx(0.9 * 0.8)  # worth 4: intent 4/5
    assert alignment.threat(9000.0, 1000.0, 4.0, True) == pytest.approx(0.9)  # its campaign is aimed there
    assert alignment.threat(9000.0, 1000.0, 0.0, False) == 0.0  # strength without intent
    assert alignment.threat(0.3, 0.2, 1.0, True) == pytest.approx(0.6)  # below one unit of strength in all
    assert alignment.threat(0.0, 0.0, 4.0, True) == 0.0  # nobody there


# ---------------------------------------------------------------- economy: recognition and recruitment
def test_recognition_known_values_and_edges():
    assert economy.recognition({"A": 0.3, "B": 0.9}, "A") == pytest.approx(1 / 3)
    assert economy.recognition({"A": 0.9, "B": 0.3}, "A") == 1.0
    assert economy.recognition({"B": 0.5}, "A") == 0.0  # a capital camp with no legitimacy at all
    assert economy.recognition({"A": 0.0, "B": 0.0}, "A") == 1.0  # nobody has any: nobody is preferred
    assert economy.recognition({}, "A") == 1.0
    assert economy.recognition({}, None) == 1.0
    assert economy.recognition({"A": 0.5}, None) == 1.0  # nobody holds the capital


def test_recruits_per_cash_known_values_and_clamp():
    assert economy.recruits_per_cash(400.0, 0.5, 0.5) == 400.0
    assert economy.recruits_per_cash(400.0, 1.0, 0.5) == pytest.approx(500.0)
    assert economy.recruits_per_cash(400.0, 0.0, 0.5) == pytest.approx(300.0)
    assert economy.recruits_per_cash(0.5, 0.9, 0.5) == pytest.approx(0.6)  # below one recruit per $m
    assert economy.recruits_per_cash(400.0, 0.0, 4.0) == 0.0  # never negative


def test_interdiction_known_values_and_bounds():
    assert air.interdiction(1.5, 0.5, 0.25) == pytest.approx(0.25)  # 0.25 x (1.5 - 0.5)
    assert air.interdiction(0.5, 1.5, 0.25) == 0.0  # own air defence covers the move
    assert air.interdiction(1.0, 0.0, 0.5) == pytest.approx(0.5)
    assert air.interdiction(9.0, 1.0, 0.25) == 1.0  # never more than all of them


def test_spoils_known_values_and_edges():
    goals = {1: 0.5, 2: 0.25, 3: 0.0}
    assert alignment.spoils(goals, 2) == pytest.approx(0.5)  # below one unit of worth: the ratio all the same
    assert alignment.spoils(goals, 3) == 0.0
    assert alignment.spoils(goals, 7) == 0.0  # a place it has no goal for
    assert alignment.spoils(goals, None) == 0.0
    assert alignment.spoils({}, 1) == 0.0
    assert alignment.spoils({1: -1.0, 2: 0.0}, 2) == 0.0  # it wants nothing: no spoils
    assert alignment.spoils({1: -1.0, 2: 3.0}, 1) == 0.0  # a place it would rather not see taken


def test_an_attack_breaks_below_its_breakpoint_share_of_the_launch_strength():
    assert campaign.broken(49.0, 100.0, 0.5) and not campaign.broken(50.0, 100.0, 0.5)  # exactly at it: not yet
    assert campaign.broken(0.2, 0.5, 0.3) and not campaign.broken(0.4, 0.5, 0.3)  # below one unit of strength
    assert campaign.broken(79.0, 100.0, 0.2) and not campaign.broken(81.0, 100.0, 0.2)  # a breakpoint of 20%
    assert not campaign.broken(10.0, None, 0.3)  # the launch week: nothing measured yet
    assert not campaign.broken(0.0, 0.0, 0.3)  # launched with nothing


def test_tie_level_adds_a_share_of_the_headroom_above_the_sourced_level():
    # 0.2 x 1.5, plus 0.5 x 0.5 of the headroom 1.0 - 0.2
    assert support.tie_level(0.2, 1.5, 1.0, 1.0, 0.5) == pytest.approx(0.3 + 0.25 * 0.8)


def test_fit_budget_scales_a_small_spend_too():
    assert support.fit_budget([0.5], [1.0], 0.25) == pytest.approx([0.25])  # a spend below one unit


def test_legitimacy_at_the_table_known_values_and_defaults():
    assert diplomacy.war_value(0.6, 0.2, 0.5, 0.4) == pytest.approx(0.6)  # 0.6 - 0.2 + 0.4 x 0.5
    assert diplomacy.war_value(0.6, 0.2, -0.5, 0.4) == pytest.approx(0.2)  # less legitimate: asks for less
    # by default legitimacy plays no part: no edge given, or no weight given
    assert diplomacy.war_value(0.6, 0.2, legitimacy_weight=0.4) == pytest.approx(0.4)
    assert diplomacy.war_value(0.6, 0.2, legitimacy_edge=0.5) == pytest.approx(0.4)
