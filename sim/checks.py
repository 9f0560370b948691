"""What a scenario may say but probably does not mean: the warnings of ``libya-sim validate``, ``run`` and
``compare`` (one line each, ``warning: file:line: field: message``; the command goes on).

Each check is a function of the validated :class:`sim.schema.Scenario` that yields ``(field, message)``;
:func:`sim.scenario.load_scenario` finds the file and line of the field, as it does for errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .errors import InputError
from .schema import ActorKind, Scenario
from .territory import components
from .world.relations import HOSTILE, TRUCE, WAR, Relations


@dataclass(frozen=True)
class ScenarioWarning:
    """A warning about one field of a scenario, with the file and line it came from (when known)."""

    field: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def located(self) -> str:
        """``file:line: field: message``, as an error is written."""
        return str(InputError(self.message, self.file, self.line, self.field))


def scenario_warnings(s: Scenario) -> list[tuple[str, str]]:
    """Every check's (field, message), in this order: camps, roads, places, ties, events."""
    out: list[tuple[str, str]] = []
    for check in (no_armed_camp, camps_at_peace, roads_apart, places_beyond_supply, unearnable_revenue,
                  pool_without_capital, idle_ties, late_events, idle_blockades, old_form_blockades,
                  idle_relation_changes, receivers_apart, idle_funds, forces_away_from_home):
        out += list(check(s))
    return out


def no_armed_camp(s: Scenario) -> Iterator[tuple[str, str]]:
    fighting = {a.camp for a in s.actors.values() if a.faction is not None}
    if not any(c.armed and cid in fighting for cid, c in s.camps.items()):
        yield "camps", "no armed camp with a faction: nobody fights, and there are no territory curves to draw"


def camps_at_peace(s: Scenario) -> Iterator[tuple[str, str]]:
    """An armed camp at peace (neutral or allied) with every other armed camp, at the start and after every
    relation event: it never fights an armed camp."""
    armed = [c for c, camp in s.camps.items() if camp.armed]
    start = Relations.at_start(s)
    for camp in armed:
        named = [rid for rid, r in s.relations.items() if camp in r.camps]
        if not named or len(armed) < 2 or start.hostile_to[camp]:
            continue
        if any(e.kind == "relation" and camp in e.camps and e.relation in HOSTILE for e in s.events.values()):
            continue
        yield (f"relations.{named[0]}.camps", f"{camp} is at peace (neutral or allied) with every other armed camp "
                                              "and no relation event changes that: it never fights one")


def idle_relation_changes(s: Scenario) -> Iterator[tuple[str, str]]:
    """A relation event that sets the relation the two camps already have (a truce excepted: it may have broken
    down by then)."""
    relations = Relations.at_start(s)
    for eid, e in sorted(s.events.items(), key=lambda kv: (kv[1].date, kv[0])):
        if e.kind != "relation":
            continue
        before = relations.between(*e.camps)
        if before == e.relation and before != TRUCE:
            yield (f"events.{eid}.relation", f"{e.camps[0]} and {e.camps[1]} are already "
                                             f"{'at war' if before == WAR else before} then: the event changes nothing")
        relations = relations.changed(*e.camps, e.relation)


def _road_parts(s: Scenario) -> list[set[str]]:
    """The places in groups joined by roads, the largest first."""
    links: dict[str, set[str]] = {p: set() for p in s.territory.places}
    for a, b in s.territory.roads:
        links[a].add(b)
        links[b].add(a)
    parts: list[set[str]] = []
    left = set(links)
    while left:
        todo = [min(left)]
        part = set(todo)
        while todo:
            for nb in links[todo.pop()] - part:
                part.add(nb)
                todo.append(nb)
        parts.append(part)
        left -= part
    return sorted(parts, key=len, reverse=True)


def _apart(s: Scenario) -> list[str]:
    """Places no road joins to the largest group of places (enclaves left out)."""
    parts = _road_parts(s)
    main = parts[0] if parts else set()
    return sorted(p for p in s.territory.places if p not in main and p not in s.territory.enclaves)


