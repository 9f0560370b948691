"""Relations between armed camps: war, truce, neutral or allied; every pair a scenario does not name is at war.

- **war**: the two camps attack each other's places, bar each other's supply, threaten each other's militias,
  and count as enemies in the balance, for red lines and for patrons' rivalry.
- **truce**: a war suspended between the two camps only: neither attacks the other, and nothing else
  changes (each still bars the other's supply, mans the line against it, counts it as an enemy). A truce
  breaks down with the ceasefire hazard of the pair (:meth:`sim.world.peace.PeaceProcess.breakdown`), and
  the two are at war again.
- **neutral**: at peace: no attacks, each one's supply may pass through the other's ground (as through an
  unarmed camp's), no threat, no red line crossed by the other, no rivalry. It holds until an event changes it.
- **allied**: neutral, and the two count as one side in the balance: a camp's chance of prevailing is its
  strength and its allies' against its strongest enemy with that enemy's allies (those hostile to it too).
  Allies keep their own commands and campaigns and do not defend each other's places.

Unarmed camps have no relations: they attack nobody, any armed camp may take their places, and every
camp's supply may cross their ground (as before relations existed).

:class:`Relations` is immutable; a change makes a new one (:meth:`Relations.changed`), whose tables are
built once and shared by every map view of it (:class:`sim.world.map.MapView`), so no lookup of a relation
is made in the week's loops.
"""

from __future__ import annotations

WAR, TRUCE, NEUTRAL, ALLIED = "war", "truce", "neutral", "allied"
HOSTILE = (WAR, TRUCE)  # the relations in which the other camp is an enemy


class Relations:
    """The relations between camps as they stand, and the tables derived from them."""

    def __init__(self, camps: list[str], armed: list[str], named: dict[tuple[str, str], str]):
        self.camps = list(camps)
        self.armed = list(armed)
        self._order = order = {c: i for i, c in enumerate(camps)}
        # the pairs not at war (a pair in the scenario's camp order -> its relation)
        self.named: dict[tuple[str, str], str] = {
            pair: rel for pair, rel in ((tuple(sorted(p, key=order.__getitem__)), r) for p, r in named.items())
            if rel != WAR}
        self.all_at_war = not self.named
        armed_set = frozenset(armed)
        between = self.between
        # in the scenario's camp order: sums over them must not depend on set order (hash seeds)
        self.hostile_to: dict[str, tuple[str, ...]] = {
            c: tuple(o for o in camps if o != c and c in armed_set and o in armed_set and between(c, o) in HOSTILE)
            for c in camps}
        self.hostile_set = {c: frozenset(v) for c, v in self.hostile_to.items()}
        self.at_war_with: dict[str, frozenset[str]] = {
            c: frozenset(o for o in self.hostile_to[c] if between(c, o) == WAR) for c in camps}
        unarmed = frozenset(c for c in camps if c not in armed_set)
        # the camps whose places an armed camp may attack: those at war with it, and the unarmed camps
        self.targets_of: dict[str, frozenset[str]] = {
            c: self.at_war_with[c] | (unarmed - {c}) for c in armed}
        # the camps whose ground a camp's supply cannot cross and whose forces threaten its factions' homes
        self.barred_to: dict[str, frozenset[str]] = {
            c: self.hostile_set[c] if c in armed_set else armed_set for c in camps}
        self.allies_of: dict[str, tuple[str, ...]] = {
            c: tuple(o for o in camps if o != c and between(c, o) == ALLIED) for c in camps}
        # per camp: each enemy with those of its allies that are hostile to the camp too (see Balance.measure)
        self.enemy_sides: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
            c: tuple((o, tuple(a for a in self.allies_of[o] if a in self.hostile_set[c])) for o in self.hostile_to[c])
            for c in camps}
        self.truces: list[tuple[str, str]] = sorted((p for p, r in self.named.items() if r == TRUCE),
                                                    key=lambda p: (order[p[0]], order[p[1]]))

    @classmethod
    def at_start(cls, scenario) -> "Relations":
        """The relations of a validated scenario's ``relations`` section."""
        return cls(list(scenario.camps), [c for c, spec in scenario.camps.items() if spec.armed],
                   {tuple(r.camps): r.relation for r in scenario.relations.values()})

    def between(self, a: str, b: str) -> str:
        """The relation of two camps: war unless named (an unarmed camp has no relations: see the module)."""
        pair = (a, b) if self._order[a] <= self._order[b] else (b, a)
        return self.named.get(pair, WAR)

    def changed(self, a: str, b: str, relation: str) -> "Relations":
        """The relations with the pair's set to ``relation``."""
        named = dict(self.named)
        named[(a, b) if self._order[a] <= self._order[b] else (b, a)] = relation
        return Relations(self.camps, self.armed, named)
