"""Relations between camps as data (sim/world/relations.py): war, truce, neutral, allied; the `relations:`
section, the `relation` event and a truce that breaks down.

On the toy war with a third camp (tests/data/toy_three_camps.yaml), places in order: West (0, red), West field
(1, red), Middle (2, blue militia), East port (3, blue), East (4, blue), South (5, green); roads West-Middle,
West-West field, Middle-East port, East port-East, South-West field, South-East port. Green wants West field and
East port."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import ROOT, TOY
from sim.model import ConflictModel
from sim.runner import horizon_steps
from sim.scenario import load_scenario
from sim.world.relations import Relations

THREE = ROOT / "tests" / "data" / "toy_three_camps.yaml"
FIGHTING = ROOT / "tests" / "data" / "toy_fighting.yaml"
START = "2020-01-06"


def relation(a: str, b: str, rel: str) -> dict:
    return {"camps": [a, b], "relation": rel, "assumption": "test data"}


def relation_event(date: str, a: str, b: str, rel: str) -> dict:
    return {"date": date, "kind": "relation", **relation(a, b, rel)}


def model(path=THREE, relations: dict | None = None, seed: int = 1, **overrides) -> ConflictModel:
    over = dict(overrides)
    if relations:
        over["relations"] = relations
    return ConflictModel(load_scenario(path, over).scenario, seed=seed)


def battles(path=THREE, relations: dict | None = None, seeds=range(10), **overrides) -> Counter:
    """(attacking camp, defending camp) -> battles, over the seeds' runs."""
    over = dict(overrides)
    if relations:
        over["relations"] = relations
    s = load_scenario(path, over).scenario
    out: Counter = Counter()
    for k in seeds:
        m = ConflictModel(s, seed=k)
        for _ in range(horizon_steps(s)):
            m.step()
        out.update((b.attacker_camp, b.defender_camp) for b in m.recorder.battles)
    return out


def fought(counts: Counter, a: str, b: str) -> int:
    """Battles between the two camps, either attacking."""
    return counts[a, b] + counts[b, a]


# ---------------------------------------------------------------------- the tables
def test_every_pair_of_armed_camps_is_at_war_unless_named():
    r = Relations(["RED", "BLUE", "local", "GREEN"], ["RED", "BLUE", "GREEN"], {})
    assert r.all_at_war and r.between("RED", "GREEN") == "war"
    assert r.hostile_to == {"RED": ("BLUE", "GREEN"), "BLUE": ("RED", "GREEN"), "local": (), "GREEN": ("RED", "BLUE")}
    assert r.targets_of["RED"] == {"BLUE", "GREEN", "local"}  # an unarmed camp's places may be taken
    assert r.barred_to["local"] == {"RED", "BLUE", "GREEN"}  # an unarmed camp's supply crosses no armed ground
    r = r.changed("BLUE", "RED", "truce").changed("GREEN", "BLUE", "allied")
    assert r.between("RED", "BLUE") == "truce" and r.truces == [("RED", "BLUE")]
    assert r.hostile_to["RED"] == ("BLUE", "GREEN") and r.at_war_with["RED"] == {"GREEN"}
    assert r.targets_of["RED"] == {"GREEN", "local"} and r.targets_of["BLUE"] == {"local"}
    assert r.allies_of == {"RED": (), "BLUE": ("GREEN",), "local": (), "GREEN": ("BLUE",)}
    assert r.enemy_sides["RED"] == (("BLUE", ("GREEN",)), ("GREEN", ("BLUE",)))
    assert r.barred_to["BLUE"] == {"RED"}  # its ally's ground is open to it
    assert r.changed("RED", "BLUE", "war").changed("GREEN", "BLUE", "war").all_at_war


def test_a_file_without_relations_resolves_as_before():
    plain = load_scenario(TOY)
    assert "relations" not in plain.resolved
    named = load_scenario(TOY, {"relations": {"rb": relation("RED", "BLUE", "neutral")}})
    assert named.resolved["relations"]["rb"]["relation"] == "neutral" and named.sha256 != plain.sha256


def test_fronts_follow_the_relations_and_a_truce_line_is_still_manned():
    view = model().map.view()
    assert view.fronts == {"RED": [2, 5], "BLUE": [0, 5], "GREEN": [1, 3]}
    assert view.threatened == {"RED": [0, 1], "BLUE": [2, 3], "GREEN": [5]}
    view = model(relations={"rb": relation("RED", "BLUE", "truce")}).map.view()
    assert view.fronts == {"RED": [5], "BLUE": [5], "GREEN": [1, 3]}
    assert view.threatened == {"RED": [0, 1], "BLUE": [2, 3], "GREEN": [5]}
    view = model(relations={"rb": relation("RED", "BLUE", "neutral")}).map.view()
    assert view.fronts == {"RED": [5], "BLUE": [5], "GREEN": [1, 3]}
    assert view.threatened == {"RED": [1], "BLUE": [3], "GREEN": [5]}


