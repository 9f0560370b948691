"""The support network: who arms, pays, flies for or shields whom, and what it gives each client.

A tie's client is a faction, or a patron that another patron supports (pays for its mercenaries, funds it):
what a patron receives this way (level x cost of the ties to it) adds to its budget the next week
(:meth:`SupportNetwork.funds`, :meth:`sim.agents.PatronAgent.set_support`), so it can give its own clients more.

A :class:`Tie` is one channel of support from one actor to another, with its
sourced baseline level and its current level (patrons change the levels of their
adaptive ties each week). What one unit of level gives the client is the
channel's effect (``channel_effects`` of the parameters: a theatre's scale), read by name into
the client's :data:`GAINS`.
"""

from __future__ import annotations

import numpy as np

from ..schema import MILITARY_CHANNELS, Channel, ChannelEffect

# channels an arms embargo cuts (unless a patron's diplomatic cover shields the client)
EMBARGOED = frozenset(MILITARY_CHANNELS)


CHANNEL_GAINS = ("fighters", "quality", "air", "air_defence", "cash", "legitimacy")  # fields of ChannelEffect
# What a client receives this week through all its ties (sums of level x effect), in the order of the
# parameters of FactionAgent.receive: the channels' gains, the level of a patron's diplomatic cover (shields from
# the arms embargo) and the support received (every channel but alliance, for the record).
GAINS = CHANNEL_GAINS + ("cover", "support")


class Tie:
    """A support tie during a run: its sourced baseline and current level."""

    __slots__ = ("tie_id", "source", "target", "channel", "level0", "level", "max_level", "adaptive", "effect",
                 "cost", "source_agent", "target_agent", "embargoed", "counts_as_support", "backs", "shields",
                 "to_patron")

    def __init__(self, tie_id: str, source: str, target: str, channel: Channel, level: float, max_level: float,
                 adaptive: bool, effect: ChannelEffect | None):
        self.tie_id = tie_id
        self.source = source
        self.target = target
        self.channel = channel
        self.level0 = level
        self.level = level
        self.max_level = max_level
        self.adaptive = adaptive
        self.effect = effect
        self.cost = effect.cost if effect else 0.0
        self.embargoed = channel in EMBARGOED
        self.counts_as_support = channel != Channel.alliance
        self.source_agent = None
        self.target_agent = None
        self.backs = False  # patron support that rival patrons react to
        self.shields = False  # a patron's diplomatic cover: it shields the client from an arms embargo
        self.to_patron = False  # its client is a patron: it adds to that patron's budget, not to a faction

    def gains_per_level(self) -> tuple[float, ...]:
        """What one unit of level gives the client, in the order of :data:`GAINS`."""
        e = self.effect
        own = tuple(getattr(e, name) for name in CHANNEL_GAINS) if e else (0.0,) * len(CHANNEL_GAINS)
        return own + (float(self.shields), float(self.counts_as_support))


