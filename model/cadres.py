"""Cadres' week: hours, exhaustion, morale, skill, dependence, turnover (ODD §7.4).

Job demands-resources (Demerouti et al. 2001; Bakker & Demerouti 2007): exhaustion rises with
demand above capacity and recovers below it, buffered by resources (pay, skill). Quit hazard
h = (h0 + beta*E + graduates' outside option) x (reference pay / pay)^eta: the spec's rising in
exhaustion and falling in pay (spec §4), continuous over the lever's whole range; plus
retirement at 60. Pay also sets who applies: graduates join an open competition when the pay
meets their reservation wage.

With `cadres_choose` (ODD §7.3a) each cadre also chooses: their hours for residents, how much
inspected work to make only look done (表面文章), and whether to take an outside chance to leave
(in place of the hazard); checks find surface work and teach cadres how likely a check is.
"""

from __future__ import annotations

import math

import numpy as np

from .calendar import STEPS_PER_YEAR

from .params import lever_share


def pay_term(p) -> float:
    """Pay as a resource, 0-1: pay / (pay + reference), 0.5 at the reference wage; it rises
    over the lever's whole range (0.29 at 200, 0.75 at 1,500 yuan/month)."""
    return p.cadre_pay / (p.cadre_pay + p.reference_pay)


def policy_autonomy(p) -> float:
    """How much room the levers leave the committee to govern itself, 0-1."""
    parts = (lever_share(p, "task_admission"), p.authority_over_staff, p.deliberation)
    return sum(parts) / len(parts)


def detection_chance(p) -> float:
    """The chance a week that a cadre's surface work is looked into (ODD §7.3a): inspections (at
    their number relative to the reference 26), open affairs and residents' supervision, each
    a weekly hazard."""
    rate = (p.detection_inspection * p.inspections_per_year / p.reference_inspections
            + p.detection_transparency * p.transparency
            + p.detection_supervision * p.deliberation)
    return 1.0 - math.exp(-rate)


def draw_motivation(rng, n: int, p) -> np.ndarray:
    """Cadres' public-service motivation relative to the mean (a type, drawn at hiring):
    N(1, psm_spread), held within 0-2 so that it stays positive and its mean stays 1."""
    return np.clip(rng.normal(1.0, p.psm_spread, n), 0.0, 2.0)


def team_mean(s, values: np.ndarray, n: int) -> np.ndarray:
    """Each committee's mean of a cadre value over its seated cadres (0 where none sits)."""
    seated = ~s.vacant
    count = np.bincount(s.committee, weights=seated, minlength=n)
    total = np.bincount(s.committee, weights=values * seated, minlength=n)
    return total / np.maximum(count, 1)


def choose(s, leadership: np.ndarray, unmet: np.ndarray, accountability: np.ndarray,
           taking_part: np.ndarray, p) -> tuple[np.ndarray, np.ndarray]:
    """Each cadre's two choices of the week (ODD §7.3a), on what they know at its start.

    - `service`: the share of their free hours given to residents, (m_i + r_c) / (m_i + r_c +
      a_c) (Luce's rule, a logit on log attractions): their own motive m_i and their residents'
      voice r_c against what their committee answers for upward a_c. m_i is the team rule's
      motive of §7.3 with their own motivation and dependence; r_c is `voice_weight` x
      deliberation (the councils, 三位一体) x the committee's share of adults who took part last
      week x unmet need: residents who take part carry their unmet need to the councils.
    - `sham`: the share of the inspected work they take on that they make only look done, a
      logit of the effort it saves (more when exhausted), the pay at risk times their belief of
      being looked into, their motivation, and their colleagues' surface share last week.
    Vacant seats' values are computed but never used."""
    c = s.committee
    motive = p.service_motivation * leadership[c] * s.motivation * (1.0 - s.dependence) * unmet[c]
    voice = p.voice_weight * p.deliberation * taking_part[c] * unmet[c]
    pull = p.accountability_weight * accountability[c]
    service = (motive + voice) / np.maximum(motive + voice + pull, 1e-9)
    saving = (1.0 - p.surface_effort) * (1.0 + p.exhaustion_effort_cost * s.exhaustion)
    risk = p.surface_penalty * p.cadre_pay / p.reference_pay * s.belief
    peers = team_mean(s, s.sham, leadership.size)[c]
    u = (p.surface_bias + saving - risk - p.integrity_weight * (s.motivation - 1.0)
         + p.surface_conformity * peers)
    return service, 1.0 / (1.0 + np.exp(-u))


