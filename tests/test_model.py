"""The model: determinism, structure, invariants under random levers."""

import dataclasses

import mesa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juwei.model import (INDICATORS, SYNDROME_THRESHOLD, CountyModel, Parameters, label,
                         levers, run, syndrome)
from juwei.model.agents import Cadre, Committee, Department, Government, Table, Unit
from juwei.model.params import LEVER_GROUPS
from juwei.model.workload import allocate

from .conftest import SMALL

SHARES = [k for k, (unit, *_) in INDICATORS.items()
          if unit.startswith("share") or unit == "0-1"]


def test_same_seed_same_series_bit_for_bit():
    a, b = run(SMALL, 7), run(SMALL, 7)
    for k in INDICATORS:
        assert np.array_equal(a.series[k], b.series[k]), k
    for k in a.committee_series:
        assert np.array_equal(a.committee_series[k], b.committee_series[k]), k


def test_every_indicator_has_unit_meaning_and_chinese_name():
    for name, ind in INDICATORS.items():
        assert ind.unit and ind.meaning and ind.zh, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in ind.zh), name
        assert label(name) == f"{name} · {ind.zh}"


def test_the_syndrome_needs_all_three_parts_above_the_threshold():
    hot = {"htc_H": 0.7, "htc_T": 0.7, "htc_C": 0.7, "htc_index": 0.7}
    assert syndrome(hot).present and syndrome(hot).word_zh == "存在"
    for part in ("htc_H", "htc_T", "htc_C"):
        v = syndrome({**hot, part: SYNDROME_THRESHOLD})       # at the threshold: not above
        assert not v.present and v.word == "absent", part


def test_different_seeds_differ():
    a, b = run(SMALL, 7), run(SMALL, 8)
    assert not np.array_equal(a.series["participation_rate"], b.series["participation_rate"])


def test_county_structure_from_the_essay():
    m = CountyModel(Parameters(scale=0.05), seed=3)
    assert len(m.agents_by_type[Committee]) == 63
    assert sum(c.seat for c in m.agents_by_type[Committee]) == 11
    assert len(m.agents_by_type[Cadre]) == 211
    assert len(m.agents_by_type[Department]) == 12
    assert len(m.agents_by_type[Government]) == 1
    assert len(m.agents_by_type[Unit]) == 11 * 6 + 52 * 2
    c = m.committees
    assert round(c.residents[:11].sum()) == 100_000 and round(c.residents[11:].sum()) == 120_000
    s = m.cadres
    assert (s.age > 45).sum() == 146 and s.educated.sum() == 18
    seats = np.bincount(s.committee)
    assert seats.min() == 3 and seats.max() == 5 and seats.sum() == 211
    assert c.renting.sum() == round(0.2 * 63)
    assert len(np.unique(m.residents.group[m.residents.committee < 11])) == 80
    # agent handles read the model's arrays
    ages = m.agents_by_type[Cadre].get("age")
    assert np.allclose(sorted(ages), sorted(s.age))


def test_population_scale_keeps_organisations_and_samples_residents():
    small, full = CountyModel(Parameters(scale=0.01), 1), CountyModel(Parameters(scale=1.0), 1)
    assert abs(small.residents.n - 2_200) < 70 and abs(full.residents.n - 220_000) < 70
    assert len(small.agents_by_type[Cadre]) == len(full.agents_by_type[Cadre])
    weight = small.residents.weight.sum()
    assert abs(weight - 220_000) < 1


def test_turnover_replaces_cadre_agents_in_their_seats():
    m = CountyModel(dataclasses.replace(SMALL, years=3), seed=2)
    first = {a.unique_id for a in m.agents_by_type[Cadre]}
    for _ in range(3 * 52):
        m.step()
    now = m.agents_by_type[Cadre]
    assert len(now) + m.cadres.vacant.sum() == 211
    assert first - {a.unique_id for a in now}, "nobody left in three years"
    mesa.Agent._ids.pop(m, None)


def test_run_releases_the_model_from_mesa_registry():
    before = len(mesa.Agent._ids)
    run(Parameters(scale=0.01, years=1), 1)
    assert len(mesa.Agent._ids) == before


lever_values = st.fixed_dictionaries({
    row["name"]: (st.integers(row["low"], row["high"]) if row["integer"]
                  else st.floats(row["low"], row["high"]))
    for row in levers(LEVER_GROUPS)
})


