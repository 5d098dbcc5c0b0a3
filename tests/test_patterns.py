"""Patterns that could have failed (ODD §1.2). Each pattern of spec §7 is labelled emergent,
partly imposed or input in `validate.PATTERNS`; each that is not an input has a breaker there, a
setting within the schema's ranges under which `juwei validate` must report it failing, and this
file checks that it does. An input cannot fail, so it is no validation and has no breaker.
Pattern 9 ("push does not raise participation or trust") is an input: it holds with every spread
at zero, so no mechanism is needed for it; its test here shows what its trust figure does come
from."""

import dataclasses

import numpy as np
import pytest

from juwei.model import Parameters
from juwei.model import run as county_run
from juwei.studies import validate

from .conftest import run as county       # burn-ins shared between arms (ODD §7.1)

SMALL = Parameters(scale=0.05, years=3)
SEED = 7
COUNTED = validate.VALIDATING
LONGER = {11: 5}   # ventures take years to add up: pattern 11's breaker over the default horizon
SPREADS = validate.EXOGENOUS_SPREADS


def _patterns(params, replicates=3, pair=True) -> dict[int, validate.Pattern]:
    tables = validate.batch(params, replicates, SEED, executor="processes", workers=2,
                            progress=False, fn=county, pair=pair)
    return {p.number: p for p in validate.check(tables)}


@pytest.fixture(scope="module")
def baseline():
    return _patterns(SMALL)


@pytest.fixture(scope="module")
def broken():
    out = {}
    for years in sorted({LONGER.get(k, SMALL.years) for k in COUNTED}):
        numbers = [k for k in COUNTED if LONGER.get(k, SMALL.years) == years]
        out.update({p.number: p for p in validate.break_patterns(
            dataclasses.replace(SMALL, years=years), 3, SEED, executor="processes", workers=2,
            progress=False, fn=county, numbers=numbers)})
    return out


def test_every_drawn_spread_is_one_the_heterogeneity_check_zeroes():
    assert set(SPREADS) == {f.name for f in dataclasses.fields(Parameters)
                            if f.name.endswith("_spread")}


def test_heterogeneity_is_the_sd_across_committees_in_each_arm():
    import pandas as pd
    rows = [dict(arm=arm, replicate=r, committee=k, admin_share=v, exhaustion=v, participation=v,
                 trust=0.5)
            for arm, spread in (("baseline", 0.2), (validate.NO_SPREADS, 0.05))
            for r in range(3) for k, v in enumerate((0.5 - spread, 0.5 + spread))]
    h = validate.heterogeneity(pd.DataFrame(rows)).set_index("indicator")
    assert h.loc["admin_share", "sd"] == pytest.approx(0.2)          # population sd of 2
    assert h.loc["admin_share", "sd_without_spreads"] == pytest.approx(0.05)
    assert h.loc["admin_share", "remains"] == pytest.approx(0.25)
    assert h.loc["trust", "sd"] == 0 and np.isnan(h.loc["trust", "remains"])
    # two replicates far apart: the t interval of an sd would reach below 0, where none can be
    rows = [dict(arm=arm, replicate=r, committee=k, admin_share=v, exhaustion=v, participation=v,
                 trust=v) for arm in ("baseline", validate.NO_SPREADS)
            for r, spread in enumerate((0.01, 0.3))
            for k, v in enumerate((0.5 - spread, 0.5 + spread))]
    h = validate.heterogeneity(pd.DataFrame(rows)).set_index("indicator")
    assert (h.sd_low == 0).all() and (h.sd_without_spreads_low == 0).all()
    assert (h.sd_high > h.sd).all()
    # so with a pattern's share (empty shells: a few committees in one replicate of three)
    empty = validate.Pattern(11, [0.0, 0.0, 0.003], [True] * 3, {})
    assert empty.interval[1] == 0.0 < empty.interval[2]
    paired = validate.Pattern(4, [-0.5, 0.1, 0.3], [True] * 3, {})     # a difference: unbounded
    assert paired.interval[1] < -0.5


def test_without_the_drawn_spreads_committees_differ_less_in_administration():
    """Issue 23, item 6: how much of the committees' differences the drawn spreads make. The
    admin share's sd must fall without them (it could not, were it made by circumstances and
    decisions alone)."""
    tables = validate.batch(SMALL, 3, SEED, executor="processes", workers=2, progress=False,
                            fn=county, pair=False, spreads=True)
    h = validate.heterogeneity(tables["committees"]).set_index("indicator")
    assert 0 < h.loc["admin_share", "remains"] < 1, h
    assert (h.sd > 0).all() and (h.sd_without_spreads > 0).all(), h


def test_what_bounds_taking_part_is_one_of_three_each_week_by_kind_of_committee():
    import pandas as pd
    rows = [dict(arm="baseline", replicate=r, committee=k, seat=float(k == 0), new=0.0,
                 renting=0.0, bound_wish=w, bound_rooms=1 - w, bound_organisers=0.0)
            for r in range(2) for k, w in enumerate((1.0, 0.25, 0.25))]
    rows.append(dict(rows[0], arm=validate.NO_SPREADS, bound_wish=0.0))    # not the baseline
    b = validate.constraints(pd.DataFrame(rows)).set_index("kind")
    assert b.loc["all", "committees"] == 3 and b.loc["seat", "committees"] == 1
    assert b.loc["seat", "bound_wish"] == 1 and b.loc["township", "bound_rooms"] == 0.75
    assert b.loc["all", "bound_wish"] == pytest.approx(0.5)
    assert np.isnan(b.loc["new", "bound_wish"]) and b.loc["old", "committees"] == 3


