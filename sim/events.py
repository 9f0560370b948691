"""Scheduled events: one handler per event kind, in a registry.

A handler is ``handler(model, event_id, event)``; it acts on the world through the
model's parts (the support network, the map, the economy, the peace process)
and logs what happened. Events act at the start of the first week whose date is
after theirs, in date order (then by id).

A new kind of event needs a class in :mod:`sim.schema` (its fields, validated from
YAML) and a handler registered here with :func:`handles` (see docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from .world.economy import Closure
from .world.ties import Tie

Handler = Callable[[object, str, object], None]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of events of this kind."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


class Schedule:
    """A scenario's events in the order they act."""

    def __init__(self, events: dict):
        self.events = sorted(events.items(), key=lambda kv: (kv[1].date, kv[0]))
        self._next = 0

    def add(self, event_id: str, event) -> None:
        """Schedule one more event (it must not be in the past)."""
        self.events = self.events[:self._next] + sorted(self.events[self._next:] + [(event_id, event)],
                                                        key=lambda kv: (kv[1].date, kv[0]))

    def apply_due(self, model) -> None:
        """Every event dated before this week's date acts, in order."""
        horizon = model.start_date + dt.timedelta(days=7 * model.steps)
        while self._next < len(self.events) and self.events[self._next][1].date < horizon:
            eid, ev = self.events[self._next]
            self._next += 1
            HANDLERS[ev.kind](model, eid, ev)


def _channel(ev) -> str:
    return ev.channel.value.replace("_", " ")


@handles("deployment")
def deployment(model, eid, ev) -> None:
    """A patron starts (or steps up) support on a channel: the tie's level and cap are set."""
    ties = model.ties
    tie = ties.find(ev.patron, ev.client, ev.channel)
    if tie is None:
        tie = Tie(eid, ev.patron, ev.client, ev.channel, 0.0, 0.0, True, model.params.channel_effects.get(ev.channel))
        ties.add(tie)
    tie.max_level = max(tie.max_level, ev.max_level if ev.max_level is not None else ev.level)
    tie.level0 = ev.level
    tie.level = ev.level
    ties.changed()
    model.log("deployment", [ev.patron, ev.client],
              ev.text or f"{model.name_of(ev.patron)} deploys {_channel(ev)} for {model.name_of(ev.client)} "
                         f"(level {ev.level:g})")


@handles("withdrawal")
def withdrawal(model, eid, ev) -> None:
    """A patron ends support on a channel."""
    tie = model.ties.find(ev.patron, ev.client, ev.channel)
    if tie is not None:
        tie.level0 = tie.level = tie.max_level = 0.0
        model.ties.changed()
    model.log("withdrawal", [ev.patron, ev.client],
              ev.text or f"{model.name_of(ev.patron)} withdraws {_channel(ev)} from {model.name_of(ev.client)}")


@handles("tie_change")
def tie_change(model, eid, ev) -> None:
    """A tie's level and/or cap is set."""
    tie = model.ties.get(ev.tie)
    if ev.max_level is not None:
        tie.max_level = ev.max_level
    if ev.level is not None:
        tie.level0 = tie.level = ev.level
    tie.level = min(tie.level, max(tie.max_level, tie.level0))
    model.ties.changed()
    model.log("tie_change", [tie.source, tie.target], ev.text or f"tie {ev.tie} changed")


@handles("blockade")
def blockade(model, eid, ev) -> None:
    """An actor blockades (or lifts its blockade of) named places or a camp's ports; in the old form (``by``
    alone), a faction (or every faction of an actor's camp) shuts, or reopens, the oil it holds."""
    if ev.of_places:
        blockade_of_places(model, ev)
        return
    if ev.by in model.faction_index:
        members = [model.faction_index[ev.by]]
    else:
        members = list(model.map.view().members[model.actor(ev.by).camp])
    model.economy.blockade(members, lift=ev.lift)
    if ev.lift:
        model.economy.reopen(ev.by)  # a lift without places ends every blockade of the actor
    model.log("blockade", [ev.by],
              ev.text or f"{model.name_of(ev.by)} {'lifts' if ev.lift else 'imposes'} an oil blockade")


def blockade_of_places(model, ev) -> None:
    """The revenue of the places (or of the ports a camp holds) is cut by the enforcement, from now on."""
    names = model.geo.places.names
    where = ", ".join(names[model.geo.places.index(p)] for p in ev.places) or f"the ports of {ev.ports_of}"
    targets = [model.geo.places.index(p) for p in ev.places] or [("ports", ev.ports_of)]
    if ev.lift:
        model.economy.reopen(ev.by, targets)
        model.log("blockade", [ev.by], ev.text or f"{model.name_of(ev.by)} lifts its blockade of {where}")
        return
    enforcement = 1.0 if ev.enforcement is None else ev.enforcement
    for target in targets:
        place, camp = (target, None) if isinstance(target, int) else (None, target[1])
        model.economy.close(ev.by, Closure(model.actor(ev.by), ev.means, enforcement, place, camp))
    model.log("blockade", [ev.by], ev.text or f"{model.name_of(ev.by)} imposes a {ev.means} blockade on {where} "
                                              f"(enforcement {enforcement:g})")


