"""The Compare tab: prepared comparisons from the results store at once, a new comparison run
through the comparison engine, and its results: verdicts, how-sure words, the ranking, the
costs and one figure. In read-only mode the prepared comparisons are still shown (their tables
are read, nothing is written) but no new one is run and no file of the store is sent."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd
import reacton.ipyvuetify as rv
import solara

from ..engine import DEFAULT_SEED, Options, UserError
from ..engine.batch import asked_as
from ..engine.reading import read_bytes
from ..engine.store import MAX_MANIFEST
from ..inputs import scenario as sc
from ..inputs import session as sessions
from ..model import Parameters, syndrome
from ..model.indicators import MONEY_ITEMS, OUTCOMES
from ..present import charts, i18n
from ..present.compare_page import dagger_notes, ranking_table
from ..present.i18n import t
from ..present.stats import (COST_COLUMNS, MIN_REPLICATES, WORKSHOP_INDICATORS,
                             changed_levers, definition_marks, how_sure, outcome_ranking,
                             significant)
from .state import (SCALES, State, file_name, load_scenario, read_only, refuse_in_read_only,
                    refusal, said)
from .widgets import EChart

COMPARE_DEFAULT = ("baseline", "separation", "power_funding_follow_tasks", "combined_reform")
COMPARE_REPLICATES = max(4, MIN_REPLICATES)   # enough for the rule to tell (present/stats)
YEARS = [3, 5, 10]


def results_root() -> Path:
    return Path(os.environ.get("JUWEI_RESULTS", "results"))


def new_folder() -> Path:
    """Where a new comparison is written: refused in read-only mode (nothing is run or
    written on a browser's behalf)."""
    refuse_in_read_only("running a new comparison")
    return results_root() / f"app-compare-{datetime.now():%Y%m%d-%H%M%S}"


def finished(kind: str, table: str) -> list[Path]:
    """The results store's complete studies of one kind that hold `table`, newest first: what
    a tab may show at once (the Compare tab's comparisons, the Pareto tab's searches)."""
    root = results_root()
    found = []
    for f in root.glob("*/manifest.json") if root.is_dir() else []:
        try:
            m = json.loads(read_bytes(f, MAX_MANIFEST))
        except (UserError, ValueError):
            continue
        if m.get("kind") == kind and m.get("status") == "complete" and \
                (f.parent / table).exists():
            found.append(f.parent)
    return sorted(found, key=lambda p: -p.stat().st_mtime)


def prepared() -> list[Path]:
    """Finished comparisons in the results store, newest first (`make run` writes one)."""
    return sorted(finished("compare", "comparison.csv"),
                  key=lambda p: not p.name.startswith("compare-remedies"))


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
                  on_v_model=lambda v: (run.shown.set(v), run.message.set("")),
                  items=[{"text": _folder_label(f, st), "value": str(f)} for f in found])
    else:
        solara.HTML(tag="p", unsafe_innerHTML=html.escape(tr(
            "app.read_only.none" if read_only() else "app.compare.none")))
    if run.message.value:
        solara.HTML(tag="div", classes=["jw-note"],
                    unsafe_innerHTML=html.escape(said(run.message.value, lang)))
    shown = read_comparison(Path(run.shown.value)) if run.shown.value else None
    if shown:
        Results(st, shown)

    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(tr("app.compare.new")))
    if read_only():
        solara.HTML(tag="div", classes=["jw-note", "jw-read-only-compare"],
                    unsafe_innerHTML=html.escape(tr("app.read_only.compare")))
        return
    rv.Select(label=tr("app.compare.scenarios"), v_model=chosen.value, multiple=True,
              chips=True, on_v_model=chosen.set,
              items=[{"text": st.title(n), "value": n} for n in names])
    solara.Checkbox(label=tr("app.compare.add_mine"), value=add_mine)
    with solara.Row(style="flex-wrap: wrap; align-items: center"):
        # wide enough for its label (人口比例（模拟全县居民的比例）was cut at 160 px)
        rv.Select(label=tr("app.control.scale"), v_model=scale.value, on_v_model=scale.set,
                  items=[{"text": f"{s:g}", "value": s} for s in SCALES],
                  style_="min-width:300px; max-width:340px", class_="jw-compare-scale")
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
            run.message.set(("app.compare.failed", {"error": refusal(e)}))
            run.lock.release()
            return
        if len(scenarios) < 2:
            run.message.set(("app.compare.too_few", {}))
            run.lock.release()
            return
        try:
            out = new_folder()
        except UserError as e:
            run.message.set(("app.compare.failed", {"error": refusal(e)}))
            run.lock.release()
            return
        total = len(scenarios) * replicates.value
        run.running.set(True)
        run.progress.set((0, total))
        run.message.set("")

        def work():
            done = []
            try:
                run_comparison(scenarios, replicates.value, Options(out, progress=False), lang,
                               on_outcome=lambda i, o: (done.append(i), run.progress.set(
                                   (len(done), total))))
                run.shown.set(str(out))
                run.message.set(("app.compare.done", {"n": total}))
            except Exception as e:  # noqa: BLE001 - shown to the user, not a crash
                run.message.set(("app.compare.failed", {
                    "error": refusal(e) if isinstance(e, UserError) else str(e)}))
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


def shipped(s: sc.Scenario) -> bool:
    """Whether a scenario of the page is a shipped one as its name reads it, but for the scale
    and years a comparison sets (not my levers, nor a scenario under changed assumptions)."""
    try:
        own = load_scenario(s.name)
    except UserError:
        return False
    return dataclasses.replace(own.params, scale=s.params.scale, years=s.params.years) == \
        s.params and own.county_file == s.county_file


