"""Oil output, blockades, and the revenue each camp gets (see :mod:`sim.mechanisms.economy`)."""

from __future__ import annotations

from ..mechanisms import economy
from .map import MapView


class OilEconomy:
    """Who shuts the oil it holds, how revenue is shared, and this week's revenue."""

    def __init__(self, geo, params):
        self.geo = geo
        self.params = params
        self.blockading: set[int] = set()  # factions that keep the oil of the places they hold shut
        self.revenue_rule = "status_quo"  # or "equitable" (after an agreement)
        self.revenue = 0.0  # $m this week
        self.recognition = 1.0  # the capital's camp's legitimacy over the most legitimate camp's (see pay_camps)
        self._output_key = self._split_key = None

    def output(self, view: MapView) -> float:
        """Barrels a day from every field and terminal whose holder does not shut it."""
        key = (view, frozenset(self.blockading))
        if key != self._output_key:
            self._output_key = key
            controller, shut = view.controller, self.blockading
            self._output = sum([oil for i, oil in self.geo.oil_places if controller[i] not in shut])
        return self._output

    def split(self, view: MapView) -> dict[str, float]:
        """Share of the oil revenue per camp (through the institutions in the capital)."""
        key = (view, self.revenue_rule, self.recognition)
        if key != self._split_key:
            self._split_key = key
            self._split = economy.revenue_split({c: s[1] for c, s in view.shares.items()}, view.capital_camp,
                                                self.revenue_rule, self.params.capital_revenue_share,
                                                self.recognition)
        return self._split

    def pay_camps(self, view: MapView, camps: dict, factions: list) -> None:
        """This week's revenue, and each camp's pay per fighter from its share of it."""
        p = self.params
        legitimacy: dict[str, float] = {}
        for f, camp in zip(factions, view.faction_camps):
            if camp in self.geo.armed_camps and f.legitimacy > legitimacy.get(camp, 0.0):
                legitimacy[camp] = f.legitimacy
        self.recognition = economy.recognition(legitimacy, view.capital_camp)
        self.revenue = economy.weekly_revenue(self.output(view), p.oil_price_usd)
        pool = self.revenue * p.revenue_to_cash
        split = self.split(view)
        fighters = {c: 0.0 for c in camps}
        for f, camp in zip(factions, view.faction_camps):
            fighters[camp] += f.fighters
        for c, camp in camps.items():
            camp.pay_rate = pool * split.get(c, 0.0) / fighters[c] if fighters[c] > 0 else 0.0

    def blockade(self, members: list[int] | set[int], lift: bool = False) -> None:
        if lift:
            self.blockading.difference_update(members)
        else:
            self.blockading.update(members)

    def would_blockade(self, camp: str, members: set[int], view: MapView) -> bool:
        """After failed talks a camp whose oil far exceeds its revenue share shuts the oil it holds."""
        oil = view.shares[camp][2]
        return (oil - self.split(view).get(camp, 0.0) > self.params.blockade_threshold
                and not members <= self.blockading)
