"""The workshop's Pareto tab in Chromium: with no finished search it says in Chinese how to get
one; a tiny search written into the results store shows as a front and a table (万元/年, the
report's cheapest packages marked), and choosing a package, on the chart or in the table, sets
exactly its levers and opens Explore. Browser, pages and helpers are test_app's."""

import tomllib

import pytest

import juwei
from juwei.app.pareto import exact
from juwei.app.state import _fmt
from juwei.present.stats import in_wan

from .test_app import (ARTIFACTS, SIZES, browser, open_drawer, open_page,  # noqa: F401
                       shown_levers, start_app, visible_english)

from playwright.sync_api import expect  # noqa: E402 - test_app skipped the module without it


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    """The app on an empty results store (the search is written into it later, by `search`)."""
    home = tmp_path_factory.mktemp("pareto")
    results = home / "results"
    results.mkdir()
    proc, url, log = start_app(home, results)
    yield {"url": url, "home": home, "results": results}
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def search(workshop):
    """A tiny search of the county into the app's results store (about ten seconds)."""
    return juwei.search("search_packages", population=4, generations=2, replicates=2, years=1,
                        burn_in_years=1, scale=0.02, lang="zh", executor="inprocess",
                        out=workshop["results"] / "search-tiny", progress=False)


def open_tab(page, name: str):
    page.get_by_role("tab", name=name).click()
    return page.locator("main")


def test_without_a_search_the_tab_says_in_chinese_how_to_get_one(browser, workshop):
    page = open_page(browser, workshop)
    main = open_tab(page, "帕累托前沿")
    none = main.locator(".jw-pareto-none")
    expect(none).to_contain_text("暂无已完成的改革组合搜索")
    assert visible_english(main.inner_text()) == set()
    assert "juwei" not in none.inner_text() and "results" not in none.inner_text()
    page.get_by_role("button", name="English").click()
    expect(main.locator(".jw-pareto-none")).to_contain_text("juwei search")
    assert page.errors == []
    page.context.close()


def packages_shown(page) -> list[str]:
    return [r.get_attribute("data-package") for r in page.locator("[data-package]").all()]


@pytest.mark.parametrize("size", SIZES)
def test_a_package_chosen_in_the_table_sets_exactly_its_levers(browser, workshop, search, size):
    page = open_page(browser, workshop, size)
    main = open_tab(page, "帕累托前沿")
    table = main.locator(".jw-pareto-table")
    expect(table).to_be_visible(timeout=20_000)
    expect(main.locator("canvas").first).to_be_visible()
    pareto = search.pareto.sort_values(["extra_yuan", "package"])
    assert set(map(str, pareto.package)) <= set(packages_shown(page))
    # the report's cheapest packages, marked; money in 万元/年 by the app's one formatter
    for level, row in search.targets.items():
        mark = table.locator(f"[data-package='{row['package']}']")
        expect(mark).to_contain_text(f"≥{level:.0%}最省钱")
        expect(mark).to_contain_text(in_wan(row["extra_yuan"]))
    text = main.inner_text()
    assert visible_english(text) == set() and "search-tiny" not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    page.screenshot(path=ARTIFACTS / f"app-zh-pareto-{size}.png", full_page=True)
    row = pareto.iloc[-1].to_dict()              # the dearest: most levers away from the base
    table.locator(f"[data-package='{row['package']}'] .jw-load-package").click()
    expect(page.get_by_role("tab", name="探索")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".jw-note").first).to_contain_text("已载入组合", timeout=20_000)
    open_drawer(page)
    levers = list(search.design.levers)
    shown = shown_levers(page)
    assert {k: shown[k] for k in levers} == {k: _fmt(exact(k, row[k])) for k in levers}
    assert shown["transparency"] == "0.2"        # the base scenario's other levers stay
    # exact, not as shown: the session saved holds the package's own numbers and types
    page.get_by_role("button", name="在本机保存会话").click()
    expect(page.get_by_text("已保存：", exact=False)).to_be_visible(timeout=10_000)
    saved = sorted((workshop["home"] / "sessions").glob("*.toml"))[-1]
    values = tomllib.loads(saved.read_text())
    held = values.get("levers", values)
    for k in levers:
        assert held[k] == row[k] and type(held[k]) is type(exact(k, row[k])), k
    assert page.errors == []
    page.context.close()


def test_a_click_on_the_chart_loads_its_package_in_english(browser, workshop, search):
    page = open_page(browser, workshop, "full-hd", "en-US")
    main = open_tab(page, "Pareto front")
    expect(main.locator(".jw-pareto-table")).to_be_visible(timeout=20_000)
    row = search.pareto.sort_values(["extra_yuan", "package"]).iloc[0].to_dict()
    canvas = main.locator("canvas").first
    expect(canvas).to_be_visible()
    # where ECharts drew the package's dot: its own conversion from data to pixels
    page.wait_for_function("() => window.requirejs && Object.values("
                           "requirejs.s.contexts._.defined).some(m => m && m.getInstanceByDom)")
    x, y = page.evaluate("""([x, y]) => {
        const ec = Object.values(requirejs.s.contexts._.defined)
            .find(m => m && m.getInstanceByDom);
        const dom = document.querySelector('main canvas').parentNode.parentNode;
        const chart = ec.getInstanceByDom(dom);
        return chart.convertToPixel({seriesIndex: 0}, [x, y]);
    }""", [round(row["extra_yuan"] / 10_000, 4), round(100 * row["p_syndrome_absent"], 2)])
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator(".jw-note").first).to_contain_text("loaded", timeout=20_000)
    open_drawer(page)
    shown = shown_levers(page)
    assert all(shown[k] == _fmt(exact(k, row[k])) for k in search.design.levers), shown
    assert page.errors == []
    page.context.close()
