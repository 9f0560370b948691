"""Support to patrons: a tie whose client is a patron adds what its source spends on it (level x cost) to the
client patron's budget, a week later, so the supported patron can give its own clients more. On the toy war, a
third patron (Gold, in Blue's camp) funds the Blue patron, whose budget is made to bind."""

from __future__ import annotations

import pytest

from conftest import TOY, refused_in_one_line
from sim.model import ConflictModel
from sim.scenario import load_scenario

GOLD = {"name": "Gold patron", "kind": "patron", "camp": "BLUE", "assumption": "test data",
        "patron": {"budget": 3.0, "resolve": 0.5, "risk_tolerance": 0.5}}
POOR_BLUE = {"actors.blue_patron.patron.budget": 0.2, "actors.gold_patron": GOLD}  # blue_arms costs 0.5 a week


def funding(level: float = 0.5, channel: str = "money", source: str = "gold_patron", **more) -> dict:
    return {"ties.gold_funds_blue": {"source": source, "target": "blue_patron", "channel": channel, "level": level,
                                     "max_level": 1.0, "assumption": "test data", **more}}


def model(overrides: dict, seed: int = 1) -> ConflictModel:
    return ConflictModel(load_scenario(TOY, overrides).scenario, seed=seed)


def given_by_blue(overrides: dict, weeks: int = 8) -> list[float]:
    m = model(overrides)
    out = []
    for _ in range(weeks):
        m.step()
        out.append(m.actor("blue_patron").support_given)
    return out


def test_a_patron_with_support_gives_its_clients_more():
    without, with_funds = given_by_blue(POOR_BLUE), given_by_blue({**POOR_BLUE, **funding()})
    assert all(b > a for a, b in zip(without, with_funds)), (without, with_funds)
    assert without[0] == pytest.approx(0.2)  # its own budget binds: 0.2 of the 0.5 its arms tie would cost


def test_more_support_lets_it_give_more_up_to_what_its_ties_want():
    given = [given_by_blue({**POOR_BLUE, **funding(level)}, 3)[-1] for level in (0.0, 0.1, 0.2, 1.0)]
    assert given[0] < given[1] < given[2] <= given[3]
    assert given[1] == pytest.approx(0.3, rel=0.05)  # 0.2 of its own and 0.1 from Gold


def test_the_client_patron_s_clients_are_stronger():
    def blue_quality(overrides):
        m = model(overrides)
        for _ in range(4):
            m.step()
        return m.actor("blue_army").quality

    assert blue_quality({**POOR_BLUE, **funding()}) > blue_quality(POOR_BLUE)


def test_the_funds_are_what_the_source_spends_and_they_give_no_faction_anything():
    m = model({**POOR_BLUE, **funding(0.4, "mercenaries")})  # mercenaries: cost 1 a level in the toy
    before = [f.strength_fighters for f in m.factions]
    m.step()
    assert m.actor("blue_patron").funds == pytest.approx(0.4)
    assert m.actor("blue_patron").support_received == pytest.approx(0.4)
    assert m.actor("gold_patron").support_given == pytest.approx(m.ties.get("gold_funds_blue").level)
    assert m.actor("blue_army").strength_fighters == pytest.approx(before[m.actor("blue_army").index])  # no mercs
    to_blue_factions = [t for t in m.ties.ties if t.target in ("blue_army", "town_militia")]
    assert m.ties.backing_of("BLUE") == pytest.approx(sum(t.level * t.cost for t in to_blue_factions))
    assert not m.ties.get("gold_funds_blue").backs  # rivals react to what the factions get, not to the funds


def test_funds_reach_the_budget_a_week_later_whatever_the_order_of_the_patrons():
    """The funds of a week are the levels of the ties to the patron as the week began (last week's)."""
    m = model({**POOR_BLUE, **funding()})
    tie = m.ties.get("gold_funds_blue")
    m.step()
    level = tie.level  # Gold's level this week
    m.step()
    assert m.actor("blue_patron").funds == pytest.approx(level * tie.cost)


@pytest.mark.parametrize("targets", [["BLUE"], []])
def test_an_arms_embargo_does_not_cut_funds_between_patrons(targets):
    embargo = {"events.e": {"date": "2020-01-06", "kind": "arms_embargo", "enforcement": 1.0,
                            "targets": targets, "assumption": "test data"}}
    over = {**POOR_BLUE, **funding(0.4, "arms"), **embargo}
    m = model(over)
    tie = m.ties.get("gold_funds_blue")
    m.step()
    level = tie.level
    m.step()
    assert m.actor("blue_patron").funds == pytest.approx(level)
    assert m.actor("gold_patron").support_given == pytest.approx(tie.level)  # not cut by the embargo


def test_a_deployment_can_fund_a_patron():
    dep = {"events.d": {"date": "2020-01-06", "kind": "deployment", "patron": "gold_patron", "client": "blue_patron",
                        "channel": "money", "level": 0.5, "assumption": "test data"}}
    m = model({**POOR_BLUE, **dep})
    for _ in range(3):
        m.step()
    assert m.actor("blue_patron").funds > 0 and m.actor("blue_patron").support_given > 0.2 + 1e-9


@pytest.mark.parametrize("fields, message", [
    ("ties:\n  t: {source: red_army, target: blue_patron, channel: money, level: 0.5, assumption: test}",
     "ties.t.source: 'blue_patron' is a patron: only another patron can support it (it adds to its budget)"),
    ("ties:\n  t: {source: red_patron, target: blue_patron, channel: alliance, level: 0.5, assumption: test}",
     "ties.t.channel: support to a patron adds to its budget: alliance is not something a patron pays for (use "
     "money, arms, mercenaries, ...)"),
    ("ties:\n  t: {source: red_patron, target: mediator, channel: money, level: 0.5, assumption: test}",
     "ties.t.target: 'mediator' is not a faction or a patron and cannot receive support"),
    ("events:\n  d: {kind: deployment, date: 2020-01-06, patron: red_patron, client: red_patron, channel: money,"
     " level: 0.5, assumption: test}", "events.d.client: a patron cannot support itself"),
])
def test_a_bad_tie_to_a_patron_is_one_line(cli, tmp_path, fields, message):
    refused_in_one_line(cli, tmp_path, fields, message)
