"""Indicator catalogue and the hot-tired-cold index (spec §6; definitions in docs/ODD.md §4.10).

A summary value is the mean over the last simulated year, except `cadre_turnover` (events in the
last year per seat) and `volunteer_100_share` (share at the year's end).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .calendar import MONTHS_PER_YEAR, PER_THOUSAND, STEPS_PER_YEAR
from .county import OVER_45

SYNDROME_THRESHOLD = 0.6       # each of H, T and C above it: the syndrome is present (spec §6)
EMPTY_SHELL_SHARE = 0.1        # 空壳社区: own income at most this share of the budget (ODD §4.10)


class Indicator(NamedTuple):
    unit: str
    meaning: str
    zh: str                    # the essay's term or a plain Chinese name, for workshops
    # the levers that enter the indicator's definition directly (ODD §4.10): the lever's value is
    # a factor in the hours, places or money it counts, or in the admission and funding of the
    # tasks it counts; not levers that act only through decisions, states or the competition
    # for a cadre's fixed week
    levers: tuple[str, ...] = ()


# the levers in the administrative work counted: admitted tasks (refused ones are not worked,
# funded ones take only `funded_cadre_share` of cadre work, a station speeds them up), passed
# staff work, inspection preparation, campaign reporting, demonstration receptions and a
# township's linked cadres' checks (ODD §7.1a)
TASK_LEVERS = ("task_admission", "funding_follows_tasks", "service_stations")
FIXED_LEVERS = ("authority_over_staff", "inspections_per_year", "reduction_campaigns_per_year",
                "demonstration_sites", "township_liaison")
ADMIN_LEVERS = (*TASK_LEVERS, *FIXED_LEVERS, "campaign_cut_share", "meeting_hours_per_week")
# the government's own demands in H: inspections, campaigns, receptions (the linked cadres'
# checks among them) and meetings
DEMAND_LEVERS = ("inspections_per_year", "reduction_campaigns_per_year", "demonstration_sites",
                 "meeting_hours_per_week", "township_liaison")
# money that becomes committees' discretionary money, which buys help hours at help_wage
BUDGET_LEVERS = ("poor_community_aid", "demonstration_sites", "paid_services",
                 "enterprise_support")
# service hours that meet need: a station's reach, staff's own services, health points, help,
# the service part of pushed tasks done (admitted, funded, or done by their department) and a
# township's linked cadres' help (ODD §7.1a)
SUPPLY_LEVERS = ("service_stations", "authority_over_staff", "health_and_safety",
                 *BUDGET_LEVERS, "task_admission", "funding_follows_tasks", "township_liaison")
SERVICE_LEVERS = (*SUPPLY_LEVERS, "welfare_volunteer_days")      # with duty hours
PLACE_LEVERS = ("infrastructure_investment", "poor_community_aid", "demonstration_sites",
                "facilities_association", "deliberation")
MONEY_LEVERS = {"yuan_cadre_pay": ("cadre_pay",),
                "yuan_funded_tasks": ("task_admission", "funding_follows_tasks"),
                "yuan_transfers": ("demonstration_sites",),
                "yuan_investment": ("infrastructure_investment",),
                "yuan_aid": ("poor_community_aid",),
                "yuan_rewards": ("volunteer_reward",),
                "yuan_training": ("training_hours_per_year",),
                "yuan_services": ("service_stations", "publicity", "health_and_safety",
                                  "facilities_association")}


def union(*groups) -> tuple[str, ...]:
    """The levers of several groups, each once, in first-seen order."""
    return tuple(dict.fromkeys(k for g in groups for k in g))


PUBLIC_LEVERS = union(*MONEY_LEVERS.values())


# Order is the order of columns everywhere.
INDICATORS: dict[str, Indicator] = {
    "participation_rate": Indicator(
        "share of adults", "took part in any activity in the last 4 weeks", "居民参与率"),
    "volunteer_rate": Indicator("share of residents", "registered volunteers", "注册志愿者比例"),
    "trust": Indicator("0-1", "mean trust of adults in their committee", "居民信任"),
    "awareness": Indicator("0-1", "mean community awareness and belonging of adults", "社区意识"),
    "admin_share": Indicator(
        "share of hours", "cadre hours spent on administrative work, meetings, inspections",
        "行政事务占比",
        levers=ADMIN_LEVERS),
    "cadre_hours_per_week": Indicator(
        "hours", "mean weekly hours of a serving cadre", "干部周工时"),
    "exhaustion": Indicator("0-1", "mean cadre exhaustion", "干部疲惫"),
    "cadre_turnover": Indicator("per seat-year", "quits and retirements, annualised", "干部流失率"),
    "service_hours_per_1000": Indicator(
        "hours/week", "service hours reaching residents per 1,000 residents", "每千人服务小时",
        levers=SERVICE_LEVERS),
    "unmet_need": Indicator(
        "share", "residents' service need left unmet", "未满足需求", levers=SUPPLY_LEVERS),
    "task_backlog": Indicator(
        "hours/committee", "administrative work waiting", "积压任务",
        levers=(*TASK_LEVERS, *FIXED_LEVERS, "campaign_cut_share")),
    "unfunded_share": Indicator(
        "share of hours", "pushed task hours arriving without money", "无经费任务占比",
        levers=("funding_follows_tasks",)),
    "units_open_share": Indicator(
        "share of units", "work units with facilities open to residents", "单位设施开放比例"),
    "empty_shell_share": Indicator(
        "share of committees", "own income at most 10% of budget (空壳社区)", "空壳社区比例",
        levers=BUDGET_LEVERS),
    "seat_gap": Indicator(
        "ratio - 1", "the county seat's service hours per resident relative to the rest",
        "县城服务差距",
        levers=SERVICE_LEVERS),
    "cost_per_service_hour": Indicator(
        "yuan/hour", "public spending per service hour delivered", "每服务小时成本",
        levers=union(PUBLIC_LEVERS, SERVICE_LEVERS)),
    "htc_H": Indicator(
        "0-1", "government hot: the government's demand (tasks pushed, inspections, campaigns, "
        "receptions, meetings) vs cadre capacity", "政府热",
        levers=DEMAND_LEVERS),
    "htc_T": Indicator(
        "0-1", "cadres tired: mean of administrative share and exhaustion", "居干累",
        levers=ADMIN_LEVERS),
    "htc_C": Indicator(
        "0-1", "residents cold: one minus the mean of participation and trust", "居民冷"),
    "htc_index": Indicator(
        "0-1", "geometric mean of H, T and C", "热累冷指数",
        levers=union(DEMAND_LEVERS, ADMIN_LEVERS)),
    # further indicators beside the canonical ones
    "participation_18_35": Indicator(
        "share", "participation rate of residents aged 18-35", "18-35岁参与率"),
    "participation_36_59": Indicator(
        "share", "participation rate of residents aged 36-59", "36-59岁参与率"),
    "participation_60_plus": Indicator(
        "share", "participation rate of residents aged 60 and over", "60岁以上参与率"),
    "participation_low_income": Indicator(
        "share", "participation rate of low-income (低保) adults", "低保对象参与率"),
    "volunteer_hours_per_1000": Indicator(
        "hours/week", "volunteer and duty service hours per 1,000 residents", "每千人志愿服务小时",
        levers=("welfare_volunteer_days",)),
    "volunteer_100_share": Indicator(
        "share of volunteers", "volunteers with 100 services so far this year", "年满百次志愿者比例"),
    "satisfaction": Indicator("0-1", "mean satisfaction of adults", "居民满意度"),
    "admin_hours_per_cadre": Indicator(
        "hours/week", "administrative hours of a serving cadre", "干部行政工时",
        levers=ADMIN_LEVERS),
    "inspection_hours": Indicator(
        "hours/committee/week", "hours spent preparing inspections", "迎检工时",
        levers=("inspections_per_year",)),
    "meeting_hours": Indicator(
        "hours/committee/week", "hours in meetings (receptions are visible work)", "会议工时",
        levers=("meeting_hours_per_week",)),
    "vacancies": Indicator("seats", "cadre seats vacant", "干部空缺"),
    "own_income_share": Indicator(
        "share of budget", "mean own-income share of committee budgets", "自有收入占比",
        levers=BUDGET_LEVERS),
    "venue_places_per_1000": Indicator(
        "places/week", "activity places (venues and opened units) per 1,000", "每千人活动场所",
        levers=PLACE_LEVERS),
    "seat_venue_gap": Indicator(
        "ratio - 1", "the county seat's activity places per resident relative to the rest",
        "县城场所差距",
        levers=PLACE_LEVERS),
    "admin_share_sd": Indicator(
        "sd", "spread of the administrative share across committees", "行政事务占比差异",
        levers=ADMIN_LEVERS),
    "surface_share": Indicator(
        "share of hours", "cadre hours on inspected work, done or only made to look done (应付)",
        "迎检应付占比",
        levers=(*TASK_LEVERS, *FIXED_LEVERS)),
    "sham_share": Indicator(
        "share of work", "inspected work made only to look done, of all that passes (表面文章; 0 "
        "unless cadres choose, ODD §7.3a)", "表面文章占比"),
    "unowned_share": Indicator(
        "share of hours", "of the problems that need a department and the committee, what "
        "neither handled (两不管; 0 unless buck-passing is on, ODD §7.7a)",
        "两不管比例"),
    "township_directing": Indicator(
        "share", "how far the townships direct their committees rather than support them, "
        "mean over committees (越位、缺位; 0 unless the township is on, ODD §7.1a)", "乡镇越位程度"),
    "repushed_share": Indicator(
        "share of tasks", "pushed tasks that are refused ones pushed again through another channel "
        "(变相下派)",
        "变相下派任务占比", levers=("task_admission",)),
    "tasks_per_committee_year": Indicator(
        "tasks/committee/year", "tasks the departments push to a committee (and the township, "
        "with the township on), re-pushes included, before the admission filter, annualised",
        "社区年承接任务数"),
    "task_service_share": Indicator(
        "share of hours", "service hours that come with pushed tasks (四进社区)",
        "任务带来的服务占比", levers=SERVICE_LEVERS),
    "high_school_share": Indicator(
        "share of cadres", "serving cadres with high school or above", "高中以上学历干部比例"),
    "over_45_share": Indicator(
        "share of cadres", "serving cadres older than 45", "45岁以上干部比例"),
    # what the county pays and what its cadres spend (ODD §4.10, §7.9): the items add up to
    # public_yuan; a comparison's cost table reads them (present/stats.cost_table)
    "yuan_cadre_pay": Indicator(
        "yuan/year", "pay of the serving cadres", "干部报酬",
        levers=MONEY_LEVERS["yuan_cadre_pay"]),
    "yuan_funded_tasks": Indicator(
        "yuan/year", "money that comes with funded pushed tasks (outside help at the help wage)",
        "费随事转经费",
        levers=MONEY_LEVERS["yuan_funded_tasks"]),
    "yuan_transfers": Indicator(
        "yuan/year", "committees' budgets from the county, with the county seat's focus money "
        "and demonstration grants", "社区工作经费",
        levers=MONEY_LEVERS["yuan_transfers"]),
    "yuan_investment": Indicator(
        "yuan/year", "investment in offices and venues", "基础设施投入",
        levers=MONEY_LEVERS["yuan_investment"]),
    "yuan_aid": Indicator(
        "yuan/year", "aid to the poorest committees", "困难社区扶持资金",
        levers=MONEY_LEVERS["yuan_aid"]),
    "yuan_rewards": Indicator(
        "yuan/year", "perks of volunteer certificates", "志愿者激励",
        levers=MONEY_LEVERS["yuan_rewards"]),
    "yuan_training": Indicator(
        "yuan/year", "cadre training", "干部教育培训经费",
        levers=MONEY_LEVERS["yuan_training"]),
    "yuan_services": Indicator(
        "yuan/year", "service stations, publicity, patrols, facilities association and health "
        "points", "便民服务项目经费",
        levers=MONEY_LEVERS["yuan_services"]),
    "public_yuan": Indicator(
        "yuan/year", "public money for community work, all items", "财政支出合计",
        levers=PUBLIC_LEVERS),
    "admin_hours_per_year": Indicator(
        "hours/year", "the county's cadre hours on administrative work, meetings, inspections",
        "全县干部行政事务工时",
        levers=ADMIN_LEVERS),
}

CANONICAL = list(INDICATORS)[:20]          # spec §6's indicators, before the further ones
# the outcomes the headline ranking reads: residents' unmet need, trust and participation,
# cadres' exhaustion, turnover and weekly hours (the syndrome's consequences, not its process
# measures: H, T, the index and admin_share count levers' own values by definition, ODD §4.10;
# of the outcomes only unmet_need has levers in its definition, and the ranking marks them)
OUTCOMES = ("unmet_need", "trust", "participation_rate", "exhaustion", "cadre_turnover",
            "cadre_hours_per_week")
HEADLINE = ["participation_rate", "trust", "admin_share", "exhaustion", "cadre_turnover",
            "service_hours_per_1000", "unmet_need", "htc_index"]    # a comparison's columns
# which way is better for the county, from the essay's complaint: +1 higher, -1 lower
BETTER = {"participation_rate": 1, "trust": 1, "admin_share": -1, "exhaustion": -1,
          "cadre_turnover": -1, "service_hours_per_1000": 1, "unmet_need": -1, "htc_index": -1,
          "cadre_hours_per_week": -1,
          # the switched mechanisms' (SWITCHED): surface work, problems no one handles and a
          # township that directs are what the essay complains of
          "sham_share": -1, "unowned_share": -1, "township_directing": -1}
LAST_VALUE = {"volunteer_100_share"}
# indicators of a mechanism behind a switch (0 while it is off): shown and docked when it is on
SWITCHED = {"sham_share": "cadres_choose", "unowned_share": "buck_passing",
            "township_directing": "township_agent"}


def switched_on(params) -> list[str]:
    """The indicators of SWITCHED whose mechanism `params` switch on."""
    return [name for name, switch in SWITCHED.items() if getattr(params, switch)]


def definition_levers(indicator: str, changed) -> tuple[str, ...]:
    """The levers among `changed` that enter `indicator`'s definition (ODD §4.10): a scenario
    that changes one moves the indicator partly by definition ("by definition" notes)."""
    return tuple(k for k in INDICATORS[indicator].levers if k in changed)


def label(name: str) -> str:
    """The indicator's name with its Chinese term, for pages officials read."""
    return f"{name} · {INDICATORS[name].zh}"


