"""The peace process: conferences, ceasefires and agreements (see :mod:`sim.mechanisms.diplomacy`).

At a conference each key party weighs the deal on the table against fighting on
(:meth:`sim.agents.ActorAgent.assess_deal`); all accept: an agreement (ceasefire,
revenue sharing, unification roadmap); otherwise the party with the largest
deficit walks out. A ceasefire cuts offensives and breaks down at a rate that
grows with the unhappiest party's deficit.

A truce between two camps (a relation, :mod:`.relations`) stops their attacks on each other only, and breaks
down with the same hazard computed for the pair: it rests on no deal, so only the shift of the balance since it
began raises it (Powell 2006). The two are then at war again.
"""

from __future__ import annotations

from ..mechanisms import diplomacy


class PeaceProcess:
    """Standing ceasefires and agreements."""

    def __init__(self, model):
        self.model = model
        self.ceasefire_camps: set[str] = set()
        self.deal: tuple[list[str], dict[str, float]] | None = None  # (parties, positions) a ceasefire rests on
        self.agreement = False  # an agreement holds now
        self.agreement_reached = False
        self.first_ceasefire_week: int | None = None
        self.balance_at_start: dict[str, float] = {}  # each camp's chance of prevailing when the ceasefire began
        self.truce_balance: dict[frozenset[str], dict[str, float]] = {}  # the same, per truce between two camps

    def restrains(self, camp: str, rng) -> bool:
        """Does a ceasefire hold the camp back from attacking this week? (one draw if it is in one)"""
        return camp in self.ceasefire_camps and rng.random() >= self.model.params.ceasefire_intensity

    def start_ceasefire(self, camps: set[str], parties: list[str], positions: dict[str, float]) -> None:
        self.ceasefire_camps |= camps
        self.deal = (parties, positions)
        self.balance_at_start = dict(self.model.force.win_probability)
        if self.first_ceasefire_week is None:
            self.first_ceasefire_week = self.model.steps

    def hold_conference(self, ev) -> None:
        """The key parties weigh the deal; agreement or a walkout (or the outcome the scenario forces)."""
        m = self.model
        verdicts = [m.actor(a).assess_deal(ev.deal.positions) for a in ev.key_parties]
        agreed, walker = diplomacy.negotiate(verdicts)
        if ev.outcome != "auto":
            agreed = ev.outcome == "agreement"
            walker_id = None if agreed else (
                ev.walkout or (walker.party if walker else max(verdicts, key=lambda v: v.war - v.deal).party))
        else:
            walker_id = ev.walkout if (ev.walkout and not agreed) else (walker.party if walker else None)
        involved = [ev.host] + list(ev.key_parties)
        if agreed:
            self._agree(ev)
            parts = ["ceasefire" if ev.deal.ceasefire else None,
                     "equitable sharing of oil revenue" if ev.deal.revenue_sharing == "equitable" else None,
                     "a unification roadmap" if ev.deal.unification else None]
            what = ", ".join(p for p in parts if p) or "a declaration"
            m.log("conference", involved, f"{ev.name}: agreement ({what})")
        else:
            left = f", {m.name_of(walker_id)} left early" if walker_id else ""
            m.log("conference", involved, f"{ev.name}: no agreement{left}")
            if self.ceasefire_camps:
                # a standing ceasefire now rests on the deal that was refused: its critics strain it
                self.deal = (list(ev.key_parties), dict(ev.deal.positions))
            self._walkout_blockade(walker_id)

    def _agree(self, ev) -> None:
        m = self.model
        p = m.params
        self.agreement = self.agreement_reached = True
        if ev.deal.ceasefire:
            self.start_ceasefire({m.actor(a).camp for a in ev.key_parties}, list(ev.key_parties),
                                 dict(ev.deal.positions))
        m.economy.revenue_rule = ev.deal.revenue_sharing
        if ev.deal.unification:
            for a in ev.key_parties:
                f = m.actor(a)
                f.base_legitimacy = min(1.0, f.base_legitimacy + p.unification_legitimacy_gain)
        for patron in m.patrons:
            patron.effort *= p.agreement_effort_factor  # a deal lowers every patron's appetite
        m.economy.blockading.clear()

    def _walkout_blockade(self, actor_id: str | None) -> None:
        """The faction that walked out may shut the oil its camp holds (see Economy.would_blockade)."""
        m = self.model
        if actor_id is None or actor_id not in m.faction_index:
            return
        camp = m.actor(actor_id).camp
        members = set(m.map.view().members[camp])
        if m.economy.would_blockade(camp, members, m.map.view()):
            m.economy.blockade(members)
            m.log("blockade", [actor_id], f"{m.name_of(actor_id)} shuts the oil it holds after the failed talks")

    def start_truce(self, a: str, b: str) -> None:
        """A truce between the two camps begins: the balance it is struck on is remembered."""
        win = self.model.force.win_probability
        self.truce_balance[frozenset((a, b))] = {a: win[a], b: win[b]}

    def breakdown(self) -> None:
        """A standing ceasefire may break down this week (one draw), then each truce between two camps (one draw
        each, in the scenario's camp order)."""
        if self.ceasefire_camps:
            self._ceasefire_breakdown()
        for a, b in self.model.map.relations.truces:
            self._truce_breakdown(a, b)

    def _truce_breakdown(self, a: str, b: str) -> None:
        """The pair's ceasefire hazard, with no deal behind it: the shift of the balance since it began."""
        m = self.model
        p = m.params
        now = m.force.win_probability
        start = self.truce_balance.setdefault(frozenset((a, b)), {a: now[a], b: now[b]})
        shift = max(abs(now[a] - start[a]), abs(now[b] - start[b]))
        rate = diplomacy.ceasefire_hazard(p.ceasefire_break_rate, 0.0, False, p.agreement_break_factor,
                                          p.ceasefire_deficit_weight, shift, p.ceasefire_shift_weight)
        if m.rng.random() < rate:
            m.map.set_relation(a, b, "war")
            m.log("relation", [a, b], f"the truce between {a} and {b} breaks down: they are at war again")

    def _ceasefire_breakdown(self) -> None:
        """The ceasefire's hazard: the unhappiest party's deficit and the shift of the balance (Powell 2006)."""
        m = self.model
        p = m.params
        parties, positions = self.deal or ([], {})
        deficit = 0.0
        now = m.force.win_probability
        start = self.balance_at_start
        shift = max([abs(now.get(c, 0.5) - start.get(c, now.get(c, 0.5))) for c in self.ceasefire_camps], default=0.0)
        for a in parties:
            agent = m.actor(a)
            worth_of_war = diplomacy.war_value(m.force.win_probability.get(agent.camp, 0.5), p.war_cost_weight)
            deficit = max(deficit, worth_of_war - diplomacy.deal_value(agent.interests, positions)
                          if positions else 0.0)
        rate = diplomacy.ceasefire_hazard(p.ceasefire_break_rate, deficit, self.agreement,
                                          p.agreement_break_factor, p.ceasefire_deficit_weight, shift,
                                          p.ceasefire_shift_weight)
        if m.rng.random() < rate:
            self.ceasefire_camps = set()
            self.deal = None
            if self.agreement:
                self.agreement = False
                m.economy.revenue_rule = "status_quo"
                m.log("ceasefire", parties, "the agreement breaks down; fighting resumes")
            else:
                m.log("ceasefire", parties, "the ceasefire breaks down")
