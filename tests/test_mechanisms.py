"""Each mechanism alone: known values and properties."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import alignment, combat, diplomacy, economy, support
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
@given(st.dictionaries(st.sampled_from(["A", "B", "C"]), st.floats(0, 1), min_size=1),
       st.sampled_from(["A", "B", None]), st.sampled_from(["status_quo", "equitable"]), st.floats(0, 1))
def test_revenue_split_sums_to_one(pop, capital, rule, share):
    out = economy.revenue_split(pop, capital, rule, share)
    total = sum(out.values())
    assert all(v >= 0 for v in out.values())
    if any(v > 0 for v in pop.values()):
        assert total == pytest.approx(1.0)
    else:
        assert total == 0


def test_equitable_sharing_follows_population():
    out = economy.revenue_split({"A": 0.75, "B": 0.25}, "B", "equitable", 0.9)
    assert out == {"A": pytest.approx(0.75), "B": pytest.approx(0.25)}
    out = economy.revenue_split({"A": 0.75, "B": 0.25}, "B", "status_quo", 0.9)
    assert out["B"] == pytest.approx(0.9)


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
    base = dict(current=False, pay=0.5, momentum=0.0, affinity=0.5, threat=0.2, legitimacy=0.5, inertia=2.5,
                w_pay=1.0, w_momentum=1.0, w_ideology=2.0, w_threat=1.5, w_legitimacy=1.0)
    u = alignment.camp_utility(**base)
    for key in ("pay", "momentum", "affinity", "threat", "legitimacy"):
        assert alignment.camp_utility(**{**base, key: base[key] + 0.3}) > u, key
    assert alignment.camp_utility(**{**base, "current": True}) == pytest.approx(u + 2.5)
    off = {**base, "w_legitimacy": 0.0}
    assert alignment.camp_utility(**{**off, "legitimacy": 1.0}) == alignment.camp_utility(**off)
