"""Blockades of places: by any actor, of named places or of the ports a camp holds, with an enforcement that
cuts those places' revenue (sim/world/economy.py). On the toy war: West field (200,000 b/d, red), East port
(300,000 b/d, a port, blue). The old form (a faction shuts the oil it holds) is in test_directions.py."""

from __future__ import annotations

import pytest

from conftest import TOY
from sim.mechanisms import economy
from sim.model import ConflictModel
from sim.scenario import load_scenario

START = "2020-01-06"


def event(date=START, **fields) -> dict:
    return {"date": date, "kind": "blockade", "assumption": "test data", **fields}


def model(events: dict | None = None, **overrides) -> ConflictModel:
    over = {f"events.{k}": v for k, v in (events or {}).items()} | overrides
    return ConflictModel(load_scenario(TOY, over).scenario, seed=1)


def revenue_after(weeks: int = 1, events: dict | None = None, **overrides) -> float:
    m = model(events, **overrides)
    for _ in range(weeks):
        m.step()
    return m.economy.revenue


def bpd(barrels: float) -> float:
    return pytest.approx(economy.weekly_revenue(barrels, load_scenario(TOY).scenario.parameters.oil_price_usd))


NAVAL = event(by="red_patron", places=["east_port"], means="naval", enforcement=0.8)


def test_a_naval_blockade_cuts_the_ports_revenue_by_its_enforcement():
    assert revenue_after() == bpd(500_000)
    assert revenue_after(events={"navy": NAVAL}) == bpd(200_000 + 0.2 * 300_000)
    full = {**NAVAL, "enforcement": None}
    assert revenue_after(events={"navy": {k: v for k, v in full.items() if v is not None}}) == bpd(200_000)


def test_a_blockade_of_a_camps_ports_follows_what_the_camp_holds():
    m = model({"navy": event(by="red_patron", ports_of="BLUE", means="naval")})
    m.step()
    assert m.economy.revenue == bpd(200_000)
    port = m.places.index("east_port")
    m.map.capture(port, m.actor("town_militia").index)  # still BLUE
    m.step()
    assert m.economy.revenue == bpd(200_000)
    m.map.capture(port, m.actor("red_army").index)  # no longer a port of BLUE: it flows
    m.step()
    assert m.economy.revenue == bpd(500_000)


def test_a_naval_or_air_blockade_spares_its_own_side_a_shutdown_does_not():
    m = model({"navy": NAVAL})
    m.map.capture(m.places.index("east_port"), m.actor("red_army").index)
    m.step()
    assert m.economy.revenue == bpd(500_000)
    # the militia (blue) shuts West field, which red holds, and keeps it shut when its own camp takes it
    m = model({"strike": event(by="town_militia", places=["west_field"], means="shutdown")})
    m.step()
    assert m.economy.revenue == bpd(300_000)
    m.map.capture(m.places.index("west_field"), m.actor("blue_army").index)
    m.step()
    assert m.economy.revenue == bpd(300_000)


def test_two_blockades_of_a_place_multiply_what_flows():
    two = {"navy": {**NAVAL, "enforcement": 0.5},
           "air": event(by="red_army", places=["east_port"], means="air", enforcement=0.5)}
    assert revenue_after(events=two) == bpd(200_000 + 0.25 * 300_000)


def test_a_lift_reopens_the_places_it_names_or_all_of_the_blockaders():
    both = {"strike": event(by="town_militia", places=["east_port", "west_field"], means="shutdown")}
    assert revenue_after(3, both) == bpd(0.0)
    named = {**both, "lift": event("2020-01-20", by="town_militia", places=["east_port"], lift=True)}
    assert revenue_after(3, named) == bpd(300_000)
    every = {"navy": NAVAL, "lift": event("2020-01-20", by="red_patron", lift=True)}
    m = model(every)
    for _ in range(3):
        m.step()
    assert m.economy.revenue == bpd(500_000)
    assert [e[4] for e in m.recorder.events if e[2] == "blockade"] == [
        "Red patron imposes a naval blockade on East port (enforcement 0.8)", "Red patron lifts an oil blockade"]


