"""Agents of the reference implementation: one Python object per agent, plain arithmetic.

Every rule cites the ODD section it was written from (docs/ODD.md). Where the ODD was open to
more than one reading, the comment says "AMBIGUITY n" with the number of the entry in
AMBIGUITIES.md that records the choice. Nothing here is shared with the fast model's code.
"""

from __future__ import annotations

import math

import mesa

from ..calendar import STEPS_PER_YEAR as STEPS  # weeks a year (ODD §2)
from ..params import lever_share

# employment codes (ODD §2): unit-attached 单位人, social 社会人, laid off, retired, child
UNIT, SOCIAL, LAID_OFF, RETIRED, CHILD = "unit", "social", "laid_off", "retired", "child"
# age bands (ODD §5)
AGE_0_17, AGE_18_35, AGE_36_59, AGE_60 = 0, 1, 2, 3


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def expected_floor(k: float) -> float:
    """E[floor(k·u)] for u ~ U(0, 1), k ≥ 0: Σ_{j=1..⌊k⌋} (1 − j/k)."""
    n = int(math.floor(k))
    if n <= 0:
        return 0.0
    return n - n * (n + 1) / (2.0 * k)


# ------------------------------------------------------------------------------------------------
class Government(mesa.Agent):
    """The county government: calendar (inspections, campaigns), the yearly budget (§3 phase 1,
    §7.1, §7.2, §7.9)."""

    def __init__(self, model):
        super().__init__(model)
        self.set_calendar()
        self.dip = 1.0                 # §7.1 campaign dip of push
        self.reporting = []            # (weeks left, hours a week) of campaign reporting (§7.2)

    def set_calendar(self):
        """The year's inspection and campaign weeks, from the levers (§7.1, §7.2); again when
        the levers change (§7.11: inspections from the next week, campaigns at the next one)."""
        model = self.model
        p = model.p
        n = p.inspections_per_year
        # §7.2 "inspections_per_year weeks spread evenly" -- AMBIGUITY 6 (phase of the calendar)
        if model.readings["inspection_phase"] == "end":      # the ODD's rule since 2026-11-26
            self.inspection_weeks = {math.ceil(STEPS * k / n) - 1 for k in range(1, n + 1)}
        else:
            half = 0.5 if model.readings["inspection_phase"] == "centred" else 0.0
            self.inspection_weeks = {int(math.floor((k + half) * STEPS / n)) for k in range(n)}
        # §7.1 "Campaigns fall campaign_week_offset (10) weeks before the year's end, spread
        # evenly" -- AMBIGUITY 7
        m = p.reduction_campaigns_per_year
        first = STEPS - p.campaign_week_offset
        self.campaign_weeks = {int(round(first - k * STEPS / m)) % STEPS for k in range(m)} if m else set()

    # phase 1 ------------------------------------------------------------------------------------
    def step(self):
        m = self.model
        wk = m.week
        w = m.t % STEPS
        wk.week_of_year = w
        wk.year = m.t // STEPS
        wk.inspection = w in self.inspection_weeks
        wk.campaign = w in self.campaign_weeks
        # §7.1 dip recovers: dip += (1 − dip)/campaign_recovery_weeks a week -- AMBIGUITY 8
        self.dip += (1.0 - self.dip) / m.p.campaign_recovery_weeks
        wk.dip = self.dip
        if w == 0:
            m.new_year(wk.year)

    def campaign(self):
        """§7.2: each campaign multiplies every backlog by (1 − cut) and adds reporting hours
        spread over `reporting_weeks` weeks; §7.1: push dips to 1 − cut."""
        p = self.model.p
        for c in self.model.committees:
            c.backlog *= (1.0 - p.campaign_cut_share)
        self.reporting.append([p.reporting_weeks, p.campaign_reporting_hours / p.reporting_weeks])
        self.dip = 1.0 - p.campaign_cut_share

    def reporting_hours(self) -> float:
        """This week's reporting hours per committee; ages the queue."""
        h = 0.0
        for item in self.reporting:
            h += item[1]
            item[0] -= 1
        self.reporting = [i for i in self.reporting if i[0] > 0]
        return h


