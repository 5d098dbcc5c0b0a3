"""The workshop page (`juwei app`): Chinese first, English one click away, readable on a
projector, controls that tell the truth.

Tabs: Explore (the county week by week under a scenario and the levers), Compare (scenarios
side by side through the comparison engine, prepared ones from the results store at once),
Levers (every lever and the model's assumptions), About the model. Every visible word comes
from the catalogues (present/catalogue/*.toml); charts are drawn in the browser (present/charts).
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import html
import json
import os
import pickle
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

import ipyvuetify
import numpy as np
import pandas as pd
import reacton.ipyvuetify as rv
import solara
import solara.lab
import traitlets

from .engine import DEFAULT_SEED, Options, UserError
from .engine.reading import read_bytes
from .engine.store import MAX_MANIFEST
from .inputs import scenario as sc
from .inputs import files
from .inputs import session as sessions
from .model import (EVENT_LEVERS, LEVER_GROUPS, OTHER_GROUPS, STEPS_PER_YEAR, Parameters,
                    SYNDROME_THRESHOLD, YEARLY_LEVERS, describe, levers, syndrome)
from .model.indicators import MONEY_ITEMS, OUTCOMES
from .model.run import burn_in_params
from .studies.common import cache_dir, settled
from .present import charts, i18n
from .present.i18n import t
from .present.compare_page import dagger_notes
from .present.stats import (COST_COLUMNS, GREY, MIN_REPLICATES, PER_YUAN, WORKSHOP_INDICATORS,
                            changed_levers, definition_marks, how_sure, outcome_ranking)

SCALES = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
COMPARE_DEFAULT = ("baseline", "separation", "power_funding_follow_tasks", "combined_reform")
COMPARE_REPLICATES = max(4, MIN_REPLICATES)   # enough for the rule to tell (present/stats)
DEFAULT_SCALE = 0.1
YEARS = [3, 5, 10]
WEEKS_PER_FRAME = 4            # weeks simulated between two redraws while playing
FRAME_PAUSE = 0.25             # seconds between redraws: time for the room's clicks to land
DOUBLE_CLICK = 0.5             # seconds: a second Run/Pause click sooner is part of a double click
LEVERS = [r["name"] for r in levers(LEVER_GROUPS)]
CONSTANTS = [r["name"] for r in levers(OTHER_GROUPS) if r["name"] not in ("scale", "years")]
NICE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0,
              50.0, 100.0)
CSS = """
.v-application { font-size: 16px; }
.v-btn { text-transform: none !important; font-size: 16px !important; letter-spacing: 0; }
.v-tab { text-transform: none !important; font-size: 17px !important; }
.jw-verdict { font-size: 22px; font-weight: 600; margin-bottom: 4px; }
.jw-gauges { display: flex; gap: 16px; flex-wrap: wrap; }
.jw-gauge { flex: 1 1 260px; font-size: 16px; line-height: 1.25; }
.jw-status { font-size: 16px; margin-left: 8px; }
.jw-bar { position: relative; height: 14px; background: #eee; border-radius: 3px; }
.jw-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.jw-mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #333; }
.jw-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
             gap: 8px; }
