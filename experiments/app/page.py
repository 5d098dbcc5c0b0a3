"""The page: the access token, the app bar and the language switch, the drawer, the verdict
and the tabs."""

from __future__ import annotations

import hmac
import html
import os
import threading
import urllib.parse

import solara
import solara.lab

from ..present.i18n import t
from .about import About
from .compare import COMPARE_DEFAULT, COMPARE_REPLICATES, Compare, Run
from .controls import Controls
from .explore import Explore, Verdict
from .levers import LeverGuide, measure_soon
from .pareto import Pareto
from .state import (DEFAULT_SCALE, County, State, initial_lang, initial_session,
                    read_only)
from .widgets import CSS


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
               assumptions=solara.use_reactive({}), presenter=solara.use_reactive(False),
               zoom=solara.use_reactive(1.0))
    run = Run(lock=solara.use_memo(threading.Lock, dependencies=[]),
              running=solara.use_reactive(False), progress=solara.use_reactive((0, 0)),
              message=solara.use_reactive(""), shown=solara.use_reactive(""),
              chosen=solara.use_reactive(list(COMPARE_DEFAULT)),
              add_mine=solara.use_reactive(False), scale=solara.use_reactive(DEFAULT_SCALE),
              years=solara.use_reactive(5), replicates=solara.use_reactive(COMPARE_REPLICATES))
    tab = solara.use_reactive(0)
    solara.use_memo(measure_soon, dependencies=[])       # the Levers tab's costs, once
    if st.county.value is None:
        st.county.set(County(first.scenario, first.levers, first.scale, first.seed))
        return
    tr = st.tr
    solara.Style(CSS)
    solara.Title(tr("app.title"))
    with solara.AppBarTitle():
        solara.Text(tr("app.title"))
    with solara.AppBar():
        if read_only():                  # `juwei app --read-only`: said on every page
            solara.HTML(tag="span", classes=["jw-read-only"], attributes={
                "title": tr("app.read_only.explain")}, style="color: white; font-size: 16px; "
                "font-weight: 700; margin-right: 12px", unsafe_innerHTML=html.escape(
                    tr("app.read_only.badge")))
        solara.Button(tr("app.presenter.off" if st.presenter.value else "app.presenter.on"),
                      on_click=lambda: st.presenter.set(not st.presenter.value), text=True,
                      style="color: white; font-size: 16px", classes=["jw-presenter-on"])
        for code, label in (("zh", "中文"), ("en", "English")):
            solara.Button(label, on_click=lambda code=code: lang.set(code), text=True,
                          style="color: white; font-size: 16px" + (
                              "; font-weight: 700; text-decoration: underline"
                              if lang.value == code else ""))
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.button.levers")))
        Controls(st)
    if st.presenter.value:
        with solara.Column(classes=["jw-presenter"],
                           style=f"padding: 0 8px; --jw-zoom: {st.zoom.value:g}"):
            PresenterBar(st)
            Verdict(st)
            Explore(st, presenter=True)
        return
    with solara.Column(style="padding: 0 8px"):
        Verdict(st)
        with solara.lab.Tabs(value=tab.value, on_value=tab.set):
            for key in ("explore", "compare", "pareto", "levers", "about"):
                solara.lab.Tab(tr(f"app.tab.{key}"))
        if tab.value == 1:
            Compare(st, run)
        elif tab.value == 2:
            Pareto(st, on_load=lambda: tab.set(0))
        else:
            [Explore, None, None, LeverGuide, About][tab.value](st)


ZOOMS = (0.75, 1.0, 1.25, 1.5, 2.0)


@solara.component
def PresenterBar(st: State):
    """Presenter mode's bar: leave it, the font size (A− A+), and the keys."""
    tr, zoom = st.tr, st.zoom.value

    def bigger(step: int):
        k = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - zoom))
        st.zoom.set(ZOOMS[min(max(k + step, 0), len(ZOOMS) - 1)])
    with solara.Row(style="align-items: center; flex-wrap: wrap; gap: 8px"):
        solara.Button(tr("app.presenter.off"), on_click=lambda: st.presenter.set(False),
                      outlined=True)
        solara.Button("A−", on_click=lambda: bigger(-1), outlined=True,
                      disabled=zoom <= ZOOMS[0], classes=["jw-smaller"])
        solara.Button("A+", on_click=lambda: bigger(1), outlined=True,
                      disabled=zoom >= ZOOMS[-1], classes=["jw-bigger"])
        solara.HTML(tag="span", classes=["jw-muted"], unsafe_innerHTML=html.escape(
            tr("app.presenter.keys")))


@solara.component
def Layout(children=[]):
    """Solara's layout with the controls in a drawer, closed at first (the charts get the
    width; the menu button opens it)."""
    return solara.AppLayout(children=children, sidebar_open=False)
