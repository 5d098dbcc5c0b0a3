"""The Pareto tab: a finished search's reform packages (`juwei search`) as a front, extra money
in 万元/年 against P(症状消除), a third objective as the dots' colour; the cheapest package
reaching each target marked by the report's own rule (search.targets_of). Choosing a package
sets the drawer's levers to it, on the search's base scenario, and opens Explore."""

from __future__ import annotations

import functools
import html
from datetime import datetime
from pathlib import Path

import reacton.ipyvuetify as rv
import solara

from ..engine import UserError
from ..engine.store import load
from ..inputs import scenario as sc
from ..model import describe
from ..present import charts, i18n
from ..present.html import percent
from ..present.search_page import label, yearly_money
from ..present.stats import in_wan
from ..studies.search import targets_of
from .compare import finished
from .state import LEVERS, State, _fmt, load_scenario
from .widgets import EChart

SHOWN = ("extra_yuan", "p_syndrome_absent")      # the front's axes: x and y


def searches() -> list[Path]:
    """Finished searches of the county's levers in the results store, newest first (a search
    of one's own function has no front of money and P(症状消除) to show)."""
    return [f for f in finished("search", "pareto.parquet") if read_search(f) is not None]


def exact(name: str, value):
    """A package's lever value as the model reads it: integer levers stay integers (Parquet
    gives numpy numbers)."""
    return int(round(value)) if describe(name)["integer"] else float(value)


def read_search(folder: Path) -> dict | None:
    """A finished search's packages, cheapest first (the Pareto set, and a target's package
    outside it, e.g. over the budget), with their marks; None when it cannot be shown. Read
    once per version of its manifest (the page redraws often)."""
    try:
        return _read(folder, (folder / "manifest.json").stat().st_mtime_ns)
    except OSError:
        return None


@functools.lru_cache(maxsize=16)
def _read(folder: Path, version: int) -> dict | None:
    try:
        e = load(folder)
    except (OSError, ValueError, UserError):
        return None
    pareto, evaluations = e.tables.get("pareto"), e.tables.get("evaluations")
    design = e.manifest.get("design", {})
    levers = [k for k in design.get("levers", {}) if k in LEVERS]
    if pareto is None or not levers or not set(SHOWN) <= set(pareto.columns):
        return None
    targets = targets_of(evaluations) if evaluations is not None and set(SHOWN) <= set(
        evaluations.columns) else {}
    rows = pareto.to_dict("records")
    for level, row in targets.items():
        if row is not None and row["package"] not in {r["package"] for r in rows}:
            rows.append({**row, "outside": True})
    rows.sort(key=lambda r: (r["extra_yuan"], r["package"]))
    for n, r in enumerate(rows, 1):
        r["number"] = n
        r["marks"] = [level for level, t in targets.items()
                      if t is not None and t["package"] == r["package"]]
    third = next((o["name"] for o in design.get("objectives", []) if o["name"] not in SHOWN
                  and o["name"] in pareto.columns), None)
    return {"folder": folder, "rows": rows, "levers": levers, "targets": targets,
            "third": third, "scenario": design.get("scenario"), "scale": design.get("scale"),
            "generations": design.get("generations"), "population": design.get("population"),
            "finished": str(e.manifest.get("finished") or "")}


def _label(folder: Path, st: State) -> str:
    """A search by when it finished and what it holds, never by its folder's name or path."""
    c = read_search(folder)
    when = ((c or {}).get("finished") or datetime.fromtimestamp(
        folder.stat().st_mtime).isoformat())[:16].replace("T", " ")
    return when if c is None else st.tr("app.pareto.folder", when=when, n=len(c["rows"]),
                                        scale=c["scale"], generations=c["generations"])


