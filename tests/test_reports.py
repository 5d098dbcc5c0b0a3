"""The comparison's pages for the workshop: how sure a change is in words, the report in
Chinese (`juwei compare --lang zh`), and the one-page bilingual handout (handout.html), printed
by headless Chromium to check that it fits one A4 page.

Outside CI the print test skips, with the reason, when Chromium or Playwright is missing; in CI
(CI=true) a missing browser is a failure (as in test_app.py).
"""

import html
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from juwei import __version__
from juwei.inputs.scenario import available, load
from juwei.model import BETTER, INDICATORS, OUTCOMES, describe
from juwei.present import compare_page, figures, handout, i18n
from juwei.present.stats import (MIN_REPLICATES, SURE_KEYS, changed_levers, definition_marks, differences,
                                 how_sure, outcome_ranking, scenario_changes)

from .conftest import BROWSER_MISSING, CHROMIUM, juwei

needs_browser = pytest.mark.skipif(bool(BROWSER_MISSING),
                                   reason=f"print test skipped: {BROWSER_MISSING}")


# --- how sure (the rule and every output's words: test_sureness.py) ----------------------------
def test_the_rule_claims_a_change_that_is_not_there_at_most_at_its_level():
    # no true effect, normal noise: at 4 and 10 replicates the t interval excludes 0 (a word
    # other than "unclear") about 5% of the time (a bootstrap interval said 44% at 4)
    rng = np.random.default_rng(4)
    for n in (4, 10):
        d = rng.normal(0, 1, (2000, n))
        m, s = d.mean(axis=1), d.std(axis=1, ddof=1)
        rows = [{"indicator": "trust", "diff": a, "diff_sd": b, "units": n,
                 "diff_low": a - half, "diff_high": a + half}
                for a, b, half in zip(m, s, stats.t.ppf(0.975, n - 1) * s / np.sqrt(n))]
        claims = np.mean([how_sure(r).key != "unclear" for r in rows])
        assert 0.035 < claims < 0.065, (n, claims)


def test_sureness_has_words_in_both_languages():
    for lang in i18n.LANGS:
        words = [i18n.t(f"sure.{k}", lang) for k in SURE_KEYS]
        assert len(set(words)) == len(SURE_KEYS)
    assert i18n.t("sure.too_few", "zh") == "重复太少，无法判断"
    assert i18n.t("sure.too_few", "en") == "too few runs to tell"


def test_my_catalogue_sections_have_the_same_keys_and_fields():
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    for section in ("sure.", "report.", "handout.", "syndrome."):
        mine = {k for k in en if k.startswith(section)}
        assert mine and mine == {k for k in zh if k.startswith(section)}, section
        for k in mine:
            assert set(re.findall(r"\{(\w+)\}", en[k])) == set(re.findall(r"\{(\w+)\}", zh[k])), k


# --- the ranking on the outcomes --------------------------------------------------------------
def synthetic_runs(effects: dict[str, dict[str, float]], replicates: int = 3) -> pd.DataFrame:
    """Runs of a base and alternatives: each alternative's outcome moves by its effect (in
    steps towards the better side), every other indicator in `effects` by the given amount."""
    rng = np.random.default_rng(5)
    rows = []
    for s, moves in {"base": {}, **effects}.items():
        for r in range(replicates):
            noise = rng.normal(0, 1e-4)
            rows.append({"scenario": s, "replicate": r, **{
                n: 0.5 + BETTER.get(n, 1) * 0.01 * moves.get(n, 0.0) + noise
                for n in (*OUTCOMES, "htc_index", "admin_share")}})
    return pd.DataFrame(rows)