# ------------------------------------------------------------------------------------------------
class Department(mesa.Agent):
    """A functional department (职能部门): pushes tasks, answers blame (§7.1)."""

    def __init__(self, model, name, weight, inspected_share, blame_sensitivity):
        super().__init__(model)
        self.name = name
        self.weight = weight                       # normalised push weight w_d
        self.inspected_share = inspected_share     # v_d
        self.blame_sensitivity = blame_sensitivity  # b_d
        self.blame = 0.0                           # B_d
        self.rebound = 0.0                         # R_d
        # this week's bookkeeping
        self.arrived_cadre_hours = 0.0
        self.expired_hours = 0.0
        self.service_share = model.p.service_task_share
        # §7.1 refused tasks pushed again next week, by committee index (推诿扯皮)
        self.repush_pending = {}
        self.found_pending = 0.0   # §7.3a found surface hours kept for the next inspection (AMBIGUITY 78)

    def pressure(self) -> float:
        K = self.model.p.department_capacity
        B = self.blame
        # §7.1 pressure = (1 + B / (1 + B/(K − 1))) · (1 + R); K = 1 means no room to push more
        sat = B / (1.0 + B / (K - 1.0)) if K > 1.0 else 0.0
        return (1.0 + sat) * (1.0 + self.rebound)

    def goodwill_pressure(self, mode: str = "blame") -> float:
        """§7.7a pressure_d that divides the department's goodwill ("pressure_d = 1 + blamed_d,
        §7.1") -- AMBIGUITY 90: "blame" 1 + B_d (B̃_d of §7.3); "saturated" 1 plus §7.1's
        saturated blame term, B / (1 + B/(K − 1)); "push" §7.1's whole pressure_dt."""
        if mode == "blame":
            return 1.0 + self.blame
        if mode == "saturated":
            K = self.model.p.department_capacity
            B = self.blame
            return 1.0 + (B / (1.0 + B / (K - 1.0)) if K > 1.0 else 0.0)
        return self.pressure()

    def push_rate(self, committee) -> float:
        """λ_dct = tasks_per_week · w_d · pressure_dt · dip_t · s_c · r_c (§7.1)."""
        m = self.model
        return (m.p.tasks_per_week * self.weight * self.pressure() * m.week.dip
                * committee.size_factor * committee.reach)

    # phase 2 ------------------------------------------------------------------------------------
    def push(self):
        m = self.model
        p = m.p
        rng = m.rng
        self.arrived_cadre_hours = 0.0
        self.expired_hours = 0.0
        # §7.1 service in pushed work: this week's service share service_task_share / pressure
        # (the pressure of this week's push) -- AMBIGUITY 68
        share = self.service_share = p.service_task_share / self.pressure()
        # §7.1 last week's re-pushes arrive now, past the filter -- AMBIGUITY 67
        pending, self.repush_pending = self.repush_pending, {}
        for c in m.committees:
            lam = self.push_rate(c)
            # §7.3 accountability: the push rate λ (re-pushes are not in it) -- AMBIGUITY 69
            c.expected_inspected += lam * self.inspected_share
            c.expected_inspected_blamed += (1.0 + self.blame) * lam * self.inspected_share
            n = int(rng.poisson(lam))
            new = int(rng.binomial(n, 1.0 - p.task_admission)) if n else 0
            # §7.1 a refused task goes back to its department: absorbed by its own staff,
            # pushed again next week, or left undone (and counted failed at its inspection)
            refused = n - new
            absorbed = repushed = undone = 0
            if refused and p.task_admission > 0:
                absorbed = int(rng.binomial(refused, p.department_absorb_share))
                rest = refused - absorbed
                repushed = int(rng.binomial(rest, p.repush_share)) if rest else 0
                undone = rest - repushed
            if repushed:
                self.repush_pending[c.index] = repushed
            again = pending.get(c.index, 0)
            admitted = new + again            # re-pushes arrive admitted (§7.1)
            funded = int(rng.binomial(admitted, p.funding_follows_tasks)) if admitted else 0
            unfunded = admitted - funded
            visible = int(rng.binomial(unfunded, self.inspected_share)) if unfunded else 0
            h = p.task_hours / c.skill_factor()
            # AMBIGUITY 10 (D3), fixed in the ODD 2026-11-26: inspections look at the same share
            # v_d of funded tasks, whose visible part is the cadres' supervision share
            mode = m.readings["funded_visible"]
            if mode == "inspected":
                fv = int(rng.binomial(funded, self.inspected_share)) if funded else 0
                vis_hours = visible * h + fv * p.funded_cadre_share * h
                invis_hours = (unfunded - visible) * h + (funded - fv) * p.funded_cadre_share * h
            elif mode == "supervision":
                vis_hours = visible * h + funded * p.funded_cadre_share * h
                invis_hours = (unfunded - visible) * h
            else:
                fv = int(rng.binomial(funded, p.funded_cadre_share)) if funded else 0
                if mode == "binomial":
                    vis_hours = visible * h + fv * p.funded_cadre_share * h
                    invis_hours = (unfunded - visible) * h + (funded - fv) * p.funded_cadre_share * h
                elif mode == "binomial_nosup":
                    vis_hours = visible * h + fv * p.funded_cadre_share * h
                    invis_hours = (unfunded - visible) * h
                else:   # "binomial_full"
                    vis_hours = (visible + fv) * h
                    invis_hours = (unfunded - visible) * h
            # §4.10 H: every pushed task, re-pushes included
            c.demanded_task_hours += (n + again) * p.task_hours
            c.pushed_tasks += n + again
            c.repushed_tasks += again
            # §7.7 service done outside the committee: the department's staff on what it
            # absorbed, bought help on funded tasks (at standard task_hours)
            c.absorbed_task_service += share * absorbed * p.task_hours
            c.funded_task_service += share * funded * (1.0 - p.funded_cadre_share) * p.task_hours
            # §7.7 σ_c: service share of the week's arriving cadre task work -- AMBIGUITY 70
            cadre_hours = unfunded * h + funded * p.funded_cadre_share * h
            c.cadre_task_hours += cadre_hours
            c.cadre_task_service_weight += share * cadre_hours
            c.arrived_admitted += admitted
            c.arrived_funded += funded
            c.arrived_unfunded += unfunded
            c.visible_task_hours += vis_hours
            c.visible_by_dept[self] = vis_hours     # §7.3a found surface work is shared by these
            c.invisible_arrivals += invis_hours
            c.invisible_by_dept[self] = invis_hours
            c.pushed_task_hours += admitted * h if m.h_counts_funded_fully else (
                unfunded * h + funded * p.funded_cadre_share * h)
            c.funded_money += funded * p.task_hours * p.help_wage   # §7.9 weekly: task hours × 4 yuan
            mode = m.readings["blame_denominator"]
            if mode == "cadre_hours":
                self.arrived_cadre_hours += unfunded * h + funded * p.funded_cadre_share * h
            elif mode == "task_hours":
                self.arrived_cadre_hours += admitted * h
            else:
                self.arrived_cadre_hours += unfunded * h
            # §7.1 f_d: refused tasks left undone fail at task_hours each, in the numerator and
            # the denominator (counted at the inspection of the week they are left undone)
            # -- AMBIGUITY 71
            self.expired_hours += undone * p.task_hours
            self.arrived_cadre_hours += undone * p.task_hours

    # phase 5 ------------------------------------------------------------------------------------
    def react(self):
        """§7.1: blame and rebound fade; an inspection adds b_d · f_d; a campaign adds a rebound."""
        m = self.model
        p = m.p
        D = p.push_discipline * (1.0 + lever_share(p, "task_admission"))
        self.blame -= (1.0 / p.attention_weeks + D) * self.blame
        if m.week.inspection:
            if self.found_pending:              # §7.3a reading "accumulate" -- AMBIGUITY 78
                self.expired_hours += self.found_pending
                self.found_pending = 0.0
            f = self.expired_hours / self.arrived_cadre_hours if self.arrived_cadre_hours > 0 else 0.0
            f = min(f, 1.0)
            self.blame += self.blame_sensitivity * f
        self.rebound -= (1.0 / p.rebound_weeks + D) * self.rebound
        if m.week.campaign:
            self.rebound += (p.campaign_rebound * (1.0 - p.task_admission)
                             * (1.0 - p.funding_follows_tasks))


