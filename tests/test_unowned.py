"""Problems no one owns (推诿扯皮, 两不管; ODD §7.7a): each side's decision moves the way its
reason says, the separation lists give problems owners, and each movement has a setting under
which it is gone."""

import dataclasses

import numpy as np
import pytest

from juwei.model import Parameters, run
from juwei.model import workload

ON = Parameters(buck_passing=1)
N = 2000                                  # committees of one draw: shares within about 0.02


def handled(p=ON, service_share=0.0, cadre_services=1e9, pressure=1.0, seed=1):
    """The share of the joint problems' hours handled, over N alike committees."""
    out = workload.joint_problems(np.random.default_rng(seed), np.ones(N), np.full(N, service_share),
                                  np.full(N, cadre_services), np.full(2, pressure),
                                  np.full(2, 0.5), p)
    assert (out["handled"] <= out["need"] + 1e-9).all()
    return out["handled"].sum() / out["need"].sum()


def test_a_committee_takes_up_more_the_more_it_weighs_residents():
    shy = dataclasses.replace(ON, department_goodwill=0.0)
    assert handled(shy, service_share=0.6) > handled(shy, service_share=0.1) + 0.3
    assert handled(shy, service_share=0.0) == 0.0            # no one takes up what no list gives


def test_blamed_departments_let_more_lie_unless_they_never_take_any_up():
    assert handled(pressure=1.0) > handled(pressure=3.0) + 0.1
    none = dataclasses.replace(ON, department_goodwill=0.0)
    assert handled(none, pressure=1.0) == handled(none, pressure=3.0) == 0.0


def test_a_calm_department_of_full_goodwill_takes_up_every_passed_problem():
    """The push weights sum to 1 only up to rounding: the chance must not pass 1."""
    weight = np.array([3.0, 1, 1, 1, 1, 1, 1]) / 9.0            # sums to 1 + 2e-16
    willing = dataclasses.replace(ON, department_goodwill=1.0)
    out = workload.joint_problems(np.random.default_rng(1), np.ones(N), np.zeros(N),
                                  np.full(N, 1e9), np.ones(7), weight, willing)
    assert (out["handled"] == out["need"]).all()


def test_lists_give_every_problem_an_owner_as_far_as_the_owners_hours_go():
    listed = dataclasses.replace(ON, responsibility_lists=1.0, department_goodwill=0.0)
    assert handled(listed) == 1.0
    # listed to committees whose cadres have no service hours: lists alone do not do the work
    to_committees = dataclasses.replace(listed, listed_department_share=0.0)
    assert handled(to_committees, cadre_services=0.0) == 0.0


def county(seed: int, **values) -> dict:
    return run(Parameters(scale=0.05, years=2, burn_in_years=3, buck_passing=1, **values),
               seed).summary


def test_lists_cut_what_no_one_handles_and_residents_unmet_need():
    """In every seed most of what lay unhandled gets an owner. Lists that give every problem to
    the departments cut unmet need (about 0.03 over three seeds, each seed's noise about 0.015);
    half to the committees cuts it less, as their cadres take the hours from other services."""
    cut = []
    for seed in (1, 2, 3):
        none = county(seed)
        lists = county(seed, responsibility_lists=1.0, listed_department_share=1.0)
        assert lists["unowned_share"] < none["unowned_share"] - 0.3, (seed, none, lists)
        cut.append(none["unmet_need"] - lists["unmet_need"])
    assert np.mean(cut) > 0.01, cut


def test_with_no_joint_problems_the_switch_changes_nothing():
    """Down to committees with no need at all (a small scale has some), bit for bit."""
    p = Parameters(scale=0.005, years=1, burn_in_years=0)
    a = run(p, 5)
    b = run(dataclasses.replace(p, buck_passing=1, joint_problems_per_week=0.0), 5)
    assert all(np.array_equal(a.series[k], b.series[k], equal_nan=True) for k in a.series)


def test_without_joint_problems_lists_change_nothing():
    """(Two runs with the switch on: the lists themselves move nothing when none arrive.)"""
    p = Parameters(scale=0.02, years=1, burn_in_years=0, buck_passing=1,
                   joint_problems_per_week=0.0)
    a, b = run(p, 5), run(dataclasses.replace(p, responsibility_lists=1.0), 5)
    assert all(np.array_equal(a.series[k], b.series[k], equal_nan=True) for k in a.series)
    assert (a.series["unowned_share"][~np.isnan(a.series["unowned_share"])] == 0).all()


def test_switched_off_none_of_its_constants_is_read_and_the_draws_stay():
    p = Parameters(scale=0.02, years=1, burn_in_years=0)
    moved = dataclasses.replace(p, responsibility_lists=1.0, joint_problems_per_week=9.0,
                                department_goodwill=1.0, listed_department_share=0.0)
    a, b = run(p, 5), run(moved, 5)
    assert all(np.array_equal(a.series[k], b.series[k], equal_nan=True) for k in a.series)
    assert (a.series["unowned_share"][~np.isnan(a.series["unowned_share"])] == 0).all()


def test_the_lists_lever_is_offered_only_where_a_run_reads_it():
    """The workshop runs the shipped structure, where the lists would do nothing: no slider
    (a design that varies it is refused, test_engine); the schema still lists it."""
    from juwei.inputs.session import LEVERS
    from juwei.model import LEVER_GROUPS, levers
    assert "responsibility_lists" not in LEVERS and "deliberation" in LEVERS
    assert "responsibility_lists" in {r["name"] for r in levers(LEVER_GROUPS, ON)}
    assert "responsibility_lists" in {r["name"] for r in levers(LEVER_GROUPS)}     # the schema


def test_a_scenario_that_sets_the_lists_without_the_switch_is_refused(tmp_path):
    """Two arms alike but for a lever no run reads would compare nothing: refused, by file and
    from Python, and accepted with the switch."""
    import juwei
    from juwei.engine import UserError
    from .conftest import juwei as command
    lists = tmp_path / "lists.toml"
    lists.write_text('description = "lists"\nextends = "baseline.toml"\n'
                     'responsibility_lists = 1.0\n')
    r = command("run", str(lists), "--replicates", "2", "--scale", "0.01", "--years", "1",
                "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "responsibility_lists: not read by this run" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
    with pytest.raises(UserError, match="only with buck_passing=1"):
        juwei.as_scenario(("baseline", {"responsibility_lists": 1.0}))
    assert juwei.as_scenario(str(lists), levers={"buck_passing": 1}).params.responsibility_lists == 1
