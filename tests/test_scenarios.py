"""Scenario files: they load, the baseline file matches the model's defaults, errors are clear."""

import dataclasses

import pytest

from juwei.engine import UserError
from juwei.inputs import scenario as sc
from juwei.inputs.files import SCENARIO_DIR
from juwei.model import Parameters, levers
from juwei.model.params import LEVER_GROUPS, OTHER_GROUPS


def test_baseline_file_is_the_model_default():
    assert sc.load("baseline").params == Parameters()


def test_baseline_file_lists_every_lever():
    text = (SCENARIO_DIR / "baseline.toml").read_text()
    for row in levers(LEVER_GROUPS):
        assert f"\n{row['name']} = " in text


def test_every_scenario_loads_with_a_description_and_changes_only_levers():
    scenarios = sc.available()
    assert scenarios[0].name == "baseline"
    assert len(scenarios) >= 12
    for s in scenarios:
        assert s.description, s.name
        if s.name != "baseline":
            assert s.changes, f"{s.name} changes nothing"
            groups = {row["group"] for row in levers(LEVER_GROUPS + OTHER_GROUPS)
                      if row["name"] in s.changes}
            assert groups <= set(LEVER_GROUPS), s.name


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("text, expected", [
    ('task_admision = 0.5', "unknown parameter 'task_admision'; did you mean 'task_admission'?"),
    ('task_admission = "half"', "task_admission: expected a number, got str"),
    ('task_admission = 1.5', "task_admission: 1.5 is outside the range 0.0..0.9"),
    ('inspections_per_year = 2.5', "inspections_per_year: expected a whole number"),
    ('transparency = true', "transparency: expected a number, got bool"),
    ('transparency = 0.5\ntransparency = 0.6', "not valid TOML"),
    ('transparency = ', "not valid TOML"),
    ('description = 3', "description: expected a string"),
    ('extends = "missing.toml"', "extends: no such file"),
    ('[levers]\ntransparency = 0.5', "levers: tables are not used"),
])
def test_bad_scenarios_name_file_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as e:
        sc.load(path)
    message = str(e.value)
    assert message.startswith(path)
    assert expected in message
    assert "\n" not in message


def test_extends_overrides_only_what_it_changes(tmp_path):
    base = write(tmp_path, 'description = "b"\ncadre_pay = 800.0\ntransparency = 0.4', "b.toml")
    child = write(tmp_path, 'extends = "b.toml"\ntransparency = 0.9', "c.toml")
    s = sc.load(child)
    assert s.params.cadre_pay == 800.0 and s.params.transparency == 0.9
    assert s.changes == {"cadre_pay": 800.0, "transparency": 0.9}
    assert sc.load(base).params.transparency == 0.4


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, 'extends = "b.toml"', "a.toml")
    b = write(tmp_path, 'extends = "a.toml"', "b.toml")
    with pytest.raises(UserError, match="extends itself"):
        sc.load(b)


def test_unknown_scenario_name_suggests(tmp_path):
    with pytest.raises(UserError, match="did you mean 'baseline'"):
        sc.load("baseline_")


def test_set_overrides_are_validated():
    s = sc.load("baseline")
    assert s.with_overrides(sc.parse_set(["cadre_pay=900"])).params.cadre_pay == 900.0
    with pytest.raises(UserError, match="--set: unknown parameter 'cadre_py'; did you mean"):
        s.with_overrides(sc.parse_set(["cadre_py=900"]))
    with pytest.raises(UserError, match="--set: cadre_pay: expected a number, got str 'lots'"):
        s.with_overrides(sc.parse_set(["cadre_pay=lots"]))
    with pytest.raises(UserError, match="expected parameter=value"):
        sc.parse_set(["cadre_pay"])


def test_parameters_reject_out_of_range_directly():
    with pytest.raises(ValueError, match="scale"):
        Parameters(scale=0.0)
    with pytest.raises(ValueError, match="years"):
        dataclasses.replace(Parameters(), years=0)


def test_a_scenario_kept_anywhere_extends_a_shipped_one_by_its_file_name(tmp_path):
    """The dashboard's download says `extends = "baseline.toml"`; it must load from any folder
    (README, the workshop's step 5)."""
    path = write(tmp_path, 'description = "mine"\nextends = "baseline.toml"\ncadre_pay = 800.0\n')
    s = sc.load(path)
    assert s.params.cadre_pay == 800.0 and s.changes == {"cadre_pay": 800.0}
    with pytest.raises(UserError, match="no such file .*; did you mean 'baseline'"):
        sc.load(write(tmp_path, 'description = "x"\nextends = "baselin.toml"\n', "y.toml"))
    # by its name, as the commands take it; a file beside wins over a shipped one
    s = sc.load(write(tmp_path, 'extends = "separation"\ncadre_pay = 800.0\n', "z.toml"))
    assert s.params.task_admission == 0.5 and s.params.cadre_pay == 800.0
    write(tmp_path, 'extends = "baseline"\ntask_admission = 0.2\n', "separation.toml")
    assert sc.load(str(tmp_path / "z.toml")).params.task_admission == 0.2
    # one's own baseline.toml extends the shipped one (not itself), by name or file name
    for parent in ("baseline", "baseline.toml"):
        own = write(tmp_path, f'extends = "{parent}"\ncadre_pay = 700.0\n', "baseline.toml")
        assert sc.load(str(own)).params.cadre_pay == 700.0
    # a misspelt parent is suggested from the files beside it too
    write(tmp_path, 'cadre_pay = 900.0\n', "my_base.toml")
    with pytest.raises(UserError, match="did you mean 'my_base'"):
        sc.load(write(tmp_path, 'extends = "my_bse"\n', "w.toml"))