def test_a_blockade_of_the_enemys_ports_leaves_the_war_poorer():
    free, shut = model(), model({"navy": event(by="red_patron", ports_of="BLUE", means="naval")})
    for _ in range(12):
        free.step()
        shut.step()
    assert shut.actor("blue_army").cash < free.actor("blue_army").cash
    assert shut.camps["BLUE"].pay_rate < free.camps["BLUE"].pay_rate


def test_the_old_form_resolves_as_before():
    """A scenario that does not use the new fields resolves (and hashes) as before: they are left out."""
    ev = load_scenario(TOY, {"events.shut": event(by="red_army")}).resolved["events"]["shut"]
    assert set(ev) == {"sources", "assumption", "later_sources", "basis", "date", "text", "kind", "by", "lift"}
    new = load_scenario(TOY, {"events.navy": NAVAL}).resolved["events"]["navy"]
    assert new["places"] == ["east_port"] and new["enforcement"] == 0.8 and "ports_of" not in new


# ---------------------------------------------------------------------- bad input: one line, exit code 2
@pytest.mark.parametrize("fields, message", [
    (dict(places=["middle"], means="naval"), "events.b.places.0: 'middle' is not a port (port: true): a naval "
                                             "blockade closes ports"),
    (dict(places=["east_prot"], means="air"), "events.b.places.0: unknown place 'east_prot' (did you mean "
                                              "'east_port'?)"),
    (dict(places=["east_port"], ports_of="BLUE", means="naval"), "events.b.ports_of: name either places or "
                                                                 "ports_of, not both"),
    (dict(ports_of="BLUR", means="naval"), "events.b.ports_of: unknown camp 'BLUR' (did you mean 'BLUE'?)"),
    (dict(places=["east_port"]), "events.b.means: say how: means: naval, air or shutdown"),
    (dict(enforcement=0.5), "events.b.enforcement: enforcement is for a blockade of places or ports_of"),
    (dict(places=["east_port"], means="naval", enforcement=1.5), "events.b.enforcement: Input should be less "
                                                                 "than or equal to 1"),
    (dict(places=["east_port"], means="blockade"), "events.b.means: Input should be 'naval', 'air' or 'shutdown'"),
])
def test_a_bad_blockade_is_one_line(cli, tmp_path, fields, message):
    body = "".join(f"    {k}: {v}\n" for k, v in fields.items())
    f = tmp_path / "v.yaml"
    f.write_text(f"extends: {TOY}\nevents:\n  b:\n    kind: blockade\n    date: {START}\n    by: red_patron\n"
                 f"{body}    assumption: test data\n")
    res = cli("validate", f)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1, res.stderr
    assert errors[0].startswith(f"error: {f}:") and message in errors[0], errors[0]


# ---------------------------------------------------------------------- warnings
def warnings_of(events: dict) -> list[str]:
    return [str(w) for w in load_scenario(TOY, {f"events.{k}": v for k, v in events.items()}).warnings]


def test_a_blockade_that_cuts_nothing_warns():
    assert warnings_of({"b": event(by="red_patron", places=["middle", "east"], means="air")}) == [
        "events.b.places: none of middle, east has revenue (oil_bpd or revenue:): the blockade cuts nothing"]
    assert warnings_of({"b": event(by="red_patron", ports_of="RED", means="naval")}) == [
        "events.b.ports_of: RED is the camp of 'red_patron' itself: a naval blockade spares its own side and cuts "
        "nothing"]
    assert warnings_of({"b": NAVAL}) == []


def test_a_patrons_blockade_in_the_old_form_warns():
    assert warnings_of({"b": event(by="blue_patron")}) == [
        "events.b.by: 'blue_patron' holds no places: this blockade shuts the oil that the factions of its own camp "
        "(BLUE) hold; to blockade others' oil, name them with 'places:' or 'ports_of:'"]
    assert warnings_of({"b": event(by="red_army")}) == []


def test_the_viewer_says_who_blockades_places():
    from sim.viz.draw import header_html

    m = model({"navy": NAVAL})
    assert "blockade of places" not in header_html(m)
    m.step()
    assert "blockade of places by Red patron" in header_html(m)