def run_comparison(scenarios: list[sc.Scenario], replicates: int, opts: Options, lang: str,
                   on_outcome=None):
    """Run a comparison of the page, recorded (manifest, report: "to reproduce") as the
    `juwei compare` command that runs it again in a terminal. A scenario the page made (my
    levers, or any under changed assumptions) is named there by a complete scenario file,
    written into the comparison's folder (scenarios/NAME.toml) once its experiment exists."""
    from ..studies import compare
    files = {s.name: opts.out / "scenarios" / f"{s.name}.toml"
             for s in scenarios if not shipped(s)}
    p = scenarios[0].params
    command = ["juwei", "compare", *(str(files.get(s.name, s.name)) for s in scenarios),
               "--replicates", str(replicates), "--seed", str(DEFAULT_SEED),
               "--years", str(p.years), "--scale", f"{p.scale:g}", "--burn-in",
               str(p.burn_in_years), "--lang", lang]
    if scenarios[0].county_file:
        command += ["--county", scenarios[0].county_file]
    try:
        with asked_as(command):
            return compare.run(scenarios, replicates, DEFAULT_SEED, opts, lang=lang,
                               on_outcome=on_outcome)
    finally:
        for s in scenarios if opts.out.is_dir() else []:
            if s.name in files:
                files[s.name].parent.mkdir(exist_ok=True)
                files[s.name].write_text(sessions.scenario_toml(
                    dataclasses.replace(s, changes=sc.changes_from_default(s.params)),
                    {k: getattr(s.params, k) for k in sessions.LEVERS}, s.description,
                    s.title_zh, s.title_en), "utf-8")


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


def figure_title(bars: list[dict], indicator: str, tr) -> str:
    """The chart's title names the 95% interval only when it draws one (too few runs: none)."""
    ruled = any(b["low"] is not None for b in bars)
    return tr("app.compare.figure" if ruled else "app.compare.figure_bare", indicator=indicator)


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
    note = i18n.too_few_note(table, lang)
    if note:
        solara.HTML(tag="div", classes=["jw-note"], unsafe_innerHTML=html.escape(note))
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
    EChart(charts.effects(figure_title(bars, name, tr), bars,
                          tr("app.compare.change", unit=unit)), 140 + 44 * len(bars))
    f = c["folder"]
    if read_only():                      # files of the server's results store: not sent
        return
    # each file named after the scenarios compared with the base and the comparison's day
    day = c["finished"][:10] or datetime.fromtimestamp(f.stat().st_mtime).strftime("%Y-%m-%d")
    others = [titles[n] for n in c["scenarios"] if n != c["base"]]
    with solara.Row(style="flex-wrap: wrap"):
        for file, label, kind in (("handout.html", "app.compare.handout", "app.file.handout"),
                                  ("report.html", "app.compare.report", "app.file.report"),
                                  ("comparison.csv", "app.compare.table", "")):
            if (f / file).exists():
                name = file_name(tr("app.file.compare"), *others, tr(kind) if kind else "",
                                 day, ext=file.rsplit(".", 1)[1])
                solara.FileDownload(lambda path=f / file: path.read_bytes(), filename=name,
                                    label=tr(label))


@solara.component
def Ranking(st: State, ranking: pd.DataFrame, changed: dict, titles: dict, base: str):
    """The alternatives ranked on the outcomes, the full report's table (compare_page.
    ranking_table: one rendering for both), each outcome weighted equally, with the extra
    money beside it."""
    lang, e = st.lang.value, html.escape
    marks = definition_marks(OUTCOMES, changed)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<h4>{e(t('report.ranking_h', lang))}</h4><p class='jw-muted'>"
        f"{e(t('report.ranking_note', lang, base=base, k=len(OUTCOMES)))}</p>"
        "<div style='overflow-x: auto'>"
        + ranking_table(ranking, marks, titles, lang, table_class="jw-table", codes=False)
        + "</div>" + dagger_notes(marks, list(ranking.scenario), OUTCOMES, titles, lang)))


@solara.component
def Costs(st: State, costs: pd.DataFrame, titles: dict):
    """Public money a year in all and the extra over the base, cadre hours freed and the
    syndrome index's change per 10,000 yuan (where the extra is large enough), then the money
    by item (yuan a year, as in the report): the scenario and what it costs come first, so
    they show at 1280 px without scrolling; the items scroll sideways after them."""
    tr, lang = st.tr, st.lang.value
    rows = []
    for _, r in costs.iterrows():
        per = r["per_10k_htc_index"]
        items = "".join(f"<td class='num'>{r[k]:,.0f}</td>" for k in MONEY_ITEMS)
        rows.append(
            f"<tr><td><b>{html.escape(titles.get(r.scenario, r.scenario))}</b></td>"
            f"<td class='num'>{r.public_yuan:,.0f}</td><td class='num'>{r.extra_yuan:+,.0f}</td>"
            f"<td>{round(r.admin_hours_freed_per_cadre_week, 1) + 0.0:+.1f}</td>"
            f"<td>{'–' if pd.isna(per) else significant(per, 2, signed=True)}</td>{items}</tr>")
    head = "".join(f"<th>{html.escape(tr(f'app.costs.{k}'))}</th>"
                   for k in ("total", "extra", "hours", "per_10k"))
    head += "".join(f"<th>{html.escape(t(f'cost.{k}', lang))}</th>" for k in MONEY_ITEMS)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<h4>{html.escape(tr('app.costs.title'))}</h4><p class='jw-muted'>"
        f"{html.escape(tr('app.costs.unit'))}</p><div style='overflow-x: auto'>"
        f"<table class='jw-table jw-costs'><tr><th>{html.escape(tr('app.compare.scenario'))}</th>"
        f"{head}</tr>{''.join(rows)}</table></div>"
        f"<p class='jw-muted'>{html.escape(tr('app.costs.note'))}</p>"))
