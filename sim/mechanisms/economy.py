"""Revenue, its sharing, and pay.

A place earns from its oil, held fields and terminals producing unless their holder's camp blockades them, and
from customs, the taxes of its population and local rents. What is pooled through the institutions in the capital
(National Oil Corporation, Central Bank) is shared between the camps by a rule the scenario chooses
(:func:`revenue_split`): under the default rule they keep a share for the camp holding the
capital and pay salaries elsewhere by population; an agreement can make the sharing equitable between regions
(seed 000). What goes to a place's holder is that faction's own. Pay keeps fighters; surplus recruits (Atkinson,
Gutfraind & Kress 2011: recruitment from the population that supports a side).

Legitimacy acts on both (Krasner 1999, *Sovereignty: Organized Hypocrisy*: international recognition opens a
state's revenue and credit to whoever is recognised; Weinstein 2007, *Inside Rebellion*: a movement with
social standing recruits more cheaply than one that only pays):
- the capital holder keeps its share of the revenue in proportion to its recognition (its legitimacy over the
  most legitimate camp's): the institutions abroad do not pay an unrecognised holder of the capital in full;
- recruits per $ scale with ``1 + weight x (legitimacy - 0.5)``.
"""

from __future__ import annotations

from ..bounds import at_least, at_most

INSTITUTIONS = ("capital_share", "by_population", "capital_only")  # the rules of the capital's institutions


def weekly_revenue(output_bpd: float, price_usd: float) -> float:
    """$ million per week."""
    return output_bpd * 7.0 * price_usd / 1e6


def revenue_split(pop_share: dict[str, float], capital_camp: str | None, institutions: str,
                  capital_share: float, recognition: float = 1.0) -> dict[str, float]:
    """Share of the pooled revenue per camp, by the rule of the capital's institutions:

    - ``capital_share``: the capital's camp keeps ``capital_share x recognition`` (0..1) and the others share the
      rest by population (all of it if no other camp holds people);
    - ``by_population``: every camp by its population share (also without a capital, or when no camp holds it);
    - ``capital_only``: the capital's camp gets ``recognition`` of it, the rest is withheld (frozen abroad).

    The shares sum to 1 except under ``capital_only`` with a recognition below 1; all zero if no camp holds people.
    """
    if institutions not in INSTITUTIONS:
        raise ValueError(f"unknown rule of the capital's institutions: {institutions!r}")
    camps = [c for c, s in pop_share.items() if s > 0]
    if not camps:
        return {c: 0.0 for c in pop_share}
    out = {c: 0.0 for c in pop_share}
    if institutions == "by_population" or capital_camp is None or capital_camp not in out:
        total = sum(pop_share[c] for c in camps)
        for c in camps:
            out[c] = pop_share[c] / total
        return out
    if institutions == "capital_only":
        out[capital_camp] = recognition
        return out
    others = [c for c in camps if c != capital_camp]
    other_pop = sum(pop_share[c] for c in others)
    if not others or other_pop <= 0:
        out[capital_camp] = 1.0
        return out
    kept = capital_share * recognition
    out[capital_camp] = kept
    for c in others:
        out[c] = (1.0 - kept) * pop_share[c] / other_pop
    return out


def recognition(legitimacy: dict[str, float], capital_camp: str | None) -> float:
    """The capital's camp's legitimacy over the most legitimate camp's (1 if none has any)."""
    top = max(legitimacy.values(), default=0.0)
    if capital_camp is None or top <= 0.0:
        return 1.0
    return legitimacy.get(capital_camp, 0.0) / top


def recruits_per_cash(base: float, legitimacy: float, weight: float) -> float:
    """Fighters a $m of surplus recruits for a faction of this legitimacy: ``base x (1 + weight (L - 0.5))``."""
    return at_least(base * (1.0 + weight * (legitimacy - 0.5)), 0.0)


def pay_and_recruit(fighters: float, cash: float, income: float, upkeep_per_fighter: float,
                    recruit_per_cash: float, recruit_cap_share: float, reserve_weeks: float
                    ) -> tuple[float, float, float]:
    """One week of pay. Returns (new_fighters, new_cash, paid_share in [0, 1]).

    Upkeep is paid first; a shortfall means only ``paid_share`` of the force is
    paid. Cash above ``reserve_weeks`` of upkeep buys recruits, capped per week at
    ``recruit_cap_share`` of the force (of at least 100 fighters, so a tiny force can grow).
    """
    cash = cash + income
    upkeep = fighters * upkeep_per_fighter
    if upkeep > cash:
        paid = cash / upkeep if upkeep > 0 else 1.0
        return fighters, 0.0, paid
    cash -= upkeep
    reserve = reserve_weeks * upkeep
    recruits = 0.0
    if cash > reserve and recruit_per_cash > 0:
        spend = at_most(cash - reserve, recruit_cap_share * at_least(fighters, 100.0) / recruit_per_cash)
        recruits = spend * recruit_per_cash
        cash -= spend
    return fighters + recruits, cash, 1.0
