"""Money and places: budgets, own income, venues, aid and demonstration sites (ODD §7.9).

Yearly decisions at the start of each budget year; amounts in yuan per year unless named weekly.
"""

from __future__ import annotations

import numpy as np

from .calendar import PER_THOUSAND, STEPS_PER_YEAR



def new_year(m) -> None:
    """Budgets, enterprises, investment, aid and demonstration designations for the year."""
    c, p, rng = m.committees, m.p, m.rng
    focus = p.seat_focus_yuan * c.seat
    c.transfer = p.transfer_base_yuan + p.transfer_per_resident_yuan * c.residents + focus
    # own income ventures (社区服务业): started with the committee's drive (its own, plus
    # preferential policy), cadres' initiative and time left from administration; some fail
    drive = p.enterprise_base + (1.0 - p.enterprise_base) * p.enterprise_support
    free_time = 1.0 - c.admin_share
    start = rng.random(c.residents.size) < p.enterprise_start * drive * m.initiative * free_time
    failed = rng.binomial(c.enterprises, p.enterprise_failure
                          * (1.0 - p.support_failure_cut * p.enterprise_support))
    c.enterprises += start - failed
    earning = p.enterprise_yuan * ((1.0 - p.support_earning_weight)
                                   + p.support_earning_weight * p.enterprise_support)
    paid = p.paid_service_yuan * p.paid_services * free_time     # 物业化, 上门服务
    c.own_income = c.shop_rent + c.enterprises * earning + paid
    # investment: venues everywhere; renters move into owned offices and get their full venue
    c.venue_places += p.infrastructure_places * p.infrastructure_investment
    moved = c.renting & (rng.random(c.residents.size) < p.infrastructure_investment
                            * p.rehousing_share)
    c.venue_places[moved] /= p.renting_venue_share
    c.renting &= ~moved
    # aid to the poorest third: the mean of their ranks by service hours and by places per
    # resident (hours and places are not added: they are different things)
    hours_rank = np.argsort(np.argsort(c.service_hours / c.residents, kind="stable"))
    places_rank = np.argsort(np.argsort(c.venue_places / c.residents, kind="stable"))
    rank = hours_rank + places_rank
    poor = rank <= np.quantile(rank, p.aid_share)
    c.aid = p.aid_yuan * p.poor_community_aid * poor
    c.venue_places += p.aid_places * p.poor_community_aid * poor
    designate_demonstrations(m)
    open_units = [u.committee for u in m.units if u.open]
    c.donations = p.unit_donation_yuan * np.bincount(open_units, minlength=c.residents.size)
    grant = p.demo_grant_yuan * c.demonstration
    # a directing township keeps part of the ordinary transfer for its own targets (缺位, ODD
    # §7.1a): less discretionary money; the county pays it all the same, and the budget (the
    # county's allotment, on which the own-income share is measured) is unchanged
    ordinary = ordinary_transfer(c, p)
    kept = (p.township_withhold_share * m.directing_by_committee() * ordinary
            if p.township_agent else 0.0)
    c.discretionary = (p.discretionary_share * (ordinary - kept)
                       + focus - p.office_rent_yuan * c.renting + c.own_income
                       + c.donations + c.aid + grant)
    c.budget = c.transfer + c.own_income + c.donations + c.aid + grant
    m.year_money = year_money(m, grant)
    # the yearly lines' sum, added in this order (the weekly total of indicators.record keeps
    # the results of the runs made before the lines were kept apart)
    y = m.year_money
    m.year_spending = (y["transfers_ordinary"] + y["aid"] + y["grants"] + y["investment"]
                       + y["remedies"] + y["health_points"])


def ordinary_transfer(c, p) -> np.ndarray:
    """Each committee's transfer without the county seat's focus money, yuan/year."""
    return c.transfer - p.seat_focus_yuan * c.seat


def year_money(m, grant: np.ndarray) -> dict[str, float]:
    """The county's public money for the budget year by line, in yuan (ODD §7.9): transfers
    (with the county seat's focus money), demonstration grants, investment, aid, the remedies'
    running costs (stations, publicity, patrols, facilities association) and health points'
    hours at `help_wage`. Cadre pay, funded tasks, rewards and training are paid weekly
    (indicators.public_money)."""
    c, p = m.committees, m.p
    n = c.residents.size
    return {
        "transfers_ordinary": float(c.transfer.sum()),
        "grants": float(grant.sum()),
        "investment": p.infrastructure_yuan * p.infrastructure_investment * n,
        "aid": float(c.aid.sum()),
        "remedies": (p.station_yuan * p.service_stations + p.publicity_yuan * p.publicity
                     + p.patrol_yuan * p.health_and_safety
                     + p.association_yuan * p.facilities_association) * n,
        "health_points": float(health_hours(c, p).sum()) * p.help_wage * STEPS_PER_YEAR,
    }


def designate_demonstrations(m) -> None:
    """Titles are kept once given; new ones go to the best-rated committees (a Matthew effect)."""
    c, k = m.committees, m.p.demonstration_sites
    have = int(c.demonstration.sum())
    if have < k:
        scale = m.p.demo_rating_scale
        rating = c.coverage + c.venue_places / scale - c.backlog_hours / scale
        rating[c.demonstration] = -np.inf
        new = np.argsort(-rating, kind="stable")[: k - have]
        c.demonstration[new] = True
        c.venue_places[new] += m.p.demo_places
    elif have > k:       # a scenario with fewer sites than the baseline: drop the newest ranks
        keep = np.flatnonzero(c.demonstration)[:k]
        c.demonstration[:] = False
        c.demonstration[keep] = True


def health_hours(c, p) -> np.ndarray:
    """Service hours/week the health points (社区卫生服务网点) give each committee."""
    return p.health_hours_per_1000 * p.health_and_safety * c.residents / PER_THOUSAND


def help_hours(c, p) -> np.ndarray:
    """Service hours/week the committee buys from its discretionary money."""
    return np.maximum(c.discretionary, 0.0) / STEPS_PER_YEAR / p.help_wage
