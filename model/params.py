"""The model's whole input: one frozen `Parameters` object (levers, structure, calibration).

Every field carries its group, documented range, unit, one-line meaning and the essay's term, so
scenario validation, `juwei levers`, sweeps and the app all read the same schema. Sources for
the baseline values are in docs/ODD.md (section 7, parameter table).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

LEVER_GROUPS = ("autonomy", "incentives", "resources")
OTHER_GROUPS = ("structure", "calibration")   # not levers: the county and uncertain constants


def _p(default, low, high, group, unit, meaning, zh="", integer=False):
    return field(
        default=default,
        metadata=dict(low=low, high=high, group=group, unit=unit, meaning=meaning, zh=zh,
                      integer=integer),
    )


@dataclass(frozen=True)
class Parameters:
    """Levers (spec §5), structure and calibration constants of one county run."""

    # --- autonomy: the government-community relationship -------------------------------------
    task_admission: float = _p(0.0, 0.0, 0.9, "autonomy", "share",
                               "share of pushed administrative tasks the committee may refuse",
                               "政事分离")
    funding_follows_tasks: float = _p(0.2, 0.0, 1.0, "autonomy", "share",
                                      "share of pushed tasks that bring money for outside help",
                                      "费随事转")
    authority_over_staff: float = _p(0.1, 0.0, 1.0, "autonomy", "share",
                                     "committee power over departments' stationed staff",
                                     "权随责走")
    inspections_per_year: int = _p(26, 0, 52, "autonomy", "per year",
                                   "inspections and evaluations each committee prepares for",
                                   "检查评比", integer=True)
    meeting_hours_per_week: float = _p(6.0, 0.0, 15.0, "autonomy", "hours/cadre/week",
                                       "meetings and receptions each cadre attends", "会议接待")
    reduction_campaigns_per_year: int = _p(1, 0, 2, "autonomy", "per year",
                                           "burden-reduction campaigns", "减负", integer=True)
    campaign_cut_share: float = _p(0.3, 0.0, 0.9, "autonomy", "share",
                                   "share of the task backlog a campaign removes", "减负力度")
    transparency: float = _p(0.2, 0.0, 1.0, "autonomy", "index 0-1",
                             "openness of party, residents' and financial affairs", "三公开")
    deliberation: float = _p(0.1, 0.0, 1.0, "autonomy", "index 0-1",
                             "members' congress, deliberative council and supervision in practice",
                             "三位一体")

    # --- incentives ---------------------------------------------------------------------------
    cadre_pay: float = _p(300.0, 200.0, 1500.0, "incentives", "yuan/month",
                          "community cadre pay", "干部待遇")
    competitive_recruitment: float = _p(0.1, 0.0, 1.0, "incentives", "share of hires",
                                        "hires made by open competition (graduates, veterans)",
                                        "聘转选")
    training_hours_per_year: float = _p(0.0, 0.0, 80.0, "incentives", "hours/cadre/year",
                                        "systematic cadre training", "教育培训")
    volunteer_reward: float = _p(0.0, 0.0, 1.0, "incentives", "index 0-1",
                                 "certificate-and-perks scheme for 100 services a year",
                                 "志愿服务证")
    welfare_volunteer_days: float = _p(0.0, 0.0, 10.0, "incentives", "days/month",
                                       "duty service of able-bodied low-income recipients",
                                       "低保义工制")

    # --- resources ----------------------------------------------------------------------------
    unit_sharing: float = _p(0.1, 0.0, 1.0, "resources", "share",
                             "share of work units' facilities opened to residents", "共驻共建")
    infrastructure_investment: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                          "public investment in offices and venues", "基础设施")
    enterprise_support: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                   "preferential policy for community enterprises", "优惠政策")
    poor_community_aid: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                   "aid to the poorest committees", "困难社区援建")
    demonstration_sites: int = _p(2, 0, 10, "resources", "committees",
                                  "demonstration communities (示范社区) funded and visited",
                                  "示范社区", integer=True)

    # --- structure ----------------------------------------------------------------------------
    scale: float = _p(1.0, 0.001, 1.0, "structure", "share",
                      "population scale: share of the 220,000 residents simulated")
    years: int = _p(5, 1, 30, "structure", "years", "horizon (52 weekly steps a year)",
                    integer=True)
    units_seat: int = _p(6, 0, 20, "structure", "per committee",
                         "work units per committee in Jiangkou (county seat)", integer=True)
    units_township: int = _p(2, 0, 20, "structure", "per committee",
                             "work units per committee elsewhere", integer=True)

    # --- calibration (uncertain constants; tuned values and reasons in the ODD) ----------------
    tasks_per_week: float = _p(28.0, 1.0, 60.0, "calibration", "tasks/committee/week",
                               "tasks all departments push to a township committee")
    task_hours: float = _p(3.0, 0.5, 8.0, "calibration", "hours/task",
                           "cadre hours one task takes at average skill")
    inspection_prep_hours: float = _p(16.0, 0.0, 60.0, "calibration", "hours/inspection",
                                      "committee hours to prepare one inspection")
    renting_venue_share: float = _p(0.5, 0.1, 1.0, "calibration", "share",
                                    "activity space of a rented office relative to an owned one")
    office_rent_yuan: float = _p(3_000.0, 0.0, 8_000.0, "calibration", "yuan/year",
                                 "rent a committee without its own office pays from its "
                                 "discretionary money (20% rent: 租房办公)")
    rent_logistics_share: float = _p(0.25, 0.0, 0.6, "calibration", "share",
                                     "share of a renting committee's would-be service hours "
                                     "lost to keeping a rented office (rent, moves, landlords)")
    jiangkou_focus_yuan: float = _p(10_000.0, 0.0, 30_000.0, "calibration", "yuan/year",
                                    "extra money to each Jiangkou committee, the county's focus "
                                    "(全县以江口镇为重点)")
    enterprise_base: float = _p(0.1, 0.0, 1.0, "calibration", "share of full support",
                                "committees' own drive to start income ventures without "
                                "preferential policy")
    enterprise_failure: float = _p(0.3, 0.0, 0.8, "calibration", "per year",
                                   "yearly failure hazard of a community venture without "
                                   "support (halved at full support)")
    staff_work_hours: float = _p(12.0, 0.0, 40.0, "calibration", "hours/committee/week",
                                 "stationed staff's own departmental work in a community")
    campaign_rebound: float = _p(0.15, 0.0, 0.5, "calibration", "pressure/campaign",
                                 "rise of departments' pressure after a campaign (再加压)")
    rebound_weeks: float = _p(104.0, 4.0, 520.0, "calibration", "weeks",
                              "time over which a campaign's rebound fades (a renewed push is "
                              "written into plans and targets)")
    campaign_reporting_hours: float = _p(30.0, 0.0, 100.0, "calibration", "hours/campaign",
                                         "committee hours of reporting a campaign demands")
    blame_pressure: float = _p(0.4, 0.0, 2.0, "calibration", "per failure share",
                               "a department's pressure rise when its inspection finds its "
                               "tasks failed (mean over departments)")
    attention_weeks: float = _p(52.0, 4.0, 208.0, "calibration", "weeks",
                                "time over which a department's raised pressure fades by itself")
    push_discipline: float = _p(0.01, 0.0, 0.1, "calibration", "per week",
                                "the county's pull on departments' pressure back to normal; "
                                "doubled under full separation (政事分离)")
    department_capacity: float = _p(2.0, 1.0, 5.0, "calibration", "x normal push",
                                    "most a department can push, as a multiple of its normal "
                                    "rate (its own staff and attention are finite)")
    inspected_share: float = _p(0.5, 0.1, 0.9, "calibration", "share",
                                "share of unfunded tasks inspections look at (mean over "
                                "departments)")
    department_spread: float = _p(0.4, 0.0, 0.9, "calibration", "± share",
                                  "departments differ: inspected share and blame sensitivity "
                                  "drawn within ± this share of their means")
    reach_spread: float = _p(0.3, 0.0, 0.9, "calibration", "± share",
                             "committees differ in how much departments push to them beyond "
                             "their size (one Nanchang committee carried 29 departments' work): "
                             "each committee's push drawn within ± this share")
    service_motivation: float = _p(1.0, 0.0, 5.0, "calibration", "weight",
                                   "pull of residents' unmet need on a team of cadres, at full "
                                   "initiative")
    leadership_spread: float = _p(0.5, 0.0, 0.9, "calibration", "± share",
                                  "committees differ in their director's drive to serve: the "
                                  "service motivation of each drawn within ± this share")
    accountability_weight: float = _p(1.5, 0.0, 10.0, "calibration", "weight",
                                      "pull of what cadres answer for (departments' pressure "
                                      "and inspections) on their hours")
    participation_bias: float = _p(-4.0, -8.0, 2.0, "calibration", "logit",
                                   "baseline propensity to take part in a given week")
    social_influence: float = _p(2.0, 0.0, 6.0, "calibration", "logit per share",
                                 "weight of contacts' participation against one's threshold")
    volunteer_organising: float = _p(3.0, 0.0, 20.0, "calibration", "hours/hour",
                                     "volunteer hours outside the venues (visits, patrols) one "
                                     "hour of cadre or bought service can organise")
    acquaintance_share: float = _p(0.1, 0.0, 1.0, "calibration", "share",
                                   "share of a resident's contacts outside their resident group "
                                   "(acquaintances across the committee)")
    quit_base: float = _p(0.03, 0.0, 0.5, "calibration", "per year",
                          "cadre quit hazard at zero exhaustion and reference pay")
    quit_educated: float = _p(0.08, 0.0, 0.5, "calibration", "per year",
                              "extra quit hazard of a graduate cadre (outside options)")
    pay_quit_elasticity: float = _p(0.5, 0.0, 2.0, "calibration", "elasticity",
                                    "how strongly pay lowers quitting: hazard x (500 / pay)^this")
    graduate_reservation_pay: float = _p(800.0, 200.0, 3000.0, "calibration", "yuan/month",
                                         "pay at which half of open competitions draw a "
                                         "young graduate")

    def __post_init__(self):
        check(self)


FIELDS = {f.name: f for f in dataclasses.fields(Parameters)}


def levers(groups=LEVER_GROUPS):
    """The schema rows for the given groups, in declaration order."""
    return [describe(name) for name, f in FIELDS.items() if f.metadata["group"] in groups]


def describe(name: str) -> dict:
    f = FIELDS[name]
    return dict(name=name, baseline=f.default, **f.metadata)


class ParameterError(ValueError):
    """A parameter value of the wrong type or outside its documented range."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.detail = message


def coerce(name: str, value):
    """Return `value` as the field's type, or raise ParameterError (bools are never numbers)."""
    meta = FIELDS[name].metadata
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "a whole number" if meta["integer"] else "a number"
        raise ParameterError(name, f"expected {kind}, got {type(value).__name__} {value!r}")
    if meta["integer"]:
        if float(value) != int(value):
            raise ParameterError(name, f"expected a whole number, got {value!r}")
        value = int(value)
    else:
        value = float(value)
    if not meta["low"] <= value <= meta["high"]:
        raise ParameterError(name, f"{value!r} is outside the range {meta['low']}..{meta['high']}"
                                   f" ({meta['unit']})")
    return value


def from_sample(name: str, value) -> int | float:
    """A sampled number (from a sweep or sensitivity design) as the field's type: whole-number
    fields are rounded, half to even."""
    return int(round(value)) if FIELDS[name].metadata["integer"] else float(value)


def check(params: Parameters) -> None:
    for name in FIELDS:
        coerce(name, getattr(params, name))