@settings(max_examples=25, deadline=None)
@given(values=lever_values, seed=st.integers(0, 2**31))
def test_bounds_and_no_nan_under_random_levers(values, seed):
    # one burn-in year: the levers still switch on mid-run, in a county still moving
    r = run(Parameters(scale=0.01, years=1, burn_in_years=1, **values), seed)
    for k, v in r.series.items():
        assert np.all(np.isfinite(v)), k
    for k in SHARES:
        assert np.all((r.series[k] >= -1e-9) & (r.series[k] <= 1 + 1e-9)), k
    assert np.all(r.series["cadre_hours_per_week"] <= 60 + 1e-9)
    assert np.all(r.series["cadre_hours_per_week"] >= 40 - 1e-9)
    assert np.all(r.series["task_backlog"] >= 0)
    assert np.all(r.series["cost_per_service_hour"] >= 0)


class _Committees:
    def __init__(self, backlog, enterprises, renting, coverage, leadership):
        self.backlog_hours, self.enterprises, self.renting = backlog, enterprises, renting
        self.coverage, self.leadership = coverage, leadership


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 8), data=st.data())
def test_cadre_hours_add_up(n, data):
    arr = lambda lo, hi: np.array(data.draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n)))
    ints = lambda hi: np.array(data.draw(st.lists(st.integers(0, hi), min_size=n, max_size=n)))
    c = _Committees(arr(0, 500), ints(2), ints(1).astype(bool), arr(0, 1), arr(0.1, 1.9))
    backlog_before = c.backlog_hours.copy()
    hours, p = arr(0, 300), Parameters(task_hours=data.draw(st.floats(0.5, 8.0)),
                                       surface_effort=data.draw(st.floats(0.05, 1.0)))
    unfunded, funded = ints(60), ints(60)
    service_share = arr(0, 0.6)
    tasks = dict(unfunded=unfunded, funded=funded, service_share=service_share,
                 visible=np.minimum(unfunded, ints(60)) + 0.2 * np.minimum(funded, ints(60)))
    skill = arr(0.7, 1.3)
    chosen = (arr(0, 1), arr(0, 1)) if data.draw(st.booleans()) else None   # cadres choose
    use = allocate(c, hours, skill, arr(0, 1), arr(0, 5), tasks, arr(0, 100), arr(0, 100), p,
                   chosen)
    total = use["admin"] + use["services"] + use["enterprise"]
    assert np.allclose(total, hours)
    assert np.all(use["sham"] <= use["covered"] + 1e-9) and np.all(use["sham"] >= 0)
    if chosen is None:                  # the rule: inspected work passes only when done
        assert np.array_equal(use["surface"], use["covered"]) and not use["sham"].any()
    assert np.all(use["services"] >= -1e-9) and np.all(use["admin"] >= -1e-9)
    assert np.all(use["surface"] <= use["admin"] + 1e-9)
    # tasks' service (need hours): at most the service share of the administration's hours
    assert np.all(use["task_service"] >= 0)
    assert np.all(use["task_service"] <= service_share * use["admin"] * skill + 1e-9)
    assert np.all(c.backlog_hours >= -1e-9)
    assert np.all(np.isfinite(c.backlog_hours)) and backlog_before.shape == c.backlog_hours.shape


def test_tables_declare_their_columns():
    m = CountyModel(SMALL, seed=1)
    m.committees.coverage = m.committees.coverage          # a declared column: fine
    with pytest.raises(AttributeError, match="not a declared column"):
        m.committees.covrage = 0.5                          # a typo is an error, not a new column
    with pytest.raises(TypeError, match="missing"):
        Table(("a", "b"), a=np.zeros(2))


def test_exhaustion_stays_a_share_under_heavy_push_and_a_steep_rise():
    """Constants inside the calibration's priors where a week's rise exceeds one: the weekly
    step must not overshoot 1 and swing below 0 (found in a trial of the posterior ranges)."""
    p = Parameters(scale=0.02, years=2, task_hours=5.69, tasks_per_week=49.0,
                   blame_pressure=1.15, exhaustion_rise=0.3, accountability_weight=4.3)
    m = CountyModel(p, seed=3)
    for _ in range(2 * 52):
        m.step()
    series = np.asarray(m.series["exhaustion"])
    assert series.min() >= 0.0 and series.max() <= 1.0
    assert series[-52:].mean() > 0.9            # saturated, as the rates imply


# --- which levers enter which indicator's definition (ODD §4.10) -------------------------------

def test_every_lever_an_indicator_names_is_a_lever_of_the_schema():
    names = {r["name"] for r in levers(LEVER_GROUPS)}
    named = {k for ind in INDICATORS.values() for k in ind.levers}
    assert named and named <= names, sorted(named - names)
    for name, ind in INDICATORS.items():
        assert len(set(ind.levers)) == len(ind.levers), name