def roads_apart(s: Scenario) -> Iterator[tuple[str, str]]:
    cut = _apart(s)
    if cut:
        main = len(_road_parts(s)[0])
        yield ("territory.roads", f"no road joins {', '.join(cut)} to the rest of the map ({main} places); add "
                                  "roads, or list them under territory.enclaves if that is meant")


def beyond_supply(s: Scenario) -> list[tuple[str, str]]:
    """(place, holder) for every place its holder cannot supply at the start: no road joins it to the holder's
    base (its home, or the most populous place it holds if its camp has lost the home) through ground its camp's
    supply may cross (its own, unarmed camps', neutral and allied camps'), the way supply moves in the model
    (:func:`sim.world.map.supplied_places`)."""
    places = s.territory.places
    ids = list(places)
    pos = {p: i for i, p in enumerate(ids)}
    neighbours: list[list[int]] = [[] for _ in ids]
    for a, b in s.territory.roads:
        neighbours[pos[a]].append(pos[b])
        neighbours[pos[b]].append(pos[a])
    barred = Relations.at_start(s).barred_to
    camp_of = [s.actors[places[p].controller].camp for p in ids]
    out = []
    for aid, actor in s.actors.items():
        held = [i for i, p in enumerate(ids) if places[p].controller == aid]
        if actor.kind == ActorKind.faction:
            home = actor.faction.home
        elif actor.kind == ActorKind.patron and actor.patron.forces is not None:
            home = actor.patron.forces.home  # a patron's own forces
        else:
            continue
        if not held:
            continue
        ground = components([c not in barred[actor.camp] for c in camp_of], neighbours)
        base = pos[home]
        if camp_of[base] != actor.camp:
            base = max(held, key=lambda i: (places[ids[i]].population, -i))
        out += [(ids[i], aid) for i in held if ground[i] != ground[base] or ground[base] < 0]
    return out


def places_beyond_supply(s: Scenario) -> Iterator[tuple[str, str]]:
    apart = set(_apart(s))  # already said: no road at all
    for place, holder in beyond_supply(s):
        if place not in s.territory.enclaves and place not in apart:
            yield (f"territory.places.{place}.controller",
                   f"no road joins {place} to the base of its holder {holder} through ground its camp can supply "
                   "along: it starts cut off; list it under territory.enclaves if that is meant")


def unearnable_revenue(s: Scenario) -> Iterator[tuple[str, str]]:
    """A revenue source its place cannot earn: customs away from a port or a border crossing, taxes of a place
    with no population, an oil entry at a place with no oil."""
    for pid, place in s.territory.places.items():
        for i, source in enumerate(place.revenue):
            where = f"territory.places.{pid}.revenue.{i}"
            if source.kind == "customs" and not (place.port or place.border_crossing):
                yield (where, f"customs at {pid}, which is neither a port nor a border crossing: mark it "
                              "'port: true' or 'border_crossing: true', or call the revenue rents")
            elif source.kind == "taxes" and place.population <= 0:
                yield where, f"taxes at {pid}, which has no population: they raise nothing"
            elif source.kind == "oil" and place.oil_bpd <= 0:
                yield where, f"an oil entry at {pid}, which has no oil (oil_bpd): it routes nothing"


def pool_without_capital(s: Scenario) -> Iterator[tuple[str, str]]:
    """A rule of the capital's institutions chosen for a map with no capital: the pool is shared by population."""
    rule = s.economy.institutions
    if "institutions" in s.economy.model_fields_set and rule != "by_population" and \
            not any(p.capital for p in s.territory.places.values()):
        yield ("economy.institutions", f"{rule}, but no place is the capital (capital: true): the revenue pooled "
                                       "through the capital is shared by population")


def idle_ties(s: Scenario) -> Iterator[tuple[str, str]]:
    for tid, t in s.ties.items():
        if t.level == 0.0 and not t.dormant:
            yield (f"ties.{tid}.level", "level 0: the tie gives nothing until an escalation or an event raises it; "
                                        "say 'dormant: true' if that is meant")


def late_events(s: Scenario) -> Iterator[tuple[str, str]]:
    for eid, e in s.events.items():
        if e.date > s.end_date:
            yield f"events.{eid}.date", f"{e.date} is after end_date {s.end_date}: the event never happens"


