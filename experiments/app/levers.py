"""The Levers tab: every lever with what it means, its range and the scenarios that use it,
and the model's uncertain constants (assumptions) a workshop may change."""

from __future__ import annotations

import html

import reacton.ipyvuetify as rv
import solara

from ..engine import UserError
from ..inputs import scenario as sc
from ..model import LEVER_GROUPS, OTHER_GROUPS, describe, levers
from ..present import i18n
from .state import LEVERS, State, _fmt

CONSTANTS = [r["name"] for r in levers(OTHER_GROUPS) if r["name"] not in ("scale", "years")]


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
