"""Cadres who choose (ODD §7.3a): each choice moves the way its reason says, and each has a
setting under which that movement is gone, so none of them is built into the outcome."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from juwei.model import CountyModel, Parameters, run
from juwei.model import cadres, workload
from juwei.studies.validate import without_spreads

CHOOSE = Parameters(cadres_choose=1)


def seats(n: int = 2, **values) -> SimpleNamespace:
    """`n` seated cadres of committee 0, alike but for `values` (arrays or scalars)."""
    base = dict(committee=np.zeros(n, int), motivation=np.ones(n), dependence=np.full(n, 0.5),
                exhaustion=np.full(n, 0.5), belief=np.full(n, 0.05), sham=np.zeros(n),
                vacant=np.zeros(n, bool), age=np.full(n, 40.0))
    base.update({k: np.broadcast_to(np.asarray(v, float), n).copy() for k, v in values.items()})
    return SimpleNamespace(**base)


def choices(s, p=CHOOSE, unmet=0.5, accountability=1.0, taking_part=0.1):
    return cadres.choose(s, np.ones(1), np.full(1, unmet), np.full(1, accountability),
                         np.full(1, taking_part), p)


@pytest.mark.parametrize("varied, values, moves, absent", [
    # exhaustion makes real work heavier: more surface work, unless it costs no extra effort
    ("exhaustion", [0.1, 0.9], +1, dict(exhaustion_effort_cost=0.0)),
    # the belief of a check deters, unless being found costs nothing
    ("belief", [0.01, 0.2], -1, dict(surface_penalty=0.0)),
    # motivation keeps a cadre from work that helps no one, unless it weighs nothing
    ("motivation", [0.7, 1.3], -1, dict(integrity_weight=0.0)),
])
def test_surface_work_follows_its_reasons(varied, values, moves, absent):
    _, sham = choices(seats(**{varied: values}))
    assert np.sign(sham[1] - sham[0]) == moves and abs(sham[1] - sham[0]) > 0.01
    _, sham = choices(seats(**{varied: values}), dataclasses.replace(CHOOSE, **absent))
    assert sham[1] == pytest.approx(sham[0], abs=1e-12)


def test_pay_at_risk_deters_only_where_a_check_is_expected():
    low, high = (dataclasses.replace(CHOOSE, cadre_pay=pay) for pay in (300.0, 1500.0))
    assert choices(seats(), high)[1][0] < choices(seats(), low)[1][0] - 0.01
    unseen = seats(belief=0.0)
    assert choices(unseen, high)[1][0] == choices(unseen, low)[1][0]


def test_colleagues_surface_work_pulls_only_with_a_norm():
    shirking_team = seats(sham=[0.0, 0.8])
    honest_team = seats(sham=[0.0, 0.0])
    assert choices(shirking_team)[1][0] > choices(honest_team)[1][0] + 0.01
    alone = dataclasses.replace(CHOOSE, surface_conformity=0.0)
    assert choices(shirking_team, alone)[1][0] == choices(honest_team, alone)[1][0]


def test_a_motivated_cadre_gives_residents_more_hours_while_need_is_unmet():
    service, _ = choices(seats(motivation=[0.8, 1.2]))
    assert service[1] > service[0]
    service, _ = choices(seats(motivation=[0.8, 1.2]), unmet=0.0)
    assert service[1] == service[0] == 0.0


def test_surface_work_found_counts_as_failure_of_the_departments_with_visible_tasks():
    cadre = np.array([[4.0, 2.0], [4.0, 2.0]])          # 2 departments x 2 committees
    invisible = np.array([[4.0, 2.0], [0.0, 0.0]])      # department 0's tasks are all invisible
    tasks = {"by_department": dict(cadre=cadre, invisible=invisible, undone=np.zeros(2))}
    args = (tasks, np.zeros(2), np.ones(2), 1.0)
    before = workload.department_failure(*args)
    after = workload.department_failure(*args, found=np.array([3.0, 0.0]))
    assert after[0] == before[0] and after[1] > before[1]


def test_beliefs_learn_the_chance_of_a_check_and_follow_it_when_it_changes():
    p = dataclasses.replace(CHOOSE, scale=0.05, years=6, burn_in_years=0)
    m = CountyModel(p, seed=3)
    for _ in range(3 * 52):
        m.step()
    seated = ~m.cadres.vacant
    assert m.cadres.belief[seated].mean() == pytest.approx(cadres.detection_chance(p), abs=0.02)
    open_county = dataclasses.replace(p, transparency=1.0, deliberation=1.0)
    m.set_params(open_county)
    for _ in range(3 * 52):
        m.step()
    seated = ~m.cadres.vacant
    chance = cadres.detection_chance(open_county)
    assert chance > 0.1 and m.cadres.belief[seated].mean() == pytest.approx(chance, abs=0.03)


def test_beliefs_do_not_move_without_learning():
    p = dataclasses.replace(CHOOSE, scale=0.02, years=1, burn_in_years=0,
                            detection_learning=0.0, transparency=1.0)
    m = CountyModel(p, seed=3)
    start = m.cadres.belief.copy()
    for _ in range(20):
        m.step()
    assert np.array_equal(m.cadres.belief, start)


def county(seed: int, **values) -> dict:
    return run(Parameters(scale=0.05, years=2, burn_in_years=3, **values), seed).summary


def test_checks_lower_surface_work_only_when_being_found_costs_something():
    """Open affairs and residents' supervision (三公开, 三位一体) raise the chance of a check;
    with the pay and morale at risk that lowers the county's sham share in every seed; where
    being found costs the cadre nothing it does not (the departments' blame alone moves it
    little, either way)."""
    supervised = dict(cadres_choose=1, transparency=0.9, deliberation=0.9)
    free = dict(surface_penalty=0.0, surface_morale_penalty=0.0)
    cut = [county(seed, cadres_choose=1)["sham_share"] - county(seed, **supervised)["sham_share"]
           for seed in (1, 2, 3)]
    assert min(cut) > 0.02, cut
    gap = [county(seed, cadres_choose=1, **free)["sham_share"]
           - county(seed, **supervised, **free)["sham_share"] for seed in (1, 2, 3)]
    assert np.mean(gap) < 0.25 * np.mean(cut), (cut, gap)


def test_residents_voice_pulls_hours_to_them_only_through_councils():
    """Residents who take part carry their unmet need to the councils (choice 1): the more take
    part, the more hours cadres give residents; without councils (deliberation 0) or without
    weight on their voice, taking part moves none."""
    councils = dataclasses.replace(CHOOSE, deliberation=1.0)
    quiet, loud = (choices(seats(), councils, taking_part=t)[0][0] for t in (0.02, 0.2))
    assert loud > quiet + 0.01
    for absent in (dict(deliberation=0.0), dict(voice_weight=0.0)):
        p = dataclasses.replace(councils, **absent)
        assert (choices(seats(), p, taking_part=0.2)[0][0]
                == choices(seats(), p, taking_part=0.02)[0][0])


def test_strong_councils_turn_committees_to_residents_only_when_their_voice_weighs():
    """At full deliberation a heavy voice lowers the county's admin share and its unmet need in
    every seed; with no councils the voice's weight changes nothing, bit for bit."""
    heard = dict(cadres_choose=1, deliberation=1.0)
    for seed in (1, 2, 3):
        loud, mute = county(seed, **heard, voice_weight=20.0), county(seed, **heard, voice_weight=0.0)
        assert loud["admin_share"] < mute["admin_share"] - 0.005, (seed, loud, mute)
        assert loud["unmet_need"] < mute["unmet_need"], (seed, loud, mute)
    p = Parameters(scale=0.02, years=1, burn_in_years=0, cadres_choose=1, deliberation=0.0)
    a, b = run(p, 5), run(dataclasses.replace(p, voice_weight=20.0), 5)
    assert all(np.array_equal(a.series[k], b.series[k], equal_nan=True) for k in a.series)


