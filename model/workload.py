"""Committees' week: tasks in, cadre hours allocated, backlog carried (ODD §7.1-7.3).

Vectorised over the 63 committees. Each committee's team of cadres weighs accountability
against residents' demand and its own motivation (street-level practice, Lipsky 1980): inspected
work first within the administrative hours (surface work, 应付), deferral of the rest.
"""

from __future__ import annotations

import numpy as np



def admit_tasks(rng, pushed: np.ndarray, repushed: np.ndarray, inspected: np.ndarray,
                service: np.ndarray, p) -> dict[str, np.ndarray]:
    """Admission filter (政事分离) and funding (费随事转) thin each department's arrivals
    (`pushed`: departments x committees); each department's inspected share marks its visible
    tasks. A refused task goes back to its department (ODD §7.1): the department does some with
    its own staff, pushes some again next week through another channel, past the filter
    (推诿), and leaves the rest undone, which its inspection counts as failed. Last week's
    `repushed` arrive admitted. `service` is each department's share of service tasks
    (四进社区): their worth to residents, in need hours, travels with the counts in expectation.

    Per-committee totals, and the departments' own counts as `by_department`; `pushed` counts
    every arrival before the filter, re-pushes included (the government's demand in H, ODD
    §4.10); `repushed` is the matrix that arrives next week."""
    admitted = rng.binomial(pushed, 1.0 - p.task_admission)
    if p.task_admission > 0:
        refused = pushed - admitted
        absorbed = rng.binomial(refused, p.department_absorb_share)
        again = rng.binomial(refused - absorbed, p.repush_share)
        undone = refused - absorbed - again
    else:                                       # nothing refused: no draws, the stream as before
        absorbed = again = undone = np.zeros_like(pushed)
    admitted = admitted + repushed
    funded = rng.binomial(admitted, p.funding_follows_tasks)
    unfunded = admitted - funded
    share = inspected[:, None]
    seen_unfunded, seen_funded = rng.binomial(unfunded, share), rng.binomial(funded, share)
    visible = seen_unfunded + p.funded_cadre_share * seen_funded
    cadre = unfunded + p.funded_cadre_share * funded          # tasks' worth of cadre work
    s = service[:, None]
    cadre_total = cadre.sum(axis=0)
    return dict(
        pushed=(pushed + repushed).sum(axis=0), admitted=admitted.sum(axis=0),
        funded=funded.sum(axis=0), unfunded=unfunded.sum(axis=0), visible=visible.sum(axis=0),
        repushed_in=repushed.sum(axis=0), repushed=again,
        # need hours met by departments' own staff (absorbed) and by funded outside help
        department_service=(s * absorbed).sum(axis=0) * p.task_hours,
        help_service=(s * funded).sum(axis=0) * (1.0 - p.funded_cadre_share) * p.task_hours,
        # the service share of this week's cadre task work (its worth, if done)
        service_share=(s * cadre).sum(axis=0) / np.maximum(cadre_total, 1e-9),
        by_department=dict(cadre=cadre, invisible=cadre - visible, undone=undone.sum(axis=1)),
    )


def township_tasks(rng, tasks: dict, directing: np.ndarray, size_factor: np.ndarray,
                   p) -> None:
    """The townships' own tasks (越位, ODD §7.1a) join this week's `tasks` (admit_tasks): each
    committee gets Poisson(`township_tasks_per_week` x its township's `directing` share x size
    factor); the admission filter (政事分离) thins them as it thins the departments'. They are
    inspected (the township checks its own), unfunded and meet no residents' need; no
    department answers for them (surface work found on them included), but those that expire
    in the committee's one backlog count among the departments' failures as any expired backlog
    does (department_failure)."""
    arrived = rng.poisson(p.township_tasks_per_week * directing * size_factor)
    admitted = rng.binomial(arrived, 1.0 - p.task_admission)
    cadre = tasks["unfunded"] + p.funded_cadre_share * tasks["funded"]
    tasks["service_share"] = tasks["service_share"] * cadre / np.maximum(cadre + admitted, 1e-9)
    for key in ("unfunded", "visible", "admitted"):
        tasks[key] = tasks[key] + admitted
    tasks["pushed"] = tasks["pushed"] + arrived
    tasks["township_visible"] = admitted


