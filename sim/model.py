"""The conflict model: builds the world and the agents from a scenario, and wires the week.

A step is one week:

1. scheduled events of the week act (:mod:`sim.events`);
2. patrons set their support (:meth:`PatronAgent.set_support`: Richardson action-reaction), within their budget
   and what other patrons gave them last week (ties to a patron);
3. support becomes capability (:meth:`FactionAgent.receive`; the arms embargo bites unless shielded);
4. economy: the revenue of places, pooled through the capital and shared between camps, or taken by their
   holders (:class:`sim.world.economy.Economy`), then every faction pays and recruits
   (:meth:`FactionAgent.pay_and_recruit`);
5. the balance of strength is measured; switchable militias and tribes choose a camp, all on the same
   start-of-stage view, then act on their choice (:meth:`FactionAgent.choose_camp`); the balance is
   measured again if a camp changed;
6. combat on the frontier (:class:`sim.world.front.Front`): campaigns, the air war over each battle
   (:class:`sim.world.air.AirWar`), contests, attrition, captures;
7. a ceasefire may break down, and so may each truce between two camps (:class:`sim.world.peace.PeaceProcess`);
8. the week is recorded (:class:`sim.record.Recorder`).

Nothing here names a theatre: actors, camps, places and issues come from the scenario.
"""

from __future__ import annotations

import datetime as dt

import mesa

from . import outcomes
from .agents import ExpeditionaryForce, FactionAgent, OrganisationAgent, PatronAgent
from .events import Schedule
from .record import EventRow, Recorder
from .schema import ActorKind, Scenario, expeditionary_forces
from .world.air import AirWar
from .world.camp import Balance, Camp, CampStanding
from .world.command import Command
from .world.economy import Economy
from .world.embargo import ArmsEmbargo
from .world.front import Front
from .world.geography import Geography
from .world.map import Map
from .world.peace import PeaceProcess
from .world.ties import SupportNetwork, Tie


