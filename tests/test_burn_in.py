"""The warm start (ODD §7.1): the settling criterion, the default burn-in it sets, and arms that
share one burn-in and differ only after the switch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from juwei.engine import Options
from juwei.inputs import scenario as sc
from juwei.model import STEPS_PER_YEAR, Parameters, run, settling_year
from juwei.studies import compare
from juwei.studies.common import SharedBurnIn, county_function

from .conftest import juwei

SEEDS = range(4)


def yearly(results, years):
    return {k: np.array([r.series[k][-years * STEPS_PER_YEAR:].reshape(years, STEPS_PER_YEAR)
                         .mean(axis=1) for r in results]) for k in results[0].series}


def test_the_default_burn_in_is_what_the_settling_criterion_measures():
    """A cold baseline of 10 years (scale 0.02, 4 seeds) settles within the default burn-in,
    and not within 2 years: the criterion can fail, and does while exhaustion still rises."""
    years = 10
    cold = [run(Parameters(scale=0.02, years=years, burn_in_years=0), seed) for seed in SEEDS]
    settled = settling_year(yearly(cold, years))
    assert settled is not None and 2 < settled <= Parameters().burn_in_years
    early = {k: v[:, :4] for k, v in yearly(cold, years).items()}      # years 1-4 only
    assert settling_year(early) is None


def test_the_criterion_flags_a_drift_and_forgives_noise():
    flat = {k: np.full((4, 8), 0.5) for k in
            ("participation_rate", "trust", "admin_share", "exhaustion", "cadre_turnover",
             "service_hours_per_1000", "unmet_need", "htc_H", "htc_T", "htc_C", "htc_index")}
    assert settling_year(flat) == 0
    rising = dict(flat, exhaustion=flat["exhaustion"] + 0.02 * np.arange(8))
    assert settling_year(rising) is None
    noisy = dict(flat, cadre_turnover=flat["cadre_turnover"]
                 + np.random.default_rng(1).normal(0, 0.03, (4, 8)))
    assert settling_year(noisy) is not None


def test_a_warm_run_starts_from_the_settled_base_and_records_the_year_before():
    p = Parameters(scale=0.02, years=1, burn_in_years=2)
    r = run(p, seed=3)
    assert r.first_step == -STEPS_PER_YEAR
    assert len(r.series["htc_index"]) == 2 * STEPS_PER_YEAR
    remedy = run(dataclasses.replace(p, task_admission=0.6), seed=3)
    before = slice(0, STEPS_PER_YEAR)
    for k in ("exhaustion", "admin_share", "trust", "htc_index"):
        assert np.array_equal(r.series[k][before], remedy.series[k][before]), k
    assert remedy.summary["admin_share"] < r.summary["admin_share"]
    # the burn-in ran under the base's levers: a base with the remedy changes the year before
    on_base = run(dataclasses.replace(p, task_admission=0.6), seed=3,
                  base=dataclasses.replace(p, task_admission=0.6))
    assert not np.array_equal(on_base.series["admin_share"][before],
                              r.series["admin_share"][before])


def test_shared_burn_in_gives_the_same_run_as_the_model(tmp_path):
    p = Parameters(scale=0.02, years=1, burn_in_years=1, cadre_pay=800.0)
    shared = SharedBurnIn(county_function(None).fn, str(tmp_path / "burn-in"))
    a, b = shared(p, 7), run(p, 7)
    for k in a.series:
        assert np.array_equal(a.series[k], b.series[k]), k
    assert len(list((tmp_path / "burn-in").glob("*.state"))) == 1
    again = SharedBurnIn(county_function(None).fn, str(tmp_path / "burn-in"))(p, 7)
    assert again.summary == a.summary


@pytest.mark.parametrize("burn_in", [0, 1])
def test_a_study_that_keeps_summaries_records_only_the_last_year(tmp_path, burn_in):
    """summary_only (audits, doses, searches, sensitivity): the summary and the committees'
    last year bit for bit as a full run's, the earlier weeks never recorded."""
    p = Parameters(scale=0.02, years=2, burn_in_years=burn_in, cadre_pay=800.0)
    full = run(p, 7)
    short = SharedBurnIn(county_function(None).fn, str(tmp_path), summary_only=True)(p, 7)
    assert short.summary == full.summary
    assert short.breakdown[1].keys() == full.breakdown[1].keys()
    for k, v in full.breakdown[1].items():
        assert np.array_equal(short.breakdown[1][k], v), k
    last = slice(-STEPS_PER_YEAR, None)
    first = slice(-2 * STEPS_PER_YEAR, -STEPS_PER_YEAR)        # the first year of the two
    assert np.isnan(short.series["htc_index"][first]).all()
    assert not np.isnan(full.series["htc_index"][first]).any()
    assert np.array_equal(short.series["htc_index"][last], full.series["htc_index"][last])


