"""What a remedy costs: public money by item and cadre hours (ODD §4.10, §7.9), and the cost
table of every comparison (present/stats.cost_table, costs.csv)."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from juwei.engine import Options
from juwei.inputs.scenario import load
from juwei.model import CountyModel, Parameters
from juwei.model.calendar import MONTHS_PER_YEAR, PER_THOUSAND, STEPS_PER_YEAR
from juwei.model.indicators import INDICATORS, MONEY_ITEMS
from juwei.present.stats import COST_COLUMNS, cost_table
from juwei.studies import compare

TINY = Parameters(scale=0.02, years=1)
SEED = 11
# every item of public money switched on (certificates first come in the second year)
EVERYTHING = dataclasses.replace(
    TINY, years=2, funding_follows_tasks=0.8, infrastructure_investment=0.6, poor_community_aid=0.8,
    volunteer_reward=0.8, training_hours_per_year=40.0, service_stations=0.7, publicity=0.7,
    health_and_safety=0.7, facilities_association=0.7)
MONEY = set(MONEY_ITEMS) | {"public_yuan", "cost_per_service_hour"}


def weeks(p: Parameters, seed: int = SEED) -> tuple[CountyModel, dict[str, np.ndarray]]:
    m = CountyModel(p, seed=seed)
    for _ in range(p.years * STEPS_PER_YEAR):
        m.step()
    return m, m.series


def test_the_items_add_up_to_the_total_the_cost_per_hour_divides():
    m, s = weeks(EVERYTHING)
    items = np.vstack([s[k] for k in MONEY_ITEMS])
    assert (items >= 0).all() and (items > 0).any(axis=1).all(), "every item is paid"
    np.testing.assert_allclose(items.sum(axis=0), s["public_yuan"], rtol=1e-12)
    # the cost per service hour is the same total a week over the service hours
    service = s["service_hours_per_1000"] * m.committees.residents.sum() / PER_THOUSAND
    np.testing.assert_allclose(s["public_yuan"] / STEPS_PER_YEAR,
                               s["cost_per_service_hour"] * service, rtol=1e-9)
    # the transfers from the county's own figures (ODD §7.9), not from the code's sums
    c, p = m.committees, m.p
    transfers = (p.transfer_base_yuan * c.residents.size + p.transfer_per_resident_yuan
                 * c.residents.sum() + p.seat_focus_yuan * c.seat.sum()
                 + p.demo_grant_yuan * c.demonstration.sum())
    assert s["yuan_transfers"][-1] == pytest.approx(transfers, rel=1e-12)
    assert s["admin_hours_per_year"] == pytest.approx(
        s["admin_hours_per_cadre"] * (m.cadres.vacant.size - s["vacancies"]) * STEPS_PER_YEAR,
        rel=1e-9)


def test_double_pay_doubles_the_pay_of_each_seated_cadre():
    seats = CountyModel(TINY, seed=SEED).cadres.vacant.size
    for pay in (300.0, 600.0):
        _, s = weeks(dataclasses.replace(TINY, cadre_pay=pay))
        seated = seats - s["vacancies"]
        np.testing.assert_allclose(s["yuan_cadre_pay"], seated * pay * MONTHS_PER_YEAR,
                                   rtol=1e-12)


def test_training_costs_money_only_when_cadres_are_trained_and_draws_no_random_number():
    _, none = weeks(TINY)
    assert (none["yuan_training"] == 0).all()
    trained = dataclasses.replace(TINY, training_hours_per_year=40.0)
    _, a = weeks(trained)
    _, b = weeks(dataclasses.replace(trained, training_yuan_per_hour=20.0))
    seated = CountyModel(TINY, seed=SEED).cadres.vacant.size - a["vacancies"]
    np.testing.assert_allclose(a["yuan_training"], seated * 40.0 * 10.0, rtol=1e-12)
    np.testing.assert_allclose(b["yuan_training"], 2 * a["yuan_training"], rtol=1e-12)
    assert (b["cost_per_service_hour"] > a["cost_per_service_hour"]).all()
    # the price of training is accounting only: every other indicator is the same bit for bit
    for k in INDICATORS:
        if k not in {"yuan_training", "public_yuan", "cost_per_service_hour"}:
            assert np.array_equal(a[k], b[k]), k


def runs_frame(totals: dict[str, float], trust: dict[str, float]) -> pd.DataFrame:
    rows = []
    for s, total in totals.items():
        for r in (0, 1):
            row = dict.fromkeys(MONEY_ITEMS, 0.0)
            row.update(scenario=s, replicate=r, yuan_transfers=total, public_yuan=total,
                       admin_hours_per_year=1000.0, admin_hours_per_cadre=20.0,
                       htc_index=0.5, trust=trust[s] + 0.01 * r, participation_rate=0.2)
            rows.append(row)
    return pd.DataFrame(rows)


def test_effects_per_10000_yuan_only_from_half_a_percent_more_money():
    totals = {"base": 1_000_000.0, "small": 1_004_000.0, "priced": 1_006_000.0,
              "cheaper": 990_000.0}
    trust = {"base": 0.3, "small": 0.35, "priced": 0.36, "cheaper": 0.4}
    t = cost_table(runs_frame(totals, trust), list(totals)).set_index("scenario")
    assert t.extra_yuan.to_dict() == pytest.approx(
        {"base": 0.0, "small": 4000.0, "priced": 6000.0, "cheaper": -10_000.0})
    assert t.per_10k_trust["priced"] == pytest.approx(0.06 / 0.6)
    assert t.per_10k_htc_index["priced"] == 0.0
    for s in ("base", "small", "cheaper"):       # under 0.5% more, or less: left empty
        assert t.loc[s, [c for c in t.columns if c.startswith("per_10k_")]].isna().all(), s


def test_a_comparison_writes_its_cost_table(tmp_path):
    names = ["baseline", "cadre_pay_recruitment", "fewer_inspections_meetings"]
    scenarios = [load(n).with_overrides({"scale": 0.02, "years": 1}) for n in names]
    c = compare.run(scenarios, 2, 5, Options(tmp_path / "c", executor="inprocess",
                                             progress=False))
    costs = c.costs
    assert list(costs.columns) == COST_COLUMNS and list(costs.scenario) == names
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "c" / "costs.csv"), costs,
                                  check_exact=False, rtol=1e-12)
    base, pay, fewer = (costs.iloc[i] for i in range(3))
    assert base.extra_yuan == 0 and base.admin_hours_freed_per_year == 0
    assert base[["per_10k_htc_index", "per_10k_trust", "per_10k_participation_rate"]].isna().all()
    assert math.isclose(base.public_yuan, base[list(MONEY_ITEMS)].sum(), rel_tol=1e-12)
    runs = pd.read_parquet(tmp_path / "c" / "runs.parquet")
    mean = runs.groupby("scenario")[["public_yuan", "htc_index", "yuan_training"]].mean()
    # better pay and training cost money; the effect per 10,000 yuan comes from the runs
    extra = mean.public_yuan["cadre_pay_recruitment"] - mean.public_yuan["baseline"]
    assert pay.extra_yuan == pytest.approx(extra) and extra > 0.005 * base.public_yuan
    assert pay.yuan_training > 0 and base.yuan_training == 0
    assert pay.per_10k_htc_index == pytest.approx(
        (mean.htc_index["cadre_pay_recruitment"] - mean.htc_index["baseline"]) / (extra / 1e4))
    # fewer inspections and meetings: less money with fewer funded tasks, hours freed
    assert fewer.admin_hours_freed_per_year > 0 and fewer.admin_hours_freed_per_cadre_week > 0
    if fewer.extra_yuan < 0.005 * base.public_yuan:
        assert math.isnan(fewer.per_10k_htc_index)


def test_numbers_to_two_significant_digits_are_never_in_scientific_notation():
    """The report's effect per 10,000 yuan read "+1.2e-05"; the workshop's small sums too."""
    from juwei.present.compare_page import cost_section
    from juwei.present.stats import in_wan, significant
    shown = [significant(x, 2, signed=True) for x in (1.2e-05, -0.000123, 0.0996, 0.5, 12345.0,
                                                      0.0)]
    assert shown == ["+0.000012", "-0.00012", "+0.1", "+0.5", "+12,345", "+0"]
    assert in_wan(0.12) == "0.000012" and in_wan(150) == "0.015"
    page = cost_section(pd.DataFrame({"scenario": ["a"], "per_10k_htc_index": [1.2e-05]}),
                        ["a"], {"a": "A"}, "en")
    assert "+0.000012" in page and "e-05" not in page, page
