"""Residents: vectorised per-resident state and weekly decisions (ODD §7.5-7.8).

Every resident has its own state and draws its own decision each week; only the arithmetic is
batched. Rows are sorted by committee and, within it, by resident group, so a committee's value
reaches its rows as one slice (`model/kernels.py`) and per-committee sums are `np.add.reduceat`.
A row stands for `represented[committee]` real residents (1/scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels
from .calendar import MONTHS_PER_YEAR, STEPS_PER_YEAR
from .county import (AGE_BANDS, LAID_OFF, MIDDLE_AGED, RETIRED, SENIOR, SOCIAL, UNIT,
                     YOUNG)

f32 = np.float32

WINDOW_WEEKS = 4               # "took part in the month": the indicator's definition (ODD §4.10)
NEVER_WEEK = -100              # last week of taking part of one who never took part
NEVER_UTILITY = -50.0          # children's utility: they never decide to take part


def contact_network(rng, group: np.ndarray, committee: np.ndarray, starts: np.ndarray,
                    per_committee: np.ndarray, each_side: int,
                    acquaintances: float) -> np.ndarray:
    """Each resident's 2 x `each_side` contacts, built once (rows x contacts, int32).

    A ring of neighbours within the resident group (rows are sorted by group: the `each_side`
    rows on each side, wrapping inside the group), each contact rewired with probability
    `acquaintances` to a random resident of the same committee, across groups (Watts & Strogatz
    1998: a small world of neighbours and acquaintances).
    """
    n = group.size
    rows = np.arange(n)
    first = np.searchsorted(group, group)                  # each row's group start
    size = np.bincount(group)[group]
    offsets = np.r_[-each_side:0, 1:each_side + 1]
    ring = first[:, None] + ((rows - first)[:, None] + offsets[None, :]) % size[:, None]
    rewire = rng.random(ring.shape) < acquaintances
    k = int(rewire.sum())
    cs = committee[np.nonzero(rewire)[0]]
    ring[rewire] = starts[cs] + (rng.random(k) * per_committee[cs]).astype(np.int64)
    return ring.astype(np.int32)


@dataclass
class CommitteeSignals:
    """What residents see of their committee this week (arrays of length n_committees)."""
    efficacy: np.ndarray      # 0-1: does taking part change anything?
    pull: np.ndarray          # logit: activities and publicity minus administrative burden
    places: np.ndarray        # activity places this week (real residents)
    coverage: np.ndarray      # 0-1: share of need the committee's services meet
    trust_target: np.ndarray  # 0-1: what the committee's conduct warrants
    activity: np.ndarray      # 0-1: activities and publicity reaching residents
    outreach: np.ndarray      # volunteer hours the committee can organise outside the venues
    rooms_short: np.ndarray   # bool: the venue holds fewer places than the organisers could run


def signals(c, p, week, vol_hours: np.ndarray, duty_hours: np.ndarray,
            adults: np.ndarray) -> CommitteeSignals:
    """What residents see of their committee this week, from its state and the week's hours:
    whether taking part changes anything, activities, places, services and conduct."""
    use, help_hours = week.use, week.help_hours
    real = p.deliberation * week.discretion
    token = p.deliberation * (1.0 - week.discretion)
    organised = p.places_per_organiser_hour * (use["services"] + p.helper_organising_share
                                               * (vol_hours + help_hours))
    places = np.minimum(week.venue, organised)
    activity = np.minimum(1.0, places / (p.activity_saturation_share * adults))
    return CommitteeSignals(
        efficacy=(p.efficacy_base + p.efficacy_coverage * c.coverage + p.efficacy_voice * real
                  + p.efficacy_transparency * p.transparency).astype(f32),
        pull=(p.activity_pull * activity - p.admin_burden * c.admin_share
              + p.publicity_pull * p.publicity).astype(f32),
        places=places, coverage=c.coverage.astype(f32), rooms_short=week.venue < organised,
        trust_target=(p.trust_target_base + p.trust_target_coverage * c.coverage
                      + p.trust_target_transparency * p.transparency + p.trust_target_voice * real
                      - p.trust_target_token * token
                      + p.patrol_trust * p.health_and_safety).astype(f32),
        activity=activity.astype(f32),
        # the need other services left (less the cadre hours joint problems took, ODD §7.7a)
        outreach=np.minimum(np.maximum(week.need - (week.supply - week.joint_hours - duty_hours
                                                    - vol_hours), 0.0),
                            p.volunteer_organising * (use["services"] + help_hours)),
    )


@dataclass
class ResidentTotals:
    """Per-committee real totals the organisations need back."""
    participants: np.ndarray
    volunteer_hours: np.ndarray
    duty_hours: np.ndarray     # public works (patrols, cleaning): counted as service, meet no need
    trust: np.ndarray          # mean trust of adults per committee
    applicants: np.ndarray     # expected residents who wished to take part (not volunteers)


class Residents:
    """Struct of arrays, one row per simulated resident."""

    def __init__(self, state: dict[str, np.ndarray], params, rng):
        for k, v in state.items():
            setattr(self, k, v)
        self.n = self.committee.size
        n_committees = int(self.committee.max()) + 1
        self.starts = np.searchsorted(self.committee, np.arange(n_committees))
        self.per_committee = np.bincount(self.committee, minlength=n_committees)
        assert np.all(np.diff(self.group) >= 0), "rows must be sorted by resident group"
        self.weight = self.represented[self.committee]                 # real residents per row
        self.adult_f = self.adult.astype(f32)
        self.adults_per_committee = np.add.reduceat(self.adult_f, self.starts)
        self.adults_real = np.add.reduceat(self.adult_f * self.weight, self.starts)
        self.age_counts = np.bincount(self.age[self.adult], minlength=len(AGE_BANDS))
        self.low_income_adults = max(1, int(self.low_income.sum()))
        self.n_adults = int(self.adult.sum())
        self.last_part = np.full(self.n, NEVER_WEEK, dtype=np.int32)
        self.volunteer = np.zeros(self.n, bool)
        self.services_year = np.zeros(self.n, np.int16)
        self.satisfaction = np.full(self.n, params.initial_satisfaction, f32)
        self.contacts = contact_network(rng, self.group, self.committee, self.starts,
                                        self.per_committee, params.neighbours_each_side,
                                        params.acquaintance_share)
        # 1 / (how many count each resident as a contact), to turn counts into shares
        self.per_reacher = (1.0 / np.maximum(np.bincount(self.contacts.ravel(), minlength=self.n),
                                             1)).astype(f32)
        self.contact_share = np.zeros(self.n, f32)
        # expected services a week of a row if it volunteers: 1 + E[floor(a U)], a = max x intrinsic
        a = params.max_extra_services * self.intrinsic.astype(float)
        whole = np.floor(a)
        self.expected_services = 1 + whole - whole * (whole + 1) / (2 * np.maximum(a, 1e-12))
        self.duty_share = 0.0
        # seed registered volunteers among the most motivated adults
        motivated = np.where(self.adult, self.intrinsic, -np.inf)
        first = round(params.registered_volunteer_share * self.n)
        self.volunteer[np.argsort(-motivated, kind="stable")[:first]] = True
        self.refresh(params)

    def refresh(self, params) -> None:
        """Recompute what changes only with employment (the yearly 单位人 shift) or levers."""
        cost = np.zeros(self.n, f32)
        for code, c in ((UNIT, params.time_cost_unit), (SOCIAL, params.time_cost_social),
                        (LAID_OFF, params.time_cost_laid_off), (RETIRED, params.time_cost_retired)):
            cost[self.employment == code] = c
        static = (params.participation_bias + params.intrinsic_weight * self.intrinsic
                  + params.party_duty * self.party + params.low_income_tie * self.low_income
                  - params.social_influence * self.threshold - cost)
        self.static = np.where(self.adult, static, NEVER_UTILITY).astype(f32)
        self.certificate_services = params.certificate_services
        unit = self.employment == UNIT
        need = (params.need_elderly * (self.age == SENIOR) + params.need_disabled * self.disabled
                + params.need_low_income * self.low_income
                + params.need_laid_off * (self.employment == LAID_OFF))
        self.need = (need * np.where(unit, 1 - params.unit_covers_need, 1.0)).astype(f32)
        self.is_needy = self.need > 0
        self.needy = np.flatnonzero(self.is_needy)
        self.needy_committee = self.committee[self.needy]
        self.need_per_committee = np.add.reduceat(self.need * self.weight, self.starts)
        self.awareness_decay = np.where(unit, params.unit_awareness_decay,
                                        params.awareness_decay).astype(f32)
        self.duty_bound = np.flatnonzero(self.low_income & ~self.disabled
                                         & ((self.age == YOUNG) | (self.age == MIDDLE_AGED)))

    def unit_shift(self, rng, params) -> None:
        """Yearly: some unit-attached residents become 'society people' (社会人)."""
        unit = np.flatnonzero(self.employment == UNIT)
        self.employment[unit[rng.random(unit.size) < params.unit_to_social_per_year]] = SOCIAL

    def find_work(self, rng, share: float) -> None:
        """Yearly: a `share` of the laid-off find work (they become 社会人) and need less."""
        laid_off = np.flatnonzero(self.employment == LAID_OFF)
        self.employment[laid_off[rng.random(laid_off.size) < share]] = SOCIAL

    def new_year(self) -> None:
        self.services_year[:] = 0

    def step(self, week: int, sig: CommitteeSignals, params, rng) -> ResidentTotals:
        c = self.committee
        # 1. decide: benefit + influence + incentives - cost + logistic noise (Epstein-style)
        # volunteers: the certificate pulls those on track for 100; crowding touches every one
        r = params.volunteer_reward
        x = kernels.utility(self.static, self.trust, self.awareness, self.contact_share,
                            self.starts, sig.efficacy, sig.pull, f32(params.trust_weight),
                            f32(params.awareness_weight), f32(params.social_influence))
        vols = np.flatnonzero(self.volunteer)
        on_track = (self.services_year[vols] >= params.on_track * params.certificate_services
                    * (week % STEPS_PER_YEAR) / STEPS_PER_YEAR)
        x[vols] += (params.volunteer_pull - params.reward_crowding * r
                    + params.reward_extrinsic * r * r * on_track)
        odds_against = np.exp(np.negative(x, out=x), out=x)     # in place: x is not read again
        odds_against += 1
        wants = kernels.takers(rng.random(self.n, dtype=f32), odds_against)
        p_want = 1 / odds_against
        n_c = sig.places.size
        # 2. volunteers serve outside the venues (visits to the elderly and disabled, patrols),
        # as far as the committee can organise them and there is need (ODD §7.6)
        volunteering = wants[self.volunteer[wants]]
        services = 1 + (params.max_extra_services * self.intrinsic[volunteering]
                        * rng.random(volunteering.size)).astype(np.int16)
        # admitted against the hours volunteers are expected to offer (not this week's noisy
        # draw, which would admit fewer the smaller the scale; see step 3)
        offered = np.bincount(c[vols], weights=params.service_hours * self.expected_services[vols]
                              * self.weight[vols] * p_want[vols], minlength=n_c)
        admit_v = np.minimum(1.0, sig.outreach / np.maximum(offered, 1e-9))
        served_v = rng.random(volunteering.size) < admit_v[c[volunteering]]
        serving, services = volunteering[served_v], services[served_v]
        self.services_year[serving] += services
        vol_hours = np.bincount(c[serving], weights=params.service_hours * services
                                * self.weight[serving],
                                minlength=n_c)
        # 3. the others: admit each applicant with probability places / expected applicants.
        # The expected number, not this week's draw: a row stands for 1/scale residents, and
        # min(1, places / a noisy count) would admit fewer the smaller the scale (Jensen)
        others = wants[~self.volunteer[wants]]
        p_want[vols] = 0
        applicants = np.add.reduceat(p_want, self.starts) * self.represented
        admit = np.minimum(1.0, sig.places / np.maximum(applicants, 1e-9))
        took = np.concatenate([others[rng.random(others.size) < admit[c[others]]], serving])
        self.last_part[took] = week
        participants = np.bincount(c[took], weights=self.weight[took], minlength=n_c)
        duty = self.duty_bound
        duty_hours = np.bincount(c[duty], weights=self.weight[duty], minlength=sig.places.size) * (
            params.welfare_volunteer_days * params.duty_hours_per_day * params.duty_compliance
            * MONTHS_PER_YEAR / STEPS_PER_YEAR)
        total_duty, total_vol = duty_hours.sum(), vol_hours.sum()
        self.duty_share = total_duty / max(total_duty + total_vol, 1e-9)
        recruits = took[~self.volunteer[took]]
        p_join = (params.register_per_week * self.intrinsic[recruits] * (1 + r)
                  * (1 - params.duty_label_penalty * self.duty_share))   # duty: welfare work
        self.volunteer[recruits[rng.random(recruits.size) < p_join]] = True
        self.volunteer[vols[rng.random(vols.size) < params.dropout_per_week]] = False
        # 4. slow state: trust, awareness, satisfaction; and what each resident hears: the
        # share of those who count them as a contact and took part in the month (influence
        # flows from participants along their contacts)
        self.recent = kernels.heard_from_recent(week, WINDOW_WEEKS, self.last_part,
                                                self.contacts, self.per_reacher,
                                                self.contact_share)
        neutral = params.experience_neutral
        kernels.slow_state(
            week=week, starts=self.starts, needy=self.needy, is_needy=self.is_needy,
            needy_committee=self.needy_committee, needy_draw=rng.random(self.needy.size),
            took=took, took_committee=c[took], last_part=self.last_part,
            trust_target=sig.trust_target, efficacy=sig.efficacy, activity=sig.activity,
            coverage=sig.coverage, trust=self.trust, awareness=self.awareness,
            satisfaction=self.satisfaction, adult_f=self.adult_f,
            awareness_decay=self.awareness_decay, served_shift=params.served_trust_shift,
            neutral=neutral, neutral32=f32(neutral),
            part_shift32=f32(params.taking_part_trust_shift),
            trust_rate32=f32(params.trust_rate),
            activity_gain32=f32(params.awareness_gain_activity),
            publicity_gain32=f32(params.publicity_awareness_gain * params.publicity),
            part_gain32=f32(params.awareness_gain_part),
            satisfaction_rate32=f32(params.satisfaction_rate))
        return ResidentTotals(
            participants=participants, volunteer_hours=vol_hours, duty_hours=duty_hours,
            trust=np.add.reduceat(self.trust * self.adult_f, self.starts)
            / np.maximum(self.adults_per_committee, 1),
            applicants=applicants,
        )

    def indicators(self) -> dict[str, float]:
        recent = self.recent
        by_age = (np.bincount(self.age[recent], minlength=len(AGE_BANDS))
                  / np.maximum(self.age_counts, 1))
        adults = self.n_adults
        vols = np.count_nonzero(self.volunteer)
        return {
            "participation_rate": recent.size / adults,
            "participation_18_35": by_age[YOUNG], "participation_36_59": by_age[MIDDLE_AGED],
            "participation_60_plus": by_age[SENIOR],
            "participation_low_income": self.low_income[recent].sum() / self.low_income_adults,
            "volunteer_rate": vols / self.n,
            "volunteer_100_share": np.count_nonzero(
                (self.services_year >= self.certificate_services) & self.volunteer)
            / max(vols, 1),
            "trust": float(self.trust @ self.adult_f) / adults,
            "awareness": float(self.awareness @ self.adult_f) / adults,
            "satisfaction": float(self.satisfaction @ self.adult_f) / adults,
        }