def unit_interval(ratio: float) -> float:
    """Smooth map of a non-negative ratio onto [0, 1): 1 - exp(-x).

    A push equal to the cadres' standard week (x = 1) maps to 0.63, just above the syndrome
    threshold; x / (1 + x) would need a push of 1.5 standard weeks (ODD §4.10).
    """
    return 1.0 - math.exp(-ratio)


def htc(demand_hours: float, capacity_hours: float, admin_share: float, exhaustion: float,
        participation: float, trust: float) -> tuple[float, float, float, float]:
    """The hot-tired-cold components and index; each component lies in [0, 1]."""
    h = unit_interval(demand_hours / capacity_hours) if capacity_hours > 0 else 1.0
    t = (admin_share + exhaustion) / 2
    c = 1.0 - (participation + trust) / 2
    return h, t, c, math.cbrt(h * t * c)


# the settling criterion (ODD §7.1): a county is settled from the first year after which every
# one of these indicators' yearly means changes by at most its tolerance a year, twice running,
# beyond twice the standard error of that change over seeds (noise is not drift)
SETTLING_TOLERANCE = {"participation_rate": 0.01, "trust": 0.01, "admin_share": 0.01,
                      "exhaustion": 0.01, "cadre_turnover": 0.01,
                      "service_hours_per_1000": 0.5, "unmet_need": 0.01, "htc_H": 0.01,
                      "htc_T": 0.01, "htc_C": 0.01, "htc_index": 0.01}