# ------------------------------------------------------------------------------------------------
class Township(mesa.Agent):
    """A township government (乡镇, ODD §7.1a; only with `township_agent` = 1): it serves the
    committees the county file gives it and chooses each budget year after the first how far
    to direct them (its directing share d_t, 越位 and 缺位): its own tasks, the money it keeps
    and what its linked cadres do follow d_t."""

    def __init__(self, model, name, committees):
        super().__init__(model)
        self.name = name
        self.committees = committees          # the committees it serves, in index order
        self.directing = model.p.township_initial_directing    # d_t in the first budget year
        # §4.4, §7.1a its committees' need (Σ_c need_c, hours a week) summed over the weeks since
        # its last choice (the county's satisfaction survey) -- AMBIGUITY 102
        self.need_sum = 0.0
        self.need_weeks = 0
        for c in committees:
            c.township = self

    # weekly ------------------------------------------------------------------------------------
    def survey(self):
        """§7.1a N_t: this week's need of its committees (§7.7 need_c, without §7.7a's joint
        problems), one term of the mean over the weeks since the last choice."""
        self.need_sum += sum(c.need_total for c in self.committees)
        self.need_weeks += 1

    def liaison_hours(self) -> float:
        """§7.1a L = `liaison_hours_per_week` × `township_liaison`: a township cadre's hours a
        week for each committee it serves."""
        p = self.model.p
        return p.liaison_hours_per_week * p.township_liaison

    # yearly ------------------------------------------------------------------------------------
    def kept(self, ordinary: float) -> float:
        """§7.1a 缺位: the share `township_withhold_share` × d_t of a committee's ordinary
        transfer (transfer less the seat's focus money) it keeps at the budget year's start."""
        return self.model.p.township_withhold_share * self.directing * ordinary

    def expected_loss(self) -> float:
        """§7.1a lost_t = (T_t + M_t + 2 L n_t) / N_t: the share of its committees' need it
        expects full directing to take away, 0 where N_t is 0 -- AMBIGUITIES 100-102."""
        p = self.model.p
        # T_t: its tasks' hours a week at full directing (standard task_hours, not at the teams'
        # speed)
        T = p.township_tasks_per_week * sum(c.size_factor for c in self.committees) * p.task_hours
        # M_t: the help the kept money would have bought, hours a week (last budget year's
        # ordinary transfers)
        M = (p.township_withhold_share * p.discretionary_share
             * sum(c.ordinary_transfer for c in self.committees) / STEPS / p.help_wage)
        # 2 L n_t: one linked cadre per committee it serves -- AMBIGUITY 101
        links = 2.0 * self.liaison_hours() * len(self.committees)
        if self.need_weeks:
            N = self.need_sum / self.need_weeks
        else:
            N = sum(c.need_total for c in self.committees)
        return (T + M + links) / N if N > 0 else 0.0

    def gain(self) -> float:
        """§7.1a gain_t = `activity_credit` × (1 − `clear_functions`) + `money_credit` −
        `outcome_credit` × lost_t: the assessment's score per unit of directing."""
        p = self.model.p
        return (p.activity_credit * (1.0 - p.clear_functions) + p.money_credit
                - p.outcome_credit * self.expected_loss())

    def choose(self, u: float):
        """§7.1a Luce's rule over `township_stances` evenly spaced shares 0 … 1: P(d) ∝
        exp(`township_precision` × Score(d)), Score(d) = gain_t × d − `township_switch_cost` ×
        |d − d_t|, d_t the share of the year just ended; the uniform u picks the first stance
        whose cumulative chance reaches it -- AMBIGUITY 103. The need survey starts again."""
        p = self.model.p
        k = p.township_stances
        stances = [j / (k - 1) for j in range(k)]
        g = self.gain()
        last = self.directing                          # d_t, the year just ended
        x = [p.township_precision * (g * d - p.township_switch_cost * abs(d - last))
             for d in stances]
        top = max(x)                                   # for the exponential's range only
        w = [math.exp(v - top) for v in x]
        total = sum(w)
        cum = 0.0
        pick = stances[-1]          # where rounding leaves the last cumulative chance below u
        for d, wd in zip(stances, w):
            cum += wd / total
            if cum >= u:
                pick = d
                break
        self.directing = pick
        self.need_sum = 0.0
        self.need_weeks = 0


# ------------------------------------------------------------------------------------------------
class Unit(mesa.Agent):
    """A work unit (驻区单位) that may open its facilities (§7.9)."""

    def __init__(self, model, committee, places, disposition):
        super().__init__(model)
        self.committee = committee
        self.places = places
        self.disposition = disposition
        self.open = False

    def revise(self):
        """§7.9: open for the year with probability unit_sharing × (base + weight × committee
        trust) × disposition; §7.10 the facilities association multiplies willingness."""
        p = self.model.p
        prob = (p.unit_sharing * (p.unit_trust_base + p.unit_trust_weight * self.committee.trust)
                * self.disposition * (1.0 + p.association_opening_gain * p.facilities_association))
        self.open = bool(self.model.rng.random() < min(1.0, prob))

    def offered_places(self) -> float:
        p = self.model.p
        return self.places * (1.0 + p.association_places_gain * p.facilities_association) if self.open else 0.0


