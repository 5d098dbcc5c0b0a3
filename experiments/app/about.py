"""The About tab: what the model is, in the catalogue's words."""

from __future__ import annotations

import html

import solara

from .state import State


@solara.component
def About(st: State):
    tr = st.tr
    parts = ["<h3>" + html.escape(tr("app.about.title")) + "</h3>"]
    for key in ("syndrome", "H", "T", "C", "agents", "levers", "limits", "source"):
        parts.append(f"<p>{html.escape(tr(f'app.about.{key}'))}</p>")
    solara.HTML(tag="div", unsafe_innerHTML="".join(parts), style="max-width: 70em")