def test_the_rule_reads_none_of_the_choices_constants_and_keeps_its_draws():
    """Switched off, the choosing cadres' constants change nothing, bit for bit."""
    p = Parameters(scale=0.02, years=1, burn_in_years=0)
    moved = dataclasses.replace(p, surface_bias=1.0, psm_spread=0.5, detection_supervision=0.5,
                                surface_morale_penalty=0.9)
    a, b = run(p, 5), run(moved, 5)
    assert all(np.array_equal(a.series[k], b.series[k], equal_nan=True) for k in a.series)
    assert (a.series["sham_share"][~np.isnan(a.series["sham_share"])] == 0).all()


def test_choosing_cadres_are_reproducible_and_some_shirk_more_than_most():
    p = dataclasses.replace(CHOOSE, scale=0.05, years=2, burn_in_years=0)
    a = run(p, 8)
    assert 0.0 < a.summary["sham_share"] < 0.5
    assert np.array_equal(a.series["htc_index"], run(p, 8).series["htc_index"])
    m = CountyModel(p, seed=8)
    for _ in range(52):
        m.step()
    seated = ~m.cadres.vacant
    sham, motivation = m.cadres.sham[seated], m.cadres.motivation[seated]
    assert ((sham >= 0) & (sham < 1)).all() and (motivation > 0).all()
    assert np.quantile(sham, 0.9) > 2 * np.median(sham)     # a tail, not one share for all


