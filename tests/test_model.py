"""The model as a whole: invariants, determinism, the engine's independence from any theatre."""

import hashlib
import re
from pathlib import Path
import inspect
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHIPPED
from conftest import SCENARIOS, TOY
from sim.agents import FactionAgent
from sim.model import ConflictModel
from sim.world.map import MapView
from sim.world.ties import GAINS
from sim.outputs import write_tables
from sim.runner import horizon_steps, run_ensemble, run_one
from sim.scenario import load_scenario

LIBYA = load_scenario(SCENARIOS / "libya_2018_11.yaml").scenario
TOY_S = load_scenario(TOY).scenario


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), scenario=st.sampled_from(["libya", "toy"]))
def test_invariants_hold_every_week(seed, scenario):
    s = LIBYA if scenario == "libya" else TOY_S
    m = ConflictModel(s, seed=seed)
    factions = {f.actor_id for f in m.factions}
    last_casualties = 0.0
    for _ in range(horizon_steps(s)):
        m.step()
        # every place has a known controller, which is a faction
        assert all(0 <= fi < len(m.factions) for fi in m.controller)
        assert {m.factions[fi].actor_id for fi in m.controller} <= factions
        shares = m.map.view().shares
        for k in range(3):  # territory, population and oil shares each sum to one
            assert sum(v[k] for v in shares.values()) == pytest.approx(1.0)
        assert m.casualties >= last_casualties >= 0.0
        last_casualties = m.casualties
        for f in m.factions:
            assert f.fighters >= 0 and f.cash >= 0 and 0.0 <= f.cohesion <= 1.0
        for t in m.ties.ties:
            assert 0.0 <= t.level <= max(t.max_level, t.level0) + 1e-9


@pytest.mark.parametrize("name", ["palermo_failed", "france_backs_haftar"])
def test_what_is_derived_from_the_map_is_never_stale(name):
    """Control, fronts, shares, supply lines and red lines are derived once per state of the map;
    after every week they must equal those of a fresh view of the agents as they are
    (captures, defections and realignments included)."""
    s = load_scenario(SCENARIOS / f"{name}.yaml").scenario
    changes = 0
    for seed in range(4):
        m = ConflictModel(s, seed=seed, record=False)
        for _ in range(horizon_steps(s)):
            before = m.map.version
            m.step()
            changes += m.map.version != before
            view = m.map.view()
            assert view.faction_camps == tuple(f.camp for f in m.factions)
            assert view.patron_camps == tuple(p.camp for p in m.patrons)
            fresh = MapView(m.geo, view.controller, view.faction_camps, view.patron_camps, [f.home for f in m.factions],
                            [p.red_lines for p in m.patrons])
            for name in ("place_camps", "members", "fronts", "threatened", "shares", "capital_camp",
                         "red_lines_crossed", "supply_bases", "reach"):
                assert getattr(view, name) == getattr(fresh, name), name
    assert changes > 10  # the map did change, so the derived values were recomputed


def test_a_faction_receives_the_gains_of_its_ties_in_their_order():
    assert list(inspect.signature(FactionAgent.receive).parameters)[1:] == list(GAINS)


def test_a_camp_changes_only_through_the_map():
    m = ConflictModel(TOY_S, seed=1)
    militia = m.actor("town_militia")
    with pytest.raises(AttributeError):
        militia.camp = "RED"
    view = m.map.view()
    assert view.members["BLUE"] == [1, 2]
    m.map.change_camp(militia, "RED")
    assert militia.camp == "RED"
    assert m.map.view() is not view and m.map.view().members == {"RED": [0, 2], "BLUE": [1], "neutral": []}
    assert view.members["BLUE"] == [1, 2]  # an old view does not change


def test_model_state_stays_in_python_floats():
    """Numpy scalars leaking into agent state make every later step several times slower."""
    m = ConflictModel(LIBYA, seed=3)
    for _ in range(30):
        m.step()
    leaks = [(type(a).__name__, k) for a in [*m.factions, *m.patrons] for k, v in vars(a).items()
             if isinstance(v, np.generic)]
    leaks += [("tie", k) for t in m.ties.ties for k in t.__slots__ if isinstance(getattr(t, k), np.generic)]
    leaks += [("model", k) for k, v in vars(m).items() if isinstance(v, np.generic)]
    assert not leaks