class ConflictModel(mesa.Model):
    """A proxy war on a graph of key places, driven by a validated :class:`Scenario`."""

    # the agent class of each kind of actor; a subclass may map a kind to its own agent class
    agent_classes = {ActorKind.faction: FactionAgent, ActorKind.patron: PatronAgent,
                     ActorKind.organisation: OrganisationAgent}
    forces_class = ExpeditionaryForce  # a patron's own forces (after the scenario's factions)

    def __init__(self, scenario: Scenario, seed: int = 0, record: bool = True):
        super().__init__(rng=seed)
        self.spec = scenario
        self.seed = seed
        self.params = scenario.parameters
        self.start_date = scenario.start_date
        self.geo = Geography(scenario, self.params)
        self._create_agents(scenario)
        self.factions: list[FactionAgent] = self._agents_of(ActorKind.faction)
        self.patrons: list[PatronAgent] = self._agents_of(ActorKind.patron)
        self.organisations: list[OrganisationAgent] = self._agents_of(ActorKind.organisation)
        self.others = self.patrons + self.organisations  # recorded after the factions, in this order
        self.faction_set = mesa.agent.AgentSet(self.factions, random=self.random)  # stages run over it in order
        self.switchable = self.faction_set.select(lambda f: f.can_switch)  # may change camp
        self.faction_index = {f.actor_id: f.index for f in self.factions}
        # actor id -> the faction agent that holds its places (a patron's: its own forces)
        self.holders = {**{f.actor_id: f for f in self.factions},
                        **{p.actor_id: p.forces for p in self.patrons if p.forces is not None}}
        self.camps = {c: Camp(c, spec.armed, spec.accepts_defectors, self._command(c, spec) if spec.armed else None,
                              spec.captures_go_to) for c, spec in scenario.camps.items()}
        self.map = Map(self.geo, [self.holders[scenario.territory.places[p].controller].index
                                  for p in self.geo.places.ids],
                       self.factions, self.patrons)
        self.ties = SupportNetwork(self._by_id, self.faction_index, lambda a: isinstance(a, PatronAgent))
        effects = self.params.channel_effects
        for tid, t in scenario.ties.items():
            self.ties.add(Tie(tid, t.source, t.target, t.channel, t.level, t.max_level, t.adaptive,
                              effects.get(t.channel)))
        self.schedule = Schedule(scenario.events)
        self.economy = Economy(self.geo, self.params, scenario)
        self.peace = PeaceProcess(self)
        self.front = Front(self)
        self.air = AirWar(self)
        self.embargo = ArmsEmbargo()
        self.recorder = Recorder(full=record)
        self.recorder.describe(self)
        self._date_text = (-1, "")

        self.ties.refresh_levels()
        self._receive_support()
        self.faction_set.do("fill_stocks")
        self._measure_balance()
        for patron, rival in zip(self.patrons, self._rival_support()):
            patron.set_reference(rival)
        for a, b in self.map.relations.truces:  # truces standing at the start rest on the balance at the start
            self.peace.start_truce(a, b)
        self.recorder.record_week(self)

    def _create_agents(self, scenario: Scenario) -> None:
        pidx = {p: i for i, p in enumerate(scenario.territory.places)}
        self._by_id: dict[str, object] = {}
        n_factions = 0
        for aid, spec in scenario.actors.items():
            cls = self.agent_classes[spec.kind]
            if spec.kind == ActorKind.faction:
                goals = {pidx[p]: w for p, w in spec.faction.goals.items()}
                agent = cls(self, aid, spec, n_factions, pidx[spec.faction.home], goals)
                n_factions += 1
            elif spec.kind == ActorKind.patron:
                agent = cls(self, aid, spec, [pidx[p] for p in spec.patron.red_lines])
            else:
                agent = cls(self, aid, spec)
            self._by_id[aid] = agent
        for patron_id, forces_id, spec in expeditionary_forces(scenario):
            force = self.forces_class(self, forces_id, spec, n_factions, pidx[spec.faction.home], {})
            n_factions += 1
            self._by_id[forces_id] = self._by_id[patron_id].forces = force

    def _command(self, camp: str, spec) -> Command:
        """A camp's command: its starting offensive capacity, and the optimism of its strongest faction."""
        members = [f for f in self.factions if f.camp == camp and f.joins_campaigns]
        leader = max(members, key=lambda f: (f.fighters, -f.index), default=None)
        capacity = spec.offensive_capacity if spec.offensive_capacity is not None else \
            self.params.initial_offensive_capacity
        command = Command(camp, capacity, leader.optimism if leader else 0.0)
        if spec.campaign is not None:  # under way at the start: its commitment is behind it
            command.objective = self.geo.places.index(spec.campaign)
        return command

    def _agents_of(self, kind: ActorKind) -> list:
        """The agents of one kind of actor, in scenario order."""
        return [a for a in self._by_id.values() if a.kind == kind.value]

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        self.front.battles_this_week = []
        self.schedule.apply_due(self)
        self._set_support()
        self._receive_support()
        self.economy.pay(self.map.view(), self.camps, self.factions)
        self.faction_set.do("pay_and_recruit")
        self._measure_balance()
        self.switchable.do("choose_camp", CampStanding(self, self.force))  # all choose, then all act
        self.switchable.do("join_chosen_camp")
        if self.map.view() is not self.force.view:  # combat reads the map as realignment left it
            self._measure_balance()
        self.front.fight(self.force)
        self.peace.breakdown()
        self.recorder.record_week(self)

    def _measure_balance(self) -> None:
        self.force = Balance.measure(self.factions, self.map.view(), self.geo.camps, self.geo.armed_camps,
                                     self.params.contest_decisiveness)

    def _rival_support(self) -> list[float]:
        view = self.map.view()
        return self.ties.rival_support(self.patrons, view.relations.hostile_to, self.geo.camps, view.faction_camps,
                                       view.patron_camps)

    def _set_support(self) -> None:
        """Every patron reacts to last week's levels (what each camp receives, and what it gives itself)."""
        if self.patrons:
            self.ties.ensure_arrays()  # the ties as the week's events left them
            if self.ties.to_patrons:  # what other patrons gave each patron last week adds to its budget
                for patron, funds in zip(self.patrons, self.ties.funds(self.patrons)):
                    patron.funds = patron.support_received = funds
            rival, crossed = self._rival_support(), self.map.view().red_lines_crossed
            for patron, r, c in zip(self.patrons, rival, crossed):
                patron.set_support(r, c)
        self.ties.refresh_levels()

    def _receive_support(self) -> None:
        gains, given = self.ties.gains(self.embargo.on_ties(self.ties.ties, self.map.view(), self.faction_index))
        for f, g in zip(self.factions, gains):
            f.receive(*g)
        for agent, amount in zip(self._by_id.values(), given):
            agent.support_given = amount

    # ------------------------------------------------------------------ lookups
    def actor(self, actor_id: str):
        return self._by_id[actor_id]

    def holder(self, actor_id: str):
        """The faction agent that holds places for the actor: a faction itself, a patron's own forces."""
        return self.holders[actor_id]

    def name_of(self, actor_id: str | None) -> str:
        return self._by_id[actor_id].name if actor_id in self._by_id else str(actor_id)

    def log(self, kind: str, actors: list[str], text: str) -> None:
        self.recorder.events.append(EventRow(self.steps, self.date_text(), kind, ";".join(actors), text))

    @property
    def week(self) -> int:
        return self.steps

    @property
    def date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=7 * self.steps)

    def date_text(self) -> str:
        """The week's date as ISO text (as recorded), computed once per week."""
        if self._date_text[0] != self.steps:
            self._date_text = (self.steps, self.date.isoformat())
        return self._date_text[1]

    # read-only views for the viewer and the tests
    @property
    def places(self):
        return self.geo.places

    @property
    def controller(self) -> tuple[int, ...]:
        return self.map.view().controller

    def camp_of(self, place: int) -> str:
        return self.map.view().place_camps[place]

    @property
    def casualties(self) -> float:
        return self.front.casualties

    @property
    def battles_this_week(self) -> list[tuple[int, int, bool]]:
        return self.front.battles_this_week

    @property
    def ceasefire_camps(self) -> set[str]:
        return self.peace.ceasefire_camps

    @property
    def agreement(self) -> bool:
        return self.peace.agreement

    @property
    def blockading(self) -> set[int]:
        return self.economy.blockading

    def summary(self) -> dict[str, object]:
        """One row of outcomes for this run (the columns of summary.csv; see :mod:`sim.outcomes`)."""
        return outcomes.summarise(self)


def steps_until(start: dt.date, until: dt.date) -> int:
    """Whole weeks from start up to (not beyond) the date."""
    return max(0, (until - start).days // 7)