def test_the_ranking_follows_the_outcomes_not_the_process_measures():
    """A improves every outcome most but trust; C improves trust most and the index and the
    administrative share far more than anyone: the ranking is by the mean outcome rank (A,
    then B, then C), whatever the process measures say."""
    steps = {"A": 3, "B": 2, "C": 1}
    effects = {s: {o: k for o in OUTCOMES} for s, k in steps.items()}
    effects["C"].update(trust=4, htc_index=50, admin_share=50)
    runs = synthetic_runs(effects)
    names = ["base", "A", "B", "C"]
    table = differences(runs, "base", names, (*OUTCOMES, "htc_index", "admin_share"))
    costs = pd.DataFrame({"scenario": names, "extra_yuan": [0.0, 3e5, 2e5, 1e5]})
    ranking = outcome_ranking(table, "base", {}, costs)
    assert list(ranking.scenario) == ["A", "B", "C"]
    assert list(ranking.position) == [1, 2, 3]
    ranks = ranking.set_index("scenario")
    assert ranks.at["C", "rank_trust"] == 1 and ranks.at["A", "rank_trust"] == 2
    for s in ("A", "B", "C"):        # the mean over the outcomes, each weighted equally
        assert ranks.at[s, "mean_rank"] == pytest.approx(
            np.mean([ranks.at[s, f"rank_{o}"] for o in OUTCOMES]))
        assert ranks.at[s, "extra_yuan"] == costs.set_index("scenario").at[s, "extra_yuan"]
    # the better side counts: the same moves the wrong way reverse the order
    worse = synthetic_runs({s: {o: -k for o in OUTCOMES} for s, k in steps.items()})
    table = differences(worse, "base", names, OUTCOMES)
    assert list(outcome_ranking(table, "base", {}).scenario) == ["C", "B", "A"]


def test_a_remedy_whose_lever_enters_an_indicator_gets_the_note():
    separation, stations = load("separation"), load("service_stations")
    base = load("baseline").changes
    changed = {"separation": changed_levers(base, separation.changes),
               "service_stations": changed_levers(base, stations.changes)}
    assert changed["separation"] == {"task_admission"}
    marks = definition_marks(INDICATORS, changed)
    assert marks[("separation", "admin_share")] == ("task_admission",)
    assert ("separation", "htc_T") in marks and ("separation", "htc_index") in marks
    assert ("separation", "htc_H") not in marks           # H counts refused tasks too
    # of the outcomes, only unmet need: the filter decides who does pushed services (§7.7)
    assert [o for o in OUTCOMES if ("separation", o) in marks] == ["unmet_need"]
    assert marks[("service_stations", "unmet_need")] == ("service_stations",)
    runs = synthetic_runs({"separation": {}, "service_stations": {}})
    runs["scenario"] = runs.scenario.replace({"base": "baseline"})
    table = differences(runs, "baseline", ["baseline", "separation", "service_stations"],
                        OUTCOMES)
    ranking = outcome_ranking(table, "baseline", changed).set_index("scenario")
    assert ranking.at["service_stations", "by_definition"] == "unmet_need: service_stations"
    assert ranking.at["separation", "by_definition"] == "unmet_need: task_admission"


def test_the_report_marks_by_definition_and_ranks_on_the_outcomes(zh_run):
    """The separation's admin_share and index carry †, its H does not; the ranking stands in
    both languages with its equal weights said."""
    for lang, page in (("zh", (zh_run / "report.html").read_text("utf-8")),
                       ("en", en_page(zh_run))):
        text = html.unescape(page)
        assert i18n.t("report.ranking_h", lang) in text
        assert i18n.t("report.ranking_note", lang, base=i18n.scenario_title(
            load("baseline"), lang), k=len(OUTCOMES)) in text
        assert i18n.t("report.dagger", lang) in text
        rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
        # in Chinese by their names (keys are not shown there)
        share = "admin_share" if lang == "en" else i18n.indicator("admin_share", "zh")[0]
        sep = "separation" if lang == "en" else i18n.scenario_title(load("separation"), "zh")
        assert [r for r in rows if share in r and "<sup>†</sup>" in r], lang
        # the syndrome table: H, T, C, index; task_admission enters T and the index, not H
        row = next(r for r in rows if sep in r and "class='absent'" in r
                   or sep in r and "class='present'" in r)
        cells = re.findall(r"<td class='num'>(.*?)</td>", row)
        assert ["†" in c for c in cells] == [False, True, False, True], row
    ranking = pd.read_csv(zh_run / "ranking.csv")
    assert list(ranking.columns[:2]) == ["scenario", "position"]
    assert set(f"rank_{o}" for o in OUTCOMES) <= set(ranking.columns)


