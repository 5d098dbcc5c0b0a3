"""Charts drawn in the browser (ECharts, served by solara-assets from this machine): the
browser's own fonts show Chinese, tooltips give each value, and text sizes suit a projector.
Functions return ECharts option dicts; the app draws them with its EChart widget (echart.vue).

Axes are fixed where the quantity has a natural range (shares and H, T, C: 0-1; hours from 0),
so a small change never looks dramatic."""

from __future__ import annotations

import numpy as np

from ..model import STEPS_PER_YEAR
from . import i18n

FONT = 16                 # px: ticks, legends, tooltips (a projector's back row)
TITLE_FONT = 18
SEAT_BORDER = "#ff7f0e"     # the county seat's committees: an orange frame
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
# the county view: each committee-level indicator on a fixed, labelled scale (low, high, unit)
COUNTY_VIEW = {"admin_share": (0.0, 1.0, "share of hours"), "trust": (0.0, 1.0, "0-1"),
               "participation": (0.0, 0.5, "share of adults"),
               "service_per_1000": (0.0, 60.0, "hours/week"),
               "pushed_per_cadre": (0.0, 100.0, "hours/week"),
               "exhaustion": (0.0, 1.0, "0-1"),
               "own_income_share": (0.0, 1.0, "share of budget")}


def _text(size=FONT):
    return {"fontSize": size}


MERGE_WEEKS = 4      # lever markers this close are one marker: their labels would smear


def merge_changes(changes: list[tuple[float, str]], weeks: int = MERGE_WEEKS
                  ) -> list[tuple[float, str]]:
    """Lever markers (year, "lever→value") within `weeks` of the first of a run of them as
    one marker at that first week, labelled once per lever with its last value, last moved last (three presses
    on one slider: one marker, the value it ended at), levers joined by ", "."""
    out: list[tuple[float, dict]] = []
    for year, label in sorted(changes, key=lambda c: c[0]):
        if not out or year - out[-1][0] > weeks / STEPS_PER_YEAR + 1e-9:
            out.append((year, {}))
        lever = label.rsplit("→", 1)[0]
        out[-1][1].pop(lever, None)
        out[-1][1][lever] = label
    return [(year, ", ".join(labels.values())) for year, labels in out]


