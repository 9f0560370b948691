"""A week of fighting: each armed camp plans its offensives, then the battles are resolved in place order.

Strength reaches a place along supply lines (:mod:`.map`), is multiplied by air
power net of the enemy's air defence, and meets the defence the holder's camp can
spread there (:func:`.camp.defence_at`); :func:`sim.mechanisms.combat.resolve_battle`
decides the week's contest, the losses and whether the place falls.
"""

from __future__ import annotations

import numpy as np

from ..mechanisms import combat
from .camp import Balance, defence_at, threatened_reach


class Front:
    """The combat stage of a week, and the goals that steer it."""

    def __init__(self, model):
        self.model = model
        self._goal_key = None
        self._goal_values: list[list[float]] = []
        self.spread: list[float] = []
        self._reach_key = None
        self.casualties = 0.0
        self.weeks_of_fighting = 0
        self.battles_this_week: list[tuple[int, int, bool]] = []  # (place, attacker faction, captured)
        self.captures: list[tuple[int, str, str]] = []  # (step, winner camp, loser camp)

    # ------------------------------------------------------------------ what each faction wants
    def goal_values(self) -> list[list[float]]:
        """Worth of each place to each faction: goals not yet held by its camp (and its campaign's target),
        spread along roads by the loss-of-strength kernel. Recomputed when the map or a campaign changes."""
        m = self.model
        view = m.map.view()
        key = (view, tuple((f.index, f.active_campaign(m.steps)) for f in m.factions if f.campaign is not None))
        if key != self._goal_key:
            self._goal_key = key
            pc = view.place_camps
            weights = np.array([f.goal_weights(pc, m.steps, m.params.campaign_goal_weight) for f in m.factions])
            self._goal_values = (weights @ m.geo.goal_kernel).tolist()
        return self._goal_values

    # ------------------------------------------------------------------ the week
    def fight(self, force: Balance) -> None:
        """Offensives of every armed camp, then their battles; nothing happens if no camp can reach an enemy."""
        m = self.model
        p = m.params
        view = m.map.view()
        fronts = view.fronts
        if not any(fronts.values()):
            return
        geo = m.geo
        members_of = view.members
        # how thinly each faction is spread over its camp's threatened places (force-to-space)
        if self._reach_key != (view, force.view):
            self._reach_key = (view, force.view)
            self._reach = threatened_reach(view.threatened, view.faction_camps, force.rows)
        self.spread = [e * s for e, s in zip(force.strength, self._reach)]
        air_mult = self._air_multipliers()
        values = self.goal_values()
        adv = geo.defender_advantage
        defence: dict[int, float] = {}

        def chance_against(camp: str):
            def chance(t: int, attack: float) -> float:
                enemy = view.place_camps[t]
                if t not in defence:
                    defence[t] = sum(self.defenders(t, set(), force).values())
                return combat.contest_success(attack * air_mult[camp, enemy], defence[t] * air_mult[enemy, camp],
                                              p.contest_decisiveness, adv[t])
            return chance

        plans: dict[int, dict[int, float]] = {}  # target -> faction -> committed strength
        for camp in geo.armed_camps:
            targets = fronts.get(camp)
            members = members_of[camp]
            if not targets or not members or force.totals[camp] <= 0:
                continue
            if m.peace.restrains(camp, m.rng):
                continue
            for t, fi, strength in m.camps[camp].plan_offensives(targets, members, force, values,
                                                                 chance_against(camp), p):
                plans.setdefault(t, {})[fi] = strength
        if not plans:
            return
        attacking = {fi for parts in plans.values() for fi in parts}
        self.weeks_of_fighting += 1
        for t in sorted(plans):
            self.battle(t, plans[t], attacking, air_mult, force)

    def _air_multipliers(self) -> dict[tuple[str, str], float]:
        """Air power against air defence, for every pair of camps that can meet in battle (one of them armed)."""
        m = self.model
        camps, armed = m.geo.camps, m.geo.armed_camps
        air = {c: 0.0 for c in camps}
        ad = {c: 0.0 for c in camps}
        for f, camp in zip(m.factions, m.map.view().faction_camps):
            air[camp] += f.air
            ad[camp] += f.air_defence
        w = m.params.air_weight
        return {(a, b): combat.air_multiplier(air[a], ad[b], w)
                for a in camps for b in camps if a != b and (a in armed or b in armed)}

    def defenders(self, place: int, attacking: set[int], force: Balance) -> dict[int, float]:
        """Faction -> strength defending the place (see :func:`.camp.defence_at`)."""
        m = self.model
        view = m.map.view()
        holder = view.controller[place]
        camp = view.faction_camps[holder]
        p = m.params
        return defence_at(place, holder, camp, m.geo.is_armed(camp), view.members[camp], force, self.spread,
                          p.hold_weight / (p.hold_weight + 1.0), attacking, p.offensive_share)

    def battle(self, t: int, committed: dict[int, float], attacking: set[int],
               air_mult: dict[tuple[str, str], float], force: Balance) -> None:
        """One week's battle for place t: contest, Lanchester losses on both sides, maybe a capture."""
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
        defenders = self.defenders(t, attacking, force)
        result = combat.resolve_battle(sum(contrib.values()) * air_mult[att_camp, enemy_camp],
                                       sum(defenders.values()) * air_mult[enemy_camp, att_camp],
                                       m.geo.defender_advantage[t], p.contest_decisiveness, p.attrition_rate,
                                       p.capture_tempo, m.rng)
        self.take_losses(contrib, result.attacker_losses)
        self.take_losses(defenders, result.defender_losses)
        m.camps[att_camp].battles += 1
        m.camps[enemy_camp].battles += 1
        for fi in fis:
            factions[fi].after_battle(result.won, p.battle_cohesion_change, p.cohesion_floor)
        if result.captured:
            self.capture(t, factions[max(contrib, key=lambda k: (contrib[k], -k))], factions[holder])
        self.battles_this_week.append((t, fis[0], result.captured))

    def take_losses(self, shares: dict[int, float], loss: float) -> None:
        """Share a side's losses between its factions by what each put in."""
        total = sum(shares.values())
        if total <= 0 or loss <= 0:
            return
        m = self.model
        cap = m.params.max_loss_share
        for fi, s in shares.items():
            f = m.factions[fi]
            lost = f.take_losses(loss * s / total, cap)
            self.casualties += lost
            m.camps[f.camp].casualties += lost

    def capture(self, place: int, winner, loser) -> None:
        m = self.model
        m.map.capture(place, winner.index)
        loser.goals[place] = max(loser.goals.get(place, 0.0), 1.0)  # it wants the place back
        self.captures.append((m.steps, winner.camp, loser.camp))
        m.log("capture", [winner.actor_id, loser.actor_id],
              f"{m.geo.places.names[place]} captured by {winner.camp} ({winner.name}) from {loser.name}")
