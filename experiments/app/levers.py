"""The Levers tab: every lever with what it means, its range and the scenarios that use it,
and the model's uncertain constants (assumptions) a workshop may change."""

from __future__ import annotations

import dataclasses
import functools
import html
import pickle
import threading

import numpy as np

import reacton.ipyvuetify as rv
import solara

from ..engine import UserError
from ..inputs import scenario as sc
from ..inputs.session import WORKSHOP
from ..model import LEVER_GROUPS, OTHER_GROUPS, STEPS_PER_YEAR, describe, levers
from ..model.indicators import MONEY_LEVERS
from ..present import i18n
from ..present.stats import in_wan
from .state import LEVERS, County, State, _fmt

CONSTANTS = [r["name"] for r in levers(OTHER_GROUPS) if r["name"] not in ("scale", "years")]
MONEY = list(dict.fromkeys(k for names in MONEY_LEVERS.values() for k in names))
UNIT_COST_SCALE = 0.02         # public money is the whole county's at any scale


def range_end(r: dict):
    """The end of a lever's range away from its baseline (the high end, unless it is there)."""
    return r["high"] if r["high"] != r["baseline"] else r["low"]


@functools.cache
def unit_costs(seed: int = 1) -> dict[str, float]:
    """What one unit of each lever that spends public money costs the county, yuan a year, by
    the model's own accounts (indicators.public_money; no second cost rule): the settled
    baseline county one budget year with the lever at its baseline and at the end of its
    range; the difference in the money items the lever feeds (MONEY_LEVERS: the rest of the
    budget only adds noise to a small item) over the difference in the lever, the county's
    responses (e.g. fewer cadres leaving under better pay) included. Once per server: a dozen
    county-years at scale 0.02, a few seconds."""
    start = pickle.dumps(County("baseline", {}, UNIT_COST_SCALE, seed).model)

    def year(values: dict) -> dict[str, float]:
        m = pickle.loads(start)
        m.set_params(dataclasses.replace(m.p, **values))
        for _ in range(STEPS_PER_YEAR):
            m.step()
        return {k: float(np.mean(m.series[k][:STEPS_PER_YEAR])) for k in MONEY_LEVERS}
    base = year({})
    out = {}
    for k in MONEY:
        r = describe(k)
        moved = year({k: range_end(r)})
        items = [item for item, names in MONEY_LEVERS.items() if k in names]
        out[k] = sum(moved[i] - base[i] for i in items) / (range_end(r) - r["baseline"])
    return out


_measuring: list[threading.Thread] = []


def measure_soon() -> None:
    """Start measuring unit_costs in the background, once per server, so the Levers tab has
    them when the room opens it."""
    if not _measuring:
        _measuring.append(threading.Thread(target=unit_costs, daemon=True))
        _measuring[0].start()


def cost_cell(r: dict, costs: dict | None, tr, lang: str) -> str:
    """A lever's cost in words: per unit (yuan a year) and from its baseline to the end of its
    range (10,000 yuan a year); levers that spend no money of their own say so."""
    if r["name"] not in MONEY:
        return tr("app.levers.no_money")
    if costs is None:
        return tr("app.levers.measuring")
    per = costs[r["name"]]
    return tr("app.levers.cost_is", per=f"{round(per) + 0:+,.0f}", unit=i18n.lever(
        r, lang)["unit_shown"], end=_fmt(range_end(r)), whole=in_wan(
        per * (range_end(r) - r["baseline"]), signed=True))


@solara.component
def LeverGuide(st: State):
    tr, lang = st.tr, st.lang.value
    users = {k: [s for s in sc.available() if getattr(s.params, k) != describe(k)["baseline"]]
             for k in LEVERS}
    costs = solara.use_reactive(None)

    def measure():
        costs.set(unit_costs())
    solara.use_thread(measure, dependencies=[])
    out = [f"<h3>{html.escape(tr('app.levers.title'))}</h3>"
           f"<p class='jw-muted'>{html.escape(tr('app.levers.cost_note'))}</p>"]
    for group in LEVER_GROUPS:
        rows = []
        for r in levers((group,), WORKSHOP):
            s = i18n.lever(r, lang)
            used = "、".join(i18n.scenario_title(x, lang) for x in users[r["name"]]) or "–"
            rows.append(f"<tr><td><b>{html.escape(s['label'])}</b></td><td>"
                        f"{html.escape(s['meaning_shown'])}</td><td>{_fmt(r['baseline'])}</td>"
                        f"<td>{_fmt(r['low'])} – {_fmt(r['high'])}</td><td>"
                        f"{html.escape(s['unit_shown'])}</td><td data-cost='{r['name']}'>"
                        f"{html.escape(cost_cell(r, costs.value, tr, lang))}</td>"
                        f"<td>{html.escape(used)}</td></tr>")
        out.append(f"<h4>{html.escape(tr(f'app.group.{group}'))}</h4><table class='jw-table'>"
                   f"<tr><th>{html.escape(tr('app.levers.lever'))}</th><th>"
                   f"{html.escape(tr('app.levers.meaning'))}</th><th>"
                   f"{html.escape(tr('app.levers.baseline'))}</th><th>"
                   f"{html.escape(tr('app.levers.range'))}</th><th>"
                   f"{html.escape(tr('app.levers.unit'))}</th><th>"
                   f"{html.escape(tr('app.levers.cost'))}</th><th>"
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
            message.set(tr("app.assume.refused", error=i18n.error_line(str(e), lang, lead=False)))
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
