"""The drawer: the scenario, the scale and seed, a slider per lever (at exact positions), and
the sessions (download, save on this machine, load, drop; in read-only mode download only)."""

from __future__ import annotations

import html
import os
from datetime import datetime
from pathlib import Path

import reacton.ipyvuetify as rv
import solara

from ..engine import UserError
from ..inputs import files
from ..inputs import scenario as sc
from ..inputs import session as sessions
from ..model import EVENT_LEVERS, LEVER_GROUPS, YEARLY_LEVERS, levers
from ..present import i18n
from ..present.i18n import t
from .state import (LEVERS, SCALES, State, _fmt, file_name, load_scenario, read_only,
                    refuse_in_read_only, refusal, said)

NICE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0,
              50.0, 100.0)


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
SLIDERS = {r["name"]: lever_values(r, SHIPPED_VALUES[r["name"]])
           for r in levers(LEVER_GROUPS, sessions.WORKSHOP)}


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
        st.say(key, lever=lambda lang: i18n.lever(r, lang)["label"], value=_fmt(v), week=week)
    unit = shown["unit_shown"]
    mark = "" if value == base else " ✎"
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"{html.escape(shown['label'])}{mark} <span class='jw-lever-value' data-lever='{name}'>"
        f"{_fmt(value)}</span> {html.escape(unit)}"), attributes={"title": shown["meaning_shown"]})
    positions = sorted({*SLIDERS[name], value})       # a session may hold any value in range
    rv.Slider(v_model=positions.index(value), min=0, max=len(positions) - 1, step=1,
              hide_details=True, on_v_model=lambda i: moved(positions[int(i)]),
              class_=f"jw-slider-{name}")



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
        st.say("app.notice.scenario", title=st.titled(name))
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
            on_v_model=lambda v: (st.scale.set(v), st.say("app.notice.at_reset")))
        rv.Select(label=tr("app.control.seed"), v_model=st.seed.value, items=list(range(1, 101)),
                  on_v_model=lambda v: (st.seed.set(v), st.say("app.notice.at_reset")))
    for group in LEVER_GROUPS:
        solara.HTML(tag="h4", unsafe_innerHTML=html.escape(tr(f"app.group.{group}")))
        for r in levers((group,), sessions.WORKSHOP):
            LeverSlider(st, r)
    SessionPanel(st)


@solara.component
def SessionPanel(st: State):
    tr = st.tr
    message = solara.use_reactive("")
    saved = solara.use_reactive(_saved_sessions())
    solara.HTML(tag="h4", unsafe_innerHTML=html.escape(tr("app.session.title")))
    # the two downloads are made from this page's own state, in memory: read-only keeps them
    text = sessions.dumps(st.session())
    solara.FileDownload(text.encode(), filename=file_name(
        st.title(st.scenario.value), tr("app.file.session"), ext="toml"),
        label=tr("app.session.download"))
    name = solara.use_reactive("")

    def save():
        try:
            path = save_session(text, name.value)
        except UserError as e:
            message.set(("app.session.bad", {"error": refusal(e)}))
            return
        saved.set(_saved_sessions())
        name.set("")
        message.set(("app.session.saved", {"file": path.stem}))
    if not read_only():
        solara.InputText(tr("app.session.name"), value=name, continuous_update=True,
                         classes=["jw-session-name"])
        solara.Button(tr("app.session.save"), on_click=save)
    mine = load_scenario(st.scenario.value)
    toml = sessions.scenario_toml(
        mine, st.levers.value, t("app.mine.description", "en", title=i18n.scenario_title(
            mine, "en")), t("app.mine.title", "zh"), t("app.mine.title", "en"))
    solara.FileDownload(toml.encode(), filename="my_levers.toml",
                        label=tr("app.session.scenario_file"))
    if read_only():
        solara.HTML(tag="div", classes=["jw-note", "jw-read-only-sessions"],
                    unsafe_innerHTML=html.escape(tr("app.read_only.sessions")))
        return
    def loaded(file: str) -> None:
        """Said here and in the page's note (which said the baseline was chosen)."""
        message.set(("app.session.loaded", {"file": file}))
        st.say("app.session.loaded", file=file)

    if saved.value:
        def load(name):
            try:
                st.restore(sessions.load(saved_session(name), origin=name))
                loaded(Path(name).stem)
            except UserError as e:
                message.set(("app.session.bad", {"error": refusal(e)}))
        rv.Select(label=tr("app.session.load"), v_model=None, on_v_model=load,
                  items=[{"text": Path(n).stem, "value": n} for n in saved.value])

    def dropped(f):
        try:
            refuse_in_read_only("uploading a session")
            st.restore(sessions.loads(uploaded(f), f["name"]))
            loaded(f["name"])
        except UserError as e:
            message.set(("app.session.bad", {"error": refusal(e)}))
    solara.FileDrop(label=tr("app.session.drop"), on_file=dropped, lazy=True)
    if message.value:
        solara.Text(said(message.value, st.lang.value))


def uploaded(f) -> bytes:
    """A dropped file's bytes, as the safe reader reads a file: at most the limit + 1 byte
    fetched from the browser, whatever size it claims (the whole file was sent, and held by
    the server, before its size was checked); sessions.loads refuses what is over. Refused in
    read-only mode, before a byte is fetched."""
    refuse_in_read_only("uploading a session")
    try:
        return f["file_obj"].read(files.MAX_BYTES + 1)
    except Exception as e:  # noqa: BLE001 - a browser that went away, a broken upload
        raise UserError(f"{str(f.get('name'))[:60]!r}: the upload could not be read "
                        f"({type(e).__name__})") from None


def sessions_folder() -> Path:
    return Path(os.environ.get("JUWEI_SESSIONS", "sessions"))


def _saved_sessions() -> list[str]:
    """The saved sessions by name (never a path): the sessions folder's own listing, newest
    first; none in read-only mode (the folder is not even listed)."""
    if read_only():
        return []
    folder = sessions_folder()
    found = folder.glob("*.toml") if folder.is_dir() else []
    return [p.name for p in sorted(found, key=lambda p: (p.stat().st_mtime, p.name),
                                   reverse=True)]


def saved_session(name: str) -> Path:
    """A saved session's file by the name the page shows: only a name of the sessions
    folder's own listing, resolved and checked to lie inside it. The browser sends a name,
    and nothing else is read. Refused in read-only mode."""
    refuse_in_read_only("loading a saved session")
    folder = sessions_folder().resolve()
    path = (folder / str(name)).resolve()
    if str(name) not in _saved_sessions() or path.parent != folder:
        raise UserError(f"{str(name)[:60]!r}: not a saved session")   # no server path
    return path


def save_session(text: str, name: str = "") -> Path:
    """Write a session into the sessions folder under the name the user typed (data: made a
    safe file name by state.file_name, never a path), else one to the microsecond; never over
    another (the file is created exclusively: a taken name gets -2, -3...). Refused in
    read-only mode."""
    refuse_in_read_only("saving a session")
    folder = sessions_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_name(name) or f"session-{datetime.now():%Y%m%d-%H%M%S-%f}"
    for n in range(1, 1000):
        path = folder / (f"{stem}.toml" if n == 1 else f"{stem}-{n}.toml")
        try:
            with open(path, "x", encoding="utf-8") as f:
                f.write(text)
            return path
        except FileExistsError:
            continue
    raise UserError(f"{folder}: cannot find a free session name")
