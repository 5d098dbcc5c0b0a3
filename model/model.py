"""CountyModel: one county, one week a step, in the order of spec §3 (ODD §3)."""

from __future__ import annotations

import time

import mesa
import numpy as np

from . import cadres, county, finance, workload
from .agents import Cadre, Committee, Department, Government, Table, Unit
from .indicators import INDICATORS, htc
from .params import Parameters
from .residents import CommitteeSignals, Residents

STEPS_PER_YEAR = 52
VENUE_SEAT, VENUE_OLD, VENUE_NEW = 120.0, 30.0, 5.0      # own activity places/week at start
UNIT_PLACES_SEAT, UNIT_PLACES_TOWNSHIP = 80.0, 40.0
PLACES_PER_ORGANISER_HOUR = 8.0
DELIBERATION_PLACES = 0.02     # places per adult a week at full deliberation
ADMIN_BURDEN = 0.5             # logit: a committee run as a little government repels residents
ACTIVITY_PULL = 0.5
SIZE_ELASTICITY = 0.2          # pushed work grows slowly with size: item lists reach every committee
SEAT_RECEPTION_HOURS = 6.0     # Jiangkou is a provincial demonstration zone: visits, hours/week
PHASES = ("government and departments", "committees and cadres", "residents", "data collection")
# per-committee series kept for the pattern checks and the county view
COMMITTEE_SERIES = ("admin_share", "service_per_1000", "venue_per_1000", "trust",
                    "participation", "pushed_per_cadre", "own_income_share", "renting",
                    "jiangkou", "residents")


