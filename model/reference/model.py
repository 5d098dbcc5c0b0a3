"""The reference county model: initialisation (ODD §5), the weekly schedule (§3) and the
indicators (§4.10), written from docs/ODD.md alone."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import mesa
import numpy as np

from ..calendar import MONTHS_PER_YEAR as MONTHS
from ..county import OVER_45, County, essay_county
from ..indicators import EMPTY_SHELL_SHARE as EMPTY_SHELL     # definitions of §4.10, not rules
from ..indicators import SYNDROME_THRESHOLD as SYNDROME
from ..params import Parameters, lever_share
from .agents import (AGE_0_17, AGE_18_35, AGE_36_59, AGE_60, CHILD, LAID_OFF, RETIRED, SOCIAL,
                     STEPS, UNIT, Cadre, Committee, Department, Government, Resident, Township,
                     Unit, clip)

EMPLOYMENT_CODES = (UNIT, SOCIAL, LAID_OFF, RETIRED)

# ODD §8, the "Levers" table: the essay's remedies and the government's practice. A warm start
# (§7.1) runs its burn-in under the base's values of these, with the run's own constants.
LEVERS = ("task_admission", "funding_follows_tasks", "authority_over_staff",
          "inspections_per_year", "meeting_hours_per_week", "reduction_campaigns_per_year",
          "campaign_cut_share", "transparency", "deliberation", "responsibility_lists",
          "clear_functions", "unit_to_social_per_year",
          "cadre_pay", "competitive_recruitment", "training_hours_per_year", "volunteer_reward",
          "welfare_volunteer_days", "cadre_rotation_reserve", "unit_sharing",
          "infrastructure_investment", "enterprise_support", "poor_community_aid",
          "demonstration_sites", "township_liaison", "service_stations", "publicity",
          "health_and_safety", "paid_services", "facilities_association")
# ODD §7.11: levers read only when the budget year starts (the rest are read every week, the
# campaign levers at the next campaign, competitive_recruitment at the next hire), with
# `township_agent` `clear_functions`, read only at the townships' yearly choice (§7.1a "a
# lever moved mid-run acts at the next choice"); `township_liaison` also sets the linked
# cadres' hours every week, so it is not yearly -- AMBIGUITY 104
YEARLY_LEVERS = ("unit_to_social_per_year", "unit_sharing", "infrastructure_investment",
                 "enterprise_support", "poor_community_aid", "demonstration_sites",
                 "facilities_association", "clear_functions")

# Alternative readings of the ODD's ambiguous passages, switchable for docking experiments. The
# first value is the reading implemented by default; AMBIGUITIES.md gives the numbers.
DEFAULT_READINGS = {
    "receptions": "visible",         # AMBIGUITY 12, fixed in the ODD 2026-11-26: visible work (step 3),
                                     # or "meetings" (the old step 1)
    "h_funded": "full",              # AMBIGUITY 36: H counts admitted tasks' full hours, or "supervised"
    "refused_volunteers_take_part": False,   # AMBIGUITY 27
    "quit_probability": "exp",       # AMBIGUITY 15: 1 − exp(−h/52), or "linear" h/52
    "exhaustion_load": "this",       # AMBIGUITY 14, fixed in the ODD 2026-11-26: the week's new load, or
                                     # "last": the load used for this week's hours
    "need": "sum",                   # AMBIGUITY 20: needs add up, or "max"
    "outreach_unmet": "before_volunteers",   # AMBIGUITY 28: need minus non-volunteer services, or "after_volunteers"
    "demo_initial_places": True,     # AMBIGUITY 34: the file's titles add demo_places at the start
    "invisible_arrivals": "before",  # AMBIGUITY 13: this week's invisible tasks join B before allocation, or "after"
    "funded_visible": "inspected",   # AMBIGUITY 10, fixed in the ODD 2026-11-26 (D3): Binomial(funded,
                                     # v_d) tasks' supervision visible, the rest's invisible; or "supervision":
                                     # all supervision visible (the first reading); "binomial": Binomial(funded,
                                     # 0.2) visible, the rest's supervision invisible; "binomial_nosup": the
                                     # same without the rest's supervision; "binomial_full": Binomial(funded,
                                     # 0.2) whole tasks visible, no other supervision
    "free_share": "one_minus_admin", # AMBIGUITY 56: hours "free of administration" = 1 − admin share,
                                     # or "service": the service share (enterprise and paid-service hours not free)
    "inspection_phase": "end",       # AMBIGUITY 6, fixed in the ODD 2026-11-26: weeks ⌈52k/n⌉ − 1 for
                                     # k = 1..n; or "start" ⌊k·52/n⌋, "centred" ⌊(k + ½)·52/n⌋ (k = 0..n−1)
    "blame_denominator": "cadre_hours",  # AMBIGUITY 5: f_d over the cadre hours of d's arrivals, or
                                     # "task_hours" (all admitted tasks in full) or "unfunded_hours"
    "size_reference": "township_mean",   # AMBIGUITY 3: or a number of residents
    "outreach_organisers": "cadre_and_help",  # AMBIGUITY 28: "cadre and bought service hours", or "cadre"
    "duty_share": "committee",       # AMBIGUITY 29: the duty label's share, the committee's or "county"
    "load_denominator": "seated",    # AMBIGUITY 42: 40 h × seated cadres (ODD), or "seats"
    "surface_norm": "mean",          # AMBIGUITY 73 (§7.3a, stated by the ODD since 2026-12-07):
                                     # the plain mean of last week's φ_i over the cadres seated
                                     # now, or "pooled": last week's pooled φ_c
    "found_blame": "week",           # AMBIGUITY 78 (§7.3a, stated by the ODD since 2026-12-07):
                                     # found hours are failed work of the week found (read only
                                     # in inspection weeks, like expired backlog), or
                                     # "accumulate": kept until the department's next inspection
    "goodwill_pressure": "blame",    # AMBIGUITY 90 (§7.7a "pressure_d = 1 + blamed_d"): 1 + B_d
                                     # (the blame pressure B̃_d of §7.3), or "saturated": 1 plus
                                     # §7.1's saturated blame term, or "push": §7.1's whole
                                     # pressure_dt, the campaign rebound included
    "joint_outreach": "other_services",  # AMBIGUITY 93 (§7.7a): the volunteers' outreach reads
                                     # need_c against the services less the cadre hours the joint
                                     # problems took, or "all_services": against all of them
}



class ReferenceModel(mesa.Model):
    """One county, every resident, cadre, committee, department, unit, the government and
    (with `township_agent`) each township government a `mesa.Agent`; `step` runs the ODD §3
    phases in order."""

    def __init__(self, params: Parameters | None = None, seed: int = 0, county: County | None = None,
                 readings: dict | None = None):
        super().__init__(rng=seed)
        self.p = p = params or Parameters()
        self.county = county or essay_county()
        self.t = 0
        self.horizon = p.years * STEPS
        # readings of ambiguous passages (AMBIGUITIES.md); defaults are the chosen readings
        self.readings = dict(DEFAULT_READINGS, **(readings or {}))
        unknown = set(self.readings) - set(DEFAULT_READINGS)
        if unknown:
            raise ValueError(f"unknown readings {sorted(unknown)}")
        self.h_counts_funded_fully = self.readings["h_funded"] == "full"     # AMBIGUITY 36
        self.first_step = 0            # the series' first week, counted from the switch (§7.1)
        self._derive()
        self.week = SimpleNamespace(dip=1.0, week_of_year=0, year=0, inspection=False,
                                    campaign=False, turnover_events=0, certificate_cost=0.0,
                                    reporting_hours=0.0)
        self.phase_seconds = {}
        self.series = {}
        self._init_county()
        self.government = Government(self)
        self._init_departments()
        self.townships = []
        if p.township_agent == 1:
            self._init_townships()         # §7.1a, no draw
        self.choice_ready = False
        if p.cadres_choose == 1:
            self._init_choice()            # §7.3a, after every other draw of the start

    def _derive(self):
        """What the rules derive from the parameters once rather than every week."""
        p = self.p
        self.policy_autonomy = (lever_share(p, "task_admission") + p.authority_over_staff
                                + p.deliberation) / 3.0

    # ============================================================================ §7.11 switch
    def switch(self, params: Parameters):
        """§7.1 warm start, §7.11 levers moved while the county runs: from the next step on the
        county reads `params`; what the start derived from the parameters is derived again
        (policy autonomy, the inspection and campaign calendar, residents' need); every state
        variable is kept (trust, exhaustion, backlog, departments' pressure, units' openness,
        titles, ventures, the year's budgets). Yearly levers act when the next budget year
        starts: at once when the switch falls on a year's start, as a warm start's does.
        The series keep the last year before the switch (`first_step` < 0) and the horizon,
        `params.years` years, counts from it -- AMBIGUITY 61-64."""
        if self.t % STEPS:
            raise ValueError(f"switch at week {self.t}: a warm start switches at a budget "
                             "year's start (ODD §7.1)")
        for name in ("cadres_choose", "township_agent"):
            # §7.11 the two switches are fixed for a run: the cadres' types and the townships
            # are made at the start -- AMBIGUITIES 80, 97
            if getattr(params, name) != getattr(self.p, name):
                raise ValueError(f"{name} is fixed for a run (ODD §7.11): a warm start or a "
                                 "workshop that changes it is refused")
        self.p = params
        self._derive()
        self.government.set_calendar()
        for r in self.agents_by_type[Resident]:
            r.refresh_need()
        for c in self.committees:
            c.need_total = sum(r.weight * r.need for r in c.residents)
        keep = min(STEPS, self.t)
        self.series = {k: v[len(v) - keep:] for k, v in self.series.items()}
        self.first_step = -keep
        self.horizon = self.t + params.years * STEPS
        self.running = True

    # ============================================================================ §5 initialise
    def _init_county(self):
        p, cty, rng = self.p, self.county, self.rng
        n = cty.n
        seat_flags = [c.town == cty.seat for c in cty.committees]
        # residents: given ones as they are; the rest of each town split with lognormal weights
        sizes = np.zeros(n)
        for town in cty.towns:
            idx = [i for i, c in enumerate(cty.committees) if c.town == town.name]
            given = [i for i in idx if cty.committees[i].residents is not None]
            open_ = [i for i in idx if cty.committees[i].residents is None]
            for i in given:
                sizes[i] = cty.committees[i].residents
            if open_:
                rest = town.residents - sum(sizes[i] for i in given)
                wts = rng.lognormal(0.0, cty.size_spread, len(open_))
                wts = wts / wts.sum()
                for i, wt in zip(open_, wts):
                    sizes[i] = rest * wt
        # resident groups (§5): a town's groups spread by size; otherwise one per
        # residents_per_group -- AMBIGUITY 2
        groups = np.zeros(n, dtype=int)
        for town in cty.towns:
            idx = [i for i, c in enumerate(cty.committees) if c.town == town.name]
            for i in idx:
                if cty.committees[i].groups is not None:
                    groups[i] = cty.committees[i].groups
            open_ = [i for i in idx if cty.committees[i].groups is None]
            if not open_:
                continue
            if town.groups is not None:
                left = town.groups - sum(groups[i] for i in idx if cty.committees[i].groups is not None)
                tot = sum(sizes[i] for i in open_)
                raw = [left * sizes[i] / tot for i in open_]
                base = [max(1, int(math.floor(x))) for x in raw]
                rem = left - sum(base)
                order = sorted(range(len(open_)), key=lambda k: raw[k] - math.floor(raw[k]), reverse=True)
                for k in order[:max(0, rem)]:
                    base[k] += 1
                for i, g in zip(open_, base):
                    groups[i] = g
            else:
                for i in open_:
                    groups[i] = max(1, int(round(sizes[i] / cty.residents_per_group)))
        # renting (§5: 13 of 63 at random) and new township communities (half of the township)
        renting = [c.renting for c in cty.committees]
        open_r = [i for i, r in enumerate(renting) if r is None]
        k = int(round(cty.renting_share * n)) - sum(1 for r in renting if r)
        chosen = set(rng.choice(open_r, size=max(0, min(k, len(open_r))), replace=False).tolist()) if open_r else set()
        renting = [bool(r) if r is not None else (i in chosen) for i, r in enumerate(renting)]
        new = [c.new for c in cty.committees]
        open_n = [i for i, (nw, s) in enumerate(zip(new, seat_flags)) if nw is None and not s]
        k = int(round(cty.new_share * len(open_n)))
        chosen = set(rng.choice(open_n, size=k, replace=False).tolist()) if open_n and k else set()
        new = [bool(nw) if nw is not None else (i in chosen) for i, nw in enumerate(new)]
        # size factor: (residents / mean township residents)^elasticity -- AMBIGUITY 3
        town_sizes = [s for s, f in zip(sizes, seat_flags) if not f] or list(sizes)
        mean_town = float(np.mean(town_sizes))
        if self.readings["size_reference"] != "township_mean":
            mean_town = float(self.readings["size_reference"])
        # drawn once at the start: reach, directors' drive (§4.9)
        reach = rng.uniform(1 - p.reach_spread, 1 + p.reach_spread, n)
        leadership = rng.uniform(1 - p.leadership_spread, 1 + p.leadership_spread, n)
        self.committees = []
        for i, row in enumerate(cty.committees):
            seat = seat_flags[i]
            if row.venue_places is not None:
                venue = row.venue_places
            elif new[i]:
                venue = p.venue_places_new
            else:
                venue = p.venue_places_seat if seat else p.venue_places_old
            seats = row.seats or next(t.seats for t in cty.towns if t.name == row.town)
            c = Committee(self, i, row.name, seat, float(sizes[i]), int(seats), renting[i], new[i],
                          venue, row.own_income_yuan, bool(row.demonstration),
                          (sizes[i] / mean_town) ** p.size_elasticity, float(reach[i]),
                          float(leadership[i]))
            c.groups_n = int(groups[i])
            self.committees.append(c)
        # demonstration titles: the file's, up to the lever -- AMBIGUITY 34
        titled = [c for c in self.committees if c.demonstration]
        for c in titled[p.demonstration_sites:]:
            c.demonstration = False
        if self.readings["demo_initial_places"]:
            for c in self.committees:
                if c.demonstration:
                    c.added_places += p.demo_places
        self._init_cadres()
        self._init_units()
        self._init_residents()

    def _init_cadres(self):
        p, cty, rng = self.p, self.county, self.rng
        seats = [c for c in self.committees for _ in range(c.seats)]
        N = len(seats)
        old = set(rng.choice(N, size=int(round(cty.cadres_over_45_share * N)), replace=False).tolist())
        edu = set(rng.choice(N, size=int(round(cty.cadres_high_school_share * N)), replace=False).tolist())
        for j, c in enumerate(seats):
            age = (rng.uniform(p.initial_old_age_min, p.initial_old_age_max) if j in old
                   else rng.uniform(p.initial_young_age_min, OVER_45))
            e = j in edu
            skill = p.skill_base + p.skill_educated * e + rng.uniform(0, p.skill_spread)
            cad = Cadre(self, c, age, e, skill, p.initial_exhaustion, p.initial_morale,
                        p.dependence_base - p.dependence_educated * e,
                        rng.uniform(0, p.initial_tenure_max))
            cad.seat_no = len(c.cadres)
            c.cadres.append(cad)
        self.total_seats = N

    def _init_units(self):
        p, rng = self.p, self.rng
        for c in self.committees:
            row = self.county.committees[c.index]
            n_units = row.units if row.units is not None else (p.units_seat if c.seat else p.units_township)
            places = row.unit_places if row.unit_places is not None else (
                p.unit_places_seat if c.seat else p.unit_places_township)
            for _ in range(n_units):
                u = Unit(self, c, places, rng.uniform(1 - p.unit_disposition_spread, 1 + p.unit_disposition_spread))
                c.units.append(u)
                u.revise()        # §5 "open with the yearly rule at start"

    def _init_residents(self):
        p, rng, pop = self.p, self.rng, self.county.population
        all_adults = []
        for c in self.committees:
            rows = max(1, int(round(c.residents_n * p.scale)))     # AMBIGUITY 1
            weight = c.residents_n / rows
            gcount = max(1, min(c.groups_n, rows))
            members = []
            for j in range(rows):
                g = (j * gcount) // rows                            # rows sorted by group
                band = int(rng.choice(4, p=pop.age_shares))
                if band == AGE_0_17:
                    emp = CHILD
                else:
                    shares = np.array(pop.employment_seat[band - 1], dtype=float)
                    if not c.seat:   # §5 elsewhere (1 − factor) of unit-attached are social
                        moved = shares[0] * (1 - pop.township_unit_factor)
                        shares[0] -= moved
                        shares[1] += moved
                    emp = EMPLOYMENT_CODES[int(rng.choice(4, p=shares / shares.sum()))]
                # §5 low-income 2% + 15% of the laid off, adults only -- AMBIGUITY 17
                low = False
                if band != AGE_0_17:
                    low = rng.random() < pop.low_income_base + pop.low_income_laid_off * (emp == LAID_OFF)
                party = rng.random() < pop.party_by_age[band]
                disabled = rng.random() < pop.disabled_by_age[band]
                pref = int(rng.choice(3, p=pop.preference_shares))
                if pref == 0:
                    thr, intr = 1.0, rng.uniform(0, p.intrinsic_free_rider_max)
                elif pref == 1:
                    thr = rng.uniform(0, p.conditional_threshold_max)
                    intr = rng.uniform(p.intrinsic_conditional_min, p.intrinsic_conditional_max)
                else:
                    thr, intr = 0.0, rng.uniform(p.intrinsic_unconditional_min, 1.0)
                trust = rng.beta(p.initial_trust_a, p.initial_trust_b)
                aw = rng.beta(p.initial_awareness_a, p.initial_awareness_b)
                if emp == UNIT:
                    aw *= p.unit_awareness_factor
                r = Resident(self, c, g, band, emp, bool(low), bool(party), bool(disabled), thr, intr,
                             float(trust), float(aw), weight)
                members.append(r)
                if r.adult:
                    all_adults.append(r)
            c.residents = members
            self._contact_network(c)
            c._adults_w = sum(r.weight for r in members if r.adult)
            c.need_total = sum(r.weight * r.need for r in members)
        # §5 registered volunteers: the share of residents, the adults with the highest intrinsic
        # motivation, county-wide by rows -- AMBIGUITY 19
        k = int(round(p.registered_volunteer_share * sum(len(c.residents) for c in self.committees)))
        for r in sorted(all_adults, key=lambda r: r.intrinsic, reverse=True)[:k]:
            r.volunteer = True
        self.total_residents = sum(c.residents_n for c in self.committees)

    def _contact_network(self, c):
        """§7.5: k rows on each side within the resident group (a ring), each rewired with
        probability acquaintance_share to a random resident of the committee -- AMBIGUITY 23."""
        p, rng = self.p, self.rng
        k = p.neighbours_each_side
        by_group = {}
        for r in c.residents:
            by_group.setdefault(r.group, []).append(r)
        everyone = c.residents
        for members in by_group.values():
            n = len(members)
            for i, r in enumerate(members):
                offsets = []
                for o in range(1, k + 1):
                    for sgn in (1, -1):
                        j = (i + sgn * o) % n
                        if j != i:
                            offsets.append(members[j])
                contacts = []
                for other in offsets:
                    if rng.random() < p.acquaintance_share and len(everyone) > 1:
                        other = everyone[int(rng.integers(len(everyone)))]
                        while other is r:
                            other = everyone[int(rng.integers(len(everyone)))]
                    contacts.append(other)
                r.contacts = contacts
        for r in c.residents:
            for other in r.contacts:
                other.followers.append(r)

    def _init_departments(self):
        p, cty, rng = self.p, self.county, self.rng
        w = np.asarray(cty.department_weights, dtype=float)
        w = w / w.sum()
        sig = p.department_spread
        self.departments = []
        for name, wd in zip(cty.departments, w):
            v = clip(p.inspected_share * rng.uniform(1 - sig, 1 + sig), 0.0, 1.0)
            b = p.blame_pressure * rng.uniform(1 - sig, 1 + sig)
            self.departments.append(Department(self, name, float(wd), v, b))

    def _init_townships(self):
        """§7.1a one township government per township of the county file, in the order of
        `County.townships()` (a committee row's `township`, else its town), serving its
        committees -- AMBIGUITY 97."""
        names, served_by = self.county.townships()
        for k, name in enumerate(names):
            mine = [c for c in self.committees if int(served_by[c.index]) == k]
            self.townships.append(Township(self, name, mine))

    # ============================================================================ §7.1a
    def townships_choose(self):
        """§7.1a at a budget year's start after the first, before the units' yearly draws: one
        array of uniform numbers, one per township in the townships' order; each township
        picks its directing share for the year -- AMBIGUITY 103."""
        u = self.rng.random(len(self.townships))
        for t, ut in zip(self.townships, u):
            t.choose(float(ut))

    def township_tasks(self):
        """§7.1a the townships' own tasks, in phase 2 after the departments' draws: one pass
        over the committees in index order of Poisson draws, k_c ~ Poisson(
        `township_tasks_per_week` × d_t × size factor_c), then one of binomial draws, a_c ~
        Binomial(k_c, 1 − `task_admission`) (the refused are dropped), each committee in every
        pass (the reference's per-agent style of "one array draw", as in AMBIGUITY 88);
        no draw is made when `township_agent` is 0 (this is not called) -- AMBIGUITY 98."""
        p, rng = self.p, self.rng
        cs = self.committees
        for c in cs:
            c.township_arrived = int(rng.poisson(p.township_tasks_per_week * c.township.directing
                                                 * c.size_factor))
        for c in cs:
            c.township_admitted = int(rng.binomial(c.township_arrived, 1.0 - p.task_admission))
        for c in cs:
            c.add_township_tasks()      # no draw

    # ============================================================================ yearly (§7.9)
    def new_year(self, year: int):
        p, rng = self.p, self.rng
        # §3 phase 1, §7.1a: each township first chooses how far to direct its committees for
        # the year (after the first), before the units revise and the budgets are set
        if p.township_agent == 1 and year >= 1:
            self.townships_choose()
        # §3: units revise openness (from year 2) before budgets
        if year >= 1:
            self.agents_by_type[Unit].shuffle_do("revise")
            # §7.8/§7.10 单位人 → 社会人 (from year 2)
            for r in self.agents_by_type[Resident]:
                if r.employment == UNIT and rng.random() < p.unit_to_social_per_year:
                    r.employment = SOCIAL
                    r.refresh_need()
        # §7.10 paid services: a share of the laid off find work a year -- AMBIGUITY 39
        if p.paid_services > 0 and year >= 1:
            for r in self.agents_by_type[Resident]:
                if r.employment == LAID_OFF and rng.random() < p.paid_service_jobs * p.paid_services:
                    r.employment = SOCIAL
                    r.refresh_need()
        for c in self.committees:
            c.need_total = sum(r.weight * r.need for r in c.residents)
        # enterprises (own income)
        for c in self.committees:
            c.ventures_year()
        # investment: places, rehousing
        x = p.infrastructure_investment
        for c in self.committees:
            c.added_places += p.infrastructure_places * x
            if c.renting and rng.random() < p.rehousing_share * x:
                c.renting = False
        # aid: the poorest share by (service hours + places) per resident -- AMBIGUITY 33
        y = p.poor_community_aid
        for c in self.committees:
            c.aid = 0.0
        if y > 0:
            def wealth(c):
                svc = c.service_hours_year / c.weeks_year if c.weeks_year else 0.0
                room = c.venue_places() + c.unit_places()
                return (svc + room) / c.residents_n
            ranked = sorted(self.committees, key=wealth)
            for c in ranked[:int(round(p.aid_share * len(ranked)))]:
                c.aid = p.aid_yuan * y
                c.added_places += p.aid_places * y
        # demonstration: titles kept; new ones to the best rated
        have = sum(1 for c in self.committees if c.demonstration)
        if have < p.demonstration_sites:
            def rating(c):
                room = c.venue_places() + c.unit_places()
                return c.coverage + (room - c.backlog) / p.demo_rating_scale
            cand = sorted((c for c in self.committees if not c.demonstration), key=rating, reverse=True)
            for c in cand[:p.demonstration_sites - have]:
                c.demonstration = True
                c.added_places += p.demo_places
        # budgets
        self.yearly_spending = 0.0
        for c in self.committees:
            ordinary = p.transfer_base_yuan + p.transfer_per_resident_yuan * c.residents_n
            focus = p.seat_focus_yuan if c.seat else 0.0
            c.transfer = ordinary + focus
            c.donations = p.unit_donation_yuan * sum(1 for u in c.units if u.open)
            c.demo_grant = p.demo_grant_yuan if c.demonstration else 0.0
            if p.township_agent == 1:
                # §7.1a 缺位: the township keeps `township_withhold_share` × d_t of the ordinary
                # transfer; the committee's discretionary money is short of it, its budget (the
                # county's allotment, own income's denominator) is not, and the county pays the
                # whole transfer all the same -- AMBIGUITY 100
                c.ordinary_transfer = ordinary
                c.kept = c.township.kept(ordinary)
                c.discretionary = (p.discretionary_share * (ordinary - c.kept) + focus
                                   + c.own_income + c.donations + c.aid + c.demo_grant
                                   - (p.office_rent_yuan if c.renting else 0.0))
            else:
                c.discretionary = (p.discretionary_share * ordinary + focus + c.own_income
                                   + c.donations + c.aid + c.demo_grant
                                   - (p.office_rent_yuan if c.renting else 0.0))
            c.budget = c.transfer + c.own_income + c.donations + c.aid + c.demo_grant  # AMBIGUITY 32
            self.yearly_spending += (c.transfer + c.aid + c.demo_grant
                                     + p.infrastructure_yuan * x
                                     + p.station_yuan * p.service_stations
                                     + p.publicity_yuan * p.publicity
                                     + p.patrol_yuan * p.health_and_safety
                                     + p.association_yuan * p.facilities_association)
            c.service_hours_year = 0.0
            c.weeks_year = 0
        # volunteers' yearly service counts reset
        for r in self.agents_by_type[Resident]:
            r.services_year = 0

    def hire(self, c: Committee):
        """§7.4 open competition (graduate with probability pay/(pay + reservation)) or a local
        candidate; new hires' starting state."""
        p, rng = self.p, self.rng
        graduate = (rng.random() < p.competitive_recruitment
                    and rng.random() < p.cadre_pay / (p.cadre_pay + p.graduate_reservation_pay))
        if graduate:
            age = rng.uniform(p.graduate_age_min, p.graduate_age_max)
            edu = rng.random() < p.graduate_educated_share
        else:
            age = rng.uniform(p.local_age_min, p.local_age_max)
            edu = rng.random() < p.local_educated_share
        edu = bool(edu)
        skill = p.skill_base + p.skill_educated * edu + rng.uniform(0, p.skill_spread)
        cad = Cadre(self, c, age, edu, skill, p.hire_exhaustion, p.hire_morale,
                    p.dependence_base - p.dependence_educated * edu, 0.0)   # AMBIGUITY 16
        taken = {o.seat_no for o in c.cadres}
        cad.seat_no = min(k for k in range(c.seats + 1) if k not in taken)  # the vacant seat
        if p.cadres_choose == 1:
            # §7.3a the hire's type, drawn after the hire's other draws -- AMBIGUITY 75; the
            # belief is the mean of the committee's other seated cadres', or the true chance
            cad.psi = self._draw_psi()
            cad.belief = (sum(o.belief for o in c.cadres) / len(c.cadres) if c.cadres
                          else self.detection_chance())
            cad.phi = 0.0
        c.cadres.append(cad)

    # ============================================================================ §7.3a
    def _draw_psi(self) -> float:
        """§7.3a ψ_i: public-service motivation relative to the mean, N(1, psm_spread), held
        within 0-2 (clipped, not redrawn -- AMBIGUITY 76; the clip is symmetric about 1, so
        the mean stays 1). One normal draw, called only when cadres_choose is 1."""
        return clip(float(self.rng.normal(1.0, self.p.psm_spread)), 0.0, 2.0)

    def detection_chance(self) -> float:
        """§7.3a the true weekly chance that a seat is looked into."""
        p = self.p
        rate = (p.detection_inspection * p.inspections_per_year / p.reference_inspections
                + p.detection_transparency * p.transparency
                + p.detection_supervision * p.deliberation)
        return 1.0 - math.exp(-rate)

    def _init_choice(self):
        """§7.3a at the start: a type for every seat (committee order, seat order), every
        belief the true chance, no surface share yet -- AMBIGUITY 75."""
        chance = self.detection_chance()
        for c in self.committees:
            for cad in sorted(c.cadres, key=lambda o: o.seat_no):
                cad.psi = self._draw_psi()
                cad.belief = chance
                cad.phi = 0.0
        self.choice_ready = True

    def look_into(self):
        """§7.3a checks, after every committee's allocation and before the cadres' weekly
        update: one uniform draw per seat (vacant ones included) in seat order; a seated cadre
        looked into is found with their part of the committee's surface work S_c (failed work
        in the departments' inspections, shared by this week's visible tasks) and loses morale;
        every seated cadre's belief learns from what happened to them."""
        p = self.p
        chance = self.detection_chance()
        for c in self.committees:                       # the cadre table's order -- AMBIGUITY 77
            by_seat = {cad.seat_no: cad for cad in c.cadres}
            parts = {cad: cad.hours * (1.0 - cad.s_own) * cad.phi for cad in c.cadres}
            total = sum(parts.values())
            found = 0.0
            for k in range(c.seats):
                u = self.rng.random()
                cad = by_seat.get(k)
                if cad is None:                         # a vacant seat is never found
                    continue
                looked = u < chance
                if looked:
                    if total > 0:
                        found += c.sham_hours * parts[cad] / total
                    # morale lost before the weekly morale step of §7.4 -- AMBIGUITY 79
                    cad.morale = clip(cad.morale - p.surface_morale_penalty * cad.phi, 0.0, 1.0)
                cad.belief += p.detection_learning * ((1.0 if looked else 0.0) - cad.belief)
            if found > 0:
                # failed work in the departments' inspections (§7.1), beside the expired
                # backlog: shared by their part of this week's visible tasks -- AMBIGUITY 78
                tot = sum(c.visible_by_dept.values())
                if self.p.township_agent == 1:
                    # §7.1a the township's visible tasks take their part, which falls on no
                    # department's inspection -- AMBIGUITY 99
                    tot += c.township_visible_hours
                # none counted where no visible task arrived (§7.3a)
                shares = ({d: h / tot for d, h in c.visible_by_dept.items()} if tot > 0 else {})
                keep = self.readings["found_blame"] == "accumulate"
                for d, sh in shares.items():
                    if keep:
                        d.found_pending += found * sh
                    else:
                        d.expired_hours += found * sh
            c.found_hours = found

    # ============================================================================ §7.7a
    def goodwill_chance(self) -> float:
        """§7.7a the departments, as one, take up a passed problem with the chance
        g = `department_goodwill` × Σ_d w_d / pressure_d (w_d sum to 1, AMBIGUITY 4), each
        pressure_d after this week's reaction (§7.1, phase 5) -- AMBIGUITY 90."""
        mode = self.readings["goodwill_pressure"]
        return self.p.department_goodwill * sum(d.weight / d.goodwill_pressure(mode)
                                                for d in self.departments)

    def joint_problems(self):
        """§7.7a problems that need a department and the committee: after the week's turnover
        (hires included) and the departments' reaction, before services meet need. The five
        draws in the ODD's order, each over the committees in index order, one draw per
        committee (the reference's per-agent style of "one array draw") -- AMBIGUITY 88:
        arrivals k_c ~ Poisson(`joint_problems_per_week` × s_c); listed_c ~ Binomial(k_c,
        `responsibility_lists`); to department_c ~ Binomial(listed_c, `listed_department_share`);
        the committee takes up taken_c ~ Binomial(unlisted_c, s_c of this week's allocation,
        AMBIGUITY 89); the departments take up by_department_c ~ Binomial(unlisted_c − taken_c,
        g). No draw is made when `buck_passing` is 0 (this is not called)."""
        p, rng = self.p, self.rng
        cs = self.committees
        for c in cs:          # arrivals: size factor s_c -- AMBIGUITY 91
            c.joint_arrived = int(rng.poisson(p.joint_problems_per_week * c.size_factor))
        for c in cs:          # the separation lists give an owner
            c.joint_listed = int(rng.binomial(c.joint_arrived, p.responsibility_lists))
        for c in cs:          # ... a department (which handles it with its own staff)
            c.joint_to_department = int(rng.binomial(c.joint_listed, p.listed_department_share))
        for c in cs:          # the committee takes an unlisted one up or passes it (推)
            c.joint_taken = int(rng.binomial(c.joint_arrived - c.joint_listed, c.resident_share))
        g = self.goodwill_chance()
        for c in cs:          # a department takes a passed one up or lets it lie (两不管)
            passed = c.joint_arrived - c.joint_listed - c.joint_taken
            c.joint_by_department = int(rng.binomial(passed, g))
        for c in cs:
            c.joint_hours()   # hours and handled; no draw

    # ============================================================================ §3 schedule
    def _timed(self, name, fn):
        t0 = time.perf_counter()
        fn()
        self.phase_seconds[name] = self.phase_seconds.get(name, 0.0) + time.perf_counter() - t0

    def step(self):
        if self.t >= self.horizon:
            self.running = False
            return
        self.week.turnover_events = 0
        self.week.certificate_cost = 0.0
        self._timed("1 government", self._phase_government)
        self._timed("2 push", self._phase_push)
        self._timed("3 staff", lambda: self.agents_by_type[Committee].do("staff_hours"))
        self._timed("4 allocate", self._phase_allocate)
        self._timed("5 cadres, departments, services", self._phase_cadres)
        self._timed("6 residents", self._phase_residents)
        self._timed("9 record", self._record)
        self.t += 1
        if self.t >= self.horizon:
            self.running = False

    def _phase_government(self):
        self.government.step()

    def _phase_push(self):
        self.agents_by_type[Committee].do("begin_week")
        self.agents_by_type[Department].shuffle_do("push")   # order does not matter (§3)
        if self.p.township_agent == 1:
            self.township_tasks()           # §7.1a after the departments' draws
        if self.week.campaign:
            self.government.campaign()
        self.week.reporting_hours = self.government.reporting_hours()

    def _phase_allocate(self):
        # §7.3 the committees' inspected work per seated cadre, against the mean over committees
        per = [c.expected_inspected / len(c.cadres) for c in self.committees if c.cadres]
        self.mean_inspected_per_cadre = float(np.mean(per)) if per else 0.0
        self.agents_by_type[Committee].shuffle_do("allocate")
        if self.p.cadres_choose == 1:
            self.look_into()                # §7.3a checks follow the allocation

    def _phase_cadres(self):
        self.agents_by_type[Cadre].shuffle_do("step")
        self.agents_by_type[Committee].shuffle_do("fill_vacancies")
        self.agents_by_type[Department].do("react")
        if self.p.buck_passing == 1:
            self.joint_problems()           # §7.7a before services meet need
        self.agents_by_type[Committee].do("deliver_services")
        if self.p.township_agent == 1:
            for t in self.townships:        # §7.1a the county's survey of need (no draw)
                t.survey()

    def _phase_residents(self):
        comms = self.agents_by_type[Committee]
        comms.do("signals")
        residents = self.agents_by_type[Resident]
        residents.do("sense")
        comms.do("plan_admission")
        residents.shuffle_do("decide")
        comms.do("after_residents")
        if self.readings["duty_share"] == "county":       # AMBIGUITY 29
            vol = sum(c.vol_hours_last for c in self.committees)
            duty = sum(c.duty_hours_last for c in self.committees)
            for c in self.committees:
                c.duty_share = duty / (vol + duty) if vol + duty > 0 else 0.0

    # ============================================================================ §4.10 record
    def _record(self):
        p = self.p
        t = self.t
        cs = self.committees
        cadres = list(self.agents_by_type[Cadre])
        seated = len(cadres)
        res = list(self.agents_by_type[Resident])
        s = {}
        # residents
        adults_w = 0.0
        part = {"all": [0.0, 0.0], AGE_18_35: [0.0, 0.0], AGE_36_59: [0.0, 0.0], AGE_60: [0.0, 0.0],
                "low": [0.0, 0.0]}
        trust = aware = satis = 0.0
        vol_w = vol100_w = 0.0
        total_w = 0.0
        for r in res:
            total_w += r.weight
            if r.volunteer:
                vol_w += r.weight
                if r.services_year >= p.certificate_services:
                    vol100_w += r.weight
            if not r.adult:
                continue
            w = r.weight
            adults_w += w
            active = 1.0 if r.last_part >= t - 3 else 0.0
            for key in ("all", r.age_band) + (("low",) if r.low_income else ()):
                part[key][0] += w * active
                part[key][1] += w
            trust += w * r.trust
            aware += w * r.awareness
            satis += w * r.satisfaction
        ratio = lambda a: a[0] / a[1] if a[1] > 0 else 0.0
        s["participation_rate"] = ratio(part["all"])
        s["participation_18_35"] = ratio(part[AGE_18_35])
        s["participation_36_59"] = ratio(part[AGE_36_59])
        s["participation_60_plus"] = ratio(part[AGE_60])
        s["participation_low_income"] = ratio(part["low"])
        s["volunteer_rate"] = vol_w / total_w
        s["volunteer_100_share"] = vol100_w / vol_w if vol_w > 0 else 0.0
        s["trust"] = trust / adults_w
        s["awareness"] = aware / adults_w
        s["satisfaction"] = satis / adults_w
        real_residents = self.total_residents
        vol_hours = sum(c.vol_hours_last for c in cs)       # this week's (recorded after phase 6)
        duty_hours = sum(c.duty_hours_last for c in cs)
        s["volunteer_hours_per_1000"] = (vol_hours + duty_hours) / real_residents * 1000.0
        # cadres
        H = sum(c.hours_total for c in cs)
        admin = sum(c.admin_hours for c in cs)
        s["admin_share"] = admin / H if H > 0 else 0.0
        s["cadre_hours_per_week"] = H / seated if seated else 0.0
        s["admin_hours_per_cadre"] = admin / seated if seated else 0.0
        s["exhaustion"] = sum(c.exhaustion for c in cadres) / seated if seated else 0.0
        s["cadre_turnover"] = self.week.turnover_events * STEPS / self.total_seats
        s["vacancies"] = float(self.total_seats - seated)
        s["high_school_share"] = sum(1 for c in cadres if c.educated) / seated if seated else 0.0
        s["over_45_share"] = sum(1 for c in cadres if c.age > OVER_45) / seated if seated else 0.0
        shares = [c.admin_share for c in cs if c.hours_total > 0]
        s["admin_share_sd"] = float(np.std(shares)) if shares else 0.0
        s["surface_share"] = sum(c.surface_hours for c in cs) / H if H > 0 else 0.0
        # §4.10, §7.3a inspected work made only to look done / inspected work that passes
        # (0 when cadres do not choose or nothing passed) -- AMBIGUITY 81
        passed = sum(c.passed_inspected for c in cs)
        s["sham_share"] = (sum(c.sham_hours for c in cs) / passed
                           if p.cadres_choose == 1 and passed > 0 else 0.0)
        # §4.10, §7.1a 乡镇越位程度: the mean over committees of their township's directing
        # share (0 when township_agent is 0) -- AMBIGUITY 105
        s["township_directing"] = (sum(c.township.directing for c in cs) / len(cs)
                                   if p.township_agent == 1 else 0.0)
        # services
        svc = sum(c.service_hours for c in cs)
        s["service_hours_per_1000"] = svc / real_residents * 1000.0
        if p.buck_passing == 1:
            # §7.7a the indicator counts J_c as need: 1 − Σ_c coverage_c (need_c + J_c) /
            # Σ_c (need_c + J_c) -- AMBIGUITY 94
            need = sum(c.need_total + c.joint_need for c in cs)
            s["unmet_need"] = (1.0 - sum(c.coverage * (c.need_total + c.joint_need) for c in cs) / need
                               if need > 0 else 0.0)
            # §4.10, §7.7a 两不管: Σ_c (J_c − handled_c) / Σ_c J_c (0 in a week when none
            # arrived) -- AMBIGUITY 95
            J = sum(c.joint_need for c in cs)
            s["unowned_share"] = (sum(c.joint_need - c.joint_handled for c in cs) / J
                                  if J > 0 else 0.0)
        else:
            need = sum(c.need_total for c in cs)
            s["unmet_need"] = 1.0 - sum(c.coverage * c.need_total for c in cs) / need if need > 0 else 0.0
            s["unowned_share"] = 0.0        # no such problems when buck_passing is 0 (§4.10)
        s["task_backlog"] = sum(c.backlog for c in cs) / len(cs)
        adm = sum(c.arrived_admitted for c in cs)
        s["unfunded_share"] = sum(c.arrived_unfunded for c in cs) / adm if adm else 0.0
        # §4.10 re-pushed refused tasks over every task pushed this week, re-pushes included
        pushed = sum(c.pushed_tasks for c in cs)
        s["repushed_share"] = sum(c.repushed_tasks for c in cs) / pushed if pushed else 0.0
        # §4.10 tasks pushed to all committees this week / committees x 52
        s["tasks_per_committee_year"] = pushed / len(cs) * 52
        # §4.10 service hours that come with pushed tasks (§7.7) over all service hours
        s["task_service_share"] = sum(c.task_service for c in cs) / svc if svc > 0 else 0.0
        s["inspection_hours"] = sum(c.inspection_prep for c in cs) / len(cs)
        s["meeting_hours"] = sum(c.meeting_hours for c in cs) / len(cs)
        units = list(self.agents_by_type[Unit])
        s["units_open_share"] = sum(1 for u in units if u.open) / len(units) if units else 0.0
        s["own_income_share"] = float(np.mean([c.own_income / c.budget if c.budget > 0 else 0.0 for c in cs]))
        s["empty_shell_share"] = float(np.mean([1.0 if c.own_income <= EMPTY_SHELL * c.budget else 0.0
                                                for c in cs]))
        seat = [c for c in cs if c.seat]
        rest = [c for c in cs if not c.seat]
        if seat and rest:
            per = lambda group, f: sum(f(c) for c in group) / sum(c.residents_n for c in group)
            s["seat_gap"] = per(seat, lambda c: c.service_hours) / per(rest, lambda c: c.service_hours) - 1.0 \
                if per(rest, lambda c: c.service_hours) > 0 else 0.0
            s["seat_venue_gap"] = per(seat, lambda c: c.room) / per(rest, lambda c: c.room) - 1.0 \
                if per(rest, lambda c: c.room) > 0 else 0.0
        else:
            s["seat_gap"] = s["seat_venue_gap"] = 0.0
        s["venue_places_per_1000"] = sum(c.room for c in cs) / real_residents * 1000.0
        # spending: yearly lines spread over weeks, plus weekly flows (§4.10, §7.9)
        weekly = (self.yearly_spending / STEPS + seated * p.cadre_pay * MONTHS / STEPS
                  + sum(c.funded_money for c in cs) + self.week.certificate_cost
                  + sum(c.health_hours for c in cs) * p.help_wage)
        s["cost_per_service_hour"] = weekly / svc if svc > 0 else 0.0
        # hot-tired-cold
        x = sum(c.pushed_hours for c in cs) / (p.standard_week * self.total_seats)
        s["htc_H"] = 1.0 - math.exp(-x)
        s["htc_T"] = (s["admin_share"] + s["exhaustion"]) / 2.0
        s["htc_C"] = 1.0 - (s["participation_rate"] + s["trust"]) / 2.0
        s["htc_index"] = (s["htc_H"] * s["htc_T"] * s["htc_C"]) ** (1.0 / 3.0)
        s["htc_x"] = x
        # extras for docking (not in INDICATORS)
        s["department_pressure"] = float(np.mean([d.pressure() for d in self.departments]))
        s["coverage"] = float(np.mean([c.coverage for c in cs]))
        s["places_bind_share"] = float(np.mean([1.0 if c.admission < 1.0 else 0.0 for c in cs]))
        for k, v in s.items():
            self.series.setdefault(k, []).append(float(v))


@dataclass
class ReferenceResult:
    """Weekly series (name -> array, one value a week) and the summary (§4.10). With a warm
    start the series begin `-first_step` weeks before the switch (the burn-in's last year)."""

    series: dict
    summary: dict
    window: str = ""
    seconds: float = 0.0
    seconds_per_week: float = 0.0
    phase_seconds: dict = field(default_factory=dict)
    first_step: int = 0


def summarise(series: dict, weeks: int, burn_in_years: int = 0) -> tuple[dict, str]:
    """§4.10: the mean over the last simulated year, except volunteer_100_share (year-end value)
    and cadre_turnover (weekly events × 52 / seats, so the last-year mean is the annual rate).
    `weeks`: the horizon's weeks, counted from the switch (§7.1); the last year is the
    horizon's."""
    last = min(STEPS, weeks)
    out = {}
    for k, v in series.items():
        if k == "volunteer_100_share":
            # year-end value: the last week before the reset -- AMBIGUITY 38
            out[k] = float(v[-1])
        else:
            out[k] = float(np.mean(v[-last:]))
    # the index of the summary's components and the syndrome (§4.10) -- AMBIGUITY 37
    out["htc_index_of_means"] = (out["htc_H"] * out["htc_T"] * out["htc_C"]) ** (1.0 / 3.0)
    out["syndrome_present"] = float(min(out["htc_H"], out["htc_T"], out["htc_C"]) > SYNDROME)
    window = f"weeks {weeks - last + 1}-{weeks} (year {math.ceil(weeks / STEPS)})"
    window += (f" after a {burn_in_years}-year burn-in under the base's levers" if burn_in_years
               else "; a cold start (no burn-in)")
    return out, window


def burn_in_params(params: Parameters, base: Parameters | None = None) -> Parameters:
    """§7.1: the burn-in's parameters: the base's levers (ODD §8's "Levers"; `base` None: the
    schema's, `Parameters()`), the run's own constants, scale and burn-in."""
    base = base if base is not None else Parameters()
    return dataclasses.replace(params, **{k: getattr(base, k) for k in LEVERS})


def settle(params: Parameters | None = None, seed: int = 0, county: County | None = None,
           readings: dict | None = None, base: Parameters | None = None) -> ReferenceModel:
    """§7.1: the county after `params.burn_in_years` years under the base's levers
    (`burn_in_params`), at the switch, not yet switched."""
    params = params or Parameters()
    m = ReferenceModel(burn_in_params(params, base), seed, county, readings)
    m.horizon = params.burn_in_years * STEPS
    while m.running:
        m.step()
    return m


def run(params: Parameters | None = None, seed: int = 0, county: County | None = None,
        readings: dict | None = None, base: Parameters | None = None,
        settled: ReferenceModel | None = None) -> ReferenceResult:
    """Run the reference model over `params.years` years and summarise it (ODD §4.10).
    With `params.burn_in_years` > 0 a warm start (§7.1): the burn-in under `base`'s levers
    (None: the schema's), then the switch to `params` at a budget year's start (§7.11), and
    the horizon from there; `settled` (from `settle` with the same arguments, e.g. shared by
    the scenarios of one seed) skips simulating the burn-in. `readings` switches ambiguous
    passages to their alternative readings (DEFAULT_READINGS)."""
    params = params or Parameters()
    t0 = time.perf_counter()
    if params.burn_in_years:
        m = settled if settled is not None else settle(params, seed, county, readings, base)
        if m.t != params.burn_in_years * STEPS:
            raise ValueError(f"the settled county is at week {m.t}, not at the end of a "
                             f"{params.burn_in_years}-year burn-in")
        m.switch(params)
    else:
        m = ReferenceModel(params, seed, county, readings)
    t_init = time.perf_counter() - t0
    start = m.t
    t1 = time.perf_counter()
    while m.running:
        m.step()
    secs = time.perf_counter() - t1
    weeks = m.t - start
    series = {k: np.asarray(v) for k, v in m.series.items()}
    summary, window = summarise(series, weeks, params.burn_in_years)
    ph = dict(m.phase_seconds)
    ph["init"] = t_init
    return ReferenceResult(series, summary, window, secs + t_init, secs / max(1, weeks), ph,
                           m.first_step)


def _deep(fn, *args):
    """Call `fn` in a thread with a deep stack: residents refer to their contacts, so pickling
    a county follows chains of thousands of objects."""
    import sys
    import threading

    out = {}

    def target():
        try:
            out["value"] = fn(*args)
        except BaseException as e:         # re-raised in the caller
            out["error"] = e

    limit, size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(limit, 1_000_000))
    threading.stack_size(1024 ** 3)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(size)
        sys.setrecursionlimit(limit)
    if "error" in out:
        raise out["error"]
    return out["value"]


def dumps(model: ReferenceModel) -> bytes:
    """The county's whole state (e.g. settled at the switch, to share between scenarios)."""
    import pickle
    return _deep(pickle.dumps, model, pickle.HIGHEST_PROTOCOL)


def loads(state: bytes) -> ReferenceModel:
    import pickle
    return _deep(pickle.loads, state)
