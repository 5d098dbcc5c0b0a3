"""The county's feedback loops settle, departments differ and answer for themselves, and the
syndrome and the burden paradox come from mechanisms that could have failed (ODD §7.1)."""

import dataclasses

import numpy as np

from juwei.model import STEPS_PER_YEAR, CountyModel, Parameters, run, syndrome
from juwei.studies.validate import paradox_pair

STEADY = ["htc_H", "htc_T", "htc_C", "exhaustion", "admin_share", "participation_rate"]


def window_mean(results, first_year: int, last_year: int, name: str) -> float:
    return float(np.mean([r.series[name][first_year * 52:last_year * 52].mean()
                          for r in results]))


def test_the_baseline_settles_over_30_years():
    """Years 25-30 within 5% of years 5-10 (ODD §7.1: every loop has a balancing force)."""
    results = [run(Parameters(scale=0.1, years=30), seed) for seed in (1, 2, 3)]
    for name in STEADY:
        early, late = window_mean(results, 5, 10, name), window_mean(results, 25, 30, name)
        assert abs(late / early - 1) < 0.05, (name, early, late)


def test_departments_differ_and_react_to_their_own_inspections():
    m = CountyModel(Parameters(scale=0.02, years=3), seed=4)
    for _ in range(3 * 52):
        m.step()
    pressure = np.array([d.pressure for d in m.departments])
    blame = np.array([d.blame for d in m.departments])
    assert pressure.max() / pressure.min() > 1.2           # they do not move in lockstep
    assert np.corrcoef(blame, pressure)[0, 1] > 0.5        # the more blame-averse push harder
    calm = CountyModel(Parameters(scale=0.02, years=3, blame_pressure=0.0), seed=4)
    for _ in range(3 * 52):
        calm.step()
    assert max(d.pressure for d in calm.departments) == 1.0    # no inspection failures, no rise


def test_the_syndrome_could_have_failed_to_appear():
    """Without blame pressure, departments do not escalate and cadres are not worn out."""
    base = Parameters(scale=0.05)
    hot = syndrome(_means(base))
    calm = syndrome(_means(dataclasses.replace(base, blame_pressure=0.0)))
    assert hot.present and not calm.present and calm.T < 0.6


def _means(params, seeds=(1, 2)) -> dict:
    results = [run(params, s).summary for s in seeds]
    return {k: float(np.mean([r[k] for r in results])) for k in results[0]}


def test_the_burden_paradox_needs_a_lasting_rebound():
    """Pattern 4 holds with the calibrated rebound, and fails without one (it is not imposed)."""
    def paradox(**levers) -> float:
        campaigns, none = paradox_pair(Parameters(scale=0.05, **levers))
        return float(np.mean([run(campaigns, s).summary["admin_hours_per_cadre"]
                              - run(none, s).summary["admin_hours_per_cadre"] for s in (1, 2, 3)]))
    assert paradox() > 0
    assert paradox(campaign_rebound=0.0) < 0


def test_committees_choose_and_differ():
    """The team's motivation against accountability sets each committee's admin share: a
    director with more drive gives residents more hours (ODD §7.3)."""
    m = CountyModel(Parameters(scale=0.05, years=3), seed=5)
    for _ in range(3 * 52):
        m.step()
    admin = m.committee_series["admin_share"][-52:].mean(axis=0)
    assert admin.std() > 0.01 and m.series["admin_share_sd"][-52:].mean() > 0.01
    assert np.corrcoef(m.committees.leadership, admin)[0, 1] < -0.3
    # less accountability (no inspections, calm departments): more hours to residents
    calm = run(Parameters(scale=0.05, years=3, inspections_per_year=0, blame_pressure=0.0), 5)
    assert calm.summary["admin_share"] < m.series["admin_share"][-52:].mean() - 0.05


def test_dashboard_shows_the_settled_county_from_its_first_week():
    """The dashboard simulates the burn-in before the workshop sees anything, so the
    baseline's first shown year already has the syndrome (it did not until year 3)."""
    from juwei.app import County, LEVERS
    from juwei.inputs import scenario
    base = scenario.load("baseline")
    county = County("baseline", {k: getattr(base.params, k) for k in LEVERS}, 0.05, 1)
    m = county.model
    assert np.isnan(m.series["htc_index"]).all()          # the warm-up is not shown
    county.step(STEPS_PER_YEAR)
    first_year = {k: float(np.mean(m.series[k][:STEPS_PER_YEAR]))
                  for k in ("htc_H", "htc_T", "htc_C", "htc_index")}
    assert syndrome(first_year).present, first_year


def test_participation_spreads_through_contacts_where_places_allow():
    """Social influence over the contact network (ODD §7.5): with places to spare and a low
    base propensity, participation keeps spreading from contact to contact year after year;
    without influence it settles within the first years."""
    free_places = dict(scale=0.05, years=5, infrastructure_investment=1.0, unit_sharing=1.0,
                       demonstration_sites=10, deliberation=1.0, transparency=1.0,
                       participation_bias=-5.5)

    def growth(influence):
        """Participation in year 5 over year 2, mean of three seeds."""
        ratios = []
        for seed in (1, 2, 3):
            s = run(Parameters(**free_places, social_influence=influence), seed).series
            year = s["participation_rate"].reshape(-1, STEPS_PER_YEAR).mean(axis=1)
            ratios.append(year[4] / year[1])
        return float(np.mean(ratios))
    assert growth(6.0) > growth(0.0) + 0.2