def test_the_levers_the_referee_named_enter_no_outcome_but_the_services_tasks_carry():
    """Separation, funding, inspections and meetings enter H, T and admin_share by definition
    (issue 22). Of the headline ranking's outcomes only unmet_need has any of them: separation
    and funding decide who does the service part of pushed tasks (departments' staff, bought
    help; ODD §7.7), and the ranking marks it (†)."""
    from juwei.model import OUTCOMES
    named = {"task_admission", "funding_follows_tasks", "inspections_per_year",
             "meeting_hours_per_week"}
    assert named <= set(INDICATORS["admin_share"].levers)
    for name in OUTCOMES:
        entering = named & set(INDICATORS[name].levers)
        assert entering == ({"task_admission", "funding_follows_tasks"}
                            if name == "unmet_need" else set()), name


def test_h_does_not_fall_by_definition_under_the_admission_filter():
    """H counts the government's demand: every task pushed, refused ones too. With the
    departments' pressure held (no blame, no campaigns: the push does not react) and no
    refused task pushed again, refusing 60% of tasks leaves H as it is, while the admitted
    load per cadre (the old H's numerator, committee series pushed_per_cadre) and the
    administrative share fall. Re-pushes (推诿, ODD §7.1) then raise H."""
    held = dict(scale=0.02, years=1, burn_in_years=0, blame_pressure=0.0,
                reduction_campaigns_per_year=0, repush_share=0.0)
    arms = {a: [run(Parameters(**held, task_admission=a), seed) for seed in (1, 2)]
            for a in (0.0, 0.6)}
    again = [run(Parameters(**{**held, "repush_share": 0.5}, task_admission=0.6), seed)
             for seed in (1, 2)]

    def mean(a, f):
        return float(np.mean([f(r) for r in arms[a]]))
    h = {a: mean(a, lambda r: r.summary["htc_H"]) for a in arms}
    load = {a: mean(a, lambda r: r.committee_series["pushed_per_cadre"][-52:].mean())
            for a in arms}
    admin = {a: mean(a, lambda r: r.summary["admin_share"]) for a in arms}
    assert load[0.6] < 0.7 * load[0.0]
    assert admin[0.6] < admin[0.0] - 0.1
    assert abs(h[0.6] - h[0.0]) < 0.01, h
    assert np.mean([r.summary["htc_H"] for r in again]) > h[0.6] + 0.01
    assert np.mean([r.summary["repushed_share"] for r in again]) > 0.1


RUN_DIGEST = """
import hashlib, numpy as np
from juwei.model import CountyModel, Parameters, STEPS_PER_YEAR
m = CountyModel(Parameters(scale=0.02, years=1), seed=3)
for _ in range(STEPS_PER_YEAR):
    m.step()
h = hashlib.sha256()
for k in sorted(m.series):
    h.update(np.ascontiguousarray(m.series[k]).tobytes())
h.update(m.residents.trust.tobytes())
print(h.hexdigest())
"""
# numpy's AVX-512 code paths, by their names in numpy 2.3+ and before (unknown names are ignored)
NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL"


def test_a_run_is_the_same_with_numpys_avx512_paths_off():
    """The same seed gives the same run on every processor: with numpy's AVX-512 paths off (as
    on a processor without them) the year is bit for bit the one this machine gives. On a
    machine without AVX-512 both runs take the same path; on one with it, a vectorised
    function that rounds differently there (numpy's power did, in the committees' size factor)
    fails this test."""
    import os
    import subprocess
    import sys
    runs = [subprocess.run([sys.executable, "-c", RUN_DIGEST], capture_output=True, text=True,
                           env={**os.environ, **env}, timeout=300)
            for env in ({}, {"NPY_DISABLE_CPU_FEATURES": NO_AVX512})]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    assert runs[0].stdout == runs[1].stdout


def test_a_committees_exhaustion_is_the_mean_of_its_cadres_seated_at_the_week_end():
    """The county view's and validate's per-committee exhaustion: the cadres seated after the
    week's quits and hires (a new hire's value where every seat is vacant), never above 1."""
    m = CountyModel(Parameters(scale=0.02, years=1, quit_base=0.3), seed=3)
    while m.running:
        m.step()
    s, p = m.cadres, m.p
    seated = ~s.vacant
    expected = [s.exhaustion[(s.committee == k) & seated].mean()
                if ((s.committee == k) & seated).any() else p.hire_exhaustion
                for k in range(len(m.committees.residents))]
    got = m.committee_series["exhaustion"]
    np.testing.assert_allclose(got[-1], expected, rtol=1e-6)
    assert np.nanmax(got) <= 1.0 and np.nanmin(got) >= 0.0
