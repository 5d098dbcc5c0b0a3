"""The residents' compiled kernels against the numpy expressions they replaced (model/kernels.py).

Equal means bit for bit: a kernel that rounded once differently (an FMA contracted, a float32
scalar taken as float64, an update applied in another order) would change runs. The inputs are
random and cover the cases the model meets: rows needy and taking part at once, trust pushed
past 0 and 1, committees of one row, empty ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from juwei.model import kernels

f32 = np.float32
WEEK, WINDOW = 40, 4


def county(seed: int, n: int = 5000, committees: int = 17):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 2 * n // committees, committees)
    sizes[0], sizes[3] = 1, 0                        # a committee of one row, an empty one
    committee = np.repeat(np.arange(committees), sizes)
    n = committee.size
    starts = np.searchsorted(committee, np.arange(committees))
    rows = lambda v: v[committee]                                         # noqa: E731
    per = lambda: rng.random(committees).astype(f32)                      # noqa: E731
    last_part = rng.integers(WEEK - 9, WEEK, n).astype(np.int32)
    took = np.flatnonzero(rng.random(n) < 0.1)
    rng.shuffle(took)                                 # the model's took is not sorted
    last_part[took] = WEEK
    need = rng.random(n) < 0.3
    return dict(
        rng=rng, n=n, committee=committee, starts=starts, rows=rows,
        static=rng.normal(-2, 1, n).astype(f32), trust=rng.random(n).astype(f32),
        awareness=rng.random(n).astype(f32), satisfaction=rng.random(n).astype(f32),
        contact_share=rng.random(n).astype(f32),
        adult_f=(rng.random(n) < 0.8).astype(f32), awareness_decay=rng.random(n).astype(f32) / 10,
        contacts=rng.integers(0, n, (n, 4)).astype(np.int32),
        per_reacher=(1 / rng.integers(1, 6, n)).astype(f32),
        last_part=last_part, took=took, needy=np.flatnonzero(need),
        efficacy=per(), pull=per(), trust_target=per() * 1.2 - 0.1, activity=per(),
        coverage=per(),
    ) | {"trust_target": np.r_[f32(0.5), f32(-0.3), f32(1.3), per()[3:]]}   # the clip bites


@pytest.mark.parametrize("seed", range(5))
def test_utility_is_numpys_sum_bit_for_bit(seed):
    d = county(seed)
    tw, aw, si = 0.813, 0.4177, 1.0 / 3
    expected = (d["static"] + tw * d["trust"] * d["rows"](d["efficacy"])
                + aw * d["awareness"] + d["rows"](d["pull"]) + si * d["contact_share"])
    got = kernels.utility(d["static"], d["trust"], d["awareness"], d["contact_share"],
                          d["starts"], d["efficacy"], d["pull"], f32(tw), f32(aw), f32(si))
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


@pytest.mark.parametrize("seed", range(5))
def test_takers_are_numpys_comparison_row_for_row(seed):
    d = county(seed)
    odds_against = 1 + np.exp(-d["static"])
    draw = d["rng"].random(d["n"], dtype=f32)
    draw[:3] = 1 / odds_against[:3]                  # on the boundary: not below 1, or just
    expected = np.flatnonzero(draw * odds_against < 1)
    got = kernels.takers(draw, odds_against)
    assert 0 < got.size < d["n"] and np.array_equal(got, expected)


@pytest.mark.parametrize("seed", range(5))
def test_heard_from_recent_is_numpys_count_bit_for_bit(seed):
    d = county(seed)
    recent = np.flatnonzero(d["last_part"] > WEEK - WINDOW)
    expected = (np.bincount(d["contacts"][recent].ravel(), minlength=d["n"]).astype(f32)
                * d["per_reacher"])
    share = np.full(d["n"], np.nan, f32)
    got = kernels.heard_from_recent(WEEK, WINDOW, d["last_part"], d["contacts"],
                                    d["per_reacher"], share)
    assert np.array_equal(got, recent) and np.array_equal(share, expected)


def numpy_slow_state(d, draw, p):
    """The model's step 4 as it was in numpy (residents.py before the kernels)."""
    trust, awareness, satisfaction = (d[k].copy() for k in ("trust", "awareness",
                                                            "satisfaction"))
    rows, needy, took, c = d["rows"], d["needy"], d["took"], d["committee"]
    target = rows(d["trust_target"])
    served = draw < d["coverage"][c[needy]]
    target[needy] += p["served_shift"] * (served - p["neutral"])
    target[took] += p["part_shift"] * (d["efficacy"][c[took]] - p["neutral"])
    trust += p["trust_rate"] * (target - trust) * d["adult_f"]
    np.clip(trust, 0.0, 1.0, out=trust)
    awareness += ((p["activity_gain"] * rows(d["activity"]) + p["publicity_gain"] * p["publicity"])
                  * (1 - awareness) - d["awareness_decay"] * awareness)
    awareness[took] += p["part_gain"] * (1 - awareness[took])
    quality = rows(d["coverage"])
    quality[needy] = served
    satisfaction += p["satisfaction_rate"] * (quality - satisfaction)
    return trust, awareness, satisfaction


