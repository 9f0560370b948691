"""The arms embargo with targets and an enforcement per channel (sim/world/embargo.py). On the toy war: the red
patron sends the Red Army drones (0.5) and money, the blue patron sends the Blue Army arms (0.5). The embargo on
everyone and the shield of a patron's diplomatic cover: test_directions.py."""

from __future__ import annotations

import pytest

from conftest import TOY
from sim.model import ConflictModel
from sim.scenario import load_scenario

START = "2020-01-06"


def embargo(date=START, **fields) -> dict:
    return {"date": date, "kind": "arms_embargo", "assumption": "test data", **fields}


def stepped(weeks: int = 1, **overrides) -> ConflictModel:
    m = ConflictModel(load_scenario(TOY, overrides).scenario, seed=1)
    for _ in range(weeks):
        m.step()
    return m


def gains(m: ConflictModel) -> tuple[float, float]:
    """(the Red Army's air from its drones, the Blue Army's quality from its arms) this week."""
    red, blue = m.actor("red_army"), m.actor("blue_army")
    return red.air_supplied - red.own_air, blue.quality - blue.heavy_weapons


FREE = gains(stepped())


def test_free_support_arrives():
    assert FREE[0] > 0 and FREE[1] > 0


def test_an_embargo_on_a_faction_cuts_only_its_support():
    m = stepped(**{"events.e": embargo(enforcement=1.0, targets=["red_army"])})
    assert gains(m) == pytest.approx((0.0, FREE[1]))
    assert "arms embargo enforcement on Red Army set to 1" in [e[4] for e in m.recorder.events]


def test_an_embargo_on_a_camp_follows_who_is_in_it():
    arms = {"source": "blue_patron", "target": "town_militia", "channel": "arms", "level": 0.5,
            "adaptive": False, "assumption": "test data"}
    over = {"ties.militia_arms": arms, "events.e": embargo(enforcement=1.0, targets=["BLUE"]),
            "events.turn": {"date": "2020-01-20", "kind": "defection", "actor": "town_militia", "to_camp": "RED",
                            "assumption": "test data"}}
    m = stepped(**over)
    militia = m.actor("town_militia")
    assert gains(m) == pytest.approx((FREE[0], 0.0)) and militia.quality == militia.heavy_weapons
    for _ in range(2):  # the militia joins RED: its arms flow again
        m.step()
    assert militia.camp == "RED" and militia.quality > militia.heavy_weapons


def test_an_enforcement_per_channel():
    m = stepped(**{"events.e": embargo(enforcement=1.0, channels={"drones": 0.25})})
    assert gains(m) == pytest.approx((0.75 * FREE[0], 0.0))


def test_the_firmest_embargo_over_a_tie_applies_and_a_zero_lifts_its_targets():
    over = {"events.all": embargo(enforcement=0.5), "events.red": embargo(enforcement=1.0, targets=["RED"])}
    assert gains(stepped(**over)) == pytest.approx((0.0, 0.5 * FREE[1]))
    lifted = {**over, "events.lift": embargo("2020-01-20", enforcement=0.0, targets=["RED"])}
    assert gains(stepped(3, **lifted)) == pytest.approx(gains(stepped(3, **{"events.all": over["events.all"]})))
    assert gains(stepped(3, **lifted))[0] > 0.0


def test_a_mediators_cover_does_not_shield_a_patrons_does():
    def cover(source):
        return {"source": source, "target": "blue_army", "channel": "diplomatic_cover", "level": 1.0,
                "adaptive": False, "assumption": "test data"}

    mediated = stepped(**{"ties.c": cover("mediator"), "events.e": embargo(enforcement=1.0)})
    shielded = stepped(**{"ties.c": cover("blue_patron"), "events.e": embargo(enforcement=1.0)})
    assert gains(mediated)[1] == 0.0 and mediated.actor("blue_army").cover == 0.0
    assert gains(shielded)[1] == pytest.approx(FREE[1])


def test_the_old_form_resolves_as_before():
    ev = load_scenario(TOY, {"events.e": embargo(enforcement=0.5)}).resolved["events"]["e"]
    assert set(ev) == {"sources", "assumption", "later_sources", "basis", "date", "text", "kind", "enforcement"}


@pytest.mark.parametrize("fields, message", [
    ("targets: [red_patron]", "events.e.targets.0: 'red_patron' is not a faction: an embargo targets those who "
                              "receive support (factions or camps)"),
    ("targets: [red_amry]", "events.e.targets.0: unknown actor or camp 'red_amry' (did you mean 'red_army'?)"),
    ("channels: {money: 0.5}", "events.e.channels.money: an arms embargo cuts only arms, mercenaries, troops, "
                               "drones, air_power, air_defence"),
    ("channels: {drones: 2}", "events.e.channels.drones: Input should be less than or equal to 1"),
])
def test_a_bad_embargo_is_one_line(cli, tmp_path, fields, message):
    f = tmp_path / "v.yaml"
    f.write_text(f"extends: {TOY}\nevents:\n  e:\n    kind: arms_embargo\n    date: {START}\n    enforcement: 1\n"
                 f"    {fields}\n    assumption: test data\n")
    res = cli("validate", f)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1, res.stderr
    assert errors[0] == f"error: {f}:7: {message}", errors[0]
