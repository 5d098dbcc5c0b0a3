"""The page's look (CSS) and its one custom widget: a chart drawn in the browser by ECharts."""

from __future__ import annotations

import ipyvuetify
import solara
import traitlets

CSS = """
.v-application { font-size: 16px; }
/* the app bar's and drawer's empty placeholders would each add the column's gap (36 px) above
   the verdict, which pushed the charts below a projector's 720 px */
.solara-autorouter-content > .v-sheet > div:empty { display: none; }
.v-btn { text-transform: none !important; font-size: 16px !important; letter-spacing: 0; }
.v-tab { text-transform: none !important; font-size: 17px !important; }
.jw-verdict { font-size: 22px; font-weight: 600; margin-bottom: 4px; }
.jw-gauges { display: flex; gap: 16px; flex-wrap: wrap; }
.jw-gauge { flex: 1 1 260px; font-size: 16px; line-height: 1.25; }
.jw-status { font-size: 16px; margin-left: 8px; }
.jw-bar { position: relative; height: 14px; background: #eee; border-radius: 3px;
          margin: 5px 0 7px; }   /* room for the threshold mark above and below the bar */
.jw-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.jw-mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #333; }
.jw-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr));
             gap: 8px; }
.jw-note { font-size: 16px; padding: 6px 10px; border-radius: 4px; background: #fff8e1; }
.jw-table { border-collapse: collapse; font-size: 16px; }
.jw-table td, .jw-table th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
.jw-lever-value { font-size: 16px; font-weight: 600; white-space: nowrap; }
.jw-muted, .muted { color: #666; font-size: 14px; }
.jw-table .num { text-align: right; }
/* the cost table scrolls sideways (its items, after the scenario and its cost) rather than
   squeeze a heading to a character a line; a long heading wraps at most 12 characters wide */
.jw-costs th { word-break: keep-all; min-width: 5em; max-width: 12em; }
.jw-costs td { white-space: nowrap; }
.v-navigation-drawer { width: 460px !important; }   /* one width in both languages */
/* a long label (English's "Download this session (scenario, levers, seed...)") wraps inside
   the drawer rather than running past its edge or being cut */
.v-navigation-drawer .v-btn { max-width: 100%; height: auto !important; min-height: 36px;
                              padding-top: 4px !important; padding-bottom: 4px !important; }
.v-navigation-drawer .v-btn__content { white-space: normal; flex: 1 1 auto; max-width: 100%;
                                       overflow-wrap: anywhere; line-height: 1.25; }
/* presenter mode: the verdict and H/T/C large, the rest scaled by the font-size control */
.jw-presenter .jw-verdict { font-size: calc(44px * var(--jw-zoom, 1)); line-height: 1.2; }
.jw-presenter .jw-gauge { font-size: calc(30px * var(--jw-zoom, 1)); }
.jw-presenter .jw-gauge .jw-muted { font-size: calc(18px * var(--jw-zoom, 1)); }
.jw-presenter .jw-bar { height: calc(28px * var(--jw-zoom, 1));
                        margin: calc(6px * var(--jw-zoom, 1)) 0 calc(9px * var(--jw-zoom, 1)); }
.jw-presenter .jw-status, .jw-presenter .jw-note { font-size: calc(22px * var(--jw-zoom, 1)); }
.jw-presenter .jw-faint-note { font-size: calc(18px * var(--jw-zoom, 1)); }
"""


class EChartWidget(ipyvuetify.VuetifyTemplate):
    """A chart drawn in the browser by ECharts (echart.vue)."""
    template_file = (__file__, "echart.vue")
    option = traitlets.Any({}).tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)
    clicked = traitlets.Unicode("").tag(sync=True)


@solara.component
def EChart(option: dict, height: int, on_click=None):
    """`on_click(key)`: a click on a data point carrying a `key` (charts.pareto's dots)."""
    return EChartWidget.element(option=option, attributes={"style": f"height: {height}px;"},
                                on_clicked=lambda v: on_click(v.rsplit(":", 1)[0])
                                if v and on_click else None)


class KeysWidget(ipyvuetify.VuetifyTemplate):
    """The presenter's keys (keys.vue): each press arrives as `pressed`, "key:count"."""
    template_file = (__file__, "keys.vue")
    pressed = traitlets.Unicode("").tag(sync=True)
    full_label = traitlets.Unicode("").tag(sync=True)     # the full-screen button, if any
    exit_label = traitlets.Unicode("").tag(sync=True)


@solara.component
def Keys(on_key, full_label: str = "", exit_label: str = ""):
    """Calls on_key("space" | "step" | "reset") for each press of Space, → or R on the page;
    with full_label, a button asking the browser for full screen (exit_label inside it)."""
    return KeysWidget.element(on_pressed=lambda v: on_key(v.split(":")[0]) if v else None,
                              full_label=full_label, exit_label=exit_label)