.jw-note { font-size: 16px; padding: 6px 10px; border-radius: 4px; background: #fff8e1; }
.jw-table { border-collapse: collapse; font-size: 16px; }
.jw-table td, .jw-table th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
.jw-lever-value { font-size: 16px; font-weight: 600; white-space: nowrap; }
.jw-muted { color: #666; font-size: 14px; }
.v-navigation-drawer { width: 460px !important; }   /* one width in both languages */
"""


class EChartWidget(ipyvuetify.VuetifyTemplate):
    """A chart drawn in the browser by ECharts (echart.vue)."""
    template_file = (__file__, "echart.vue")
    option = traitlets.Any({}).tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)


@solara.component
def EChart(option: dict, height: int):
    return EChartWidget.element(option=option, attributes={"style": f"height: {height}px;"})


# --- exact slider positions -----------------------------------------------------------------
def slider_step(r: dict) -> float:
    """A lever's step: 1 for whole numbers, else the coarsest round step giving at least 40
    positions with the baseline on the grid."""
    if r["integer"]:
        return 1
    for step in reversed(NICE_STEPS):
        on_grid = (r["baseline"] - r["low"]) / step
        if (r["high"] - r["low"]) / step >= 40 and abs(on_grid - round(on_grid)) < 1e-9:
            return step
    return NICE_STEPS[0]


def lever_values(r: dict, extra=()) -> list:
    """Every position of a lever's slider, as exact values: a round grid over its range, plus
    the baseline and every shipped scenario's value, so choosing a scenario or pressing RESET
    never moves a lever (a slider that rounds would report changes nobody made)."""
    step = slider_step(r)
    n = int(round((r["high"] - r["low"]) / step))
    grid = [int(round(r["low"] + i * step)) if r["integer"] else
            float(round(r["low"] + i * step, 10)) for i in range(n + 1)]
    grid = [v for v in grid if r["low"] <= v <= r["high"]]
    return sorted(set(grid) | {r["baseline"]} | set(extra))


def _scenario_values() -> dict:
    values = {k: set() for k in LEVERS}
    for s in sc.available():
        for k in LEVERS:
            values[k].add(getattr(s.params, k))
    return values


SHIPPED_VALUES = _scenario_values()
SLIDERS = {r["name"]: lever_values(r, SHIPPED_VALUES[r["name"]]) for r in levers(LEVER_GROUPS)}


# --- the county of one browser session ------------------------------------------------------
@functools.cache
def load_scenario(name: str) -> sc.Scenario:
    """A shipped scenario, on the county `juwei app --county FILE` chose (if any); read once
    per server, since titles, sliders and the status line ask for it at every redraw."""
    s = sc.load(name)
    return s.with_county(os.environ["JUWEI_COUNTY"]) if os.environ.get("JUWEI_COUNTY") else s


class County:
    """One county under a scenario and lever values, switched on after the burn-in under the
    baseline's levers (ODD §7.1), so the workshop sees the scenario act on a county that has
    settled, as a comparison does; a lock keeps stepping and mid-run lever changes apart."""

    def __init__(self, scenario: str, lever_values: dict, scale: float, seed: int,
                 assumptions: dict | None = None):
        self.scenario = load_scenario(scenario)
        self.levers, self.scale, self.seed = dict(lever_values), scale, seed
        params = self.params(self.scenario, lever_values, scale, assumptions)
        self.model = pickle.loads(settled(burn_in_params(params), seed, self.scenario.county,
                                          cache_dir()))
        self.model.switch(params, keep_year_before=False)
        self.lock = threading.Lock()
        self.applied: list[tuple[str, object, int]] = []     # (lever, value, from week)

    @staticmethod
    def params(scenario: sc.Scenario, lever_values: dict, scale: float,
               assumptions: dict | None = None):
        """The scenario's parameters with the sliders' levers, the scale and any changed
        assumptions: exactly the scenario's own when the sliders show its values."""
        return dataclasses.replace(scenario.params, scale=scale, **(assumptions or {}),
                                   **lever_values)

    @property
    def horizon(self) -> int:
        return len(self.model.series["htc_index"])

    @property
    def week(self) -> int:
        """Weeks shown so far (after the warm-up)."""
        m = self.model
        return max(0, min(m.steps - m.warm_up_weeks, self.horizon))

    def step(self, weeks: int = 1) -> None:
        with self.lock:
            for _ in range(min(weeks, self.horizon - self.week)):
                self.model.step()

    def set_lever(self, name: str, value) -> int:
        """Apply a lever from the next week (YEARLY_LEVERS: the next budget year); return the
        week from which it acts."""
        with self.lock:
            self.model.set_params(dataclasses.replace(self.model.p, **{name: value}))
            self.levers[name] = value
            week = self.week
            if name in YEARLY_LEVERS:
                week = -(-week // STEPS_PER_YEAR) * STEPS_PER_YEAR
            self.applied.append((name, value, week + 1))
            return week + 1

    def recent(self, name: str, weeks: int = 4) -> float:
        t = self.week
        return float(np.mean(self.model.series[name][max(0, t - weeks):t])) if t else float("nan")


# --- state shared by the components of one page ---------------------------------------------
@dataclasses.dataclass
class State:
    lang: solara.Reactive
    scenario: solara.Reactive
    levers: solara.Reactive
    scale: solara.Reactive
    seed: solara.Reactive
    county: solara.Reactive
    week: solara.Reactive
    playing: solara.Reactive
    notice: solara.Reactive
    assumptions: solara.Reactive

    def tr(self, key: str, **fields) -> str:
        return t(key, self.lang.value, **fields)

    def title(self, name: str) -> str:
        try:
            return i18n.scenario_title(load_scenario(name), self.lang.value)
        except UserError:
            return name

    def rebuild(self) -> None:
        self.playing.set(False)
        self.county.set(County(self.scenario.value, self.levers.value, self.scale.value,
                               self.seed.value, self.assumptions.value))
        self.week.set(self.county.value.week)

    def session(self) -> sessions.Session:
        return sessions.Session(self.scenario.value, dict(self.levers.value), self.seed.value,
                                self.scale.value, self.lang.value)

    def restore(self, s: sessions.Session) -> None:
        self.assumptions.set({})                # a session holds levers, not assumptions
        self.lang.set(s.language)
        self.scenario.set(s.scenario)
        self.levers.set(dict(s.levers))
        self.scale.set(s.scale)
        self.seed.set(s.seed)
        self.rebuild()

    def modified(self) -> dict:
        """Levers that differ from the chosen scenario's values."""
        base = load_scenario(self.scenario.value).params
        return {k: v for k, v in self.levers.value.items() if v != getattr(base, k)}


def initial_session() -> sessions.Session:
    """`juwei app --session FILE` (checked by the CLI), else the baseline in the --lang."""
    path = os.environ.get("JUWEI_SESSION")
    if path:
        return sessions.load(path)
    return sessions.of_scenario(sc.load("baseline"), scale=DEFAULT_SCALE)


def initial_lang(chosen: str | None) -> str:
    """--lang, else the browser's Accept-Language, else Chinese."""
    if os.environ.get("JUWEI_LANG") in i18n.LANGS:
        return os.environ["JUWEI_LANG"]
    if chosen:
        return chosen
    headers = solara.lab.headers.value or {}
    asked = headers.get("accept-language") or headers.get("Accept-Language") or [""]
    return i18n.pick(asked[0] if isinstance(asked, list) else asked)


# --- explore ----------------------------------------------------------------------------------
@solara.component
def Verdict(st: State):
    c = st.county.value
    tr = st.tr
    week = st.week.value
    if c.week == 0:
        solara.HTML(tag="div", classes=["jw-verdict"], unsafe_innerHTML=html.escape(
            tr("app.verdict.start", years=c.model.p.burn_in_years)))
    else:
        v = syndrome({k: c.recent(k) for k in ("htc_H", "htc_T", "htc_C", "htc_index")})
        key = i18n.syndrome_word(v, st.lang.value)[0]
        solara.HTML(tag="div", classes=["jw-verdict"], unsafe_innerHTML=html.escape(
            tr(f"app.verdict.{key}", parts=i18n.syndrome_parts(v, st.lang.value), week=week,
               year=f"{week / STEPS_PER_YEAR:.1f}")))
    gauges = []
    for k in "HTC":
        value = c.recent(f"htc_{k}")
        shown = "–" if np.isnan(value) else f"{value:.2f}"
        width = 0 if np.isnan(value) else 100 * min(max(value, 0), 1)
        colour = "#d62728" if value > SYNDROME_THRESHOLD else "#2ca02c"
        gauges.append(
            f"<div class='jw-gauge'><b>{html.escape(tr(f'app.htc.{k}.name'))} {k} = {shown}"
            f"</b><div class='jw-bar'><div class='jw-fill' style='width:{width:.0f}%;"
            f"background:{colour}'></div><div class='jw-mark' style='left:"
            f"{100 * SYNDROME_THRESHOLD:.0f}%' title='{SYNDROME_THRESHOLD:g}'></div></div>"
            f"<div class='jw-muted'>{html.escape(tr(f'app.htc.{k}.explain'))}</div></div>")
    solara.HTML(tag="div", classes=["jw-gauges"], unsafe_innerHTML="".join(gauges))


def status(st: State) -> str:
    """Scenario, whether the levers were moved from it, and the week."""
    c, tr = st.county.value, st.tr
    out = [tr("app.status.scenario", title=st.title(st.scenario.value))]
    changed = st.modified()
    if changed:
        out.append(tr("app.status.modified", n=len(changed), title=st.title(
            st.scenario.value)))
    out.append(tr("app.status.week", week=c.week, horizon=c.horizon))
    return " · ".join(out)


def _years(c: County) -> np.ndarray:
    return np.arange(c.week) / STEPS_PER_YEAR


@solara.component
def Charts(st: State):
    _ = st.week.value
    c, tr, lang = st.county.value, st.tr, st.lang.value
    t_ = c.week
    s = c.model.series
    x = _years(c)
    x_max = c.horizon / STEPS_PER_YEAR
    x_name = tr("app.chart.years", years=c.model.p.burn_in_years)

    def named(names):
        return {i18n.indicator(n, lang)[0]: s[n][:t_] for n in names}
    htc = {tr(f"app.htc.{k}.name") + f" {k}": s[f"htc_{k}"][:t_] for k in "HTC"}
    htc[i18n.indicator("htc_index", lang)[0]] = s["htc_index"][:t_]
    options = [
        charts.lines(tr("app.chart.htc"), x, htc, y_name="0-1", threshold=SYNDROME_THRESHOLD,
                     threshold_label=tr("app.chart.threshold", value=SYNDROME_THRESHOLD),
                     x_name=x_name, x_max=x_max),
        charts.lines(tr("app.chart.residents"), x, named(
            ["participation_rate", "participation_60_plus", "trust", "awareness"]),
            y_name=i18n.unit("share", lang), x_name=x_name, x_max=x_max),
        charts.lines(tr("app.chart.cadres"), x, named(["admin_share", "exhaustion"]),
                     y_name=i18n.unit("share", lang), right=named(["cadre_hours_per_week"]),
                     right_name=i18n.unit("hours/week", lang), right_max=60, x_name=x_name,
                     x_max=x_max)]
    with solara.Div(classes=["jw-charts"]):
        for option in options:
            EChart(option, 360)


@solara.component
def CountyView(st: State):
    _ = st.week.value
    c, tr, lang = st.county.value, st.tr, st.lang.value
    chosen = solara.use_reactive("admin_share")
    place = c.model.county
    items = [{"text": tr(f"app.county.{k}"), "value": k} for k in charts.COUNTY_VIEW]
    rv.Select(label=tr("app.county.colour"), items=items, v_model=chosen.value,
              on_v_model=chosen.set, style_="max-width: 420px")
    t_ = c.week
    n = place.n
    values = (np.asarray(c.model.committee_series[chosen.value][t_ - 1], float) if t_ else
              np.full(n, np.nan))
    option = charts.county(tr("app.county.title", n=n, seat=place.seat), list(place.names),
                           np.asarray(place.in_seat, bool), values, chosen.value,
                           tr(f"app.county.{chosen.value}"), lang, tr("app.county.seat"),
                           tr("app.county.elsewhere"))
    EChart(option, 360)


@solara.component
def Player(st: State):
    """Run / pause / one week / reset, and what happens at the horizon."""
    c, tr = st.county.value, st.tr
    _ = st.week.value
    at_end = c.week >= c.horizon

    def play(cancel: threading.Event):
        # cancelled between weeks, never inside one (Pause, Reset, another tab)
        while st.playing.value and not cancel.is_set():
            if c.week >= c.horizon:
                st.playing.set(False)
                return
            c.step(WEEKS_PER_FRAME)
            st.week.set(c.week)
            cancel.wait(FRAME_PAUSE)
    solara.use_thread(play, dependencies=[st.playing.value, c], intrusive_cancel=False)

    def one_week():
        c.step(1)
        st.week.set(c.week)

    def reset():
        st.rebuild()
        st.notice.set(tr("app.notice.reset"))
    last = solara.use_ref(0.0)

    def toggle(playing: bool):
        """Run or pause. The second click of a double click on Run lands on Pause (the button
        turns under the pointer): it is not a wish to pause, so a pause within DOUBLE_CLICK
        of starting is ignored."""
        now = time.monotonic()
        if not playing and now - last.current < DOUBLE_CLICK:
            return
        if playing:
            last.current = now
        st.playing.set(playing)
    with solara.Row(style="align-items: center; flex-wrap: wrap"):
        if st.playing.value:
            solara.Button(tr("app.button.pause"), on_click=lambda: toggle(False),
                          color="primary")
        else:
            solara.Button(tr("app.button.play"), on_click=lambda: toggle(True),
                          color="primary", disabled=at_end)
        solara.Button(tr("app.button.step"), on_click=one_week, disabled=at_end or
                      st.playing.value)
        solara.Button(tr("app.button.reset"), on_click=reset)
        solara.HTML(tag="span", classes=["jw-status"], unsafe_innerHTML=html.escape(status(st)))
        if at_end:
            solara.HTML(tag="span", classes=["jw-note"], unsafe_innerHTML=html.escape(
                tr("app.notice.end", years=c.horizon // STEPS_PER_YEAR)))


@solara.component
def LeverSlider(st: State, r: dict):
    name = r["name"]
    lang = st.lang.value
    shown = i18n.lever(r, lang)
    value = st.levers.value[name]
    base = getattr(load_scenario(st.scenario.value).params, name)

    def moved(v):
        if v == st.levers.value[name]:
            return
        st.levers.set({**st.levers.value, name: v})
        week = st.county.value.set_lever(name, v)
        key = ("app.notice.yearly" if name in YEARLY_LEVERS else
               f"app.notice.{EVENT_LEVERS[name]}" if name in EVENT_LEVERS else "app.notice.now")
        st.notice.set(st.tr(key, lever=shown["label"], value=_fmt(v), week=week))
    unit = shown["unit_shown"]
    mark = "" if value == base else " ✎"
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"{html.escape(shown['label'])}{mark} <span class='jw-lever-value' data-lever='{name}'>"
        f"{_fmt(value)}</span> {html.escape(unit)}"), attributes={"title": shown["meaning_shown"]})
    positions = sorted({*SLIDERS[name], value})       # a session may hold any value in range
    rv.Slider(v_model=positions.index(value), min=0, max=len(positions) - 1, step=1,
              hide_details=True, on_v_model=lambda i: moved(positions[int(i)]),
              class_=f"jw-slider-{name}")


def _fmt(v) -> str:
    return f"{v:d}" if isinstance(v, int) else f"{v:g}"


@solara.component
def Controls(st: State):
    tr, lang = st.tr, st.lang.value
    names = [s.name for s in sc.available()]

    def restart(name):
        """The scenario's own lever values, and the county from the start."""
        st.scenario.set(name)
        s = load_scenario(name)
        st.levers.set({k: getattr(s.params, k) for k in LEVERS})
        st.rebuild()
        st.notice.set(tr("app.notice.scenario", title=st.title(name)))
    rv.Select(label=tr("app.control.scenario"), v_model=st.scenario.value, on_v_model=restart,
              items=[{"text": st.title(n), "value": n} for n in names])
    # always there (disabled until a lever moves): a button appearing would shift the drawer's
    # children, and the sliders below would be rebuilt, briefly twice
    solara.Button(tr("app.control.back", title=st.title(st.scenario.value)),
                  on_click=lambda: restart(st.scenario.value), small=True,
                  disabled=not st.modified())
    solara.HTML(tag="div", classes=["jw-muted"], unsafe_innerHTML=html.escape(
        i18n.scenario_description(load_scenario(st.scenario.value), lang)))
    with solara.Row():
        rv.Select(label=tr("app.control.scale"), v_model=st.scale.value, items=[
            {"text": f"{s:g}", "value": s} for s in SCALES],
            on_v_model=lambda v: (st.scale.set(v), st.notice.set(tr("app.notice.at_reset"))))
        rv.Select(label=tr("app.control.seed"), v_model=st.seed.value, items=list(range(1, 101)),
                  on_v_model=lambda v: (st.seed.set(v), st.notice.set(tr("app.notice.at_reset"))))
    for group in LEVER_GROUPS:
        solara.HTML(tag="h4", unsafe_innerHTML=html.escape(tr(f"app.group.{group}")))
        for r in levers((group,)):
            LeverSlider(st, r)
    SessionPanel(st)


@solara.component
def SessionPanel(st: State):
    tr = st.tr
    message = solara.use_reactive("")
    saved = solara.use_reactive(_saved_sessions())
    solara.HTML(tag="h4", unsafe_innerHTML=html.escape(tr("app.session.title")))
    text = sessions.dumps(st.session())
    solara.FileDownload(text.encode(), filename="juwei-session.toml",
                        label=tr("app.session.download"))

    def save():
        path = save_session(text)
        saved.set(_saved_sessions())
        message.set(tr("app.session.saved", file=path.name))
    solara.Button(tr("app.session.save"), on_click=save)
    mine = load_scenario(st.scenario.value)
    toml = sessions.scenario_toml(
        mine, st.levers.value, t("app.mine.description", "en", title=i18n.scenario_title(
            mine, "en")), t("app.mine.title", "zh"), t("app.mine.title", "en"))
    solara.FileDownload(toml.encode(), filename="my_levers.toml",
                        label=tr("app.session.scenario_file"))
    if saved.value:
        def load(name):
            try:
                st.restore(sessions.load(saved_session(name), origin=name))
                message.set(st.tr("app.session.loaded", file=name))
            except UserError as e:
                message.set(st.tr("app.session.bad", error=str(e)))
        rv.Select(label=tr("app.session.load"), items=saved.value, v_model=None,
                  on_v_model=load)

    def dropped(f):
        try:
            st.restore(sessions.loads(uploaded(f), f["name"]))
            message.set(st.tr("app.session.loaded", file=f["name"]))
        except UserError as e:
            message.set(st.tr("app.session.bad", error=str(e)))
    solara.FileDrop(label=tr("app.session.drop"), on_file=dropped, lazy=True)
    if message.value:
        solara.Text(message.value)


def uploaded(f) -> bytes:
    """A dropped file's bytes, as the safe reader reads a file: at most the limit + 1 byte
    fetched from the browser, whatever size it claims (the whole file was sent, and held by
    the server, before its size was checked); sessions.loads refuses what is over."""
    try:
        return f["file_obj"].read(files.MAX_BYTES + 1)
    except Exception as e:  # noqa: BLE001 - a browser that went away, a broken upload
        raise UserError(f"{str(f.get('name'))[:60]!r}: the upload could not be read "
                        f"({type(e).__name__})") from None


def sessions_folder() -> Path:
    return Path(os.environ.get("JUWEI_SESSIONS", "sessions"))


def _saved_sessions() -> list[str]:
    """The saved sessions by name (never a path): the sessions folder's own listing, newest
    first."""
    folder = sessions_folder()
    return sorted((p.name for p in folder.glob("*.toml")), reverse=True) if folder.is_dir() \
        else []


def saved_session(name: str) -> Path:
    """A saved session's file by the name the page shows: only a name of the sessions
    folder's own listing, resolved and checked to lie inside it. The browser sends a name,
    and nothing else is read."""
    folder = sessions_folder().resolve()
    path = (folder / str(name)).resolve()
    if str(name) not in _saved_sessions() or path.parent != folder:
        raise UserError(f"{str(name)[:60]!r}: not a saved session")   # no server path
    return path


def save_session(text: str) -> Path:
    """Write a session into the sessions folder under a new name (to the microsecond, and
    never over another: the file is created exclusively)."""
    folder = sessions_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"session-{datetime.now():%Y%m%d-%H%M%S-%f}"
    for n in range(1, 1000):
        path = folder / (f"{stem}.toml" if n == 1 else f"{stem}-{n}.toml")
        try:
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
            return path
        except FileExistsError:
            continue
    raise UserError(f"{folder}: cannot find a free session name")


@solara.component
def Explore(st: State):
    if st.notice.value:
        solara.HTML(tag="div", classes=["jw-note"], unsafe_innerHTML=html.escape(
            st.notice.value))
    Player(st)
    Charts(st)
    CountyView(st)


# --- compare ----------------------------------------------------------------------------------
def results_root() -> Path:
    return Path(os.environ.get("JUWEI_RESULTS", "results"))


def prepared() -> list[Path]:
    """Finished comparisons in the results store, newest first (`make run` writes one)."""
    root = results_root()
    found = []
    for f in root.glob("*/manifest.json") if root.is_dir() else []:
        try:
            m = json.loads(read_bytes(f, MAX_MANIFEST))
        except (UserError, ValueError):
            continue
        if m.get("kind") == "compare" and m.get("status") == "complete" and \
                (f.parent / "comparison.csv").exists():
            found.append(f.parent)
    return sorted(found, key=lambda p: (not p.name.startswith("compare-remedies"),
                                        -p.stat().st_mtime))


def read_comparison(folder: Path) -> dict | None:
    """A finished comparison's tables and design, or None when they cannot be read."""
    try:
        manifest = json.loads(read_bytes(folder / "manifest.json", MAX_MANIFEST))
        design = manifest.get("design", {})
        table = pd.read_csv(folder / "comparison.csv")
        costs = pd.read_csv(folder / "costs.csv") if (folder / "costs.csv").exists() else None
    except (OSError, ValueError, UserError):
        return None
    if costs is not None and not set(COST_COLUMNS) <= set(costs.columns):
        costs = None
    given = {s["name"]: s.get("changes", {}) for s in design.get("scenarios", [])}
    base = design.get("base")
    changed = {n: changed_levers(given.get(base, {}), v) for n, v in given.items()}
    try:
        ranking = outcome_ranking(table, base, changed, costs)
    except KeyError:                   # a table without every outcome
        ranking = None
    return {"folder": folder, "table": table, "costs": costs, "base": base,
            "changed": changed, "ranking": ranking, "scenarios": list(given),
            "scale": design.get("scale"), "years": design.get("years"),
            "replicates": design.get("replicates"),
            "finished": str(manifest.get("finished") or manifest.get("started") or ""),
            "complete": costs is not None and "diff_sd" in table.columns}


@dataclasses.dataclass
class Run:
    """The page's comparison run: one at a time (a lock, not a button state), kept while the
    facilitator switches tabs."""
    lock: threading.Lock
    running: solara.Reactive
    progress: solara.Reactive       # (runs done, runs in all)
    message: solara.Reactive
    shown: solara.Reactive          # the folder on show
    # the new comparison's form, kept by the page across runs and tabs
    chosen: solara.Reactive         # scenarios, the first the base
    add_mine: solara.Reactive
    scale: solara.Reactive
    years: solara.Reactive
    replicates: solara.Reactive


@solara.component
def Compare(st: State, run: Run):
    tr, lang = st.tr, st.lang.value
    names = [s.name for s in sc.available()]
    chosen, add_mine, scale, years, replicates = (run.chosen, run.add_mine, run.scale,
                                                  run.years, run.replicates)
    found = solara.use_memo(prepared, dependencies=[run.running.value])
    if not run.shown.value and found:
        run.shown.set(str(found[0]))

    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.compare.prepared")))
    if found:
        rv.Select(label=tr("app.compare.choose"), v_model=run.shown.value,
                  on_v_model=run.shown.set,
                  items=[{"text": _folder_label(f, st), "value": str(f)} for f in found])
    else:
        solara.HTML(tag="p", unsafe_innerHTML=html.escape(tr("app.compare.none")))
    if run.message.value:
        solara.HTML(tag="div", classes=["jw-note"],
                    unsafe_innerHTML=html.escape(run.message.value))
    shown = read_comparison(Path(run.shown.value)) if run.shown.value else None
    if shown:
        Results(st, shown)

    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.compare.new")))
    rv.Select(label=tr("app.compare.scenarios"), v_model=chosen.value, multiple=True,
              chips=True, on_v_model=chosen.set,
              items=[{"text": st.title(n), "value": n} for n in names])
    solara.Checkbox(label=tr("app.compare.add_mine"), value=add_mine)
    with solara.Row(style="flex-wrap: wrap; align-items: center"):
        rv.Select(label=tr("app.control.scale"), v_model=scale.value, on_v_model=scale.set,
                  items=[{"text": f"{s:g}", "value": s} for s in SCALES], style_="max-width:160px")
        rv.Select(label=tr("app.compare.years"), v_model=years.value, on_v_model=years.set,
                  items=YEARS, style_="max-width:160px")
        solara.SliderInt(tr("app.compare.replicates"), value=replicates, min=MIN_REPLICATES,
                         max=20)
        solara.HTML(tag="span", classes=["jw-lever-value"], unsafe_innerHTML=str(
            replicates.value))
    solara.HTML(tag="p", classes=["jw-muted"], unsafe_innerHTML=html.escape(
        tr("app.compare.years_note", burn=Parameters().burn_in_years)))

    def start():
        if not run.lock.acquire(blocking=False):      # a second click while one runs
            return
        try:
            scenarios = [dataclasses.replace(s, params=dataclasses.replace(
                s.params, scale=scale.value, years=years.value, **st.assumptions.value))
                for s in map(load_scenario, chosen.value)]
            if add_mine.value:
                scenarios.append(my_scenario(st, scale.value, years.value))
        except (UserError, ValueError) as e:
            run.message.set(tr("app.compare.failed", error=str(e)))
            run.lock.release()
            return
        if len(scenarios) < 2:
            run.message.set(tr("app.compare.too_few"))
            run.lock.release()
            return
        total = len(scenarios) * replicates.value
        out = results_root() / f"app-compare-{datetime.now():%Y%m%d-%H%M%S}"
        run.running.set(True)
        run.progress.set((0, total))
        run.message.set("")

        def work():
            from .studies import compare
            done = []
            try:
                compare.run(scenarios, replicates.value, DEFAULT_SEED,
                            Options(out, progress=False), lang=lang,
                            on_outcome=lambda i, o: (done.append(i), run.progress.set(
                                (len(done), total))))
                run.shown.set(str(out))
                run.message.set(tr("app.compare.done", n=total))
            except Exception as e:  # noqa: BLE001 - shown to the user, not a crash
                run.message.set(tr("app.compare.failed", error=str(e)))
            finally:
                run.running.set(False)
                run.lock.release()
        threading.Thread(target=work, daemon=True).start()

    solara.Button(tr("app.compare.run"), on_click=start, color="primary",
                  disabled=run.running.value)
    done, total = run.progress.value
    if run.running.value:
        solara.ProgressLinear(value=100 * done / max(total, 1))
        solara.Text(tr("app.compare.running", done=done, total=total))


def _folder_label(folder: Path, st: State) -> str:
    """A prepared comparison by when it finished and what it holds: never its folder's name or
    path (the page shows no server paths)."""
    c = read_comparison(folder)
    when = (c or {}).get("finished") or datetime.fromtimestamp(folder.stat().st_mtime).isoformat()
    when = when[:16].replace("T", " ")
    if c is None:
        return when
    return st.tr("app.compare.folder", when=when, n=len(c["scenarios"]),
                 scale=c["scale"], years=c["years"], replicates=c["replicates"])


def my_scenario(st: State, scale: float, years: int) -> sc.Scenario:
    """The current levers as a scenario ('my levers'), on the chosen scenario's other values."""
    s = load_scenario(st.scenario.value)
    params = dataclasses.replace(s.params, scale=scale, years=years, **st.assumptions.value,
                                 **st.levers.value)
    return dataclasses.replace(s, name="my_levers", path="(workshop)", params=params,
                               changes=sc.changes_from_default(params),
                               description=t("app.mine.description", "en",
                                             title=i18n.scenario_title(s, "en")),
                               title_zh=t("app.mine.title", "zh"),
                               title_en=t("app.mine.title", "en"),
                               description_zh=t("app.mine.description", "zh",
                                                title=i18n.scenario_title(s, "zh")))


def effect_label(row, indicator: str, lang: str) -> dict:
    """What the compare tab shows of one paired change, by the one rule (stats.how_sure):
    its words, its colour (green better for the county, red worse, grey neither) and its
    interval (None when too few runs)."""
    s = how_sure({**row, "indicator": indicator})
    return {"key": s.key, "word": i18n.sure_word(s, lang), "colour": s.colour,
            "low": s.low, "high": s.high}


@solara.component
def Results(st: State, c: dict):
    tr, lang = st.tr, st.lang.value
    table = c["table"]
    titles = {n: st.title(n) if n != "my_levers" else t("app.mine.title", lang)
              for n in c["scenarios"]}
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr(
        "app.compare.results", base=titles.get(c["base"], c["base"]), scale=c["scale"],
        years=c["years"], replicates=c["replicates"])))
    if not c["complete"]:
        solara.HTML(tag="div", classes=["jw-note"], unsafe_innerHTML=html.escape(
            tr("app.compare.old_table")))
    units = table["units"].dropna() if "units" in table else pd.Series(dtype=float)
    if len(units) and int(units.min()) < MIN_REPLICATES:
        solara.HTML(tag="div", classes=["jw-note"], unsafe_innerHTML=html.escape(t(
            "sure.too_few_note", lang, n=int(units.min()), min=MIN_REPLICATES)))
    # verdicts and the table of changes with how-sure words
    head = "".join(f"<th>{html.escape(i18n.indicator(k, lang)[0])}</th>"
                   for k in WORKSHOP_INDICATORS)
    marks = definition_marks(WORKSHOP_INDICATORS, c["changed"])
    rows = []
    for name in c["scenarios"]:
        sub = table[table.scenario == name].set_index("indicator")
        v = syndrome({k: sub.loc[k, "mean"] for k in ("htc_H", "htc_T", "htc_C", "htc_index")})
        cells = []
        for k in WORKSHOP_INDICATORS:
            r = sub.loc[k]
            if name == c["base"]:
                cells.append(f"<td>{r['mean']:.3f}</td>")
                continue
            label = effect_label(r, k, lang)
            cells.append(f"<td>{r['diff']:+.3f}{'†' if (name, k) in marks else ''}<br>"
                         f"<span style='color:{label['colour']}' data-sure='{label['key']}'>"
                         f"{html.escape(label['word'])}</span></td>")
        kind, verdict = i18n.syndrome_word(v, lang)
        rows.append(f"<tr><td><b>{html.escape(titles[name])}</b></td><td data-syndrome="
                    f"'{kind}'>{html.escape(verdict)}</td>{''.join(cells)}</tr>")
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<p class='jw-muted'>{html.escape(tr('app.compare.explain'))}</p>"
        f"<table class='jw-table'><tr><th>{html.escape(tr('app.compare.scenario'))}</th>"
        f"<th>{html.escape(tr('app.compare.syndrome'))}</th>{head}</tr>{''.join(rows)}"
        f"</table><p class='jw-muted'>{html.escape(t('sure.rule', lang, min=MIN_REPLICATES))}"
        "</p>"
        + dagger_notes(marks, c["scenarios"], WORKSHOP_INDICATORS, titles, lang)))
    if c["ranking"] is not None:
        Ranking(st, c["ranking"], c["changed"], titles, titles.get(c["base"], c["base"]))
    if c["costs"] is not None:
        Costs(st, c["costs"], titles)
    # one figure: the differences in a chosen indicator
    indicator = solara.use_reactive("htc_index")
    rv.Select(label=tr("app.compare.indicator"), v_model=indicator.value,
              on_v_model=indicator.set, style_="max-width: 420px",
              items=[{"text": i18n.indicator(k, lang)[0], "value": k}
                     for k in WORKSHOP_INDICATORS])
    sub = table[(table.indicator == indicator.value) & (table.scenario != c["base"])]
    bars = [{"label": titles[r.scenario], "diff": r["diff"],
             **effect_label(r, indicator.value, lang)} for _, r in sub.iterrows()]
    name, _, unit = i18n.indicator(indicator.value, lang)
    EChart(charts.effects(tr("app.compare.figure", indicator=name), bars,
                          tr("app.compare.change", unit=unit)), 140 + 44 * len(bars))
    f = c["folder"]
    with solara.Row(style="flex-wrap: wrap"):
        for file, label in (("handout.html", "app.compare.handout"),
                            ("report.html", "app.compare.report")):
            if (f / file).exists():
                solara.FileDownload(lambda path=f / file: path.read_bytes(), filename=file,
                                    label=tr(label))


