"""The conflict model: wires the mechanisms together, one week per step.

Order of a step (each part a small method that calls a mechanism):
1. scheduled events of the week act;
2. patrons set their support (Richardson action-reaction);
3. support becomes capability (fighters, quality, air, air defence, cash, legitimacy);
4. economy: oil revenue, its split between camps, pay and recruitment;
5. alignment: switchable militias and tribes may change camp;
6. combat on the frontier: offensives, contests, attrition, captures;
7. a ceasefire may break down;
8. the week is recorded.

Nothing here names Libya: actors, camps, places and issues come from the scenario.
"""

from __future__ import annotations

import datetime as dt
import math

import mesa
import numpy as np

from .agents import FactionAgent, OrganisationAgent, PatronAgent
from .mechanisms import alignment, combat, diplomacy, economy, support
from .record import Recorder, Snapshot
from .schema import ActorKind, Channel, Scenario
from .territory import components, place_graph

EMBARGOED = {Channel.arms, Channel.mercenaries, Channel.troops, Channel.drones, Channel.air_power,
             Channel.air_defence}
MOMENTUM_WEEKS = 8


class TieState:
    """A support tie during a run: its sourced baseline and current level."""

    __slots__ = ("tie_id", "source", "target", "channel", "level0", "level", "max_level", "adaptive", "effect",
                 "cost", "source_agent", "target_agent", "embargoed", "counts_as_support", "gain", "backs")

    def __init__(self, tie_id, source, target, channel, level, max_level, adaptive, effect):
        self.tie_id = tie_id
        self.source = source
        self.target = target
        self.channel = channel
        self.level0 = level
        self.level = level
        self.max_level = max_level
        self.adaptive = adaptive
        self.effect = effect
        self.cost = effect.cost if effect else 0.0
        self.embargoed = channel in EMBARGOED
        self.counts_as_support = channel != Channel.alliance
        # per unit of level: fighters, quality, air, air defence, cash, legitimacy
        self.gain = ((effect.fighters, effect.quality, effect.air, effect.air_defence, effect.cash, effect.legitimacy)
                     if effect else (0.0,) * 6)
        self.source_agent = None
        self.target_agent = None
        self.backs = False  # patron support that rival patrons react to