@pytest.mark.parametrize("rel, crosses", [("war", False), ("truce", False), ("neutral", True), ("allied", True)])
def test_supply_crosses_the_ground_of_a_camp_at_peace_only(rel, crosses):
    m = model(TOY, relations={"rb": relation("RED", "BLUE", rel)})
    view = m.map.view()
    red = m.actor("red_army").index
    assert (m.places.index("east") in view.supplied[red]) is crosses
    assert view.supplied[red] >= {0, 1, 2}  # its own ground and the edge of it


def test_allies_count_as_one_side_in_the_balance():
    m = model(relations={"rb": relation("RED", "BLUE", "allied")})
    totals, win = m.force.totals, m.force.win_probability
    assert win["GREEN"] < win["RED"] == win["BLUE"]
    alone = model(relations={"rb": relation("RED", "BLUE", "neutral")}).force.win_probability
    assert alone["RED"] < win["RED"] and alone["GREEN"] > win["GREEN"]
    assert totals["RED"] + totals["BLUE"] > totals["GREEN"]


def test_a_camp_at_peace_crosses_no_red_line_and_is_no_rival():
    def after_hand_over(rel: str) -> ConflictModel:
        hand = {"date": START, "kind": "capture", "place": "west", "to": "blue_army", "assumption": "test data"}
        m = model(TOY, relations={"rb": relation("RED", "BLUE", rel)}, **{"events.hand": hand})
        m.step()
        return m

    patrons = [p.actor_id for p in model(TOY).patrons]
    assert patrons == ["red_patron", "blue_patron"]
    assert after_hand_over("war").map.view().red_lines_crossed == [True, False]  # West is the red patron's line
    assert after_hand_over("truce").map.view().red_lines_crossed == [True, False]
    assert after_hand_over("neutral").map.view().red_lines_crossed == [False, False]
    assert model(TOY)._rival_support()[0] > 0.0
    assert model(TOY, relations={"rb": relation("RED", "BLUE", "neutral")})._rival_support() == [0.0, 0.0]


def test_a_camp_at_peace_does_not_threaten_a_militias_home():
    from sim.world.camp import CampStanding

    militia = lambda m: m.actor("town_militia")  # noqa: E731 (blue)
    at_war = model(TOY)
    assert CampStanding(at_war, at_war.force).menaces("RED", militia(at_war))
    at_peace = model(TOY, relations={"rb": relation("RED", "BLUE", "neutral")})
    assert not CampStanding(at_peace, at_peace.force).menaces("RED", militia(at_peace))


# ---------------------------------------------------------------------- who fights whom
def test_at_war_everyone_fights_everyone():
    counts = battles()
    assert fought(counts, "RED", "BLUE") > 0 and fought(counts, "GREEN", "BLUE") > 0
    assert fought(counts, "GREEN", "RED") > 0


@pytest.mark.parametrize("rel", ["truce", "neutral", "allied"])
@pytest.mark.parametrize("wants, enemy", [({"west_field": 5.0, "east_port": 5.0}, "BLUE"),
                                          ({"west_field": 7.0, "east_port": 5.0}, "RED")])
def test_two_camps_not_at_war_do_not_fight_while_a_third_fights_both(rel, wants, enemy):
    """Green goes for the place it values most (East port, blue; or West field, red, when it values it more)."""
    counts = battles(relations={"rb": relation("RED", "BLUE", rel)}, **{"parameters.ceasefire_break_rate": 0.0,
                                                                        "actors.green_army.faction.goals": wants})
    assert fought(counts, "RED", "BLUE") == 0
    assert counts["GREEN", enemy] > 50, counts


def test_a_truce_breaks_down_like_a_ceasefire_and_the_war_resumes():
    m = model(relations={"rb": relation("RED", "BLUE", "truce")}, **{"parameters.ceasefire_break_rate": 1.0})
    m.step()
    assert m.map.relations.between("RED", "BLUE") == "war" and m.map.view().fronts["RED"] == [2, 5]
    assert [e.text for e in m.recorder.events if e.kind == "relation"] == [
        "the truce between RED and BLUE breaks down: they are at war again"]
    counts = battles(relations={"rb": relation("RED", "BLUE", "truce")})  # at the usual rate
    assert fought(counts, "RED", "BLUE") > 0