@solara.component
def Ranking(st: State, ranking: pd.DataFrame, changed: dict, titles: dict, base: str):
    """The alternatives ranked on the outcomes (present/stats.outcome_ranking), as in the full
    report: each outcome's rank (†: a lever the alternative changes enters its definition),
    the mean rank, each outcome weighted equally, and the extra money beside it."""
    lang, e = st.lang.value, html.escape
    marks = definition_marks(OUTCOMES, changed)
    rows = []
    for r in ranking.to_dict("records"):
        s = r["scenario"]
        extra = "–" if pd.isna(r["extra_yuan"]) else f"{r['extra_yuan'] / PER_YUAN:+,.1f}"
        rows.append(f"<tr><td>{r['position']}</td><td><b>{e(titles.get(s, s))}</b></td>"
                    + "".join(f"<td>{r['rank_' + o]:g}{'†' if (s, o) in marks else ''}</td>"
                              for o in OUTCOMES)
                    + f"<td><b>{r['mean_rank']:.2f}</b></td><td>{extra}</td></tr>")
    head = "".join(f"<th>{e(i18n.indicator(o, lang)[0])}</th>" for o in OUTCOMES)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<h4>{e(t('report.ranking_h', lang))}</h4><p class='jw-muted'>"
        f"{e(t('report.ranking_note', lang, base=base, k=len(OUTCOMES)))}</p>"
        f"<div style='overflow-x: auto'><table class='jw-table'><tr>"
        f"<th>{e(t('report.th_position', lang))}</th><th>{e(st.tr('app.compare.scenario'))}</th>"
        f"{head}<th>{e(t('report.th_mean_rank', lang))}</th>"
        f"<th>{e(st.tr('app.costs.extra'))}</th></tr>{''.join(rows)}</table></div>"
        + dagger_notes(marks, list(ranking.scenario), OUTCOMES, titles, lang)))


