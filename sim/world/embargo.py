"""The arms embargo: who is under it, on which channels, and how firmly.

An embargo cuts the military channels of support (:data:`sim.schema.MILITARY_CHANNELS`) to the factions it
covers by its enforcement (0..1), unless a patron's diplomatic cover shields the client (see
:meth:`sim.world.ties.SupportNetwork.gains`). Each ``arms_embargo`` event sets the enforcement of the targets it
names, per channel: everyone (no targets), a faction, or a camp (whoever is in it that week). Where several
cover a tie, the firmest applies.
"""

from __future__ import annotations

import numpy as np

from ..schema import MILITARY_CHANNELS, Channel
from .map import MapView

EVERYONE = None  # the target of an embargo that names none


class ArmsEmbargo:
    """The embargo's regimes: target (a faction id, a camp, or EVERYONE) -> channel -> enforcement."""

    def __init__(self):
        self.regimes: dict[str | None, dict[Channel, float]] = {}
        self._key = None
        self._enforcement = None

    def impose(self, targets: list[str], enforcement: float, channels: dict[Channel, float]) -> None:
        """Set the enforcement on each military channel (``channels``, else ``enforcement``) for the targets
        (none: everyone); 0 lifts it."""
        regime = {c: channels.get(c, enforcement) for c in MILITARY_CHANNELS}
        for target in targets or [EVERYONE]:
            self.regimes[target] = regime
        self._key = None

    def on_ties(self, ties: list, view: MapView, faction_index: dict[str, int]):
        """Per tie, the enforcement it faces this week (0 for a channel no embargo cuts), an array in tie
        order; None if no embargo is in force (nothing to compute)."""
        targeted = len(self.regimes) > 1 or EVERYONE not in self.regimes
        key = (len(ties), view.faction_camps if targeted else None)  # a camp's embargo follows who is in it
        if key != self._key:
            self._key = key
            self._enforcement = self._per_tie(ties, view, faction_index)
        return self._enforcement

    def _per_tie(self, ties: list, view: MapView, faction_index: dict[str, int]):
        if not any(e > 0.0 for regime in self.regimes.values() for e in regime.values()):
            return None
        everyone = self.regimes.get(EVERYONE, {})
        if len(self.regimes) == 1 and everyone:  # on everyone alike
            return np.array([everyone.get(t.channel, 0.0) for t in ties], dtype=float)
        out = []
        for t in ties:
            if t.target not in faction_index:  # a patron's funds to another patron: no delivery to embargo
                out.append(0.0)
                continue
            camp = view.faction_camps[faction_index[t.target]]
            covering = [everyone, self.regimes.get(t.target, {}), self.regimes.get(camp, {})]
            out.append(max(regime.get(t.channel, 0.0) for regime in covering))
        return np.array(out, dtype=float)
