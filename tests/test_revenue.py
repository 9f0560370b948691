"""The revenue of places beyond oil: customs at ports and border crossings, taxes of a population, local rents;
each to the place's holder or pooled through the capital's institutions, whose rule a scenario chooses; blockades
cut every kind. On the toy war: West (capital, 500,000 people, red), West field (200,000 b/d, red), Middle
(100,000 people, the town militia, blue), East port (300,000 b/d, a port, blue), East (400,000 people, blue)."""

from __future__ import annotations

import pytest

from conftest import TOY
from sim.errors import InputError
from sim.mechanisms import economy
from sim.model import ConflictModel
from sim.scenario import load_scenario
from sim.world.economy import WEEKS_A_YEAR, RevenueSources

START = "2020-01-06"
CUSTOMS = {"kind": "customs", "amount": 520.0}  # $m a year: about $10m a week


def scenario(revenue: dict[str, list] | None = None, **overrides):
    over = {f"territory.places.{p}.revenue": r for p, r in (revenue or {}).items()} | overrides
    return load_scenario(TOY, over).scenario


def model(revenue: dict[str, list] | None = None, **overrides) -> ConflictModel:
    return ConflictModel(scenario(revenue, **overrides), seed=1)


def stepped(m: ConflictModel, weeks: int = 1) -> ConflictModel:
    for _ in range(weeks):
        m.step()
    return m


def per_week(amount_a_year: float) -> float:
    return pytest.approx(amount_a_year / WEEKS_A_YEAR)


# ---------------------------------------------------------------------- the sources and their routes
def test_each_source_goes_to_the_holder_or_through_the_capital():
    s = scenario({"east_port": [CUSTOMS, {"kind": "rents", "amount": 52.0, "via": "capital"}],
                  "east": [{"kind": "taxes", "per_capita": 13.0}]})
    sources = RevenueSources.of(s)
    port, east, field, west = (list(s.territory.places).index(p) for p in ("east_port", "east", "west_field", "west"))
    assert [i for i, _ in sources.pooled_oil] == [field, port]  # oil through the capital, as before
    assert sources.held_oil == []
    assert sources.held == [(port, per_week(520.0)), (east, per_week(13.0 * 400_000 / 1e6))]
    assert sources.pooled == [(port, per_week(52.0))]
    assert west not in [i for i, _ in sources.held + sources.pooled]


def test_a_scenario_routes_a_kind_and_a_source_overrides_it():
    s = scenario({"west_field": [{"kind": "oil", "via": "capital"}]}, economy={"via": {"oil": "holder"}})
    sources = RevenueSources.of(s)
    field, port = (list(s.territory.places).index(p) for p in ("west_field", "east_port"))
    assert sources.pooled_oil == [(field, 200_000.0)] and sources.held_oil == [(port, 300_000.0)]


def test_taxes_follow_population():
    s = scenario({p: [{"kind": "taxes", "per_capita": 10.0}] for p in ("middle", "east")})
    m = ConflictModel(s, seed=1)
    takings = m.economy.takings(m.map.view())
    militia, blue = m.actor("town_militia").index, m.actor("blue_army").index
    assert takings[militia] == per_week(10.0 * 100_000 / 1e6)
    assert takings[blue] == pytest.approx(4 * takings[militia])  # East has four times Middle's people


def test_a_scenario_without_the_new_sources_resolves_as_before():
    resolved = load_scenario(TOY).resolved
    assert "economy" not in resolved and all("revenue" not in p and "border_crossing" not in p
                                             for p in resolved["territory"]["places"].values())
    assert "economy" in load_scenario(TOY, {"economy": {"institutions": "by_population"}}).resolved


# ---------------------------------------------------------------------- direction tests
def test_a_side_holding_a_port_with_customs_gets_richer():
    plain, customs = stepped(model(), 10), stepped(model({"east_port": [CUSTOMS]}), 10)
    blue, before = customs.actor("blue_army"), plain.actor("blue_army")
    assert blue.takings == pytest.approx(520.0 / WEEKS_A_YEAR * customs.params.revenue_to_cash)
    assert blue.cash + blue.fighters / customs.params.recruit_per_cash > \
        before.cash + before.fighters / customs.params.recruit_per_cash  # its cash and what it bought with it
    assert customs.actor("red_army").takings == 0.0
    assert customs.economy.revenue == pytest.approx(plain.economy.revenue)  # nothing pooled: the holder's own


def test_customs_pooled_through_the_capital_pay_every_camp():
    plain = stepped(model())
    pooled = stepped(model({"east_port": [{**CUSTOMS, "via": "capital"}]}))
    assert pooled.economy.revenue == pytest.approx(plain.economy.revenue + 520.0 / WEEKS_A_YEAR)
    for camp in ("RED", "BLUE"):
        assert pooled.camps[camp].pay_rate > plain.camps[camp].pay_rate
    assert pooled.actor("blue_army").takings == 0.0


def test_a_blockade_cuts_customs():
    navy = {"kind": "blockade", "date": START, "by": "red_patron", "places": ["east_port"], "means": "naval",
            "enforcement": 0.75, "assumption": "test data"}
    free = stepped(model({"east_port": [CUSTOMS]}))
    cut = stepped(model({"east_port": [CUSTOMS]}, **{"events.navy": navy}))
    assert cut.economy.held_revenue == pytest.approx(0.25 * free.economy.held_revenue)
    assert cut.actor("blue_army").takings == pytest.approx(0.25 * free.actor("blue_army").takings)