class ConflictModel(mesa.Model):
    """A proxy war on a graph of key places, driven by a validated :class:`Scenario`."""

    def __init__(self, scenario: Scenario, seed: int = 0, record: bool = True):
        super().__init__(rng=seed)
        self.spec = scenario
        self.seed = seed
        self.params = scenario.parameters
        self.start_date = scenario.start_date
        self.places = place_graph(scenario.territory)
        self.camps = list(scenario.camps)
        self.armed_camps = [c for c, spec in scenario.camps.items() if spec.armed]
        self.joinable_camps = [c for c, spec in scenario.camps.items() if spec.armed and spec.accepts_defectors]
        self.recorder = Recorder(full=record)
        self._date_text = (-1, "")

        pidx = {p: i for i, p in enumerate(self.places.ids)}
        self.factions: list[FactionAgent] = []
        self.patrons: list[PatronAgent] = []
        self.organisations: list[OrganisationAgent] = []
        self.by_id: dict[str, object] = {}
        for aid, spec in scenario.actors.items():
            if spec.kind == ActorKind.faction:
                goals = {pidx[p]: w for p, w in spec.faction.goals.items()}
                agent = FactionAgent(self, aid, spec, pidx[spec.faction.home], goals)
                self.factions.append(agent)
            elif spec.kind == ActorKind.patron:
                agent = PatronAgent(self, aid, spec, [pidx[p] for p in spec.patron.red_lines])
                self.patrons.append(agent)
            else:
                agent = OrganisationAgent(self, aid, spec)
                self.organisations.append(agent)
            self.by_id[aid] = agent
        self.faction_index = {f.actor_id: i for i, f in enumerate(self.factions)}
        self.controller = [self.faction_index[scenario.territory.places[p].controller] for p in self.places.ids]

        effects = self.params.channel_effects
        self.ties: list[TieState] = [
            TieState(tid, t.source, t.target, t.channel, t.level, t.max_level, t.adaptive, effects.get(t.channel))
            for tid, t in scenario.ties.items()
        ]
        for t in self.ties:
            self._attach_tie(t)
        self.events = sorted(scenario.events.items(), key=lambda kv: (kv[1].date, kv[0]))
        self._next_event = 0

        # state of the war
        self.blockading: set[int] = set()  # factions that keep the oil of the places they hold shut
        self.embargo = 0.0
        self.revenue_rule = "status_quo"
        self.ceasefire_camps: set[str] = set()
        self.ceasefire_deal: tuple[list[str], dict[str, float]] | None = None
        self.agreement = False
        self.agreement_reached = False
        self.first_ceasefire_week: int | None = None
        self.campaigns: dict[int, tuple[int, int]] = {}  # faction index -> (target place, last step)
        self.capture_log: list[tuple[int, str, str]] = []  # (step, winner camp, loser camp)
        self.casualties = 0.0
        self.weeks_of_fighting = 0
        self.battles_this_week: list[tuple[int, int, bool]] = []  # (place, attacker faction, captured)
        self.camp_casualties = {c: 0.0 for c in self.camps}
        self.camp_battles = {c: 0 for c in self.camps}
        self.camp_pay_rate = {c: 0.0 for c in self.camps}
        self.revenue = 0.0

        # static geometry
        p = self.params
        dist = self.places.distance_km
        self._goal_kernel = np.exp(-dist / p.projection_range_km)
        self._defender_adv = [combat.defender_advantage(p.defender_advantage, pop, p.urban_advantage_per_100k)
                              for pop in self.places.population.tolist()]  # Python floats: numpy scalars are slow
        self._distance_rows = self.places.distance_km.tolist()
        self._homes = [f.home for f in self.factions]
        self._pop = [float(x) for x in self.places.population]
        self._oil = [float(x) for x in self.places.oil_bpd]
        self._oil_places = [(i, oil) for i, oil in enumerate(self._oil) if oil > 0]
        self._total_pop = float(self.places.population.sum()) or 1.0
        self._total_oil = float(self.places.oil_bpd.sum()) or 1.0

        self._others = self.patrons + self.organisations
        # in the scenario's camp order: sums over them must not depend on set order (hash seeds)
        self._hostile_to = {c: tuple(o for o in self.camps if self.hostile(c, o)) for c in self.camps}
        self._tie_keys = None
        self.recorder.place_ids = tuple(self.places.ids)
        self.recorder.faction_ids = tuple(f.actor_id for f in self.factions)
        self.recorder.other_ids = tuple(a.actor_id for a in self._others)
        self.recorder.population = tuple(float(x) for x in self.places.population)
        self.recorder.oil = tuple(float(x) for x in self.places.oil_bpd)

        # caches: what is derived from the map (control and camps) is kept until the map changes
        self._map_version = 0  # bumped by _map_changed() on every capture, defection and realignment
        self._map_cache: dict[str, tuple[int, object]] = {}
        self._goal_key = self._threatened_reach_key = self._split_key = self._output_key = None
        self._t_count = -1  # ties the tie arrays were built for
        self._tie_table()
        self._apply_capabilities()
        self._update_balance()
        for patron, rival in zip(self.patrons, self._rival_support()):
            patron.rival_support0 = rival
            patron.marginal0 = support.marginal_effect(self._camp_win_probability(patron.camp))

        self._record()

    def _attach_tie(self, tie: TieState) -> None:
        tie.source_agent = self.by_id[tie.source]
        tie.target_agent = self.by_id[tie.target]
        tie.source_agent.ties_out.append(tie)
        tie.backs = tie.counts_as_support and isinstance(tie.source_agent, PatronAgent)

    # ------------------------------------------------------------------ time
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

    def camp_of(self, place: int) -> str:
        return self.factions[self.controller[place]].camp

    def hostile(self, a: str, b: str) -> bool:
        return a != b and a in self.armed_camps and b in self.armed_camps

    # ------------------------------------------------------------------ the map
    def _map_changed(self) -> None:
        """Control of a place or an actor's camp changed: what is derived from the map is stale."""
        self._map_version += 1

    def _from_map(self, name: str, compute):
        """``compute()``, cached until the map changes (see :meth:`_map_changed`)."""
        hit = self._map_cache.get(name)
        if hit is None or hit[0] != self._map_version:
            hit = self._map_cache[name] = (self._map_version, compute())
        return hit[1]

    def _place_camps(self) -> list[str]:
        """The camp holding each place."""
        return self._from_map("place_camps", lambda: [self.factions[fi].camp for fi in self.controller])

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        self.battles_this_week = []
        self._apply_events()
        self._update_support()
        self._apply_capabilities()
        self._run_economy()
        self._update_balance()
        self._realign()
        self._fight()
        self._ceasefire_breakdown()
        self._record()

    # ------------------------------------------------------------------ events
    def log(self, kind: str, actors: list[str], text: str) -> None:
        self.recorder.events.append((self.steps, self.date_text(), kind, ";".join(actors), text))

    def _apply_events(self) -> None:
        horizon = self.start_date + dt.timedelta(days=7 * self.steps)
        while self._next_event < len(self.events) and self.events[self._next_event][1].date < horizon:
            eid, ev = self.events[self._next_event]
            self._next_event += 1
            getattr(self, f"_event_{ev.kind}")(eid, ev)

    def _find_tie(self, source: str, target: str, channel: Channel) -> TieState | None:
        for t in self.ties:
            if t.source == source and t.target == target and t.channel == channel:
                return t
        return None

    def _event_deployment(self, eid, ev) -> None:
        tie = self._find_tie(ev.patron, ev.client, ev.channel)
        if tie is None:
            effect = self.params.channel_effects.get(ev.channel)
            tie = TieState(eid, ev.patron, ev.client, ev.channel, 0.0, 0.0, True, effect)
            self.ties.append(tie)
            self._attach_tie(tie)
        self._ties_dirty = True
        tie.max_level = max(tie.max_level, ev.max_level if ev.max_level is not None else ev.level)
        tie.level0 = ev.level
        tie.level = ev.level
        self.log("deployment", [ev.patron, ev.client],
                 ev.text or f"{self._name(ev.patron)} deploys {ev.channel.value.replace('_', ' ')} "
                            f"for {self._name(ev.client)} (level {ev.level:g})")

    def _event_withdrawal(self, eid, ev) -> None:
        tie = self._find_tie(ev.patron, ev.client, ev.channel)
        if tie is not None:
            tie.level0 = tie.level = tie.max_level = 0.0
            self._ties_dirty = True
        self.log("withdrawal", [ev.patron, ev.client],
                 ev.text or f"{self._name(ev.patron)} withdraws {ev.channel.value.replace('_', ' ')} "
                            f"from {self._name(ev.client)}")

    def _event_tie_change(self, eid, ev) -> None:
        tie = next(t for t in self.ties if t.tie_id == ev.tie)
        if ev.max_level is not None:
            tie.max_level = ev.max_level
        if ev.level is not None:
            tie.level0 = tie.level = ev.level
        tie.level = min(tie.level, max(tie.max_level, tie.level0))
        self._ties_dirty = True
        self.log("tie_change", [tie.source, tie.target], ev.text or f"tie {ev.tie} changed")

    def _event_blockade(self, eid, ev) -> None:
        members = [self.faction_index[ev.by]] if ev.by in self.faction_index else \
            [fi for fi, f in enumerate(self.factions) if f.camp == self.by_id[ev.by].camp]
        if ev.lift:
            self.blockading.difference_update(members)
        else:
            self.blockading.update(members)
        self.log("blockade", [ev.by], ev.text or f"{self._name(ev.by)} {'lifts' if ev.lift else 'imposes'} an oil blockade")

    def _event_arms_embargo(self, eid, ev) -> None:
        self.embargo = ev.enforcement
        self.log("arms_embargo", [], ev.text or f"arms embargo enforcement set to {ev.enforcement:g}")

    def _event_defection(self, eid, ev) -> None:
        agent = self.by_id[ev.actor]
        old = agent.camp
        agent.camp = ev.to_camp
        self._map_changed()
        self.log("defection", [ev.actor], ev.text or f"{agent.name} leaves {old} for {ev.to_camp}")

    def _event_recognition_change(self, eid, ev) -> None:
        agent = self.by_id[ev.actor]
        agent.base_legitimacy = ev.legitimacy
        self.log("recognition_change", [ev.actor], ev.text or f"{agent.name}: legitimacy now {ev.legitimacy:g}")

    def _event_offensive(self, eid, ev) -> None:
        fi = self.faction_index[ev.actor]
        target = self.places.index(ev.target)
        self.campaigns[fi] = (target, self.steps + ev.weeks)
        self.log("offensive", [ev.actor], ev.text or f"{self._name(ev.actor)} launches an offensive on "
                                                     f"{self.places.names[target]}")

    def _event_ceasefire(self, eid, ev) -> None:
        camps = {self.by_id[a].camp for a in ev.parties}
        self._start_ceasefire(camps, [a for a in ev.parties if a in self.faction_index], {})
        self.log("ceasefire", list(ev.parties), ev.text or "ceasefire declared")

    def _event_conference(self, eid, ev) -> None:
        verdicts = [self._verdict(a, ev.deal.positions) for a in ev.key_parties]
        agreed, walker = diplomacy.negotiate(verdicts)
        if ev.outcome != "auto":
            agreed = ev.outcome == "agreement"
            if not agreed:
                walker_id = ev.walkout or (walker.party if walker else max(verdicts, key=lambda v: v.war - v.deal).party)
            else:
                walker_id = None
        else:
            walker_id = ev.walkout if (ev.walkout and not agreed) else (walker.party if walker else None)
        involved = [ev.host] + list(ev.key_parties)
        if agreed:
            self.agreement = self.agreement_reached = True
            if ev.deal.ceasefire:
                self._start_ceasefire({self.by_id[a].camp for a in ev.key_parties}, list(ev.key_parties),
                                      dict(ev.deal.positions))
            self.revenue_rule = ev.deal.revenue_sharing
            if ev.deal.unification:
                for a in ev.key_parties:
                    f = self.by_id[a]
                    f.base_legitimacy = min(1.0, f.base_legitimacy + 0.1)
            for patron in self.patrons:
                patron.effort *= 0.7  # a deal lowers every patron's appetite (assumption)
            self.blockading.clear()
            parts = ["ceasefire" if ev.deal.ceasefire else None,
                     "equitable sharing of oil revenue" if ev.deal.revenue_sharing == "equitable" else None,
                     "a unification roadmap" if ev.deal.unification else None]
            what = ", ".join(p for p in parts if p) or "a declaration"
            self.log("conference", involved, f"{ev.name}: agreement ({what})")
        else:
            left = f", {self._name(walker_id)} left early" if walker_id else ""
            self.log("conference", involved, f"{ev.name}: no agreement{left}")
            if self.ceasefire_camps:
                # a standing ceasefire now rests on the deal that was refused: its critics strain it
                self.ceasefire_deal = (list(ev.key_parties), dict(ev.deal.positions))
            self._consider_blockade(walker_id)

    def _name(self, actor_id: str | None) -> str:
        return self.by_id[actor_id].name if actor_id in self.by_id else str(actor_id)

    # ------------------------------------------------------------------ diplomacy
    def _verdict(self, actor_id: str, positions: dict[str, float]) -> diplomacy.Verdict:
        agent = self.by_id[actor_id]
        p = self.params
        backing = sum(t.level * t.cost for t in self.ties
                      if t.channel != Channel.alliance and self.by_id[t.target].camp == agent.camp)
        p_est = self._camp_win_probability(agent.camp) + p.optimism_per_patron_support * backing
        p_est += p.bargaining_noise * float(self.rng.standard_normal())
        p_est = min(1.0, max(0.0, p_est))
        return diplomacy.Verdict(actor_id, diplomacy.deal_value(agent.interests, positions),
                                 diplomacy.war_value(p_est, p.war_cost_weight))

    def _start_ceasefire(self, camps: set[str], parties: list[str], positions: dict[str, float]) -> None:
        self.ceasefire_camps |= camps
        self.ceasefire_deal = (parties, positions)
        if self.first_ceasefire_week is None:
            self.first_ceasefire_week = self.steps

    def _ceasefire_breakdown(self) -> None:
        if not self.ceasefire_camps:
            return
        parties, positions = self.ceasefire_deal or ([], {})
        deficit = 0.0
        for a in parties:
            agent = self.by_id[a]
            p_win = self._camp_win_probability(agent.camp)
            deficit = max(deficit, p_win - self.params.war_cost_weight - diplomacy.deal_value(agent.interests, positions)
                          if positions else 0.0)
        rate = self.params.ceasefire_break_rate * (0.5 if self.agreement else 1.0) * (1.0 + 5.0 * max(0.0, deficit))
        if self.rng.random() < rate:
            self.ceasefire_camps = set()
            self.ceasefire_deal = None
            if self.agreement:
                self.agreement = False
                self.revenue_rule = "status_quo"
                self.log("ceasefire", parties, "the agreement breaks down; fighting resumes")
            else:
                self.log("ceasefire", parties, "the ceasefire breaks down")

    def _consider_blockade(self, actor_id: str | None) -> None:
        """After failed talks a camp whose oil far exceeds its revenue share shuts the oil it holds."""
        if actor_id is None or actor_id not in self.faction_index:
            return
        camp = self.by_id[actor_id].camp
        oil = self._camp_shares()[camp][2]
        split = self._revenue_split()
        members = {fi for fi, f in enumerate(self.factions) if f.camp == camp}
        if oil - split.get(camp, 0.0) > self.params.blockade_threshold and not members <= self.blockading:
            self.blockading |= members
            self.log("blockade", [actor_id], f"{self._name(actor_id)} shuts the oil it holds after the failed talks")

    # ------------------------------------------------------------------ balance
    def _update_balance(self) -> None:
        """Effective strength per faction and camp, and the strength each faction projects at each place."""
        eff = [combat.effective_strength(f.strength_fighters, f.quality, f.cohesion) for f in self.factions]
        totals = dict.fromkeys(self.camps, 0.0)
        for f, e in zip(self.factions, eff):
            totals[f.camp] += e
        self._camp_totals = totals
        m = self.params.contest_decisiveness
        armed = self.armed_camps
        self._win_prob = win = dict.fromkeys(self.camps, 0.5)
        for c in armed:
            enemy = 0.0
            for o in armed:
                if o != c and totals[o] > enemy:
                    enemy = totals[o]
            win[c] = combat.contest_success(totals[c], enemy, m, 1.0)
        self._projection = self._from_map("projection", self._supply_projection)
        self._projection_version = self._map_version
        self._projection_rows = self._from_map("projection_rows", self._projection.tolist)
        self._eff = eff
        # faction g brings rows[g][t] * eff[g] to place t (computed where needed, not for every place)

    def _supply_projection(self) -> np.ndarray:
        """Share of each faction's strength it can bring to bear at each place (faction x place).

        Loss-of-strength gradient (Boulding 1962) along supply lines: strength comes
        forward from the faction's home base to each place it holds, decaying with
        road distance, but only through its own camp's or neutral territory; a cut-off enclave
        gets a trickle (``enclave_supply``). From each held base it then decays with
        road distance to the place in question; the best base counts.
        """
        p = self.params
        dist = self._distance_rows
        camp_of_place = self._place_camps()
        held_by: list[list[int]] = [[] for _ in self.factions]
        for i, fi in enumerate(self.controller):
            held_by[fi].append(i)
        supply_net: dict[str, list[int]] = {}  # camp -> components of the roads it can supply along
        supply = [0.0] * self.places.size  # what reaches each place from its holder's base
        for fi, f in enumerate(self.factions):
            held = held_by[fi]
            if not held:
                continue
            base = f.home if camp_of_place[f.home] == f.camp else max(held, key=lambda i: (self._pop[i], -i))
            net = supply_net.get(f.camp)
            if net is None:  # its own camp's and neutral ground let supply pass
                passable = [pc == f.camp or pc not in self.armed_camps for pc in camp_of_place]
                net = supply_net[f.camp] = components(passable, self.places.neighbours)
            for i in held:
                supply[i] = math.exp(-dist[base][i] / p.supply_range_km) if net[i] == net[base] else p.enclave_supply
        # from each held place strength decays with distance (the goal kernel); the best place counts
        by_place = np.array(supply)[:, None] * self._goal_kernel
        order = sorted(range(len(supply)), key=self.controller.__getitem__)  # places grouped by holder
        starts = [k for k, i in enumerate(order) if k == 0 or self.controller[i] != self.controller[order[k - 1]]]
        out = self._goal_kernel[self._homes].copy()  # a force holding nothing fights from its home base
        out[[self.controller[order[k]] for k in starts]] = np.maximum.reduceat(by_place[order], starts, axis=0)
        return out

    def _camp_win_probability(self, camp: str) -> float:
        """Chance the camp prevails against its strongest enemy, from the overall balance."""
        return self._win_prob.get(camp, 0.5)

    # ------------------------------------------------------------------ support
    def _tie_table(self) -> None:
        """Arrays over the ties for turning support into capability, and each patron's plan;
        rebuilt when an event adds or changes a tie (the arrays only when it adds one)."""
        ties = self.ties
        if len(ties) != self._t_count:
            self._tie_arrays()
        self._levels = np.array([t.level for t in ties], dtype=float)
        # per patron: its adaptive ties with their baselines, caps and costs, and what its fixed ties leave of its budget
        self._patron_ties = []
        for patron in self.patrons:
            adaptive = [t for t in patron.ties_out if t.adaptive]
            level0 = [t.level0 for t in adaptive]
            fixed = sum(t.level * t.cost for t in patron.ties_out if not t.adaptive)
            self._patron_ties.append((adaptive, level0,
                                      support.tie_caps(level0, [t.max_level for t in adaptive], patron.domestic_constraint),
                                      [t.cost for t in adaptive], max(0.0, patron.budget - fixed)))
        self._ties_dirty = False

    def _tie_arrays(self) -> None:
        ties = self.ties
        self._t_count = len(ties)
        actor_pos = {a: i for i, a in enumerate(self.by_id)}
        n_f, n_t = len(self.factions), len(ties)
        # per unit of level: the six capability gains, then diplomatic cover, then support counted as received
        self._t_gain = np.array([t.gain + (float(t.channel is Channel.diplomatic_cover), float(t.counts_as_support))
                                 for t in ties], dtype=float).reshape(n_t, 8)
        self._t_target = np.array([self.faction_index[t.target] for t in ties], dtype=int)
        self._t_source = np.array([actor_pos[t.source] for t in ties], dtype=int)
        self._t_support = np.array([t.counts_as_support for t in ties], dtype=float)
        self._t_embargoed = np.array([t.embargoed for t in ties], dtype=bool)
        self._t_cover = np.array([t.channel is Channel.diplomatic_cover for t in ties], dtype=float)
        self._t_to_faction = np.zeros((n_f, n_t))
        self._t_to_faction[self._t_target, np.arange(n_t)] = 1.0
        patron_pos = {id(patron): i for i, patron in enumerate(self.patrons)}
        self._backing_by_patron = [(patron_pos[id(t.source_agent)], t) for t in ties if t.backs]
        self._alliances = [t for t in ties if t.channel == Channel.alliance]

    def _rival_support(self) -> list[float]:
        """Per patron: the support (level x cost) that camps hostile to it receive from other patrons."""
        hostile_to = [self._hostile_to[patron.camp] for patron in self.patrons]
        to_camp = dict.fromkeys(self.camps, 0.0)
        own = [0.0] * len(self.patrons)
        for pi, t in self._backing_by_patron:
            v = t.level * t.cost
            camp = t.target_agent.camp
            to_camp[camp] += v
            if camp in hostile_to[pi]:
                own[pi] += v
        out = []
        for hostile, mine in zip(hostile_to, own):
            rival = sum([to_camp[c] for c in hostile]) - mine
            out.append(rival if rival > 0.0 else 0.0)
        return out

    def _update_support(self) -> None:
        """Each patron sets its effort (Richardson), then the level of each of its adaptive ties.

        Every patron reacts to last week's levels: what each camp receives, and
        what the patron itself gives to camps hostile to it."""
        p = self.params
        if self._ties_dirty:
            self._tie_table()
        rival_support = self._rival_support()
        crossed = self._red_lines_crossed()
        win_prob = self._win_prob
        args = (p.support_adjust_rate, p.support_rival_reaction, p.support_cost_decay, p.support_prospect_weight,
                p.red_line_escalation)
        for pi, (patron, (adaptive, level0, caps, cost, budget)) in enumerate(zip(self.patrons, self._patron_ties)):
            ratio = (rival_support[pi] + 0.5) / (patron.rival_support0 + 0.5)
            marginal = support.marginal_effect(win_prob.get(patron.camp, 0.5))
            patron.effort = effort = support.richardson_step(patron.effort, ratio, marginal, patron.marginal0,
                                                             crossed[pi], patron.resolve, *args)
            for t, level in zip(adaptive, support.patron_levels(level0, caps, cost, effort, budget)):
                t.level = level
        self._levels = np.array([t.level for t in self.ties], dtype=float)

    def _red_lines_crossed(self) -> list[bool]:
        """Per patron: has a place on its red line fallen to a camp hostile to it? Cached until control or camps change."""
        def crossed() -> list[bool]:
            place_camps = self._place_camps()
            return [any(place_camps[j] in self._hostile_to[patron.camp] for j in patron.red_lines)
                    for patron in self.patrons]
        return self._from_map("red_lines", crossed)

    def _apply_capabilities(self) -> None:
        """Own means plus what the ties bring this week (the arms embargo bites unless shielded)."""
        if self._ties_dirty:
            self._tie_table()
        levels = self._levels
        to_faction = self._t_to_faction
        if self.embargo > 0.0:
            cover = to_faction @ (levels * self._t_cover)
            bite = 1.0 - self.embargo * (1.0 - np.minimum(1.0, cover[self._t_target]))
            levels = np.where(self._t_embargoed, levels * bite, levels)
        gained = (to_faction @ (levels[:, None] * self._t_gain)).tolist()
        given = np.bincount(self._t_source, weights=levels * self._t_support,
                            minlength=len(self.by_id)).tolist()
        for f, (g_f, g_q, g_air, g_ad, g_cash, g_leg, cov, rec) in zip(self.factions, gained):
            f.strength_fighters = f.fighters + g_f
            f.quality = min(1.5, f.heavy_weapons + g_q)
            f.air = f.own_air + g_air
            f.air_defence = f.own_air_defence + g_ad
            f.income = g_cash
            f.legitimacy = min(1.0, f.base_legitimacy + g_leg)
            f.cover = cov
            f.support_received = rec
        for agent, giv in zip(self.by_id.values(), given):
            agent.support_given = giv

    # ------------------------------------------------------------------ economy
    def _camp_shares(self) -> dict[str, tuple[float, float, float]]:
        """camp -> (territory share, population share, oil share); cached until the map changes."""
        return self._from_map("shares", self._compute_camp_shares)

    def _compute_camp_shares(self) -> dict[str, tuple[float, float, float]]:
        n = self.places.size
        acc = {c: [0.0, 0.0, 0.0] for c in self.camps}
        for i, camp in enumerate(self._place_camps()):
            a = acc[camp]
            a[0] += 1.0
            a[1] += self._pop[i]
            a[2] += self._oil[i]
        return {c: (v[0] / n, v[1] / self._total_pop, v[2] / self._total_oil) for c, v in acc.items()}

    def _revenue_split(self) -> dict[str, float]:
        """Share of the oil revenue per camp; cached until control, camps or the sharing rule change."""
        shares = self._camp_shares()
        key = (self._map_version, self.revenue_rule)
        if key != self._split_key:
            capital = next((self.camp_of(i) for i in range(self.places.size) if self.places.capital[i]), None)
            self._split = economy.revenue_split({c: s[1] for c, s in shares.items()}, capital, self.revenue_rule,
                                                self.params.capital_revenue_share)
            self._split_key = key
        return self._split

    def _run_economy(self) -> None:
        p = self.params
        key = (self._map_version, frozenset(self.blockading))
        if key != self._output_key:  # oil flows from every field and terminal its holder does not shut
            self._output = sum([oil for i, oil in self._oil_places if self.controller[i] not in self.blockading])
            self._output_key = key
        self.revenue = economy.weekly_revenue(self._output, p.oil_price_usd)
        pool = self.revenue * p.revenue_to_cash
        split = self._revenue_split()
        camp_fighters = {c: 0.0 for c in self.camps}
        for f in self.factions:
            camp_fighters[f.camp] += f.fighters
        for c in self.camps:
            self.camp_pay_rate[c] = pool * split.get(c, 0.0) / camp_fighters[c] if camp_fighters[c] > 0 else 0.0
        for f in self.factions:
            income = f.income + self.camp_pay_rate[f.camp] * f.fighters
            f.fighters, f.cash, paid = economy.pay_and_recruit(
                f.fighters, f.cash, income, p.upkeep_per_fighter, p.recruit_per_cash, p.recruit_cap_share)
            if paid >= 1.0:
                f.cohesion = min(1.0, f.cohesion + p.cohesion_recovery)
            else:
                f.cohesion = max(0.2, f.cohesion - 0.05 * (1.0 - paid))

    # ------------------------------------------------------------------ alignment
    def _camp_positions(self, camp: str) -> dict[str, float]:
        num: dict[str, float] = {}
        den: dict[str, float] = {}
        for f in self.factions:
            if f.camp != camp:
                continue
            w = f.fighters + 1.0
            for issue, (pos, sal) in f.interests.items():
                num[issue] = num.get(issue, 0.0) + w * sal * pos
                den[issue] = den.get(issue, 0.0) + w * sal
        return {k: num[k] / den[k] for k in num if den[k] > 0}

    def _momentum(self, camp: str) -> float:
        since = self.steps - MOMENTUM_WEEKS
        net = 0
        for step, won, lost in self.capture_log:
            if step > since:
                net += (won == camp) - (lost == camp)
        return max(-1.0, min(1.0, net / 3.0))

    def _realign(self) -> None:
        p = self.params
        switchable = [f for f in self.factions if f.can_switch]
        if not switchable:
            return
        rows, eff = self._projection_rows, self._eff
        max_pay = max(self.camp_pay_rate.values()) or 1.0
        positions: dict[str, dict[str, float]] = {}

        def camp_positions(camp: str) -> dict[str, float]:
            if camp not in positions:
                positions[camp] = self._camp_positions(camp)
            return positions[camp]

        def camp_legitimacy(camp: str) -> float:  # its most legitimate faction lends it to the camp
            return max([f.legitimacy for f in self.factions if f.camp == camp], default=0.0)

        for f in switchable:
            if self.rng.random() >= p.alignment_rate:
                continue
            own = combat.effective_strength(f.strength_fighters, f.quality, f.cohesion)
            options = [c for c in self.joinable_camps if c != f.camp] + [f.camp]
            utilities = {}
            for c in options:
                threat = 0.0
                if c != f.camp and c in self.armed_camps:
                    s = sum([rows[g][f.home] * eff[g] for g, other in enumerate(self.factions) if other.camp == c])
                    threat = s / (s + own) if s + own > 0 else 0.0
                allied = sum(t.level for t in self._alliances if
                             ((t.source == f.actor_id and self.by_id[t.target].camp == c) or
                              (t.target == f.actor_id and self.by_id[t.source].camp == c)))
                utilities[c] = allied + alignment.camp_utility(
                    current=(c == f.camp), pay=self.camp_pay_rate.get(c, 0.0) / max_pay,
                    momentum=self._momentum(c), affinity=alignment.affinity(f.interests, camp_positions(c)),
                    threat=threat, legitimacy=camp_legitimacy(c), inertia=p.alignment_inertia,
                    w_pay=p.alignment_pay_weight, w_momentum=p.alignment_momentum_weight,
                    w_ideology=p.alignment_ideology_weight, w_threat=p.alignment_threat_weight,
                    w_legitimacy=p.alignment_legitimacy_weight)
            choice = alignment.logit_choice(utilities, float(self.rng.random()))
            if choice != f.camp:
                old = f.camp
                f.camp = choice
                self._map_changed()
                self.log("defection", [f.actor_id], f"{f.name} switches from {old} to {choice}")

    # ------------------------------------------------------------------ combat
    def _front_lines(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """(places each armed camp can attack, places of each armed camp under threat); cached."""
        return self._from_map("fronts", lambda: (self._fronts(self._place_camps()),
                                                 self._threatened(self._place_camps())))

    def _camp_members(self) -> dict[str, list[int]]:
        """camp -> its factions (indices); cached."""
        return self._from_map("members", lambda: {c: [fi for fi, f in enumerate(self.factions) if f.camp == c]
                                                  for c in self.camps})

    def _threatened_reach(self) -> list[float]:
        """Per faction: the share of its strength (as projected this week) it can bring to its camp's
        threatened places, summed; cached."""
        key = (self._map_version, self._projection_version)
        if key != self._threatened_reach_key:
            threatened = self._front_lines()[1]
            self._threatened_reach_cache = [sum([row[t] for t in threatened.get(f.camp, ())])
                                            for f, row in zip(self.factions, self._projection_rows)]
            self._threatened_reach_key = key
        return self._threatened_reach_cache

    def _fronts(self, pc: list[str]) -> dict[str, list[int]]:
        """armed camp -> places it can attack: held by another camp and joined by road to one it holds.

        Places of unarmed (local) camps can be attacked too, but only a faction
        with a goal there will do so; local forces never attack."""
        out: dict[str, set[int]] = {c: set() for c in self.armed_camps}
        for i, j in self.places.roads:
            ci, cj = pc[i], pc[j]
            if ci == cj:
                continue
            if ci in out:
                out[ci].add(j)
            if cj in out:
                out[cj].add(i)
        return {c: sorted(v) for c, v in out.items()}

    def _goal_values(self) -> list[list[float]]:
        """Worth of each place to each faction: goals not yet held by its camp, spread along roads."""
        # a faction's goals change only when it loses a place, which also changes the map
        key = (self._map_version,
               tuple(sorted((fi, t) for fi, (t, last) in self.campaigns.items() if last >= self.steps))
               if self.campaigns else ())
        if key == self._goal_key:
            return self._goal_cache
        self._goal_key = key
        self._goal_cache = self._compute_goal_values(self._place_camps()).tolist()
        return self._goal_cache

    def _compute_goal_values(self, camps: list[str]) -> np.ndarray:
        n = self.places.size
        weights = np.zeros((len(self.factions), n))
        for fi, f in enumerate(self.factions):
            for g, w in f.goals.items():
                if camps[g] != f.camp:
                    weights[fi, g] = w
            campaign = self.campaigns.get(fi)
            if campaign and campaign[1] >= self.steps and camps[campaign[0]] != f.camp:
                weights[fi, campaign[0]] += 10.0
        return weights @ self._goal_kernel

    def _defenders(self, place: int, attacking: set[int]) -> dict[int, float]:
        """Faction -> strength defending the place.

        The holder keeps ``hold_weight / (hold_weight + 1)`` of what it can bring
        there; the other factions of an armed camp spread their force over the
        camp's threatened places, each in proportion to what it can bring to each
        (force-to-space). A local holder defends its own place alone.
        """
        holder = self.controller[place]
        camp = self.factions[holder].camp
        share = self.params.offensive_share
        rows, eff = self._projection_rows, self._eff
        if camp not in self.armed_camps:
            return {holder: rows[holder][place] * eff[holder]}
        out = {}
        for g in self._camp_members()[camp]:
            s_gt = rows[g][place] * eff[g]
            if g == holder:
                part = s_gt * self.params.hold_weight / (self.params.hold_weight + 1.0)
            else:
                spread = self._spread[g]
                part = s_gt * s_gt / spread if spread > 0 else 0.0
            out[g] = part * ((1.0 - share) if g in attacking else 1.0)
        return out

    def _threatened(self, pc: list[str]) -> dict[str, list[int]]:
        """armed camp -> places it holds that an armed enemy can attack."""
        out: dict[str, set[int]] = {c: set() for c in self.armed_camps}
        for i, j in self.places.roads:
            ci, cj = pc[i], pc[j]
            if ci != cj and ci in out and cj in out:
                out[ci].add(i)
                out[cj].add(j)
        return {c: sorted(v) for c, v in out.items()}

    def _fight(self) -> None:
        p = self.params
        pc = self._place_camps()
        fronts = self._front_lines()[0]
        if not any(fronts.values()):
            return
        members_of = self._camp_members()
        rows, eff = self._projection_rows, self._eff  # strength of faction g at place t: rows[g][t] * eff[g]
        air = {c: 0.0 for c in self.camps}
        ad = {c: 0.0 for c in self.camps}
        for f in self.factions:
            air[f.camp] += f.air
            ad[f.camp] += f.air_defence
        m = p.contest_decisiveness
        share = p.offensive_share
        values = self._goal_values()
        # how thinly each faction is spread over its camp's threatened places (force-to-space)
        self._spread = spread = [e * s for e, s in zip(eff, self._threatened_reach())]
        # air power against air defence, for every pair of camps that can meet in battle (one of them armed)
        armed = self.armed_camps
        air_mult = {(a, b): combat.air_multiplier(air[a], ad[b], p.air_weight)
                    for a in self.camps for b in self.camps if a != b and (a in armed or b in armed)}

        hw = p.hold_weight / (p.hold_weight + 1.0)
        adv = self._defender_adv
        defence: dict[int, float] = {}

        def defended(t: int) -> float:  # what defends a place before anyone attacks (see _defenders)
            holder = self.controller[t]
            camp_t = pc[t]
            if camp_t not in self.armed_camps:
                return rows[holder][t] * eff[holder]
            total = rows[holder][t] * eff[holder] * hw
            for g in members_of[camp_t]:
                if g != holder and spread[g] > 0:
                    s_gt = rows[g][t] * eff[g]
                    total += s_gt * s_gt / spread[g]
            return total

        # 1. each armed camp picks its offensives of the week: the places with the best
        #    expected gain (worth to its factions x chance of taking them); every faction
        #    of the camp commits part of its force, more where it can project more.
        plans: dict[int, dict[int, float]] = {}  # target -> faction -> committed strength
        threshold = p.offensive_threshold
        for camp in self.armed_camps:
            targets = fronts.get(camp)
            members = members_of[camp]
            if not targets or not members or self._camp_totals[camp] <= 0:
                continue
            if camp in self.ceasefire_camps and self.rng.random() >= p.ceasefire_intensity:
                continue
            member_rows = [(rows[fi], values[fi], eff[fi]) for fi in members]
            scored = []
            for t in targets:
                reach = worth = 0.0
                for p_row, v_row, e in member_rows:
                    s_ft = p_row[t] * e
                    reach += s_ft
                    worth += v_row[t] * s_ft
                if reach <= 0.0 or worth <= 0.0:
                    continue
                worth /= reach  # worth to the camp: its factions' goals weighted by what they can bring there
                enemy = pc[t]
                if t not in defence:
                    defence[t] = defended(t)
                chance = combat.contest_success(share * reach * air_mult[camp, enemy],
                                                defence[t] * air_mult[enemy, camp], m, adv[t])
                score = worth * chance
                if score >= threshold:
                    scored.append((-score, t))
            chosen = [t for _, t in sorted(scored)[:p.offensives_per_week]]
            for fi in members:
                reach = [rows[fi][t] * eff[fi] for t in chosen]
                total = sum(reach)
                if total <= 0:
                    continue
                for t, s_ft in zip(chosen, reach):
                    # a faction splits its offensive force between the camp's offensives by its reach
                    plans.setdefault(t, {})[fi] = share * s_ft * s_ft / total
        if not plans:
            return
        attacking = {fi for parts in plans.values() for fi in parts}
        self.weeks_of_fighting += 1
        # 2. contests, attrition and captures, in a fixed order
        for t in sorted(plans):
            self._battle(t, plans[t], attacking, air_mult)

    def _battle(self, t: int, committed: dict[int, float], attacking: set[int],
                air_mult: dict[tuple[str, str], float]) -> None:
        """One week's battle for place t: contest, Lanchester losses on both sides, maybe a capture."""
        p = self.params
        holder = self.controller[t]
        enemy_camp = self.factions[holder].camp
        contrib = {fi: v for fi, v in committed.items() if self.factions[fi].camp != enemy_camp and v > 0}
        if not contrib:
            return
        fis = sorted(contrib)
        att_camp = self.factions[fis[0]].camp
        e_a = sum(contrib.values()) * air_mult[att_camp, enemy_camp]
        defenders = self._defenders(t, attacking)
        e_d = sum(defenders.values()) * air_mult[enemy_camp, att_camp]
        d = self._defender_adv[t]
        prob = combat.contest_success(e_a, e_d, p.contest_decisiveness, d)
        loss_a, loss_d = combat.lanchester_losses(e_a, d * e_d, p.attrition_rate)
        self._take_losses(contrib, loss_a)
        self._take_losses(defenders, loss_d)
        self.camp_battles[att_camp] += 1
        self.camp_battles[enemy_camp] += 1
        won = self.rng.random() < prob
        captured = won and self.rng.random() < p.capture_tempo
        for fi in fis:
            f = self.factions[fi]
            f.cohesion = min(1.0, f.cohesion + 0.01) if won else max(0.2, f.cohesion - 0.01)
        if captured:
            loser = self.factions[holder]
            winner_fi = max(contrib, key=lambda k: (contrib[k], -k))
            winner = self.factions[winner_fi]
            self.controller[t] = winner_fi
            self._map_changed()
            loser.goals[t] = max(loser.goals.get(t, 0.0), 1.0)
            self.capture_log.append((self.steps, winner.camp, loser.camp))
            self.log("capture", [winner.actor_id, loser.actor_id],
                     f"{self.places.names[t]} captured by {winner.camp} ({winner.name}) from {loser.name}")
        self.battles_this_week.append((t, fis[0], captured))

    def _take_losses(self, shares: dict[int, float], loss: float) -> None:
        total = sum(shares.values())
        if total <= 0 or loss <= 0:
            return
        factions, by_camp = self.factions, self.camp_casualties
        for fi, s in shares.items():
            f = factions[fi]
            lost = loss * s / total
            cap = f.fighters * 0.2
            if lost > cap:
                lost = cap
            f.fighters -= lost
            f.casualties += lost
            self.casualties += lost
            by_camp[f.camp] += lost

    # ------------------------------------------------------------------ record
    def _record(self) -> None:
        rec = self.recorder
        step, date = self.steps, self.date_text()
        shares = self._camp_shares()
        camp_fighters = {c: 0.0 for c in self.camps}
        for f in self.factions:
            camp_fighters[f.camp] += f.strength_fighters
        for c in self.camps:
            t, pshare, o = shares[c]
            rec.camps.append((step, date, c, t, pshare, o, camp_fighters[c], self.camp_casualties[c],
                              self.camp_battles[c]))
        if not rec.full:
            return
        if self._tie_keys is None or len(self._tie_keys) != len(self.ties):
            self._tie_keys = tuple((t.source, t.target, t.channel.value) for t in self.ties)
        rec.snapshots.append(Snapshot(
            step, date, tuple(self.controller),
            tuple([(f.camp, f.strength_fighters, f.cash, f.support_received, f.support_given) for f in self.factions]),
            tuple([(a.camp, a.support_received, a.support_given) for a in self._others]),
            self._tie_keys, self._levels))  # a new array every week, never changed in place

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict[str, object]:
        """One row of outcomes for this run (the columns of summary.csv)."""
        out: dict[str, object] = {}
        s = self.spec
        for pid in s.outcome_places:
            i = self.places.index(pid)
            out[f"{pid}_controller"] = self.factions[self.controller[i]].actor_id
            out[f"{pid}_camp"] = self.camp_of(i)
        shares = self._camp_shares()
        for c in s.headline_camps:
            t, pshare, o = shares[c]
            key = c.lower()
            out[f"{key}_territory_share"] = t
            out[f"{key}_population_share"] = pshare
            out[f"{key}_oil_share"] = o
        out["casualties"] = round(self.casualties)
        out["ceasefire_week"] = self.first_ceasefire_week if self.first_ceasefire_week is not None else ""
        out["weeks_of_fighting"] = self.weeks_of_fighting
        out["agreement_held"] = bool(self.agreement)
        return out


def steps_until(start: dt.date, until: dt.date) -> int:
    """Whole weeks from start up to (not beyond) the date."""
    return max(0, (until - start).days // 7)

