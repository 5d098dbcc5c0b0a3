"""Money and places: budgets, own income, venues, aid and demonstration sites (ODD §7.9).

Yearly decisions at the start of each budget year; amounts in yuan per year unless named weekly.
"""

from __future__ import annotations

import numpy as np

from .calendar import STEPS_PER_YEAR

TRANSFER_BASE = 12_000.0        # yuan/year per committee from the county budget
TRANSFER_PER_RESIDENT = 0.5     # yuan/year per resident
DISCRETIONARY_SHARE = 0.1       # of the transfer, left after office running costs
HELP_WAGE = 4.0                 # yuan/hour of outside help (casual wage, mid-2000s county)
DEMO_GRANT = 10_000.0           # yuan/year a demonstration site receives
DEMO_PLACES = 60.0              # places/week a demonstration site's new venue adds
AID_YUAN = 20_000.0             # yuan/year to each aided committee at full aid
AID_SHARE = 1 / 3               # poorest third of committees are aided
INFRA_YUAN = 15_000.0           # yuan/year per committee at full investment
INFRA_PLACES = 40.0             # places/week added a year at full investment
AID_PLACES = 20.0               # places/week added a year at full aid
ENTERPRISE_START = 0.35         # yearly chance at full drive, initiative and free time
ENTERPRISE_YUAN = 6_000.0       # yuan/year an enterprise earns at full support
REWARD_YUAN = 200.0             # yuan of perks per certificate at full reward
UNIT_DONATION_YUAN = 1_500.0    # yuan/year an open unit gives under co-construction (共驻共建)


def new_year(m) -> None:
    """Budgets, enterprises, investment, aid and demonstration designations for the year."""
    c, p, rng = m.committees, m.p, m.rng
    focus = p.jiangkou_focus_yuan * c.jiangkou
    c.transfer = TRANSFER_BASE + TRANSFER_PER_RESIDENT * c.residents + focus
    # own income ventures (社区服务业): started with the committee's drive (its own, plus
    # preferential policy), cadres' initiative and time left from administration; some fail
    drive = p.enterprise_base + (1.0 - p.enterprise_base) * p.enterprise_support
    free_time = 1.0 - c.admin_share
    start = rng.random(c.residents.size) < ENTERPRISE_START * drive * m.initiative * free_time
    failed = rng.binomial(c.enterprises, p.enterprise_failure * (1.0 - 0.5 * p.enterprise_support))
    c.enterprises += start - failed
    c.own_income = c.shop_rent + c.enterprises * ENTERPRISE_YUAN * (0.5 + 0.5 * p.enterprise_support)
    # investment: venues everywhere; renters move into owned offices and get their full venue
    c.venue_places += INFRA_PLACES * p.infrastructure_investment
    moved = c.renting & (rng.random(c.residents.size) < p.infrastructure_investment * 0.5)
    c.venue_places[moved] /= p.renting_venue_share
    c.renting &= ~moved
    # aid to the poorest third: the mean of their ranks by service hours and by places per
    # resident (hours and places are not added: they are different things)
    hours_rank = np.argsort(np.argsort(c.service_hours / c.residents, kind="stable"))
    places_rank = np.argsort(np.argsort(c.venue_places / c.residents, kind="stable"))
    rank = hours_rank + places_rank
    poor = rank <= np.quantile(rank, AID_SHARE)
    c.aid = AID_YUAN * p.poor_community_aid * poor
    c.venue_places += AID_PLACES * p.poor_community_aid * poor
    designate_demonstrations(m)
    open_units = [u.committee for u in m.units if u.open]
    c.donations = UNIT_DONATION_YUAN * np.bincount(open_units, minlength=c.residents.size)
    c.discretionary = (DISCRETIONARY_SHARE * (c.transfer - focus)
                       + focus - p.office_rent_yuan * c.renting + c.own_income
                       + c.donations + c.aid + DEMO_GRANT * c.demonstration)
    c.budget = c.transfer + c.own_income + c.donations + c.aid + DEMO_GRANT * c.demonstration
    m.year_spending = (c.transfer.sum() + c.aid.sum() + DEMO_GRANT * c.demonstration.sum()
                       + INFRA_YUAN * p.infrastructure_investment * c.residents.size)


def designate_demonstrations(m) -> None:
    """Titles are kept once given; new ones go to the best-rated committees (a Matthew effect)."""
    c, k = m.committees, m.p.demonstration_sites
    have = int(c.demonstration.sum())
    if have < k:
        rating = c.coverage + c.venue_places / 1000.0 - c.backlog_hours / 1000.0
        rating[c.demonstration] = -np.inf
        new = np.argsort(-rating, kind="stable")[: k - have]
        c.demonstration[new] = True
        c.venue_places[new] += DEMO_PLACES
    elif have > k:       # a scenario with fewer sites than the baseline: drop the newest ranks
        keep = np.flatnonzero(c.demonstration)[:k]
        c.demonstration[:] = False
        c.demonstration[keep] = True


def help_hours(c) -> np.ndarray:
    """Service hours/week the committee buys from its discretionary money."""
    return np.maximum(c.discretionary, 0.0) / STEPS_PER_YEAR / HELP_WAGE