# ------------------------------------------------------------------------------------------------
class Cadre(mesa.Agent):
    """A community cadre (社区干部) in a seat of a committee (§7.4)."""

    def __init__(self, model, committee, age, educated, skill, exhaustion, morale, dependence,
                 tenure):
        super().__init__(model)
        self.committee = committee
        self.age = age
        self.educated = educated
        self.skill = skill
        self.exhaustion = exhaustion
        self.morale = morale
        self.dependence = dependence
        self.tenure = tenure
        self.hours = model.p.standard_week
        self.seat_no = 0               # the seat within its committee (a hire takes a free one)
        # §7.3a cadres who choose (read only when cadres_choose is 1; no draw here)
        self.psi = 1.0                 # public-service motivation type ψ_i (1 on average)
        self.belief = 0.0              # belief b_i of being looked into this week
        self.phi = 0.0                 # surface share φ_i chosen last (0 until they first choose)
        self.s_own = 0.0               # share s_i of their free hours for residents this week

    def work_hours(self, load: float) -> float:
        """§7.4 hours = standard_week + overtime_max × clip(load − 1, 0, 1) × ((1 − w) + w·morale)."""
        p = self.model.p
        w = p.overtime_morale_weight
        self.hours = p.standard_week + p.overtime_max * clip(load - 1.0, 0.0, 1.0) * ((1 - w) + w * self.morale)
        return self.hours

    def leave_chance(self) -> float:
        """§7.3a choice 3: the week's chance of leaving, `outside_offer_rate`/52 × 1/(1 + exp(−q_i)),
        q_i = `quit_bias` + `quit_pay_weight`·ln(outside pay_i / inside pay_i)
              + `quit_exhaustion_weight`·E_i − `quit_morale_weight`·morale_i,
        outside pay_i = `graduate_reservation_pay` with schooling (educated), else
        `local_outside_pay`; inside pay_i = `cadre_pay`·(1 + `promotion_retention`·
        `cadre_rotation_reserve`·educated_i). E_i and morale_i after this week's update."""
        p = self.model.p
        edu = 1.0 if self.educated else 0.0
        outside = p.graduate_reservation_pay if self.educated else p.local_outside_pay
        inside = p.cadre_pay * (1.0 + p.promotion_retention * p.cadre_rotation_reserve * edu)
        q = (p.quit_bias + p.quit_pay_weight * math.log(outside / inside)
             + p.quit_exhaustion_weight * self.exhaustion - p.quit_morale_weight * self.morale)
        return p.outside_offer_rate / STEPS * logistic(q)

    # phase 5 ------------------------------------------------------------------------------------
    def step(self):
        m = self.model
        p = m.p
        c = self.committee
        pay = p.cadre_pay
        pay_term = pay / (pay + p.reference_pay)
        # §7.4 demand d_i = load_c × hours_i / mean hours of the seated team -- AMBIGUITY 14
        mean_h = c.mean_hours if c.mean_hours > 0 else p.standard_week
        load = c.load_used if m.readings["exhaustion_load"] == "last" else c.load
        d = load * self.hours / mean_h
        res = p.resources_pay_weight * pay_term + (1 - p.resources_pay_weight) * self.skill
        E = self.exhaustion
        E += (p.exhaustion_rise * max(d - 1.0, 0.0) * (1.0 - p.resource_buffer * res) * (1.0 - E)
              - p.exhaustion_recovery * (1.0 + p.recovery_slack_gain * max(1.0 - d, 0.0)) * E)
        self.exhaustion = clip(E, 0.0, 1.0)
        training = p.training_hours_per_year / p.training_reference_hours
        target = (p.morale_base + p.morale_pay * pay_term + p.morale_autonomy * c.discretion()
                  + p.morale_training * training - p.morale_exhaustion * self.exhaustion)
        self.morale += p.morale_rate * (target - self.morale)
        self.skill += ((p.experience_per_year + p.training_gain * training
                        + p.rotation_skill_per_year * p.cadre_rotation_reserve) / STEPS * (1.0 - self.skill))
        dep_target = (p.dependence_target_base - p.dependence_policy * m.policy_autonomy
                      - p.dependence_training * training - p.dependence_schooling * self.educated
                      - p.rotation_dependence * p.cadre_rotation_reserve)
        self.dependence += p.dependence_rate * (dep_target - self.dependence)
        self.age += 1.0 / STEPS
        self.tenure += 1.0 / STEPS
        retire = self.age >= p.retirement_age
        if p.cadres_choose == 1:
            # §7.3a choice 3: outside chances at outside_offer_rate a year, each taken with the
            # logit chance 1/(1 + exp(−q_i)); the week's chance is rate/52 × that, as the ODD
            # gives it (no quit_probability reading) -- AMBIGUITIES 82-85
            prob = self.leave_chance()
        else:
            # §7.4 quit hazard per year; weekly probability 1 − exp(−h/52) -- AMBIGUITY 15
            edu_extra = p.quit_educated * (1.0 - p.promotion_retention * p.cadre_rotation_reserve)
            h = ((p.quit_base + p.quit_exhaustion * self.exhaustion + edu_extra * self.educated)
                 * (p.reference_pay / pay) ** p.pay_quit_elasticity)
            prob = 1.0 - math.exp(-h / STEPS) if m.readings["quit_probability"] == "exp" else h / STEPS
        quit_ = m.rng.random() < prob      # one uniform draw per seated cadre either way
        if retire or quit_:
            m.week.turnover_events += 1
            c.vacate(self)


# ------------------------------------------------------------------------------------------------
class Resident(mesa.Agent):
    """A resident (one row standing for `weight` real residents, ODD §2)."""

    def __init__(self, model, committee, group, age_band, employment, low_income, party, disabled,
                 threshold, intrinsic, trust, awareness, weight):
        super().__init__(model)
        self.committee = committee
        self.group = group
        self.age_band = age_band
        self.employment = employment
        self.low_income = low_income
        self.party = party
        self.disabled = disabled
        self.threshold = threshold
        self.intrinsic = intrinsic
        self.trust = trust
        self.awareness = awareness
        self.satisfaction = model.p.initial_satisfaction
        self.weight = weight
        self.volunteer = False
        self.services_year = 0
        self.last_part = -10**9        # week last taken part voluntarily
        self.contacts = []             # residents this one counts as contacts
        self.followers = []            # residents who count this one among their contacts
        self.need = 0.0
        self.refresh_need()
        # this week
        self.p_apply = 0.0
        self.volunteer_hours = 0.0
        self.duty_hours = 0.0

    @property
    def adult(self) -> bool:
        return self.age_band != AGE_0_17

    def refresh_need(self):
        """§7.7 need (hours/week), summed over the conditions -- AMBIGUITY 20; halved for
        unit-attached residents whose unit serves them."""
        p = self.model.p
        parts = [p.need_elderly if self.age_band == AGE_60 else 0.0,
                 p.need_disabled if self.disabled else 0.0,
                 p.need_low_income if self.low_income else 0.0,
                 p.need_laid_off if self.employment == LAID_OFF else 0.0]
        n = sum(parts) if self.model.readings["need"] == "sum" else max(parts)
        if self.employment == UNIT:
            n *= (1.0 - p.unit_covers_need)
        self.need = n

    def cost(self) -> float:
        p = self.model.p
        return {UNIT: p.time_cost_unit, SOCIAL: p.time_cost_social, LAID_OFF: p.time_cost_laid_off,
                RETIRED: p.time_cost_retired}.get(self.employment, 0.0)

    def recently_active(self, t: int) -> bool:
        """Took part in the four weeks before this one (ODD §7.5)."""
        return self.last_part >= t - 4

    def on_track(self) -> bool:
        p = self.model.p
        return self.services_year >= p.on_track * p.certificate_services * self.model.week.week_of_year / STEPS

    def expected_services(self) -> float:
        p = self.model.p
        return 1.0 + expected_floor(p.max_extra_services * self.intrinsic)

    # phase 6a: sense and form the wish to take part --------------------------------------------
    def sense(self):
        self.volunteer_hours = 0.0
        self.duty_hours = 0.0
        self.took_part = False
        self.served = False
        if not self.adult:
            self.p_apply = 0.0
            return
        m = self.model
        p = m.p
        t = m.t
        c = self.committee
        # §7.5 share_i: share of the residents who count i among their contacts that took part in
        # the last four weeks -- AMBIGUITY 24 (empty in-neighbourhood → 0)
        if self.followers:
            share = sum(1 for f in self.followers if f.recently_active(t)) / len(self.followers)
        else:
            share = 0.0
        x = (p.participation_bias + p.intrinsic_weight * self.intrinsic + p.party_duty * self.party
             + p.low_income_tie * self.low_income - self.cost()
             + p.trust_weight * self.trust * c.efficacy + p.awareness_weight * self.awareness
             + c.pull + p.social_influence * (share - self.threshold))
        if self.volunteer:
            r = p.volunteer_reward
            x += p.volunteer_pull - p.reward_crowding * r
            if self.on_track():
                x += p.reward_extrinsic * r * r
        self.p_apply = logistic(x)

    # phase 6b: decide, serve, register, update -------------------------------------------------
    def decide(self):
        m = self.model
        p = m.p
        rng = m.rng
        c = self.committee
        t = m.t
        wk = m.week
        if self.adult:
            applies = rng.random() < self.p_apply
            if self.volunteer:
                # §7.6 a volunteer who decides to take part serves outside the venues, admitted
                # against the organising capacity -- AMBIGUITY 27 (refused ones do not take part)
                if applies and m.readings["refused_volunteers_take_part"]:
                    self.took_part = True
                if applies and rng.random() < c.volunteer_admission:
                    k = 1 + int(math.floor(p.max_extra_services * self.intrinsic * rng.random()))
                    before = self.services_year
                    self.services_year += k
                    self.volunteer_hours = k * p.service_hours
                    self.took_part = True
                    if before < p.certificate_services <= self.services_year:
                        wk.certificate_cost += p.reward_yuan * p.volunteer_reward * self.weight
            else:
                if applies and rng.random() < c.admission:
                    self.took_part = True
            if self.took_part:
                self.last_part = t
            # §7.6 low-income duty: able-bodied low-income adults 18-59 -- AMBIGUITY 29
            if (p.welfare_volunteer_days > 0 and self.low_income and not self.disabled
                    and self.age_band in (AGE_18_35, AGE_36_59)):
                if rng.random() < p.duty_compliance:
                    self.duty_hours = (p.welfare_volunteer_days * p.duty_hours_per_day * 12.0 / STEPS)
            # §7.6 registration and dropout
            if self.volunteer:
                if rng.random() < p.dropout_per_week:
                    self.volunteer = False
            elif self.took_part:
                prob = (p.register_per_week * self.intrinsic * (1.0 + p.volunteer_reward)
                        * (1.0 - p.duty_label_penalty * c.duty_share))
                if rng.random() < prob:
                    self.volunteer = True
        # §7.7 a resident in need is served with probability coverage_c
        if self.need > 0:
            self.served = rng.random() < c.coverage
        if not self.adult:
            return
        # §7.8 trust
        target = c.trust_target
        if self.need > 0:
            target += p.served_trust_shift * ((1.0 if self.served else 0.0) - p.experience_neutral)
        if self.took_part:
            target += p.taking_part_trust_shift * (c.efficacy - p.experience_neutral)
        self.trust += p.trust_rate * (target - self.trust)
        self.trust = clip(self.trust, 0.0, 1.0)
        # §7.8 awareness; §7.10 publicity
        a = self.awareness
        decay = p.unit_awareness_decay if self.employment == UNIT else p.awareness_decay
        a += ((p.awareness_gain_part if self.took_part else 0.0) * (1 - a)
              + p.awareness_gain_activity * c.activity * (1 - a) - decay * a
              + p.publicity_awareness_gain * p.publicity * (1 - a))
        self.awareness = clip(a, 0.0, 1.0)
        # §7.8 satisfaction → served (in need) or coverage (others)
        target = (1.0 if self.served else 0.0) if self.need > 0 else c.coverage
        self.satisfaction += p.satisfaction_rate * (target - self.satisfaction)