def lines(title: str, years: np.ndarray, series: dict[str, np.ndarray], *, y_name: str,
          y_max: float | None = 1.0, threshold: float | None = None, threshold_label: str = "",
          right: dict[str, np.ndarray] | None = None, right_name: str = "",
          right_max: float | None = None, x_name: str = "", x_max: float = 1.0,
          x_value: str = "{value}", changes: list[tuple[float, str]] | None = None,
          faint: dict[str, np.ndarray] | None = None, faint_label: str = "",
          save_as: tuple[str, str] | None = None) -> dict:
    """Lines over years on a fixed y axis from 0 (and an optional right axis, also from 0);
    `changes`: (year, label) of each lever moved, a dotted vertical marker; `save_as`: (file
    name, button title) of a button saving the chart as a PNG (for slides); `faint`: lines
    drawn faint and dashed under the others (presenter mode's baseline): one named like a
    drawn line takes its colour and axis and is named "name · faint_label", and the legend
    lists the drawn lines only; any other is grey on the left axis. `x_value`: the tooltip's
    x value with its unit, "{value}" standing for the number (ECharts fills it in)."""
    def line(name, values, axis=0, k=0):
        return {"name": name, "type": "line", "yAxisIndex": axis, "showSymbol": False,
                "lineStyle": {"width": 3}, "color": PALETTE[k % len(PALETTE)],
                "data": [[round(float(x), 3), round(float(v), 4)]
                         for x, v in zip(years, values) if np.isfinite(v)]}
    out = [line(n, v, 0, k) for k, (n, v) in enumerate(series.items())]
    out += [line(n, v, 1, len(series) + k) for k, (n, v) in enumerate((right or {}).items())]
    drawn = {s["name"]: s for s in out}
    for n, v in (faint or {}).items():
        like = drawn.get(n)
        faded = line(f"{n} · {faint_label}" if like else n, v, like["yAxisIndex"] if like else 0)
        out.append({**faded, "color": like["color"] if like else "#9e9e9e", "z": 1,
                    "lineStyle": {"width": 3, "type": "dashed",
                                  "opacity": 0.45 if like else 0.55}})
    marks = []
    if threshold is not None:
        marks.append({"yAxis": threshold, "label": {"formatter": threshold_label,
                                                    "fontSize": FONT - 2,
                                                    "position": "insideEndTop"}})
    for year, label in merge_changes(changes or []):
        marks.append({"xAxis": round(float(year), 3), "lineStyle": {
            "type": "dotted", "color": "#7b1fa2", "width": 2}, "label": {
            "formatter": label, "fontSize": FONT - 4, "color": "#7b1fa2",
            # along the marker on its right: clear of the y axis's labels in the first weeks
            "position": "insideEndBottom"}})
    if marks and out:
        out[0]["markLine"] = {"silent": True, "symbol": "none", "lineStyle": {
            "type": "dashed", "color": "#555", "width": 2}, "data": marks}
    y_axes = [{"type": "value", "min": 0, "max": y_max, "name": y_name, "nameTextStyle":
               _text(), "axisLabel": _text()}]
    if right:
        y_axes.append({"type": "value", "min": 0, "max": right_max, "name": right_name,
                       "nameTextStyle": _text(), "axisLabel": _text(), "splitLine":
                       {"show": False}})
    return {"title": {"text": title, "textStyle": _text(TITLE_FONT), "left": "center"},
            "tooltip": {"trigger": "axis", "textStyle": _text()},
            "legend": {"top": 30, "textStyle": _text(), "itemWidth": 28,
                       "data": list(drawn)},
            "grid": {"left": 56, "right": 64 if right else 24, "top": 96, "bottom": 56},
            "xAxis": {"type": "value", "min": 0, "max": max(x_max, 1.0), "name": x_name,
                      "nameLocation": "middle", "nameGap": 30, "nameTextStyle": _text(),
                      "axisLabel": _text(),
                      # the tooltip's heading: the x value with its unit, not a bare 0.61
                      "axisPointer": {"label": {"formatter": x_value, "precision": 2}}},
            "yAxis": y_axes, "series": out, "animation": False,
            **({"toolbox": {"right": 8, "top": 0, "feature": {"saveAsImage": {
                "name": save_as[0], "title": save_as[1], "pixelRatio": 2,
                "backgroundColor": "#fff"}}}} if save_as else {})}


