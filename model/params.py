"""The model's whole input: one frozen `Parameters` object (levers, structure, calibration).

Every field carries its group, documented range, unit, one-line meaning and the essay's term, so
scenario validation, `juwei levers`, sweeps and the app all read the same schema. Sources for
the baseline values are in docs/ODD.md (section 7, parameter table).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

LEVER_GROUPS = ("autonomy", "incentives", "resources")
# uncertain constants, grouped by the submodel that uses them (ODD §7), so a sensitivity analysis
# or a calibration can take a whole submodel at once
SUBMODELS = ("departments", "workload", "cadres", "residents", "volunteering", "units", "finance")
OTHER_GROUPS = ("structure",) + SUBMODELS      # not levers: the county and uncertain constants
TAGS = {"E": "the essay", "N": "a national or literature figure", "A": "an assumption",
        "C": "calibrated to the patterns (juwei calibrate, ODD §9)"}


def _p(default, low, high, group, unit, meaning, zh="", integer=False, tag="A", source="",
       needs=""):
    """A schema field: range, unit, one-line meaning, the essay's term, and where the baseline
    value comes from (`tag`, one of TAGS, and `source`, the citation or reason). `needs` names
    the switch without which the model never reads it (a mechanism switched off), or with "!"
    before it, the switch with which it never does (a rule replaced)."""
    return field(
        default=default,
        metadata=dict(low=low, high=high, group=group, unit=unit, meaning=meaning, zh=zh,
                      integer=integer, tag=tag, source=source, needs=needs),
    )


@dataclass(frozen=True)
class Parameters:
    """Levers (spec §5), structure and calibration constants of one county run."""

    # --- autonomy: the government-community relationship -------------------------------------
    task_admission: float = _p(0.0, 0.0, 0.9, "autonomy", "share",
                               "share of pushed administrative tasks the committee may refuse",
                               "政事分离",
                               tag="E", source="政事分离 not practised")
    funding_follows_tasks: float = _p(0.2, 0.0, 1.0, "autonomy", "share",
                                      "share of pushed tasks that bring money for outside help",
                                      "费随事转",
                                      tag="E",
                                      source=("费随事转 \"not institutionalised\"; 0.2 from the "
                                              "specification"))
    authority_over_staff: float = _p(0.1, 0.0, 1.0, "autonomy", "share",
                                     "committee power over departments' stationed staff",
                                     "权随责走",
                                     tag="E",
                                     source=("权随责走; supervision \"可望不可及\"; 0.1 from the "
                                             "specification"))
    inspections_per_year: int = _p(26, 0, 52, "autonomy", "per year",
                                   "inspections and evaluations each committee prepares for",
                                   "检查评比", integer=True,
                                   tag="N", source="26 evaluation campaigns (2016 report, spec §8)")
    meeting_hours_per_week: float = _p(6.0, 0.0, 15.0, "autonomy", "hours/cadre/week",
                                       "meetings each cadre attends", "会议",
                                       tag="A", source="\"各种会议多\"; 6 h from the specification")
    reduction_campaigns_per_year: int = _p(1, 0, 2, "autonomy", "per year",
                                           "burden-reduction campaigns", "减负", integer=True,
                                           tag="E", source="年年减负")
    campaign_cut_share: float = _p(0.3, 0.0, 0.9, "autonomy", "share",
                                   "share of the task backlog a campaign removes", "减负力度",
                                   tag="A", source="30%, pattern 4 of the specification")
    transparency: float = _p(0.2, 0.0, 1.0, "autonomy", "index 0-1",
                             "openness of party, residents' and financial affairs", "三公开",
                             tag="E",
                             source=("三公开 proposed, not practised; 0.2 from the specification"))
    deliberation: float = _p(0.1, 0.0, 1.0, "autonomy", "index 0-1",
                             "members' congress, deliberative council and supervision in practice",
                             "三位一体",
                             tag="E", source="三位一体 proposed; 0.1 from the specification")
    responsibility_lists: float = _p(0.0, 0.0, 1.0, "autonomy", "share",
                                     "share of the problems that need both a department and "
                                     "the committee which separation lists (政事分离) give an "
                                     "owner; the rest each side may pass to the other (ODD "
                                     "§7.7a)", "职责清单", tag="E", needs="buck_passing",
                                     source=("\"事权划分不清\" (essay): no lists yet; the "
                                             "remedy \"界定好行政事务与社会事务的范畴\""))
    clear_functions: float = _p(0.0, 0.0, 1.0, "autonomy", "share",
                                "how far the county's assessment of townships stops crediting "
                                "the activity they direct in committees, their functions made "
                                "clear (ODD §7.1a)", "职能清晰",
                                tag="E", needs="township_agent",
                                source=("\"政府与社区职能职责不清\" (essay): not yet; the remedy "
                                        "\"变微观管理为宏观指导\""))
    unit_to_social_per_year: float = _p(0.04, 0.0, 0.3, "autonomy", "share a year",
                                        "unit-attached residents who become 'society people' a "
                                        "year: the pace of enterprise reform and of the "
                                        "county's liaison with units (通报协调机制)",
                                        "单位人→社会人",
                                        tag="E", source="单位人 -> 社会人 (essay); 4% assumed")

    # --- incentives ---------------------------------------------------------------------------
    cadre_pay: float = _p(300.0, 200.0, 1500.0, "incentives", "yuan/month",
                          "community cadre pay", "干部待遇",
                          tag="E", source="\"工资福利偏低\", 500 proposed; 300 from the specification")
    competitive_recruitment: float = _p(0.1, 0.0, 1.0, "incentives", "share of hires",
                                        "hires made by open competition (graduates, veterans)",
                                        "聘转选",
                                        tag="E", source="聘转选 proposed; 0.1 from the specification")
    training_hours_per_year: float = _p(0.0, 0.0, 80.0, "incentives", "hours/cadre/year",
                                        "systematic cadre training", "教育培训",
                                        tag="E", source="\"未受过系统的专业培训\"")
    volunteer_reward: float = _p(0.0, 0.0, 1.0, "incentives", "index 0-1",
                                 "certificate-and-perks scheme for 100 services a year",
                                 "志愿服务证",
                                 tag="E", source="志愿服务证 proposed, not in place")
    welfare_volunteer_days: float = _p(0.0, 0.0, 10.0, "incentives", "days/month",
                                       "duty service of able-bodied low-income recipients",
                                       "低保义工制",
                                       tag="E", source="义工制 proposed, at least 10 days a month")
    cadre_rotation_reserve: float = _p(0.0, 0.0, 1.0, "incentives", "index 0-1",
                                       "rotation with organs and units, a reserve pool of "
                                       "promising cadres and a promotion channel",
                                       "轮岗交流·储备库",
                                       tag="E", source="轮岗交流制, 优秀干部储备库 proposed")

    # --- resources ----------------------------------------------------------------------------
    unit_sharing: float = _p(0.1, 0.0, 1.0, "resources", "share",
                             "share of work units' facilities opened to residents", "共驻共建",
                             tag="E", source="共驻共建 proposed; 0.1 from the specification")
    infrastructure_investment: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                          "public investment in offices and venues", "基础设施",
                                          tag="E", source="\"财政配套资金严重不足\"")
    enterprise_support: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                   "preferential policy for community enterprises", "优惠政策",
                                   tag="E", source="\"缺少优惠政策支持\"")
    poor_community_aid: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                   "aid to the poorest committees", "困难社区援建",
                                   tag="E", source="援建机制 proposed")
    demonstration_sites: int = _p(2, 0, 10, "resources", "committees",
                                  "demonstration communities (示范社区) funded and visited",
                                  "示范社区", integer=True,
                                  tag="E", source="Jiangkou's and 新华街's titles")
    township_liaison: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                 "township cadres linked to committees, each giving a committee "
                                 "`liaison_hours_per_week` at 1 (ODD §7.1a)", "乡镇干部联居",
                                 tag="E", needs="township_agent",
                                 source="\"乡镇干部联居\" proposed, not in place")
    service_stations: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                 "one-stop service stations and windows (一站式, 一条龙)",
                                 "便民服务站",
                                 tag="E", source="便民服务站 proposed, not in place")
    publicity: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                          "publicity boards, columns and theme activities (宣传阵地, 主题活动)",
                          "宣传与主题活动",
                          tag="E", source="宣传阵地引导机制, 主题活动 proposed")
    health_and_safety: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                  "safety patrols and community health points with health cards",
                                  "治安巡逻·卫生服务",
                                  tag="E", source="治安巡逻队, 社区卫生服务网点, 健康卡 proposed")
    paid_services: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                              "property management and paid household services run by the "
                              "committee", "物业化·上门服务",
                              tag="E", source="物业化管理, 家政维修上门服务 proposed")
    facilities_association: float = _p(0.0, 0.0, 1.0, "resources", "index 0-1",
                                       "a public-interest facilities association that manages "
                                       "units' and public facilities", "公益事业管理协会",
                                       tag="E", source="公益事业管理协会 proposed")

    # --- structure ----------------------------------------------------------------------------
    scale: float = _p(1.0, 0.001, 1.0, "structure", "share",
                      "population scale: share of the county's residents simulated (one row each)",
                      tag="A",
                      source=("220,000 residents (essay); 0.1 is enough for shares "
                              "(tests/test_scale.py)"))
    years: int = _p(5, 1, 30, "structure", "years", "horizon (52 weekly steps a year)",
                    integer=True,
                    tag="A", source="5-year horizon of the specification")
    burn_in_years: int = _p(6, 0, 30, "structure", "years",
                            "years simulated under the base scenario's levers before the "
                            "scenario's own levers are switched on; `years` counts from the "
                            "switch (0: the levers act from week 0 on an unsettled county)",
                            integer=True, tag="A",
                            source=("the settling criterion of ODD §7.1 (every headline "
                                    "indicator's yearly change within its tolerance), measured "
                                    "by tests/test_burn_in.py"))
    units_seat: int = _p(6, 0, 20, "structure", "per committee",
                         "work units per committee in the county seat", integer=True,
                         tag="A", source="the county seat has more organs, schools and enterprises")
    units_township: int = _p(2, 0, 20, "structure", "per committee",
                             "work units per committee elsewhere", integer=True,
                             tag="A", source="fewer units outside the seat")
    cadres_choose: int = _p(0, 0, 1, "structure", "switch",
                            "1: each cadre chooses how to spend their hours and how much "
                            "inspected work to make only look done (ODD §7.3a); 0: the team's "
                            "share rule (§7.3)", "干部自主选择", integer=True, tag="A",
                            source=("off in the published tables: its constants are assumed, "
                                    "not yet calibrated"))
    buck_passing: int = _p(0, 0, 1, "structure", "switch",
                           "1: problems that need both a department and the committee go "
                           "unhandled when each passes them to the other (推诿扯皮, 两不管; ODD "
                           "§7.7a); 0: no such problems", "推诿扯皮", integer=True, tag="A",
                           source=("off in the published tables: its constants are assumed, "
                                   "not yet calibrated"))
    township_agent: int = _p(0, 0, 1, "structure", "switch",
                             "1: each township government (乡镇) between the departments and "
                             "its committees chooses yearly how far to direct them, adding its "
                             "own tasks (越位) and keeping part of their money (缺位), as the "
                             "county's assessment rewards it (ODD §7.1a); 0: no township",
                             "乡镇越位缺位", integer=True, tag="A",
                             source=("off in the published tables: its constants are assumed, "
                                     "not yet calibrated"))

    # --- uncertain constants, grouped by submodel; tuned values and reasons in the ODD --------
    size_elasticity: float = _p(0.2, 0.0, 1.0, "departments", "elasticity",
                                "how pushed work grows with a committee's size: item lists reach "
                                "every committee alike", tag="C",
                                source="322 work items, 26 campaigns, 32 stamps (spec §8); "
                                       "patterns 1, 10")
    seat_reception_hours: float = _p(6.0, 0.0, 20.0, "workload", "hours/week",
                                     "visits a county-seat committee receives, Jiangkou being a "
                                     "provincial demonstration zone", tag="A",
                                     source="\"接待应酬多\" (essay) for the visits")
    tasks_per_week: float = _p(28.0, 1.0, 60.0, "departments", "tasks/committee/week",
                               "tasks all departments push to a township committee",
                               tag="C",
                               source=("against ~1,850 tasks a year in two Hubei committees (spec "
                                       "§8); patterns 1, 10"))
    standard_week: float = _p(40.0, 30.0, 50.0, "workload", "hours/week",
                              "a cadre's standard working week (capacity)", tag="N",
                              source="40-hour week (State Council, 1995)")
    overtime_max: float = _p(20.0, 0.0, 40.0, "workload", "hours/week",
                             "most overtime a cadre works under full load", tag="A",
                             source="up to about 60 hours a week (spec §4)")
    funded_cadre_share: float = _p(0.2, 0.0, 1.0, "workload", "share",
                                   "share of a funded task's hours cadres still supervise",
                                   tag="A")
    service_task_share: float = _p(0.3, 0.0, 0.6, "workload", "share",
                                   "share of departments' normal push that is service residents "
                                   "value (四进社区; blame and rebounds add ledgers, not services)",
                                   tag="A",
                                   source=("四进社区 brings culture, health, security and labour "
                                           "services (4 of 12 departments, 0.41 of the push "
                                           "weight, not all of it service); 交叉和重叠 (essay)"))
    deadline_weeks: float = _p(8.0, 1.0, 52.0, "workload", "weeks",
                               "mean time before deferred work expires and counts as failed",
                               tag="A")
    staff_service_share: float = _p(0.3, 0.0, 1.0, "workload", "share",
                                    "share of stationed staff's hours under the committee's "
                                    "authority that serve residents", tag="A")
    enterprise_hours: float = _p(3.0, 0.0, 20.0, "workload", "hours/week",
                                 "cadre hours a committee's own venture takes", tag="A")
    reporting_weeks: int = _p(4, 1, 13, "workload", "weeks",
                              "weeks over which a campaign's reporting load is spread", tag="A",
                              integer=True)
    demo_reception_hours: float = _p(6.0, 0.0, 20.0, "workload", "hours/week",
                                     "visits a demonstration site receives (接待应酬多)",
                                     tag="A", source="\"接待应酬多\" (essay) for the visits")
    task_hours: float = _p(3.0, 0.5, 8.0, "workload", "hours/task",
                           "cadre hours one task takes at average skill",
                           tag="C", source="includes the task's ledger (台账); patterns 1, 10")
    inspection_prep_hours: float = _p(16.0, 0.0, 60.0, "workload", "hours/inspection",
                                      "committee hours to prepare one inspection", tag="A")
    renting_venue_share: float = _p(0.5, 0.1, 1.0, "finance", "share",
                                    "activity space of a rented office relative to an owned one",
                                    tag="A",
                                    source=("a rented office has half the activity space; pattern "
                                            "7"))
    venue_places_seat: float = _p(120.0, 0.0, 400.0, "finance", "places/week",
                                  "activity places a week a county-seat committee has at the start",
                                  tag="A", source="the ranking is the essay's (Jiangkou's squares, "
                                                  "金佛花园, 天使广场); the numbers assumed")
    venue_places_old: float = _p(30.0, 0.0, 400.0, "finance", "places/week",
                                 "activity places a week an old township committee has",
                                 tag="A", source="\"几乎没有固定的活动场地\" (essay); number assumed")
    venue_places_new: float = _p(5.0, 0.0, 400.0, "finance", "places/week",
                                 "activity places a week a new township committee has "
                                 "(才开始起步)", tag="A",
                                 source="\"才开始起步\" (essay); number assumed")
    unit_places_seat: float = _p(80.0, 0.0, 300.0, "units", "places/week",
                                 "places a week an open county-seat unit offers residents", tag="A")
    unit_places_township: float = _p(40.0, 0.0, 300.0, "units", "places/week",
                                     "places a week an open unit elsewhere offers", tag="A")
    transfer_base_yuan: float = _p(12_000.0, 0.0, 50_000.0, "finance", "yuan/year",
                                   "the county's yearly transfer to each committee, before its "
                                   "per-resident part", tag="A",
                                   source="\"财政配套资金严重不足\" (essay) for its smallness")
    transfer_per_resident_yuan: float = _p(0.5, 0.0, 5.0, "finance", "yuan/year",
                                           "the transfer's part per resident", tag="A")
    discretionary_share: float = _p(0.1, 0.0, 0.5, "finance", "share",
                                    "share of the ordinary transfer left after the office's "
                                    "running costs", tag="A")
    help_wage: float = _p(4.0, 1.0, 20.0, "finance", "yuan/hour",
                          "wage of outside help bought for services or funded tasks", tag="A",
                          source="a casual county wage of the mid-2000s")
    demo_grant_yuan: float = _p(10_000.0, 0.0, 50_000.0, "finance", "yuan/year",
                                "yearly grant to a demonstration site (示范社区)", tag="A")
    demo_places: float = _p(60.0, 0.0, 300.0, "finance", "places/week",
                            "places a demonstration site's new venue adds", tag="A")
    aid_yuan: float = _p(20_000.0, 0.0, 100_000.0, "finance", "yuan/year",
                         "money to each aided committee at full aid (困难社区援建)", tag="A")
    aid_share: float = _p(1 / 3, 0.05, 1.0, "finance", "share of committees",
                          "the poorest share of committees that aid reaches", tag="A")
    aid_places: float = _p(20.0, 0.0, 200.0, "finance", "places/week per year",
                           "places added a year to each aided committee at full aid", tag="A")
    infrastructure_yuan: float = _p(15_000.0, 0.0, 100_000.0, "finance", "yuan/year",
                                    "cost per committee of full infrastructure investment",
                                    tag="A")
    infrastructure_places: float = _p(40.0, 0.0, 200.0, "finance", "places/week per year",
                                      "places added a year everywhere at full investment",
                                      tag="A")
    enterprise_start: float = _p(0.35, 0.0, 1.0, "finance", "per year",
                                 "yearly chance of starting a venture at full drive, initiative "
                                 "and free time", tag="A")
    enterprise_yuan: float = _p(6_000.0, 0.0, 50_000.0, "finance", "yuan/year",
                                "what a venture earns a year at full support (half without)",
                                tag="A")
    reward_yuan: float = _p(200.0, 0.0, 2_000.0, "volunteering", "yuan/certificate",
                            "perks per volunteer certificate at full reward (志愿服务证)", tag="A")
    unit_donation_yuan: float = _p(1_500.0, 0.0, 20_000.0, "units", "yuan/year",
                                   "what an open unit gives its committee under co-construction "
                                   "(共驻共建)", tag="A")
    office_rent_yuan: float = _p(3_000.0, 0.0, 8_000.0, "finance", "yuan/year",
                                 "rent a committee without its own office pays from its "
                                 "discretionary money (20% rent: 租房办公)",
                                 tag="A",
                                 source=("20% of committees rent their office (essay); pattern 7"))
    rent_logistics_share: float = _p(0.25, 0.0, 0.6, "workload", "share",
                                     "share of a renting committee's would-be service hours "
                                     "lost to keeping a rented office (rent, moves, landlords)",
                                     tag="A", source="moving and borrowing rooms; pattern 7")
    seat_focus_yuan: float = _p(10_000.0, 0.0, 30_000.0, "finance", "yuan/year",
                                "extra money to each committee in the county seat, the county's "
                                "focus (全县以江口镇为重点)",
                                tag="A",
                                source=("the focus is the essay's (全县以江口镇为重点), the amount "
                                        "assumed; pattern 6"))
    enterprise_base: float = _p(0.1, 0.0, 1.0, "finance", "share of full support",
                                "committees' own drive to start income ventures without "
                                "preferential policy",
                                tag="A",
                                source=("some committees try without preferential policy; pattern "
                                        "11"))
    enterprise_failure: float = _p(0.3, 0.0, 0.8, "finance", "per year",
                                   "yearly failure hazard of a community venture without "
                                   "support (halved at full support)",
                                   tag="A",
                                   source=("between 0.13 (half of new firms live 5 years, SAIC "
                                           "2013) and 0.4 (2.5-year mean life)"))
    staff_work_hours: float = _p(12.0, 0.0, 40.0, "workload", "hours/committee/week",
                                 "stationed staff's own departmental work in a community", tag="A")
    campaign_rebound: float = _p(0.15, 0.0, 0.5, "departments", "pressure/campaign",
                                 "rise of departments' pressure after a campaign (再加压)",
                                 tag="C", source="pattern 4: 加压-减负-再加压 (Liu & Liu 2021)")
    rebound_weeks: float = _p(104.0, 4.0, 520.0, "departments", "weeks",
                              "time over which a campaign's rebound fades (a renewed push is "
                              "written into plans and targets)",
                              tag="C",
                              source=("pattern 4: a renewed push is written into plans and "
                                      "targets"))
    campaign_reporting_hours: float = _p(30.0, 0.0, 100.0, "workload", "hours/campaign",
                                         "committee hours of reporting a campaign demands", tag="A")
    blame_pressure: float = _p(0.4, 0.0, 2.0, "departments", "per failure share",
                               "a department's pressure rise when its inspection finds its "
                               "tasks failed (mean over departments)",
                               tag="C", source="patterns 1, 10; blame avoidance (Hood 2011)")
    attention_weeks: float = _p(52.0, 4.0, 208.0, "departments", "weeks",
                                "time over which a department's raised pressure fades by itself",
                                tag="C",
                                source=("a department's raised pressure fades within about a year"))
    push_discipline: float = _p(0.01, 0.0, 0.1, "departments", "per week",
                                "the county's pull on departments' pressure back to normal; "
                                "doubled under full separation (政事分离)",
                                tag="A",
                                source=("the county's pull on pressure, doubled under full "
                                        "separation"))
    department_capacity: float = _p(2.0, 1.0, 5.0, "departments", "x normal push",
                                    "most a department can push, as a multiple of its normal "
                                    "rate (its own staff and attention are finite)",
                                    tag="A", source="a department's staff and attention are finite")
    township_tasks_per_week: float = _p(4.0, 0.0, 20.0, "departments",
                                        "tasks/committee/week",
                                        "tasks a fully directing township adds to a committee "
                                        "of the mean size outside the seat (its own targets, "
                                        "forms and checks: 越位)", "乡镇布置任务", tag="A",
                                        needs="township_agent",
                                        source=("\"把社区当成一级小政府\" (essay); about one "
                                                "in seven of the departments' 28, assumed"))
    township_withhold_share: float = _p(0.3, 0.0, 1.0, "departments", "share",
                                      "share of a committee's ordinary transfer a fully "
                                      "directing township keeps for its own targets (缺位)",
                                      tag="A", needs="township_agent",
                                      source=("township fiscal stress (Zhou 2006); \"财政配套资金"
                                              "严重不足\" (essay); 0.3 assumed"))
    activity_credit: float = _p(1.0, 0.0, 5.0, "departments", "points",
                                "the county's credit to a township for directing its "
                                "committees fully for a year (targets met, ledgers, 创建), "
                                "before clear functions", tag="A", needs="township_agent",
                                source=("the pressure system's target responsibility "
                                        "assessment (Rong et al. 1998; Whiting 2004)"))
    money_credit: float = _p(0.5, 0.0, 5.0, "departments", "points",
                             "what a township gains from keeping `township_withhold_share` of "
                             "its committees' transfers for a year", tag="A",
                             needs="township_agent",
                             source="township fiscal stress (Zhou 2006); assumed")
    outcome_credit: float = _p(10.0, 0.0, 50.0, "departments", "points per share",
                               "the county's credit to a township per share of its committees' "
                               "residents' need met over the year (满意度)", tag="A",
                               needs="township_agent",
                               source=("residents' satisfaction in the assessment; 10 "
                                       "assumed"))
    township_switch_cost: float = _p(0.5, 0.0, 5.0, "departments", "points",
                                     "what moving its directing share from last year's costs a "
                                     "township, per unit moved (targets, staff and habits set "
                                     "for a year)", tag="A", needs="township_agent",
                                     source=("status quo bias (Samuelson & Zeckhauser 1988); "
                                             "0.5 assumed"))
    township_initial_directing: float = _p(0.5, 0.0, 1.0, "departments", "share",
                                           "each township's directing share in its first "
                                           "year", tag="A", needs="township_agent",
                                           source="assumed; the burn-in settles it")
    township_stances: int = _p(5, 2, 11, "departments", "options",
                               "directing shares a township chooses among, evenly spaced from "
                               "0 to 1", integer=True, tag="A", needs="township_agent",
                               source="assumed: none, a quarter, half, three quarters, all")
    township_precision: float = _p(5.0, 0.0, 50.0, "departments", "per point",
                                   "precision of a township's choice (Luce's rule): 0 chooses "
                                   "at random, high always the best-scoring share", tag="A",
                                   needs="township_agent",
                                   source="Luce 1959; 5 assumed")
    liaison_hours_per_week: float = _p(8.0, 0.0, 40.0, "departments", "hours/committee/week",
                                       "hours a linked township cadre gives a committee at full "
                                       "liaison", tag="A", needs="township_agent",
                                       source="one day a week of a township cadre, assumed")
    department_absorb_share: float = _p(0.3, 0.0, 1.0, "departments", "share",
                                        "share of refused tasks their department does with its "
                                        "own staff (谁的事谁办)", tag="A",
                                        source=("\"本属于自己本职范围的事，也交与社区代劳\" "
                                                "(essay): departments are used to handing "
                                                "their own work down"))
    repush_share: float = _p(0.3, 0.0, 1.0, "departments", "share",
                             "share of the refused tasks a department does not do that it pushes "
                             "again the next week through another channel, past the filter",
                             tag="A", source="\"互相推诿扯皮\", \"两不管\" (essay)")
    inspected_share: float = _p(0.5, 0.1, 0.9, "departments", "share",
                                "share of tasks inspections look at (of a funded one, its "
                                "supervision; mean over departments)", tag="A")
    department_spread: float = _p(0.4, 0.0, 0.9, "departments", "± share",
                                  "departments differ: inspected share and blame sensitivity "
                                  "drawn within ± this share of their means",
                                  tag="A", source="ministries differ (各部门)")
    reach_spread: float = _p(0.3, 0.0, 0.9, "departments", "± share",
                             "committees differ in how much departments push to them beyond "
                             "their size (one Nanchang committee carried 29 departments' work): "
                             "each committee's push drawn within ± this share",
                             tag="A",
                             source=("one Nanchang committee carried 29 departments' work (spec "
                                     "§8)"))
    service_motivation: float = _p(1.0, 0.0, 5.0, "workload", "weight",
                                   "pull of residents' unmet need on a team of cadres, at full "
                                   "initiative",
                                   tag="C",
                                   source=("pattern 1 (street-level bureaucracy, Lipsky 1980)"))
    leadership_spread: float = _p(0.5, 0.0, 0.9, "workload", "± share",
                                  "committees differ in their director's drive to serve: the "
                                  "service motivation of each drawn within ± this share",
                                  tag="A", source="committees' directors differ in drive")
    accountability_weight: float = _p(1.5, 0.0, 10.0, "workload", "weight",
                                      "pull of what cadres answer for (departments' pressure "
                                      "and inspections) on their hours",
                                      tag="C", source="pattern 1")
    trust_weight: float = _p(2.0, 0.0, 6.0, "residents", "logit",
        "weight of trust x the channel's efficacy in the wish to take part", tag="A",
        source="perceived benefit (Olson 1965; Arnstein 1969)")
    awareness_weight: float = _p(1.5, 0.0, 6.0, "residents", "logit",
        "weight of community awareness (belonging) in the wish to take part", tag="A",
        source="Putnam 2000")
    intrinsic_weight: float = _p(1.0, 0.0, 6.0, "residents", "logit",
        "weight of intrinsic motivation in the wish to take part", tag="A")
    party_duty: float = _p(1.0, 0.0, 4.0, "residents", "logit",
        "extra wish to take part of party members, who are asked to", tag="A")
    low_income_tie: float = _p(0.5, 0.0, 4.0, "residents", "logit",
        "extra wish to take part of low-income residents, tied to the committee by 低保 "
        "paperwork", tag="A")
    time_cost_unit: float = _p(1.4, 0.0, 4.0, "residents", "logit",
        "cost of taking part for unit-attached residents (单位人): hours are scarce at work", tag="C",
        source="pattern 2")
    time_cost_social: float = _p(1.2, 0.0, 4.0, "residents", "logit",
        "cost of taking part for other employed residents (社会人)", tag="C", source="pattern 2")
    time_cost_laid_off: float = _p(0.5, 0.0, 4.0, "residents", "logit",
        "cost of taking part for laid-off residents", tag="C", source="pattern 2")
    time_cost_retired: float = _p(0.0, 0.0, 4.0, "residents", "logit",
        "cost of taking part for retired residents", tag="C", source="pattern 2")
    trust_rate: float = _p(0.02, 0.0, 0.5, "residents", "per week",
        "speed at which trust moves to what the committee's conduct warrants", tag="A")
    served_trust_shift: float = _p(0.25, 0.0, 1.0, "residents", "trust",
        "how far a served (or unserved) need moves a resident's trust target", tag="A")
    taking_part_trust_shift: float = _p(0.3, 0.0, 1.0, "residents", "trust per efficacy",
        "how far taking part moves trust, times (efficacy - 0.5): real deliberation builds it, "
        "token erodes it", tag="A",
        source="Arnstein 1969")
    awareness_gain_part: float = _p(0.04, 0.0, 0.5, "residents", "per week",
        "awareness gained by taking part", tag="A")
    awareness_gain_activity: float = _p(0.01, 0.0, 0.5, "residents", "per week",
        "awareness gained from the committee's activities and publicity", tag="A")
    awareness_decay: float = _p(0.006, 0.0, 0.1, "residents", "per week",
        "awareness lost a week", tag="A")
    unit_awareness_decay: float = _p(0.01, 0.0, 0.1, "residents", "per week",
        "awareness lost a week by unit-attached residents, who identify with their unit", tag="E",
        source="单位人 (essay)")
    satisfaction_rate: float = _p(0.05, 0.0, 0.5, "residents", "per week",
        "speed at which satisfaction follows service quality", tag="A")
    need_elderly: float = _p(0.1, 0.0, 2.0, "residents", "hours/week",
        "service need of a resident over 60", tag="A")
    need_disabled: float = _p(0.25, 0.0, 2.0, "residents", "hours/week",
        "service need of a disabled resident", tag="A")
    need_low_income: float = _p(0.3, 0.0, 2.0, "residents", "hours/week",
        "service need of a low-income (低保) resident", tag="A")
    need_laid_off: float = _p(0.15, 0.0, 2.0, "residents", "hours/week",
        "service need of a laid-off resident (re-employment)", tag="A")
    unit_covers_need: float = _p(0.5, 0.0, 1.0, "residents", "share",
        "share of a unit-attached resident's need the unit still serves", tag="A")
    admin_burden: float = _p(0.5, 0.0, 4.0, "residents", "logit",
        "how much a committee run as a little government repels residents, per unit of admin "
        "share", tag="A")
    activity_pull: float = _p(0.5, 0.0, 4.0, "residents", "logit",
        "pull of the committee's activities and publicity", tag="A")
    places_per_organiser_hour: float = _p(8.0, 0.0, 40.0, "residents", "places/hour",
        "activity places one hour of organising opens", tag="A")
    deliberation_places: float = _p(0.02, 0.0, 0.2, "residents", "places/adult/week",
        "places a week full deliberation opens (meetings, councils)", tag="A")
    volunteer_pull: float = _p(1.0, 0.0, 4.0, "volunteering", "logit",
        "extra wish to serve of registered volunteers, who are asked", tag="A")
    reward_extrinsic: float = _p(2.0, 0.0, 6.0, "volunteering", "logit per reward^2",
        "pull of the certificate's perks on volunteers on track for it", tag="A",
        source="selective incentives (Olson 1965): only a generous scheme pays")
    reward_crowding: float = _p(0.8, 0.0, 4.0, "volunteering", "logit per reward",
        "crowding out of volunteers' own motivation by a reward", tag="A",
        source="Gneezy & Rustichini 2000; Frey & Oberholzer-Gee 1997")
    service_hours: float = _p(1.0, 0.25, 4.0, "volunteering", "hours/service",
        "hours one volunteer service takes (a visit, a shift)", tag="A")
    max_extra_services: float = _p(6.0, 0.0, 20.0, "volunteering", "services/week",
        "extra services a week of the most committed volunteer (1 + this x intrinsic)", tag="C",
        source="pattern 3: some volunteers approach 100 a year")
    certificate_services: float = _p(100.0, 10.0, 300.0, "volunteering", "services/year",
        "services a year that earn the volunteer certificate", tag="E",
        source="\"年不少于100次\" (essay)")
    on_track: float = _p(0.6, 0.0, 1.0, "volunteering", "share",
        "share of the pro-rata target at which the certificate still seems in reach", tag="A")
    register_per_week: float = _p(0.025, 0.0, 0.2, "volunteering", "per week",
        "chance a participant registers as a volunteer (x intrinsic, x (1 + reward))", tag="C",
        source="pattern 3; 2.56% registered in 2016 (spec §8)")
    dropout_per_week: float = _p(0.006, 0.0, 0.1, "volunteering", "per week",
        "chance a registered volunteer drops out", tag="C", source="pattern 3")
    duty_hours_per_day: float = _p(4.0, 0.0, 8.0, "volunteering", "hours/day",
        "hours of a low-income recipient's duty day (义工制)", tag="A")
    duty_compliance: float = _p(0.6, 0.0, 1.0, "volunteering", "share",
        "share of duty days actually served (enforcement is uneven)", tag="A")
    participation_bias: float = _p(-4.0, -8.0, 2.0, "residents", "logit",
                                   "baseline propensity to take part in a given week",
                                   tag="C",
                                   source=("pattern 2; rooms bind in 81% of committee-weeks "
                                           "(juwei validate, ODD §7.5)"))
    social_influence: float = _p(2.0, 0.0, 6.0, "residents", "logit per share",
                                 "weight of contacts' participation against one's threshold",
                                 tag="A",
                                 source=("thresholds over a contact network (Granovetter 1978)"))
    volunteer_organising: float = _p(3.0, 0.0, 20.0, "volunteering", "hours/hour",
                                     "volunteer hours outside the venues (visits, patrols) one "
                                     "hour of cadre or bought service can organise", tag="A")
    neighbours_each_side: int = _p(2, 1, 10, "residents", "residents",
                                   "contacts a resident has on each side among the neighbours "
                                   "of their resident group (4 contacts at 2)", integer=True,
                                   tag="A", source="a small world of degree 4 (Watts & "
                                                   "Strogatz 1998)")
    acquaintance_share: float = _p(0.1, 0.0, 1.0, "residents", "share",
                                   "share of a resident's contacts outside their resident group "
                                   "(acquaintances across the committee)",
                                   tag="A", source="small world (Watts & Strogatz 1998)")
    reference_pay: float = _p(500.0, 200.0, 1500.0, "cadres", "yuan/month",
                              "pay at which pay as a resource is one half, and the quit "
                              "hazard's reference", tag="E",
                              source="the essay's proposed floor: \"不低于当地平均基本工资\", 500")
    exhaustion_rise: float = _p(0.08, 0.0, 0.5, "cadres", "per week per unit of load",
                                "rise of exhaustion a week for each unit of load above capacity",
                                tag="C", source="pattern 10 (job demands-resources, Demerouti "
                                                "et al. 2001)")
    exhaustion_recovery: float = _p(0.01, 0.0, 0.2, "cadres", "per week",
                                    "share of exhaustion recovered a week at capacity (three "
                                    "times as fast when idle)", tag="A")
    resource_buffer: float = _p(0.4, 0.0, 1.0, "cadres", "share",
                                "share of exhaustion's rise that full resources (pay, skill) "
                                "absorb", tag="A", source="job demands-resources (Bakker & "
                                                          "Demerouti 2007)")
    morale_rate: float = _p(0.05, 0.0, 0.5, "cadres", "per week",
                            "speed at which morale moves to its target", tag="A")
    quit_exhaustion: float = _p(0.20, 0.0, 1.0, "cadres", "per year",
                                "extra quit hazard of a fully exhausted cadre (the rule's)",
                                tag="A",
                                needs="!cadres_choose")
    retirement_age: float = _p(60.0, 50.0, 70.0, "cadres", "years",
                               "age at which a cadre retires", tag="N",
                               source="statutory retirement age of men (spec §3)")
    vacancy_weeks: float = _p(8.0, 1.0, 52.0, "cadres", "weeks",
                              "mean time a seat stays empty before a hire", tag="A")
    experience_per_year: float = _p(0.02, 0.0, 0.2, "cadres", "skill/year",
                                    "skill gained a year on the job (towards 1)", tag="A")
    training_gain: float = _p(0.15, 0.0, 0.5, "cadres", "skill/year",
                              "extra skill a year at 80 hours of training (towards 1)", tag="A",
                              source="\"大多数未受过系统的专业培训\" (essay) for the need")
    dependence_rate: float = _p(0.01, 0.0, 0.2, "cadres", "per week",
                                "speed at which dependence on the government moves to its "
                                "target", tag="A", source="\"依赖政府\" (essay)")
    quit_base: float = _p(0.03, 0.0, 0.5, "cadres", "per year",
                          "cadre quit hazard at zero exhaustion and reference pay (the "
                          "rule's)",
                          tag="C", needs="!cadres_choose",
                          source=("turnover about 20% a year, as for big-city social workers (spec"
                                  " §8)"))
    quit_educated: float = _p(0.08, 0.0, 0.5, "cadres", "per year",
                              "extra quit hazard of a graduate cadre (outside options; the "
                              "rule's)",
                              tag="A", source="graduates' outside options",
                              needs="!cadres_choose")
    pay_quit_elasticity: float = _p(0.5, 0.0, 2.0, "cadres", "elasticity",
                                    "how strongly pay lowers quitting: hazard x (500 / pay)^this "
                                    "(the rule's)",
                                    tag="A", source="hazard x (500 / pay)^this",
                                    needs="!cadres_choose")
    voice_weight: float = _p(5.0, 0.0, 20.0, "cadres", "weight per share taking part",
                             "pull of residents' voice on a cadre's hours at full deliberation "
                             "(councils, 三位一体), per share of adults taking part and unmet "
                             "need", "居民呼声", tag="A", needs="cadres_choose",
                             source=("\"社区成员代表会、议事会和监督会“三位一体”\" (essay); "
                                     "informal accountability through residents' groups "
                                     "(Tsai 2007); 5 assumed"))
    joint_problems_per_week: float = _p(2.0, 0.0, 10.0, "workload", "problems/week",
                                        "problems residents raise a week that need a "
                                        "department's authority and the committee's legwork "
                                        "(a drain blocked by a unit's wall, a shared yard), at "
                                        "a committee of the mean size outside the seat",
                                        "两不管问题", tag="A", needs="buck_passing",
                                        source="\"遇事互相推诿扯皮,导致“两不管”现象严重\" "
                                               "(essay); 2 assumed")
    joint_problem_hours: float = _p(3.0, 0.5, 20.0, "workload", "hours/problem",
                                    "hours of work a joint problem takes, and the need it "
                                    "meets when handled", tag="A", needs="buck_passing",
                                    source="as a pushed task's `task_hours`; assumed")
    listed_department_share: float = _p(0.5, 0.0, 1.0, "workload", "share",
                                        "share of the listed joint problems the lists give "
                                        "to departments (the rest to committees)", tag="A",
                                        needs="buck_passing",
                                        source="\"有所为,有所不为\" (essay); half assumed")
    department_goodwill: float = _p(0.3, 0.0, 1.0, "workload", "share",
                                    "chance a calm department takes up an unlisted problem "
                                    "passed to it; blame pressure divides it", tag="A",
                                    needs="buck_passing",
                                    source="blame avoidance (Hood 2011): unlisted work earns "
                                           "no credit; 0.3 assumed")
    psm_spread: float = _p(0.16, 0.0, 0.5, "cadres", "sd / mean",
                           "spread of public-service motivation between cadres, relative to "
                           "its mean (a cadre's type, drawn at hiring)", "公共服务动机差异",
                           tag="A", needs="cadres_choose",
                           source=("Perry 1996's 5-point scale: surveys of Chinese public "
                                   "employees report means near 3.5-4 with sd 0.5-0.7 (e.g. "
                                   "Liu, Tang & Zhu 2008), about 0.6 / 3.8"))
    surface_effort: float = _p(0.3, 0.05, 1.0, "cadres", "hours/hour",
                               "a cadre's hours that make an hour of inspected work only look "
                               "done (ledgers, photos, forms: 表面文章)", "表面文章",
                               tag="A", needs="cadres_choose",
                               source="\"善于做表面文章、应付了事\" (essay); 0.3 assumed")
    exhaustion_effort_cost: float = _p(1.0, 0.0, 4.0, "cadres", "x effort",
                                       "extra effort an hour of real work costs a fully "
                                       "exhausted cadre", tag="A", needs="cadres_choose",
                                       source=("job demands-resources: exhausted workers turn to "
                                               "cheap coping (Demerouti et al. 2001; Lipsky 1980)"))
    surface_bias: float = _p(-3.0, -8.0, 2.0, "cadres", "logit",
                             "a rested cadre's leaning to surface work before motivation, "
                             "risk and peers (most do not)", tag="A", needs="cadres_choose",
                             source="\"个别社区干部\" (essay): some cadres, not most")
    surface_penalty: float = _p(6.0, 0.0, 40.0, "cadres", "logit per detection chance",
                                "what being found out costs, at the reference pay (the job and "
                                "its pay at risk)", tag="A", needs="cadres_choose",
                                source="efficiency wage (Shapiro & Stiglitz 1984): x pay / 500")
    integrity_weight: float = _p(4.0, 0.0, 12.0, "cadres", "logit",
                                 "how much a cadre's public-service motivation, relative to the "
                                 "mean, keeps them from surface work", tag="A",
                                 needs="cadres_choose",
                                 source="public-service motivation (Perry & Wise 1990)")
    surface_conformity: float = _p(2.0, 0.0, 8.0, "cadres", "logit per share",
                                   "pull of the colleagues' surface share last week", tag="A",
                                   needs="cadres_choose",
                                   source=("descriptive norms among co-workers (Cialdini et al. "
                                           "1990; Bicchieri 2006)"))
    detection_inspection: float = _p(0.02, 0.0, 0.5, "cadres", "per week",
                                     "weekly hazard that inspections, at the reference 26 "
                                     "a year, look into a cadre's surface work", tag="A",
                                     needs="cadres_choose",
                                     source="inspections check papers, which surface work fills")
    detection_transparency: float = _p(0.05, 0.0, 0.5, "cadres", "per week",
                                       "the same, by open affairs at full transparency (三公开)",
                                       tag="A", needs="cadres_choose",
                                       source="三公开 (essay): residents see the accounts")
    detection_supervision: float = _p(0.1, 0.0, 0.5, "cadres", "per week",
                                      "the same, by residents' councils at full deliberation "
                                      "(监督委员会)", tag="A", needs="cadres_choose",
                                      source="三位一体's supervision council (essay)")
    detection_learning: float = _p(0.1, 0.0, 1.0, "cadres", "per week",
                                   "how far a cadre's belief of being looked into moves to "
                                   "each week's experience", tag="A", needs="cadres_choose",
                                   source="recency-weighted learning (Bush & Mosteller 1955)")
    outside_offer_rate: float = _p(0.5, 0.0, 4.0, "cadres", "per year",
                                   "outside chances a cadre gets to leave (a job, a move, family "
                                   "needs), each weighed against staying", tag="A",
                                   needs="cadres_choose",
                                   source="job search with offer arrivals (Burdett & Mortensen "
                                          "1998)")
    local_outside_pay: float = _p(500.0, 100.0, 3000.0, "cadres", "yuan/month",
                                  "what a cadre without schooling earns elsewhere (a graduate: "
                                  "graduate_reservation_pay)", tag="A", needs="cadres_choose",
                                  source="the essay's reference wage of 500")
    quit_bias: float = _p(-1.5, -8.0, 4.0, "cadres", "logit",
                          "a cadre's leaning to take an outside chance at equal pay, rested "
                          "and with no morale", tag="A", needs="cadres_choose",
                          source=("assumed, not tuned: with retirements it gives 26% a year "
                                  "at full scale, the rule's calibrated hazard 21%"))
    quit_pay_weight: float = _p(2.0, 0.0, 6.0, "cadres", "logit per log pay",
                                "pull of the outside pay over the cadre's pay (a way up, the "
                                "reserve pool, adds to a graduate's pay)", tag="A",
                                needs="cadres_choose",
                                source="desirability of movement (March & Simon 1958)")
    quit_exhaustion_weight: float = _p(2.0, 0.0, 8.0, "cadres", "logit",
                                       "push of exhaustion to leave", tag="A",
                                       needs="cadres_choose",
                                       source="burnout and turnover (Maslach et al. 2001)")
    quit_morale_weight: float = _p(2.0, 0.0, 8.0, "cadres", "logit",
                                   "hold of morale (0-1) against leaving", tag="A",
                                   needs="cadres_choose",
                                   source="job satisfaction and turnover (Griffeth et al. 2000)")
    surface_morale_penalty: float = _p(0.2, 0.0, 1.0, "cadres", "morale per share",
                                       "morale a cadre loses when found out, per share of their "
                                       "inspected work that was surface", tag="A",
                                       needs="cadres_choose", source="assumed")
    graduate_reservation_pay: float = _p(800.0, 200.0, 3000.0, "cadres", "yuan/month",
                                         "pay at which half of open competitions draw a "
                                         "young graduate",
                                         tag="A",
                                         source=("pay at which half of open competitions draw a "
                                                 "graduate"))


    # --- the equations' coefficients (ODD §7), each an assumption unless a source is given ----
    campaign_week_offset: int = _p(10, 0, 51, "departments", "weeks",
                                   "week of the year the first burden-reduction campaign falls in, "
                                   "counted back from the year's end", integer=True, tag="A")
    skill_speed_base: float = _p(0.7, 0.1, 1.5, "workload", "x task speed",
                                 "speed of a cadre of skill 0 (a task takes task_hours / this)",
                                 tag="A")
    skill_speed_weight: float = _p(0.6, 0.0, 1.5, "workload", "x task speed per skill",
                                   "extra speed of a fully skilled cadre", tag="A",
                                   source="skill 0-1 spans 0.7x-1.3x the average speed")
    discretion_policy_weight: float = _p(0.5, 0.0, 1.0, "workload", "weight",
                                         "weight of the levers' room (vs. free hours) in a "
                                         "committee's discretion", tag="A")
    accountability_inspection_weight: float = _p(0.5, 0.0, 1.0, "workload", "weight",
                                                 "share of accountability that scales with "
                                                 "inspections (relative to the reference)",
                                                 tag="A")
    reference_inspections: float = _p(26.0, 1.0, 52.0, "workload", "per year",
                                      "inspections a year at which accountability is its base",
                                      tag="N", source="26 evaluation campaigns (spec §8)")
    campaign_recovery_weeks: float = _p(13.0, 1.0, 52.0, "workload", "weeks",
                                        "time constant of departments' return to full push "
                                        "after a campaign", tag="A",
                                        source="a quarter; pattern 4 (反弹)")
    initial_admin_share: float = _p(0.9, 0.0, 1.0, "workload", "share of hours",
                                    "committees' administrative share before the first week "
                                    "(overwritten in week 1; the burn-in removes it)", tag="A")
    initial_load: float = _p(1.2, 0.0, 3.0, "workload", "x capacity",
                             "committees' load before the first week (burned in)", tag="A")
    initial_coverage: float = _p(0.3, 0.0, 1.0, "workload", "share of need",
                                 "need met before the first week (burned in)", tag="A")
    initial_morale: float = _p(0.4, 0.0, 1.0, "cadres", "0-1", "cadres' morale at the start",
                               tag="A")
    initial_exhaustion: float = _p(0.3, 0.0, 1.0, "cadres", "0-1",
                                   "cadres' exhaustion at the start", tag="A")
    initial_tenure_max: float = _p(10.0, 0.0, 30.0, "cadres", "years",
                                   "cadres' years in the seat at the start: uniform up to this",
                                   tag="A")
    initial_young_age_min: float = _p(26.0, 18.0, 45.0, "cadres", "years",
                                      "youngest cadre at the start (the rest under 45: uniform)",
                                      tag="A")
    initial_old_age_min: float = _p(45.01, 45.01, 60.0, "cadres", "years",
                                    "youngest of the cadres over 45 at the start", tag="A",
                                    source="\"45岁以上\" (essay) for the boundary")
    initial_old_age_max: float = _p(59.9, 45.01, 70.0, "cadres", "years",
                                    "oldest cadre at the start (below retirement)", tag="A")
    skill_base: float = _p(0.3, 0.0, 1.0, "cadres", "0-1",
                           "skill of a new or initial cadre without schooling, before a random "
                           "part", tag="A")
    skill_educated: float = _p(0.3, 0.0, 1.0, "cadres", "0-1",
                               "extra skill of a cadre with high school or more", tag="A")
    skill_spread: float = _p(0.2, 0.0, 0.5, "cadres", "0-1",
                             "random part of a cadre's initial skill: uniform up to this",
                             tag="A")
    dependence_base: float = _p(0.7, 0.0, 1.0, "cadres", "0-1",
                                "dependence on the government of a new or initial cadre",
                                tag="A", source="\"依赖政府的现象突出\" (essay) for its height")
    dependence_educated: float = _p(0.2, 0.0, 1.0, "cadres", "0-1",
                                    "less dependence of a cadre with high school or more",
                                    tag="A")
    hire_morale: float = _p(0.5, 0.0, 1.0, "cadres", "0-1", "morale of a new hire", tag="A")
    hire_exhaustion: float = _p(0.1, 0.0, 1.0, "cadres", "0-1", "exhaustion of a new hire",
                                tag="A")
    graduate_age_min: float = _p(24.0, 18.0, 40.0, "cadres", "years",
                                 "youngest graduate an open competition hires", tag="A")
    graduate_age_max: float = _p(36.0, 18.0, 50.0, "cadres", "years",
                                 "oldest graduate an open competition hires", tag="A")
    graduate_educated_share: float = _p(0.9, 0.0, 1.0, "cadres", "share",
                                        "graduate hires with high school or more", tag="A")
    local_age_min: float = _p(38.0, 18.0, 59.0, "cadres", "years",
                              "youngest local candidate of the usual kind", tag="A",
                              source="most cadres are over 45 (essay: 69.2%)")
    local_age_max: float = _p(56.0, 18.0, 59.0, "cadres", "years",
                              "oldest local candidate", tag="A")
    local_educated_share: float = _p(0.1, 0.0, 1.0, "cadres", "share",
                                     "local hires with high school or more", tag="A",
                                     source="8.5% of cadres (essay)")
    overtime_morale_weight: float = _p(0.5, 0.0, 1.0, "cadres", "weight",
                                       "share of overtime that depends on morale", tag="A")
    resources_pay_weight: float = _p(0.5, 0.0, 1.0, "cadres", "weight",
                                     "weight of pay (vs. skill) in a cadre's job resources",
                                     tag="A", source="job demands-resources (Bakker & Demerouti "
                                                     "2007)")
    recovery_slack_gain: float = _p(2.0, 0.0, 10.0, "cadres", "x recovery",
                                    "extra recovery per unit of slack below capacity", tag="A")
    training_reference_hours: float = _p(80.0, 10.0, 200.0, "cadres", "hours/year",
                                         "training a year that counts as full training", tag="A")
    morale_base: float = _p(0.2, 0.0, 1.0, "cadres", "0-1", "morale target at zero of all "
                                                             "its terms", tag="A")
    morale_pay: float = _p(0.5, 0.0, 1.0, "cadres", "0-1", "morale target per unit of pay "
                                                            "as a resource", tag="A")
    morale_autonomy: float = _p(0.2, 0.0, 1.0, "cadres", "0-1",
                                "morale target per unit of the committee's discretion", tag="A")
    morale_training: float = _p(0.1, 0.0, 1.0, "cadres", "0-1",
                                "morale target per unit of training", tag="A")
    morale_exhaustion: float = _p(0.4, 0.0, 1.0, "cadres", "0-1",
                                  "morale target lost per unit of exhaustion", tag="A")
    dependence_target_base: float = _p(0.8, 0.0, 1.0, "cadres", "0-1",
                                       "dependence target without autonomy, training or "
                                       "schooling", tag="A")
    dependence_policy: float = _p(0.3, 0.0, 1.0, "cadres", "0-1",
                                  "dependence target lost per unit of the levers' autonomy",
                                  tag="A")
    dependence_training: float = _p(0.2, 0.0, 1.0, "cadres", "0-1",
                                    "dependence target lost per unit of training", tag="A")
    dependence_schooling: float = _p(0.2, 0.0, 1.0, "cadres", "0-1",
                                     "dependence target lost by a cadre with high school or more",
                                     tag="A")
    helper_organising_share: float = _p(0.5, 0.0, 1.0, "residents", "share",
                                        "places a volunteer's or bought helper's hour organises, "
                                        "relative to a cadre's", tag="A")
    activity_saturation_share: float = _p(0.05, 0.005, 0.5, "residents", "places/adult",
                                          "places a week per adult at which activity is full",
                                          tag="A")
    efficacy_base: float = _p(0.2, 0.0, 1.0, "residents", "0-1",
                              "felt efficacy of taking part with no service, voice or openness",
                              tag="A")
    efficacy_coverage: float = _p(0.3, 0.0, 1.0, "residents", "0-1",
                                  "efficacy per share of need met", tag="A")
    efficacy_voice: float = _p(0.3, 0.0, 1.0, "residents", "0-1",
                               "efficacy per unit of real deliberation", tag="A")
    efficacy_transparency: float = _p(0.2, 0.0, 1.0, "residents", "0-1",
                                      "efficacy per unit of transparency", tag="A")
    trust_target_base: float = _p(0.1, 0.0, 1.0, "residents", "0-1",
                                  "trust target with no service, openness or voice", tag="A")
    trust_target_coverage: float = _p(0.35, 0.0, 1.0, "residents", "0-1",
                                      "trust target per share of need met", tag="A",
                                      source="services build trust (spec §4)")
    trust_target_transparency: float = _p(0.2, 0.0, 1.0, "residents", "0-1",
                                          "trust target per unit of transparency", tag="A",
                                          source="三公开 (essay)")
    trust_target_voice: float = _p(0.3, 0.0, 1.0, "residents", "0-1",
                                   "trust target per unit of real deliberation", tag="A")
    trust_target_token: float = _p(0.15, 0.0, 1.0, "residents", "0-1",
                                   "trust target lost per unit of token deliberation (a council "
                                   "that decides nothing)", tag="A")
    experience_neutral: float = _p(0.5, 0.0, 1.0, "residents", "0-1",
                                   "coverage or efficacy at which being served or taking part "
                                   "leaves trust where it is", tag="A")
    initial_satisfaction: float = _p(0.5, 0.0, 1.0, "residents", "0-1",
                                     "residents' satisfaction at the start", tag="A")
    conditional_threshold_max: float = _p(0.4, 0.0, 1.0, "residents", "share of contacts",
                                          "highest threshold of a conditional cooperator "
                                          "(uniform from 0)", tag="A",
                                          source="Granovetter 1978 thresholds")
    intrinsic_free_rider_max: float = _p(0.2, 0.0, 1.0, "residents", "0-1",
                                         "highest intrinsic motivation of a free rider", tag="A")
    intrinsic_conditional_min: float = _p(0.2, 0.0, 1.0, "residents", "0-1",
                                          "lowest intrinsic motivation of a conditional "
                                          "cooperator", tag="A")
    intrinsic_conditional_max: float = _p(0.7, 0.0, 1.0, "residents", "0-1",
                                          "highest intrinsic motivation of a conditional "
                                          "cooperator", tag="A")
    intrinsic_unconditional_min: float = _p(0.6, 0.0, 1.0, "residents", "0-1",
                                            "lowest intrinsic motivation of an unconditional "
                                            "cooperator (up to 1)", tag="A")
    initial_trust_a: float = _p(3.0, 0.5, 20.0, "residents", "Beta a",
                                "initial trust ~ Beta(a, b); its mean a / (a + b) is also "
                                "committees' initial trust", tag="A")
    initial_trust_b: float = _p(5.0, 0.5, 20.0, "residents", "Beta b",
                                "see initial_trust_a (mean 0.375 at 3 and 5)", tag="A")
    initial_awareness_a: float = _p(2.0, 0.5, 20.0, "residents", "Beta a",
                                    "initial community awareness ~ Beta(a, b)", tag="A",
                                    source="\"社区意识差\" (essay) for its lowness")
    initial_awareness_b: float = _p(5.0, 0.5, 20.0, "residents", "Beta b",
                                    "see initial_awareness_a", tag="A")
    unit_awareness_factor: float = _p(0.7, 0.0, 1.0, "residents", "x awareness",
                                      "initial awareness of a unit-attached resident (单位人), "
                                      "relative to others", tag="A",
                                      source="单位人 look to their unit (essay)")
    registered_volunteer_share: float = _p(0.02, 0.0, 0.2, "volunteering", "share of residents",
                                           "residents registered as volunteers at the start "
                                           "(the most motivated adults)", tag="N",
                                           source="registered volunteers 2.56% in 2016 (spec §8)")
    duty_label_penalty: float = _p(0.5, 0.0, 1.0, "volunteering", "share",
                                   "how much the low-income duty, as a share of service, "
                                   "labels volunteering as welfare work", tag="A")
    unit_trust_base: float = _p(0.6, 0.0, 2.0, "units", "x willingness",
                                "a unit's willingness to open at zero local trust", tag="A")
    unit_trust_weight: float = _p(0.8, 0.0, 2.0, "units", "x willingness per trust",
                                  "extra willingness per unit of local trust", tag="A")
    unit_disposition_spread: float = _p(0.5, 0.0, 0.9, "units", "x willingness",
                                        "units' dispositions are uniform in 1 +- this", tag="A")
    support_failure_cut: float = _p(0.5, 0.0, 1.0, "finance", "share",
                                    "share of ventures' failure that full enterprise support "
                                    "prevents", tag="A")
    support_earning_weight: float = _p(0.5, 0.0, 1.0, "finance", "share",
                                       "share of a venture's earnings that needs support (the "
                                       "rest it earns unsupported)", tag="A")
    rehousing_share: float = _p(0.5, 0.0, 1.0, "finance", "share a year",
                                "renting committees housed a year at full infrastructure "
                                "investment", tag="A")
    demo_rating_scale: float = _p(1000.0, 10.0, 100_000.0, "finance", "places or hours",
                                  "venue places, or backlog hours, worth a whole unit of "
                                  "coverage when the county picks demonstration sites", tag="A")
    # --- the essay's further remedies (ODD §7.10) ----------------------------------------------
    station_gain: float = _p(0.15, 0.0, 1.0, "workload", "x work per hour",
                             "extra work a cadre's hour does at a full one-stop station, in "
                             "services and in the matters handled at its window (no errands "
                             "between offices)", tag="A")
    paid_service_hours: float = _p(4.0, 0.0, 20.0, "workload", "hours/committee/week",
                                   "cadre hours that running full paid services takes", tag="A")
    reserve_vacancy_cut: float = _p(0.75, 0.0, 0.95, "cadres", "share",
                                    "cut in the time a seat stays empty, with a full reserve pool",
                                    tag="A")
    rotation_skill_per_year: float = _p(0.05, 0.0, 0.3, "cadres", "skill/year",
                                        "extra skill a year (towards 1) from full rotation",
                                        tag="A")
    rotation_dependence: float = _p(0.1, 0.0, 0.5, "cadres", "0-1",
                                    "dependence target lost with full rotation (outside practice)",
                                    tag="A")
    promotion_retention: float = _p(0.5, 0.0, 1.0, "cadres", "share",
                                    "share of educated cadres' extra quit hazard a promotion "
                                    "channel removes (cadres who choose: the share more pay it "
                                    "is worth to them)", tag="A",
                                    source="\"疏通社区干部提拔、使用渠道\"")
    publicity_awareness_gain: float = _p(0.004, 0.0, 0.05, "residents", "per week",
                                         "awareness gained a week (towards 1) under full "
                                         "publicity", tag="A",
                                         source="\"社区是我家, 管理靠大家\" campaigns")
    publicity_pull: float = _p(0.3, 0.0, 2.0, "residents", "logit",
                               "pull of theme activities on every resident, at full publicity",
                               tag="A")
    patrol_trust: float = _p(0.05, 0.0, 0.3, "residents", "0-1",
                             "trust target gained from full safety patrols (治安良好)", tag="A")
    paid_service_jobs: float = _p(0.05, 0.0, 0.5, "residents", "share a year",
                                  "laid-off residents who find work a year in full paid "
                                  "services (再就业)", tag="A",
                                  source="\"拓宽就业再就业渠道\" (essay)")
    association_opening_gain: float = _p(1.0, 0.0, 3.0, "units", "x willingness",
                                         "extra willingness of units to open with a full "
                                         "facilities association (liability and upkeep shared)",
                                         tag="A")
    association_places_gain: float = _p(0.25, 0.0, 1.0, "units", "x places",
                                        "extra places an open unit offers when the association "
                                        "manages it", tag="A")
    station_yuan: float = _p(8_000.0, 0.0, 50_000.0, "finance", "yuan/committee/year",
                             "cost of a full one-stop station", tag="A")
    publicity_yuan: float = _p(3_000.0, 0.0, 20_000.0, "finance", "yuan/committee/year",
                               "cost of full publicity and theme activities", tag="A")
    health_hours_per_1000: float = _p(3.0, 0.0, 20.0, "finance", "hours/week per 1,000",
                                      "service hours health points give per 1,000 residents "
                                      "(paid at help_wage)", tag="A")
    patrol_yuan: float = _p(2_000.0, 0.0, 20_000.0, "finance", "yuan/committee/year",
                            "cost of full safety patrols", tag="A")
    paid_service_yuan: float = _p(5_000.0, 0.0, 50_000.0, "finance", "yuan/year",
                                  "own income of full paid services run by a committee with "
                                  "all its hours free", tag="A")
    association_yuan: float = _p(2_000.0, 0.0, 20_000.0, "finance", "yuan/committee/year",
                                 "cost of a full facilities association", tag="A")
    training_yuan_per_hour: float = _p(10.0, 2.0, 50.0, "finance", "yuan/hour",
                                       "public money a cadre's hour of training costs "
                                       "(teachers, room, materials, meals; 教育培训经费)",
                                       tag="A",
                                       source=("a county party-school course of the mid-2000s, "
                                               "about 80 yuan a trainee-day of 8 hours; the range "
                                               "from a local course with the county's own "
                                               "teachers (2) to one at a city or provincial "
                                               "school with board and travel (50)"))

    def __post_init__(self):
        check(self)


FIELDS = {f.name: f for f in dataclasses.fields(Parameters)}


def levers(groups=LEVER_GROUPS, reading: "Parameters | None" = None):
    """The schema rows for the given groups, in declaration order; with `reading`, only those a
    run on it reads (a lever of a mechanism switched off is left out: it would do nothing)."""
    return [describe(name) for name, f in FIELDS.items() if f.metadata["group"] in groups
            and (reading is None or read_by(name, reading))]


def lever_share(p: Parameters, name: str) -> float:
    """A lever's value as a share of its documented maximum (0-1), for rules that read it as
    "how far the reform has gone"."""
    return getattr(p, name) / FIELDS[name].metadata["high"]


def describe(name: str) -> dict:
    f = FIELDS[name]
    return dict(name=name, baseline=f.default, **f.metadata)


def switch_of(name: str) -> str:
    """The structural switch that decides whether the constant `name` is read ("" if none)."""
    return FIELDS[name].metadata["needs"].lstrip("!")


# the structural switches that turn a mechanism on (each constant's `needs` names one)
SWITCHES = frozenset(switch_of(n) for n, f in FIELDS.items() if f.metadata["needs"])


def needed(name: str) -> str:
    """The setting under which the constant `name` is read, as `switch=value` ("" if always)."""
    needs = FIELDS[name].metadata["needs"]
    return f"{switch_of(name)}={int(not needs.startswith('!'))}" if needs else ""


def read_by(name: str, params: Parameters) -> bool:
    """Whether a run on `params` reads the constant `name` at all (its `needs` switch)."""
    needs = FIELDS[name].metadata["needs"]
    return not needs or bool(getattr(params, switch_of(name))) != needs.startswith("!")


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
