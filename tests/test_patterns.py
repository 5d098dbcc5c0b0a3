"""Patterns that could have failed: for each pattern of spec §7, a setting within the documented
ranges under which `juwei validate` reports it failing (ODD §1.2). A pattern that cannot fail is
no validation. Not here: pattern 9, which fails in the baseline, and patterns 6 and 7, which rest
on module constants no lever reaches yet (the Jiangkou focus money, the renting penalty; ODD
§1.2)."""

import dataclasses

import pytest

from juwei.model import Parameters
from juwei.studies import validate

FREED = dict(task_admission=0.6, funding_follows_tasks=0.8)

# pattern number -> a setting that breaks it, and why
BREAKERS = {
    1: (dict(task_admission=0.9, funding_follows_tasks=1.0), "separation frees cadres' hours"),
    2: (dict(participation_bias=2.0), "residents keen to take part"),
    3: (dict(participation_bias=-8.0), "nobody takes part, so nobody registers"),
    4: (dict(campaign_rebound=0.0), "campaigns without a rebound do lighten the load"),
    5: (dict(funding_follows_tasks=0.9), "money follows tasks"),
    8: (dict(competitive_recruitment=1.0, cadre_pay=1500.0), "graduates hired for years"),
    10: (dict(blame_pressure=0.0), "departments that do not escalate"),
    11: (dict(enterprise_support=1.0, **FREED), "enterprises with cadres' time to run them"),
}


@pytest.fixture(scope="module")
def baseline_patterns():
    return _patterns(Parameters(scale=0.05))


def _patterns(params) -> dict[int, validate.Pattern]:
    tables = validate.batch(params, 2, 7, executor="inprocess", progress=False)
    return {p.number: p for p in validate.check(tables)}


@pytest.mark.parametrize("number", sorted(BREAKERS))
def test_a_setting_in_range_makes_the_pattern_fail(baseline_patterns, number):
    levers, why = BREAKERS[number]
    assert baseline_patterns[number].holds, f"pattern {number} should hold in the baseline"
    broken = _patterns(dataclasses.replace(Parameters(scale=0.05), **levers))
    assert not broken[number].holds, f"pattern {number} still holds when {why}: " \
                                     f"{broken[number].figure}"