def department_failure(tasks: dict, expired: np.ndarray, task_hours: np.ndarray,
                       standard_task_hours: float, found: np.ndarray | None = None) -> np.ndarray:
    """What each department's inspection finds: hours of its tasks that failed this week (those
    that expired in committees' backlogs and the refused ones it left undone) over the hours of
    its tasks that arrived and that it left undone. A committee's expired backlog is invisible
    work, shared among departments by their part of this week's invisible tasks there; surface
    work `found` out (ODD §7.3a) is inspected work, shared by the week's visible tasks, of which
    the townships' own (ODD §7.1a) fall on no department."""
    d = tasks["by_department"]
    invisible = d["invisible"]
    share = invisible / np.maximum(invisible.sum(axis=0), 1e-9)
    due = (d["cadre"] * task_hours).sum(axis=1)
    undone = d["undone"] * standard_task_hours
    failed = (share * expired).sum(axis=1)
    if found is not None:
        visible = d["cadre"] - invisible
        shown = visible.sum(axis=0) + tasks.get("township_visible", 0.0)
        failed = failed + (visible / np.maximum(shown, 1e-9) * found).sum(axis=1)
    return (failed + undone) / np.maximum(due + undone, 1e-9)


def allocate(c, hours: np.ndarray, skill_factor: np.ndarray, initiative: np.ndarray,
             accountability: np.ndarray, tasks: dict, fixed_visible: np.ndarray,
             meetings: np.ndarray, p, chosen: tuple | None = None) -> dict[str, np.ndarray]:
    """The team of cadres decides how to spend its week, and carries the rest as backlog.

    Meetings and an own enterprise come first (attendance is required). Of the hours left the
    team gives residents the share s = m / (m + a) it is moved to give them, and the rest to
    administration (ODD §7.3):

    - m = `service_motivation` x leadership x initiative x unmet need (last week's 1 -
      coverage): what pulls cadres to residents (the director's drive, the team's own
      motivation, and residents queuing at the door);
    - a = `accountability_weight` x accountability (departments' blame pressure and the
      county's inspections): what they answer for.

    Administrative hours go first to what is inspected (surface work, 应付: visible tasks,
    inspection preparation, reports), then to the backlog; what is not reached is deferred and
    expires after `deadline_weeks` on average. Hours the administration does not need go to
    residents; services beyond the need are not given (rationing works both ways). `hours` are
    cadre hours per committee; task counts become hours with the team's skill. Returns hours by
    use; updates c.backlog_hours in place.

    With cadres who choose (ODD §7.3a), `chosen` is each committee's (share of hours for
    residents, share of inspected work made only to look done) from its cadres' choices: the
    first replaces s, and surface work covers inspected work at `surface_effort` hours an hour
    but meets no need.
    """
    th = p.task_hours / skill_factor
    task_hours_cadre = (tasks["unfunded"] + p.funded_cadre_share * tasks["funded"]) * th
    visible = tasks["visible"] * th + fixed_visible
    c.backlog_hours += np.maximum(task_hours_cadre - tasks["visible"] * th, 0.0)

    m = np.minimum(hours, meetings)
    left = hours - m
    e = np.minimum(left, p.enterprise_hours * (c.enterprises > 0)
                   + p.paid_service_hours * p.paid_services)
    left -= e
    if chosen is None:
        motive = p.service_motivation * c.leadership * initiative * (1.0 - c.coverage)
        pull = p.accountability_weight * accountability
        service_share = motive / np.maximum(motive + pull, 1e-9)
        sham_share = 0.0
    else:
        service_share, sham_share = chosen
    admin_budget = left * (1.0 - service_share)
    # hours an hour of inspected work takes (1 without surface work: the rule's own arithmetic)
    effort = (1.0 - sham_share) + sham_share * p.surface_effort
    covered = np.minimum(admin_budget / effort, visible)       # inspected work that passes
    v = covered * effort
    sham = covered * sham_share                                  # ... only made to look done
    backlog_work = np.minimum(admin_budget - v, c.backlog_hours)
    services = left - v - backlog_work
    logistics = services * p.rent_logistics_share * c.renting
    services -= logistics

    c.backlog_hours += visible - covered - backlog_work
    expired = c.backlog_hours / p.deadline_weeks
    c.backlog_hours -= expired
    admin = v + m + backlog_work + logistics
    # administrative work that is service (四进社区): the task part of the hours worked (this
    # week's arrivals: tasks against inspections, reports, receptions and passed work), times
    # the tasks' service share, in need hours (a task meets the need its standard hours do)
    tasks_part = task_hours_cadre / np.maximum(task_hours_cadre + fixed_visible, 1e-9)
    task_service = (tasks["service_share"] * tasks_part * (covered - sham + backlog_work)
                    * skill_factor)
    return dict(admin=admin, meetings=m, services=services, enterprise=e, expired=expired,
                surface=v, covered=covered, sham=sham, service_share=service_share,
                demand=visible + meetings + c.backlog_hours, task_service=task_service)


