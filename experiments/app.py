"""The workshop dashboard: Mesa's SolaraViz on the county model (`juwei app`).

Explore: a scenario, every lever as a slider (grouped, both languages), population scale and seed;
Mesa's run / step / pause / reset; live charts, the county's 63 committees, a plain verdict.
Compare: scenarios side by side through the comparison engine, with its report to download.
Assumptions: the uncertain constants (not levers) with their sources, any of them changeable for
the next RESET, so a workshop can ask whether a conclusion survives another assumption.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import threading
from datetime import datetime
from pathlib import Path

import matplotlib
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from .engine import DEFAULT_SEED, Options, UserError
from .inputs import scenario as sc
from .model import (BURN_IN_YEARS, LEVER_GROUPS, OTHER_GROUPS, SYNDROME_THRESHOLD, CountyModel,
                    describe, levers, syndrome)
from .model.params import TAGS, coerce
from .studies import compare

matplotlib.use("Agg")

DEFAULT_SCALE = 0.1
COUNTY_VIEW = ["admin_share", "trust", "participation", "service_per_1000", "pushed_per_cadre",
               "own_income_share"]
county_indicator = solara.reactive("admin_share")
# constants changed in the assumptions panel (name -> value), applied at the next RESET
assumptions = solara.reactive({})
# the constants the panel offers: every non-lever field but the scale and horizon controls
CONSTANTS = [r["name"] for r in levers(OTHER_GROUPS) if r["name"] not in ("scale", "years")]


class DashboardModel(CountyModel):
    """The county model built from a scenario and slider values (sliders left at the baseline
    value take the scenario's)."""

    def __init__(self, scenario: str = "baseline", scale: float = DEFAULT_SCALE, seed: int = 1,
                 **kwargs):  # levers (Mesa checks for this exact name)
        base = _load(scenario)
        # a slider reports its grid point, with the browser's float noise: one within half a
        # step of the baseline has not been moved, and a moved one is its grid value
        moved = {}
        for k, v in kwargs.items():
            r = describe(k)
            step = slider_step(r)
            if abs(v - r["baseline"]) > step / 2:
                grid = round(r["low"] + round((v - r["low"]) / step) * step, 10)
                moved[k] = coerce(k, round(v) if r["integer"] else grid)
        params = dataclasses.replace(base.params, scale=coerce("scale", scale),
                                     **{**assumptions.value, **moved})
        super().__init__(params, seed=int(seed), warm_up_years=BURN_IN_YEARS, county=base.county)
        self.scenario = base
        for _ in range(self.warm_up_weeks):   # the county settles before the workshop sees it
            self.step()


def _load(name: str) -> sc.Scenario:
    """A scenario, on the county `juwei app --county FILE` chose (if any)."""
    s = sc.load(name)
    return s.with_county(os.environ["JUWEI_COUNTY"]) if os.environ.get("JUWEI_COUNTY") else s


NICE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0,
              50.0, 100.0)


def slider_step(r: dict) -> float:
    """A lever slider's step: 1 for whole numbers, else the coarsest round step that gives at
    least 40 positions and puts the baseline on the grid (a slider that cannot show the
    baseline would report a change nobody made)."""
    if r["integer"]:
        return 1
    for step in reversed(NICE_STEPS):
        positions = (r["high"] - r["low"]) / step
        on_grid = (r["baseline"] - r["low"]) / step
        if positions >= 40 and abs(on_grid - round(on_grid)) < 1e-9:
            return step
    return NICE_STEPS[0]


def model_params() -> dict:
    """SolaraViz inputs: the scenario, structure, then every lever grouped."""
    out = {"scenario": {"type": "Select", "value": "baseline", "label": "scenario · 情景",
                        "values": [s.name for s in sc.available()]},
           "scale": {"type": "SliderFloat", "value": DEFAULT_SCALE, "min": 0.02, "max": 1.0,
                     "step": 0.02, "label": "population scale · 人口比例"},
           "seed": {"type": "SliderInt", "value": 1, "min": 1, "max": 100, "step": 1,
                    "label": "seed · 随机种子"}}
    for r in levers(LEVER_GROUPS):
        step = slider_step(r)
        out[r["name"]] = {
            "type": "SliderInt" if r["integer"] else "SliderFloat", "value": r["baseline"],
            "min": r["low"], "max": r["high"], "step": step,
            "label": f"{r['group'][0].upper()} · {r['name']} · {r['zh']}"}
    return out


