"""Oil output, blockades, and the revenue each camp gets (see :mod:`sim.mechanisms.economy`).

Revenue is the oil of the places. Two kinds of blockade cut it:

- a holder's shutdown (the old form of the ``blockade`` event, and a walk-out from failed talks): the factions
  in ``blockading`` keep the oil of every place they hold shut, week by week;
- a blockade of places (:class:`Closure`): an actor cuts the revenue of named places, or of the ports a camp
  holds, by its enforcement. A naval or air blockade bites while a camp other than the blockader's holds the
  place; a shutdown bites whoever holds it. Several blockades of one place multiply what flows:
  ``(1 - e1)(1 - e2)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mechanisms import economy
from .map import MapView


@dataclass(frozen=True)
class Closure:
    """One actor's blockade of one place (``place``), or of the ports one camp holds (``ports_of``)."""

    by: object  # the blockading agent: its camp is read each week (it may change)
    means: str  # naval | air | shutdown
    enforcement: float  # share of the revenue cut
    place: int | None = None
    ports_of: str | None = None

    def places(self, view: MapView, ports: list[int]) -> list[int]:
        """The places it closes this week."""
        if self.place is not None:
            places = [self.place]
        else:
            places = [i for i in ports if view.place_camps[i] == self.ports_of]
        if self.means == "shutdown":
            return places
        own = self.by.camp
        return [i for i in places if view.place_camps[i] != own]  # a blockade spares its own side


class OilEconomy:
    """Who shuts the oil it holds, who blockades which places, how revenue is shared, and this week's revenue."""

    def __init__(self, geo, params):
        self.geo = geo
        self.params = params
        self.blockading: set[int] = set()  # factions that keep the oil of the places they hold shut
        self.closures: dict[tuple[str, object], Closure] = {}  # (blockader id, place or camp) -> its blockade
        self._closures_version = 0
        self.revenue_rule = "status_quo"  # or "equitable" (after an agreement)
        self.revenue = 0.0  # $m this week
        self.recognition = 1.0  # the capital's camp's legitimacy over the most legitimate camp's (see pay_camps)
        self._output_key = self._split_key = None

    def output(self, view: MapView) -> float:
        """Barrels a day from every field and terminal whose holder does not shut it, less what blockades cut."""
        key = (view, frozenset(self.blockading), self._closures_version)
        if key != self._output_key:
            self._output_key = key
            controller, shut = view.controller, self.blockading
            if not self.closures:
                self._output = sum([oil for i, oil in self.geo.oil_places if controller[i] not in shut])
            else:
                flow = self.flowing(view)
                self._output = sum([oil * flow[i] for i, oil in self.geo.oil_places if controller[i] not in shut])
        return self._output

    def flowing(self, view: MapView) -> list[float]:
        """Per place: the share of its revenue the blockades of places let through this week."""
        flow = [1.0] * self.geo.size
        for closure in self.closures.values():
            for i in closure.places(view, self.geo.ports):
                flow[i] *= 1.0 - closure.enforcement
        return flow

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
        """Factions shut (or reopen) the oil of every place they hold."""
        if lift:
            self.blockading.difference_update(members)
        else:
            self.blockading.update(members)

    def close(self, by_id: str, closure: Closure) -> None:
        """A blockade of a place or of a camp's ports (replacing the same actor's blockade of it)."""
        target = closure.place if closure.place is not None else ("ports", closure.ports_of)
        self.closures[by_id, target] = closure
        self._closures_version += 1

    def reopen(self, by_id: str, targets: list | None = None) -> None:
        """The actor lifts its blockades of these places (``("ports", camp)`` for a camp's ports), or all."""
        keys = [k for k in self.closures if k[0] == by_id and (targets is None or k[1] in targets)]
        for k in keys:
            del self.closures[k]
        self._closures_version += 1

    def would_blockade(self, camp: str, members: set[int], view: MapView) -> bool:
        """After failed talks a camp whose oil far exceeds its revenue share shuts the oil it holds."""
        oil = view.shares[camp][2]
        return (oil - self.split(view).get(camp, 0.0) > self.params.blockade_threshold
                and not members <= self.blockading)
