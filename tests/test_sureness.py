"""One honest answer to "how sure", everywhere: comparisons with known effects and known nulls at
2, 4 and 10 replicates (synthetic tables, no simulation), and every output's words checked
against the one rule (present/stats.how_sure): the terminal's table, report.html, handout.html
and the workshop page's labels.

The rule: below MIN_REPLICATES runs per scenario, "too few runs to tell" and no interval;
else, from the t-based 95% interval of the paired change, "better" / "worse" for the county
(BETTER) when it excludes 0, "unclear" when it holds 0. Colour: green better, red worse, grey
anything else.
"""

import html
import re

import numpy as np
import pandas as pd
import pytest

from juwei.cli import comparison_cells
from juwei.inputs.scenario import load
from juwei.model import BETTER, HEADLINE, INDICATORS
from juwei.model.indicators import SWITCHED
from juwei.present import compare_page, handout, i18n
from juwei.present.stats import (BAD, GOOD, GREY, MIN_REPLICATES, differences, how_sure,
                                 needed_replicates, shown_indicators)

BASE = "baseline"
# the alternatives' known truth: every indicator moves by 0.3 the better way, the worse way, or
# not at all (its paired differences alternate +0.01, -0.01: mean exactly 0)
TRUTH = {"separation": 1, "transparency_supervision": -1, "volunteer_rewards": 0}
REPLICATES = (2, 4, 10)


def table_of(n: int) -> pd.DataFrame:
    """A `differences` table of the base and the three alternatives at n replicates."""
    rng = np.random.default_rng(n)
    rows = []
    for r in range(n):
        level = {k: 0.5 + rng.normal(0, 0.05) for k in INDICATORS}   # shared by the pair
        wobble = 0.01 * (-1) ** r
        rows.append({"scenario": BASE, "replicate": r, **level})
        for s, way in TRUTH.items():
            rows.append({"scenario": s, "replicate": r, **{
                k: v + way * BETTER.get(k, 1) * 0.3 + wobble for k, v in level.items()}})
    return differences(pd.DataFrame(rows), BASE, [BASE, *TRUTH])


def expected(n: int, scenario: str, indicator: str) -> str:
    """The rule's key, worked out from the truth, not from how_sure."""
    if n < MIN_REPLICATES:
        return "too_few"
    way = TRUTH[scenario]
    if way == 0:
        return "unclear"
    if indicator not in BETTER:
        return "higher" if way * 1 > 0 else "lower"
    return "better" if way > 0 else "worse"


@pytest.fixture(scope="module", params=REPLICATES)
def case(request):
    n = request.param
    return n, table_of(n)


def row(table, scenario, indicator):
    return table[(table.scenario == scenario) & (table.indicator == indicator)].iloc[0]


def test_the_minimum_is_between_the_cases():
    assert 2 < MIN_REPLICATES <= 4


def test_the_rule_gives_the_known_answers(case):
    n, table = case
    for s in TRUTH:
        for k in HEADLINE:
            sure = how_sure(row(table, s, k))
            assert sure.key == expected(n, s, k), (n, s, k, sure)
            assert sure.drawn == (n >= MIN_REPLICATES)              # no interval when too few
            assert sure.colour == {"better": GOOD, "worse": BAD}.get(sure.key, GREY)
            if sure.key in ("unclear", "too_few") and TRUTH[s]:
                assert sure.needed and sure.needed >= MIN_REPLICATES


def test_intervals_are_t_based_and_honest_at_small_n():
    # two paired differences 0.29 and 0.31: the t interval with 1 degree of freedom is
    # 0.30 ± 12.71 × 0.01414 / sqrt(2) = ±0.127 (a bootstrap would say [0.29, 0.31])
    r = row(table_of(2), "separation", "trust")
    assert r.diff_high - r.diff_low == pytest.approx(2 * 12.706 * 0.01414 / np.sqrt(2), rel=1e-3)


