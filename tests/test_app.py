"""The dashboard in a real browser: headless Chromium driven by Playwright.

Outside CI the tests skip, with the reason, when Chromium or Playwright is missing; in CI
(CI=true) .ci/run installs Chromium and a missing browser is a failure. Screenshots go to
test-artifacts/ (not in git).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None

missing = ("Playwright is not installed" if sync_playwright is None else
           f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
           if not Path(CHROMIUM).exists() else None)
if missing and os.environ.get("CI"):
    raise RuntimeError(f"browser tests cannot run in CI: {missing}")
pytestmark = pytest.mark.skipif(bool(missing), reason=f"browser tests skipped: {missing}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    # run from a scratch folder: the comparison's results/ must not land in the user's
    proc = subprocess.Popen([sys.executable, "-m", "juwei", "app", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path_factory.mktemp("app"))
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"juwei app exited: {proc.stdout.read()}")
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("juwei app did not answer within 90 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    with pytest.raises(OSError):          # the server itself is gone, not only a parent
        urllib.request.urlopen(url, timeout=2)


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.errors, page.external = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.external.append(r.url) if not r.url.startswith(
        (app_url, app_url.replace("http", "ws"), "data:", "blob:")) else None)
    page.goto(app_url, wait_until="networkidle", timeout=90_000)
    expect(page.get_by_text("Press step or play to run the county")).to_be_visible(timeout=60_000)
    yield page
    page.close()


def syndrome_h(page) -> float:
    text = page.get_by_text(re.compile(r"Syndrome .*H \d")).inner_text()
    return float(re.search(r"H (\d\.\d+)", text).group(1))


def run_for(page, seconds: float) -> None:
    page.get_by_role("button", name="▶").click()
    page.wait_for_timeout(seconds * 1000)
    page.get_by_role("button", name="❚❚").click()


def test_page_loads_offline_without_errors(page):
    for text in ("juwei", "Controls", "Model Parameters", "政事分离", "STEP", "RESET"):
        expect(page.get_by_text(text).first).to_be_visible()
    assert page.locator("img").count() >= 4            # the charts and the county view
    page.screenshot(path=ARTIFACTS / "app-explore.png", full_page=True)
    assert page.errors == []
    assert page.external == [], "the page fetched something from outside this machine"


def test_a_lever_change_and_a_run_update_the_charts(page):
    charts = page.locator("img")
    before = charts.first.get_attribute("src")
    run_for(page, 4)
    expect(page.get_by_text(re.compile(r"Syndrome (present|absent)"))).to_be_visible(
        timeout=30_000)
    assert charts.first.get_attribute("src") != before
    h_baseline = syndrome_h(page)
    # the admission filter (政事分离) to its maximum; RESET rebuilds the model with it
    slider = page.get_by_role("slider", name=re.compile("task_admission"))
    slider.focus()
    slider.press("End")
    page.get_by_role("button", name="RESET").click()
    expect(page.get_by_text("Press step or play to run the county")).to_be_visible(
        timeout=30_000)
    run_for(page, 4)
    expect(page.get_by_text(re.compile(r"Syndrome (present|absent)"))).to_be_visible(
        timeout=30_000)
    page.screenshot(path=ARTIFACTS / "app-after-lever.png", full_page=True)
    assert syndrome_h(page) < h_baseline - 0.1
    assert page.errors == []


def test_each_browser_session_has_its_own_county(page, browser, app_url):
    run_for(page, 3)
    expect(page.get_by_text(re.compile(r"Syndrome (present|absent)"))).to_be_visible(
        timeout=30_000)
    other = browser.new_page()
    other.goto(app_url, wait_until="networkidle", timeout=90_000)
    expect(other.get_by_text("Press step or play to run the county")).to_be_visible(
        timeout=60_000)
    other.close()


def test_the_lever_guide_lists_every_lever_with_range_unit_and_meaning(page):
    page.get_by_role("tab", name=re.compile("page 2", re.I)).click()
    expect(page.get_by_text("The levers · 政策杠杆")).to_be_visible(timeout=30_000)
    for text in ("funding_follows_tasks", "费随事转", "yuan/month", "200.0 – 1500.0",
                 "share of pushed tasks that bring money for outside help"):
        expect(page.get_by_text(text, exact=False).first).to_be_visible()


def test_the_comparison_view_renders(page):
    page.get_by_role("tab", name=re.compile("page 1", re.I)).click()
    expect(page.get_by_text("Compare scenarios")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name=re.compile("Run comparison")).click()
    expect(page.get_by_text(re.compile(r"done: \d+ runs"))).to_be_visible(timeout=240_000)
    expect(page.get_by_text("Download the HTML report")).to_be_visible()
    expect(page.get_by_text("Download the sliders as a scenario")).to_be_visible()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "app-compare.png", full_page=True)
    assert page.locator("img").count() >= 2
    assert page.errors == []


def test_the_assumptions_panel_lists_constants_and_sets_one_for_the_next_reset(page):
    page.get_by_role("tab", name=re.compile("page 3", re.I)).click()
    expect(page.get_by_text("Assumptions · 模型假设")).to_be_visible(timeout=30_000)
    for text in ("size_elasticity", "[C]", "station_gain", "quit_base"):
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    field = page.get_by_label("new value · 新值")
    field.fill("99999")
    field.press("Enter")
    page.get_by_role("button", name=re.compile("set · 设定")).click()
    expect(page.get_by_text(re.compile("not set: .*outside the range"))).to_be_visible(
        timeout=30_000)
    field.fill("4")              # the first constant offered: units_seat, a whole number
    field.press("Enter")
    page.get_by_role("button", name=re.compile("set · 设定")).click()
    expect(page.get_by_text(re.compile(r"units_seat = 4 at the next RESET"))).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text(re.compile(r"now 6\b")).first).to_be_visible()
    page.get_by_role("button", name="RESET").click()
    expect(page.get_by_text(re.compile(r"now 4\b")).first).to_be_visible(timeout=60_000)
    page.screenshot(path=ARTIFACTS / "app-assumptions.png", full_page=True)
    assert page.errors == []


def test_sliders_show_the_baseline_and_report_no_change_nobody_made():
    """Every lever's slider has the baseline on its grid, and a slider reported at the baseline
    with the browser's float noise leaves the scenario's value (issue: RESET turned
    cadre_pay 600 into 304 and campaign_cut_share into 0.306)."""
    from juwei import app
    from juwei.model import LEVER_GROUPS, levers
    for r in levers(LEVER_GROUPS):
        step = app.slider_step(r)
        on_grid = (r["baseline"] - r["low"]) / step
        assert abs(on_grid - round(on_grid)) < 1e-9, r
        assert r["integer"] or (r["high"] - r["low"]) / step >= 40, r
    noisy = {"cadre_pay": 300.0 + 1e-9, "campaign_cut_share": 0.30000000000000004,
             "transparency": 0.5 + 1e-12}
    m = app.DashboardModel("cadre_pay_recruitment", scale=0.01, **noisy)
    assert m.p.cadre_pay == 600.0 and m.p.campaign_cut_share == 0.3 and m.p.transparency == 0.5
