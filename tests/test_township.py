"""The township government (乡镇, 越位 and 缺位; ODD §7.1a): its yearly choice moves the way the
county's assessment says, each of its levers acts through that choice, and each movement has a
setting under which it is gone."""

import dataclasses

import numpy as np
import pytest

from juwei.model import CountyModel, Parameters, essay_county, run
from juwei.model.agents import TOWNSHIP_COLUMNS, Table, choose_stances

ON = Parameters(township_agent=1, township_switch_cost=0.0)    # the score alone, no inertia
K = 4000                                  # townships of one draw: mean stances within about 0.01


def stance(p=ON, need=100.0, last=0.5, draw_seed=1) -> float:
    """The mean directing share K alike townships choose, each serving one committee of the mean
    size outside the seat with `need` hours a week and the ordinary transfer of 12,000 yuan,
    having directed at `last` last year."""
    t = Table(TOWNSHIP_COLUMNS, names=[""] * K, directing=np.full(K, last))
    choose_stances(t, np.arange(K), np.full(K, need), np.ones(K), np.full(K, 12_000.0),
                   np.random.default_rng(draw_seed).random(K), p)
    assert set(np.unique(t.directing)) <= set(np.linspace(0, 1, p.township_stances))
    return float(t.directing.mean())


def test_the_assessment_decides_how_far_townships_direct():
    assert stance(dataclasses.replace(ON, outcome_credit=0.0)) > 0.85       # activity only
    assert stance(dataclasses.replace(ON, activity_credit=0.0, money_credit=0.0)) < 0.15
    # committees with much need for what directing takes: the township directs less
    assert stance(need=60.0) < stance(need=400.0) - 0.3


def test_clear_functions_lower_directing_unless_the_township_chooses_at_random():
    clear = dataclasses.replace(ON, clear_functions=1.0)
    assert stance(clear) < stance(ON) - 0.2
    blind = dataclasses.replace(ON, township_precision=0.0)
    assert stance(dataclasses.replace(blind, clear_functions=1.0)) == stance(blind)
    assert abs(stance(blind) - 0.5) < 0.02                    # every share alike


def test_the_cost_of_moving_keeps_a_township_near_last_years_share():
    sticky = dataclasses.replace(ON, township_switch_cost=5.0)
    assert abs(stance(sticky, last=0.0) - 0.0) < 0.05
    assert abs(stance(sticky, last=1.0) - 1.0) < 0.05
    assert stance(ON, last=0.0) == stance(ON, last=1.0)       # without it, the past is gone


def test_a_township_whose_committees_have_no_need_expects_to_lose_none():
    assert stance(need=0.0) > 0.85 and stance(need=0.0) == stance(need=1e12)


def test_linked_cadres_make_directing_dearer_in_the_townships_eyes():
    assert stance(dataclasses.replace(ON, township_liaison=1.0)) < stance(ON) - 0.2
    assert stance(dataclasses.replace(ON, township_liaison=1.0, liaison_hours_per_week=0.0)) \
        == stance(ON)


def county(seed: int, **values) -> dict:
    return run(Parameters(scale=0.03, years=2, burn_in_years=3, township_agent=1, **values),
               seed).summary


def test_a_directing_township_loads_its_committees_and_residents_pay():
    """Townships held at full directing against townships held at none (precision 50 makes the
    choice the best-scoring share, the credits pick it): more tasks, a higher administrative
    share and more unmet need in every seed."""
    direct = dict(township_precision=50.0, outcome_credit=0.0)
    support = dict(township_precision=50.0, activity_credit=0.0, money_credit=0.0,
                   outcome_credit=50.0)
    for seed in (1, 2, 3):
        d, s = county(seed, **direct), county(seed, **support)
        assert d["township_directing"] == 1.0 and s["township_directing"] == 0.0
        assert d["tasks_per_committee_year"] > s["tasks_per_committee_year"] + 100, seed
        assert d["admin_share"] > s["admin_share"], seed
        assert d["unmet_need"] > s["unmet_need"], seed


def test_linked_cadres_help_under_a_supporting_township_and_check_under_a_directing_one():
    """The lever's sign is the township's choice: its cadres' hours serve residents where the
    township supports, and are reports the committee prepares where it directs."""
    support = dict(township_precision=50.0, activity_credit=0.0, money_credit=0.0,
                   outcome_credit=50.0)
    direct = dict(township_precision=50.0, outcome_credit=0.0)
    helped = [county(s, township_liaison=1.0, **support)["unmet_need"]
              - county(s, **support)["unmet_need"] for s in (1, 2, 3)]
    checked = [county(s, township_liaison=1.0, **direct)["admin_share"]
               - county(s, **direct)["admin_share"] for s in (1, 2, 3)]
    assert np.mean(helped) < 0 and np.mean(checked) > 0, (helped, checked)