def joint_problems(rng, size_factor: np.ndarray, service_share: np.ndarray,
                   cadre_services: np.ndarray, pressure: np.ndarray, weight: np.ndarray,
                   p) -> dict[str, np.ndarray]:
    """Problems that need a department's authority and the committee's legwork (ODD §7.7a):
    those the separation lists give an owner are its duty; each unlisted one the committee
    takes up as it weighs residents against what it answers for (`service_share`, the share of
    its hours it gives residents this week) and passes the rest to the departments, which take
    one up by goodwill divided by their blame pressure (`weight`: their shares of the push). The
    committee's part takes the cadres' `cadre_services` hours, as far as they go; what no one
    handles (两不管) stays residents' unmet need. Per committee, in hours: the problems' `need`,
    what was `handled`, and the `committee_hours` it took."""
    h = p.joint_problem_hours
    arrived = rng.poisson(p.joint_problems_per_week * size_factor)
    listed = rng.binomial(arrived, p.responsibility_lists)
    to_department = rng.binomial(listed, p.listed_department_share)
    unlisted = arrived - listed
    taken = rng.binomial(unlisted, np.clip(service_share, 0.0, 1.0))
    # the weights sum to 1 up to rounding, which could lift a chance of 1 just above it
    goodwill = min(p.department_goodwill * float(weight @ (1.0 / pressure)), 1.0)
    by_department = rng.binomial(unlisted - taken, goodwill)
    committee_hours = np.minimum((listed - to_department + taken) * h,
                                 np.maximum(cadre_services, 0.0))
    return dict(need=arrived * h, committee_hours=committee_hours,
                handled=committee_hours + (to_department + by_department) * h)


def campaign(c, week_offset_hours: np.ndarray, p) -> None:
    """A burden-reduction campaign: cut the backlog once, add reporting work for a month."""
    c.backlog_hours *= 1.0 - p.campaign_cut_share
    week_offset_hours[:] += p.campaign_reporting_hours / p.reporting_weeks


def staff_hours(c, p) -> tuple[np.ndarray, np.ndarray]:
    """Stationed staff (驻社区人员): work they pass to cadres, and service they give residents.

    With authority over them (权随责走) staff do their own department's work and some services;
    without it they pass the work to the committee (推诿).
    """
    work = p.staff_work_hours * c.size_factor
    a = p.authority_over_staff
    return work * (1.0 - a), work * a * p.staff_service_share