def test_a_truce_breaks_sooner_the_more_the_balance_shifts():
    """Powell (2006): the pair's hazard grows with the largest change of either camp's chance of prevailing since
    the truce began. Green's campaigns shift the balance; without that weight the truce holds far longer."""
    def weeks_held(shift_weight: float) -> int:
        held = 0
        for seed in range(10):
            m = model(relations={"rb": relation("RED", "BLUE", "truce")}, seed=seed,
                      **{"parameters.ceasefire_break_rate": 0.01, "parameters.ceasefire_shift_weight": shift_weight})
            for _ in range(30):
                m.step()
                held += m.map.relations.between("RED", "BLUE") == "truce"
        return held

    assert weeks_held(100.0) < weeks_held(0.0)


# ---------------------------------------------------------------------- the relation event
def test_a_relation_event_ends_a_war_on_its_date():
    s = load_scenario(FIGHTING, {"events.talks": None,
                                 "events.peace": relation_event("2020-04-06", "RED", "BLUE", "neutral")}).scenario
    fought_before = fought_after = 0
    for seed in range(10):
        m = ConflictModel(s, seed=seed)
        for _ in range(horizon_steps(s)):
            m.step()
        for b in m.recorder.battles:
            if b.date <= "2020-04-06":
                fought_before += 1
            else:
                fought_after += 1
        assert [e.text for e in m.recorder.events if e.kind == "relation"] == ["RED and BLUE: neutral (was war)"]
    assert fought_before > 0 and fought_after == 0


def test_a_campaign_ends_when_its_objective_is_no_longer_an_enemys():
    push = {"date": START, "kind": "offensive", "actor": "red_army", "target": "middle", "weeks": 20,
            "assumption": "test data"}
    m = model(FIGHTING, **{"events.talks": None, "events.push": push,
                           "events.peace": relation_event("2020-01-13", "RED", "BLUE", "neutral")})
    m.step()
    assert m.camps["RED"].command.objective == m.places.index("middle")
    m.step()
    assert m.camps["RED"].command.objective is None
    assert "RED campaign on Middle ends: no longer at war with BLUE" in [e.text for e in m.recorder.events]


def test_a_relation_event_can_start_a_war_between_allies():
    war = relation_event("2020-04-06", "RED", "BLUE", "war")
    counts = battles(FIGHTING, relations={"rb": relation("RED", "BLUE", "allied")},
                     **{"events.talks": None, "events.war": war})
    assert fought(counts, "RED", "BLUE") > 0


def test_a_truce_by_event_rests_on_the_balance_of_its_week():
    m = model(**{"events.t": relation_event(START, "RED", "GREEN", "truce")})
    win = dict(m.force.win_probability)
    m.step()
    assert m.peace.truce_balance[frozenset(("RED", "GREEN"))] == {"RED": win["RED"], "GREEN": win["GREEN"]}


# ---------------------------------------------------------------------- bad input and warnings
def validate(cli, tmp_path, body: str):
    f = tmp_path / "v.yaml"
    f.write_text(f"extends: {THREE}\n{body}", encoding="utf-8")
    return f, cli("validate", f)


@pytest.mark.parametrize("camps, message", [
    ("[RED, BLU]", "relations.r.camps.1: unknown camp 'BLU' (did you mean 'BLUE'?)"),
    ("[RED, RED]", "relations.r.camps.1: a relation joins two different camps, not 'RED' with itself"),
    ("[neutral, RED]", "relations.r.camps.0: camp 'neutral' is not armed: an unarmed camp attacks nobody and any "
                       "armed camp may take its places, so it has no relations"),
])
def test_a_bad_relation_is_one_line(cli, tmp_path, camps, message):
    f, res = validate(cli, tmp_path, f"relations:\n  r: {{camps: {camps}, relation: truce, assumption: x y z}}\n")
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and errors == [f"error: {f}:3: {message}"], res.stderr