def test_a_directing_township_keeps_part_of_its_committees_money():
    """In the first budget year every township directs at `township_initial_directing`: each
    committee's discretionary money is short by exactly the kept share of its ordinary
    transfer; its budget, the county's allotment, is not (the own-income share does not rise by
    definition)."""
    p = Parameters(scale=0.01, years=1, burn_in_years=0)
    off = CountyModel(p, seed=4)
    on = CountyModel(dataclasses.replace(p, township_agent=1, township_initial_directing=1.0),
                     seed=4)
    off.step(), on.step()
    c = off.committees
    ordinary = c.transfer - p.seat_focus_yuan * c.seat
    kept = p.township_withhold_share * ordinary
    assert np.allclose(c.discretionary - on.committees.discretionary,
                       p.discretionary_share * kept)
    np.testing.assert_array_equal(c.budget, on.committees.budget)


def test_every_switch_has_its_indicator_and_every_indicator_its_switch():
    """The switches the schema's `needs` name (params.SWITCHES, which designs refuse as search
    levers) are the mechanisms whose indicators comparisons show (indicators.SWITCHED)."""
    from juwei.model.indicators import SWITCHED
    from juwei.model.params import SWITCHES
    assert set(SWITCHED.values()) == SWITCHES


def test_without_the_switch_its_constants_are_never_read():
    p = Parameters(scale=0.02, years=1, burn_in_years=0)
    from juwei.model.params import FIELDS, switch_of
    township = [k for k in FIELDS if switch_of(k) == "township_agent"]
    assert len(township) == 12
    moved = dataclasses.replace(p, **{k: FIELDS[k].metadata["high"] for k in township})
    a, b = run(p, 2), run(moved, 2)
    for k in a.series:
        np.testing.assert_array_equal(a.series[k], b.series[k], err_msg=k)
    assert (a.series["township_directing"] == 0).all()


def test_a_warm_start_switches_the_assessment_for_the_first_choice_after_it():
    """The burn-in runs under the base's assessment; the choice at the switch (a budget year's
    start) reads the scenario's: with the activity credit alone deciding, clear functions turn
    every township from directing fully to not at all from the switch on."""
    p = Parameters(scale=0.02, years=1, burn_in_years=2, township_agent=1,
                   township_precision=50.0, activity_credit=5.0, money_credit=0.0,
                   township_switch_cost=0.0)
    base = run(p, 3)
    clear = run(dataclasses.replace(p, clear_functions=1.0), 3)
    assert (base.series["township_directing"][-52:] == 1.0).all()
    assert (clear.series["township_directing"][-52:] == 0.0).all()


def test_the_county_file_says_which_township_serves_each_committee():
    names, served_by = essay_county().townships()
    assert names[0] == "Jiangkou" and len(names) == 9
    assert np.bincount(served_by).tolist() == [11, 7, 7, 7, 7, 6, 6, 6, 6]


def test_the_switch_is_fixed_for_a_run():
    m = CountyModel(Parameters(scale=0.01, years=1, burn_in_years=0), seed=1)
    with pytest.raises(ValueError, match="township_agent is fixed"):
        m.set_params(Parameters(scale=0.01, years=1, burn_in_years=0, township_agent=1))


def test_its_levers_are_offered_only_where_a_run_reads_them():
    """The workshop runs the shipped structure (no township): no sliders; a scenario that sets
    either lever without the switch is refused, and accepted with it."""
    import juwei
    from juwei.engine import UserError
    from juwei.inputs.session import LEVERS
    for name in ("clear_functions", "township_liaison"):
        assert name not in LEVERS
        with pytest.raises(UserError, match="only with township_agent=1"):
            juwei.as_scenario(("baseline", {name: 1.0}))
        assert getattr(juwei.as_scenario(("baseline", {name: 1.0, "township_agent": 1})).params,
                       name) == 1.0


@pytest.mark.parametrize("name", ["clear_functions", "township_liaison"])
def test_its_levers_moved_mid_run_act_when_the_model_reads_them(name):
    """Clear functions act at the townships' next choice (a yearly lever, from week 52); the
    linked cadres' hours from the next week (as tests/test_workshop.py checks the others)."""
    from juwei.model import YEARLY_LEVERS
    base = Parameters(scale=0.02, years=2, township_agent=1)
    a, b = CountyModel(base, seed=5), CountyModel(base, seed=5)
    a.step(), b.step()
    b.set_params(dataclasses.replace(base, **{name: 1.0}))
    first = None
    for week in range(1, 58):
        a.step(), b.step()
        if first is None and any(a.series[k][week] != b.series[k][week] for k in a.series):
            first = week
    assert first is not None
    assert (first >= 52) == (name in YEARLY_LEVERS), first


def test_a_comparison_whose_scenario_switches_the_township_on_says_what_it_measures(tmp_path):
    """The switch set in one scenario file compares the township with its lever, not the lever:
    the comparison says so, and not when the switch is given to the whole comparison."""
    from .conftest import juwei as command
    clear = tmp_path / "clear.toml"
    clear.write_text('description = "clear"\nextends = "baseline.toml"\ntownship_agent = 1\n'
                     'clear_functions = 1.0\n')
    size = ("--replicates", "2", "--scale", "0.01", "--years", "1", "--dry-run")
    r = command("compare", "baseline", str(clear), *size)
    assert r.returncode == 0 and "give --set township_agent=1 to the whole comparison" in r.stderr
    r = command("compare", "baseline", str(clear), "--set", "township_agent=1", *size)
    assert r.returncode == 0 and "note:" not in r.stderr