class SupportNetwork:
    """All ties of a run, and the arrays that turn their levels into capability each week.

    ``version`` counts changes of the ties themselves (a tie added, a level or cap set by an event);
    what is derived from them is rebuilt when it changes."""

    def __init__(self, agents: dict[str, object], faction_index: dict[str, int], is_patron):
        self._agents = agents
        self._faction_index = faction_index
        self._is_patron = is_patron
        self.ties: list[Tie] = []
        self.to_patrons: list[Tie] = []  # ties whose client is a patron
        self.version = 0
        self._arrays_for = -1  # number of ties the arrays were built for
        self.levels = np.zeros(0)
        self._rival_rows_key: tuple | None = None  # what the rows of rival_support were worked out for

    # ------------------------------------------------------------------ changes
    def add(self, tie: Tie) -> None:
        tie.source_agent = self._agents[tie.source]
        tie.target_agent = self._agents[tie.target]
        tie.source_agent.ties_out.append(tie)
        tie.to_patron = tie.target not in self._faction_index
        if tie.to_patron:
            self.to_patrons.append(tie)
        # what rival patrons react to is what reaches the factions (a patron's funds count when it spends them)
        tie.backs = tie.counts_as_support and self._is_patron(tie.source_agent) and not tie.to_patron
        # a state's veto shields a client; a mediator's word does not (an organisation is no patron)
        tie.shields = tie.backs and tie.channel is Channel.diplomatic_cover
        self.ties.append(tie)
        self.changed()

    def changed(self) -> None:
        """An event set a tie's level or cap."""
        self.version += 1

    def find(self, source: str, target: str, channel: Channel) -> Tie | None:
        for t in self.ties:
            if t.source == source and t.target == target and t.channel == channel:
                return t
        return None

    def get(self, tie_id: str) -> Tie:
        return next(t for t in self.ties if t.tie_id == tie_id)

    def refresh_levels(self) -> None:
        """Take the ties' current levels (a new array each time: the recorder keeps the old ones)."""
        self.ensure_arrays()
        self.levels = np.array([t.level for t in self.ties], dtype=float)

    def ensure_arrays(self) -> None:
        """Rebuild the arrays over the ties if ties were added since they were built."""
        if len(self.ties) != self._arrays_for:
            self._build_arrays()

    def _build_arrays(self) -> None:
        ties = self.ties
        self._arrays_for = n_t = len(ties)
        actor_pos = {a: i for i, a in enumerate(self._agents)}
        n_f = len(self._faction_index)
        self._gain = np.array([t.gains_per_level() for t in ties], dtype=float).reshape(n_t, len(GAINS))
        self._target = np.array([self._faction_index.get(t.target, 0) for t in ties], dtype=int)
        self._source = np.array([actor_pos[t.source] for t in ties], dtype=int)
        self._support = np.array([t.counts_as_support for t in ties], dtype=float)
        self._embargoed = np.array([t.embargoed and not t.to_patron for t in ties], dtype=bool)
        self._cover = np.array([t.shields for t in ties], dtype=float)
        self._to_faction = np.zeros((n_f, n_t))
        to_factions = [k for k, t in enumerate(ties) if not t.to_patron]  # a tie to a patron gives no faction
        self._to_faction[self._target[to_factions], to_factions] = 1.0
        self.backing = [t for t in ties if t.backs]
        self.allies: dict[str, list[tuple[Tie, object]]] = {}  # actor -> (alliance tie, the other party), tie order
        for t in ties:
            if t.channel == Channel.alliance:
                self.allies.setdefault(t.source, []).append((t, t.target_agent))
                if t.target != t.source:
                    self.allies.setdefault(t.target, []).append((t, t.source_agent))

    # ------------------------------------------------------------------ what the ties give
    def gains(self, embargo: np.ndarray | None) -> tuple[list[list[float]], list[float]]:
        """(per faction: its :data:`GAINS` this week, per actor: support given), the arms embargo applied: it
        cuts each embargoed tie by the enforcement it faces (``embargo``, per tie; None: no embargo in force)
        unless a patron's diplomatic cover shields the client."""
        levels = self.levels
        to_faction = self._to_faction
        if embargo is not None:
            cover = to_faction @ (levels * self._cover)
            bite = 1.0 - embargo * (1.0 - np.minimum(1.0, cover[self._target]))
            levels = np.where(self._embargoed, levels * bite, levels)
        gained = (to_faction @ (levels[:, None] * self._gain)).tolist()
        given = np.bincount(self._source, weights=levels * self._support, minlength=len(self._agents)).tolist()
        return gained, given

    def funds(self, patrons: list) -> list[float]:
        """Per patron: what other patrons give it (level x cost of the ties to it, at their current levels),
        budget units a week."""
        position = {id(p): i for i, p in enumerate(patrons)}
        out = [0.0] * len(patrons)
        for t in self.to_patrons:
            out[position[id(t.target_agent)]] += t.level * t.cost
        return out

    def rival_support(self, patrons: list, hostile_to: dict[str, tuple[str, ...]], camps: list[str],
                      faction_camps: tuple[str, ...], patron_camps: tuple[str, ...]) -> list[float]:
        """Per patron: the support (level x cost) that camps hostile to it receive from other patrons."""
        to_camp = dict.fromkeys(camps, 0.0)
        own = [0.0] * len(patrons)  # what each patron gives camps hostile to it
        for t, camp, hostile_patron in self._rival_rows(patrons, hostile_to, faction_camps, patron_camps):
            v = t.level * t.cost
            to_camp[camp] += v
            if hostile_patron is not None:
                own[hostile_patron] += v
        against = {c: sum([to_camp[h] for h in hostile_to[c]]) for c in camps}  # what a camp's enemies receive
        out = []
        for camp, mine in zip(patron_camps, own):
            rival = against[camp] - mine
            out.append(rival if rival > 0.0 else 0.0)
        return out

    def _rival_rows(self, patrons: list, hostile_to: dict[str, tuple[str, ...]], faction_camps: tuple[str, ...],
                      patron_camps: tuple[str, ...]) -> list[tuple[Tie, str, int | None]]:
        """Per backing tie, in tie order: (tie, its client's camp, its patron's position if that camp is hostile to
        the patron, else None); worked out again when ties are added, an actor changes camp or the camps'
        relations change."""
        key = (self._arrays_for, faction_camps, patron_camps, hostile_to)
        if key != self._rival_rows_key:
            position = {id(p): i for i, p in enumerate(patrons)}
            rows = []
            for t in self.backing:
                pi = position[id(t.source_agent)]
                camp = faction_camps[self._faction_index[t.target]]
                rows.append((t, camp, pi if camp in hostile_to[patron_camps[pi]] else None))
            self._rival_rows_key, self._rival_rows_list = key, rows
        return self._rival_rows_list

    def backing_of(self, camp: str) -> float:
        """Support (level x cost) the camp's members receive, alliances left out: what a party counts on."""
        return sum(t.level * t.cost for t in self.ties
                   if t.channel != Channel.alliance and not t.to_patron and t.target_agent.camp == camp)

    def allied_level(self, actor_id: str, camp: str) -> float:
        """Sum of the levels of the actor's alliances with members of the camp (either direction)."""
        return sum([t.level for t, other in self.allies.get(actor_id, ()) if other.camp == camp])