def test_replicates_needed_follow_the_documented_formula():
    # n >= (2 t sd / |effect|)^2: sd 0.1, effect 0.1 needs t(n-1) / sqrt(n) <= 0.5
    n = needed_replicates(0.1, 0.1)
    from scipy import stats
    half = stats.t.ppf(0.975, np.array([n, n - 1]) - 1) / np.sqrt([n, n - 1])
    assert half[0] <= 0.5 < half[1]
    assert needed_replicates(0.1, 0.0) is None and needed_replicates(0.0, 0.2) == MIN_REPLICATES


def test_a_switched_mechanism_gets_a_column_only_when_it_ran(case):
    """The headline columns always; a switched mechanism's indicator (0 in every run while
    it is off) only where the comparison ran with it."""
    _, table = case
    assert shown_indicators(table) == [*HEADLINE, *SWITCHED]       # the fake table: all on
    off = table.copy()
    off.loc[off.indicator.isin(["sham_share", "unowned_share"]), "mean"] = 0.0
    assert shown_indicators(off) == [*HEADLINE, "township_directing"]


def test_the_terminal_says_the_rule(case):
    n, table = case
    text = comparison_cells(table, list(TRUTH))
    lines = {line.split()[0]: line for line in text.splitlines()[1:] if line.split()[0] in TRUTH}
    if n < MIN_REPLICATES:
        assert i18n.t("sure.too_few", "en") in text
    else:
        assert i18n.t("sure.too_few", "en") not in text
    for s, line in lines.items():
        words = re.findall(r"[a-z]+", line[len(s) + 2:])
        want = [i18n.t(f"sure.{expected(n, s, k)}", "en") for k in shown_indicators(table)
                if expected(n, s, k) != "too_few"]
        assert words == want, (n, s, line)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("img")
    out = {}
    for k in ("series", "htc", "differences"):
        (folder / f"{k}.png").write_bytes(b"\x89PNG")
        out[k] = folder / f"{k}.png"
    return out


def manifest(n):
    return {"design": {"replicates": n, "scale": 0.02, "years": 1, "seed": 1},
            "design_hash": "0" * 12, "command": ["juwei", "compare", BASE, *TRUTH],
            "code": {"juwei": "test", "python": "3", "packages": {}}, "finished": ""}


def scenarios():
    return [load(n) for n in (BASE, *TRUTH)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_says_the_rule_in_words_colour_and_interval(case, images, lang):
    n, table = case
    page = compare_page.comparison(scenarios(), BASE, table, images, manifest(n), [], lang=lang)
    title = {s.name: i18n.scenario_title(s, lang) for s in scenarios()}
    section = page[page.index(f"<th>{i18n.t('report.th_relative', lang)}</th>"):]
    rows = re.findall(r"<tr>(.*?)</tr>", section[:section.index("</table>")], flags=re.S)
    assert len(rows) == len(HEADLINE) * len(TRUTH)     # no scenario switches a mechanism on
    k = 0
    for name in HEADLINE:
        for s in TRUTH:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[k], flags=re.S)
            k += 1
            key = expected(n, s, name)
            assert html.unescape(cells[1]) == title[s]
            assert f"sure-{key}" in rows[k - 1]
            assert html.unescape(re.sub(r"<[^>]+>", "", cells[4])).startswith(
                i18n.t(f"sure.{key}", lang)), (n, s, name, cells[4])
            assert (cells[3] == "—") == (key == "too_few")       # no interval when too few
    # one colour meaning: nothing is red for being "flagged"; the note says when too few
    assert "class='num flag'" not in page and " flag'" not in page
    note = i18n.t("sure.too_few_note", lang, n=n, min=MIN_REPLICATES)
    assert (html.escape(note) in page) == (n < MIN_REPLICATES)
    if n < MIN_REPLICATES:
        assert i18n.t("sure.needed", lang, n=1).split("1")[0] in page   # runs needed, said