def test_choices_alone_spread_the_committees_admin_share():
    """With every drawn spread at 0 (validate's arm) the team rule leaves committees nearly
    alike; cadres who differ in motivation, exhaustion and belief, in teams with their own
    norm, do not (ODD §4.8)."""
    sd = {}
    for on in (0, 1):
        flat = without_spreads(Parameters(scale=0.05, years=2, burn_in_years=3,
                                          cadres_choose=on))
        sd[on] = np.array([run(flat, seed).summary["admin_share_sd"] for seed in (1, 2, 3)])
    assert (sd[1] > sd[0]).all() and sd[1].mean() > 1.1 * sd[0].mean(), sd   # same counties


def leavers(p=CHOOSE, **values):
    s = seats(2, **{"educated": 0.0, "morale": 0.5, **values})
    s.educated = s.educated.astype(bool)
    return cadres.quit_chance(s, p)


@pytest.mark.parametrize("varied, values, moves, absent", [
    ("exhaustion", [0.1, 0.9], +1, dict(quit_exhaustion_weight=0.0)),   # burnout pushes out
    ("morale", [0.2, 0.8], -1, dict(quit_morale_weight=0.0)),           # morale holds
    ("educated", [0.0, 1.0], +1, dict(quit_pay_weight=0.0)),           # a graduate earns more
])
def test_leaving_follows_its_reasons(varied, values, moves, absent):
    chance = leavers(**{varied: values})
    assert np.sign(chance[1] - chance[0]) == moves and abs(chance[1] / chance[0] - 1) > 0.1
    chance = leavers(dataclasses.replace(CHOOSE, **absent), **{varied: values})
    assert chance[1] == pytest.approx(chance[0], rel=1e-12)


def test_pay_keeps_cadres_who_choose_and_a_way_up_keeps_graduates():
    low, high = (dataclasses.replace(CHOOSE, cadre_pay=pay) for pay in (300.0, 1500.0))
    assert leavers(high)[0] < 0.5 * leavers(low)[0]
    graduate = dict(educated=1.0)
    pool = dataclasses.replace(CHOOSE, cadre_rotation_reserve=1.0)
    assert leavers(pool, **graduate)[0] < leavers(CHOOSE, **graduate)[0]
    assert leavers(pool)[0] == leavers(CHOOSE)[0]          # no way up for the unschooled
    no_offers = dataclasses.replace(CHOOSE, outside_offer_rate=0.0)
    assert not leavers(no_offers).any()                    # without chances nobody leaves


def test_the_rule_keeps_its_hazard():
    s = seats(2, educated=0.0, morale=0.5)
    s.educated = s.educated.astype(bool)
    rule = Parameters()
    moved = dataclasses.replace(rule, quit_bias=3.0, outside_offer_rate=4.0)
    assert np.array_equal(cadres.quit_chance(s, rule), cadres.quit_chance(s, moved))