@solara.component
def Costs(st: State, costs: pd.DataFrame, titles: dict):
    """Public money by item (10,000 yuan a year), the extra over the base, cadre hours freed
    and the syndrome index's change per 10,000 yuan (where the extra is large enough)."""
    tr = st.tr
    columns = [*MONEY_ITEMS, "public_yuan", "extra_yuan"]
    rows = []
    for _, r in costs.iterrows():
        per = r["per_10k_htc_index"]
        money = "".join(f"<td>{r[k] / PER_YUAN:{'+' if k == 'extra_yuan' else ''},.1f}</td>"
                        for k in columns)
        rows.append(
            f"<tr><td><b>{html.escape(titles.get(r.scenario, r.scenario))}</b></td>{money}"
            f"<td>{round(r.admin_hours_freed_per_cadre_week, 1) + 0.0:+.1f}</td>"
            f"<td>{'–' if pd.isna(per) else f'{per:+.2g}'}</td></tr>")
    head = "".join(f"<th>{html.escape(t(f'cost.{k}', st.lang.value))}</th>" for k in MONEY_ITEMS)
    head += "".join(f"<th>{html.escape(tr(f'app.costs.{k}'))}</th>" for k in ("total", "extra"))
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<h4>{html.escape(tr('app.costs.title'))}</h4><p class='jw-muted'>"
        f"{html.escape(tr('app.costs.unit'))}</p><div style='overflow-x: auto'>"
        f"<table class='jw-table'><tr><th>{html.escape(tr('app.compare.scenario'))}</th>{head}"
        f"<th>{html.escape(tr('app.costs.hours'))}</th>"
        f"<th>{html.escape(tr('app.costs.per_10k'))}</th></tr>{''.join(rows)}</table></div>"
        f"<p class='jw-muted'>{html.escape(tr('app.costs.note'))}</p>"))


