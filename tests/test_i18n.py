"""The catalogues (juwei.present.i18n): every scenario, lever, constant, indicator and unit has
its Chinese words; the two languages' catalogues have the same keys; the browser's language is
picked right; a scenario file's titles are checked like its other keys."""

import re

import pytest

from juwei.engine import UserError
from juwei.inputs import scenario as sc
from juwei.model import LEVER_GROUPS, OTHER_GROUPS, levers
from juwei.model.indicators import INDICATORS
from juwei.present import i18n

CJK = re.compile(r"[\u4e00-\u9fff]")
# Latin letters allowed in Chinese text: the index's parts and the Beta distribution's parameters
ALLOWED_CODES = {"H", "T", "C", "htc", "a", "b"}
SHARED_SECTIONS = ("sure", "app", "report", "handout", "cost")
LEVERS = levers(LEVER_GROUPS)
CONSTANTS = levers(OTHER_GROUPS)


def english(text: str) -> set[str]:
    """Latin words of a Chinese text that are not allowed codes ('0-1' has none)."""
    return set(re.findall(r"[A-Za-z]+", text)) - ALLOWED_CODES


def used_units() -> set[str]:
    return {r["unit"] for r in LEVERS + CONSTANTS} | {i.unit for i in INDICATORS.values()}


# --- scenarios ---------------------------------------------------------------------------------

@pytest.mark.parametrize("s", sc.available(), ids=lambda s: s.name)
def test_every_shipped_scenario_has_its_titles_and_chinese_description(s):
    assert s.title_zh and s.title_en and s.description_zh, s.name
    assert len(s.title_zh) <= 12, s.title_zh
    for text in (s.title_zh, s.description_zh):
        assert CJK.search(text), text
        assert not english(text), (s.name, english(text))
    assert not CJK.search(s.title_en), s.title_en
    assert i18n.scenario_title(s, "zh") == s.title_zh
    assert i18n.scenario_title(s, "en") == s.title_en
    assert i18n.scenario_description(s, "zh") == s.description_zh
    assert i18n.scenario_description(s, "en") == s.description


def test_titles_are_not_parameters_and_not_inherited(tmp_path):
    s = sc.load("separation")
    assert s.changes == {"task_admission": 0.5}
    assert s.title_zh == "政事分离"
    child = tmp_path / "mine.toml"
    child.write_text('description = "mine"\nextends = "separation.toml"\ncadre_pay = 800.0\n',
                     encoding="utf-8")
    mine = sc.load(str(child))
    assert mine.changes == {"task_admission": 0.5, "cadre_pay": 800.0}
    assert (mine.title_zh, mine.title_en, mine.description_zh) == ("", "", "")
    assert i18n.scenario_title(mine, "zh") == "mine"          # falls back to the name
    assert i18n.scenario_description(mine, "zh") == "mine"    # and to the English description