@pytest.mark.parametrize("seed", range(5))
def test_slow_state_is_numpys_update_bit_for_bit(seed):
    d = county(seed)
    p = dict(served_shift=0.3127, neutral=0.4711, part_shift=0.2219, trust_rate=0.9,
             activity_gain=0.0537, publicity_gain=0.02113, publicity=0.7, part_gain=0.3301,
             satisfaction_rate=0.0713)
    draw = d["rng"].random(d["needy"].size)
    expected = numpy_slow_state(d, draw, p)
    assert (expected[0] == 0).any() and (expected[0] == 1).any()     # the clip bites
    assert (np.isin(d["took"], d["needy"])).any()                  # needy and taking part
    c = d["committee"]
    kernels.slow_state(
        WEEK, d["starts"], d["needy"], np.isin(np.arange(c.size), d["needy"]),
        c[d["needy"]], draw, d["took"],
        c[d["took"]], d["last_part"], d["trust_target"], d["efficacy"], d["activity"],
        d["coverage"], d["trust"], d["awareness"], d["satisfaction"], d["adult_f"],
        d["awareness_decay"], p["served_shift"], p["neutral"], f32(p["neutral"]),
        f32(p["part_shift"]), f32(p["trust_rate"]), f32(p["activity_gain"]),
        f32(p["publicity_gain"] * p["publicity"]), f32(p["part_gain"]),
        f32(p["satisfaction_rate"]))
    for name, want in zip(("trust", "awareness", "satisfaction"), expected):
        assert np.array_equal(d[name], want), name


def test_a_kernel_that_rounds_differently_is_caught():
    """The comparison can fail: the same sum with float64 scalars differs from numpy's."""
    d = county(0)
    tw, aw, si = 0.813, 0.4177, 1.0 / 3
    expected = (d["static"] + tw * d["trust"] * d["rows"](d["efficacy"])
                + aw * d["awareness"] + d["rows"](d["pull"]) + si * d["contact_share"])
    in_float64 = kernels.utility.py_func(d["static"], d["trust"], d["awareness"],
                                         d["contact_share"], d["starts"], d["efficacy"],
                                         d["pull"], tw, aw, si)
    assert not np.array_equal(in_float64, expected)


def test_a_kernel_is_compiled_without_a_disk_cache_where_none_can_be_written(monkeypatch):
    """numba refuses cache=True where no cache folder can be written (a read-only install
    without a writable home); juwei then compiles in each process instead of failing."""
    real = kernels.njit

    def njit(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'f'")
        return real(**options)
    monkeypatch.setattr(kernels, "njit", njit)
    assert kernels.compiled(lambda x: x + 1)(41) == 42