def test_the_handout_says_the_rule(case, images):
    n, table = case
    page = handout.page(scenarios(), BASE, table, images["htc"], manifest(n))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)[2:]        # after the base
    assert len(rows) == len(TRUTH)
    for s, r in zip(TRUTH, rows):
        cells = re.findall(r"<td class='num sure-(\w+)'>[^<]*(?:<br>)?(.*?)</td>", r, flags=re.S)
        # too few runs: said once above the table, each cell grey with no word
        assert cells == [(expected(n, s, k), "" if n < MIN_REPLICATES else
                          i18n.t(f"sure.{expected(n, s, k)}", "zh"))
                         for k in handout.INDICATORS], (n, s)
    note = i18n.t("sure.too_few_note", "zh", n=n, min=MIN_REPLICATES)
    assert (html.escape(note) in page) == (n < MIN_REPLICATES)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workshop_labels_say_the_rule(case, lang):
    from juwei import app
    n, table = case
    for s in TRUTH:
        for k in app.WORKSHOP_INDICATORS:
            label = app.effect_label(row(table, s, k), k, lang)
            key = expected(n, s, k)
            assert label["key"] == key
            assert label["word"].startswith(i18n.t(f"sure.{key}", lang))
            assert label["colour"] == {"better": GOOD, "worse": BAD}.get(key, GREY)
            assert (label["low"] is None) == (key == "too_few")
    # the chart names the 95% interval only when it draws one
    from juwei.app.compare import figure_title
    bars = [app.effect_label(row(table, s, "trust"), "trust", lang) for s in TRUTH]
    title = figure_title(bars, "trust", lambda key, **kw: i18n.t(key, lang, **kw))
    assert (("95%" in title) == (n >= MIN_REPLICATES)), (n, title)


def test_the_workshop_compares_with_enough_runs_by_default():
    from juwei import app
    assert app.COMPARE_REPLICATES >= MIN_REPLICATES


def test_an_older_table_is_not_given_words_it_cannot_back():
    old = table_of(4).drop(columns=["diff_sd", "units"])
    assert how_sure(row(old, "separation", "trust")).key == "unknown"



def test_the_handout_figure_follows_the_rule_and_prints_readably(case, tmp_path, monkeypatch):
    """No whiskers below MIN_REPLICATES (and none past the 0-1 scale above it); words at
    least 9 pt once the figure is printed at the page's width; the threshold's label clear of
    the bars."""
    import matplotlib.axes
    from juwei.present import figures
    n, table = case
    drawn, kept = [], {}
    bar = matplotlib.axes.Axes.bar

    def spy(self, *args, **kw):
        drawn.append(kw.get("yerr"))
        return bar(self, *args, **kw)
    monkeypatch.setattr(matplotlib.axes.Axes, "bar", spy)
    monkeypatch.setattr(figures, "save", lambda fig, path, *a, **k: kept.setdefault("fig", fig))
    handout.figure(table, scenarios(), BASE, tmp_path / "h.png")
    assert len(drawn) == 4
    assert all((e is None) == (n < MIN_REPLICATES) for e in drawn), n
    means = table[table.indicator.isin(["htc_H", "htc_T", "htc_C", "htc_index"])]
    if n >= MIN_REPLICATES:
        assert max(float(e[1].max()) for e in drawn) <= 1 - means["mean"].min() + 1e-9
    fig = kept["fig"]
    printed = handout.PRINT_WIDTH_MM / 25.4 / fig.get_size_inches()[0]
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert texts and min(t.get_fontsize() for t in texts) * printed >= 9
    label = [t for t in texts if t.get_gid() == "threshold"]
    assert label and label[0].get_position()[0] > 1                  # right of the axes
    (tmp_path / "h.png").write_bytes(b"\x89PNG")
    page = handout.page(scenarios(), BASE, table, tmp_path / "h.png", manifest(n))
    assert ("误差线" in page) == (n >= MIN_REPLICATES)