# --- levers and about ------------------------------------------------------------------------
@solara.component
def LeverGuide(st: State):
    tr, lang = st.tr, st.lang.value
    users = {k: [s for s in sc.available() if getattr(s.params, k) != describe(k)["baseline"]]
             for k in LEVERS}
    out = [f"<h3>{html.escape(tr('app.levers.title'))}</h3>"]
    for group in LEVER_GROUPS:
        rows = []
        for r in levers((group,)):
            s = i18n.lever(r, lang)
            used = "、".join(i18n.scenario_title(x, lang) for x in users[r["name"]]) or "–"
            rows.append(f"<tr><td><b>{html.escape(s['label'])}</b></td><td>"
                        f"{html.escape(s['meaning_shown'])}</td><td>{_fmt(r['baseline'])}</td>"
                        f"<td>{_fmt(r['low'])} – {_fmt(r['high'])}</td><td>"
                        f"{html.escape(s['unit_shown'])}</td><td>{html.escape(used)}</td></tr>")
        out.append(f"<h4>{html.escape(tr(f'app.group.{group}'))}</h4><table class='jw-table'>"
                   f"<tr><th>{html.escape(tr('app.levers.lever'))}</th><th>"
                   f"{html.escape(tr('app.levers.meaning'))}</th><th>"
                   f"{html.escape(tr('app.levers.baseline'))}</th><th>"
                   f"{html.escape(tr('app.levers.range'))}</th><th>"
                   f"{html.escape(tr('app.levers.unit'))}</th><th>"
                   f"{html.escape(tr('app.levers.used'))}</th></tr>{''.join(rows)}</table>")
    solara.HTML(tag="div", unsafe_innerHTML="".join(out))
    Assumptions(st)