def yearly_changes(yearly: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each indicator's excess yearly change: |mean change over seeds| - 2 standard errors -
    tolerance, per year (> 0: still drifting). `yearly[name]` is seeds x years of yearly means."""
    out = {}
    for name, tol in SETTLING_TOLERANCE.items():
        change = np.diff(np.asarray(yearly[name], dtype=float), axis=1)
        se = (change.std(axis=0, ddof=1) / np.sqrt(change.shape[0]) if change.shape[0] > 1
              else np.zeros(change.shape[1]))
        out[name] = np.abs(change.mean(axis=0)) - 2 * se - tol
    return out


def settling_year(yearly: dict[str, np.ndarray]) -> int | None:
    """The settling criterion (ODD §7.1): the number of years after which the county is
    settled, i.e. the first year y with every indicator's changes y -> y+1 and y+1 -> y+2
    within tolerance; None if the series never settle."""
    excess = np.max(np.stack(list(yearly_changes(yearly).values())), axis=0)   # per change
    for y in range(len(excess) - 1):
        if excess[y] <= 0 and excess[y + 1] <= 0:
            return y
    return None


def summary_window(years: int, burn_in_years: int = 0) -> str:
    """Which weeks a summary covers, and whether the county had settled before the switch."""
    first, last = (years - 1) * STEPS_PER_YEAR + 1, years * STEPS_PER_YEAR
    when = (f"after a {burn_in_years}-year burn-in under the base scenario (ODD §7.1)"
            if burn_in_years else "with no burn-in: the levers act on an unsettled county")
    return f"year {years} after the switch (weeks {first}-{last}), {when}"


def summarise(series: dict[str, np.ndarray],
              steps_per_year: int = STEPS_PER_YEAR) -> dict[str, float]:
    """Summary values of one run from its weekly series (see the module docstring)."""
    out = {}
    for name, values in series.items():
        tail = values[-steps_per_year:]
        out[name] = float(tail[-1] if name in LAST_VALUE else tail.mean())
    return out


class Syndrome(NamedTuple):
    """The verdict on "government hot, cadres tired, residents cold" from H, T and C."""
    present: bool
    H: float
    T: float
    C: float
    index: float

    @property
    def word(self) -> str:
        return "present" if self.present else "absent"

    @property
    def above(self) -> tuple[str, ...]:
        """The parts ("H", "T", "C") above the threshold."""
        return tuple(k for k, x in zip("HTC", (self.H, self.T, self.C)) if x > SYNDROME_THRESHOLD)

    @property
    def word_zh(self) -> str:
        return "存在" if self.present else "不存在"

    def describe(self) -> str:
        """One line, e.g. 'present: H 0.71, T 0.70, C 0.85 (each above 0.6 means present)'."""
        return (f"{self.word}: H {self.H:.2f}, T {self.T:.2f}, C {self.C:.2f} (each above "
                f"{SYNDROME_THRESHOLD:g} means present)")


def syndrome(values) -> Syndrome:
    """The verdict from any mapping with htc_H, htc_T, htc_C and htc_index (a run's summary,
    a row of means): present when all three components exceed the threshold."""
    h, t, c = (float(values[k]) for k in ("htc_H", "htc_T", "htc_C"))
    return Syndrome(min(h, t, c) > SYNDROME_THRESHOLD, h, t, c, float(values["htc_index"]))


def seat_gap(amount: np.ndarray, residents: np.ndarray, seat: np.ndarray) -> float:
    """The county seat's `amount` per resident relative to the rest's, minus 1; 0 in a county
    with no committee on one side (there is no gap to measure)."""
    if seat.all() or not seat.any():
        return 0.0
    return (amount[seat].sum() / residents[seat].sum()) / (amount[~seat].sum()
                                                          / residents[~seat].sum()) - 1.0


MONEY_ITEMS = ("yuan_cadre_pay", "yuan_funded_tasks", "yuan_transfers", "yuan_investment",
               "yuan_aid", "yuan_rewards", "yuan_training", "yuan_services")   # sum: public_yuan


def public_money(m, n_seated: int, tasks, ind) -> dict[str, dict[str, float]]:
    """The county's public money by item (ODD §7.9): "weekly", the items paid each week in
    yuan a week; "yearly", every item in yuan a year (a week's payments x 52, the budget
    year's lines as they are), MONEY_ITEMS and their sum public_yuan. No random numbers."""
    p, y = m.p, m.year_money
    weekly = {
        "cadre_pay": n_seated * p.cadre_pay * MONTHS_PER_YEAR / STEPS_PER_YEAR,
        "funded_tasks": tasks["funded"].sum() * p.task_hours * p.help_wage,
        "rewards": p.reward_yuan * p.volunteer_reward * ind["volunteer_rate"]
        * m.committees.residents.sum() * ind["volunteer_100_share"] / STEPS_PER_YEAR,
        "training": n_seated * p.training_hours_per_year * p.training_yuan_per_hour
        / STEPS_PER_YEAR,
    }
    yearly = {
        "yuan_cadre_pay": float(weekly["cadre_pay"]) * STEPS_PER_YEAR,
        "yuan_funded_tasks": float(weekly["funded_tasks"]) * STEPS_PER_YEAR,
        "yuan_transfers": y["transfers_ordinary"] + y["grants"],
        "yuan_investment": y["investment"],
        "yuan_aid": y["aid"],
        "yuan_rewards": float(weekly["rewards"]) * STEPS_PER_YEAR,
        "yuan_training": float(weekly["training"]) * STEPS_PER_YEAR,
        "yuan_services": y["remedies"] + y["health_points"],
    }
    yearly["public_yuan"] = sum(yearly[k] for k in MONEY_ITEMS)
    return {"weekly": weekly, "yearly": yearly}


def unmet_need(coverage: np.ndarray, need: np.ndarray, joint_need: np.ndarray | None) -> float:
    """Residents' need left unmet, county-wide; with buck-passing (ODD §7.7a) the joint
    problems' need counts as need."""
    if joint_need is not None:
        need = need + joint_need
    return max(0.0, 1.0 - float(coverage @ need) / need.sum())


def record(m, week) -> None:
    """The week's indicators into m.series and m.committee_series (model-level aggregates of
    array state, never per-agent tables; ODD §4.10). `week` holds what the phases computed."""
    p, c, s = m.p, m.committees, m.cadres
    t, tasks, use, hours, present = week.row, week.tasks, week.use, week.hours, week.present
    skill_factor, fixed, meetings, inspection = (week.skill_factor, week.fixed, week.meetings,
                                                 week.inspection)
    supply, need, venue, left = week.supply, week.need, week.venue, week.left
    adults = m.residents.adults_real
    seated = ~s.vacant
    n_seated = max(int(seated.sum()), 1)
    # the government's demand on the committees (H, ODD §4.10): every task the departments push,
    # before the admission filter and funding, at task_hours (not the team's speed), with
    # inspection preparation, campaign reporting, receptions and meetings; passed staff work is
    # not in it (the staff pass it, the departments do not push it)
    demand = tasks["pushed"] * p.task_hours + week.demanded + meetings
    admitted_load = tasks["admitted"] * p.task_hours / skill_factor + fixed + meetings
    capacity = p.standard_week * m.seats
    residents = c.residents
    ind = m.residents.indicators()
    budget_share = c.own_income / np.maximum(c.budget, 1.0)
    per_res = supply / residents
    money = public_money(m, n_seated, tasks, ind)
    # the week's public money, summed in the order the runs before the split into items used
    # (so their results stay bit for bit; training, added last, is 0 without training)
    yuan_week = (m.year_spending / STEPS_PER_YEAR + money["weekly"]["cadre_pay"]
                 + money["weekly"]["funded_tasks"] + money["weekly"]["rewards"]
                 + money["weekly"]["training"])
    admin_share = use["admin"].sum() / hours.sum()
    exhaustion = float(s.exhaustion[seated].mean())
    h, tt, cc, index = htc(demand.sum(), capacity.sum(), admin_share, exhaustion,
                           ind["participation_rate"], ind["trust"])
    # the directing share of each committee's township (0 without them, ODD §7.1a)
    directing = m.directing_by_committee() if p.township_agent else np.zeros(residents.size)
    ind.update(
        admin_share=admin_share,
        admin_share_sd=float(c.admin_share.std()),
        surface_share=use["surface"].sum() / hours.sum(),
        sham_share=float(use["sham"].sum() / max(use["covered"].sum(), 1e-9)),
        cadre_hours_per_week=hours.sum() / max(present.sum(), 1),   # seated when working
        exhaustion=exhaustion,
        cadre_turnover=left.size * STEPS_PER_YEAR / s.age.size,
        service_hours_per_1000=PER_THOUSAND * supply.sum() / residents.sum(),
        unmet_need=unmet_need(c.coverage, need, week.joint_need),
        unowned_share=(0.0 if week.joint_need is None else       # 两不管 (ODD §7.7a)
                       float((week.joint_need - week.joint_handled).sum()
                             / max(week.joint_need.sum(), 1e-9))),
        township_directing=float(directing.mean()),
        task_backlog=float(c.backlog_hours.mean()),
        unfunded_share=float((tasks["unfunded"] / skill_factor).sum()
                             / max((tasks["admitted"] / skill_factor).sum(), 1e-9)),
        repushed_share=float(tasks["repushed_in"].sum() / max(tasks["pushed"].sum(), 1)),
        tasks_per_committee_year=float(tasks["pushed"].sum()) / residents.size * STEPS_PER_YEAR,
        task_service_share=float(week.task_service.sum() / max(supply.sum(), 1e-9)),
        units_open_share=m.units_open_share,              # units revise yearly
        empty_shell_share=float((budget_share <= EMPTY_SHELL_SHARE).mean()),
        seat_gap=seat_gap(supply, residents, c.seat),
        seat_venue_gap=seat_gap(venue, residents, c.seat),
        cost_per_service_hour=yuan_week / max(supply.sum(), 1e-9),
        htc_H=h, htc_T=tt, htc_C=cc, htc_index=index,
        volunteer_hours_per_1000=PER_THOUSAND * (m.vol_hours.sum() + m.duty_hours.sum())
        / residents.sum(),
        admin_hours_per_cadre=use["admin"].sum() / n_seated,
        inspection_hours=float(inspection.mean()),
        meeting_hours=float(use["meetings"].mean()),
        vacancies=float(s.vacant.sum()),
        own_income_share=float(budget_share.mean()),
        venue_places_per_1000=PER_THOUSAND * venue.sum() / residents.sum(),
        high_school_share=float(s.educated[seated].mean()),
        over_45_share=float((s.age[seated] > OVER_45).mean()),
        **money["yearly"],
        admin_hours_per_year=float(use["admin"].sum()) * STEPS_PER_YEAR,
    )
    for k, v in ind.items():
        m.series[k][t] = v
    recent = m.residents.recent
    part = np.bincount(m.residents.committee[recent],
                       weights=m.residents.weight[recent], minlength=residents.size)
    cs = m.committee_series
    cs["admin_share"][t] = c.admin_share
    cs["service_per_1000"][t] = PER_THOUSAND * per_res
    cs["venue_per_1000"][t] = PER_THOUSAND * venue / residents
    cs["trust"][t] = c.trust
    cs["participation"][t] = part / adults
    cs["pushed_per_cadre"][t] = admitted_load / week.safe_present
    # the mean exhaustion of the cadres seated now (after this week's quits and hires); a
    # committee with every seat vacant shows a new hire's, as its next cadre will start
    seated_now = np.bincount(s.committee, weights=seated, minlength=residents.size)
    cs["exhaustion"][t] = np.where(seated_now > 0, np.bincount(
        s.committee, weights=s.exhaustion * seated, minlength=residents.size)
        / np.maximum(seated_now, 1), p.hire_exhaustion)
    cs["own_income_share"][t] = budget_share
    cs["renting"][t] = c.renting
    cs["seat"][t] = c.seat
    cs["new"][t] = c.new
    cs["residents"][t] = residents
    cs["township"][t] = m.served_by
    cs["township_directing"][t] = directing
    for k, bound in week.bound.items():      # what bounded taking part (1 for the one that did)
        cs[k][t] = bound