@pytest.mark.parametrize("text, expected", [
    ("title_zh = 3", "title_zh: expected a string"),
    ("title_en = true", "title_en: expected a string"),
    ('description_zh = ["a"]', "description_zh: expected a string"),
    ('titel_zh = "x"', "unknown parameter 'titel_zh'; did you mean 'title_zh'?"),
])
def test_bad_titles_are_refused_in_one_line_naming_file_and_key(tmp_path, text, expected):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as e:
        sc.load(str(path))
    message = str(e.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


# --- levers, constants, indicators, units --------------------------------------------------------

@pytest.mark.parametrize("r", LEVERS + CONSTANTS, ids=lambda r: r["name"])
def test_every_lever_and_constant_has_a_chinese_meaning(r):
    assert i18n.has(f"lever.{r['name']}", "zh"), r["name"]
    shown = i18n.lever(r, "zh")
    assert shown["meaning_shown"] != r["meaning"]
    assert CJK.search(shown["meaning_shown"]), shown["meaning_shown"]
    assert not english(shown["meaning_shown"]), (r["name"], english(shown["meaning_shown"]))
    assert i18n.lever(r, "en")["meaning_shown"] == r["meaning"]


def test_every_lever_has_a_chinese_name():
    for r in LEVERS:
        assert CJK.search(i18n.lever(r, "zh")["label"]), r["name"]


@pytest.mark.parametrize("name", list(INDICATORS))
def test_every_indicator_has_a_chinese_meaning(name):
    assert i18n.has(f"indicator.{name}", "zh"), name
    zh_name, meaning, unit = i18n.indicator(name, "zh")
    assert CJK.search(zh_name) and CJK.search(meaning), name
    assert meaning != INDICATORS[name].meaning
    assert not english(meaning), (name, english(meaning))
    assert unit == i18n.catalogue("zh")[f"unit.{INDICATORS[name].unit}"]
    assert i18n.indicator(name, "en")[1:] == (INDICATORS[name].meaning, INDICATORS[name].unit)


@pytest.mark.parametrize("unit", sorted(used_units()))
def test_every_unit_used_has_a_chinese_rendering(unit):
    assert i18n.has(f"unit.{unit}", "zh"), unit
    shown = i18n.unit(unit, "zh")
    assert not english(shown), (unit, english(shown))
    assert i18n.unit(unit, "en") == unit


def test_no_stale_entries():
    """Nothing translated that the model no longer has (a renamed lever leaves its old key)."""
    zh = i18n.catalogue("zh")
    names = {r["name"] for r in LEVERS + CONSTANTS}
    assert {k[len("lever."):] for k in zh if k.startswith("lever.")} <= names
    assert {k[len("indicator."):] for k in zh if k.startswith("indicator.")} <= set(INDICATORS)
    assert {k[len("unit."):] for k in zh if k.startswith("unit.")} <= used_units()


# --- the shared sections -------------------------------------------------------------------------

def test_english_and_chinese_catalogues_have_the_same_keys():
    def keys(lang):
        return {k for k in i18n.catalogue(lang) if k.split(".")[0] in SHARED_SECTIONS}
    zh, en = keys("zh"), keys("en")
    assert not zh - en, f"only in zh.toml: {sorted(zh - en)}"
    assert not en - zh, f"only in en.toml: {sorted(en - zh)}"


@pytest.mark.parametrize("years, expected", [
    (1, "settled for 1 year under"), (11, "settled for 11 years"), (2, "settled for 2 years"),
    (0.1, "settled for 0.1 years")])
def test_english_counts_agree_with_their_noun(years, expected):
    assert expected in i18n.t("search.warm", "en", years=years, base="baseline")
    draws = i18n.t("search.units_draws", "en", draws=1, replicates=1)
    assert draws.startswith("1 posterior draw of") and "1 replicate seed each" in draws
    assert "1年" in i18n.t("search.warm", "zh", years=1, base="baseline")
    # only the template's nouns: a field's own words stay as written
    assert "under “Phase 1 scenarios”" in i18n.t("search.warm", "en", years=1,
                                                  base="Phase 1 scenarios")
    head = i18n.t("terminal.doses_head", "en", base="b", seconds=1, remedies=1, doses=1,
                  replicates=2)
    assert "1 remedy x 1 dose " in head and "2 replicates" in head, head


@pytest.mark.parametrize("message, kind", [
    # real messages, as the commands give them
    ("s.toml: unknown parameter 'cadre_py'; did you mean 'cadre_pay'? (see `juwei levers --all`)",
     "unknown"),
    ("unrecognized arguments: --foo (see `juwei --help`)", "unknown"),
    ("d.toml: targets.sham_shar: names no figure; did you mean 'admin_share'?", "unknown"),
    ("--set: cadre_pay: 99999.0 is outside the range 200.0..1500.0 (yuan/month)", "range"),
    ("--port: expected 1-65535, got 70000", "range"),
    ("--out o: a comparison needs at least 2 replicates for intervals", "range"),
    ("x.toml: samples: expected at least 1, got 0", "range"),
    ("juwei run: argument --replicates: expected a whole number, got 'x' (see `juwei run --help`)",
     "type"),
    ("s.toml: levers: expected dict, got int", "type"),
    ("separaton: no such scenario file; did you mean 'separation'? (see `juwei scenarios`)",
     "missing"),
    ("juwei compare: the following arguments are required: alternatives", "required"),
    ("x.toml: sampling: expected one of grid, lhs, sobol, got 'grd'; did you mean 'grid'?",
     "choice"),
    ("s.toml: levers.township_agent: a switch, not a lever to search: set township_agent = 1",
     "choice"),
    # the user's own words do not decide: a folder named unknown, a value 'unknown'
    ("/tmp/unknown/s.toml: cadre_pay: expected a number, got str 'abc'", "type"),
    ("--set: cadre_pay: expected a number, got str 'unknown'", "type"),
    ("discover: nothing unknown varies between its runs", "other"),
])
def test_a_refused_inputs_kind_comes_from_the_message_not_the_users_words(message, kind):
    assert i18n.error_kind(message) == kind
    line = i18n.error_line(message, "zh")
    assert line.startswith(f"错误（{i18n.t('error.' + kind, 'zh')}") and line.endswith(message)
    assert i18n.error_line(message, "en") == f"error: {message}"
    assert i18n.error_line(message, None) == f"error: {message}"       # no --lang given


# --- the browser's language ----------------------------------------------------------------------

@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("en-US,en;q=0.9", "en"),
    ("fr-FR", "zh"),
    ("en;q=0.5,zh;q=0.9", "zh"),
    ("zh;q=0,en", "en"),
    ("", "zh"),
    (None, "zh"),
    (";;q=abc,,,\x00 garbage;q=", "zh"),
    ("en;q=x", "zh"),
])
def test_pick_the_language_a_browser_asks_for(header, lang):
    assert i18n.pick(header) == lang


def test_the_essay_countys_towns_and_committees_have_chinese_names():
    """The map's tooltip read "Township-4 · 其他乡镇" on the Chinese page: the names are shown
    by i18n.place_name, the bracketed Chinese or one made from the catalogue; English as given."""
    from juwei.inputs.county import available
    county, _ = available()[0]
    names = [*county.names, county.seat, *(t.name for t in county.towns)]
    shown = [i18n.place_name(n, "zh") for n in names]
    assert [n for n in shown if re.search(r"[A-Za-z]", n)] == []
    assert len(set(shown[:len(county.names)])) == len(county.names)     # still told apart
    assert i18n.place_name("Xinhua Street (新华街)", "zh") == "新华街"
    assert i18n.place_name("Township-4", "zh") == "乡镇社区4"
    assert [i18n.place_name(n, "en") for n in names] == names
