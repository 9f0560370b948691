"""The worked examples of docs/architecture.md: a new event kind, a new mechanism and a new kind of agent,
each added from outside the package, as a user would."""

import datetime as dt
from types import SimpleNamespace

import pytest

from conftest import TOY
from sim import events
from sim.agents import FactionAgent
from sim.model import ConflictModel
from sim.runner import horizon_steps
from sim.scenario import load_scenario
from sim.schema import ActorKind

TOY_S = load_scenario(TOY).scenario


# ---------------------------------------------------------------- an event kind
@pytest.fixture
def sanctions_kind():
    """A toy event kind: sanctions cut a patron's budget. Registered for the test, then removed."""

    @events.handles("sanctions")
    def sanctions(model, event_id, ev):
        patron = model.actor(ev.patron)
        patron.budget *= 1.0 - ev.cut
        model.log("sanctions", [ev.patron], f"sanctions cut {patron.name}'s budget by {ev.cut:.0%}")

    yield sanctions
    del events.HANDLERS["sanctions"]


def test_a_new_event_kind_acts_when_registered(sanctions_kind):
    m = ConflictModel(TOY_S, seed=1)
    m.schedule.add("sanctions_on_red", SimpleNamespace(kind="sanctions", date=dt.date(2020, 2, 1),
                                                       patron="red_patron", cut=0.5))
    before = m.actor("red_patron").budget
    for _ in range(3):
        m.step()
    assert m.actor("red_patron").budget == before  # not yet: it acts in the first week after its date
    for _ in range(2):
        m.step()
    assert m.actor("red_patron").budget == pytest.approx(before / 2)
    logged = [e for e in m.recorder.events if e.kind == "sanctions"]
    assert len(logged) == 1 and logged[0].date == "2020-02-03"


def test_every_event_kind_of_the_schema_has_a_handler():
    from typing import get_args

    from sim.schema import Event

    kinds = {cls.model_fields["kind"].annotation.__args__[0] for cls in get_args(get_args(Event)[0])}
    assert kinds and kinds <= set(events.HANDLERS)


# ---------------------------------------------------------------- a mechanism
class WearyModel(ConflictModel):
    """War weariness: every week at war costs each armed faction some cohesion (a new stage of the week)."""

    weariness = 0.01

    def step(self):
        super().step()
        self.faction_set.do("grow_weary", self.weariness)


def grow_weary(faction, rate):
    if faction.model.geo.is_armed(faction.camp):
        faction.cohesion = max(faction.model.params.cohesion_floor, faction.cohesion - rate)


def test_a_new_mechanism_changes_the_war(monkeypatch):
    monkeypatch.setattr(FactionAgent, "grow_weary", grow_weary, raising=False)
    plain, weary = ConflictModel(TOY_S, seed=3), WearyModel(TOY_S, seed=3)
    for _ in range(horizon_steps(TOY_S)):
        plain.step()
        weary.step()
    red = [m.actor("red_army").cohesion for m in (plain, weary)]
    assert red[1] < red[0]
    assert weary.actor("mediator").camp == "neutral"


# ---------------------------------------------------------------- a kind of agent
class LoyalFaction(FactionAgent):
    """A faction that never changes camp, whatever it is offered."""

    def choose_camp(self, standing):
        self.chosen_camp = self.camp


class LoyalModel(ConflictModel):
    agent_classes = {**ConflictModel.agent_classes, ActorKind.faction: LoyalFaction}


def test_a_new_agent_class_takes_its_own_decisions():
    # the toy militia is wooed hard: a high alignment rate and no switching cost
    eager = load_scenario(TOY, {"parameters.alignment_rate": 1.0, "parameters.alignment_inertia": 0.0}).scenario
    switches = {}
    for cls in (ConflictModel, LoyalModel):
        m = cls(eager, seed=2)
        assert all(type(f) is (LoyalFaction if cls is LoyalModel else FactionAgent) for f in m.factions)
        for _ in range(20):
            m.step()
        switches[cls] = sum(e.kind == "defection" for e in m.recorder.events)
    assert switches[ConflictModel] > 0 and switches[LoyalModel] == 0
