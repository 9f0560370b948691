"""The actors as Mesa agents: factions that hold ground and fight, patrons that
support them, organisations that convene talks. State only; the mechanisms that
change it live in :mod:`sim.mechanisms` and are wired together by the model."""

from __future__ import annotations

import mesa

from .schema import Actor


class ActorAgent(mesa.Agent):
    """Common part: identity, camp and interests (issue -> (position, salience))."""

    def __init__(self, model: mesa.Model, actor_id: str, spec: Actor):
        super().__init__(model)
        self.actor_id = actor_id
        self.name = spec.name
        self.kind = spec.kind.value
        self.camp = spec.camp
        self.interests = {k: (v.position, v.salience) for k, v in spec.interests.items()}
        self.support_given = 0.0
        self.support_received = 0.0
        self.ties_out: list = []  # support ties this actor gives (TieState), kept by the model


class FactionAgent(ActorAgent):
    """A Libyan armed faction, militia, tribe or political body that can hold places."""

    def __init__(self, model, actor_id, spec, home_index: int, goals: dict[int, float]):
        super().__init__(model, actor_id, spec)
        f = spec.faction
        self.fighters = float(f.fighters)
        self.heavy_weapons = f.heavy_weapons
        self.own_air = f.air
        self.own_air_defence = f.air_defence
        self.cash = f.cash
        self.cohesion = f.cohesion
        self.base_legitimacy = f.legitimacy
        self.home = home_index
        self.goals = dict(goals)
        self.can_switch = f.can_switch
        # capability this week, own plus support (set by the model each step)
        self.strength_fighters = self.fighters
        self.quality = self.heavy_weapons
        self.air = self.own_air
        self.air_defence = self.own_air_defence
        self.legitimacy = self.base_legitimacy
        self.cover = 0.0
        self.income = 0.0
        self.casualties = 0.0


class PatronAgent(ActorAgent):
    """A foreign state or patron: budget, resolve, constraints and red lines."""

    def __init__(self, model, actor_id, spec, red_lines: list[int]):
        super().__init__(model, actor_id, spec)
        p = spec.patron
        self.budget = p.budget
        self.resolve = p.resolve
        self.risk_tolerance = p.risk_tolerance
        self.domestic_constraint = p.domestic_constraint
        self.red_lines = red_lines
        self.effort = 1.0
        self.rival_support0 = 0.0
        self.marginal0 = 0.0


class OrganisationAgent(ActorAgent):
    """An organisation such as the UN: convenes conferences, gives recognition."""
