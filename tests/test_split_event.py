"""The split event: a share of a faction's fighters (with the same share of its cash and own air means) goes over
to another faction declared in the scenario. On the toy war: the Blue Army (10,000 fighters, cash 50) and a
faction declared with no fighters that receives the share."""

from __future__ import annotations

import pytest

from conftest import TOY
from sim.model import ConflictModel
from sim.runner import horizon_steps, run_one
from sim.scenario import load_scenario

START = "2020-01-06"


def faction(camp: str, home: str, fighters: float = 0, **profile) -> dict:
    return {"name": f"Defectors to {camp}", "kind": "faction", "camp": camp, "assumption": "test data",
            "faction": {"fighters": fighters, "heavy_weapons": 0.0, "cash": 0, "cohesion": 0.5, "legitimacy": 0.2,
                        "home": home, **profile}}


def split(share: float, by: str = "blue_army", to: str = "defectors", date: str = START) -> dict:
    return {"date": date, "kind": "split", "faction": by, "to": to, "share": share, "assumption": "test data"}


def scenario(receiver: dict, **events):
    over = {"actors.defectors": receiver} | {f"events.{k}": v for k, v in events.items()}
    return load_scenario(TOY, over).scenario


def test_the_share_goes_over_with_its_cash_weapons_and_air():
    s = scenario(faction("RED", "west", fighters=1000), turn=split(0.25, by="red_army"))
    m = ConflictModel(s, seed=1)
    red, defectors = m.actor("red_army"), m.actor("defectors")
    before = {k: getattr(red, k) for k in ("fighters", "cash", "own_air", "air", "heavy_weapons", "cohesion")}
    from sim import events

    events.HANDLERS["split"](m, "turn", s.events["turn"])
    assert red.fighters == pytest.approx(0.75 * before["fighters"])
    assert defectors.fighters == pytest.approx(1000 + 0.25 * before["fighters"])
    assert red.cash == pytest.approx(0.75 * before["cash"]) and defectors.cash == pytest.approx(0.25 * before["cash"])
    assert defectors.own_air == pytest.approx(0.25 * before["own_air"])
    assert red.air == pytest.approx(0.75 * before["air"])
    moved = 0.25 * before["fighters"]
    assert defectors.heavy_weapons == pytest.approx(before["heavy_weapons"] * moved / (1000 + moved))  # 0 before
    assert defectors.cohesion == pytest.approx((0.5 * 1000 + before["cohesion"] * moved) / (1000 + moved))
    assert red.heavy_weapons == before["heavy_weapons"] and red.cohesion == before["cohesion"]
    assert [e.text for e in m.recorder.events if e.kind == "split"] == [
        "25% of Red Army (2,500 fighters) go over to Defectors to RED (RED)"]


def test_a_whole_split_leaves_nothing_behind():
    m = ConflictModel(scenario(faction("RED", "west"), turn=split(1.0)), seed=1)
    m.step()
    blue = m.actor("blue_army")
    assert blue.fighters == 0.0 and blue.cash == 0.0
    assert m.actor("defectors").fighters > 9000  # the whole army, paid and recruited for a week


def test_the_share_fights_for_its_new_camp():
    """Half the Blue Army goes over to a faction of the Red camp based in West: Red's strength grows by what Blue's
    loses, Red attacks, the defectors fight in its campaigns, and Red takes more of the map."""
    s = scenario(faction("RED", "west"), turn=split(0.5))
    m = ConflictModel(s, seed=1)
    m.step()
    assert m.force.totals["RED"] > 1.3 * m.force.totals["BLUE"]
    runs = []
    for k in range(10):
        r = ConflictModel(s, seed=k, record=False)
        for _ in range(horizon_steps(s)):
            r.step()
        runs.append(r)
    assert sum(r.front.weeks_of_fighting for r in runs) > 50
    assert sum(r.actor("defectors").casualties > 0 for r in runs) >= 5
    base = load_scenario(TOY).scenario
    share = lambda sc: sum(run_one(sc, k, horizon_steps(sc), record=False).summary["red_territory_share"]  # noqa: E731
                           for k in range(10))
    assert share(s) > share(base)


def test_a_guard_that_defects_inside_the_capital_holds_it_for_its_camp():
    """A split and a hand-over on the same date: a quarter of the Red Army, the guard of West (the capital), goes
    over to Blue's side and takes the capital; Red, which wants its capital back above all, fights for it."""
    hand = {"date": START, "kind": "capture", "place": "west", "to": "defectors", "assumption": "test data"}
    receiver = faction("BLUE", "west", goals={"west": 3.0})
    over = {"actors.defectors": receiver, "actors.red_army.faction.goals": {"west": 8.0, "east": 6.0},
            "events.turn": split(0.25, by="red_army"), "events.coup": hand, "events.talks": None}
    s = load_scenario(TOY, over).scenario
    m = ConflictModel(s, seed=1)
    m.step()
    west = m.places.index("west")
    assert m.camp_of(west) == "BLUE" and m.actor("defectors").fighters > 2000
    attacked = 0
    for k in range(5):
        r = ConflictModel(s, seed=k)
        for _ in range(20):
            r.step()
        attacked += sum(b.place == "west" and b.attacker_camp == "RED" for b in r.recorder.battles)
    assert attacked > 0


@pytest.mark.parametrize("fields, message", [
    ("faction: blue_army\n    to: blue_army\n    share: 0.5",
     "events.s.to: a faction cannot split to itself ('blue_army')"),
    ("faction: blue_army\n    to: defectors\n    share: 0", "events.s.share: Input should be greater than 0"),
    ("faction: blue_army\n    to: defectors\n    share: 1.5",
     "events.s.share: Input should be less than or equal to 1"),
    ("faction: blue_patron\n    to: defectors\n    share: 0.5", "events.s.faction: 'blue_patron' is not a faction"),
    ("faction: blue_army\n    to: defector\n    share: 0.5", "events.s.to: unknown actor 'defector' (did you mean "
                                                             "'defectors'?)"),
])
def test_a_bad_split_is_one_line(cli, tmp_path, fields, message):
    f = tmp_path / "v.yaml"
    f.write_text(f"extends: {TOY}\nactors:\n  defectors:\n    name: Defectors\n    kind: faction\n    camp: RED\n"
                 "    assumption: test data\n    faction: {fighters: 0, heavy_weapons: 0, cash: 0, cohesion: 0.5, "
                 "legitimacy: 0.2, home: west}\n"
                 f"events:\n  s:\n    kind: split\n    date: {START}\n    {fields}\n    assumption: test data\n")
    res = cli("validate", f)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1, res.stderr
    assert errors[0].startswith(f"error: {f}:") and errors[0].endswith(message), errors[0]