def county(title: str, names: list[str], seat: np.ndarray, values: np.ndarray, indicator: str,
           label: str, lang: str, seat_label: str, elsewhere_label: str) -> dict:
    """The committees as cells (the county seat's first, framed, then the rest), each named
    with its value on hover, on the indicator's fixed, labelled colour scale; no padding
    cells."""
    low, high, unit = COUNTY_VIEW[indicator]
    order = list(np.flatnonzero(seat)) + list(np.flatnonzero(~seat))
    cols = 13
    data = []
    for k, i in enumerate(order):
        v = float(values[i]) if np.isfinite(values[i]) else None
        data.append({"value": [k % cols, k // cols, None if v is None else round(v, 2)],
                     # the hover text, whole: a template such as {@[2]} is not filled in
                     # by every ECharts tooltip, and would show raw
                     "name": f"{names[i]} · {seat_label if seat[i] else elsewhere_label}: "
                             + ("–" if v is None else f"{v:.2f}"),
                     "itemStyle": {"borderColor": SEAT_BORDER if seat[i] else "#fff"}})
    rows = -(-len(order) // cols)
    return {"title": {"text": title, "textStyle": _text(TITLE_FONT), "left": "center"},
            "tooltip": {"textStyle": _text(), "formatter": "{b}"},
            "grid": {"left": 16, "right": 16, "top": 48, "bottom": 96},
            "xAxis": {"type": "category", "data": list(range(cols)), "show": False},
            "yAxis": {"type": "category", "data": list(range(rows)), "show": False,
                      "inverse": True},
            "visualMap": {"min": low, "max": high, "calculable": False, "orient": "horizontal",
                          "left": "center", "bottom": 8, "textStyle": _text(),
                          "text": [f"{high:g}", f"{low:g}  {label} ({i18n.unit(unit, lang)})"],
                          "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]}},
            "series": [{"type": "heatmap", "data": data, "label": {
                "show": True, "fontSize": FONT - 2, "formatter": "{@[2]}"},
                "itemStyle": {"borderColor": "#fff", "borderWidth": 2}}],
            "animation": False}


def _width(text: str, size: int = FONT - 2) -> int:
    """About how many pixels `text` takes at `size` px: a CJK character a full em, others
    0.6 em."""
    return int(sum(size if ord(c) > 0x2e80 else 0.6 * size for c in text))


def effects(title: str, rows: list[dict], x_name: str) -> dict:
    """Paired differences from the base, one bar per scenario, each labelled with its words
    and its 95% interval (rows: label, diff, and what app.effect_label gives by the one rule
    of present/stats: word, colour, low and high, None when too few runs to draw one)."""
    rows = rows[::-1]                       # the first scenario on top

    def text(r):
        shown = f"{r['diff']:+.3f}"
        if r.get("low") is not None:
            shown += f" [{r['low']:+.3f}, {r['high']:+.3f}]"
        return f"{shown} {r['word']}"
    bars = [{"value": round(r["diff"], 4), "itemStyle": {"color": r["colour"]},
             "label": {"show": True, "position": "right", "fontSize": FONT - 2,
                       "formatter": text(r)}}
            for r in rows]
    return {"title": {"text": title, "textStyle": _text(TITLE_FONT), "left": "center"},
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"},
                        "textStyle": _text()},
            # room on the right for the longest label (containLabel counts axis labels only)
            "grid": {"left": 24, "right": min(24 + max((_width(text(r)) for r in rows),
                                                      default=0), 520),
                     "top": 48, "bottom": 56, "containLabel": True},
            "xAxis": {"type": "value", "name": x_name, "nameLocation": "middle", "nameGap": 32,
                      "nameTextStyle": _text(), "axisLabel": _text()},
            "yAxis": {"type": "category", "data": [r["label"] for r in rows],
                      "axisLabel": _text()},
            "series": [{"type": "bar", "data": bars, "barWidth": "55%"}],
            "animation": False}


def pareto(title: str, points: list[dict], *, x_name: str, y_name: str,
           colour_name: str = "") -> dict:
    """A Pareto front: one dot per package (points: key, x, y, colour or None, tip, mark), the
    third objective as the dots' colour when there is one; marked packages large, outlined and
    labelled. A click sends the dot's `key` (the app's EChart on_click)."""
    coloured = [p["colour"] for p in points if p.get("colour") is not None]
    data = [{"value": [p["x"], p["y"], p.get("colour")], "name": p["tip"], "key": p["key"],
             "symbolSize": 24 if p["mark"] else 16,
             "itemStyle": {"borderColor": "#000", "borderWidth": 2} if p["mark"] else {},
             "label": {"show": bool(p["mark"]), "position": "right", "formatter": p["mark"],
                       "fontSize": FONT - 2, "color": "#000"}} for p in points]
    option = {"title": {"text": title, "textStyle": _text(TITLE_FONT), "left": "center"},
              "tooltip": {"trigger": "item", "formatter": "{b}", "textStyle": _text()},
              "grid": {"left": 24, "right": 150 if coloured else 40, "top": 48, "bottom": 56,
                       "containLabel": True},
              "xAxis": {"type": "value", "name": x_name, "nameLocation": "middle",
                        "nameGap": 32, "nameTextStyle": _text(), "axisLabel": _text(),
                        "scale": True},
              "yAxis": {"type": "value", "name": y_name, "nameLocation": "middle",
                        "nameGap": 44, "nameTextStyle": _text(), "axisLabel": _text(),
                        "min": 0, "max": 100},
              "series": [{"type": "scatter", "data": data, "cursor": "pointer",
                          **({} if coloured else {"itemStyle": {"color": PALETTE[0]}})}],
              "animation": False}
    if coloured:
        option["visualMap"] = {"type": "continuous", "dimension": 2, "min": min(coloured),
                               "max": max(coloured) if max(coloured) > min(coloured)
                               else min(coloured) + 1e-9, "calculable": False,
                               "right": 8, "top": "middle", "text": [colour_name, ""],
                               "textStyle": _text(FONT - 2), "precision": 3,
                               "inRange": {"color": ["#2ca02c", "#ffbf00", "#d62728"]}}
    return option