@solara.component
def Assumptions(st: State):
    """The model's uncertain constants (not levers), each with its source tag; a change
    applies at the next reset, so a workshop can ask whether a conclusion survives it."""
    tr, lang = st.tr, st.lang.value
    chosen = solara.use_reactive(CONSTANTS[0])
    text = solara.use_reactive("")
    message = solara.use_reactive("")
    r = describe(chosen.value)
    s = i18n.lever(r, lang)
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.assume.title")))
    solara.HTML(tag="p", unsafe_innerHTML=html.escape(tr("app.assume.explain")))
    rv.Select(label=tr("app.assume.constant"), v_model=chosen.value, on_v_model=chosen.set,
              items=[{"text": i18n.lever(describe(k), lang)["label"], "value": k}
                     for k in CONSTANTS], style_="max-width: 520px")
    solara.HTML(tag="p", unsafe_innerHTML=html.escape(tr(
        "app.assume.about", meaning=s["meaning_shown"], tag=r["tag"], baseline=_fmt(
            r["baseline"]), low=_fmt(r["low"]), high=_fmt(r["high"]), unit=s["unit_shown"],
        now=_fmt(st.assumptions.value.get(chosen.value, r["baseline"])))))
    solara.InputText(tr("app.assume.value"), value=text)

    def set_value():
        try:
            value = sc.safe_coerce(chosen.value, float(text.value), tr("app.assume.value"))
        except ValueError:
            message.set(tr("app.assume.not_number", text=text.value))
            return
        except UserError as e:
            message.set(tr("app.assume.refused", error=str(e)))
            return
        st.assumptions.set({**st.assumptions.value, chosen.value: value})
        message.set(tr("app.assume.set", name=s["label"], value=_fmt(value)))
    with solara.Row():
        solara.Button(tr("app.assume.apply"), on_click=set_value, color="primary")
        solara.Button(tr("app.assume.restore"), on_click=lambda: (
            st.assumptions.set({}), message.set(tr("app.assume.restored"))))
    if message.value:
        solara.Text(message.value)
    if st.assumptions.value:
        solara.Text(tr("app.assume.changed", list="; ".join(
            f"{i18n.lever(describe(k), lang)['label']} = {_fmt(v)}"
            for k, v in st.assumptions.value.items())))


