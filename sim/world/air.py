"""The air war over the places (formulas and references in :mod:`sim.mechanisms.air`).

A faction's air power (its own and what its patrons' drones and aircraft give) flies from the air bases
its camp holds: over a place it acts with the coverage of the camp's nearest air base there (a camp that
holds no air base flies from its factions' supply bases). A faction's air defence is deployed at its
supply base and protects the places around it. In a battle, each side's air over the place, net of the
other side's air defence there, multiplies its strength (:func:`sim.mechanisms.combat.air_multiplier`),
and the two exchange losses (:func:`sim.mechanisms.air.exchange`), which the factions' stocks carry into
the next weeks until deliveries replace them. A side's air superiority over a place also thins the other
side's forces moving there: the attackers brought to a campaign's axis, and the reserves sent to defend it,
not the garrison already there (:func:`sim.mechanisms.air.interdiction`).
"""

from __future__ import annotations

from ..mechanisms import air, combat


class AirWar:
    """What each camp's air power and air defence cover this week, and the losses of the air war."""

    def __init__(self, model):
        self.model = model
        geo = model.geo
        self.km = geo.straight_km
        self.airbases = geo.airbases
        self._view = None
        self.lost: dict[str, list[float]] = {c: [0.0, 0.0] for c in geo.camps}  # camp -> [air, air defence] lost

    def new_week(self, view) -> None:
        """Cover is worked out from the map and the stocks as the week's fighting starts."""
        p = self.model.params
        if view is not self._view:
            self._view = view
            self._base_km: dict[str, list[float]] = {}
            self._bases = view.supply_bases
        self._air_range, self._ad_range = p.air_range_km, p.air_defence_range_km
        factions = self.model.factions
        self._air_total = dict.fromkeys(self.model.geo.camps, 0.0)
        for f, camp in zip(factions, view.faction_camps):
            self._air_total[camp] += f.air
        self._air_over: dict[tuple[str, int], float] = {}
        self._ad_over: dict[tuple[str, int], float] = {}

    def air_base_km(self, camp: str, place: int) -> float:
        """Straight-line km from the place to the camp's nearest air base (or its factions' supply bases)."""
        rows = self._base_km.get(camp)
        if rows is None:
            view = self._view
            bases = [b for b in self.airbases if view.place_camps[b] == camp] or \
                sorted({self._bases[fi] for fi in view.members[camp]})
            rows = self._base_km[camp] = [min([self.km[b][t] for b in bases], default=float("inf"))
                                          for t in range(len(self.km))]
        return rows[place]

    def air_over(self, camp: str, place: int) -> float:
        """The camp's air power over the place this week."""
        key = (camp, place)
        if key not in self._air_over:
            total = self._air_total[camp]
            self._air_over[key] = total * air.coverage(self.air_base_km(camp, place), self._air_range) \
                if total > 0.0 else 0.0
        return self._air_over[key]

    def air_defence_over(self, camp: str, place: int) -> float:
        """The camp's air defence over the place this week."""
        key = (camp, place)
        if key not in self._ad_over:
            factions, km, bases = self.model.factions, self.km, self._bases
            self._ad_over[key] = sum([factions[fi].air_defence * air.coverage(km[bases[fi]][place], self._ad_range)
                                      for fi in self._view.members[camp] if factions[fi].air_defence > 0.0])
        return self._ad_over[key]

    def multiplier(self, camp: str, enemy: str, place: int) -> float:
        """What the camp's air, net of the enemy's air defence over the place, multiplies its strength by."""
        return combat.air_multiplier(self.air_over(camp, place), self.air_defence_over(enemy, place),
                                     self.model.params.air_weight)

    def interdicted(self, camp: str, enemy: str, place: int) -> float:
        """Share of the camp's forces moving to the place that the enemy's air stops there
        (:func:`sim.mechanisms.air.interdiction`)."""
        return air.interdiction(self.air_over(enemy, place), self.air_defence_over(camp, place),
                                self.model.params.air_interdiction_rate)

    def fight_over(self, place: int, attacker: str, defender: str) -> tuple[float, float, float, float]:
        """The week's air fighting over a battle: each side's air meets the other's air defence there.
        Returns (attacker's air lost, defender's air lost, attacker's air defence lost, defender's air
        defence lost), taken from the factions' stocks."""
        p = self.model.params
        a_air, d_ad = air.exchange(self.air_over(attacker, place), self.air_defence_over(defender, place),
                                   p.air_shootdown_rate, p.air_strike_rate)
        d_air, a_ad = air.exchange(self.air_over(defender, place), self.air_defence_over(attacker, place),
                                   p.air_shootdown_rate, p.air_strike_rate)
        a_air, a_ad = self._take(attacker, a_air, a_ad, place)
        d_air, d_ad = self._take(defender, d_air, d_ad, place)
        return a_air, d_air, a_ad, d_ad

    def _take(self, camp: str, air_lost: float, ad_lost: float, place: int) -> tuple[float, float]:
        """Share a camp's losses between its factions by what each had over the place; returns what was lost."""
        if air_lost <= 0.0 and ad_lost <= 0.0:
            return air_lost, ad_lost
        factions, km, bases = self.model.factions, self.km, self._bases
        members = self._view.members[camp]
        # the exchange was reckoned on the week's cover (air_over, air_defence_over), which an earlier battle of
        # the same week may have used up: what is no longer there cannot be lost again
        if air_lost > 0.0:
            total = sum([factions[fi].air for fi in members])
            if total > 0.0:
                for fi in members:
                    f = factions[fi]
                    f.lose_air(air_lost * f.air / total, 0.0)
            else:
                air_lost = 0.0
        if ad_lost > 0.0:
            there = [(fi, factions[fi].air_defence * air.coverage(km[bases[fi]][place], self._ad_range))
                     for fi in members]
            total = sum([s for _, s in there])
            if total > 0.0:
                for fi, s in there:
                    factions[fi].lose_air(0.0, ad_lost * s / total)
            else:
                ad_lost = 0.0
        lost = self.lost[camp]
        lost[0] += air_lost
        lost[1] += ad_lost
        return air_lost, ad_lost