@pytest.mark.parametrize("moved, bound, other", [
    ({}, "bound_rooms", None),                        # the essay's county: rooms are short
    # rooms for everyone: then the wish, or the organisers' time, bounds it, never the rooms
    (dict(venue_places_old=400.0, venue_places_new=400.0, venue_places_seat=400.0),
     "bound_wish", "bound_rooms"),
    (dict(places_per_organiser_hour=0.5), "bound_organisers", "bound_rooms"),  # few organisers
])
def test_the_rooms_bound_taking_part_in_the_essays_county_and_can_stop_binding(moved, bound,
                                                                               other):
    """Issue 23, item 5: which constraint holds participation down comes from the county, not
    the code: each of the three binds somewhere in range, every week exactly one."""
    b = county_run(dataclasses.replace(SMALL, years=1, **moved), 3).breakdown[1]
    total = b["bound_wish"] + b["bound_rooms"] + b["bound_organisers"]
    assert np.allclose(total, 1.0)
    shares = {k: b[k].mean() for k in ("bound_wish", "bound_rooms", "bound_organisers")}
    assert max(shares, key=shares.get) == bound, shares
    if other:
        assert shares[other] < 0.05, shares


def test_every_pattern_is_labelled_and_every_breaker_is_in_range():
    fields = {f.name: f.metadata for f in dataclasses.fields(Parameters)}
    assert len(validate.PATTERNS) == 11
    for k, d in enumerate(validate.PATTERNS, 1):
        assert d.label in validate.LABELS and d.rests_on and "\n" not in d.rests_on, k
        if d.label == validate.INPUT:
            assert not d.breaker, f"pattern {k} is an input: it has nothing to break"
            continue
        assert d.breaker and d.breaks_because, f"pattern {k} needs a breaker"
        for name, value in d.breaker.items():
            meta = fields[name]
            assert meta["low"] <= value <= meta["high"], (k, name, value)
            assert value != getattr(Parameters(), name), (k, name)


@pytest.mark.parametrize("number", COUNTED)
def test_the_breaker_makes_the_pattern_fail(baseline, broken, number):
    assert baseline[number].holds, f"pattern {number} should hold in the baseline"
    d = validate.PATTERNS[number - 1]
    assert not broken[number].holds, (f"pattern {number} still holds when "
                                      f"{d.breaks_because}: {broken[number].figure}")


def test_pattern_9_holds_without_any_spread_so_it_is_an_input():
    """Were there a rule by which push raised participation or trust, the pattern could fail
    and would need a breaker; with no spread between departments, leaders, cadres or units it
    still holds, so it is imposed by the model's structure."""
    flat = dataclasses.replace(SMALL, **{name: 0.0 for name in SPREADS})
    assert len(SPREADS) >= 4 and _patterns(flat, pair=False)[9].holds
    assert validate.PATTERNS[8].label == validate.INPUT


def test_push_lowers_trust_through_accountability():
    """Pattern 9's trust figure: with departments' reach differing widely, committees carrying
    more inspected work per cadre give residents less, so trust falls with push; when cadres
    answer for nothing, that channel is gone."""
    wide = dataclasses.replace(SMALL, reach_spread=0.9)
    trust = _patterns(wide, 2, pair=False)[9].others["trust"]
    free = _patterns(dataclasses.replace(wide, accountability_weight=0.0), 2,
                     pair=False)[9].others["trust"]
    assert trust < -0.3, trust
    assert free > trust + 0.2, (free, trust)


def test_pattern_11_is_judged_on_ventures_that_start(baseline, broken):
    """The county file's two shop rents are not counted: at the baseline (almost) no venture
    starts, so the shops are all the own income there is; under the breaker ventures start and
    most of them run to the end."""
    base, under = baseline[11].others, broken[11].others
    assert base["shop rents counted"] >= 2 / 63 > np.mean(baseline[11].values)
    assert base["ventures started"] < 1
    assert under["ventures started"] >= under["running in the last year"] > 6


def test_the_census_changes_no_run_and_counts_the_years_after_the_switch():
    """The same counts whether the burn-in is simulated or comes from the settled-county
    cache (the second call of the shared function)."""
    p = Parameters(scale=0.02, years=2, enterprise_support=1.0, task_admission=0.9)
    plain, counted = county_run(p, 3), validate.Census(county_run)(p, 3)
    extra = set(counted["summary"]) - set(plain.summary)
    assert extra == {"ventures_started", "ventures_alive"}
    assert all(counted["summary"][k] == v for k, v in plain.summary.items())
    assert np.array_equal(counted["series"]["trust"], plain.series["trust"])
    for _ in range(2):
        shared = validate.Census(county)(p, 3)["summary"]
        assert {k: shared[k] for k in extra} == {k: counted["summary"][k] for k in extra}