def test_a_run_reports_each_township_governments_stance(tmp_path):
    """`juwei run` with the switch names each township government with its directing share
    (terminal and townships.csv), from the committees it serves; without it, neither."""
    import pandas as pd
    from .conftest import juwei as command
    size = ("--replicates", "2", "--scale", "0.02", "--years", "2")
    r = command("run", "baseline", "--set", "township_agent=1", *size, "--out", tmp_path / "on")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "on" / "mechanisms.png").is_file()     # its series has a figure
    table = pd.read_csv(tmp_path / "on" / "townships.csv")
    names, served_by = essay_county().townships()
    assert table.township.tolist() == names and table.committees.sum() == len(served_by)
    assert ((table.lowest <= table.directing) & (table.directing <= table.highest)).all()
    assert table.directing.between(0, 1).all() and table.highest.max() > 0
    committees = pd.read_parquet(tmp_path / "on" / "committees.parquet")
    assert (committees.groupby("committee").township.first().to_numpy() == served_by).all()
    assert "Jiangkou" in r.stdout and "directing share" in r.stdout
    r = command("run", "baseline", *size, "--out", tmp_path / "off")
    assert r.returncode == 0 and not (tmp_path / "off" / "townships.csv").exists()
    assert not (tmp_path / "off" / "mechanisms.png").exists()
    assert "directing share" not in r.stdout


def test_a_comparison_with_the_township_shows_its_directing_share(tmp_path):
    """The switched mechanism's indicator is a column of the terminal's table and a row of the
    report's, and only when the comparison runs with it."""
    from .conftest import juwei as command
    size = ("--replicates", "2", "--scale", "0.02", "--years", "2", "--burn-in", "0")
    r = command("compare", "baseline", "separation", "--set", "township_agent=1", *size,
                "--out", tmp_path / "on")
    assert r.returncode == 0, r.stderr
    header = next(line for line in r.stdout.splitlines() if line.strip().startswith("scenario"))
    assert header.split()[-1] == "township_directing" and " htc_index " in header
    assert "<td>township_directing</td>" in (tmp_path / "on" / "report.html").read_text("utf-8")
    # each township government per scenario, as `run` gives it for one (terminal and CSV)
    import pandas as pd
    table = pd.read_csv(tmp_path / "on" / "townships.csv")
    names, _ = essay_county().townships()
    assert table.scenario.unique().tolist() == ["baseline", "separation"]
    assert (table.groupby("scenario").township.apply(list) == [names, names]).all()
    assert r.stdout.count("Jiangkou ") == 2 and "directing share" in r.stdout
    r = command("compare", "baseline", "separation", *size, "--out", tmp_path / "off")
    assert r.returncode == 0 and "township_directing" not in r.stdout
    assert not (tmp_path / "off" / "townships.csv").exists() and "Jiangkou" not in r.stdout
    # its panel in the series figure: a ninth panel, a third row of four
    from matplotlib.image import imread
    rows = {k: imread(tmp_path / k / "compare-series.png").shape[0] for k in ("on", "off")}
    assert rows["on"] > 1.3 * rows["off"], rows


def test_a_design_whose_output_or_objective_needs_the_township_says_so(tmp_path):
    """Its indicator is 0 in every run while the switch is off: a sweep that asks for it as an
    output, or a search as an objective, without the switch is refused (one line, status 2);
    with the switch in its scenario it runs."""
    from .conftest import juwei as command
    sweep = ('description = "x"\nscenario = "{s}"\nsampling = "grid"\nlevels = 2\n'
             'outputs = ["township_directing"]\n[levers]\ntask_admission = [0.0, 0.8]\n')
    search = ('description = "x"\nscenario = "{s}"\n[levers]\ntask_admission = [0.0, 0.8]\n'
              '[objectives]\nextra_yuan = {{}}\ntownship_directing = {{}}\n')
    (tmp_path / "on.toml").write_text('description = "on"\nextends = "baseline.toml"\n'
                                      'township_agent = 1\n')
    for kind, text in (("sweep", sweep), ("search", search)):
        off, on = tmp_path / f"{kind}_off.toml", tmp_path / f"{kind}_on.toml"
        off.write_text(text.format(s="baseline"))
        on.write_text(text.format(s="on.toml"))
        r = command(kind, str(off), "--dry-run")
        assert r.returncode == 2 and "unless the" in r.stderr and "township_agent = 1" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert command(kind, str(on), "--dry-run").returncode == 0


def test_the_note_on_a_switched_scenario_is_said_in_chinese_too():
    from juwei.inputs import scenario as sc
    from juwei.present.compare_page import mechanism_notes
    on = sc.load("baseline").with_overrides({"township_agent": 1})
    assert mechanism_notes([sc.load("baseline"), sc.load("baseline")], "zh") == []
    [note] = mechanism_notes([sc.load("baseline"), on], "zh", {"baseline": "试点"})
    assert note.startswith("「试点」") and "--set township_agent=1" in note