def _earns(place) -> bool:
    """The place has revenue: oil, or a source of its ``revenue:``."""
    return place.oil_bpd > 0 or any(r.kind != "oil" for r in place.revenue)


def idle_blockades(s: Scenario) -> Iterator[tuple[str, str]]:
    """A blockade of places that cuts no revenue: none of them has any (oil, customs, taxes, rents), or they are
    the ports of the blockader's own camp, which a naval or air blockade spares."""
    places = s.territory.places
    for eid, e in s.events.items():
        if e.kind != "blockade" or e.lift or not e.of_places:
            continue
        if e.places and not any(_earns(places[p]) for p in e.places):
            yield (f"events.{eid}.places", f"none of {', '.join(e.places)} has revenue (oil_bpd or revenue:): the "
                                           "blockade cuts nothing")
        elif e.ports_of and not any(p.port and _earns(p) for p in places.values()):
            yield (f"events.{eid}.ports_of", "no port of the map has revenue (oil_bpd or revenue:): the blockade cuts "
                                             "nothing")
        elif e.ports_of == s.actors[e.by].camp and e.means != "shutdown":
            yield (f"events.{eid}.ports_of", f"{e.ports_of} is the camp of '{e.by}' itself: a {e.means} blockade "
                                             "spares its own side and cuts nothing")


def old_form_blockades(s: Scenario) -> Iterator[tuple[str, str]]:
    """A blockade by a patron or an organisation that names no places: it shuts its own camp's oil."""
    for eid, e in s.events.items():
        if e.kind == "blockade" and not e.lift and not e.of_places and s.actors[e.by].faction is None:
            yield (f"events.{eid}.by",
                   f"'{e.by}' holds no places: this blockade shuts the oil that the factions of its own camp "
                   f"({s.actors[e.by].camp}) hold; to blockade others' oil, name them with 'places:' or "
                   "'ports_of:'")


def receivers_apart(s: Scenario) -> Iterator[tuple[str, str]]:
    """A ``captures_go_to`` that names an actor of another camp, neither the same nor allied at the start: it
    takes nothing until it is a partner (the captor keeps the places)."""
    allies = Relations.at_start(s).allies_of
    rules = [(f"camps.{cid}.captures_go_to", cid, c.captures_go_to) for cid, c in s.camps.items()]
    rules += [(f"actors.{aid}.faction.captures_go_to", a.camp, a.faction.captures_go_to)
              for aid, a in s.actors.items() if a.faction is not None]
    for field, camp, rule in rules:
        per_place = rule.items() if isinstance(rule, dict) else [(None, rule)] if rule is not None else []
        for place, receiver in per_place:
            other = s.actors[receiver].camp
            if other != camp and other not in allies.get(camp, ()):
                yield (field if place is None else f"{field}.{place}",
                       f"'{receiver}' is in {other}, not in {camp} or a camp allied to it: it takes no captured "
                       "place until it is (the captor keeps them)")


def idle_funds(s: Scenario) -> Iterator[tuple[str, str]]:
    """A tie to a patron that has no adaptive tie to spend the funds on: they add to a budget nothing uses."""
    for tid, t in s.ties.items():
        if s.actors[t.target].kind != ActorKind.patron:
            continue
        spends = any(o.source == t.target and o.adaptive for o in s.ties.values())
        spends = spends or any(e.kind == "deployment" and e.patron == t.target for e in s.events.values())
        if not spends:
            yield (f"ties.{tid}.target", f"'{t.target}' gives no adaptive support: what this tie adds to its budget "
                                         "is never spent")


def forces_away_from_home(s: Scenario) -> Iterator[tuple[str, str]]:
    """A patron's forces based at a place their camp does not hold at the start: their supply line starts in another
    camp's ground."""
    places = s.territory.places
    for aid, a in s.actors.items():
        forces = a.patron.forces if a.patron is not None else None
        if forces is None:
            continue
        holder = s.actors[places[forces.home].controller].camp
        if holder != a.camp:
            yield (f"actors.{aid}.patron.forces.home", f"{forces.home} is held by {holder}, not by {a.camp}: the "
                                                       f"forces of '{aid}' start based in another camp's ground")