def _now(model) -> int:
    """Weeks shown so far (after the warm-up)."""
    return max(0, min(model.steps - model.warm_up_weeks, len(model.series["htc_index"])))


def _figure(width=6.0, height=3.0):
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _lines(model, names, title, ylabel, threshold=None):
    t = _now(model)
    fig, ax = _figure()
    years = np.arange(t) / 52
    for name in names:
        ax.plot(years, model.series[name][:t], label=name)
    if threshold is not None:
        ax.axhline(threshold, color="grey", ls="--", lw=1)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(f"years after a {BURN_IN_YEARS}-year warm-up · 预热{BURN_IN_YEARS}年后", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xlim(0, max(1.0, t / 52))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return fig


@solara.component
def Verdict(model):
    update_counter.get()
    t = _now(model)
    if t == 0:
        solara.HTML(tag="h3", unsafe_innerHTML="Press step or play to run the county · 点击运行")
        return
    v = syndrome({k: float(np.mean(model.series[k][max(0, t - 4):t]))
                  for k in ("htc_H", "htc_T", "htc_C", "htc_index")})
    solara.HTML(tag="h3", unsafe_innerHTML=(
        f"Syndrome {v.word} · {v.word_zh}: H {v.H:.2f}, T {v.T:.2f}, C {v.C:.2f} "
        f"(week {t}, {html.escape(model.scenario.name)})"))


@solara.component
def Residents(model):
    update_counter.get()
    solara.FigureMatplotlib(_lines(model, ["participation_rate", "participation_60_plus",
                                           "trust", "awareness"],
                                   "Residents", "share (0-1)"), format="png")


@solara.component
def Cadres(model):
    update_counter.get()
    fig = _lines(model, ["admin_share", "exhaustion"], "Cadres", "share (0-1)")
    ax2 = fig.axes[0].twinx()
    t = _now(model)
    ax2.plot(np.arange(t) / 52, model.series["cadre_hours_per_week"][:t], color="tab:red",
             label="cadre_hours_per_week")
    ax2.set_ylabel("hours/week", fontsize=8)
    ax2.legend(fontsize=7, loc="lower right")
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def Syndrome(model):
    update_counter.get()
    solara.FigureMatplotlib(_lines(model, ["htc_H", "htc_T", "htc_C", "htc_index"],
                                   "Government hot, cadres tired, residents cold (dashed: "
                                   f"{SYNDROME_THRESHOLD:g})",
                                   "0-1", threshold=SYNDROME_THRESHOLD), format="png")


@solara.component
def County(model):
    """The county's committees coloured by a chosen indicator; the county seat's set apart."""
    update_counter.get()
    place = model.county
    seat = place.in_seat
    solara.HTML(tag="b", unsafe_innerHTML=f"The {place.n} committees · {place.n}个社区居委会 "
                f"(the county seat {place.seat} · 县城 set apart)")
    solara.Select("colour by · 颜色", values=COUNTY_VIEW, value=county_indicator)
    t = _now(model)
    name = county_indicator.value
    values = (model.committee_series[name][t - 1] if t else
              np.full(len(model.committees.residents), np.nan))
    fig = Figure(figsize=(6.0, 2.6), layout="constrained")
    parts = [(values[seat], 3, f"{place.seat} ({seat.sum()})"),
             (values[~seat], 13, f"elsewhere ({(~seat).sum()})")]
    parts = [part for part in parts if len(part[0])]
    axes = np.atleast_1d(fig.subplots(1, len(parts),
                                      width_ratios=[1, 4][:len(parts)] if len(parts) > 1 else None))
    vmin, vmax = np.nanmin(values) if t else 0, np.nanmax(values) if t else 1
    for ax, (part, cols, title) in zip(axes, parts):
        rows = -(-len(part) // cols)
        grid = np.full(rows * cols, np.nan)
        grid[:len(part)] = part
        im = ax.imshow(grid.reshape(rows, cols), cmap="viridis", vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes[-1], shrink=0.8, label=name)
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def LeverGuide(model):
    """Every lever with its group, range, unit and meaning (as `juwei levers`), both languages."""
    rows = "".join(
        f"<tr><td>{r['group']}</td><td><b>{r['name']}</b><br>{r['zh']}</td>"
        f"<td>{r['baseline']}</td><td>{r['low']} – {r['high']}</td><td>{html.escape(r['unit'])}"
        f"</td><td>{html.escape(r['meaning'])}</td></tr>" for r in levers(LEVER_GROUPS))
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<h2>The levers · 政策杠杆</h2><table style='border-collapse:collapse' border='1' "
        "cellpadding='4'><tr><th>group</th><th>lever · 杠杆</th><th>baseline</th><th>range</th>"
        f"<th>unit</th><th>meaning</th></tr>{rows}</table>"))


