"""The Explore tab: the verdict and the H/T/C gauges, the player (run, pause, one week,
reset), the charts week by week and the committees' map."""

from __future__ import annotations

import html
import threading
import time

import numpy as np
import reacton.ipyvuetify as rv
import solara

from ..model import STEPS_PER_YEAR, SYNDROME_THRESHOLD, describe, syndrome
from ..model.indicators import MONEY_ITEMS, MONEY_LEVERS
from ..present import charts, i18n
from ..present.i18n import t
from ..present.stats import in_wan
from .state import County, State, _fmt, said
from .widgets import EChart, Keys

WEEKS_PER_FRAME = 4            # weeks simulated between two redraws while playing
FRAME_PAUSE = 0.25             # seconds between redraws: time for the room's clicks to land
DOUBLE_CLICK = 0.5             # seconds: a second Run/Pause click sooner is part of a double click


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
        # one lever: "1 lever moved", not "1 levers"
        out.append(tr("app.status.modified_one" if len(changed) == 1 else "app.status.modified",
                      n=len(changed), title=st.title(st.scenario.value)))
    out.append(tr("app.status.week", week=c.week, horizon=c.horizon))
    return " · ".join(out)


HTC_SERIES = ["htc_H", "htc_T", "htc_C", "htc_index"]


def _years(c: County) -> np.ndarray:
    return np.arange(c.week) / STEPS_PER_YEAR