def test_a_holders_shutdown_stops_its_oil_not_its_customs():
    shut = {"kind": "blockade", "date": START, "by": "blue_army", "assumption": "test data"}
    m = stepped(model({"east_port": [CUSTOMS, {"kind": "oil", "via": "holder"}]}, **{"events.shut": shut}))
    assert m.economy.held_revenue == per_week(520.0)


def test_oil_sold_by_its_holder_goes_to_the_holder():
    m = stepped(model(economy={"via": {"oil": "holder"}}))
    p = m.params
    assert m.economy.revenue == 0.0 and all(c.pay_rate == 0.0 for c in m.camps.values())
    assert m.actor("red_army").takings == pytest.approx(
        economy.weekly_revenue(200_000, p.oil_price_usd) * p.revenue_to_cash)


# ---------------------------------------------------------------------- the capital's institutions, per scenario
RECOGNITION = 0.4 / 0.6  # Red's legitimacy over Blue's: Red holds the capital, Blue is the more legitimate
RED_PEOPLE = 505_000 / 1_055_000  # West and West field, of the five places


@pytest.mark.parametrize("rule, red, blue", [
    ("capital_share", 0.7 * RECOGNITION, 1 - 0.7 * RECOGNITION),  # the toy war's capital_revenue_share
    ("by_population", RED_PEOPLE, 1 - RED_PEOPLE),
    ("capital_only", RECOGNITION, 0.0),  # the rest is withheld from an unrecognised holder of the capital
])
def test_the_capital_s_institutions_share_by_the_scenario_s_rule(rule, red, blue):
    m = stepped(model(economy={"institutions": rule}))
    split = m.economy.split(m.map.view())
    assert split["RED"] == pytest.approx(red) and split["BLUE"] == pytest.approx(blue)


def test_an_equitable_agreement_shares_by_population_whatever_the_rule():
    m = model(economy={"institutions": "capital_only"})
    m.economy.revenue_rule = "equitable"
    assert m.economy.split(m.map.view())["BLUE"] == pytest.approx(1 - RED_PEOPLE)


def test_pay_and_prices_are_the_scenario_s():
    cheap = stepped(model(**{"parameters.oil_price_usd": 30.0}))
    dear = stepped(model())
    assert cheap.economy.revenue == pytest.approx(dear.economy.revenue / 2)
    lean = model(**{"parameters.upkeep_per_fighter": 0.0001})
    assert lean.params.upkeep_per_fighter == 0.0001


# ---------------------------------------------------------------------- refusals and warnings
def test_a_source_needs_its_amount_and_a_place_one_oil_entry():
    with pytest.raises(InputError, match=r"territory\.places\.east_port\.revenue\.0\.amount: (Field|required)"):
        scenario({"east_port": [{"kind": "customs"}]})
    with pytest.raises(InputError, match="one oil entry per place"):
        scenario({"east_port": [{"kind": "oil"}, {"kind": "oil", "via": "holder"}]})
    with pytest.raises(InputError, match=r"revenue\.0: Input tag 'tolls'"):
        scenario({"east_port": [{"kind": "tolls", "amount": 1.0}]})


def warnings_of(revenue: dict[str, list], **overrides) -> list[str]:
    return [str(w) for w in load_scenario(TOY, {f"territory.places.{p}.revenue": r for p, r in revenue.items()}
                                          | overrides).warnings]


def test_a_source_the_place_cannot_earn_warns():
    assert warnings_of({"east_port": [CUSTOMS]}) == []
    assert warnings_of({"middle": [CUSTOMS]}) == [
        "territory.places.middle.revenue.0: customs at middle, which is neither a port nor a border crossing: mark "
        "it 'port: true' or 'border_crossing: true', or call the revenue rents"]
    assert warnings_of({"middle": [CUSTOMS]}, **{"territory.places.middle.border_crossing": True}) == []
    assert warnings_of({"middle": [{"kind": "taxes", "per_capita": 5.0}]},
                       **{"territory.places.middle.population": 0}) == [
        "territory.places.middle.revenue.0: taxes at middle, which has no population: they raise nothing"]
    assert warnings_of({"middle": [{"kind": "oil", "via": "holder"}]}) == [
        "territory.places.middle.revenue.0: an oil entry at middle, which has no oil (oil_bpd): it routes nothing"]


def test_a_capital_rule_without_a_capital_warns():
    assert warnings_of({}, **{"territory.places.west.capital": False, "economy": {"institutions": "capital_only"}}) == [
        "economy.institutions: capital_only, but no place is the capital (capital: true): the revenue pooled "
        "through the capital is shared by population"]
    assert warnings_of({}, **{"territory.places.west.capital": False}) == []  # the default rule, as before


def test_a_blockade_of_a_place_with_customs_only_is_not_idle():
    navy = {"kind": "blockade", "date": START, "by": "red_patron", "places": ["east"], "means": "air",
            "assumption": "test data"}
    assert warnings_of({}, **{"events.navy": navy}) != []
    assert warnings_of({"east": [{"kind": "rents", "amount": 5.0}]}, **{"events.navy": navy}) == []
