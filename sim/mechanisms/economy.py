"""Oil, revenue and pay.

Oil is produced at held fields and terminals unless their holder's camp
blockades them. The revenue flows through the institutions in the capital
(National Oil Corporation, Central Bank), which under the status quo keep a
share for the camp holding the capital and pay salaries elsewhere by
population; an agreement can make the sharing equitable between regions
(seed 000). Pay keeps fighters; surplus recruits (Atkinson, Gutfraind & Kress
2011: recruitment from the population that supports a side).
"""

from __future__ import annotations

from ..bounds import at_least, at_most


def weekly_revenue(output_bpd: float, price_usd: float) -> float:
    """$ million per week."""
    return output_bpd * 7.0 * price_usd / 1e6


def revenue_split(pop_share: dict[str, float], capital_camp: str | None, rule: str,
                  capital_share: float) -> dict[str, float]:
    """Share of revenue per camp; shares sum to 1 (or all zero if no camp holds people)."""
    camps = [c for c, s in pop_share.items() if s > 0]
    if not camps:
        return {c: 0.0 for c in pop_share}
    out = {c: 0.0 for c in pop_share}
    if rule == "equitable" or capital_camp is None or capital_camp not in out:
        total = sum(pop_share[c] for c in camps)
        for c in camps:
            out[c] = pop_share[c] / total
        return out
    others = [c for c in camps if c != capital_camp]
    other_pop = sum(pop_share[c] for c in others)
    if not others or other_pop <= 0:
        out[capital_camp] = 1.0
        return out
    out[capital_camp] = capital_share
    for c in others:
        out[c] = (1.0 - capital_share) * pop_share[c] / other_pop
    return out


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