@handles("arms_embargo")
def arms_embargo(model, eid, ev) -> None:
    """The embargo's enforcement is set for its targets (everyone if it names none), per channel."""
    model.embargo.impose(list(ev.targets), ev.enforcement, dict(ev.channels))
    on = f" on {', '.join(model.name_of(t) if t in model.faction_index else t for t in ev.targets)}" \
        if ev.targets else ""
    per_channel = "".join(f", {c.value.replace('_', ' ')} {e:g}" for c, e in ev.channels.items())
    model.log("arms_embargo", list(ev.targets), ev.text or f"arms embargo enforcement{on} set to "
                                                           f"{ev.enforcement:g}{per_channel}")


@handles("defection")
def defection(model, eid, ev) -> None:
    """An actor changes camp."""
    agent = model.actor(ev.actor)
    old = agent.camp
    model.map.change_camp(agent, ev.to_camp)
    if getattr(agent, "forces", None) is not None:  # a patron's own forces go with it
        model.map.change_camp(agent.forces, ev.to_camp)
    model.log("defection", [ev.actor], ev.text or f"{agent.name} leaves {old} for {ev.to_camp}")


@handles("recognition_change")
def recognition_change(model, eid, ev) -> None:
    agent = model.actor(ev.actor)
    agent.base_legitimacy = ev.legitimacy
    model.log("recognition_change", [ev.actor], ev.text or f"{agent.name}: legitimacy now {ev.legitimacy:g}")


@handles("offensive")
def offensive(model, eid, ev) -> None:
    """A faction's camp commits to a campaign against a place for at least some weeks."""
    faction = model.actor(ev.actor)
    target = model.geo.places.index(ev.target)
    model.camps[faction.camp].command.launch(model, target, ev.weeks)
    model.log("offensive", [ev.actor],
              ev.text or f"{model.name_of(ev.actor)} launches an offensive on {model.geo.places.names[target]}")


@handles("ceasefire")
def ceasefire(model, eid, ev) -> None:
    camps = {model.actor(a).camp for a in ev.parties}
    model.peace.start_ceasefire(camps, [a for a in ev.parties if a in model.faction_index], {})
    model.log("ceasefire", list(ev.parties), ev.text or "ceasefire declared")


@handles("capture")
def capture(model, eid, ev) -> None:
    """A place is handed over to a faction (no battle: see :class:`sim.schema.Capture`)."""
    place = model.geo.places.index(ev.place)
    name = model.geo.places.names[place]
    taker = model.actor(ev.to)
    holder = model.factions[model.map.view().controller[place]]
    _pass_place(model, "capture", ev, place, taker, holder,
                f"{name} handed over to {taker.camp} ({taker.name}) by {holder.name}")


@handles("handover")
def handover(model, eid, ev) -> None:
    """A place passes from its holder to a faction or a patron's forces (no battle: see
    :class:`sim.schema.Handover`); with ``by``, only if ``by`` still holds it."""
    place = model.geo.places.index(ev.place)
    name = model.geo.places.names[place]
    taker = model.holder(ev.to)
    holder = model.factions[model.map.view().controller[place]]
    if ev.by is not None and model.holder(ev.by) is not holder:
        model.log("handover", [ev.by, ev.to], ev.text or f"{name}: not handed over, {model.name_of(ev.by)} no "
                                                         f"longer holds it ({holder.name} does)")
        return
    _pass_place(model, "handover", ev, place, taker, holder,
                f"{name} handed over by {holder.name} to {taker.name} ({taker.camp})")


def _pass_place(model, kind: str, ev, place: int, taker, holder, done: str) -> None:
    """The place goes from ``holder`` to ``taker`` with no battle, logged as ``kind`` (the event's text, else
    ``done``); nothing but a line in the log if the taker holds it already."""
    name = model.geo.places.names[place]
    if holder is taker:
        model.log(kind, [ev.to], ev.text or f"{name}: already held by {taker.name}")
        return
    model.map.capture(place, taker.index)
    model.log(kind, [ev.to, holder.actor_id], ev.text or done)


@handles("conference")
def conference(model, eid, ev) -> None:
    model.peace.hold_conference(ev)


@handles("relation")
def relation(model, eid, ev) -> None:
    """Two armed camps are at war, in a truce, neutral or allied from now on (:mod:`sim.world.relations`)."""
    a, b = ev.camps
    before = model.map.relations.between(a, b)
    model.map.set_relation(a, b, ev.relation)
    if ev.relation == "truce":
        model.peace.start_truce(a, b)
    model.log("relation", [a, b], ev.text or f"{a} and {b}: {ev.relation} (was {before})")
    for camp in (a, b):
        model.camps[camp].command.at_peace_with_holder(model)


@handles("split")
def split(model, eid, ev) -> None:
    """A share of a faction's fighters (and of its cash and own air means) goes over to another faction."""
    giver, taker = model.actor(ev.faction), model.actor(ev.to)
    moved = giver.split_off(ev.share, taker)
    model.log("split", [ev.faction, ev.to],
              ev.text or f"{ev.share:.0%} of {giver.name} ({moved:,.0f} fighters) go over to {taker.name} "
                         f"({taker.camp})")