def test_a_pair_has_one_relation_of_the_four_kinds_and_an_event_names_known_camps(cli, tmp_path):
    f, res = validate(cli, tmp_path, "relations:\n  a: {camps: [RED, BLUE], relation: truce, assumption: x y z}\n"
                                     "  b: {camps: [BLUE, RED], relation: allied, assumption: x y z}\n")
    assert res.returncode == 2
    assert res.stderr.strip() == f"error: {f}:4: relations.b.camps: BLUE and RED already have a relation (relations.a)"
    f, res = validate(cli, tmp_path, "events:\n  e:\n    {kind: relation, date: 2020-02-03, camps: [RED, GREN], "
                                     "relation: war, assumption: x y z}\n")
    assert res.returncode == 2 and "events.e.camps.1: unknown camp 'GREN' (did you mean 'GREEN'?)" in res.stderr
    f, res = validate(cli, tmp_path, "relations:\n  a: {camps: [RED, BLUE], relation: friends, assumption: x y z}\n")
    assert res.returncode == 2 and "relations.a.relation: Input should be 'war', 'truce', 'neutral' or 'allied'" \
        in res.stderr


def test_a_camp_at_peace_with_every_other_warns(cli, tmp_path):
    f, res = validate(cli, tmp_path, "relations:\n  rb: {camps: [RED, BLUE], relation: allied, assumption: x y z}\n"
                                     "  rg: {camps: [GREEN, RED], relation: neutral, assumption: x y z}\n")
    warnings = [x for x in res.stderr.splitlines() if x.startswith("warning:")]
    assert res.returncode == 0 and warnings == [
        f"warning: {f}:3: relations.rb.camps: RED is at peace (neutral or allied) with every other armed camp and "
        "no relation event changes that: it never fights one"]
    f, res = validate(cli, tmp_path, "relations:\n  rb: {camps: [RED, BLUE], relation: allied, assumption: x y z}\n"
                                     "  rg: {camps: [GREEN, RED], relation: neutral, assumption: x y z}\n"
                                     "events:\n  w: {kind: relation, date: 2020-03-02, camps: [RED, GREEN], "
                                     "relation: war, assumption: x y z}\n")
    assert [x for x in res.stderr.splitlines() if x.startswith("warning:")] == []


def test_a_relation_event_that_changes_nothing_warns(cli, tmp_path):
    f, res = validate(cli, tmp_path, "events:\n  w: {kind: relation, date: 2020-03-02, camps: [RED, GREEN], "
                                     "relation: war, assumption: x y z}\n"
                                     "  t: {kind: relation, date: 2020-04-06, camps: [RED, GREEN], "
                                     "relation: truce, assumption: x y z}\n"
                                     "  t2: {kind: relation, date: 2020-05-04, camps: [RED, GREEN], "
                                     "relation: truce, assumption: x y z}\n")
    warnings = [x for x in res.stderr.splitlines() if x.startswith("warning:")]
    assert warnings == [f"warning: {f}:3: events.w.relation: RED and GREEN are already at war then: the event "
                        "changes nothing"]  # a second truce may renew one that broke down


def test_a_relation_rests_on_a_source_or_an_assumption(cli, tmp_path):
    f, res = validate(cli, tmp_path, "relations:\n  rb: {camps: [RED, BLUE], relation: neutral}\n")
    assert res.returncode == 2
    assert res.stderr.strip() == f"error: {f}:3: relations.rb.sources: this relation cites no source and marks no " \
                                 "assumption"
    f, res = validate(cli, tmp_path, "relations:\n  rb: {camps: [RED, BLUE], relation: neutral, assumption: x y z}\n")
    assert res.returncode == 0
    from sim.sources import register

    assert ("relations.rb", "x y z") in register(load_scenario(f).scenario).assumptions


def test_relations_and_splits_give_byte_identical_tables_whatever_the_workers(tmp_path):
    """The truce draws and the relation and split events keep runs reproducible across worker processes."""
    import hashlib

    from sim.outputs import write_tables
    from sim.runner import run_ensemble

    defectors = {"name": "Defectors", "kind": "faction", "camp": "GREEN", "assumption": "test data",
                 "faction": {"fighters": 0, "heavy_weapons": 0.0, "cash": 0, "cohesion": 0.5, "legitimacy": 0.2,
                             "home": "south"}}
    split = {"date": "2020-03-02", "kind": "split", "faction": "blue_army", "to": "defectors", "share": 0.3,
             "assumption": "test data"}
    s = load_scenario(THREE, {"relations": {"rb": relation("RED", "BLUE", "truce")}, "actors.defectors": defectors,
                              "events.split": split,
                              "events.allies": relation_event("2020-06-01", "GREEN", "BLUE", "allied")}).scenario
    digests = []
    for workers in (1, 2):
        folder = tmp_path / str(workers)
        folder.mkdir()
        write_tables(folder, run_ensemble(s, 6, 3, horizon_steps(s), workers=workers))
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())})
    assert digests[0] == digests[1] and len(digests[0]) == 7