@solara.component
def About(st: State):
    tr = st.tr
    parts = ["<h3>" + html.escape(tr("app.about.title")) + "</h3>"]
    for key in ("syndrome", "H", "T", "C", "agents", "levers", "limits", "source"):
        parts.append(f"<p>{html.escape(tr(f'app.about.{key}'))}</p>")
    solara.HTML(tag="div", unsafe_innerHTML="".join(parts), style="max-width: 70em")


# --- the page ---------------------------------------------------------------------------------
def allowed(search: str | None) -> bool:
    """Whether the page's address carries the access token `juwei app` made for a --host other
    than loopback (JUWEI_TOKEN; without one, every visitor of this machine is allowed)."""
    token = os.environ.get("JUWEI_TOKEN")
    if not token:
        return True
    given = urllib.parse.parse_qs(search or "").get("token", [""])[0]
    return hmac.compare_digest(given.encode(), token.encode())


@solara.component
def Page():
    """The workshop, for a visitor with the access token when one is needed (like Jupyter's:
    nothing of the workshop is built for a visitor without it)."""
    if not allowed(solara.use_router().search):
        solara.Text(t("app.token", "zh") + " " + t("app.token", "en"))
        return
    Workshop()


@solara.component
def Workshop():
    """One county per browser session: two tabs in a workshop do not drive the same county."""
    first = solara.use_memo(initial_session, dependencies=[])
    lang = solara.use_reactive(initial_lang(first.language if os.environ.get("JUWEI_SESSION")
                                            else None))
    st = State(lang=lang, scenario=solara.use_reactive(first.scenario),
               levers=solara.use_reactive(dict(first.levers)),
               scale=solara.use_reactive(first.scale), seed=solara.use_reactive(first.seed),
               county=solara.use_reactive(None), week=solara.use_reactive(0),
               playing=solara.use_reactive(False), notice=solara.use_reactive(""),
               assumptions=solara.use_reactive({}))
    run = Run(lock=solara.use_memo(threading.Lock, dependencies=[]),
              running=solara.use_reactive(False), progress=solara.use_reactive((0, 0)),
              message=solara.use_reactive(""), shown=solara.use_reactive(""),
              chosen=solara.use_reactive(list(COMPARE_DEFAULT)),
              add_mine=solara.use_reactive(False), scale=solara.use_reactive(DEFAULT_SCALE),
              years=solara.use_reactive(5), replicates=solara.use_reactive(COMPARE_REPLICATES))
    tab = solara.use_reactive(0)
    if st.county.value is None:
        st.county.set(County(first.scenario, first.levers, first.scale, first.seed))
        return
    tr = st.tr
    solara.Style(CSS)
    solara.Title(tr("app.title"))
    with solara.AppBarTitle():
        solara.Text(tr("app.title"))
    with solara.AppBar():
        for code, label in (("zh", "中文"), ("en", "English")):
            solara.Button(label, on_click=lambda code=code: lang.set(code), text=True,
                          style="color: white; font-size: 16px" + (
                              "; font-weight: 700; text-decoration: underline"
                              if lang.value == code else ""))
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.button.levers")))
        Controls(st)
    with solara.Column(style="padding: 0 8px"):
        Verdict(st)
        with solara.lab.Tabs(value=tab.value, on_value=tab.set):
            for key in ("explore", "compare", "levers", "about"):
                solara.lab.Tab(tr(f"app.tab.{key}"))
        if tab.value == 1:
            Compare(st, run)
        else:
            [Explore, None, LeverGuide, About][tab.value](st)


@solara.component
def Layout(children=[]):
    """Solara's layout with the controls in a drawer, closed at first (the charts get the
    width; the menu button opens it)."""
    return solara.AppLayout(children=children, sidebar_open=False)