def test_the_arms_of_a_comparison_share_one_state_at_the_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("JUWEI_CACHE_DIR", str(tmp_path / "cache"))
    base = sc.load("baseline").with_overrides({"years": 1, "scale": 0.02,
                                               "burn_in_years": 2}, "test")
    alt = sc.load("separation").with_overrides({"years": 1, "scale": 0.02,
                                                "burn_in_years": 2}, "test")
    out = tmp_path / "cmp"
    compare.run([base, alt], 2, 11, Options(out, executor="inprocess", progress=False))
    states = list((tmp_path / "cache").glob("*.state"))
    assert len(states) == 2                 # one per replicate seed, not per arm
    series = pd.read_parquet(out / "series.parquet")
    assert series.step.min() == -STEPS_PER_YEAR and series.year.min() == -1.0
    for r in (0, 1):
        one = series[series.replicate == r]
        a = one[one.scenario == "baseline"].set_index("step")
        b = one[one.scenario == "separation"].set_index("step")
        cols = ["admin_share", "exhaustion", "trust", "participation_rate", "htc_index"]
        pd.testing.assert_frame_equal(a.loc[a.index < 0, cols], b.loc[b.index < 0, cols])
        assert not np.allclose(a.loc[a.index >= 4, "admin_share"],
                               b.loc[b.index >= 4, "admin_share"])
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["design"]["burn_in_years"] == 2


@pytest.mark.parametrize("years", [0, 3])
def test_burn_in_flag(tmp_path, years):
    r = juwei("run", "baseline", "--scale", "0.01", "--years", "1", "--burn-in", str(years),
              "--replicates", "1", "--executor", "inprocess", "--no-plots", "--json",
              "--out", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    assert ("no burn-in" in r.stdout) == (years == 0)
    bad = juwei("run", "baseline", "--burn-in", "-1", "--out", tmp_path / "b")
    assert bad.returncode == 2 and "--burn-in" in bad.stderr and "Traceback" not in bad.stderr


def test_a_damaged_state_in_the_cache_is_simulated_again(tmp_path):
    p = Parameters(scale=0.01, years=1, burn_in_years=1)
    fn = SharedBurnIn(county_function(None).fn, str(tmp_path))
    first = fn(p, 5)
    (state,) = tmp_path.glob("*.state")
    state.write_bytes(state.read_bytes()[:1000])           # truncated, as a full disk leaves it
    from juwei.studies import common
    common._states.clear()
    again = fn(p, 5)
    assert again.summary == first.summary
    assert state.stat().st_size > 1000


def test_a_dry_run_counts_one_settling_per_seed_where_the_arms_share_it(monkeypatch):
    """The estimate counted the burn-in in every run, where a comparison's arms (and a sweep's
    points) share one per seed: 2-3 times the time the study took."""
    from juwei.model import Parameters
    from juwei.studies import common
    seen = {}

    def estimate(runs, fn, workers, shorten, total, say):
        seen["short"], seen["factor"] = shorten(runs[0].params)
        return ""
    monkeypatch.setattr(common, "estimate", estimate)
    p = Parameters(scale=0.01, years=2, burn_in_years=6)
    runs = [common.Run({"replicate": 0}, p, 1)]
    common.dry_run(runs, 1, total=12, burn_ins=4)          # 3 arms x 4 seeds
    assert seen["factor"] == 2 + 6 * 4 / 12
    assert (seen["short"].years, seen["short"].burn_in_years) == (1, 0)
    common.dry_run(runs, 1, total=12)                      # none shared: each its own
    assert seen["factor"] == 2 + 6