@solara.component
def Assumptions(model):
    """The model's uncertain constants, apart from the levers: each with its source tag, and
    any of them changeable for the next RESET (ODD §8)."""
    chosen = solara.use_reactive(CONSTANTS[0])
    text = solara.use_reactive("")
    message = solara.use_reactive("")
    r = describe(chosen.value)
    solara.HTML(tag="h2", unsafe_innerHTML="Assumptions · 模型假设")
    esc = html.escape
    solara.HTML(tag="p", unsafe_innerHTML=(
        "Not policy levers: the model's constants, each with its source tag (<b>[E]</b> the "
        "essay, <b>[N]</b> a national figure, <b>[A]</b> an assumption, <b>[C]</b> "
        "calibrated). Change one to see whether a conclusion survives another assumption; "
        "changes apply at the next <b>RESET</b> · 非政策杠杆，修改后点击 RESET 生效。"))
    solara.Select("constant · 常数", values=CONSTANTS, value=chosen)
    solara.HTML(tag="p", unsafe_innerHTML=(
        f"<b>{r['name']}</b> ({r['group']}, [{r['tag']}] {TAGS[r['tag']]}): "
        f"{esc(r['meaning'])}. Baseline {r['baseline']:g} {esc(r['unit'])}, range "
        f"{r['low']:g} to {r['high']:g}; now {getattr(model.p, r['name']):g}."
        + (f" Source: {esc(r['source'])}." if r["source"] else "")))
    solara.InputText("new value · 新值", value=text)

    def set_value():
        try:
            value = sc.safe_coerce(chosen.value, float(text.value), "new value")
        except ValueError:
            message.set(f"not set: {text.value!r} is not a number")
            return
        except UserError as e:
            message.set(f"not set: {e}")
            return
        assumptions.set({**assumptions.value, chosen.value: value})
        message.set(f"{chosen.value} = {value:g} at the next RESET · 重置后生效")
    solara.Button("set · 设定", on_click=set_value, color="primary")
    solara.Button("restore every assumption · 全部恢复",
                  on_click=lambda: (assumptions.set({}), message.set("restored at the next RESET")))
    solara.Text(message.value)
    if assumptions.value:
        solara.Text("Changed: " + ", ".join(f"{k} = {v:g}" for k, v in assumptions.value.items()))
    rows = "".join(
        f"<tr><td>{d['group']}</td><td><b>{d['name']}</b></td><td>{getattr(model.p, d['name']):g}"
        f"</td><td>{d['low']:g} – {d['high']:g}</td><td>{html.escape(d['unit'])}</td>"
        f"<td>[{d['tag']}]</td><td>{html.escape(d['meaning'])}"
        + (f"<br><i>{html.escape(d['source'])}</i>" if d["source"] else "") + "</td></tr>"
        for d in map(describe, CONSTANTS))
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<table style='border-collapse:collapse' border='1' cellpadding='3'><tr><th>group</th>"
        "<th>constant</th><th>value now</th><th>range</th><th>unit</th><th>tag</th>"
        f"<th>meaning and source</th></tr>{rows}</table>"))


