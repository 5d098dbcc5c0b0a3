"""Organisations as Mesa agents: government, departments, committees, cadres and work units.

Committees' and cadres' numeric state lives in the model's arrays (`model.committees`,
`model.cadres`) so the weekly rules in workload.py are vectorised equations; each agent is a
handle that reads its own row, so `model.agents_by_type[Cadre].get("exhaustion")` works as in any
Mesa model. Departments, the government and units act through their own methods.
"""

from __future__ import annotations

import mesa
import numpy as np

from .calendar import STEPS_PER_YEAR
from .params import lever_share


def _row(table: str, column: str, doc: str):
    return property(lambda self: float(getattr(getattr(self.model, table), column)[self.idx]),
                    doc=doc)


class Government(mesa.Agent):
    """County government: calendar of inspections and campaigns, budget year, demonstrations."""

    def step(self) -> None:
        m, p = self.model, self.model.p
        week = m.week_of_year
        m.new_year = week == 0
        # inspections and campaigns spread evenly over the year (检查评比, 减负)
        m.inspection_week = _on_calendar(week, p.inspections_per_year)
        m.campaign_week = _on_calendar((week + p.campaign_week_offset) % STEPS_PER_YEAR,
                                       p.reduction_campaigns_per_year)


def _on_calendar(week: int, per_year: int) -> bool:
    return (week + 1) * per_year // STEPS_PER_YEAR > week * per_year // STEPS_PER_YEAR


class Department(mesa.Agent):
    """A functional department (职能部门) that pushes administrative tasks down to committees.

    Each has its own normal push rate (its weight), its own share of inspected work and its own
    sensitivity to blame, and reacts to what its own inspections find (ODD §7.1). Its pressure
    is pulled back to normal by fading attention and by the county's discipline on pushing
    down, and its push saturates at its capacity, so pressure settles instead of running away.
    A handle over its row of `model.department_table`; the weekly rules (push_factors,
    push_means, react) take all twelve at once.
    """

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = idx

    name = property(lambda self: self.model.department_table.names[self.idx])
    weight = _row("department_table", "weight", "share of the county's normal push")
    blame = _row("department_table", "blame", "pressure rise per share of its tasks found failed")
    blamed = _row("department_table", "blamed", "pressure from blame (inspections found failures)")
    rebound = _row("department_table", "rebound", "pressure from campaigns' rebound (再加压)")
    inspected = property(lambda self: float(self.model.inspected[self.idx]),
                         doc="share of its tasks inspections look at (funded: supervision)")

    @property
    def pressure(self) -> float:
        """Blame-avoidance pressure (1 = calm)."""
        return float(pressures(self.model.department_table)[self.idx])

    @property
    def pushed_last(self) -> int:
        """Tasks pushed last week to all committees."""
        return int(self.model.pushed[self.idx].sum())


def pressures(d: Table) -> np.ndarray:
    """Each department's blame-avoidance pressure (1 = calm)."""
    return 1.0 + d.blamed


def push_factors(d: Table, p) -> np.ndarray:
    """Each department's push relative to normal. Blame raises its effort, which saturates at
    its capacity K: 1 + b / (1 + b / (K - 1)) for blame pressure b; a campaign's rebound adds
    new items on top (x (1 + rebound))."""
    k = p.department_capacity
    b = np.maximum(d.blamed, 0.0)
    effort = 1.0 + (b / (1.0 + b / (k - 1.0)) if k > 1.0 else 0.0)
    return effort * (1.0 + d.rebound)


def push_means(m, factors: np.ndarray) -> np.ndarray:
    """Expected tasks this week from each department to each committee (Poisson means,
    departments x committees), the departments' push `factors` (push_factors) given."""
    rate = m.p.tasks_per_week * m.department_table.weight * factors * m.campaign_dip
    return rate[:, None] * m.size_factor * m.reach


def react(d: Table, failure: np.ndarray, inspection: bool, campaign: bool, p) -> None:
    """Blame pressure rises when a department's inspection finds its tasks failed (`failure`,
    its share) and fades with attention; a campaign's rebound (再加压) fades on its own, slower
    clock. The county's discipline on pushing down pulls both back (stronger under
    separation)."""
    discipline = p.push_discipline * (1.0 + lever_share(p, "task_admission"))
    d.blamed = d.blamed - min(1.0 / p.attention_weeks + discipline, 1.0) * d.blamed
    d.rebound = d.rebound - min(1.0 / p.rebound_weeks + discipline, 1.0) * d.rebound
    if inspection:
        d.blamed = d.blamed + d.blame * failure
    if campaign:
        d.rebound = d.rebound + p.campaign_rebound * (1 - p.task_admission) * (
            1 - p.funding_follows_tasks)