def test_the_workshop_ranks_a_stored_comparison_as_the_study_did(zh_run):
    """The compare tab works the ranking out from the folder's tables and manifest."""
    from juwei import app
    c = app.read_comparison(zh_run)
    assert c["changed"]["separation"] == {"task_admission"}
    stored = pd.read_csv(zh_run / "ranking.csv").fillna("")
    pd.testing.assert_frame_equal(c["ranking"].reset_index(drop=True), stored,
                                  check_dtype=False)


# --- the report in Chinese --------------------------------------------------------------------
@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "zh"
    r = juwei("compare", "baseline", "separation", "volunteer_rewards", "--replicates", "2",
              "--scale", "0.02", "--years", "1", "--executor", "inprocess", "--lang", "zh",
              "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Glyph" not in r.stderr and "missing from" not in r.stderr, r.stderr   # no boxes
    (out.parent / "zh-stdout.txt").write_text(r.stdout, "utf-8")
    return out


def visible(page: str) -> str:
    """The text a reader sees: no style, images' data, commands, file paths or hashes."""
    page = re.sub(r"<style>.*?</style>|<code>.*?</code>", " ", page, flags=re.S)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    page = re.sub(r"[A-Za-z0-9_./-]+\.(?:toml|md|csv|json|html|parquet)(?![A-Za-z])", " ", page)
    page = re.sub(r"--[a-z-]+", " ", page)                                  # options
    return re.sub(r"(?<![A-Za-z0-9])[0-9a-f]{12,40}(?![A-Za-z0-9])", " ", page)


def allowed_english() -> set[str]:
    """Codes and proper names a Chinese page may show: indicator, lever, cost and scenario
    codes, and the software's names."""
    names = [*INDICATORS, *compare_page.COST_YUAN, *compare_page.COST_HOURS,
             *compare_page.COST_PER_10K, *(s.name for s in available()),
             *(k for s in available() for k in s.changes),
             "juwei Python mesa numpy SALib git Cohen ODD", __version__]
    return i18n.words(" ".join(n.replace("_", " ") for n in names))


def test_two_replicates_give_no_interval_in_the_table_of_every_indicator(zh_run):
    """The how-sure rule for levels as for changes: at 2 replicates the report's table of
    every indicator showed intervals, some impossible (a backlog from -35.7 hours)."""
    page = (zh_run / "report.html").read_text("utf-8")
    every = page.split(i18n.t("report.all_h", "zh"))[1].split("</table>")[0]
    cells = re.findall(r"<td class='num[^']*'>[^<]*<br><span class='muted'>([^<]*)</span>",
                       every)
    assert len(cells) == 3 * len(INDICATORS) and set(cells) == {"—"}, set(cells)


def test_zh_report_is_in_chinese(zh_run):
    page = (zh_run / "report.html").read_text("utf-8")
    assert page.startswith("<!doctype html><html lang='zh'>")
    for key in ("in_short", "scenarios_h", "syndrome_h", "all_h", "read_h", "caveats_h",
                "cost_h", "th_sure"):
        assert i18n.t(f"report.{key}", "zh") in page, key
    assert "政府热、居干累、居民冷" in page and "政事分离" in page
    text = html.unescape(page)
    assert any(i18n.t(f"sure.{k}", "zh") in text for k in SURE_KEYS)
    # no English sentence from the catalogue ...
    for key, value in i18n.catalogue("en").items():
        if key.split(".")[0] in ("report", "sure", "handout"):
            for piece in re.split(r"\{\w+\}", value):
                if len(piece.strip()) >= 10 and re.search("[a-z]{3}", piece):
                    assert piece not in text, (key, piece)
    # ... nor any other English word outside codes and names
    stray = i18n.words(visible(page)) - allowed_english()
    assert not stray, sorted(stray)


def en_page(zh_run) -> str:
    """The same folder's tables made into the English page (no second run)."""
    manifest = json.loads((zh_run / "manifest.json").read_text())
    table = pd.read_csv(zh_run / "comparison.csv")
    table = table.astype(object).where(table.notna(), None)
    table[["mean", "diff"]] = table[["mean", "diff"]].astype(float)
    scenarios = [load(n) for n in ("baseline", "separation", "volunteer_rewards")]
    images = {k: zh_run / f"compare-{k}.png" for k in ("series", "htc", "differences")}
    costs = pd.read_csv(zh_run / "costs.csv")
    return compare_page.comparison(scenarios, "baseline", table, images, manifest, [],
                                   lang="en", costs=costs)


def test_en_report_keeps_its_english_and_adds_how_sure(zh_run):
    page = en_page(zh_run)
    assert page.startswith("<!doctype html><html lang='en'>")
    assert "What the model does not capture" in page and "政事分离" in page
    assert "<th>how sure</th>" in page and "Public money and cadre hours" in page
    assert page.count("data:image/png;base64,") == 3


def test_the_chinese_report_shows_names_not_keys_or_paths(zh_run):
    """Officials read the Chinese report: no scenario or indicator keys, no paths or options
    (the reproduce section at the end keeps the command)."""
    page = (zh_run / "report.html").read_text("utf-8")
    body = page[:page.index(i18n.t("report.reproduce_h", "zh"))]
    text = html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", body, flags=re.S))
    for key in ("baseline", "admin_hours_per_cadre", "counties/", "docs/", "--ensemble"):
        assert key not in text, key


# --- the handout ------------------------------------------------------------------------------
def test_handout_is_bilingual_and_self_contained(zh_run):
    page = (zh_run / "handout.html").read_text("utf-8")
    text = html.unescape(page.replace("<wbr>", ""))                # a break point, no text
    for lang in i18n.LANGS:
        assert i18n.t("handout.h1", lang) in text
        assert i18n.t("handout.th_extra_yuan", lang) in text            # costs are there
    assert text.index(i18n.t("handout.h1", "zh")) < text.index(i18n.t("handout.h1", "en"))
    assert i18n.t("sure.better", "zh") in text and "better" in text          # the legend
    assert i18n.t("sure.too_few_note", "zh", n=2, min=MIN_REPLICATES) in text   # 2: too few
    assert "政事分离" in text
    verdicts = re.findall(r"<td class=verdict><span class='(\w+)'>(.*?)<br>", page)
    assert len(verdicts) == 3
    for kind, word in verdicts:                  # the parts above the threshold are named
        assert kind in ("present", "partial", "absent")
        assert (kind == "partial") == word.startswith("症状不完整：仅")
    assert page.count("data:image/png;base64,") == 1
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "juwei compare baseline separation" in page                  # how to reproduce
    assert re.search(r"@page\{size:A4", page)
    sizes = [float(x) for x in re.findall(r"font-size:([\d.]+)pt", page)]
    assert sizes and min(sizes) >= 9


def twenty(out: Path) -> Path:
    """The handout of the shipped 20 scenarios (what `make run` compares) from a synthetic
    table: no simulation."""
    scenarios = sorted(available(), key=lambda s: s.name != "baseline")
    names = [s.name for s in scenarios]
    rng = np.random.default_rng(3)
    shown = ("htc_H", "htc_T", "htc_C", "htc_index", *handout.INDICATORS, *OUTCOMES)
    runs = pd.DataFrame([{"scenario": s, "replicate": r, **{
        n: 0.62 + 0.03 * k * (-1) ** k * (i % 3) + rng.normal(0, 0.01)
        for i, n in enumerate(shown)}} for k, s in enumerate(names) for r in range(4)])
    table = differences(runs, "baseline", names, tuple(dict.fromkeys(shown)))
    costs = pd.DataFrame({"scenario": names, "extra_yuan": [0.0] + [1_234_567.0] * 19,
                          "admin_hours_freed_per_cadre_week": [0.0] + [12.3] * 19})
    manifest = {"design": {"replicates": 4, "scale": 0.02, "years": 1},
                "command": ["juwei", "compare", *names, "--replicates", "4", "--out",
                            "results/compare-20261126-064800"],
                "code": {"git_commit": "0123456789abcdef"}, "started": "2026-11-26T06:48:00"}
    path = out / "handout.html"
    ranking = outcome_ranking(table, "baseline", scenario_changes(scenarios, "baseline"), costs)
    handout.figure(table, scenarios, "baseline", out / "compare-htc.png", ranking)
    path.write_text(handout.page(scenarios, "baseline", table, out / "compare-htc.png",
                                 manifest, costs, ranking), "utf-8")
    return path


@needs_browser
def test_handout_of_twenty_scenarios_prints_on_one_a4_page(zh_run, tmp_path):
    from playwright.sync_api import sync_playwright
    pages, used = {}, {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for label, path in (("twenty", twenty(tmp_path)),
                                ("run", zh_run / "handout.html")):
                page = browser.new_page()
                page.goto(path.resolve().as_uri())
                pdf = tmp_path / f"{label}.pdf"
                page.pdf(path=str(pdf), format="A4", print_background=True)
                pages[label] = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
                page.emulate_media(media="print")
                page.set_viewport_size({"width": 726, "height": 1000})   # A4 less margins
                used[label] = page.evaluate("document.body.scrollHeight") / (1070)
        finally:
            browser.close()
    assert pages == {"twenty": 1, "run": 1}
    assert min(used.values()) > 0.8, used             # the figure uses the page: little blank
    text = (tmp_path / "handout.html").read_text("utf-8")
    assert text.count("<tr") == 21                       # the header and 20 scenarios


def test_chinese_figures_find_a_font_that_draws_their_glyphs(zh_run, tmp_path):
    """Figures in Chinese need a font with Chinese glyphs (fonts-noto-cjk; CI installs it):
    matplotlib finds one, draws the comparison's figures with it without a missing-glyph
    warning, and the handout has its own Chinese figure; without a font the figures fall
    back to English rather than draw boxes."""
    import warnings
    from juwei.present import figures
    if figures.cjk_font() is None:
        if os.environ.get("CI"):
            pytest.fail("no CJK font: apt-get install fonts-noto-cjk")
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    table = pd.read_csv(zh_run / "comparison.csv")
    titles = {"baseline": "现状（基线）", "separation": "政事分离"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # a missing glyph is a warning: make it fail
        figures.plot_htc(table, ["baseline", "separation"], tmp_path / "zh.png", lang="zh",
                         titles=titles)
        figures.plot_differences(table, "baseline", ["baseline", "separation"],
                                 tmp_path / "d.png", lang="zh", titles=titles)
    assert figures.figure_lang("zh") == "zh" and figures.F("htc_T", "zh") == "T：居干累"
    assert (zh_run / "handout-htc.png").exists()
    assert "handout-htc" in (zh_run / "handout.html").read_text("utf-8")
    # a glyph the font lacks would warn: the check above is not vacuous
    with pytest.warns(UserWarning, match="missing from"):
        with figures.language("en"):
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots()
            ax.set_title("居委")
            fig.savefig(tmp_path / "boxes.png")
            plt.close(fig)


def test_the_terminal_summary_under_lang_zh_is_in_chinese(zh_run):
    """`juwei compare --lang zh` prints its summary in Chinese: the headings, the scenarios'
    titles, the indicators' names, the rule; no English besides file names and ODD."""
    text = (zh_run.parent / "zh-stdout.txt").read_text("utf-8")
    summary = text[text.index("与「现状（基线）」相比的变化"):]
    for words in ("政事分离", "居民参与率", "把握程度", "平均名次", "成本（基准", "完整报告："):
        assert words in summary, words
    english = i18n.words(re.sub(r"\S*[/_.\-]\S*", " ", summary)) - {"ODD", "English"}
    assert english == set(), english


SWEEP = ('scenario = "baseline"\nsampling = "grid"\nlevels = 2\nreplicates = 1\nyears = 1\n'
         'scale = 0.01\nseed = 3\noutputs = ["trust"]\n[levers]\ntask_admission = [0.0, 0.9]\n')


def test_run_sweep_and_validate_under_lang_zh_speak_chinese(tmp_path, monkeypatch):
    """`juwei run`, `sweep` and `validate --lang zh`: the terminal in Chinese (validate's
    patterns keep their English definitions: its frame, verdict and labels are Chinese), and
    the figures' titles, axes and legends drawn in Chinese, with no missing glyph."""
    from juwei.present import figures
    if figures.cjk_font() is None:
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    out = {}
    for name, args in (("run", ["run", "baseline", "--replicates", "2", "--set",
                                "cadre_pay=1200"]),
                       ("validate", ["validate", "--replicates", "2", "--years", "2"])):
        r = juwei(*args, "--scale", "0.01", *(["--years", "1"] if name == "run" else []),
                  "--executor", "inprocess", "--lang", "zh",
                  *(["--out", str(tmp_path / name)] if name == "run" else []))
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
        assert "missing from" not in r.stderr, r.stderr
        out[name] = r.stdout
    english = i18n.words(re.sub(r"\S*[/_.\-]\S*", " ", out["run"])) - {"ODD"}
    assert english == set(), english
    for words in ("现状（基线）", "次重复", "居民参与率", "症状：", "结果："):
        assert words in out["run"], words
    # levers and constants set, by their Chinese names (not the run's size); at 2 replicates no
    # interval (one ran past 0-1), the how-sure rule's words instead
    pay = i18n.lever(describe("cadre_pay"), "zh")["label"]
    assert f"调整的参数：{pay}=1200" in out["run"], out["run"]
    assert "scale" not in out["run"] and "years=" not in out["run"]
    assert "[" not in out["run"] and i18n.t("sure.too_few", "zh") in out["run"]
    for words in ("规格§7的模式", "文章所写的县", "涌现：", "成立", "个涌现或部分设定的模式中"):
        assert words in out["validate"], words
    assert "holds in" not in out["validate"] and "Each breaker" not in out["validate"]
    (tmp_path / "d.toml").write_text(SWEEP)
    r = juwei("sweep", str(tmp_path / "d.toml"), "--executor", "inprocess", "--lang", "zh",
              "--out", str(tmp_path / "sweep"))
    assert r.returncode == 0, r.stderr
    assert "个设计点" in r.stdout and "points x" not in r.stdout
    assert (tmp_path / "sweep" / "sweep-trust.png").exists()
    # the figures' own words: every text drawn, as the figures draw it
    texts = []

    def keep(fig, path, title=None, **kw):
        texts.extend(t.get_text() for t in fig.findobj(match=lambda o: hasattr(o, "get_text")))
        texts.append(title or "")
        import matplotlib.pyplot as plt
        plt.close(fig)
    monkeypatch.setattr(figures, "save", keep)
    series = pd.read_parquet(tmp_path / "run" / "series.parquet")
    figures.plot_run(series, tmp_path, "现状（基线）", "zh")
    runs = pd.read_parquet(tmp_path / "sweep" / "runs.parquet")
    figures.plot_sweep(runs, ["task_admission"], ["trust"], tmp_path, "zh")
    drawn = " ".join(texts)
    for words in ("政府热", "居民信任", "每周小时", "比例或指数", "各次重复", "设计点均值"):
        assert words in drawn, words
    english = i18n.words(re.sub(r"\S*[/_.\-]\S*", " ", drawn)) - {"ODD"}
    assert english == set(), english


def test_without_a_chinese_font_figures_stay_in_english(monkeypatch):
    from juwei.present import figures
    monkeypatch.setattr(figures, "cjk_font", lambda: None)
    assert figures.figure_lang("zh") == "en"
    assert figures.F("htc_T", "zh") == "T: cadres tired"


def test_describe_of_a_lever_in_chinese_has_its_term():
    row = i18n.lever(describe("task_admission"), "zh")
    assert row["label"] == "政事分离"


def test_a_report_on_your_own_model_carries_no_county_caveats():
    """An own model's sensitivity report listed the county model's limits (residents do not
    age, ...) as its own."""
    from juwei.present import html as page
    code = {"packages": {}, "python": "3.11", "git_commit": None}
    county = {"code": code, "design_hash": "x", "run_function": "juwei.model.run.run_on"}
    own = dict(county, run_function="mymodel.run")
    heading = page.i18n.t("report.caveats_h", "en")
    assert heading in page.footer(county) and heading not in page.footer(own)
    assert page.caveats()[0] not in page.footer(own)


def test_english_figures_quote_no_chinese_terms():
    """An English figure may have no font with Chinese glyphs: the meanings it shows drop the
    Chinese terms the indicators' texts quote, and keep the rest."""
    from juwei.model import INDICATORS
    from juwei.present.figures import CJK_RUN, meaning_en
    for name in INDICATORS:
        shown = meaning_en(name)
        assert shown and not CJK_RUN.search(shown) and "()" not in shown and "  " not in shown
    assert meaning_en("township_directing").endswith("(0 unless the township is on, ODD §7.1a)")
