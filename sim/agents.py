"""The actors as Mesa agents, each with its own decisions.

- :class:`FactionAgent`: an armed faction, militia, tribe or political body that can hold places. It turns
  the week's support into capability, pays and recruits, may change camp, takes losses, weighs a deal.
- :class:`PatronAgent`: a foreign state or other backer. It sets its support effort and the levels of its ties.
- :class:`OrganisationAgent`: an organisation such as the UN: convenes conferences, gives recognition.

The model runs each stage over an AgentSet in a fixed order (:meth:`mesa.agent.AgentSet.do`, never shuffled,
so the draws from ``model.rng`` keep their order). A faction's or patron's camp changes only through
:meth:`sim.world.map.Map.change_camp`.
"""

from __future__ import annotations

import mesa

from .bounds import at_least, at_most
from .mechanisms import alignment, combat, diplomacy, economy, support
from .schema import Actor


class ActorAgent(mesa.Agent):
    """Common part: identity, camp and interests (issue -> (position, salience))."""

    def __init__(self, model: mesa.Model, actor_id: str, spec: Actor):
        super().__init__(model)
        self.actor_id = actor_id
        self.name = spec.name
        self.kind = spec.kind.value
        self._camp = spec.camp
        self.interests = {k: (v.position, v.salience) for k, v in spec.interests.items()}
        self.support_given = 0.0
        self.support_received = 0.0
        self.ties_out: list = []  # support ties this actor gives (world.ties.Tie)

    @property
    def camp(self) -> str:
        return self._camp

    def assess_deal(self, positions: dict[str, float]) -> diplomacy.Verdict:
        """The deal's worth to this actor against its private estimate of fighting on (Fearon 1995):
        its camp's chance of prevailing, inflated by the support its camp receives, plus noise."""
        m = self.model
        p = m.params
        p_est = m.force.win_probability.get(self.camp, 0.5) + p.optimism_per_patron_support * m.ties.backing_of(
            self.camp)
        p_est += p.bargaining_noise * float(m.rng.standard_normal())
        p_est = min(1.0, max(0.0, p_est))
        return diplomacy.Verdict(self.actor_id, diplomacy.deal_value(self.interests, positions),
                                 diplomacy.war_value(p_est, p.war_cost_weight))


