"""The actors as Mesa agents, each with its own decisions.

- :class:`FactionAgent`: an armed faction, militia, tribe or political body that can hold places. It turns
  the week's support into capability, pays and recruits, may change camp, takes losses, weighs a deal.
- :class:`PatronAgent`: a foreign state or other backer. It sets its support effort and the levels of its ties.
- :class:`OrganisationAgent`: an international organisation (a mediator): convenes conferences, gives recognition.

The model runs each stage over an AgentSet in a fixed order (:meth:`mesa.agent.AgentSet.do`, never shuffled,
so the draws from ``model.rng`` keep their order). A faction's or patron's camp changes only through
:meth:`sim.world.map.Map.change_camp`.
"""

from __future__ import annotations

import mesa

from .bounds import at_least, at_most
from .mechanisms import air as air_mech
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
        its camp's chance of prevailing, inflated by the support its camp receives, plus noise, and what its
        camp's legitimacy over its enemy's is worth at the table (see :func:`sim.mechanisms.diplomacy.war_value`)."""
        m = self.model
        p = m.params
        p_est = m.force.win_probability.get(self.camp, 0.5) + p.optimism_per_patron_support * m.ties.backing_of(
            self.camp)
        p_est += p.bargaining_noise * float(m.rng.standard_normal())
        p_est = min(1.0, max(0.0, p_est))
        return diplomacy.Verdict(self.actor_id, diplomacy.deal_value(self.interests, positions),
                                 diplomacy.war_value(p_est, p.war_cost_weight, self.legitimacy_edge(),
                                                     p.legitimacy_bargaining_weight))

    def legitimacy_edge(self) -> float:
        """Its camp's legitimacy (its most legitimate faction's) over that of the most legitimate camp hostile
        to it."""
        m = self.model
        view = m.map.view()
        factions = m.factions

        def legitimacy(camp: str) -> float:
            return max([factions[fi].legitimacy for fi in view.members.get(camp, ())], default=0.0)
        rivals = view.relations.hostile_to.get(self.camp, ())
        return legitimacy(self.camp) - max([legitimacy(c) for c in rivals], default=0.0)


class FactionAgent(ActorAgent):
    """An armed faction, militia, tribe or political body that can hold places."""

    paid_by_camp = True  # paid from its camp's share of the pooled revenue (a patron's forces are not)
    joins_campaigns = True  # commits its offensive share to its camp's campaigns (a patron's forces do not)

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
        self.switched_at = -10**6  # step of its last change of camp
        # capability this week, own plus support (see receive)
        self.strength_fighters = self.fighters
        self.quality = self.heavy_weapons
        self.air = self.own_air  # stocks: losses in the air war, rebuilt by deliveries (see receive)
        self.air_defence = self.own_air_defence
        self.air_supplied = self.own_air  # what own means and ties supply this week
        self.air_defence_supplied = self.own_air_defence
        self.legitimacy = self.base_legitimacy
        self.cover = 0.0
        self.income = 0.0
        self.takings = 0.0  # $m this week from the places it holds (sources that go to their holder)
        self.casualties = 0.0
        self.captures_go_to = f.captures_go_to  # who takes the places it captures (see Front.receiver)

    # ------------------------------------------------------------------ capability
    def receive(self, fighters: float, quality: float, air: float, air_defence: float, cash: float,
                legitimacy: float, cover: float, support: float) -> None:
        """Own means plus what the ties bring this week (:data:`sim.world.ties.GAINS`); the air stocks move
        towards what is supplied by deliveries (:func:`sim.mechanisms.air.restock`)."""
        self.strength_fighters = self.fighters + fighters
        self.quality = at_most(self.heavy_weapons + quality, self.model.params.max_quality)
        rate = self.model.params.air_delivery_rate
        self.air_supplied = self.own_air + air
        self.air_defence_supplied = self.own_air_defence + air_defence
        self.air = air_mech.restock(self.air, self.air_supplied, rate)
        self.air_defence = air_mech.restock(self.air_defence, self.air_defence_supplied, rate)
        self.income = cash
        self.legitimacy = at_most(self.base_legitimacy + legitimacy, 1.0)
        self.cover = cover
        self.support_received = support

    def fill_stocks(self) -> None:
        """At the start the air stocks are what the sources give (own means and the ties' levels)."""
        self.air = self.air_supplied
        self.air_defence = self.air_defence_supplied

    def effective_strength(self) -> float:
        return combat.effective_strength(self.strength_fighters, self.quality, self.cohesion)

    # ------------------------------------------------------------------ economy
    def pay_and_recruit(self) -> None:
        """Pay the force from own income, the takings of the places it holds and the camp's pay from the pooled
        revenue; surplus recruits (more cheaply the more legitimate the faction); unpaid fighters lose heart."""
        p = self.model.params
        income = self.income + self.takings + self.model.camps[self.camp].pay_rate * self.fighters
        per_cash = economy.recruits_per_cash(p.recruit_per_cash, self.legitimacy, p.legitimacy_recruit_weight)
        self.fighters, self.cash, paid = economy.pay_and_recruit(
            self.fighters, self.cash, income, p.upkeep_per_fighter, per_cash, p.recruit_cap_share,
            p.cash_reserve_weeks)
        if paid >= 1.0:
            self.cohesion = at_most(self.cohesion + p.cohesion_recovery, 1.0)
        else:
            self.cohesion = at_least(self.cohesion - p.unpaid_cohesion_loss * (1.0 - paid), p.cohesion_floor)

    # ------------------------------------------------------------------ alignment
    def choose_camp(self, standing) -> None:
        """A switchable faction (``can_switch``) may reconsider its camp: a logit over what each camp offers it
        (``standing``: a :class:`sim.world.camp.CampStanding` of the start of the stage), with a bonus for
        staying. A faction that changed side less than ``realignment_lock_weeks`` ago does not reconsider: a
        defector has burnt its bridges and must prove itself to its new camp (Staniland 2012; Christia 2012). Sets ``chosen_camp``; :meth:`join_chosen_camp` acts on it once every faction has chosen."""
        m = self.model
        p = m.params
        self.chosen_camp = self.camp
        if m.steps < self.switched_at + p.realignment_lock_weeks:
            return  # it has just changed side: it has burnt its bridges with the camp it left
        rate = p.alignment_rate_at_war if standing.at_stake(self) else p.alignment_rate
        if m.rng.random() >= rate:
            return
        own = self.effective_strength()
        options = [c for c in m.geo.joinable_camps if c != self.camp] + [self.camp]
        utilities = {}
        for c in options:
            threat = standing.threat(c, self, own) if standing.menaces(c, self) else 0.0
            utilities[c] = m.ties.allied_level(self.actor_id, c) + alignment.camp_utility(
                current=(c == self.camp), pay=standing.pay(c), momentum=standing.momentum(c),
                affinity=alignment.affinity(self.interests, standing.positions(c)), threat=threat,
                legitimacy=standing.legitimacy(c), spoils=standing.spoils(c, self), inertia=p.alignment_inertia,
                w_pay=p.alignment_pay_weight, w_momentum=p.alignment_momentum_weight,
                w_ideology=p.alignment_ideology_weight, w_threat=p.alignment_threat_weight,
                w_legitimacy=p.alignment_legitimacy_weight, w_spoils=p.alignment_spoils_weight)
        self.chosen_camp = alignment.logit_choice(utilities, float(m.rng.random()))

    def join_chosen_camp(self) -> None:
        """Act on the choice of :meth:`choose_camp`."""
        if self.chosen_camp != self.camp:
            old = self.camp
            self.model.map.change_camp(self, self.chosen_camp)
            self.switched_at = self.model.steps
            self.model.log("defection", [self.actor_id], f"{self.name} switches from {old} to {self.camp}")

    def split_off(self, share: float, other: "FactionAgent") -> float:
        """A share of the force goes over to the other faction (a split, or a guard that defects), with the same
        share of the cash and of the own air power and air defence (stocks included); the fighters take their
        weapons and their morale with them, so the other's heavy weapons and cohesion become the
        fighter-weighted means. Returns the fighters that went over."""
        moved = self.fighters * share
        if moved > 0.0:
            total = other.fighters + moved
            other.heavy_weapons = (other.heavy_weapons * other.fighters + self.heavy_weapons * moved) / total
            other.cohesion = (other.cohesion * other.fighters + self.cohesion * moved) / total
            other.fighters = total
            self.fighters -= moved
        for name in ("cash", "own_air", "own_air_defence", "air", "air_defence"):
            part = getattr(self, name) * share
            setattr(self, name, getattr(self, name) - part)
            setattr(other, name, getattr(other, name) + part)
        return moved

    # ------------------------------------------------------------------ war
    def take_losses(self, loss: float, max_share: float) -> float:
        """Lose fighters (at most ``max_share`` of them in one battle); returns the loss."""
        cap = self.fighters * max_share
        if loss > cap:
            loss = cap
        self.fighters -= loss
        self.casualties += loss
        return loss

    def lose_air(self, air_lost: float, air_defence_lost: float) -> None:
        """Aircraft and drones shot down, air-defence systems destroyed (see :class:`sim.world.air.AirWar`)."""
        self.air = at_least(self.air - air_lost, 0.0)
        self.air_defence = at_least(self.air_defence - air_defence_lost, 0.0)

    def after_battle(self, won: bool, change: float, floor: float) -> None:
        """Victory lifts cohesion, defeat lowers it."""
        self.cohesion = at_most(self.cohesion + change, 1.0) if won else at_least(self.cohesion - change, floor)


class ExpeditionaryForce(FactionAgent):
    """A patron's own forces in the theatre: they hold and defend places in their patron's camp and count in its
    strength, but take no part in its campaigns. Their patron keeps them paid: they draw no pay from the camp,
    do not recruit and do not lose heart for want of pay; losses are not replaced."""

    paid_by_camp = False
    joins_campaigns = False

    def pay_and_recruit(self) -> None:
        """Paid by the patron, outside the theatre's economy: nothing changes."""


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
        self.funds = 0.0  # budget units a week that other patrons give it (ties to it, last week's levels)
        self.forces: ExpeditionaryForce | None = None  # its own forces in the theatre, if any
        self.rival_support0 = 0.0  # rival support at the start: the reference of the Richardson reaction
        self.marginal0 = 0.0  # marginal effect of support at the start
        self._plan_version = -1

    def set_reference(self, rival_support: float) -> None:
        """The world at the start is the reference: with nothing changed, support stays at its sourced level."""
        self.rival_support0 = rival_support
        self.marginal0 = support.marginal_effect(self.model.force.win_probability.get(self.camp, 0.5))

    def set_support(self, rival_support: float, red_line_crossed: bool) -> None:
        """Richardson action-reaction: this week's effort, then the level of each adaptive tie. A patron matches
        a rival's escalation in proportion to its risk tolerance: escalating against another state's
        intervention risks a direct clash (restraint; see :mod:`sim.mechanisms.deterrence`)."""
        p = self.model.params
        adaptive, level0, caps, cost, budget = self._plan()
        ratio = (rival_support + p.rival_support_floor) / (self.rival_support0 + p.rival_support_floor)
        marginal = support.marginal_effect(self.model.force.win_probability.get(self.camp, 0.5))
        self.effort = support.richardson_step(self.effort, ratio, marginal, self.marginal0, red_line_crossed,
                                              self.resolve, p.support_adjust_rate,
                                              p.support_rival_reaction * self.risk_tolerance,
                                              p.support_cost_decay, p.support_prospect_weight,
                                              p.red_line_escalation)
        for t, level in zip(adaptive, support.patron_levels(level0, caps, cost, self.effort, budget,
                                                             p.support_headroom_share)):
            t.level = level

    def _plan(self) -> tuple:
        """Its adaptive ties with their baselines, caps and costs (rebuilt when an event changes the ties), and
        what its fixed ties leave of its budget and of the funds other patrons give it this week."""
        version = self.model.ties.version
        if version != self._plan_version:
            self._plan_version = version
            adaptive = [t for t in self.ties_out if t.adaptive]
            level0 = [t.level0 for t in adaptive]
            fixed = sum(t.level * t.cost for t in self.ties_out if not t.adaptive)
            self._plan_cache = (adaptive, level0,
                                support.tie_caps(level0, [t.max_level for t in adaptive], self.domestic_constraint),
                                [t.cost for t in adaptive], fixed)
        adaptive, level0, caps, costs, fixed = self._plan_cache
        return adaptive, level0, caps, costs, max(0.0, self.budget + self.funds - fixed)


class OrganisationAgent(ActorAgent):
    """An international organisation (a mediator): convenes conferences, gives recognition."""
