"""A week of fighting: each armed camp's command plans its offensive (:mod:`.command`), then the battles
are resolved in place order.

Strength reaches a place along supply lines (:mod:`.map`), is multiplied by the air
power over the place net of the enemy's air defence there (:mod:`.air`), and meets the defence the holder's camp can
spread there (:func:`.camp.defence_at`); :func:`sim.mechanisms.combat.resolve_battle`
decides the week's contest, the losses and whether the place falls.
"""

from __future__ import annotations

from ..bounds import at_least
from ..mechanisms import campaign, combat, deterrence, siege
from ..record import BattleRow
from ..schema import receiver_for
from .camp import Balance, defence_at, threatened_reach

NOBODY: frozenset[int] = frozenset()  # no faction attacking elsewhere: the defence a command expects


class Front:
    """The combat stage of a week, and what the commands weigh when they plan."""

    def __init__(self, model):
        self.model = model
        self.spread: list[float] = []
        self.attacked_last_week: list[int] = []
        self.focus: dict[int, float] = {}
        self._reach_key: tuple | None = None
        self.casualties = 0.0
        self.weeks_of_fighting = 0
        self.battles_this_week: list[tuple[int, int, bool]] = []  # (place, attacker faction, captured)
        self.captures: list[tuple[int, str, str]] = []  # (step, winner camp, loser camp)
        self._forward_view, self._forward = None, {}  # forward reach per (faction, axis), for one map view
        self._on_the_defence = any(not f.joins_campaigns for f in model.factions)  # a patron's forces are there

    # ------------------------------------------------------------------ the week
    def fight(self, force: Balance) -> None:
        """Every armed camp's command plans its offensive, then the battles are fought in place order;
        nothing happens if no camp can reach an enemy."""
        m = self.model
        p = m.params
        view = m.map.view()
        fronts = view.fronts
        if not any(fronts.values()):
            self.attacked_last_week = []
            return
        geo = m.geo
        members_of = view.members
        # how thinly each faction is spread over its camp's threatened places (force-to-space); the places
        # attacked last week draw reinforcements
        self.focus = {t: p.defence_focus for t in self.attacked_last_week}
        self.spread = [e * s for e, s in zip(force.strength, self._threatened_reach(view, force))]
        self._force, self._view = force, view
        m.air.new_week(view)
        self._defence: dict[int, float] = {}
        self._worths: dict[str, dict[int, float]] = {}
        self._attacks: dict[tuple[str, int], float] = {}
        self._red_line_costs: dict[tuple[str, int], float] = {}
        plans: dict[int, dict[int, float]] = {}  # target -> faction -> committed strength
        for camp in geo.armed_camps:
            targets = fronts.get(camp)
            members = members_of[camp]
            command = m.camps[camp].command
            command.battles = 0
            if not targets or not members or force.totals[camp] <= 0:
                continue
            plan = command.plan(self, targets, members)
            if plan and m.peace.restrains(camp, m.rng):
                continue
            if plan and command.opens_this_week(m.steps):
                self.surprise(plan[0][0])
            for t, fi, strength in plan:
                plans.setdefault(t, {})[fi] = strength
        self.attacked_last_week = sorted(plans)
        if plans:
            attacking = {fi for parts in plans.values() for fi in parts}
            self.weeks_of_fighting += 1
            for t in sorted(plans):
                self.battle(t, plans[t], attacking, force)
        self.lift_sieges(force)
        for camp in geo.armed_camps:
            m.camps[camp].command.end_week(p)

    def surprise(self, axis: int) -> None:
        """A campaign's first week: the attacker chooses the time and the place, and the defenders' reserves are
        elsewhere (Whaley 1969, *Stratagem: Deception and Surprise in War*; Betts 1982, *Surprise Attack*). The
        camp's mobile forces weigh the axis ``surprise_focus`` times as much as a place they watch; the garrison
        (the holder and the militias at home) is there. A place attacked last week is no surprise."""
        if axis not in self.focus:
            self.focus[axis] = self.model.params.surprise_focus

    def lift_sieges(self, force: Balance) -> None:
        """Garrisons cut off from their camp's supply, by road and by air, may give way
        (:mod:`sim.mechanisms.siege`); the strongest faction at war with it next to the place takes it over."""
        m = self.model
        view = m.map.view()
        pc, members, neighbours = view.place_camps, view.members, m.geo.places.neighbours
        for place in view.cut_off:
            camp = pc[place]
            enemies = view.relations.at_war_with[camp]  # a camp in a truce with it does not take it over
            besiegers = [fi for j in neighbours[place] if pc[j] in enemies for fi in members[pc[j]]]
            if not besiegers or not siege.gives_way(m.params.siege_endurance_weeks, float(m.rng.random())):
                continue
            taker = self.receiver(m.factions[max(sorted(set(besiegers)), key=lambda fi: force.at(fi, place))], place)
            holder = m.factions[view.controller[place]]
            self.take(place, taker, holder, "abandon",
                      f"{m.geo.places.names[place]} abandoned by {camp} ({holder.name}), cut off; "
                      f"{taker.camp} ({taker.name}) takes it over")

    def _threatened_reach(self, view, force: Balance) -> list[float]:
        """:func:`.camp.threatened_reach` this week; last week's while the map and the places attacked last week
        (the focus) are the same."""
        key = (view, force.rows, tuple(self.attacked_last_week))
        if key != self._reach_key:
            self._reach_key = key
            self._reach = threatened_reach(view.threatened, view.faction_camps, force.rows, self.focus)
        return self._reach

    # ------------------------------------------------------------------ what a command weighs
    def objective_worths(self, camp: str, members: list[int]) -> dict[int, float]:
        """Places some member wants that a camp the camp may attack holds (in place order), with their worth to
        the camp: its members' goals there, weighted by their strength. Once per camp and week."""
        if camp not in self._worths:
            pc, factions, eff = self._view.place_camps, self.model.factions, self._force.strength
            targets = self._view.relations.targets_of[camp]
            members = self.campaigners(members)
            total = sum([eff[fi] for fi in members])
            weighted: dict[int, float] = {}  # place -> its members' goals there, strength-weighted
            wanted = set()
            for fi in members:
                for g, w in factions[fi].goals.items():
                    if pc[g] in targets:
                        weighted[g] = weighted.get(g, 0.0) + eff[fi] * w
                        if w > 0:
                            wanted.add(g)
            self._worths[camp] = {g: (weighted[g] / total if total > 0.0 else 0.0) for g in sorted(wanted)}
        return self._worths[camp]

    def red_line_cost(self, camp: str, place: int) -> float:
        """What taking the place would cost the camp in the reaction of hostile patrons whose red line it is,
        as its own patrons weigh it (:mod:`sim.mechanisms.deterrence`). Once per camp, place and week."""
        key = (camp, place)
        if key not in self._red_line_costs:
            m = self.model
            hostile = self._view.relations.hostile_set[camp]
            pcamps = self._view.patron_camps
            resolves = [pa.resolve for pa, pc in zip(m.patrons, pcamps) if pc in hostile and place in pa.red_lines]
            cost = 0.0
            if resolves:
                own = [(pa.risk_tolerance, pa.support_given) for pa, pc in zip(m.patrons, pcamps) if pc == camp]
                aversion = deterrence.risk_aversion([t for t, _ in own], [s for _, s in own])
                cost = deterrence.red_line_cost(resolves, aversion, m.params.red_line_weight)
            self._red_line_costs[key] = cost
        return self._red_line_costs[key]

    def strength_of(self, camp: str) -> float:
        """The camp's effective strength this week."""
        return self._force.totals[camp]

    def attack_on(self, camp: str, members: list[int], axis: int) -> float:
        """The strength a camp's campaign brings to the axis (see :meth:`campaign_force`), once per week."""
        key = (camp, axis)
        if key not in self._attacks:
            self._attacks[key] = sum([s for _, s in self.campaign_force(members, axis)])
        return self._attacks[key]

    def campaigners(self, members: list[int]) -> list[int]:
        """The members that take part in campaigns: not a patron's forces, which stay on the defence."""
        if not self._on_the_defence:
            return members
        factions = self.model.factions
        return [fi for fi in members if factions[fi].joins_campaigns]

    def campaign_force(self, members: list[int], axis: int) -> list[tuple[int, float]]:
        """(faction, strength it commits on the axis): its offensive share, brought forward along its supply line,
        or from the camp's forward base if that brings more (:func:`sim.mechanisms.campaign.forward_reach`)."""
        share, eff, reach = self.model.params.offensive_share, self._force.strength, self._force.rows
        members = self.campaigners(members)
        if members:  # the defenders' air over the axis thins what is brought there
            share *= 1.0 - self.model.air.interdicted(self._view.faction_camps[members[0]],
                                                      self._view.place_camps[axis], axis)
        return [(fi, share * eff[fi] * at_least(self._forward_reach(fi, axis), reach[fi][axis])) for fi in members]

    def _forward_reach(self, fi: int, axis: int) -> float:
        """Share of the faction's strength that reaches the axis through its camp's air base nearest it
        (remembered while the map is unchanged)."""
        view = self._view
        if view is not self._forward_view:
            self._forward_view, self._forward = view, {}
        key = (fi, axis)
        if key not in self._forward:
            self._forward[key] = self._forward_reach_now(fi, axis)
        return self._forward[key]

    def _forward_reach_now(self, fi: int, axis: int) -> float:
        m, view = self.model, self._view
        p, dist = m.params, m.geo.distance_rows
        camp, supplied = view.faction_camps[fi], view.supplied[fi]
        if axis not in supplied:
            return 0.0
        bases = [b for b in m.geo.airbases if view.place_camps[b] == camp and b in supplied]
        if not bases:
            return 0.0
        base = min(bases, key=lambda b: (dist[b][axis], b))
        return campaign.forward_reach(dist[view.supply_bases[fi]][base], dist[base][axis], p.supply_range_km,
                                      p.rear_supply_factor)

    def believed_weekly_chance(self, camp: str, attack: float, place: int, optimism: float) -> float:
        """The command's estimate of winning a week's battle for the place with this attack."""
        m = self.model
        enemy = self._view.place_camps[place]
        key = (place, camp)
        if key not in self._defence:
            self._defence[key] = sum(self.defenders(place, NOBODY, self._force, camp).values())
        air = m.air
        return campaign.believed_chance(attack * air.multiplier(camp, enemy, place),
                                        self._defence[key] * air.multiplier(enemy, camp, place),
                                        m.params.contest_decisiveness, m.geo.defender_advantage[place], optimism)

    def defenders(self, place: int, attacking: set[int], force: Balance, attacker: str | None = None
                  ) -> dict[int, float]:
        """Faction -> strength defending the place against the attacker's camp (see :func:`.camp.defence_at`);
        the attacker's air over the place thins the reserves sent there."""
        m = self.model
        view = m.map.view()
        holder = view.controller[place]
        camp = view.faction_camps[holder]
        p = m.params
        arriving = 1.0 - m.air.interdicted(camp, attacker, place) if attacker is not None else 1.0
        return defence_at(place, holder, camp, m.geo.is_armed(camp), view.members[camp], force, self.spread,
                          p.hold_weight / (p.hold_weight + 1.0), attacking, p.offensive_share,
                          self.focus.get(place, 1.0), m.geo.based_at[place], arriving)

    def battle(self, t: int, committed: dict[int, float], attacking: set[int], force: Balance) -> None:
        """One week's battle for place t: the air over it, contest, Lanchester losses on both sides, maybe a
        capture."""
        m = self.model
        p = m.params
        view = m.map.view()
        holder = view.controller[t]
        factions, camp_of = m.factions, view.faction_camps
        enemy_camp = camp_of[holder]
        contrib = {fi: v for fi, v in committed.items() if camp_of[fi] != enemy_camp and v > 0}
        if not contrib:
            return
        fis = sorted(contrib)
        att_camp = camp_of[fis[0]]
        defenders = self.defenders(t, attacking, force, att_camp)
        attack, defence = sum(contrib.values()), sum(defenders.values())
        att_air, def_air = m.air.multiplier(att_camp, enemy_camp, t), m.air.multiplier(enemy_camp, att_camp, t)
        air_lost = m.air.fight_over(t, att_camp, enemy_camp)
        result = combat.resolve_battle(attack * att_air, defence * def_air,
                                       m.geo.defender_advantage[t], p.contest_decisiveness, p.attrition_rate,
                                       p.capture_tempo, m.rng)
        lost = self.take_losses(contrib, result.attacker_losses) + self.take_losses(defenders, result.defender_losses)
        m.camps[att_camp].battles += 1
        m.camps[enemy_camp].battles += 1
        for fi in fis:
            factions[fi].after_battle(result.won, p.battle_cohesion_change, p.cohesion_floor)
        command = m.camps[att_camp].command
        command.battles += 1
        command.learn(result.won, p)
        if result.captured:
            self.capture(t, self.receiver(factions[max(contrib, key=lambda k: (contrib[k], -k))], t), factions[holder])
        self.battles_this_week.append((t, fis[0], result.captured))
        m.recorder.battles.append(BattleRow(
            m.steps, m.date_text(), m.geo.places.ids[t], att_camp, enemy_camp, attack, defence, att_air, def_air,
            *air_lost, lost, "captured" if result.captured else ("won" if result.won else "held")))

    def take_losses(self, shares: dict[int, float], loss: float) -> float:
        """Share a side's losses between its factions by what each put in; returns the fighters lost."""
        total = sum(shares.values())
        if total <= 0 or loss <= 0:
            return 0.0
        m = self.model
        cap = m.params.max_loss_share
        side = 0.0
        for fi, s in shares.items():
            f = m.factions[fi]
            lost = f.take_losses(loss * s / total, cap)
            self.casualties += lost
            m.camps[f.camp].casualties += lost
            side += lost
        return side

    def receiver(self, taker, place: int):
        """Who takes a place the faction captured: the actor its ``captures_go_to`` names for the place, else its
        camp's, while that actor is in the faction's camp or an allied one (a partner); else the faction itself."""
        m = self.model
        pid = m.geo.places.ids[place]
        name = receiver_for(taker.captures_go_to, pid) or receiver_for(m.camps[taker.camp].captures_go_to, pid)
        if name is None:
            return taker
        other = m.holder(name)
        partner = other.camp == taker.camp or other.camp in m.map.relations.allies_of[taker.camp]
        return other if partner else taker

    def capture(self, place: int, winner, loser) -> None:
        m = self.model
        self.take(place, winner, loser, "capture",
                  f"{m.geo.places.names[place]} captured by {winner.camp} ({winner.name}) from {loser.name}")

    def take(self, place: int, winner, loser, kind: str, text: str) -> None:
        """The place changes hands (a capture, or a cut-off garrison giving way)."""
        m = self.model
        m.map.capture(place, winner.index)
        # the losing camp wants the place back: actors take more risk to recover a loss than to make a gain
        # (prospect theory in war: Levy 1992, "Prospect theory and international relations")
        worth = m.params.recapture_worth
        for fi in m.map.view().members[loser.camp]:
            goals = m.factions[fi].goals
            goals[place] = max(goals.get(place, 0.0), worth)
        self.captures.append((m.steps, winner.camp, loser.camp))
        m.log(kind, [winner.actor_id, loser.actor_id], text)