def look_into(s, sham_part: np.ndarray, sham_hours: np.ndarray, rng, p) -> np.ndarray:
    """This week's checks (ODD §7.3a): each seat is looked into with the detection chance; a
    seated cadre found out loses morale by the share of their inspected work that was surface,
    and every seated cadre's belief moves toward what happened to them. `sham_part` is each
    cadre's part of their committee's surface work (`sham_hours`). Returns the hours of surface
    work found, per committee (failures the departments' inspections count, §7.1)."""
    seated = ~s.vacant
    checked = (rng.random(s.age.size) < detection_chance(p)) & seated
    s.morale -= p.surface_morale_penalty * s.sham * checked
    np.clip(s.morale, 0.0, 1.0, out=s.morale)
    s.belief += p.detection_learning * (checked - s.belief) * seated
    found = sham_hours[s.committee] * sham_part * checked
    return np.bincount(s.committee, weights=found, minlength=sham_hours.size)


def work_hours(s, load: np.ndarray, p) -> np.ndarray:
    """Hours each seated cadre works this week: overtime grows with last week's load."""
    keen = (1.0 - p.overtime_morale_weight) + p.overtime_morale_weight * s.morale
    over = p.overtime_max * np.clip(load[s.committee] - 1.0, 0.0, 1.0) * keen
    s.hours = np.where(s.vacant, 0.0, p.standard_week + over)
    return s.hours


def update(s, load: np.ndarray, team_hours: np.ndarray, autonomy_c: np.ndarray, p) -> None:
    """Exhaustion, morale, skill and dependence of seated cadres, one week. Each cadre's
    demand is the team's load in proportion to the hours they themselves worked: the keen
    cadre who stays late carries more of it and burns out sooner than the one who leaves.
    `team_hours` is each committee's mean hours a seated cadre worked this week."""
    own_share = s.hours / np.maximum(team_hours, 1e-9)[s.committee]
    demand = load[s.committee] * own_share
    resources = (p.resources_pay_weight * pay_term(p)
                 + (1.0 - p.resources_pay_weight) * s.skill)
    rise = p.exhaustion_rise * np.maximum(demand - 1.0, 0.0) * (1.0 - p.resource_buffer * resources)
    recover = p.exhaustion_recovery * (1.0 + p.recovery_slack_gain
                                         * np.maximum(1.0 - demand, 0.0))
    s.exhaustion += rise * (1.0 - s.exhaustion) - recover * s.exhaustion
    # a week is one explicit step of the rise and recovery: when both rates add up to more than
    # one a week (heavy push and a steep rise), the step would overshoot 1 and swing below 0;
    # exhaustion is a 0-1 share, so the step stops at its bounds (a no-op otherwise)
    np.clip(s.exhaustion, 0.0, 1.0, out=s.exhaustion)
    training = p.training_hours_per_year / p.training_reference_hours
    morale_target = np.clip(p.morale_base + p.morale_pay * pay_term(p)
                            + p.morale_autonomy * autonomy_c[s.committee]
                            + p.morale_training * training - p.morale_exhaustion * s.exhaustion,
                            0.0, 1.0)
    s.morale += p.morale_rate * (morale_target - s.morale)
    gain = (p.experience_per_year + p.training_gain * training
            + p.rotation_skill_per_year * p.cadre_rotation_reserve) / STEPS_PER_YEAR
    s.skill += gain * (1.0 - s.skill)
    dep_target = np.clip(p.dependence_target_base - p.dependence_policy * policy_autonomy(p)
                         - p.dependence_training * training
                         - p.dependence_schooling * s.educated
                         - p.rotation_dependence * p.cadre_rotation_reserve, 0.0, 1.0)
    s.dependence += p.dependence_rate * (dep_target - s.dependence)
    s.age += 1.0 / STEPS_PER_YEAR
    s.tenure += 1.0 / STEPS_PER_YEAR


