"""Patterns that could have failed: for each pattern of spec §7, a setting within the documented
ranges under which `juwei validate` reports it failing (ODD §1.2). A pattern that cannot fail is
no validation. Pattern 6 fails only when the county's inputs change (the focus money, the
venues and units the essay describes), so it is partly imposed (ODD §1.2). Pattern 9 is a claim
of no effect ("push does not raise participation or trust"):
no setting in range makes push raise them, so its test here shows instead that its negative
sign comes from the mechanism (committees answer for the inspected work put on them), not from
construction."""

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
    6: (dict(seat_focus_yuan=0.0, venue_places_new=30.0, unit_places_township=60.0),
        "the county spends alike, new townships get the old ones' rooms and townships' units "
        "offer as many places per resident as Jiangkou's"),
    7: (dict(office_rent_yuan=0.0, rent_logistics_share=0.0, renting_venue_share=1.0),
        "a rented office that costs nothing and is as good as an owned one"),
    8: (dict(competitive_recruitment=1.0, cadre_pay=1500.0), "graduates hired for years"),
    10: (dict(blame_pressure=0.0), "departments that do not escalate"),
    11: (dict(enterprise_support=1.0, **FREED), "enterprises with cadres' time to run them"),
}


@pytest.fixture(scope="module")
def baseline_patterns():
    return _patterns(Parameters(scale=0.05))


def _patterns(params, replicates=2) -> dict[int, validate.Pattern]:
    tables = validate.batch(params, replicates, 7, executor="inprocess", progress=False)
    return {p.number: p for p in validate.check(tables)}


@pytest.mark.parametrize("number", sorted(BREAKERS))
def test_a_setting_in_range_makes_the_pattern_fail(baseline_patterns, number):
    levers, why = BREAKERS[number]
    assert baseline_patterns[number].holds, f"pattern {number} should hold in the baseline"
    # four replicates: a pattern with no effect left holds by chance in about half of them
    broken = _patterns(dataclasses.replace(Parameters(scale=0.05), **levers), replicates=4)
    assert not broken[number].holds, f"pattern {number} still holds when {why}: " \
                                     f"{broken[number].figure}"


def test_push_lowers_trust_through_accountability():
    """Pattern 9's mechanism: with departments' reach differing widely, committees carrying more
    inspected work per cadre give residents less, so trust falls with push; when cadres answer
    for nothing, that channel is gone."""
    wide = dataclasses.replace(Parameters(scale=0.05), reach_spread=0.9)
    trust = _patterns(wide)[9].others["trust"]
    free = _patterns(dataclasses.replace(wide, accountability_weight=0.0))[9].others["trust"]
    assert trust < -0.3, trust
    assert free > trust + 0.2, (free, trust)