@solara.component
def Charts(st: State):
    _ = st.week.value, st.presenter.value
    c, tr, lang = st.county.value, st.tr, st.lang.value
    t_ = c.week
    s = c.model.series
    x = _years(c)
    x_max = c.horizon / STEPS_PER_YEAR
    x_name = tr("app.chart.years", years=c.model.p.burn_in_years)

    def labelled(names):
        """Each series' name on the chart, for its indicator."""
        return {(tr(f"app.htc.{n[-1]}.name") + f" {n[-1]}" if n in HTC_SERIES[:3] else
                 i18n.indicator(n, lang)[0]): n for n in names}

    def drawn(names):
        return {label: s[n][:t_] for label, n in labelled(names).items()}
    # presenter mode: the baseline's own line under each line, faint, on the same county
    twin = st.presenter.value and c.differs()

    def faint(*groups):
        return {label: c.twin(n) for names in groups for label, n in labelled(names).items()
                } if twin else None
    # a marker at the week each lever moved (from where it acts), and a PNG of each chart named
    # after the scenario
    changes = [((week - 1) / STEPS_PER_YEAR, f"{i18n.lever(describe(name), lang)['label']}"
                f"→{_fmt(value)}") for name, value, week in c.applied if week <= t_]
    scenario = st.title(st.scenario.value)

    def save(key):
        return (f"{scenario}-{tr(key)}", tr("app.chart.save"))
    common = dict(x_name=x_name, x_max=x_max, x_value=tr("app.chart.year_value"),
                  changes=changes,
                  faint_label=tr("app.chart.baseline", title=st.title("baseline")))
    residents = ["participation_rate", "participation_60_plus", "trust", "awareness"]
    options = [
        charts.lines(tr("app.chart.htc"), x, drawn(HTC_SERIES), y_name="0-1",
                     threshold=SYNDROME_THRESHOLD, faint=faint(HTC_SERIES),
                     threshold_label=tr("app.chart.threshold", value=SYNDROME_THRESHOLD),
                     save_as=save("app.chart.htc"), **common),
        charts.lines(tr("app.chart.residents"), x, drawn(residents),
                     y_name=i18n.unit("share", lang), faint=faint(residents),
                     save_as=save("app.chart.residents"), **common),
        charts.lines(tr("app.chart.cadres"), x, drawn(["admin_share", "exhaustion"]),
                     y_name=i18n.unit("share", lang), right=drawn(["cadre_hours_per_week"]),
                     right_name=i18n.unit("hours/week", lang), right_max=60,
                     faint=faint(["admin_share", "exhaustion"], ["cadre_hours_per_week"]),
                     save_as=save("app.chart.cadres"), **common)]
    if twin:
        solara.HTML(tag="div", classes=["jw-muted", "jw-faint-note"], unsafe_innerHTML=html.escape(
            tr("app.chart.faint_note", title=st.title("baseline"))))
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
    # the names in the page's language (i18n.place_name: the county file's are English)
    option = charts.county(tr("app.county.title", n=n, seat=i18n.place_name(place.seat, lang)),
                           [i18n.place_name(name, lang) for name in place.names],
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
        st.say("app.notice.reset")
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
    def key(name: str):
        """The presenter's keys: Space runs or pauses, → steps a week, R resets."""
        if name == "space":
            if st.playing.value:
                toggle(False)
            elif c.week < c.horizon:
                toggle(True)
        elif name == "step" and not st.playing.value and c.week < c.horizon:
            one_week()
        elif name == "reset":
            reset()
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
        # the keys everywhere; presenter mode also offers the browser's full screen
        Keys(key, *((tr("app.presenter.full"), tr("app.presenter.full_exit"))
                    if st.presenter.value else ()))
        solara.HTML(tag="span", classes=["jw-status"], unsafe_innerHTML=html.escape(status(st)))
        if at_end:
            solara.HTML(tag="span", classes=["jw-note"], unsafe_innerHTML=html.escape(
                tr("app.notice.end", years=c.horizon // STEPS_PER_YEAR)))



def hours_freed(before: dict, now: dict) -> tuple[float, float]:
    """Cadre hours freed: (a serving cadre's week, the county's year), one the other scaled,
    so they cannot disagree in sign. Both on one base: the per-cadre change times the cadres
    seated now (the county's weekly admin hours over a cadre's), a year of weeks. A change of
    the county's total would mix in vacancies filled or left open (more seated cadres work
    more hours in all while each works fewer), which read as a contradiction."""
    freed = before["admin_hours_per_cadre"] - now["admin_hours_per_cadre"]
    per = now["admin_hours_per_cadre"]
    seated = now["admin_hours_per_year"] / STEPS_PER_YEAR / per if per else 0.0
    return freed, freed * seated * STEPS_PER_YEAR


def hours_said(tr, now: float, freed: float, year: float) -> str:
    """The meter's line on a cadre's administrative hours now: the hours freed since the
    switch, or, when fewer were freed than none, the hours added (never "freed -0.4"), or the
    same; the county's year beside them (hours_freed: of the same sign)."""
    week, year = round(freed, 1), round(year)
    kind = "hours" if week > 0 else "hours_more" if week < 0 else "hours_same"
    return tr(f"app.money.{kind}", now=f"{now:.1f}", freed=f"{abs(week):.1f}",
              year=f"{abs(year):,.0f}")


@solara.component
def Money(st: State):
    """The money meter: public money by item and in all, and cadre hours on administration,
    now (the last week's accounts, indicators.public_money) against the settled county's last
    year before the switch; it follows the levers week by week. The total in 万元/年, the
    items in yuan (as every table)."""
    _ = st.week.value
    c, tr, lang, e = st.county.value, st.tr, st.lang.value, html.escape
    before, shown = c.before, c.week > 0
    now = {k: c.latest(k) if shown else float("nan") for k in before}

    def change(k):
        return now[k] - before[k] if shown else float("nan")

    def yuan(x, signed=False):
        if np.isnan(x):
            return "–"
        return "0" if round(x) == 0 else f"{round(x):{'+' if signed else ''},.0f}"
    rows = []
    for k in MONEY_ITEMS:
        names = "、" if lang == "zh" else ", "
        moved = names.join(i18n.lever(describe(v), lang)["label"] for v in MONEY_LEVERS[k])
        rows.append(f"<tr data-item='{k}'><td>{e(t(f'cost.{k}', lang))}</td>"
                    f"<td class='jw-muted'>{e(moved)}</td><td class='num'>{yuan(before[k])}</td>"
                    f"<td class='num'>{yuan(now[k])}</td>"
                    f"<td class='num' data-change='{k}'>{yuan(change(k), True)}</td></tr>")
    freed, year = hours_freed(before, now) if shown else (float("nan"), float("nan"))
    head = tr("app.money.total", now=in_wan(now["public_yuan"]),
              before=in_wan(before["public_yuan"]),
              change=in_wan(change("public_yuan"), signed=True)) if shown else \
        tr("app.money.total_start", before=in_wan(before["public_yuan"]))
    hours = hours_said(tr, now["admin_hours_per_cadre"], freed, year) if shown else \
        tr("app.money.hours_start", before=f"{before['admin_hours_per_cadre']:.1f}")
    # the untouched baseline changes nothing: what moves is the county's week-to-week noise
    noise = (f"<div class='jw-note jw-money-noise'>{e(tr('app.money.noise'))}</div>"
             if shown and not c.differs() else "")
    solara.HTML(tag="div", classes=["jw-money"], unsafe_innerHTML=(
        f"<h4>{e(tr('app.money.title'))}</h4>"
        f"<div class='jw-money-total' data-yuan='{now['public_yuan']:.0f}'>{e(head)}</div>"
        f"<div>{e(hours)}</div>{noise}"
        "<div style='overflow-x: auto'><table class='jw-table'><tr>"
        + "".join(f"<th>{e(tr(f'app.money.{h}'))}</th>"
                  for h in ("item", "levers", "before", "now", "change"))
        + f"</tr>{''.join(rows)}<tr><td><b>{e(t('cost.public_yuan', lang))}</b></td><td></td>"
        f"<td class='num'><b>{yuan(before['public_yuan'])}</b></td><td class='num'><b>"
        f"{yuan(now['public_yuan'])}</b></td><td class='num' data-change='public_yuan'><b>"
        f"{yuan(change('public_yuan'), True)}</b></td></tr></table></div>"
        f"<p class='jw-muted'>{e(tr('app.money.note'))}</p>"))


@solara.component
def Explore(st: State, presenter: bool = False):
    if st.notice.value:
        solara.HTML(tag="div", classes=["jw-note"], unsafe_innerHTML=html.escape(
            said(st.notice.value, st.lang.value)))
    Player(st)
    Charts(st)
    if not presenter:
        Money(st)
        CountyView(st)