# ------------------------------------------------------------------------------------------------
class Committee(mesa.Agent):
    """A residents' committee (社区居委会): its team allocates cadre hours (§7.2-7.3), delivers
    services (§7.7), computes the signals residents sense (§7.5) and keeps its money (§7.9)."""

    def __init__(self, model, index, name, seat, residents, seats, renting, new, base_venue,
                 shop_income, demonstration, size_factor, reach, leadership):
        super().__init__(model)
        p = model.p
        self.index = index
        self.name = name
        self.seat = seat                   # in the county seat (县城)
        self.residents_n = residents       # real residents
        self.seats = seats
        self.renting = renting
        self.new = new
        self.base_venue = base_venue       # own venue places if owned
        self.added_places = 0.0            # investment, aid, demonstration venues
        self.shop_income = shop_income
        self.demonstration = demonstration
        self.size_factor = size_factor
        self.reach = reach
        self.leadership = leadership
        self.cadres = []
        self.vacated = []                  # week each empty seat was vacated
        self.units = []
        self.residents = []
        self.ventures = 0
        # state before week 1 (ODD §5)
        self.admin_share = p.initial_admin_share
        self.load = p.initial_load
        self.load_used = p.initial_load
        self.coverage = p.initial_coverage
        self.trust = p.initial_trust_a / (p.initial_trust_a + p.initial_trust_b)
        self.backlog = 0.0
        self.mean_hours = p.standard_week
        # money (set at the year's start)
        self.transfer = 0.0
        self.own_income = 0.0
        self.donations = 0.0
        self.aid = 0.0
        self.demo_grant = 0.0
        self.discretionary = 0.0
        self.budget = 0.0
        # §7.1a the township government serving it (None when `township_agent` is 0), the
        # ordinary transfer of the budget year and the part of it the township keeps
        self.township = None
        self.ordinary_transfer = 0.0
        self.kept = 0.0
        # last week's volunteer and duty hours (one-week lag, ODD §3)
        self.vol_hours_last = 0.0
        self.duty_hours_last = 0.0
        self.duty_share = 0.0
        self.service_hours_year = 0.0
        self.weeks_year = 0
        # §7.3a inspected work that passes (x) and the part only made to look done (S_c)
        self.passed_inspected = 0.0
        self.sham_hours = 0.0
        self.phi_team = 0.0            # §7.3a the pooled surface share φ_c of the last allocation
        # §7.3a π_c: the share of the committee's adults who took part last week (§7.5), 0
        # before the first week -- AMBIGUITY 86
        self.took_part_share = 0.0
        # §7.3 step 2 s_c: the share of the free hours the team gave residents at this week's
        # allocation (the pooled s_c of §7.3a when cadres choose); read by §7.7a
        self.resident_share = 0.0
        self._reset_week()

    # --- helpers ----------------------------------------------------------------------------
    def _reset_week(self):
        self.arrived_admitted = 0
        self.arrived_funded = 0
        self.arrived_unfunded = 0
        self.visible_task_hours = 0.0
        self.invisible_arrivals = 0.0
        self.invisible_by_dept = {}
        self.pushed_task_hours = 0.0
        self.demanded_task_hours = 0.0
        self.pushed_tasks = 0
        self.repushed_tasks = 0
        self.absorbed_task_service = 0.0
        self.funded_task_service = 0.0
        self.cadre_task_hours = 0.0
        self.cadre_task_service_weight = 0.0
        self.cadre_task_service = 0.0
        self.funded_money = 0.0
        self.expected_inspected = 0.0
        self.expected_inspected_blamed = 0.0
        self.passed_staff = 0.0
        self.staff_services = 0.0
        self.inspection_prep = 0.0
        self.reporting = 0.0
        self.receptions = 0.0
        self.visible_by_dept = {}          # §7.3a visible task hours by department this week
        # §7.7a problems no one owns, this week (all 0 when buck_passing is 0)
        self.joint_arrived = 0             # k_c
        self.joint_listed = 0              # listed_c
        self.joint_to_department = 0       # listed to a department
        self.joint_taken = 0               # unlisted ones the committee took up
        self.joint_by_department = 0       # passed ones a department took up
        self.joint_need = 0.0              # J_c = k_c × joint_problem_hours
        self.joint_committee_hours = 0.0   # cadre service hours the problems took
        self.joint_handled = 0.0           # handled_c
        # §7.1a the township's own tasks this week (all 0 when township_agent is 0)
        self.township_arrived = 0          # k_c
        self.township_admitted = 0         # a_c
        self.township_visible_hours = 0.0  # their hours at the team's speed (all inspected)
        self.liaison_reports = 0.0         # L × d: the linked cadre's checks (receptions)
        self.liaison_help = 0.0            # L × (1 − d): the linked cadre's help (services)

    def begin_week(self):
        self._reset_week()

    def add_township_tasks(self):
        """§7.1a 越位: the township's admitted tasks a_c (drawn by `ReferenceModel.township_tasks`)
        are inspected and unfunded and take `task_hours` each at the team's speed, like a
        department's unfunded visible task; they carry no service, so σ_c becomes
        σ_c × cadre_c / (cadre_c + a_c); the arrivals k_c count in the week's pushed tasks (H,
        `tasks_per_committee_year`). No department's arrivals, inspected push or failure share
        -- AMBIGUITIES 98-99."""
        p = self.model.p
        k, a = self.township_arrived, self.township_admitted
        h = p.task_hours / self.skill_factor()
        self.demanded_task_hours += k * p.task_hours     # §4.10 H: every task pushed
        self.pushed_tasks += k
        self.arrived_admitted += a
        self.arrived_unfunded += a
        self.township_visible_hours = a * h
        self.visible_task_hours += a * h
        # σ_c's denominator (cadre task hours) grows with no service weight; τ_c counts them as
        # task hours
        self.cadre_task_hours += a * h
        self.pushed_task_hours += a * h

    def venue_places(self) -> float:
        """Own venues: the base rooms (× renting_venue_share for renters) plus added places."""
        p = self.model.p
        return self.base_venue * (p.renting_venue_share if self.renting else 1.0) + self.added_places

    def unit_places(self) -> float:
        return sum(u.offered_places() for u in self.units)

    def adults_weighted(self) -> float:
        return self._adults_w

    def skill_factor(self) -> float:
        """§7.1 mean of skill_speed_base + skill_speed_weight·skill over seated cadres; §7.10 a
        one-stop station makes every hour do (1 + station_gain·x) more."""
        p = self.model.p
        if self.cadres:
            f = sum(p.skill_speed_base + p.skill_speed_weight * c.skill for c in self.cadres) / len(self.cadres)
        else:
            f = p.skill_speed_base + p.skill_speed_weight * 0.5   # AMBIGUITY 11: no cadre seated
        return f * (1.0 + p.station_gain * p.service_stations)

    def initiative(self) -> float:
        if not self.cadres:
            return 0.0
        return 1.0 - sum(c.dependence for c in self.cadres) / len(self.cadres)

    def discretion(self) -> float:
        """§7.4 discretion_c = w·policy autonomy + (1 − w)·(1 − admin_share_c)."""
        p = self.model.p
        w = p.discretion_policy_weight
        return w * self.model.policy_autonomy + (1 - w) * (1.0 - self.admin_share)

    def vacate(self, cadre):
        self.cadres.remove(cadre)
        self.vacated.append(self.model.t)
        cadre.remove()

    def choose(self, acc: float) -> tuple[float, float]:
        """§7.3a: every seated cadre chooses the share of their free hours for residents
        (Luce's rule, s_i) and the share of inspected work they make only look done (a logit,
        φ_i); the team pools them by hours into (s_c, φ_c). `acc` is a_c of §7.3 step 2."""
        p = self.model.p
        seated = self.cadres
        # the norm φ̄_c: the plain mean of last week's φ_i over the cadres seated now (their
        # own included; 0 where none sits), a hire's φ being 0 -- AMBIGUITY 73
        if self.model.readings["surface_norm"] == "pooled":
            norm = self.phi_team                # last week's pooled φ_c (this week's not yet set)
        else:
            norm = sum(c.phi for c in seated) / len(seated) if seated else 0.0
        pay = p.cadre_pay / p.reference_pay
        # residents' voice r_c = voice_weight × deliberation × π_c × (1 − coverage_c), π_c the
        # share of adults who took part last week, coverage_c last week's -- AMBIGUITIES 86-87
        voice = p.voice_weight * p.deliberation * self.took_part_share * (1.0 - self.coverage)
        hs = hsum = 0.0
        wphi = wsum = 0.0
        for cad in seated:
            # choice 1: (m_i + r_c) / (m_i + r_c + a_c), m_i with the cadre's own ψ and
            # dependence
            mi = (p.service_motivation * self.leadership * cad.psi * (1.0 - cad.dependence)
                  * (1.0 - self.coverage))
            pull = mi + voice
            cad.s_own = pull / (pull + acc) if pull + acc > 0 else 0.0   # AMBIGUITY 74
            # choice 2: the logit of surface work; E_i at the week's start, b_i as it stands
            u = (p.surface_bias
                 + (1.0 - p.surface_effort) * (1.0 + p.exhaustion_effort_cost * cad.exhaustion)
                 - p.surface_penalty * pay * cad.belief
                 - p.integrity_weight * (cad.psi - 1.0)
                 + p.surface_conformity * norm)
            cad.phi = logistic(u)
            h = cad.hours
            hs += h * cad.s_own
            hsum += h
            wphi += h * (1.0 - cad.s_own) * cad.phi
            wsum += h * (1.0 - cad.s_own)
        s_c = hs / hsum if hsum > 0 else 0.0
        phi_c = wphi / wsum if wsum > 0 else 0.0
        return s_c, phi_c

    # phase 3 -------------------------------------------------------------------------------
    def staff_hours(self):
        """§7.2 stationed staff: (1 − a) passed to cadres as visible work, a done by staff, of
        which staff_service_share becomes services."""
        p = self.model.p
        hours = p.staff_work_hours * self.size_factor
        a = p.authority_over_staff
        self.passed_staff = (1 - a) * hours
        self.staff_services = a * hours * p.staff_service_share

    # phase 4 -------------------------------------------------------------------------------
    def allocate(self):
        m = self.model
        p = m.p
        wk = m.week
        seated = len(self.cadres)
        # §7.4 hours from last week's load
        self.load_used = self.load
        H = sum(c.work_hours(self.load) for c in self.cadres)
        self.hours_total = H
        self.mean_hours = H / seated if seated else p.standard_week
        # §7.2 inspections, reporting, meetings and receptions
        self.inspection_prep = p.inspection_prep_hours * self.size_factor if wk.inspection else 0.0
        self.reporting = wk.reporting_hours
        self.receptions = ((p.seat_reception_hours if self.seat else 0.0)
                           + (p.demo_reception_hours if self.demonstration else 0.0))
        if p.township_agent == 1 and self.township is not None:
            # §7.1a a directing township's linked cadre checks: L × d hours of reports the
            # committee prepares join its receptions (visible work, in H) -- AMBIGUITY 101
            self.liaison_reports = self.township.liaison_hours() * self.township.directing
            self.receptions += self.liaison_reports
        receptions_visible = m.readings["receptions"] == "visible"          # AMBIGUITY 12
        M = p.meeting_hours_per_week * seated + (0.0 if receptions_visible else self.receptions)
        self.meetings_demand = M
        mtg = min(H, M)
        # §7.3 step 1: an own enterprise takes enterprise_hours; §7.10 paid services
        ent = (p.enterprise_hours if self.ventures > 0 else 0.0) + p.paid_service_hours * p.paid_services
        ent_done = min(H - mtg, ent)
        L = H - mtg - ent_done
        # §7.3 step 2: share for residents s = motive / (motive + accountability)
        motive = p.service_motivation * self.leadership * self.initiative() * (1.0 - self.coverage)
        w = p.accountability_inspection_weight
        if seated and m.mean_inspected_per_cadre > 0:
            rel = (self.expected_inspected_blamed / seated) / m.mean_inspected_per_cadre
        else:
            rel = 0.0
        acc = (p.accountability_weight * ((1 - w) + w * p.inspections_per_year / p.reference_inspections)
               * rel)
        s = motive / (motive + acc) if motive + acc > 0 else 0.0
        choose = p.cadres_choose == 1
        phi_c = 0.0
        if choose:
            # §7.3a the cadres' pooled choices replace the team's share
            s, phi_c = self.choose(acc)
        self.phi_team = phi_c
        self.resident_share = s         # §7.7a reads it -- AMBIGUITY 89
        admin_budget = (1.0 - s) * L
        # §7.3 step 3: visible work first, then the invisible backlog
        V = self.visible_task_hours + self.passed_staff + self.inspection_prep + self.reporting
        if receptions_visible:
            V += self.receptions
        if choose:
            # §7.3a an hour of inspected work costs e_c hours; x passes, S_c of it is sham
            e = (1.0 - phi_c) + phi_c * p.surface_effort
            x = min(admin_budget / e, V)
            v = x * e
            sham = phi_c * x
        else:
            v = min(admin_budget, V)
            x = v
            sham = 0.0
        self.passed_inspected = x
        self.sham_hours = sham
        after = m.readings["invisible_arrivals"] == "after"      # AMBIGUITY 13
        B = self.backlog + (0.0 if after else self.invisible_arrivals)
        b = min(admin_budget - v, B)
        # §7.3 step 4: hours the administration does not need go to residents; renters lose
        # rent_logistics_share of them to office logistics (administration)
        service_raw = L - v - b
        logistics = p.rent_logistics_share * service_raw if self.renting else 0.0
        self.cadre_service = (service_raw - logistics) * (1.0 + p.station_gain * p.service_stations)
        # §7.3 step 5, §7.7: the service part of the tasks worked in step 3 meets need:
        # σ_c · τ_c · (visible work done + backlog worked) · skill factor -- AMBIGUITY 70
        T = self.cadre_task_hours
        sigma = self.cadre_task_service_weight / T if T > 0 else 0.0
        other = self.passed_staff + self.inspection_prep + self.reporting
        if receptions_visible:
            other += self.receptions
        tau = T / (T + other) if T + other > 0 else 0.0
        # §7.3a surface work meets no need: (x − S_c + b) in place of (v + b)
        worked = (x - sham + b) if choose else (v + b)
        self.cadre_task_service = sigma * tau * worked * self.skill_factor()
        self.admin_hours = v + mtg + b + logistics
        self.surface_hours = v          # hours spent on inspected work (§7.3a: x·e_c) -- AMBIGUITY 81
        self.meeting_hours = mtg
        self.enterprise_hours_done = ent_done
        self.admin_share = self.admin_hours / H if H > 0 else self.admin_share
        # backlog and expiry
        # §7.3a the backlog gets V − x (x = v under the team rule)
        B = B + (V - x) - b + (self.invisible_arrivals if after else 0.0)
        expired = B / p.deadline_weeks
        self.backlog = B - expired
        # §7.1 a committee's expired backlog is shared among departments by their part of its
        # invisible tasks (this week's arrivals) -- AMBIGUITY 5
        tot = sum(self.invisible_by_dept.values())
        for d, hrs in self.invisible_by_dept.items():
            share = hrs / tot if tot > 0 else d.weight
            d.expired_hours += expired * share
        # load for next week
        if seated:
            denom = seated if m.readings["load_denominator"] == "seated" else self.seats   # AMBIGUITY 42
            self.load = (V + M + self.backlog) / (p.standard_week * denom)
        # §4.10 H: the government's demand -- every task pushed (before admission and funding)
        # at task_hours, inspection preparation, campaign reporting, receptions and meetings;
        # passed staff work is not in it
        self.pushed_hours = (self.demanded_task_hours + self.inspection_prep + self.reporting
                             + p.meeting_hours_per_week * seated + self.receptions)

    # phase 5 -------------------------------------------------------------------------------
    def fill_vacancies(self):
        """§7.4 a seat stays empty a geometric time (mean vacancy_weeks, cut by the reserve
        pool); a hire is a new agent in the seat."""
        m = self.model
        p = m.p
        rng = m.rng
        mean = max(1.0, p.vacancy_weeks * (1.0 - p.reserve_vacancy_cut * p.cadre_rotation_reserve))
        still = []
        for when in self.vacated:
            if when < m.t and rng.random() < 1.0 / mean:
                m.hire(self)
            else:
                still.append(when)
        self.vacated = still

    def joint_hours(self):
        """§7.7a hours and need of the week's joint problems (no draw): the committee's part
        (its listed problems and those it took up) takes hours from its cadres' service hours
        (§7.3 step 4 × the station's gain), as far as those go; a department's listed and
        taken-up problems are handled by its own staff -- AMBIGUITY 92."""
        jh = self.model.p.joint_problem_hours
        own = self.joint_listed - self.joint_to_department + self.joint_taken
        self.joint_need = self.joint_arrived * jh
        self.joint_committee_hours = min(own * jh, max(0.0, self.cadre_service))
        self.joint_handled = (self.joint_committee_hours
                              + (self.joint_to_department + self.joint_by_department) * jh)

    def deliver_services(self):
        """§7.7 services that meet need and coverage; §7.10 health points; §7.7a with
        `buck_passing` the joint problems' need and who handled them."""
        m = self.model
        p = m.p
        self.help_hours = max(0.0, self.discretionary) / STEPS / p.help_wage   # AMBIGUITY 31
        self.health_hours = p.health_hours_per_1000 * p.health_and_safety * self.residents_n / 1000.0
        # §7.7 the service part of pushed tasks done: by cadres (allocate), by departments' own
        # staff after a refusal, by bought help on funded tasks -- AMBIGUITY 72
        self.task_service = (self.cadre_task_service + self.absorbed_task_service
                             + self.funded_task_service)
        self.services_meeting_need = (self.cadre_service + self.help_hours + self.staff_services
                                      + self.vol_hours_last + self.health_hours + self.task_service)
        if p.township_agent == 1 and self.township is not None:
            # §7.1a a supporting township's linked cadre helps: L × (1 − d) hours join the
            # services that meet residents' need (§7.7) -- AMBIGUITY 101
            self.liaison_help = self.township.liaison_hours() * (1.0 - self.township.directing)
            self.services_meeting_need += self.liaison_help
        if p.buck_passing == 1:
            # §7.7a the joint problems' need is met only by those who handled them; the other
            # services meet the other need, less the cadre hours the problems took:
            # coverage_c = min(1, (min(services_c − committee hours_c, need_c) + handled_c)
            #                     / (need_c + J_c)) -- AMBIGUITY 94
            other = max(0.0, self.services_meeting_need - self.joint_committee_hours)
            total = self.need_total + self.joint_need
            self.coverage = (min(1.0, (min(other, self.need_total) + self.joint_handled) / total)
                             if total > 0 else 1.0)
        else:
            self.coverage = min(1.0, self.services_meeting_need / self.need_total) if self.need_total > 0 else 1.0
        self.service_hours = self.services_meeting_need + self.duty_hours_last
        self.service_hours_year += self.service_hours
        self.weeks_year += 1

    # phase 6 -------------------------------------------------------------------------------
    def signals(self):
        """§7.5 efficacy, pull, places, activity; §7.8 trust target."""
        p = self.model.p
        disc = self.discretion()
        real = p.deliberation * disc
        token = p.deliberation * (1.0 - disc)
        self.efficacy = (p.efficacy_base + p.efficacy_coverage * self.coverage + p.efficacy_voice * real
                         + p.efficacy_transparency * p.transparency)
        adults = self._adults_w
        self.room = self.venue_places() + self.unit_places() + p.deliberation_places * p.deliberation * adults
        organisers = p.places_per_organiser_hour * (
            self.cadre_service + p.helper_organising_share * (self.vol_hours_last + self.help_hours))
        self.places = min(self.room, organisers)
        sat = p.activity_saturation_share * adults
        self.activity = min(1.0, self.places / sat) if sat > 0 else 0.0
        self.pull = (p.activity_pull * self.activity - p.admin_burden * self.admin_share
                     + p.publicity_pull * p.publicity)
        self.trust_target = (p.trust_target_base + p.trust_target_coverage * self.coverage
                             + p.trust_target_transparency * p.transparency + p.trust_target_voice * real
                             - p.trust_target_token * token + p.patrol_trust * p.health_and_safety)

    def plan_admission(self):
        """§7.5 admission against expected applicants; §7.6 outreach against expected offers."""
        p = self.model.p
        expected = 0.0
        offered = 0.0
        for r in self.residents:
            if not r.adult:
                continue
            if r.volunteer:
                offered += r.weight * r.expected_services() * p.service_hours * r.p_apply
            else:
                expected += r.weight * r.p_apply
        self.admission = min(1.0, self.places / expected) if expected > 0 else 1.0
        # §7.7a the outreach reads need_c without the joint problems (volunteers cannot handle
        # what needs a department's authority), against the services less the cadre hours the
        # problems took -- AMBIGUITY 93
        svc = self.services_meeting_need
        if p.buck_passing == 1 and self.model.readings["joint_outreach"] == "other_services":
            svc = max(0.0, svc - self.joint_committee_hours)
        if self.model.readings["outreach_unmet"] == "after_volunteers":
            unmet = max(0.0, self.need_total - svc)
        else:
            unmet = max(0.0, self.need_total - (svc - self.vol_hours_last))
        organisers = self.cadre_service + (self.help_hours if self.model.readings["outreach_organisers"]
                                           == "cadre_and_help" else 0.0)
        outreach = min(unmet, p.volunteer_organising * organisers)
        self.volunteer_admission = min(1.0, outreach / offered) if offered > 0 else 1.0

    def after_residents(self):
        """Collect this week's volunteer and duty hours (counted next week) and local trust."""
        vol = sum(r.weight * r.volunteer_hours for r in self.residents)
        duty = sum(r.weight * r.duty_hours for r in self.residents)
        self.vol_hours_last = vol
        self.duty_hours_last = duty
        self.duty_share = duty / (vol + duty) if vol + duty > 0 else 0.0
        aw = self._adults_w
        # §7.3a π_c, read at next week's allocation: adults who took part this week (admitted to
        # a place, or volunteers who served; not duty) over the adults -- AMBIGUITY 86
        part = sum(r.weight for r in self.residents if r.took_part)
        self.took_part_share = part / aw if aw > 0 else 0.0
        self.trust = (sum(r.weight * r.trust for r in self.residents if r.adult) / aw) if aw > 0 else self.trust

    # yearly (§7.9) ---------------------------------------------------------------------------
    def ventures_year(self):
        m = self.model
        p = m.p
        rng = m.rng
        sup = p.enterprise_support
        hazard = p.enterprise_failure * (1.0 - p.support_failure_cut * sup)
        self.ventures -= int(rng.binomial(self.ventures, min(1.0, hazard))) if self.ventures else 0
        drive = p.enterprise_base + (1 - p.enterprise_base) * sup
        free = self.free_share()
        prob = p.enterprise_start * drive * self.initiative() * free
        if rng.random() < clip(prob, 0.0, 1.0):
            self.ventures += 1
        w = p.support_earning_weight
        self.own_income = (self.shop_income + self.ventures * p.enterprise_yuan * ((1 - w) + w * sup)
                           + p.paid_service_yuan * p.paid_services * free)

    def free_share(self) -> float:
        """§7.9/§7.10 the share of cadres' hours free of administration -- AMBIGUITY 56."""
        if self.model.readings["free_share"] == "one_minus_admin":
            return 1.0 - self.admin_share
        H = getattr(self, "hours_total", 0.0)
        if H <= 0:
            return 1.0 - self.admin_share
        return max(0.0, H - self.admin_hours - self.enterprise_hours_done) / H