def test_all_randomness_from_the_model_generator():
    # the global generators in another state before each run (pytest-randomly reseeds them for every test)
    random.seed(1)
    np.random.seed(1)
    a = run_one(LIBYA, 7, 30)
    random.seed(2)
    np.random.seed(2)
    b = run_one(LIBYA, 7, 30)
    c = run_one(LIBYA, 8, 30)
    assert a.summary == b.summary and a.recorder.events == b.recorder.events
    assert a.recorder.snapshots == b.recorder.snapshots
    assert a.recorder.snapshots != c.recorder.snapshots  # the seed matters


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_scenario_and_seed_give_byte_identical_tables_whatever_the_workers(tmp_path):
    steps = horizon_steps(LIBYA)
    one = run_ensemble(LIBYA, 10, 3, steps, workers=1)
    two = run_ensemble(LIBYA, 10, 3, steps, workers=2)
    again = run_ensemble(LIBYA, 10, 3, steps, workers=2)
    for name, res in (("one", one), ("two", two), ("again", again)):
        (tmp_path / name).mkdir()
        write_tables(tmp_path / name, res)
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two") == _digest(tmp_path / "again")
    assert len(_digest(tmp_path / "one")) == 7


# Words of the theatres that are not ids of the shipped scenarios: the countries, their people, leaders and the
# questions' events. Generic words that a scenario also uses as an id are not theatre names: the camps 'local'
# and 'neutral'. The project's own name may stay: libya-sim, libya_sim, the variables LIBYA_SIM_*.
THEATRE_WORDS = {"libya", "libyan", "libyans", "haftar", "sarraj", "palermo", "kaniyat", "wagner", "turkish",
                 "russian", "emirati", "egyptian", "qatari", "italian", "french", "american", "british",
                 "sudanese", "chadian", "tuareg", "tebu", "fezzan", "cyrenaica", "tripolitania", "berlin",
                 "moscow", "istanbul", "skhirat",
                 "syria", "syrian", "syrians", "assad", "kurdish", "kurds", "hezbollah", "nusra", "geneva", "munich"}
# 'regime' is also the Syria scenarios' camp, and the word for an arms embargo's rules (sim/world/embargo.py)
GENERIC_IDS = {"local", "neutral", "regime"}
PROJECT_NAME = re.compile(r"libya[-_]sim|LIBYA_SIM_[A-Z_]*", re.IGNORECASE)


def theatre_names() -> set[str]:
    """Every id of every shipped scenario of every theatre (actors, places, camps, scenario names) and
    THEATRE_WORDS."""
    names = set(THEATRE_WORDS)
    for f in SHIPPED:
        s = load_scenario(f).scenario
        names |= set(s.actors) | set(s.territory.places) | set(s.camps) | {f.stem}
    return {n.lower() for n in names} - GENERIC_IDS


