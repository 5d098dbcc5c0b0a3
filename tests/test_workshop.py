"""The workshop tool without a browser: honest sliders (every scenario's value is a position, and
the sliders of a scenario rebuild exactly its parameters), levers moved mid-run act when the
model reads them, sessions and the complete scenario file, chart options fit for a projector."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from juwei import app
from juwei.engine import UserError
from juwei.inputs import scenario as sc
from juwei.inputs import session as sessions
from juwei.model import LEVER_GROUPS, YEARLY_LEVERS, CountyModel, Parameters, levers
from juwei.present import charts

from .conftest import juwei

SCENARIOS = sc.available()


def test_every_scenario_value_of_every_lever_is_a_slider_position():
    for r in levers(LEVER_GROUPS, sessions.WORKSHOP):      # the levers the workshop's runs read
        positions = app.SLIDERS[r["name"]]
        assert positions == sorted(set(positions)) and len(positions) >= 3
        assert positions[0] >= r["low"] and positions[-1] <= r["high"]
        assert r["baseline"] in positions
        for s in SCENARIOS:
            assert getattr(s.params, r["name"]) in positions, (s.name, r["name"])


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_a_scenarios_sliders_rebuild_exactly_its_parameters(s):
    # what choosing the scenario puts on the sliders, read back as the app reads them
    shown = sessions.of_scenario(s, scale=0.1).levers
    for name, value in shown.items():
        assert app.SLIDERS[name][app.SLIDERS[name].index(value)] == value
        assert type(value) is type(getattr(s.params, name))
    params = app.County.params(s, shown, 0.1)
    assert params == dataclasses.replace(s.params, scale=0.1)


def test_levers_moved_mid_run_act_from_the_week_the_model_reads_them():
    # every lever at the far end of its range, moved after week 1: a yearly lever changes
    # nothing before the next budget year (week 52), any other changes something before it
    base = Parameters(scale=0.02, years=2)
    for r in levers(LEVER_GROUPS, base):       # a lever of a mechanism switched off reads nothing
        v = r["high"] if r["baseline"] != r["high"] else r["low"]
        moved = dataclasses.replace(base, **{r["name"]: int(v) if r["integer"] else v})
        a, b = CountyModel(base, seed=5), CountyModel(base, seed=5)
        a.step()
        b.step()
        b.set_params(moved)
        first = None
        for week in range(1, 58):
            a.step()
            b.step()
            if first is None and any(a.series[k][week] != b.series[k][week] for k in a.series):
                first = week
        if r["name"] in YEARLY_LEVERS:
            assert first is None or first >= 52, (r["name"], first)
        else:
            assert first is not None and first < 52, (r["name"], first)


def test_a_county_announces_where_a_moved_lever_acts_and_stops_at_its_horizon():
    s = sc.load("baseline")
    county = app.County("baseline", sessions.of_scenario(s).levers, 0.02, 1)
    county.step(10)
    assert county.set_lever("task_admission", 0.5) == 11
    assert county.set_lever("unit_sharing", 0.5) == 53           # the next budget year
    assert county.model.p.task_admission == 0.5
    county.step(10_000)
    assert county.week == county.horizon == 5 * 52
    county.step(1)
    assert county.week == county.horizon


def test_small_amounts_of_money_are_shown_in_wan_never_as_zero():
    from juwei.present.stats import in_wan
    assert [in_wan(x) for x in (0, 150, 2_000, 23_456, 1_234_567, 20_800_000)] == [
        "0", "0.015", "0.2", "2.3", "123", "2,080"]
    assert in_wan(2_000, signed=True) == "+0.2" and in_wan(-2_000, signed=True) == "-0.2"
    assert in_wan(float("nan")) == "–"


def test_the_money_meter_compares_with_the_settled_year_and_follows_cadre_pay():
    """The county keeps its settled year's money (before the switch) beside its own weekly
    accounts: raising cadre pay shows in the cadre-pay item from the next week, by seated
    cadres x 12 months, and in the total."""
    from juwei.model.indicators import MONEY_ITEMS
    s = sc.load("baseline")
    county = app.County("baseline", sessions.of_scenario(s).levers, 0.02, 1)
    before = county.before
    assert before["public_yuan"] == pytest.approx(sum(before[k] for k in MONEY_ITEMS))
    assert np.isnan(county.latest("public_yuan"))               # nothing run yet
    county.step(2)
    pay = county.latest("yuan_cadre_pay")
    county.set_lever("cadre_pay", s.params.cadre_pay + 100)
    county.step(1)
    seated = county.latest("yuan_cadre_pay") / (s.params.cadre_pay + 100) / 12
    assert county.latest("yuan_cadre_pay") - pay == pytest.approx(seated * 12 * 100, rel=0.05)
    assert county.latest("public_yuan") > before["public_yuan"]


def test_each_money_lever_has_its_cost_per_unit_from_the_models_accounts():
    """The Levers tab's costs: every lever that feeds a money item, measured by the model
    (cadre pay: about the seated cadres x 12 a year per 1 yuan a month; volunteer
    certificates cost a little, not nothing); levers spending no money have none."""
    from juwei.app import levers as guide
    costs = guide.unit_costs()
    assert set(costs) == set(guide.MONEY) and "inspections_per_year" not in costs
    county = app.County("baseline", {}, 0.02, 1)
    seated_x12 = county.before["yuan_cadre_pay"] / sc.load("baseline").params.cadre_pay
    assert costs["cadre_pay"] == pytest.approx(seated_x12, rel=0.1)
    assert 0 < costs["volunteer_reward"] < 1e5
    assert costs["infrastructure_investment"] > 0 and costs["service_stations"] > 0
    r = guide.describe("volunteer_reward")
    from juwei.present.i18n import t
    cell = guide.cost_cell(r, costs, lambda key, **fields: t(key, "zh", **fields), "zh")
    assert "元" in cell and "+0.0万元" not in cell and "+0万元" not in cell, cell


def test_the_presenters_baseline_twin_runs_on_the_same_random_numbers():
    """Presenter mode's faint line: the baseline on the same settled county, as far as the
    county shown; the baseline itself is its own twin, week for week."""
    base = app.County("baseline", sessions.of_scenario(sc.load("baseline")).levers, 0.02, 1)
    base.step(6)
    assert not base.differs()
    np.testing.assert_array_equal(base.twin("htc_index"), base.model.series["htc_index"][:6])
    other = app.County("separation", sessions.of_scenario(sc.load("separation")).levers,
                       0.02, 1)
    other.step(6)
    assert other.differs()
    np.testing.assert_array_equal(other.twin("htc_index"), base.model.series["htc_index"][:6])
    base.set_lever("cadre_pay", 1000.0)
    assert base.differs()


def test_charts_mark_lever_changes_draw_the_faint_baseline_and_save_as_png():
    years = np.arange(10) / 52
    option = charts.lines("t", years, {"a": np.linspace(0.7, 0.8, 10)}, y_name="0-1",
                          threshold=0.6, changes=[(4 / 52, "干部待遇→1500")],
                          faint={"基线": np.full(10, 0.75)}, save_as=("情景-图", "保存"))
    marks = option["series"][0]["markLine"]["data"]
    assert {"yAxis": 0.6} .items() <= marks[0].items() and marks[1]["xAxis"] == round(4 / 52, 3)
    assert marks[1]["label"]["formatter"] == "干部待遇→1500"
    faint = option["series"][-1]
    assert faint["name"] == "基线" and faint["lineStyle"]["type"] == "dashed"
    assert option["toolbox"]["feature"]["saveAsImage"]["name"] == "情景-图"
    assert "toolbox" not in charts.lines("t", years, {"a": np.zeros(10)}, y_name="0-1")


def test_the_baseline_runs_faint_under_each_line_in_its_colour_and_axis():
    """Presenter mode's baseline under every line: a faint line named like a drawn one takes
    its colour and axis (the right one too), is dashed and named after the baseline, and the
    legend lists the drawn lines only."""
    years = np.arange(10) / 52
    option = charts.lines("t", years, {"a": np.zeros(10), "b": np.ones(10) / 2}, y_name="0-1",
                          right={"h": np.full(10, 40.0)}, faint={
                              "a": np.zeros(10), "b": np.zeros(10), "h": np.zeros(10)},
                          faint_label="基线")
    drawn = {s["name"]: s for s in option["series"][:3]}
    faint = option["series"][3:]
    assert [s["name"] for s in faint] == ["a · 基线", "b · 基线", "h · 基线"]
    for s in faint:
        like = drawn[s["name"].split(" · ")[0]]
        assert s["color"] == like["color"] and s["yAxisIndex"] == like["yAxisIndex"]
        assert s["lineStyle"]["type"] == "dashed" and s["z"] < 2
    assert faint[2]["yAxisIndex"] == 1
    assert option["legend"]["data"] == ["a", "b", "h"]


def test_a_session_round_trips_and_bad_sessions_are_refused_in_one_line(tmp_path):
    s = sessions.of_scenario(sc.load("separation"), seed=7, scale=0.05, language="en")
    s = dataclasses.replace(s, levers={**s.levers, "cadre_pay": 450.0,
                                       "inspections_per_year": 12})
    path = tmp_path / "s.toml"
    path.write_text(sessions.dumps(s))
    assert sessions.load(path) == s
    bad = {"scenaro = \"baseline\"\n": "did you mean 'scenario'",
           "scenario = \"nowhere\"\n": "no shipped scenario",
           "seed = 0\n": "seed: expected 1 to 100",
           "seed = \"one\"\n": "seed: expected int",
           "language = \"fr\"\n": "language: expected one of zh, en",
           "[levers]\ncadre_pai = 400\n": "did you mean 'cadre_pay'",
           "[levers]\ntask_admission = 3.0\n": "task_admission",
           "scale = [\n": "not valid TOML"}
    for text, words in bad.items():
        path.write_text(text)
        with pytest.raises(UserError) as e:
            sessions.load(path)
        assert words in str(e.value) and str(path) in str(e.value) and "\n" not in str(e.value)
    r = juwei("app", "--session", path, "--port", "9")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not valid TOML" in r.stderr


def test_the_downloaded_levers_are_a_complete_scenario_that_compares_from_any_folder(tmp_path):
    s = sc.load("combined_reform")
    values = {**sessions.of_scenario(s).levers, "cadre_pay": 700.0}
    text = sessions.scenario_toml(s, values, "My levers", "我的方案", "My levers")
    assert "extends" not in text
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "my_levers.toml").write_text(text)
    mine = sc.load(str(folder / "my_levers.toml"))
    for name, value in values.items():
        assert getattr(mine.params, name) == value
    r = subprocess.run([sys.executable, "-m", "juwei", "compare", "baseline", "my_levers.toml",
                        "--dry-run"], cwd=folder, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_a_workshop_comparison_records_the_juwei_compare_command_that_reruns_it(tmp_path):
    """Its "to reproduce" line is a command for a terminal (was juwei.app.compare.work()): a
    shipped scenario by its name, my levers by the scenario file written beside its tables."""
    import json
    from juwei.app.compare import run_comparison
    from juwei.cli import build_parser
    from juwei.engine import Options
    base = sc.load("baseline").with_overrides({"scale": 0.02, "years": 1})
    mine = dataclasses.replace(base.with_overrides({"cadre_pay": base.params.cadre_pay + 100}),
                               name="my_levers", path="(workshop)")
    out = tmp_path / "app-compare"
    run_comparison([base, mine], 2, Options(out, executor="inprocess", progress=False), "zh")
    command = json.loads((out / "manifest.json").read_text())["command"]
    file = out / "scenarios" / "my_levers.toml"
    assert command[:4] == ["juwei", "compare", "baseline", str(file)], command
    args = build_parser().parse_args(command[1:])
    assert (args.replicates, args.years, args.scale, args.lang) == (2, 1, 0.02, "zh")
    assert sc.load(str(file)).params == dataclasses.replace(mine.params, scale=1.0, years=5)
    assert " ".join(command) in (out / "report.html").read_text("utf-8")


def _font_sizes(option):
    if isinstance(option, dict):
        for k, v in option.items():
            if k == "fontSize":
                yield v
            else:
                yield from _font_sizes(v)
    elif isinstance(option, list):
        for v in option:
            yield from _font_sizes(v)


def test_chart_text_is_large_and_axes_are_fixed():
    years = np.arange(10) / 52
    line = charts.lines("t", years, {"a": np.linspace(0.7, 0.8, 10)}, y_name="0-1",
                        threshold=0.6, right={"h": np.full(10, 44.0)}, right_max=60)
    assert min(_font_sizes(line)) >= 14
    assert [(y["min"], y["max"]) for y in line["yAxis"]] == [(0, 1.0), (0, 60)]
    place = CountyModel(Parameters(scale=0.02, years=1)).county
    values = np.linspace(0, 1, place.n)
    view = charts.county("t", list(place.names), np.asarray(place.in_seat), values,
                         "admin_share", "share", "zh", "县城", "其他")
    assert min(_font_sizes(view)) >= 14
    assert len(view["series"][0]["data"]) == place.n            # no padding cells
    assert (view["visualMap"]["min"], view["visualMap"]["max"]) == (0.0, 1.0)
    names = [d["name"] for d in view["series"][0]["data"]]
    assert sorted(n.split(" · ")[0] for n in names) == sorted(place.names)
    bars = charts.effects("t", [{"label": "x", "diff": -0.1, "low": -0.2, "high": -0.05,
                                 "word": "对本县有利", "colour": "#1b7f2a"},
                                {"label": "y", "diff": 0.3, "low": None, "high": None,
                                 "word": "重复太少，无法判断", "colour": "#777777"}], "change")
    assert min(_font_sizes(bars)) >= 14
    shown = [b["label"]["formatter"] for b in bars["series"][0]["data"]]
    assert shown == ["+0.300 重复太少，无法判断", "-0.100 [-0.200, -0.050] 对本县有利"]
    # the committees' hover text is whole: no ECharts template left to fill in
    assert view["tooltip"]["formatter"] == "{b}"
    assert all(re.fullmatch(r".+ · (县城|其他): (\d\.\d\d|–)", n) for n in names)


def test_the_pareto_tab_reads_a_search_marks_the_reports_packages_and_keeps_types(
        tmp_path, monkeypatch):
    """The tab's packages: cheapest first, the report's cheapest per target marked (and shown
    even when outside the Pareto set), integer levers as integers."""
    import pandas as pd

    import juwei as api
    from juwei.app import pareto
    monkeypatch.setenv("JUWEI_RESULTS", str(tmp_path))
    s = api.search("search_packages", population=4, generations=1, replicates=2, years=1,
                     burn_in_years=1, scale=0.02, out=tmp_path / "s", executor="inprocess",
                     progress=False)
    c = pareto.read_search(tmp_path / "s")
    assert [r["extra_yuan"] for r in c["rows"]] == sorted(s.pareto.extra_yuan)
    assert c["third"] == "unmet_need" and c["levers"] == list(s.design.levers)
    for level, row in s.targets.items():
        marked = [r for r in c["rows"] if level in r["marks"]]
        assert [r["package"] for r in marked] == ([row["package"]] if row else [])
    assert all(type(pareto.exact(k, r[k])) is int for r in c["rows"]
               for k in ("inspections_per_year",))
    assert pareto.searches() == [tmp_path / "s"]
    # a target's package outside the Pareto set (e.g. over the budget) is still shown, said so
    target = s.targets[0.5]["package"]
    kept = s.pareto[s.pareto.package != target]
    pd.DataFrame(kept).to_parquet(tmp_path / "s" / "pareto.parquet")
    (tmp_path / "s" / "manifest.json").touch()
    c = pareto.read_search(tmp_path / "s")
    outside = [r for r in c["rows"] if r.get("outside")]
    assert [r["package"] for r in outside] == [target] and 0.5 in outside[0]["marks"]
def test_the_money_meters_hours_freed_agree_in_sign():
    """A cadre's week and the county's year are one base scaled: more cadres seated (each
    working fewer hours, all together more) no longer reads as hours freed per cadre but lost
    in the county, as it did under the baseline at week 120."""
    from juwei.app.explore import hours_freed, hours_said
    from juwei.present.i18n import t
    before = {"admin_hours_per_cadre": 20.0, "admin_hours_per_year": 20.0 * 100 * 52}
    now = {"admin_hours_per_cadre": 19.1, "admin_hours_per_year": 19.1 * 105 * 52}
    week, year = hours_freed(before, now)
    assert week == pytest.approx(0.9) and year == pytest.approx(0.9 * 105 * 52)
    # said as hours freed, or added ("腾出-0.4小时" read oddly), or the same as before
    zh, en = (lambda key, **f: t(key, "zh", **f)), (lambda key, **f: t(key, "en", **f))
    assert "腾出0.9小时" in hours_said(zh, 19.1, week, year)
    said = hours_said(zh, 20.4, -0.4, -2184)
    assert "增加0.4小时" in said and "一年增加2,184小时" in said and "-" not in said, said
    said = hours_said(en, 20.4, -0.4, -2184)
    assert "0.4 more than before" in said and "2,184 more hours" in said and "-" not in said
    assert "与启用前相同" in hours_said(zh, 20.0, 0.04, 200.0)
    s = sc.load("baseline")
    county = app.County("baseline", sessions.of_scenario(s).levers, 0.02, 1)
    for _ in range(6):
        county.step(20)
        week, year = hours_freed(county.before, {k: county.latest(k) for k in county.before})
        assert np.sign(round(week, 1)) * np.sign(round(year)) >= 0, (county.week, week, year)


def test_lever_markers_a_few_weeks_apart_are_one_marker_with_each_levers_last_value():
    """Three presses on a slider in three weeks drew three overlapping markers (a smear)."""
    from juwei.present.charts import MERGE_WEEKS, merge_changes
    week = 1 / 52
    changes = [(3 * week, "工资→1100"), (4 * week, "工资→1200"), (5 * week, "准入→0.3"),
               (5 * week, "工资→1300"), ((5 + MERGE_WEEKS + 3) * week, "工资→1500")]
    assert merge_changes(changes) == [(3 * week, "准入→0.3, 工资→1300"),
                                      ((8 + MERGE_WEEKS) * week, "工资→1500")]
    option = charts.lines("t", np.arange(3) / 52, {"a": np.zeros(3)}, y_name="", changes=changes)
    assert len(option["series"][0]["markLine"]["data"]) == 2


def test_the_readme_says_what_the_page_does():
    """The README said a 3-year warm-up (the page: 6) and named the Chinese CSV in English."""
    from juwei.app.state import file_name
    from juwei.present import i18n
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    assert f"{Parameters().burn_in_years}-year warm-up" in readme
    title = i18n.scenario_title(sc.load("separation"), "zh")
    for kind, ext in (("app.file.handout", "html"), ("", "csv")):
        name = file_name(i18n.t("app.file.compare", "zh"), title,
                         i18n.t(kind, "zh") if kind else "", "2026-12-06", ext=ext)
        assert f"`{name}`" in readme, name


def test_a_refused_file_on_the_page_says_its_kind_in_the_pages_language():
    """A bad session or scenario file's message was English on the Chinese page: the kind of
    mistake is said in the page's language, re-worded when the language changes."""
    from juwei.app.state import refusal, said
    line = ("app.session.bad", {"error": refusal(UserError(
        "sessions/w.toml: levers.cadre_pay: 9000.0 is outside the range 200.0..1500.0"))})
    zh, en = said(line, "zh"), said(line, "en")
    assert zh.startswith("会话未载入：数值超出允许范围：sessions/w.toml: levers.cadre_pay"), zh
    assert en == ("The session was not loaded: sessions/w.toml: levers.cadre_pay: 9000.0 is "
                  "outside the range 200.0..1500.0"), en
