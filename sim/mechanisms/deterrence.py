"""Deterrence at red lines and a patron's restraint of its client.

- Deterrence (Schelling 1966, *Arms and Influence*): a patron's red line is a commitment to escalate if a
  place falls to the other side. An attacker weighing a campaign on such a place counts the expected
  reaction: the resolve of every hostile patron whose red line it would cross (resolve stands for the
  credibility the patron has built by its public commitments: audience costs, Fearon 1994, "Domestic
  political audiences and the escalation of international disputes").
- Restraint: a client's own patrons carry the risk of a confrontation with the rival patron, and restrain
  their client in proportion to their aversion to risk, ``1 - risk tolerance``, weighted by the support each
  gives (a camp that no patron backs weighs the threat in full: nobody shields it from the escalation).
- The expected cost is paid only if the campaign succeeds: a campaign's expected value is
  ``success x (worth - cost)``, so a front can freeze where the cost outweighs the worth.
"""

from __future__ import annotations


def risk_aversion(tolerances: list[float], support: list[float]) -> float:
    """The support-weighted aversion to risk of a camp's patrons (1 with no patron backing it)."""
    total = sum(support)
    if total <= 0.0:
        return 1.0
    return sum((1.0 - t) * s for t, s in zip(tolerances, support)) / total


def red_line_cost(resolves: list[float], aversion: float, weight: float) -> float:
    """Expected cost, in units of a place's worth, of taking a place on the red lines of patrons this resolved."""
    return weight * aversion * sum(resolves)


def deterred_value(worth: float, success: float, cost: float) -> float:
    """A campaign's expected value with the reaction it would provoke counted: ``success x (worth - cost)``."""
    return success * (worth - cost)
