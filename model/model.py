"""CountyModel: one county, one week a step, in the order of spec §3 (ODD §3)."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace

import mesa
import numpy as np

from . import cadres, finance, workload
from .agents import (CADRE_COLUMNS, COMMITTEE_COLUMNS, DEPARTMENT_COLUMNS, TOWNSHIP_COLUMNS, Cadre,
                     Committee, Department, Government, Table, Township, Unit, choose_stances,
                     pressures, push_factors, push_means, react)
from .calendar import STEPS_PER_YEAR
from .county import County, draw_residents, essay_county
from .indicators import INDICATORS, record
from .params import Parameters
from .residents import Residents, signals

PHASES = ("government and departments", "committees and cadres", "residents", "data collection")
# per-committee series kept for the pattern checks and the county view; `township`: the index
# of the committee's township government in County.townships()'s order
COMMITTEE_SERIES = ("admin_share", "service_per_1000", "venue_per_1000", "trust",
                    "participation", "pushed_per_cadre", "exhaustion", "own_income_share",
                    "renting", "seat", "new", "residents", "bound_wish", "bound_rooms",
                    "bound_organisers", "township", "township_directing")


# levers the county reads when its budget year starts (budgets, investment, aid, titles, the
# units' and townships' yearly decisions): moved mid-run, they act from the next budget year;
# every other lever acts from the next week (tests/test_workshop.py and test_township.py check
# both against the model)
YEARLY_LEVERS = frozenset({"unit_to_social_per_year", "unit_sharing", "infrastructure_investment",
                           "enterprise_support", "poor_community_aid", "demonstration_sites",
                           "facilities_association", "clear_functions"})
# structural switches a run keeps from its start, and why
FIXED_SWITCHES = {"cadres_choose": "the cadres' types are drawn (ODD §7.3a)",
                  "township_agent": "the townships are made (ODD §7.1a)"}
# levers read every week whose effect waits for an event: the next campaign, the next hire
EVENT_LEVERS = {"reduction_campaigns_per_year": "campaign", "campaign_cut_share": "campaign",
                "competitive_recruitment": "hire"}


class CountyModel(mesa.Model):
    """The county of the essay: government, 12 departments, 63 committees, 211 cadres, units
    and (220,000 x scale) residents.

    Args:
        params: levers, structure and calibration (`Parameters()` is the essay's county).
        seed: integer seed of the model's numpy generator (`self.rng`).
    """

    def __init__(self, params: Parameters | None = None, seed: int = 0, warm_up_years: int = 0,
                 county: County | None = None):
        super().__init__(rng=seed)
        # weeks simulated before the first recorded one (the dashboard starts after the burn-in)
        self.warm_up_weeks = warm_up_years * STEPS_PER_YEAR
        self.p = p = params or Parameters()
        self.county = place = county or essay_county()
        rng = self.rng
        n = place.n
        sizes = place.committee_sizes(rng)
        groups = place.resident_groups(sizes)
        seat = place.in_seat
        renting = place.offices(rng)
        new = place.new_communities(rng)
        own_income = place.column("own_income_yuan", np.zeros(n)).astype(float)
        venue = np.where(new, p.venue_places_new,          # a new community has few rooms,
                         np.where(seat, p.venue_places_seat, p.venue_places_old))   # even in the seat
        venue = place.column("venue_places", venue * np.where(renting, p.renting_venue_share,
                                                              1.0)).astype(float)
        rest = sizes[~seat] if (~seat).any() else sizes
        # one scalar power per committee: numpy's vectorised power differs by an ulp between
        # CPUs (AVX-512 or not), and the county would differ with the machine
        self.size_factor = np.array([math.pow(r, p.size_elasticity)
                                     for r in (sizes / rest.mean()).tolist()])
        titled = np.flatnonzero(place.column("demonstration", np.zeros(n, bool)).astype(bool))
        demonstration = np.zeros(n, bool)
        demonstration[titled[: p.demonstration_sites]] = True     # titles held (新华街)
        zeros = np.zeros(n)
        self.committees = Table(
            COMMITTEE_COLUMNS, names=place.names,
            residents=sizes, seat=seat, renting=renting, new=new, shop_rent=own_income,
            venue_places=venue, size_factor=self.size_factor, backlog_hours=zeros.copy(),
            admin_share=np.full(n, p.initial_admin_share), service_hours=zeros.copy(),
            coverage=np.full(n, p.initial_coverage),
            trust=np.full(n, p.initial_trust_a / (p.initial_trust_a + p.initial_trust_b)), enterprises=np.zeros(n, int), own_income=own_income.copy(),
            demonstration=demonstration, transfer=zeros.copy(), aid=zeros.copy(),
            donations=zeros.copy(), discretionary=zeros.copy(), budget=np.ones(n),
            leadership=rng.uniform(1 - p.leadership_spread, 1 + p.leadership_spread, n),
        )
        seat_committee, age, educated = place.initial_cadres(rng, p)
        m = seat_committee.size
        self.cadres = Table(
            CADRE_COLUMNS, committee=seat_committee, age=age, educated=educated,
            skill=p.skill_base + p.skill_educated * educated + p.skill_spread * rng.random(m),
            morale=np.full(m, p.initial_morale), exhaustion=np.full(m, p.initial_exhaustion),
            dependence=p.dependence_base - p.dependence_educated * educated,
            hours=np.full(m, p.standard_week), tenure=rng.uniform(0.0, p.initial_tenure_max, m),
            vacant=np.zeros(m, bool),
            # a cadre's type (drawn last, below), belief of being looked into, and surface share
            # last week (§7.3a)
            motivation=np.ones(m), belief=np.full(m, cadres.detection_chance(p)),
            sham=np.zeros(m),
        )
        self.seats = np.bincount(seat_committee, minlength=n)

        self.government = Government(self)
        w = place.department_weights / place.department_weights.sum()
        k = len(place.departments)
        spread = p.department_spread
        inspected = np.clip(p.inspected_share * rng.uniform(1 - spread, 1 + spread, k), 0.0, 1.0)
        blame = p.blame_pressure * rng.uniform(1 - spread, 1 + spread, k)
        self.department_table = Table(DEPARTMENT_COLUMNS, names=list(place.departments),
                                      weight=w, blame=blame, blamed=np.zeros(k),
                                      rebound=np.zeros(k))
        self.departments = [Department(self, i) for i in range(k)]
        self.inspected = inspected
        self.reach = rng.uniform(1 - p.reach_spread, 1 + p.reach_spread, n)   # push beyond size
        self.repushed = np.zeros((k, n), dtype=np.int64)   # refused tasks pushed again (推诿)
        # a one-stop station (一站式): residents' matters and services at one window, so a
        # cadre's hour does more of both
        self.station = 1.0 + p.station_gain * p.service_stations
        for i in range(n):
            Committee(self, i)
        self.seat_agents: list[Cadre | None] = [Cadre(self, i) for i in range(m)]
        units = place.column("units", np.where(seat, p.units_seat, p.units_township))
        places = place.column("unit_places", np.where(seat, p.unit_places_seat,
                                                      p.unit_places_township))
        lean = p.unit_disposition_spread
        self.units = [Unit(self, k, float(places[k]), float(rng.uniform(1 - lean, 1 + lean)))
                      for k in range(n) for _ in range(int(units[k]))]
        self.residents = Residents(draw_residents(rng, place, sizes, groups, p), p, rng)
        self._revise_units()
        if p.cadres_choose:   # the types last, so that the county is the rule's on the same seed
            self.cadres.motivation[:] = cadres.draw_motivation(rng, m, p)
        # the township governments (ODD §7.1a): none without the switch
        names, self.served_by = place.townships()
        k = len(names) if p.township_agent else 0
        start = np.full(k, p.township_initial_directing)
        self.townships = Table(TOWNSHIP_COLUMNS, names=names[:k], directing=start)
        self.township_agents = [Township(self, i) for i in range(k)]
        self.need_sum = np.zeros(n)        # the year's need so far (what the townships weigh)
        self.need_weeks = 0

        self.load = np.full(n, p.initial_load)      # last week's demand / standard capacity
        self.reporting = np.zeros(n)           # campaign reporting hours still due per week
        self.reporting_weeks_left = 0
        self.campaign_dip = 1.0
        self.initiative = 1.0 - np.bincount(seat_committee, weights=self.cadres.dependence,
                                            minlength=n) / self.seats
        self.vol_hours = np.zeros(n)
        self.duty_hours = np.zeros(n)
        self.taking_part = np.zeros(n)   # last week's participants / adults (residents' voice)
        self.year_spending = 0.0
        self.week_of_year = 0
        steps = p.years * STEPS_PER_YEAR
        self.series = {k: np.full(steps, np.nan) for k in INDICATORS}
        self.committee_series = {k: np.full((steps, n), np.nan, np.float32)
                                 for k in COMMITTEE_SERIES}
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)   # wall time by phase (benchmarks)
        self.switch_row = 0        # the series' row of the first week under the scenario
        self.record_from = 0       # the series' first row recorded (run's summary_only: later)

    def set_params(self, params: Parameters) -> None:
        """Take new parameter values mid-run, from the next week on (a workshop moving a lever
        while the county runs). Values derived from parameters at the start are derived
        again; the state (trust, exhaustion, budgets of the year ...) carries on, so YEARLY_LEVERS
        act from the next budget year."""
        for switch, why in FIXED_SWITCHES.items():
            if getattr(params, switch) != getattr(self.p, switch):
                raise ValueError(f"{switch} is fixed for a run: {why} at the start")
        self.p = params
        self.station = 1.0 + params.station_gain * params.service_stations
        self.residents.refresh(params)

    def switch(self, params: Parameters, keep_year_before: bool = True) -> None:
        """The warm start's switch (ODD §7.1): the settled county takes `params` (the scenario's
        levers) from the next week, a budget year's first, and records `params.years` more years
        after the rows it holds (the last year before the switch), or, without
        `keep_year_before`, from row 0."""
        self.set_params(params)
        if not keep_year_before:
            self.warm_up_weeks = self.steps
            self.series = {k: v[:0] for k, v in self.series.items()}
            self.committee_series = {k: v[:0] for k, v in self.committee_series.items()}
        kept = len(self.series["htc_index"])
        weeks = params.years * STEPS_PER_YEAR
        self.series = {k: np.concatenate([v, np.full(weeks, np.nan)])
                       for k, v in self.series.items()}
        self.committee_series = {k: np.concatenate([v, np.full((weeks, v.shape[1]), np.nan,
                                                                np.float32)])
                                 for k, v in self.committee_series.items()}
        self.switch_row = kept

    def record_last_year_only(self, yes: bool = True) -> None:
        """Record the indicators in the horizon's last year alone (a run whose study keeps
        only its summary): earlier rows after the switch stay NaN; the state is untouched."""
        if yes:
            self.record_from = len(self.series["htc_index"]) - STEPS_PER_YEAR

    # ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One week, in the order of ODD §3."""
        t = self.steps - 1          # Mesa counts the step before calling it
        row = t - self.warm_up_weeks               # the week's row in the series (< 0: warm-up)
        if row >= len(self.series["htc_index"]):  # the horizon is reached: stop, record nothing
            self.running = False
            return
        self.week_of_year = t % STEPS_PER_YEAR
        week = SimpleNamespace(t=t, row=row)      # what this week's phases hand on
        for phase, rules in zip(PHASES, ((self.calendar_and_budgets, self.push_tasks),
                                         (self.allocate_hours, self.cadres_and_departments,
                                          self.deliver_services),
                                         (self.residents_decide,),
                                         (self.collect_data,))):
            start = time.perf_counter()
            for rule in rules:
                rule(week)
            self.phase_seconds[phase] += time.perf_counter() - start

    def calendar_and_budgets(self, week) -> None:
        """1. The government's calendar; at the year's start units, budgets and designations."""
        p, rng = self.p, self.rng
        self.government.step()
        if self.new_year:
            if week.t > 0:
                if p.township_agent:       # the townships choose for the year (ODD §7.1a)
                    choose_stances(self.townships, self.served_by,
                                   self.need_sum / max(self.need_weeks, 1), self.size_factor,
                                   finance.ordinary_transfer(self.committees, p),
                                   rng.random(len(self.township_agents)), p)
                    self.need_sum[:], self.need_weeks = 0.0, 0
                self._revise_units()
                self.residents.unit_shift(rng, p)
                if p.paid_services > 0:           # paid services hire the laid-off (再就业)
                    self.residents.find_work(rng, p.paid_service_jobs * p.paid_services)
                self.residents.refresh(p)
            finance.new_year(self)
            self.residents.new_year()

    def push_tasks(self, week) -> None:
        """2. Departments push tasks; the admission filter and funding thin them; campaigns."""
        p, c = self.p, self.committees
        factors = push_factors(self.department_table, p)
        self.push_means = push_means(self, factors)                            # 12 x 63
        self.pushed = self.rng.poisson(self.push_means)
        # services arrive at the normal rate: blame and rebounds add ledgers, not services
        service = p.service_task_share / factors
        week.tasks = workload.admit_tasks(self.rng, self.pushed, self.repushed, self.inspected,
                                          service, p)
        self.repushed = week.tasks["repushed"]
        if p.township_agent:         # the townships' own tasks (越位, ODD §7.1a)
            workload.township_tasks(self.rng, week.tasks, self.directing_by_committee(),
                                    self.size_factor, p)
        if self.campaign_week:
            workload.campaign(c, self.reporting, p)
            self.reporting_weeks_left = p.reporting_weeks
            self.campaign_dip = 1.0 - p.campaign_cut_share

    def allocate_hours(self, week) -> None:
        """3-4. Stationed staff pass or do their work; each committee's team allocates its
        cadres' hours (ODD §7.2-7.3)."""
        p, c, s = self.p, self.committees, self.cadres
        n = c.residents.size
        passed, week.staff_service = workload.staff_hours(c, p)
        hours_seat = cadres.work_hours(s, self.load, p)
        seated = ~s.vacant
        week.present = present = np.bincount(s.committee, weights=seated, minlength=n)
        week.hours = hours = np.bincount(s.committee, weights=hours_seat, minlength=n)
        week.safe_present = safe_present = np.maximum(present, 1)
        week.skill_factor = np.where(present > 0, np.bincount(
            s.committee, weights=(p.skill_speed_base + p.skill_speed_weight * s.skill) * seated,
            minlength=n) / safe_present, 1.0) * self.station      # one window: faster work
        self.initiative = np.where(present > 0, 1.0 - np.bincount(
            s.committee, weights=s.dependence * seated, minlength=n) / safe_present, 0.0)
        week.inspection = p.inspection_prep_hours * self.size_factor * self.inspection_week
        reporting = self.reporting if self.reporting_weeks_left > 0 else np.zeros(n)
        receptions = (p.demo_reception_hours * c.demonstration
                      + p.seat_reception_hours * c.seat)
        if p.township_agent:    # a directing township's linked cadre checks: reports to him
            week.liaison = p.liaison_hours_per_week * p.township_liaison
            receptions = receptions + week.liaison * self.directing_by_committee()
        week.demanded = week.inspection + reporting + receptions   # the government's (H)
        week.fixed = passed + week.demanded
        week.meetings = p.meeting_hours_per_week * present
        accountability = self.accountability(safe_present)
        chosen = (self.pool_choices(hours_seat, hours, accountability) if p.cadres_choose
                  else None)
        week.use = workload.allocate(c, hours, week.skill_factor, self.initiative, accountability,
                                     week.tasks, week.fixed, week.meetings, p, chosen)
        self.reporting_weeks_left -= 1
        if self.reporting_weeks_left <= 0:
            self.reporting[:] = 0.0
        c.admin_share = week.use["admin"] / np.maximum(hours, 1e-9)

    def cadres_and_departments(self, week) -> None:
        """5. Cadres: load, exhaustion, morale, turnover and hiring; departments react to what
        their inspections found (ODD §7.1, §7.4)."""
        p, c, s, use = self.p, self.committees, self.cadres, week.use
        self.load = use["demand"] / (p.standard_week * week.safe_present)
        w = p.discretion_policy_weight
        week.discretion = w * cadres.policy_autonomy(p) + (1.0 - w) * (1.0 - c.admin_share)
        found = (cadres.look_into(s, self.sham_part, use["sham"], self.rng, p)
                 if p.cadres_choose else None)
        cadres.update(s, self.load, week.hours / week.safe_present, week.discretion, p)
        week.left, hired = cadres.turnover(s, self.rng, p)
        for i in week.left:
            self.seat_agents[i].remove()
            self.seat_agents[i] = None
        for i in hired:
            self.seat_agents[i] = Cadre(self, int(i))
        failure = workload.department_failure(week.tasks, use["expired"],
                                              p.task_hours / week.skill_factor, p.task_hours,
                                              found)
        react(self.department_table, failure, self.inspection_week, self.campaign_week, p)
        self.campaign_dip += (1.0 - self.campaign_dip) / p.campaign_recovery_weeks

    def deliver_services(self, week) -> None:
        """Services reach residents: cadres (further at a one-stop station), bought help, staff,
        health points and last week's volunteers meet needs; the low-income duty adds public
        works that meet none (ODD §7.6-7.7, §7.10)."""
        c = self.committees
        p = self.p
        week.help_hours = finance.help_hours(c, p)
        tasks = week.tasks
        week.task_service = (week.use["task_service"] + tasks["department_service"]
                             + tasks["help_service"])              # 四进社区 (ODD §7.7)
        cadre_services = week.use["services"] * self.station
        supply = (cadre_services + week.help_hours + week.staff_service
                  + self.vol_hours + finance.health_hours(c, p) + week.task_service)
        if p.township_agent:    # a supporting township's linked cadre serves (ODD §7.1a)
            supply = supply + week.liaison * (1.0 - self.directing_by_committee())
        week.need = need = self.residents.need_per_committee
        if p.buck_passing:     # problems only their owner can handle (推诿扯皮, ODD §7.7a)
            joint = workload.joint_problems(self.rng, self.size_factor,
                                            week.use["service_share"], cadre_services,
                                            pressures(self.department_table),
                                            self.department_table.weight, p)
            week.joint_need = joint["need"].astype(need.dtype)     # whole hours: exact
            week.joint_handled, week.joint_hours = joint["handled"], joint["committee_hours"]
            met = np.minimum(supply - week.joint_hours, need) + week.joint_handled
            total = need + week.joint_need
            # with nothing to meet, the rule's own value (§7.7: min(1, services / need))
            c.coverage = np.minimum(1.0, np.where(total > 0, met, supply)
                                    / np.maximum(total, 1e-9))
        else:
            week.joint_need = week.joint_handled = None
            week.joint_hours = 0.0
            c.coverage = np.minimum(1.0, supply / np.maximum(need, 1e-9))
        c.service_hours = week.supply = supply + self.duty_hours
        if p.township_agent:
            self.need_sum += need
            self.need_weeks += 1

    def residents_decide(self, week) -> None:
        """6. Residents decide, volunteer, and update trust and awareness (ODD §7.5-7.8)."""
        p, c = self.p, self.committees
        adults = self.residents.adults_real
        week.venue = (c.venue_places + self.unit_places
                      + p.deliberation_places * p.deliberation * adults)
        sig = signals(c, p, week, self.vol_hours, self.duty_hours, adults)
        totals = self.residents.step(week.t, sig, p, self.rng)
        self.vol_hours, self.duty_hours = totals.volunteer_hours, totals.duty_hours
        self.taking_part = totals.participants / np.maximum(adults, 1e-9)
        c.trust = totals.trust
        # what bounded taking part (ODD §7.5): the wish, where every applicant found a place;
        # else the rooms, or the organisers' time to run activities in them
        wish = totals.applicants <= sig.places
        week.bound = dict(bound_wish=wish, bound_rooms=~wish & sig.rooms_short,
                          bound_organisers=~wish & ~sig.rooms_short)

    def collect_data(self, week) -> None:
        """9. Indicators of the week (ODD §4.10), once the warm-up is over (and from
        `record_from` on: a run that keeps only its summary records only the last year)."""
        if week.row >= max(self.record_from, 0):
            record(self, week)

    def pool_choices(self, hours_seat: np.ndarray, team_hours: np.ndarray,
                     accountability: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each seated cadre chooses (ODD §7.3a); the team pools what they choose: per committee
        the share of its hours for residents (weighted by each cadre's hours) and the share of
        its inspected work made only to look done (weighted by each one's administrative
        hours; `team_hours` is each committee's sum of `hours_seat`). Keeps each cadre's part of
        the committee's surface work for this week's checks."""
        c, s = self.committees, self.cadres
        n = c.residents.size
        service, s.sham = cadres.choose(s, c.leadership, 1.0 - c.coverage, accountability,
                                        self.taking_part, self.p)
        admin = hours_seat * (1.0 - service)
        team_admin = np.bincount(s.committee, weights=admin, minlength=n)
        shirked = admin * s.sham
        team_shirked = np.bincount(s.committee, weights=shirked, minlength=n)
        self.sham_part = shirked / np.maximum(team_shirked, 1e-12)[s.committee]
        return (np.bincount(s.committee, weights=hours_seat * service, minlength=n)
                / np.maximum(team_hours, 1e-9),
                team_shirked / np.maximum(team_admin, 1e-9))

    def directing_by_committee(self) -> np.ndarray:
        """The directing share of the township serving each committee (ODD §7.1a)."""
        return self.townships.directing[self.served_by]

    def accountability(self, seated: np.ndarray) -> np.ndarray:
        """What each committee answers for: the inspected work departments put on each of its
        `seated` cadres (the expected push, not this week's draw: an assignment is known before
        it arrives), weighted by those departments' blame pressure, relative to the county's
        mean (the county's 检查评比 rates committees against each other), times the county's
        inspections (relative to `reference_inspections`, the essay's 26 a year). Admission and funding thin every
        committee's push alike, so they cancel in the ratio."""
        pressure = pressures(self.department_table)
        per_cadre = self.push_means * self.inspected[:, None] / seated   # departments x committees
        w = self.p.accountability_inspection_weight
        inspections = (1.0 - w) + w * self.p.inspections_per_year / self.p.reference_inspections
        return pressure @ per_cadre / per_cadre.sum(axis=0).mean() * inspections

    def _revise_units(self) -> None:
        """Units decide yearly whether to open; their places per committee hold for the year."""
        for unit in self.units:
            unit.revise()
        opened = [u for u in self.units if u.open]
        self.units_open_share = float(np.mean([u.open for u in self.units])) if self.units else 0.0
        managed = 1.0 + self.p.association_places_gain * self.p.facilities_association
        self.unit_places = np.bincount([u.committee for u in opened],
                                       weights=[u.places for u in opened],
                                       minlength=len(self.committees.residents)) * managed
