"""A week of fighting: each armed camp's command plans its offensive (:mod:`.command`), then the battles
are resolved in place order.

Strength reaches a place along supply lines (:mod:`.map`), is multiplied by air
power net of the enemy's air defence, and meets the defence the holder's camp can
spread there (:func:`.camp.defence_at`); :func:`sim.mechanisms.combat.resolve_battle`
decides the week's contest, the losses and whether the place falls.
"""

from __future__ import annotations

from ..mechanisms import campaign, combat
from ..record import BattleRow
from .camp import Balance, defence_at, threatened_reach

NOBODY: frozenset[int] = frozenset()  # no faction attacking elsewhere: the defence a command expects


class AirMultipliers(dict):
    """(attacking camp, defending camp) -> the attackers' air multiplier; a pair is worked out when first asked
    for (few of the pairs of camps meet in a week)."""

    def __init__(self, air: dict[str, float], air_defence: dict[str, float], air_weight: float):
        super().__init__()
        self._air, self._air_defence, self._weight = air, air_defence, air_weight

    def __missing__(self, pair: tuple[str, str]) -> float:
        attacker, defender = pair
        value = self[pair] = combat.air_multiplier(self._air[attacker], self._air_defence[defender], self._weight)
        return value


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
        self._air = self._air_multipliers()
        self._defence: dict[int, float] = {}
        self._worths: dict[str, dict[int, float]] = {}
        self._attacks: dict[tuple[str, int], float] = {}
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
            for t, fi, strength in plan:
                plans.setdefault(t, {})[fi] = strength
        self.attacked_last_week = sorted(plans)
        if plans:
            attacking = {fi for parts in plans.values() for fi in parts}
            self.weeks_of_fighting += 1
            for t in sorted(plans):
                self.battle(t, plans[t], attacking, self._air, force)
        for camp in geo.armed_camps:
            m.camps[camp].command.end_week(p)

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
        """Places some member wants that the camp does not hold (in place order), with their worth to the
        camp: its members' goals there, weighted by their strength. Once per camp and week."""
        if camp not in self._worths:
            pc, factions, eff = self._view.place_camps, self.model.factions, self._force.strength
            total = sum([eff[fi] for fi in members])
            weighted: dict[int, float] = {}  # place -> its members' goals there, strength-weighted
            wanted = set()
            for fi in members:
                for g, w in factions[fi].goals.items():
                    if pc[g] != camp:
                        weighted[g] = weighted.get(g, 0.0) + eff[fi] * w
                        if w > 0:
                            wanted.add(g)
            self._worths[camp] = {g: (weighted[g] / total if total > 0.0 else 0.0) for g in sorted(wanted)}
        return self._worths[camp]

    def attack_on(self, camp: str, members: list[int], axis: int) -> float:
        """The strength a camp's campaign brings to the axis (see :meth:`campaign_force`), once per week."""
        key = (camp, axis)
        if key not in self._attacks:
            self._attacks[key] = sum([s for _, s in self.campaign_force(members, axis)])
        return self._attacks[key]

    def campaign_force(self, members: list[int], axis: int) -> list[tuple[int, float]]:
        """(faction, strength it commits on the axis): its offensive share, brought forward along its supply line."""
        share, eff, reach = self.model.params.offensive_share, self._force.strength, self._force.rows
        return [(fi, share * eff[fi] * reach[fi][axis]) for fi in members]

    def believed_weekly_chance(self, camp: str, attack: float, place: int, optimism: float) -> float:
        """The command's estimate of winning a week's battle for the place with this attack."""
        m = self.model
        enemy = self._view.place_camps[place]
        if place not in self._defence:
            self._defence[place] = sum(self.defenders(place, NOBODY, self._force).values())
        return campaign.believed_chance(attack * self._air[camp, enemy], self._defence[place] * self._air[enemy, camp],
                                        m.params.contest_decisiveness, m.geo.defender_advantage[place], optimism)

    def _air_multipliers(self) -> AirMultipliers:
        """Air power against air defence, for the pairs of camps that meet in battle this week."""
        m = self.model
        air = dict.fromkeys(m.geo.camps, 0.0)
        ad = dict.fromkeys(m.geo.camps, 0.0)
        for f, camp in zip(m.factions, m.map.view().faction_camps):
            air[camp] += f.air
            ad[camp] += f.air_defence
        return AirMultipliers(air, ad, m.params.air_weight)


    def defenders(self, place: int, attacking: set[int], force: Balance) -> dict[int, float]:
        """Faction -> strength defending the place (see :func:`.camp.defence_at`)."""
        m = self.model
        view = m.map.view()
        holder = view.controller[place]
        camp = view.faction_camps[holder]
        p = m.params
        return defence_at(place, holder, camp, m.geo.is_armed(camp), view.members[camp], force, self.spread,
                          p.hold_weight / (p.hold_weight + 1.0), attacking, p.offensive_share,
                          self.focus.get(place, 1.0))

    def battle(self, t: int, committed: dict[int, float], attacking: set[int],
               air_mult: AirMultipliers, force: Balance) -> None:
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
        attack, defence = sum(contrib.values()), sum(defenders.values())
        result = combat.resolve_battle(attack * air_mult[att_camp, enemy_camp], defence * air_mult[enemy_camp, att_camp],
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
            self.capture(t, factions[max(contrib, key=lambda k: (contrib[k], -k))], factions[holder])
        self.battles_this_week.append((t, fis[0], result.captured))
        m.recorder.battles.append(BattleRow(
            m.steps, m.date_text(), m.geo.places.ids[t], att_camp, enemy_camp, attack, defence,
            air_mult[att_camp, enemy_camp], air_mult[enemy_camp, att_camp], lost,
            "captured" if result.captured else ("won" if result.won else "held")))

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

    def capture(self, place: int, winner, loser) -> None:
        m = self.model
        m.map.capture(place, winner.index)
        loser.goals[place] = max(loser.goals.get(place, 0.0), 1.0)  # it wants the place back
        self.captures.append((m.steps, winner.camp, loser.camp))
        m.log("capture", [winner.actor_id, loser.actor_id],
              f"{m.geo.places.names[place]} captured by {winner.camp} ({winner.name}) from {loser.name}")