def theatre_names_in(text: str, names: set[str]) -> list[str]:
    """The names that occur in the text as whole words (an id inside a longer identifier counts: a word
    ends at anything but a letter or a digit)."""
    text = PROJECT_NAME.sub(" ", text).lower()
    words = set(re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)*", text))
    parts = {p for w in words for p in w.split("_")}
    return sorted(n for n in names if n in words or n in parts
                  or ("_" in n and re.search(rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])", text)))


def test_engine_knows_nothing_of_libya():
    """No file of sim/ (code, strings, comments, docstrings, help, CSS, data file names) names the theatre:
    every actor, place, camp and scenario is in the YAML files."""
    names = theatre_names()
    src = Path(__file__).resolve().parent.parent / "sim"
    files = [p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    hits = {str(p.relative_to(src)): found for p in files
            if (found := theatre_names_in(p.relative_to(src).as_posix(), names)
                + (theatre_names_in(p.read_text(encoding="utf-8"), names) if p.suffix == ".py" else []))}
    assert not hits, hits


def test_the_name_check_finds_a_theatre_name():
    names = theatre_names()
    assert theatre_names_in('PREFERRED = ("turkey", "russia")', names) == ["russia", "turkey"]
    assert theatre_names_in("# the Kaniyat of Tarhuna changed sides", names) == ["kaniyat", "tarhuna"]
    assert theatre_names_in("data/outline_libya.json", names) == ["libya"]
    assert theatre_names_in("help='(default: libya_2018_11)'", names) == ["libya", "libya_2018_11"]
    assert theatre_names_in("libya-sim run; LIBYA_SIM_VIZ_SEED; meta['libya_sim']", names) == []
    assert theatre_names_in("a local militia, neutral ground; tripolitan", names) == []


def test_patron_support_escalates_against_a_rival():
    # the toy scenario's blue patron reacts when the red patron doubles its drones
    base = load_scenario(TOY).scenario
    pushed = load_scenario(TOY, {"ties.red_drones.level": 1.5, "ties.red_drones.max_level": 1.5}).scenario
    m0, m1 = ConflictModel(base, 1), ConflictModel(pushed, 1)
    m1.patrons[0].rival_support0 = m0.patrons[0].rival_support0  # same reference point
    m1.patrons[1].rival_support0 = m0.patrons[1].rival_support0
    for _ in range(10):
        m0.step()
        m1.step()
    blue0 = next(p for p in m0.patrons if p.actor_id == "blue_patron").effort
    blue1 = next(p for p in m1.patrons if p.actor_id == "blue_patron").effort
    assert blue1 > blue0


def test_forced_conference_outcomes_are_logged():
    ok = load_scenario(TOY, {"events.talks.outcome": "agreement"}).scenario
    no = load_scenario(TOY, {"events.talks.outcome": "failure", "events.talks.walkout": "red_army"}).scenario
    a = run_one(ok, 1, 30)
    b = run_one(no, 1, 30)
    assert any("Summer talks: agreement" in e[4] for e in a.recorder.events)
    assert any(e[4] == "Summer talks: no agreement, Red Army left early" for e in b.recorder.events)
    assert a.summary["ceasefire_week"] is not None and b.summary["ceasefire_week"] is None


def test_a_week_creates_no_reference_cycles():
    """run_one pauses the cyclic garbage collector during the weeks; that is only safe if they make no cycles."""
    import gc

    m = ConflictModel(load_scenario(SCENARIOS / "palermo_failed.yaml").scenario, seed=1)
    gc.collect()
    gc.disable()
    try:
        for _ in range(100):
            m.step()
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_run_frees_its_model_before_it_returns():
    """run_one pauses the cyclic garbage collector for the whole run and frees the model (a cycle of agents and
    model) itself at the end: no garbage of the run is left for a later collection, and the collector is on
    again afterwards."""
    import gc

    from mesa import Agent

    s = load_scenario(SCENARIOS / "palermo_failed.yaml").scenario
    gc.collect()
    result = run_one(s, 1, 20)
    assert gc.isenabled()
    # Only the run's own objects count: a thread another test left behind may free garbage of its own meanwhile.
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, (ConflictModel, Agent))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert not left, left[:5]
    assert result.recorder.snapshots  # what the run recorded is the caller's


def test_camp_choices_read_one_start_of_stage_view():
    """Factions choose their camp simultaneously: what a camp offers is read from the map as the stage
    began, so a faction that has already switched does not change what the next one sees."""
    from sim.world.camp import CampStanding

    m = ConflictModel(TOY_S, seed=1)
    militia, red = m.actor("town_militia"), m.actor("red_army")
    asked_before, asked_after = CampStanding(m, m.force), CampStanding(m, m.force)
    seen = [(s.positions(c), s.legitimacy(c), s.threat(c, red, 1.0)) for s in [asked_before] for c in ("RED", "BLUE")]
    m.map.change_camp(militia, "RED")  # one faction acts on its choice
    seen_later = [(asked_after.positions(c), asked_after.legitimacy(c), asked_after.threat(c, red, 1.0))
                  for c in ("RED", "BLUE")]
    assert seen_later == seen
    assert CampStanding(m, m.force).threat("BLUE", red, 1.0) == seen[1][2]  # same stage, same view
