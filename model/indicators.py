"""Indicator catalogue and the hot-tired-cold index (spec §6; definitions in docs/ODD.md §4.10).

A summary value is the mean over the last simulated year, except `cadre_turnover` (events in the
last year per seat) and `volunteer_100_share` (share at the year's end).
"""

from __future__ import annotations

import math

import numpy as np

SYNDROME_THRESHOLD = 0.6

# name: (unit, meaning). Order is the order of columns everywhere.
INDICATORS: dict[str, tuple[str, str]] = {
    "participation_rate": ("share of adults", "took part in any activity in the last 4 weeks"),
    "volunteer_rate": ("share of residents", "registered volunteers"),
    "trust": ("0-1", "mean trust of adults in their committee"),
    "awareness": ("0-1", "mean community awareness and belonging of adults"),
    "admin_share": ("share of hours", "cadre hours spent on administrative work, meetings, inspections"),
    "cadre_hours_per_week": ("hours", "mean weekly hours of a serving cadre"),
    "exhaustion": ("0-1", "mean cadre exhaustion"),
    "cadre_turnover": ("per seat-year", "quits and retirements, annualised"),
    "service_hours_per_1000": ("hours/week", "service hours reaching residents per 1,000 residents"),
    "unmet_need": ("share", "residents' service need left unmet"),
    "task_backlog": ("hours/committee", "administrative work waiting"),
    "unfunded_share": ("share of hours", "pushed task hours arriving without money"),
    "units_open_share": ("share of units", "work units with facilities open to residents"),
    "empty_shell_share": ("share of committees", "own income at most 10% of budget (空壳社区)"),
    "jiangkou_gap": ("ratio - 1", "Jiangkou's service hours per resident relative to the rest"),
    "cost_per_service_hour": ("yuan/hour", "public spending per service hour delivered"),
    "htc_H": ("0-1", "government hot: pushed, inspection and meeting hours vs cadre capacity"),
    "htc_T": ("0-1", "cadres tired: mean of administrative share and exhaustion"),
    "htc_C": ("0-1", "residents cold: one minus the mean of participation and trust"),
    "htc_index": ("0-1", "geometric mean of H, T and C"),
    # further indicators beside the canonical ones
    "participation_18_35": ("share", "participation rate of residents aged 18-35"),
    "participation_36_59": ("share", "participation rate of residents aged 36-59"),
    "participation_60_plus": ("share", "participation rate of residents aged 60 and over"),
    "participation_low_income": ("share", "participation rate of low-income (低保) adults"),
    "volunteer_hours_per_1000": ("hours/week", "volunteer and duty service hours per 1,000 residents"),
    "volunteer_100_share": ("share of volunteers", "volunteers with 100 services so far this year"),
    "satisfaction": ("0-1", "mean satisfaction of adults"),
    "admin_hours_per_cadre": ("hours/week", "administrative hours of a serving cadre"),
    "inspection_hours": ("hours/committee/week", "hours spent preparing inspections"),
    "meeting_hours": ("hours/committee/week", "hours in meetings and receptions"),
    "vacancies": ("seats", "cadre seats vacant"),
    "own_income_share": ("share of budget", "mean own-income share of committee budgets"),
    "venue_places_per_1000": ("places/week", "activity places (venues and opened units) per 1,000"),
    "jiangkou_venue_gap": ("ratio - 1", "Jiangkou's activity places per resident relative to the rest"),
    "high_school_share": ("share of cadres", "serving cadres with high school or above"),
    "over_45_share": ("share of cadres", "serving cadres older than 45"),
}

LAST_VALUE = {"volunteer_100_share"}


def unit_interval(ratio: float) -> float:
    """Smooth map of a non-negative ratio onto [0, 1): 1 - exp(-x).

    A push equal to the cadres' standard week (x = 1) maps to 0.63, just above the syndrome
    threshold; x / (1 + x) would need a push of 1.5 standard weeks (ODD §4.10).
    """
    return 1.0 - math.exp(-ratio)


def htc(pushed_hours: float, capacity_hours: float, admin_share: float, exhaustion: float,
        participation: float, trust: float) -> tuple[float, float, float, float]:
    """The hot-tired-cold components and index; each component lies in [0, 1]."""
    h = unit_interval(pushed_hours / capacity_hours) if capacity_hours > 0 else 1.0
    t = 0.5 * (admin_share + exhaustion)
    c = 1.0 - 0.5 * (participation + trust)
    return h, t, c, math.cbrt(h * t * c)


def summarise(series: dict[str, np.ndarray], steps_per_year: int = 52) -> dict[str, float]:
    """Summary values of one run from its weekly series (see the module docstring)."""
    out = {}
    for name, values in series.items():
        tail = values[-steps_per_year:]
        out[name] = float(tail[-1] if name in LAST_VALUE else tail.mean())
    return out


def syndrome_present(summary: dict[str, float]) -> bool:
    return all(summary[k] > SYNDROME_THRESHOLD for k in ("htc_H", "htc_T", "htc_C"))