def quit_chance(s, p) -> np.ndarray:
    """Each cadre's chance of leaving this week, retirement aside. The rule: a yearly hazard
    rising with exhaustion and schooling and falling with pay (ODD §7.4). Cadres who choose
    (§7.3a): outside chances arrive at `outside_offer_rate` a year, and each is taken with a
    logit of the outside pay over theirs (a way up adds to a graduate's), exhaustion and morale."""
    if not p.cadres_choose:
        promoted = 1.0 - p.promotion_retention * p.cadre_rotation_reserve   # a way up keeps graduates
        hazard = ((p.quit_base + p.quit_exhaustion * s.exhaustion
                   + p.quit_educated * promoted * s.educated)
                  * (p.reference_pay / p.cadre_pay) ** p.pay_quit_elasticity)
        return hazard / STEPS_PER_YEAR
    outside = np.where(s.educated, p.graduate_reservation_pay, p.local_outside_pay)
    inside = p.cadre_pay * (1.0 + p.promotion_retention * p.cadre_rotation_reserve * s.educated)
    u = (p.quit_bias + p.quit_pay_weight * np.log(outside / inside)
         + p.quit_exhaustion_weight * s.exhaustion - p.quit_morale_weight * s.morale)
    return p.outside_offer_rate / STEPS_PER_YEAR / (1.0 + np.exp(-u))


def turnover(s, rng, p) -> tuple[np.ndarray, np.ndarray]:
    """Quits and retirements this week; vacancies filled after a search. Returns (left, hired)."""
    quits = ~s.vacant & ((rng.random(s.age.size) < quit_chance(s, p))
                         | (s.age >= p.retirement_age))
    s.vacant |= quits
    search_weeks = p.vacancy_weeks * (1.0 - p.reserve_vacancy_cut * p.cadre_rotation_reserve)
    filled = s.vacant & ~quits & (rng.random(s.age.size) < 1.0 / search_weeks)
    hired = np.flatnonzero(filled)
    for i in hired:
        hire(s, i, rng, p)
    return np.flatnonzero(quits), hired


def hire(s, i: int, rng, p) -> None:
    """Fill seat i by the recruitment mode in force (聘转选 share competitive); an open
    competition finds a young graduate when the pay draws one to apply."""
    competitive = rng.random() < p.competitive_recruitment
    graduate = competitive and rng.random() < p.cadre_pay / (p.cadre_pay
                                                              + p.graduate_reservation_pay)
    if graduate:      # a young graduate from an open competition (聘转选)
        s.age[i] = float(rng.uniform(p.graduate_age_min, p.graduate_age_max))
        s.educated[i] = bool(rng.random() < p.graduate_educated_share)
    else:             # a local candidate of the usual kind
        s.age[i] = float(rng.uniform(p.local_age_min, p.local_age_max))
        s.educated[i] = bool(rng.random() < p.local_educated_share)
    s.skill[i] = p.skill_base + p.skill_educated * s.educated[i] + p.skill_spread * rng.random()
    s.exhaustion[i] = p.hire_exhaustion
    s.morale[i] = p.hire_morale
    s.dependence[i] = p.dependence_base - p.dependence_educated * s.educated[i]
    s.tenure[i] = 0.0
    s.vacant[i] = False
    if p.cadres_choose:   # a type, and what the colleagues say of the checks (drawn only then)
        s.motivation[i] = draw_motivation(rng, 1, p)[0]
        team = (s.committee == s.committee[i]) & ~s.vacant
        team[i] = False
        s.belief[i] = s.belief[team].mean() if team.any() else detection_chance(p)
        s.sham[i] = 0.0
