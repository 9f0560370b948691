"""A run's outcomes: the columns of summary.csv, each with its declared type.

Columns depend on the scenario (its outcome places and headline camps):
``<place>_controller`` and ``<place>_camp`` (str), ``<camp>_territory_share``,
``<camp>_population_share``, ``<camp>_oil_share`` (float), ``casualties`` (int),
``ceasefire_week`` (int, or None if no ceasefire began), ``weeks_of_fighting`` (int),
``agreement_held`` (bool). None is written as an empty cell.
"""

from __future__ import annotations


def summarise(model) -> dict[str, object]:
    """One row of outcomes for a run as it stands."""
    out: dict[str, object] = {}
    view = model.map.view()
    places = model.geo.places
    for pid in model.spec.outcome_places:
        i = places.index(pid)
        out[f"{pid}_controller"] = model.factions[view.controller[i]].actor_id
        out[f"{pid}_camp"] = view.place_camps[i]
    for c in model.spec.headline_camps:
        t, pshare, o = view.shares[c]
        key = c.lower()
        out[f"{key}_territory_share"] = t
        out[f"{key}_population_share"] = pshare
        out[f"{key}_oil_share"] = o
    out["casualties"] = round(model.front.casualties)
    out["ceasefire_week"] = model.peace.first_ceasefire_week
    out["weeks_of_fighting"] = model.front.weeks_of_fighting
    out["agreement_held"] = bool(model.peace.agreement)
    return out