class Township(mesa.Agent):
    """A township government (乡镇政府) between the county's departments and the committees it
    serves (ODD §7.1a): each budget year it chooses how far to direct them (adding its own tasks,
    越位, and keeping part of their money, 缺位) rather than support them, as the county's
    assessment of the year just ended rewards it. A handle over its row of `model.townships`."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = idx

    name = property(lambda self: self.model.townships.names[self.idx])
    directing = _row("townships", "directing", "share of its community work spent directing "
                     "its committees (越位, 缺位) rather than supporting them")


def choose_stances(t: Table, served_by: np.ndarray, need: np.ndarray, size_factor: np.ndarray,
                   ordinary: np.ndarray, draw: np.ndarray, p) -> None:
    """Each township chooses its directing share for the budget year (ODD §7.1a) among
    `township_stances` evenly spaced shares from 0 to 1, with Luce's rule at precision
    `township_precision`, by the score the county's assessment would give it: per unit of
    directing, the credit for the activity it directs (none under clear functions) and what the
    money it keeps is worth to it, less the credit it expects to lose for its committees' need
    met; less `township_switch_cost` per unit it moves from last year's share. It believes its
    tasks' hours, the help its kept money would have bought and its linked cadres' hours
    (checks instead of help) come off its committees' service, as a share of their `need`
    (last year's mean, hours/week, per committee; none where they have none; `ordinary` is each
    committee's ordinary transfer, yuan/year). `draw` holds one uniform number per township."""
    k = t.directing.size
    served = np.bincount(served_by, minlength=k)
    tasks = p.township_tasks_per_week * np.bincount(served_by, weights=size_factor,
                                                    minlength=k) * p.task_hours
    help_kept = (p.township_withhold_share * p.discretionary_share
                 * np.bincount(served_by, weights=ordinary, minlength=k)
                 / STEPS_PER_YEAR / p.help_wage)
    liaison = 2.0 * p.liaison_hours_per_week * p.township_liaison * served
    total_need = np.bincount(served_by, weights=need, minlength=k)
    lost = np.where(total_need > 0, (tasks + help_kept + liaison)
                    / np.maximum(total_need, 1e-9), 0.0)
    gain = (p.activity_credit * (1.0 - p.clear_functions) + p.money_credit
            - p.outcome_credit * lost)
    stances = np.linspace(0.0, 1.0, p.township_stances)
    score = p.township_precision * (gain[:, None] * stances - p.township_switch_cost
                                    * np.abs(stances - t.directing[:, None]))
    weight = np.exp(score - score.max(axis=1, keepdims=True))
    chance = np.cumsum(weight, axis=1) / weight.sum(axis=1, keepdims=True)
    t.directing = stances[np.minimum((chance < draw[:, None]).sum(axis=1), stances.size - 1)]


class Committee(mesa.Agent):
    """A community residents' committee (社区居委会)."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = idx

    name = property(lambda self: self.model.committees.names[self.idx])
    seat = property(lambda self: bool(self.model.committees.seat[self.idx]),
                    doc="in the county seat")
    residents = _row("committees", "residents", "real residents")
    backlog_hours = _row("committees", "backlog_hours", "administrative work waiting (hours)")
    admin_share = _row("committees", "admin_share", "cadre hours on administration last week")
    service_hours = _row("committees", "service_hours", "service hours last week, all sources")
    coverage = _row("committees", "coverage", "share of residents' need met last week")
    venue_places = _row("committees", "venue_places", "own activity places per week")
    own_income = _row("committees", "own_income", "yuan/year from rent and enterprises")
    trust = _row("committees", "trust", "mean trust of its adult residents")


class Cadre(mesa.Agent):
    """A community cadre (社区干部) in a seat; a replacement is a new agent in the same seat."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = idx

    committee = property(lambda self: int(self.model.cadres.committee[self.idx]))
    educated = property(lambda self: bool(self.model.cadres.educated[self.idx]))
    age = _row("cadres", "age", "years")
    skill = _row("cadres", "skill", "0-1")
    morale = _row("cadres", "morale", "0-1")
    exhaustion = _row("cadres", "exhaustion", "0-1")
    dependence = _row("cadres", "dependence", "0-1: waits for instructions")
    hours = _row("cadres", "hours", "hours worked last week")
    tenure = _row("cadres", "tenure", "years in the seat")


class Unit(mesa.Agent):
    """A work unit (驻区单位: organ, school or enterprise) with facilities it may open."""

    def __init__(self, model, committee: int, places: float, disposition: float):
        super().__init__(model)
        self.committee, self.places, self.disposition = committee, places, disposition
        self.open = False

    def revise(self) -> None:
        """Yearly: open facilities when the sharing policy and local trust make it worthwhile."""
        m = self.model
        trust = float(m.committees.trust[self.committee])
        p = m.p
        willing = (p.unit_sharing * (p.unit_trust_base + p.unit_trust_weight * trust)
                   * self.disposition
                   * (1.0 + p.association_opening_gain * p.facilities_association))
        self.open = bool(m.rng.random() < min(1.0, willing))


COMMITTEE_COLUMNS = (
    "names", "residents", "seat", "renting", "new", "shop_rent", "venue_places", "size_factor",
    "backlog_hours", "admin_share", "service_hours", "coverage", "trust", "enterprises",
    "own_income", "demonstration", "transfer", "aid", "donations", "discretionary", "budget",
    "leadership")
CADRE_COLUMNS = ("committee", "age", "educated", "skill", "morale", "exhaustion", "dependence",
                 "hours", "tenure", "vacant", "motivation", "belief", "sham")
DEPARTMENT_COLUMNS = ("names", "weight", "blame", "blamed", "rebound")
TOWNSHIP_COLUMNS = ("names", "directing")


class Table:
    """A named set of equal-length arrays (committees, cadre seats or departments) with declared
    columns: creating one without a declared column, or setting an undeclared one, is an
    error."""

    def __init__(self, columns: tuple[str, ...], **values):
        missing, extra = set(columns) - set(values), set(values) - set(columns)
        if missing or extra:
            raise TypeError(f"Table columns: missing {sorted(missing)}, undeclared {sorted(extra)}")
        object.__setattr__(self, "columns", columns)
        self.__dict__.update(values)

    def __setattr__(self, name, value):
        if name not in self.columns:
            raise AttributeError(f"{name!r} is not a declared column ({', '.join(self.columns)})")
        object.__setattr__(self, name, value)