class CountyModel(mesa.Model):
    """The county of the essay: government, 12 departments, 63 committees, 211 cadres, units
    and (220,000 x scale) residents.

    Args:
        params: levers, structure and calibration (`Parameters()` is the essay's county).
        seed: integer seed of the model's numpy generator (`self.rng`).
    """

    def __init__(self, params: Parameters | None = None, seed: int = 0):
        super().__init__(rng=seed)
        self.p = p = params or Parameters()
        rng = self.rng
        n = county.N_COMMITTEES
        sizes = county.committee_sizes(rng)
        groups = county.resident_groups(sizes)
        jiangkou = np.arange(n) < county.N_JIANGKOU
        renting = np.zeros(n, bool)
        renting[rng.choice(n, round(county.RENTING_SHARE * n), replace=False)] = True
        new = ~jiangkou & (rng.random(n) < county.NEW_TOWNSHIP_SHARE)
        shop_rent = np.zeros(n)
        shop_rent[2:2 + county.SHOP_RENT_COMMITTEES] = county.SHOP_RENT_YUAN
        venue = np.where(jiangkou, VENUE_SEAT, np.where(new, VENUE_NEW, VENUE_OLD))
        venue = venue * np.where(renting, finance.RENTING_VENUE_FACTOR, 1.0)
        self.size_factor = (sizes / sizes[~jiangkou].mean()) ** SIZE_ELASTICITY
        demonstration = np.zeros(n, bool)
        demonstration[: min(2, p.demonstration_sites)] = True     # Jiangkou's titles (新华街)
        zeros = np.zeros(n)
        self.committees = Table(
            names=[f"Jiangkou-{i + 1}" if i < county.N_JIANGKOU else f"Township-{i - 10}"
                   for i in range(n)],
            residents=sizes, jiangkou=jiangkou, renting=renting, new=new, shop_rent=shop_rent,
            venue_places=venue, size_factor=self.size_factor, backlog_hours=zeros.copy(),
            admin_share=np.full(n, 0.9), service_hours=zeros.copy(), coverage=np.full(n, 0.3),
            trust=np.full(n, 0.375), enterprises=np.zeros(n, int), own_income=shop_rent.copy(),
            demonstration=demonstration, transfer=zeros.copy(), aid=zeros.copy(),
            donations=zeros.copy(), discretionary=zeros.copy(), budget=np.ones(n),
            leadership=rng.uniform(1 - p.leadership_spread, 1 + p.leadership_spread, n),
        )
        seat_committee, age, educated = county.initial_cadres(rng)
        m = seat_committee.size
        self.cadres = Table(
            committee=seat_committee, age=age, educated=educated,
            skill=0.3 + 0.3 * educated + 0.2 * rng.random(m), morale=np.full(m, 0.4),
            exhaustion=np.full(m, 0.3), dependence=0.7 - 0.2 * educated,
            hours=np.full(m, workload.STANDARD_WEEK), tenure=rng.uniform(0, 10, m),
            vacant=np.zeros(m, bool),
        )
        self.seats = np.bincount(seat_committee, minlength=n)

        self.government = Government(self)
        w = county.DEPARTMENT_WEIGHTS / county.DEPARTMENT_WEIGHTS.sum()
        k = len(county.DEPARTMENTS)
        spread = p.department_spread
        inspected = np.clip(p.inspected_share * rng.uniform(1 - spread, 1 + spread, k), 0.0, 1.0)
        blame = p.blame_pressure * rng.uniform(1 - spread, 1 + spread, k)
        self.departments = [Department(self, i, name, w[i], inspected[i], blame[i])
                            for i, name in enumerate(county.DEPARTMENTS)]
        self.inspected = inspected
        for i in range(n):
            Committee(self, i)
        self.seat_agents: list[Cadre | None] = [Cadre(self, i) for i in range(m)]
        self.units = [Unit(self, k, UNIT_PLACES_SEAT if jiangkou[k] else UNIT_PLACES_TOWNSHIP,
                           float(rng.uniform(0.5, 1.5)))
                      for k in range(n)
                      for _ in range(p.units_seat if jiangkou[k] else p.units_township)]
        self.residents = Residents(county.draw_residents(rng, sizes, groups, p.scale),
                                   int(groups.sum()), p, rng)
        self._revise_units()

        self.load = np.full(n, 1.2)            # last week's demand / standard capacity
        self.reporting = np.zeros(n)           # campaign reporting hours still due per week
        self.reporting_weeks_left = 0
        self.campaign_dip = 1.0
        self.initiative = 1.0 - np.bincount(seat_committee, weights=self.cadres.dependence,
                                            minlength=n) / self.seats
        self.vol_hours = np.zeros(n)
        self.duty_hours = np.zeros(n)
        self.year_spending = 0.0
        self.week_of_year = 0
        steps = p.years * STEPS_PER_YEAR
        self.series = {k: np.full(steps, np.nan) for k in INDICATORS}
        self.committee_series = {k: np.full((steps, n), np.nan, np.float32)
                                 for k in COMMITTEE_SERIES}
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)   # wall time by phase (benchmarks)

    # ------------------------------------------------------------------------------------------
    def step(self) -> None:
        t = self.steps - 1          # Mesa counts the step before calling it
        if t >= len(self.series["htc_index"]):   # the horizon is reached: stop, record nothing
            self.running = False
            return
        p, c, s, rng = self.p, self.committees, self.cadres, self.rng
        n = c.residents.size
        self.week_of_year = t % STEPS_PER_YEAR
        clock = [time.perf_counter()]
        # 1. government: calendar and, at the year's start, units, budgets and designations
        self.government.step()
        if self.new_year:
            if t > 0:
                self._revise_units()
                self.residents.unit_shift(rng)
                self.residents.refresh(p)
            finance.new_year(self)
            self.residents.new_year()
        # 2. departments push tasks; the admission filter and funding thin them
        self.pushed = rng.poisson([d.push_rate() for d in self.departments])  # one draw, 12 x 63
        tasks = workload.admit_tasks(rng, self.pushed, self.inspected, p)
        if self.campaign_week:
            workload.campaign(c, self.reporting, p)
            self.reporting_weeks_left = workload.REPORTING_WEEKS
            self.campaign_dip = 1.0 - p.campaign_cut_share
        clock.append(time.perf_counter())
        # 3. stationed staff
        passed, staff_service = workload.staff_hours(c, p)
        # 4. committees allocate their cadres' hours
        hours_seat = cadres.work_hours(s, self.load)
        seated = ~s.vacant
        present = np.bincount(s.committee, weights=seated, minlength=n)
        hours = np.bincount(s.committee, weights=hours_seat, minlength=n)
        safe_present = np.maximum(present, 1)
        skill_factor = np.where(present > 0, np.bincount(
            s.committee, weights=(0.7 + 0.6 * s.skill) * seated, minlength=n) / safe_present, 1.0)
        self.initiative = np.where(present > 0, 1.0 - np.bincount(
            s.committee, weights=s.dependence * seated, minlength=n) / safe_present, 0.0)
        inspection = p.inspection_prep_hours * self.size_factor * self.inspection_week
        reporting = self.reporting if self.reporting_weeks_left > 0 else np.zeros(n)
        receptions = workload.DEMO_RECEPTION_HOURS * c.demonstration + SEAT_RECEPTION_HOURS * c.jiangkou
        meetings = p.meeting_hours_per_week * present
        use = workload.allocate(c, hours, skill_factor, self.initiative, self.accountability(),
                                tasks, passed + inspection + reporting + receptions, meetings, p)
        self.reporting_weeks_left -= 1
        if self.reporting_weeks_left <= 0:
            self.reporting[:] = 0.0
        c.admin_share = use["admin"] / np.maximum(hours, 1e-9)
        # 5. cadres: exhaustion, morale, turnover and recruitment
        self.load = use["demand"] / (workload.STANDARD_WEEK * safe_present)
        discretion = 0.5 * cadres.policy_autonomy(p) + 0.5 * (1.0 - c.admin_share)
        cadres.update(s, self.load, discretion, p)
        left, hired = cadres.turnover(s, rng, p)
        for i in left:
            self.seat_agents[i].remove()
            self.seat_agents[i] = None
        for i in hired:
            self.seat_agents[i] = Cadre(self, int(i))
        failure = workload.department_failure(tasks, use["expired"], p.task_hours / skill_factor)
        for d in self.departments:
            d.react(float(failure[d.idx]), self.campaign_week)
        self.campaign_dip += (1.0 - self.campaign_dip) / 13.0
        # services reach residents: cadres, bought help, staff and last week's volunteers meet
        # needs; the low-income duty adds public works that meet none (ODD §7.6)
        help_hours = finance.help_hours(c)
        supply = use["services"] + help_hours + staff_service + self.vol_hours
        need = self.residents.need_per_committee
        c.coverage = np.minimum(1.0, supply / np.maximum(need, 1e-9))
        c.service_hours = supply = supply + self.duty_hours
        clock.append(time.perf_counter())
        # 6. residents decide, volunteer, and update trust and awareness
        adults = self.residents.adults_real
        real = p.deliberation * discretion
        token = p.deliberation * (1.0 - discretion)
        venue = c.venue_places + self.unit_places + DELIBERATION_PLACES * p.deliberation * adults
        organised = PLACES_PER_ORGANISER_HOUR * (use["services"]
                                                 + 0.5 * (self.vol_hours + help_hours))
        places = np.minimum(venue, organised)
        activity = np.minimum(1.0, places / (0.05 * adults))
        sig = CommitteeSignals(
            efficacy=(0.2 + 0.3 * c.coverage + 0.3 * real + 0.2 * p.transparency).astype(np.float32),
            pull=(ACTIVITY_PULL * activity - ADMIN_BURDEN * c.admin_share).astype(np.float32),
            places=places, coverage=c.coverage.astype(np.float32),
            trust_target=(0.1 + 0.35 * c.coverage + 0.2 * p.transparency + 0.3 * real
                          - 0.15 * token).astype(np.float32),
            activity=activity.astype(np.float32),
            outreach=np.minimum(np.maximum(need - (supply - self.duty_hours - self.vol_hours), 0.0),
                                p.volunteer_organising * (use["services"] + help_hours)),
        )
        totals = self.residents.step(t, sig, p, rng)
        self.vol_hours, self.duty_hours = totals.volunteer_hours, totals.duty_hours
        c.trust = totals.trust
        clock.append(time.perf_counter())
        # 9. indicators
        self._record(t, tasks, use, hours, present, skill_factor, passed + inspection + reporting
                     + receptions, meetings, inspection, supply, need, venue, adults, left)
        clock.append(time.perf_counter())
        for phase, start, end in zip(PHASES, clock, clock[1:]):
            self.phase_seconds[phase] += end - start

    def accountability(self) -> np.ndarray:
        """What each committee answers for: the blame pressure of the departments that push
        to it (weighted by their tasks this week) and the county's inspections (relative to
        the essay's 26 a year)."""
        pressure = np.array([d.pressure for d in self.departments])
        weights = self.pushed.sum(axis=1)
        mean_pressure = float(pressure @ weights / max(weights.sum(), 1))
        inspections = 0.5 + 0.5 * self.p.inspections_per_year / 26.0
        return np.full(len(self.committees.residents), mean_pressure * inspections)

    def _revise_units(self) -> None:
        """Units decide yearly whether to open; their places per committee hold for the year."""
        for unit in self.units:
            unit.revise()
        opened = [u for u in self.units if u.open]
        self.unit_places = np.bincount([u.committee for u in opened],
                                       weights=[u.places for u in opened],
                                       minlength=len(self.committees.residents))

    # ------------------------------------------------------------------------------------------
    def _record(self, t, tasks, use, hours, present, skill_factor, fixed, meetings, inspection,
                supply, need, venue, adults, left) -> None:
        p, c, s = self.p, self.committees, self.cadres
        seated = ~s.vacant
        n_seated = max(int(seated.sum()), 1)
        pushed = tasks["admitted"] * p.task_hours / skill_factor + fixed + meetings
        capacity = workload.STANDARD_WEEK * self.seats
        residents = c.residents
        ind = self.residents.indicators()
        budget_share = c.own_income / np.maximum(c.budget, 1.0)
        jk = c.jiangkou
        per_res = supply / residents
        gap = (supply[jk].sum() / residents[jk].sum()) / (supply[~jk].sum() / residents[~jk].sum())
        yuan_week = (self.year_spending / 52.0 + n_seated * p.cadre_pay * 12 / 52
                     + tasks["funded"].sum() * p.task_hours * finance.HELP_WAGE
                     + finance.REWARD_YUAN * p.volunteer_reward * ind["volunteer_rate"]
                     * residents.sum() * ind["volunteer_100_share"] / 52)
        admitted = max(int(tasks["admitted"].sum()), 1)
        admin_share = use["admin"].sum() / hours.sum()
        exhaustion = float(s.exhaustion[seated].mean())
        h, tt, cc, index = htc(pushed.sum(), capacity.sum(), admin_share, exhaustion,
                               ind["participation_rate"], ind["trust"])
        ind.update(
            admin_share=admin_share,
            admin_share_sd=float(c.admin_share.std()),
            surface_share=use["surface"].sum() / hours.sum(),
            cadre_hours_per_week=hours.sum() / max(present.sum(), 1),   # seated when working
            exhaustion=exhaustion,
            cadre_turnover=left.size * 52.0 / s.age.size,
            service_hours_per_1000=1000.0 * supply.sum() / residents.sum(),
            unmet_need=max(0.0, 1.0 - float(c.coverage @ need) / need.sum()),
            task_backlog=float(c.backlog_hours.mean()),
            unfunded_share=tasks["unfunded"].sum() / admitted,
            units_open_share=float(np.mean([u.open for u in self.units])) if self.units else 0.0,
            empty_shell_share=float((budget_share <= 0.1).mean()),
            jiangkou_gap=gap - 1.0,
            jiangkou_venue_gap=(venue[jk].sum() / residents[jk].sum())
            / (venue[~jk].sum() / residents[~jk].sum()) - 1.0,
            cost_per_service_hour=yuan_week / max(supply.sum(), 1e-9),
            htc_H=h, htc_T=tt, htc_C=cc, htc_index=index,
            volunteer_hours_per_1000=1000.0 * (self.vol_hours.sum() + self.duty_hours.sum())
            / residents.sum(),
            admin_hours_per_cadre=use["admin"].sum() / n_seated,
            inspection_hours=float(inspection.mean()),
            meeting_hours=float(use["meetings"].mean()),
            vacancies=float(s.vacant.sum()),
            own_income_share=float(budget_share.mean()),
            venue_places_per_1000=1000.0 * venue.sum() / residents.sum(),
            high_school_share=float(s.educated[seated].mean()),
            over_45_share=float((s.age[seated] > 45).mean()),
        )
        for k, v in ind.items():
            self.series[k][t] = v
        recent = self.residents.recent
        part = np.bincount(self.residents.committee[recent],
                           weights=self.residents.weight[recent], minlength=residents.size)
        cs = self.committee_series
        cs["admin_share"][t] = c.admin_share
        cs["service_per_1000"][t] = 1000.0 * per_res
        cs["venue_per_1000"][t] = 1000.0 * venue / residents
        cs["trust"][t] = c.trust
        cs["participation"][t] = part / adults
        cs["pushed_per_cadre"][t] = pushed / np.maximum(present, 1)
        cs["own_income_share"][t] = budget_share
        cs["renting"][t] = c.renting
        cs["jiangkou"][t] = jk
        cs["residents"][t] = residents