class FactionAgent(ActorAgent):
    """An armed faction, militia, tribe or political body that can hold places."""

    def __init__(self, model, actor_id, spec, index: int, home_index: int, goals: dict[int, float]):
        super().__init__(model, actor_id, spec)
        f = spec.faction
        self.index = index  # position among the model's factions
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
        self.optimism = f.optimism  # how much its leader over-rates its strength (its camp's command, if it leads)
        self.chosen_camp = self.camp  # this week's choice of camp (see choose_camp)
        # capability this week, own plus support (see receive)
        self.strength_fighters = self.fighters
        self.quality = self.heavy_weapons
        self.air = self.own_air
        self.air_defence = self.own_air_defence
        self.legitimacy = self.base_legitimacy
        self.cover = 0.0
        self.income = 0.0
        self.casualties = 0.0

    # ------------------------------------------------------------------ capability
    def receive(self, fighters: float, quality: float, air: float, air_defence: float, cash: float,
                legitimacy: float, cover: float, support: float) -> None:
        """Own means plus what the ties bring this week (:data:`sim.world.ties.GAINS`)."""
        self.strength_fighters = self.fighters + fighters
        self.quality = at_most(self.heavy_weapons + quality, self.model.params.max_quality)
        self.air = self.own_air + air
        self.air_defence = self.own_air_defence + air_defence
        self.income = cash
        self.legitimacy = at_most(self.base_legitimacy + legitimacy, 1.0)
        self.cover = cover
        self.support_received = support

    def effective_strength(self) -> float:
        return combat.effective_strength(self.strength_fighters, self.quality, self.cohesion)

    # ------------------------------------------------------------------ economy
    def pay_and_recruit(self) -> None:
        """Pay the force from own income and the camp's oil pay; surplus recruits; unpaid fighters lose heart."""
        p = self.model.params
        income = self.income + self.model.camps[self.camp].pay_rate * self.fighters
        self.fighters, self.cash, paid = economy.pay_and_recruit(
            self.fighters, self.cash, income, p.upkeep_per_fighter, p.recruit_per_cash, p.recruit_cap_share,
            p.cash_reserve_weeks)
        if paid >= 1.0:
            self.cohesion = at_most(self.cohesion + p.cohesion_recovery, 1.0)
        else:
            self.cohesion = at_least(self.cohesion - p.unpaid_cohesion_loss * (1.0 - paid), p.cohesion_floor)

    # ------------------------------------------------------------------ alignment
    def choose_camp(self, standing) -> None:
        """A switchable faction (``can_switch``) may reconsider its camp: a logit over what each camp offers it
        (``standing``: a :class:`sim.world.camp.CampStanding` of the start of the stage), with a bonus for
        staying. Sets ``chosen_camp``; :meth:`join_chosen_camp` acts on it once every faction has chosen."""
        m = self.model
        p = m.params
        self.chosen_camp = self.camp
        rate = p.alignment_rate_at_war if standing.war_at_door(self.home) else p.alignment_rate
        if m.rng.random() >= rate:
            return
        own = self.effective_strength()
        options = [c for c in m.geo.joinable_camps if c != self.camp] + [self.camp]
        utilities = {}
        for c in options:
            threat = standing.threat(c, self, own) if c != self.camp and m.geo.is_armed(c) else 0.0
            utilities[c] = m.ties.allied_level(self.actor_id, c) + alignment.camp_utility(
                current=(c == self.camp), pay=standing.pay(c), momentum=standing.momentum(c),
                affinity=alignment.affinity(self.interests, standing.positions(c)), threat=threat,
                legitimacy=standing.legitimacy(c), inertia=p.alignment_inertia, w_pay=p.alignment_pay_weight,
                w_momentum=p.alignment_momentum_weight, w_ideology=p.alignment_ideology_weight,
                w_threat=p.alignment_threat_weight, w_legitimacy=p.alignment_legitimacy_weight)
        self.chosen_camp = alignment.logit_choice(utilities, float(m.rng.random()))

    def join_chosen_camp(self) -> None:
        """Act on the choice of :meth:`choose_camp`."""
        if self.chosen_camp != self.camp:
            old = self.camp
            self.model.map.change_camp(self, self.chosen_camp)
            self.model.log("defection", [self.actor_id], f"{self.name} switches from {old} to {self.camp}")

    # ------------------------------------------------------------------ war
    def take_losses(self, loss: float, max_share: float) -> float:
        """Lose fighters (at most ``max_share`` of them in one battle); returns the loss."""
        cap = self.fighters * max_share
        if loss > cap:
            loss = cap
        self.fighters -= loss
        self.casualties += loss
        return loss

    def after_battle(self, won: bool, change: float, floor: float) -> None:
        """Victory lifts cohesion, defeat lowers it."""
        self.cohesion = at_most(self.cohesion + change, 1.0) if won else at_least(self.cohesion - change, floor)


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
        self.rival_support0 = 0.0  # rival support at the start: the reference of the Richardson reaction
        self.marginal0 = 0.0  # marginal effect of support at the start
        self._plan_version = -1

    def set_reference(self, rival_support: float) -> None:
        """The world at the start is the reference: with nothing changed, support stays at its sourced level."""
        self.rival_support0 = rival_support
        self.marginal0 = support.marginal_effect(self.model.force.win_probability.get(self.camp, 0.5))

    def set_support(self, rival_support: float, red_line_crossed: bool) -> None:
        """Richardson action-reaction: this week's effort, then the level of each adaptive tie."""
        p = self.model.params
        adaptive, level0, caps, cost, budget = self._plan()
        ratio = (rival_support + p.rival_support_floor) / (self.rival_support0 + p.rival_support_floor)
        marginal = support.marginal_effect(self.model.force.win_probability.get(self.camp, 0.5))
        self.effort = support.richardson_step(self.effort, ratio, marginal, self.marginal0, red_line_crossed,
                                              self.resolve, p.support_adjust_rate, p.support_rival_reaction,
                                              p.support_cost_decay, p.support_prospect_weight,
                                              p.red_line_escalation)
        for t, level in zip(adaptive, support.patron_levels(level0, caps, cost, self.effort, budget,
                                                             p.support_headroom_share)):
            t.level = level

    def _plan(self) -> tuple:
        """Its adaptive ties with their baselines, caps and costs, and what its fixed ties leave of its budget;
        rebuilt when an event changes the ties."""
        version = self.model.ties.version
        if version != self._plan_version:
            self._plan_version = version
            adaptive = [t for t in self.ties_out if t.adaptive]
            level0 = [t.level0 for t in adaptive]
            fixed = sum(t.level * t.cost for t in self.ties_out if not t.adaptive)
            self._plan_cache = (adaptive, level0,
                                support.tie_caps(level0, [t.max_level for t in adaptive], self.domestic_constraint),
                                [t.cost for t in adaptive], max(0.0, self.budget - fixed))
        return self._plan_cache


class OrganisationAgent(ActorAgent):
    """An organisation such as the UN: convenes conferences, gives recognition."""