@solara.component
def Pareto(st: State, on_load):
    """`on_load()`: called once a package is set as the levers (the page opens Explore)."""
    tr, lang = st.tr, st.lang.value
    found = searches()
    shown = solara.use_reactive("")
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.pareto.title")))
    if not found:
        solara.HTML(tag="p", classes=["jw-pareto-none"], unsafe_innerHTML=html.escape(tr(
            "app.pareto.none")))
        return
    current = shown.value if shown.value in map(str, found) else str(found[0])
    rv.Select(label=tr("app.pareto.choose"), v_model=current, on_v_model=shown.set,
              items=[{"text": _label(f, st), "value": str(f)} for f in found])
    c = read_search(Path(current))
    if c is None:                  # gone since it was listed
        return

    def choose(row: dict):
        """The package's levers on its search's base scenario (a shipped one; else the
        drawer's), the county from the start, and Explore."""
        names = [s.name for s in sc.available()]
        name = c["scenario"] if c["scenario"] in names else st.scenario.value
        base = load_scenario(name).params
        st.scenario.set(name)
        st.levers.set({**{k: getattr(base, k) for k in LEVERS},
                       **{k: exact(k, row[k]) for k in c["levers"]}})
        st.rebuild()
        st.notice.set(tr("app.pareto.loaded", n=row["number"],
                         money=yearly_money(row["extra_yuan"], lang),
                         p=percent(row["p_syndrome_absent"]), base=st.title(name)))
        on_load()
    by_key = {str(r["package"]): r for r in c["rows"]}
    solara.HTML(tag="p", unsafe_innerHTML=html.escape(tr("app.pareto.explain") + (
        " " + tr("app.pareto.colour", name=label(c["third"], lang)) if c["third"] else "")))
    for level, row in c["targets"].items():
        words = (tr("app.pareto.target", level=percent(level), n=by_key[str(row["package"])][
            "number"], p=percent(row["p_syndrome_absent"]),
            money=yearly_money(row["extra_yuan"], lang))
            if row is not None else i18n.t("search.target_none", lang, level=percent(level)))
        solara.HTML(tag="div", classes=["jw-pareto-target"], unsafe_innerHTML=html.escape(words))
    EChart(front(c, st), 420, on_click=lambda key: by_key.get(key) and choose(by_key[key]))
    Table(st, c, choose)


def marks(row: dict, st: State) -> str:
    words = [st.tr("app.pareto.cheapest", level=percent(level)) for level in row["marks"]]
    return "、".join(words) if st.lang.value == "zh" else "; ".join(words)


def front(c: dict, st: State) -> dict:
    """The chart: each package's cost in 万元/年 and P(症状消除) in %, its levers in the
    tooltip."""
    tr, lang = st.tr, st.lang.value
    third = c["third"]
    points = []
    for r in c["rows"]:
        tip = [tr("app.pareto.package", n=r["number"]) + (
            f" ({marks(r, st)})" if r["marks"] else ""),
            f"{tr('app.pareto.extra')}: {in_wan(r['extra_yuan'])}",
            f"{label('p_syndrome_absent', lang)}: {percent(r['p_syndrome_absent'])}"]
        if third:
            tip.append(f"{label(third, lang)}: {r[third]:.3g}")
        tip += [f"{i18n.lever(describe(k), lang)['label']}: {_fmt(exact(k, r[k]))}"
                for k in c["levers"]]
        points.append({"key": str(r["package"]), "x": round(r["extra_yuan"] / 10_000, 4),
                       "y": round(100 * r["p_syndrome_absent"], 2),
                       "colour": float(r[third]) if third else None,
                       "tip": "<br/>".join(map(html.escape, tip)),
                       "mark": marks(r, st)})
    return charts.pareto(tr("app.pareto.chart"), points, x_name=tr("app.pareto.extra"),
                         y_name=tr("app.pareto.p"),
                         colour_name=label(third, lang) if third else "")


@solara.component
def Table(st: State, c: dict, choose):
    """The packages, cheapest first: marks, objectives, each lever (exact) and a load button."""
    tr, lang = st.tr, st.lang.value
    third = c["third"]
    heads = [tr("app.pareto.number"), tr("app.pareto.marks"), tr("app.pareto.extra"),
             tr("app.pareto.p")] + ([label(third, lang)] if third else []) + [
        (f"{s['label']}（{s['unit_shown']}）" if lang == "zh" else
         f"{s['label']} ({s['unit_shown']})") for s in (i18n.lever(describe(k), lang) for k in c["levers"])] + [""]
    with rv.Html(tag="div", style_="overflow-x: auto"):
        with rv.Html(tag="table", class_="jw-table jw-pareto-table"):
            rv.Html(tag="tr", children=[rv.Html(tag="th", children=[h]) for h in heads])
            for r in c["rows"]:
                mark = marks(r, st) + (tr("app.pareto.outside") if r.get("outside") else "")
                cells = [str(r["number"]), mark, in_wan(r["extra_yuan"]),
                         percent(r["p_syndrome_absent"])] + (
                    [f"{r[third]:.3g}"] if third else []) + [
                    _fmt(exact(k, r[k])) for k in c["levers"]]
                with rv.Html(tag="tr", attributes={"data-package": str(r["package"])}):
                    for k, text in enumerate(cells):
                        rv.Html(tag="td", class_="num" if k != 1 else "", children=[text])
                    with rv.Html(tag="td"):
                        solara.Button(tr("app.pareto.load"), on_click=lambda r=r: choose(r),
                                      small=True, color="primary", classes=["jw-load-package"])
