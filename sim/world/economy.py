"""The revenue of the places, the blockades that cut it, and how it reaches the camps and the factions
(see :mod:`sim.mechanisms.economy`).

A place earns from its oil (``oil_bpd`` at the oil price) and from the sources its ``revenue:`` lists (customs,
taxes of its population, rents). Each source goes one of two ways (:class:`RevenueSources`):

- to the place's holder: the faction holding the place takes it, week by week;
- through the capital's institutions: it is pooled, and the pool is shared between the camps by the scenario's
  rule (``economy.institutions``; by population after an equitable agreement).

By default oil goes through the capital and everything else to the holder (``economy.via``, or a source's own
``via``). Of every revenue, ``revenue_to_cash`` reaches armed factions as pay.

Two kinds of blockade cut it:

- a holder's shutdown (the old form of the ``blockade`` event, and a walk-out from failed talks): the factions
  in ``blockading`` keep the oil of every place they hold shut, week by week;
- a blockade of places (:class:`Closure`): an actor cuts the revenue of named places, or of the ports a camp
  holds, by its enforcement, whatever the kind of revenue. A naval or air blockade bites while a camp other than
  the blockader's holds the place; a shutdown bites whoever holds it. Several blockades of one place multiply
  what flows: ``(1 - e1)(1 - e2)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..mechanisms import economy
from .map import MapView

WEEKS_A_YEAR = 365.0 / 7.0


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


@dataclass
class RevenueSources:
    """The revenue of the places, by the way it goes: oil in barrels a day (its price is a parameter), the other
    sources in $ million a week. Lists of (place, amount), in place order."""

    pooled_oil: list[tuple[int, float]] = field(default_factory=list)  # through the capital's institutions
    held_oil: list[tuple[int, float]] = field(default_factory=list)  # to the place's holder
    pooled: list[tuple[int, float]] = field(default_factory=list)  # customs, taxes, rents through the capital
    held: list[tuple[int, float]] = field(default_factory=list)  # ... to the place's holder

    @classmethod
    def of(cls, scenario) -> RevenueSources:
        """Every place's sources, each routed by its own ``via``, else the scenario's ``economy.via``."""
        out = cls()
        routes = scenario.economy
        for i, place in enumerate(scenario.territory.places.values()):
            oil_via = next((s.via for s in place.revenue if s.kind == "oil"), None)
            if place.oil_bpd > 0:
                oil = out.pooled_oil if routes.route("oil", oil_via) == "capital" else out.held_oil
                oil.append((i, float(place.oil_bpd)))
            for source in place.revenue:
                if source.kind != "oil":
                    pooled = routes.route(source.kind, source.via) == "capital"
                    (out.pooled if pooled else out.held).append((i, weekly_amount(source, place.population)))
        return out

    @property
    def to_holders(self) -> bool:
        return bool(self.held_oil or self.held)


def weekly_amount(source, population: float) -> float:
    """$ million a week of a customs, taxes or rents source (given a year)."""
    if source.kind == "taxes":
        return source.per_capita * population / 1e6 / WEEKS_A_YEAR
    return source.amount / WEEKS_A_YEAR


class Economy:
    """Who shuts the oil it holds, who blockades which places, how the pooled revenue is shared, what the holders
    take, and this week's revenue."""

    def __init__(self, geo, params, scenario):
        self.geo = geo
        self.params = params
        self.sources = RevenueSources.of(scenario)
        self.institutions = scenario.economy.institutions  # the rule of the status quo
        self.blockading: set[int] = set()  # factions that keep the oil of the places they hold shut
        self.closures: dict[tuple[str, object], Closure] = {}  # (blockader id, place or camp) -> its blockade
        self._closures_version = 0
        self.revenue_rule = "status_quo"  # or "equitable" (after an agreement): by population
        self.revenue = 0.0  # $m this week pooled through the capital
        self.held_revenue = 0.0  # $m this week taken by the holders of places
        self.recognition = 1.0  # the capital's camp's legitimacy over the most legitimate camp's (see pay)
        self._output_key = self._split_key = self._flow_key = None

    def output(self, view: MapView) -> float:
        """Barrels a day pooled through the capital: every field and terminal whose holder does not shut it, less
        what blockades cut."""
        key = (view, frozenset(self.blockading), self._closures_version)
        if key != self._output_key:
            self._output_key = key
            controller, shut = view.controller, self.blockading
            if not self.closures:
                self._output = sum([oil for i, oil in self.sources.pooled_oil if controller[i] not in shut])
            else:
                flow = self.flowing(view)
                self._output = sum([oil * flow[i] for i, oil in self.sources.pooled_oil
                                    if controller[i] not in shut])
        return self._output

    def flowing(self, view: MapView) -> list[float]:
        """Per place: the share of its revenue the blockades of places let through this week."""
        key = (view, self._closures_version)
        if key != self._flow_key:
            self._flow_key = key
            flow = [1.0] * self.geo.size
            for closure in self.closures.values():
                for i in closure.places(view, self.geo.ports):
                    flow[i] *= 1.0 - closure.enforcement
            self._flow = flow
        return self._flow

    def pooled_other(self, view: MapView) -> float:
        """$m this week of the customs, taxes and rents pooled through the capital, less what blockades cut."""
        flow = self.flowing(view)
        return sum([amount * flow[i] for i, amount in self.sources.pooled])

    def takings(self, view: MapView) -> list[float]:
        """$m this week each faction takes from the places it holds (the sources that go to the holder), less
        what blockades cut; a holder's shutdown stops its oil."""
        flow, controller = self.flowing(view), view.controller
        out = [0.0] * len(view.faction_camps)
        for i, bpd in self.sources.held_oil:
            if controller[i] not in self.blockading:
                out[controller[i]] += economy.weekly_revenue(bpd, self.params.oil_price_usd) * flow[i]
        for i, amount in self.sources.held:
            out[controller[i]] += amount * flow[i]
        return out

    def split(self, view: MapView) -> dict[str, float]:
        """Share of the pooled revenue per camp, by the rule of the capital's institutions (by population after an
        equitable agreement)."""
        key = (view, self.revenue_rule, self.recognition)
        if key != self._split_key:
            self._split_key = key
            rule = self.institutions if self.revenue_rule == "status_quo" else "by_population"
            self._split = economy.revenue_split({c: s[1] for c, s in view.shares.items()}, view.capital_camp,
                                                rule, self.params.capital_revenue_share, self.recognition)
        return self._split

    def pay(self, view: MapView, camps: dict, factions: list) -> None:
        """This week's revenue: each camp's pay per fighter from its share of the pool, and each faction's takings
        from the places it holds."""
        p = self.params
        legitimacy: dict[str, float] = {}
        for f, camp in zip(factions, view.faction_camps):
            if camp in self.geo.armed_camps and f.legitimacy > legitimacy.get(camp, 0.0):
                legitimacy[camp] = f.legitimacy
        self.recognition = economy.recognition(legitimacy, view.capital_camp)
        self.revenue = economy.weekly_revenue(self.output(view), p.oil_price_usd)
        if self.sources.pooled:
            self.revenue += self.pooled_other(view)
        pool = self.revenue * p.revenue_to_cash
        split = self.split(view)
        fighters = {c: 0.0 for c in camps}
        for f, camp in zip(factions, view.faction_camps):
            if f.paid_by_camp:  # a patron's forces are paid by their patron
                fighters[camp] += f.fighters
        for c, camp in camps.items():
            camp.pay_rate = pool * split.get(c, 0.0) / fighters[c] if fighters[c] > 0 else 0.0
        if self.sources.to_holders:
            takings = self.takings(view)
            self.held_revenue = sum(takings)
            for f in factions:
                f.takings = takings[f.index] * p.revenue_to_cash

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
