"""A camp's operational command: its offensive capacity, its campaign and its beliefs
(see :mod:`sim.mechanisms.campaign` for the formulas and their references).

Each week an armed camp's command
1. reviews its campaign: it ends when the objective is taken, when the offensive culminates (capacity
   spent), or when the objective is no longer worth it under the command's (updated) beliefs;
2. without a campaign, and rested and resupplied, chooses the objective with the highest expected value;
3. attacks along the campaign's axis (the place of its front nearest the objective) with every member's
   offensive share, brought forward along its supply line.
Without a campaign a camp does not attack: the front is quiet while it rebuilds.
"""

from __future__ import annotations

import math

from ..mechanisms import campaign


class Command:
    """State and decisions of one armed camp's command."""

    def __init__(self, camp: str, capacity: float, optimism: float):
        self.camp = camp
        self.capacity = capacity  # offensive capacity, 0..1
        self.optimism = optimism  # how much the command over-rates its own strength (0 = not at all)
        self.objective: int | None = None
        self.forced_until = -1  # the command holds to the objective until this step (commitment, or a script)
        self.rest_until = 0  # no new campaign before this step (an operational pause)
        self.battles = 0  # battles it attacked in this week
        self.believed = 0.0  # believed chance of this week's battle on the axis

    # ------------------------------------------------------------------ decisions
    def plan(self, front, targets: list[int], members: list[int]) -> list[tuple[int, int, float]]:
        """The week's offensive: (place, faction, committed strength) along the campaign's axis, or nothing."""
        m = front.model
        p = m.params
        self.battles = 0
        self._review(front, targets, members)
        if self.objective is None and m.steps >= self.rest_until and self.capacity >= p.campaign_launch_capacity:
            self._choose(front, targets, members)
        if self.objective is None:
            return []
        axis = self.axis(front.model.geo, targets, self.objective)
        commits = front.campaign_force(members, axis)
        self.believed = front.believed_weekly_chance(self.camp, sum([s for _, s in commits]), axis, self.optimism)
        return [(axis, fi, s) for fi, s in commits if s > 0.0]

    def _review(self, front, targets: list[int], members: list[int]) -> None:
        if self.objective is None:
            return
        m = front.model
        p = m.params
        forced = m.steps <= self.forced_until
        why = None
        if m.map.view().place_camps[self.objective] == self.camp:
            why = "taken"
        elif not targets:
            why = "no front left"
        elif self.capacity < p.culmination_capacity:
            why = "the offensive culminates"
        elif not forced and self.expected_value(front, targets, members, self.objective) < p.offensive_threshold:
            why = "abandoned"
        if why is not None:
            m.log("campaign", [self.camp], f"{self.camp} campaign on {m.geo.places.names[self.objective]} ends: {why}")
            self.objective = None
            self.forced_until = -1
            self.rest_until = m.steps + p.operational_pause_weeks

    def _choose(self, front, targets: list[int], members: list[int]) -> None:
        m = front.model
        best, value = None, m.params.offensive_threshold
        for place, worth in front.objective_worths(self.camp, members).items():
            if worth < value:  # its believed chance is at most 1: it cannot reach the value to beat
                continue
            ev = self.expected_value(front, targets, members, place)
            if ev >= value:
                best, value = place, ev
        if best is not None:
            self.launch(m, best)

    def launch(self, m, place: int, weeks: int | None = None) -> None:
        """Start a campaign on the place; the command holds to it for at least ``weeks`` (a script's), or
        ``campaign_commitment_weeks``, unless it culminates or the front is lost."""
        self.objective = place
        self.forced_until = m.steps + (weeks if weeks is not None else m.params.campaign_commitment_weeks)
        m.log("campaign", [self.camp], f"{self.camp} launches a campaign on {m.geo.places.names[place]}")

    def expected_value(self, front, targets: list[int], members: list[int], place: int) -> float:
        """Worth of the place to the camp times the believed chance that a campaign takes it."""
        p = front.model.params
        axis = self.axis(front.model.geo, targets, place)
        if axis is None:
            return 0.0
        weekly = front.believed_weekly_chance(self.camp, front.attack_on(self.camp, members, axis), place,
                                              self.optimism)
        success = campaign.campaign_success(weekly, p.capture_tempo, p.campaign_horizon_weeks)
        return front.objective_worths(self.camp, members).get(place, 0.0) * success

    @staticmethod
    def axis(geo, targets: list[int], objective: int) -> int | None:
        """The place of the front nearest the objective by road (the objective itself once it is on the front)."""
        dist = geo.distance_rows[objective]
        best = min(targets, key=dist.__getitem__, default=None)  # targets are in place order: the first nearest
        return best if best is not None and math.isfinite(dist[best]) else None

    # ------------------------------------------------------------------ after the battles
    def learn(self, won: bool, params) -> None:
        """The command's optimism moves towards what the week's battle on the axis showed."""
        self.optimism = campaign.learn(self.optimism, won, self.believed, params.learning_rate,
                                       params.optimism_floor)

    def end_week(self, params) -> None:
        self.capacity = campaign.next_capacity(self.capacity, self.battles, params.capacity_cost_per_battle,
                                               params.capacity_regeneration)