def test_the_chinese_handout_has_no_commands_code_or_file_names(case, images):
    n, table = case
    page = handout.page(scenarios(), BASE, table, images["htc"], manifest(n))
    chinese = re.sub(r"<(span|p) class='en'[^>]*>.*?</\1>", "", page, flags=re.S)
    chinese = re.sub(r"<style>.*?</style>|<title>.*?</title>|<[^>]+>", "", chinese, flags=re.S)
    for word in ("juwei", "report.html", "--lang", "()", "git "):
        assert word not in chinese, word
    assert "juwei compare baseline" in page                  # kept for the English reader


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_ensembles_few_draws_are_called_draws_not_runs(lang):
    """In an ensemble the units are posterior draws (each with its replicates): 3 draws of 2
    seeds are 6 runs, and the note asks for draws, not runs or replicates."""
    rng = np.random.default_rng(5)
    rows = [{"scenario": s, "draw": d, "replicate": r,
             **{k: 0.5 + 0.1 * d + (0.2 if s == "separation" else 0) + rng.normal(0, 0.01)
                for k in INDICATORS}}
            for d in range(3) for r in range(2) for s in (BASE, "separation")]
    table = differences(pd.DataFrame(rows), BASE, [BASE, "separation"])
    assert set(table.dropna(subset=["units"]).units) == {3}
    note = i18n.too_few_note(table, lang)
    assert note == i18n.t("sure.too_few_draws_note", lang, n=3, min=MIN_REPLICATES)
    s = how_sure(row(table, "separation", "trust"))
    assert s.key == "too_few" and s.unit == "draw"
    assert i18n.t("sure.needed_draws", lang, n=s.needed) in i18n.sure_word(s, lang)
    assert i18n.too_few_note(table_of(2), lang) == i18n.t("sure.too_few_note", lang, n=2,
                                                          min=MIN_REPLICATES)
    assert i18n.too_few_note(table_of(4), lang) == ""


def test_a_shares_interval_keeps_within_what_a_share_can_be():
    """With few replicates a t interval reaches past 1 or below 0; a share's (or a 0-1
    index's) is cut there, hours' (money's, a count's) at 0, a gap's (a ratio less 1) at -1:
    a report showed a backlog of 129.5 [-35.7, 294.7] hours."""
    runs = pd.DataFrame([{"scenario": BASE, "replicate": r, **{k: 0.5 for k in INDICATORS},
                          "unmet_need": u, "trust": 1 - u, "cadre_hours_per_week": 60 * u,
                          "seat_gap": 2 * u - 0.9}
                         for r, u in enumerate((0.99, 0.7, 0.02))])
    table = differences(runs, BASE, [BASE]).set_index("indicator")
    assert table.loc["unmet_need", "ci95_high"] == 1.0 and table.loc["trust", "ci95_low"] == 0.0
    assert table.loc["cadre_hours_per_week", "ci95_low"] == 0.0
    assert table.loc["seat_gap", "ci95_low"] == -1.0
    assert table.loc["cadre_hours_per_week", "ci95_high"] > 60        # no cap above


def test_an_ensemble_judges_a_switched_mechanism_only_where_it_ran(tmp_path):
    """Over posterior draws the effects and ranks cover every indicator with a better way; a
    switched mechanism's indicator only when the comparison ran with it (else it is 0 in
    every run, and 'P(improves) 0%' would say nothing)."""
    from juwei.model.indicators import SWITCHED
    from juwei.studies.compare import ensemble_tables
    rng = np.random.default_rng(3)
    runs = pd.DataFrame([{"scenario": s, "draw": d, "seed_replicate": r, "replicate": 2 * d + r,
                          **{k: rng.random() for k in INDICATORS}}
                         for s in (BASE, "separation") for d in range(3) for r in range(2)])
    off = ensemble_tables(runs, [BASE, "separation"], tmp_path)
    assert set(off["effects"].indicator) == set(BETTER) - set(SWITCHED)
    assert set(off["ranks"].indicator) == set(BETTER) - set(SWITCHED)
    on = ensemble_tables(runs, [BASE, "separation"], tmp_path, ["township_directing"])
    assert set(on["effects"].indicator) == set(BETTER) - {"sham_share", "unowned_share"}