# --- compare page ------------------------------------------------------------------------------
progress = solara.reactive("")
result_folder = solara.reactive("")


def _saved_scenario(model) -> tuple[sc.Scenario, str]:
    """The current sliders as a scenario, and as TOML text to download."""
    s = model.scenario
    changes = sc.changes_from_default(model.p)
    changes.pop("scale", None)
    current = dataclasses.replace(s, name="my_levers", path="(dashboard)", changes=changes,
                                  description=f"Dashboard levers on {s.name}",
                                  params=dataclasses.replace(model.p))
    toml = [f"description = {json.dumps(current.description, ensure_ascii=False)}",
            'extends = "baseline.toml"']
    if s.county_file:                  # the county it ran on, not silently the essay's
        toml.append(f"county = {json.dumps(str(Path(s.county_file).resolve()))}")
    toml.append("")
    toml += [f"{k} = {v!r}" for k, v in changes.items()]
    return current, "\n".join(toml) + "\n"


@solara.component
def Compare(model):
    chosen = solara.use_reactive(["baseline", "separation", "combined_reform"])
    replicates = solara.use_reactive(4)
    with_sliders = solara.use_reactive(True)
    names = [s.name for s in sc.available()]
    solara.HTML(tag="h2", unsafe_innerHTML="Compare scenarios · 情景比较")
    solara.Text("The first is the base; every scenario runs the same replicates with the same "
                "random numbers. 第一个为基准情景。")
    solara.SelectMultiple("scenarios · 情景", values=chosen, all_values=names)
    solara.Checkbox(label="add the current sliders as a scenario (my_levers)", value=with_sliders)
    solara.SliderInt("replicates · 重复次数", value=replicates, min=2, max=20)
    current, toml = _saved_scenario(model)

    def start():
        # every scenario with the room's changed assumptions, so differences are the levers'
        scenarios = [dataclasses.replace(s, params=dataclasses.replace(
            s.params, scale=model.p.scale, **assumptions.value)) for s in map(_load, chosen.value)]
        if with_sliders.value:
            scenarios.append(current)
        if len(scenarios) < 2:
            progress.set("choose at least two scenarios")
            return
        total = len(scenarios) * replicates.value
        done = []
        out = Path("results") / f"app-compare-{datetime.now():%Y%m%d-%H%M%S}"

        def work():
            try:
                progress.set(f"running 0 of {total} runs …")
                compare.run(scenarios, replicates.value, DEFAULT_SEED,
                            Options(out, executor="inprocess", progress=False),
                            on_outcome=lambda i, o: (done.append(i), progress.set(
                                f"running {len(done)} of {total} runs …")))
                result_folder.set(str(out))
                progress.set(f"done: {total} runs, report in {out}")
            except Exception as e:  # noqa: BLE001 - shown to the user, not a crash
                progress.set(f"failed: {e}")
        threading.Thread(target=work, daemon=True).start()

    solara.Button("Run comparison · 运行比较", on_click=start, color="primary")
    solara.Text(progress.value)
    solara.FileDownload(toml.encode(), filename="my_levers.toml",
                        label="Download the sliders as a scenario (TOML)")
    folder = result_folder.value
    if folder and (Path(folder) / "report.html").exists():
        f = Path(folder)
        solara.FileDownload((f / "report.html").read_bytes(), filename="report.html",
                            label="Download the HTML report")
        solara.Image(str(f / "compare-htc.png"))
        solara.Image(str(f / "compare-differences.png"))


@solara.component
def Page():
    """One county per browser session: two tabs in a workshop do not drive the same model."""
    model = solara.use_memo(DashboardModel, dependencies=[])
    SolaraViz(model, components=[(Verdict, 0), (Syndrome, 0), (Residents, 0), (Cadres, 0),
                                 (County, 0), (Compare, 1), (LeverGuide, 2),
                                 (Assumptions, 3)],
              model_params=model_params(), name="juwei · 居委", play_interval=50,
              render_interval=13)
