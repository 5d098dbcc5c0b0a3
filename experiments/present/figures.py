"""Every PNG juwei writes: a scenario's runs, a comparison, a sweep (sensitivity figures are in
sensitivity_figures.py). A comparison's figures are in Chinese when asked (lang="zh") and a font
with Chinese glyphs is found (cjk_font: matplotlib's fonts, then fontconfig's; fonts-noto-cjk on
Debian and Ubuntu); without one they stay in English rather than draw boxes."""

from __future__ import annotations

import contextlib
import functools
import re
import subprocess
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..model import (HEADLINE, INDICATORS, STEPS_PER_YEAR, SYNDROME_THRESHOLD,  # noqa: E402
                     describe)
from . import i18n  # noqa: E402
from .stats import MIN_REPLICATES, how_sure  # noqa: E402

# families with Chinese glyphs, by the names fonts are known by (sans first)
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans", "WenQuanYi", "SimHei",
                "Microsoft YaHei", "PingFang", "Heiti", "Droid Sans Fallback", "Noto Serif CJK",
                "AR PL")
CJK_FILES = ("cjk", "wqy", "simhei", "msyh", "pingfang", "droidsansfallback", "sourcehan")
TEST_GLYPHS = "县居委政府热干部累民冷"


def _has_glyphs(path: str) -> bool:
    from matplotlib.ft2font import FT2Font
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(c)) for c in TEST_GLYPHS)


@functools.cache
def cjk_font() -> str | None:
    """The family name of a font that draws Chinese, made known to matplotlib; None when this
    machine has none. Matplotlib's own list first, then the files fontconfig lists for
    Chinese (its cache may predate the font's install), then font files by name."""
    from matplotlib import font_manager as fm
    known = {f.name: f.fname for f in fm.fontManager.ttflist}
    for family in CJK_FAMILIES:
        for name, path in known.items():
            if name.startswith(family) and _has_glyphs(path):
                return name
    paths = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                text=True, timeout=20).stdout
        paths += [line.split(":")[0].strip() for line in listed.splitlines() if line.strip()]
    paths += [f for ext in ("ttf", "otf") for f in fm.findSystemFonts(fontext=ext)
              if any(k in Path(f).name.lower() for k in CJK_FILES)]
    # sans and regular first (Noto Sans CJK Regular before Serif or Bold)
    for path in sorted(dict.fromkeys(paths), key=lambda f: ("Sans" not in f,
                                                            "Regular" not in f, f)):
        if not _has_glyphs(path):
            continue
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            fm.fontManager.addfont(path)
            return fm.FontProperties(fname=path).get_name()
    return None


def figure_lang(lang: str) -> str:
    """The language figures can be drawn in: Chinese only with a font that has its glyphs."""
    return "zh" if lang != "en" and cjk_font() else "en"


def language(lang: str):
    """matplotlib settings for figures in `lang` (figure_lang): the CJK font first, DejaVu
    for Latin letters and digits, and a hyphen for minus (CJK fonts may lack U+2212)."""
    if figure_lang(lang) == "en":
        return plt.rc_context({})
    return plt.rc_context({"font.family": "sans-serif",
                           "font.sans-serif": [cjk_font(), "DejaVu Sans"],
                           "axes.unicode_minus": False})


def F(key: str, lang: str, **fields) -> str:
    """A figure's words from the catalogues' [figure] section."""
    return i18n.t(f"figure.{key}", figure_lang(lang), **fields)

# a run's three figures: file -> (its heading's key in the catalogues' [figure], indicators)
PANELS = {
    "participation.png": ("run_residents", ["participation_rate", "participation_60_plus",
                                            "participation_18_35", "trust", "awareness"]),
    "workload.png": ("run_cadres", ["admin_share", "exhaustion", "cadre_hours_per_week"]),
    "htc.png": ("run_htc", ["htc_H", "htc_T", "htc_C", "htc_index"]),
}


CJK_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+(?:; |, )?")


def meaning_en(name: str) -> str:
    """An indicator's meaning in an English figure: without the Chinese terms the text quotes
    (an English figure's font may have no glyphs for them; the Chinese figures name them)."""
    text = CJK_RUN.sub("", INDICATORS[name].meaning)
    return re.sub(r" {2,}", " ", re.sub(r"\s*\(\s*\)", "", text)).strip()


def indicator_label(name: str, lang: str) -> str:
    """An indicator in a legend: its name and meaning in English, its Chinese name in
    Chinese."""
    if figure_lang(lang) == "en":
        return f"{name}: {meaning_en(name)}"
    return i18n.indicator(name, "zh")[0]


def panels(n: int, max_cols: int, width: float, height: float):
    """A grid for n panels of width x height inches; unused cells hidden. -> fig, axes, cols."""
    cols = min(max_cols, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, list(axes.flat)[:n], cols


def wrapped(text: str, inches: float, fontsize: float) -> str:
    """`text` wrapped to lines that fit `inches` at `fontsize` points: Latin text at its
    spaces, Chinese (which has none) at any character, each Chinese character counted twice
    as wide as a Latin letter."""
    width = max(30, int(inches * 72 / (fontsize * 0.6)))          # in Latin letters
    lines = []
    for line in text.split("\n"):
        if not CJK_RUN.search(line):
            lines.append(textwrap.fill(line, width))
            continue
        start, used = 0, 0
        for i, ch in enumerate(line):
            w = 2 if CJK_RUN.match(ch) else 1
            if used + w > width:
                lines.append(line[start:i])
                start, used = i, 0
            used += w
        lines.append(line[start:])
    return "\n".join(lines)


def save(fig, path: Path, title: str | None = None, fontsize: float = 10,
         rect=(0, 0, 1, 1), dpi: int = 100) -> None:
    """Title, lay out, write and close a figure (every PNG juwei writes goes through here)."""
    if title:       # a long title wrapped to the figure's width, not cut at its edges
        fig.suptitle(wrapped(title, fig.get_figwidth(), fontsize), fontsize=fontsize)
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def threshold_line(ax, lang: str, fontsize: float) -> None:
    """The syndrome's threshold as a dashed line, its label right of the axes, where no line
    or bar covers it."""
    ax.axhline(SYNDROME_THRESHOLD, color="grey", ls="--", lw=1)
    ax.text(1.005, SYNDROME_THRESHOLD, F("threshold", lang, value=f"{SYNDROME_THRESHOLD:g}"),
            ha="left", va="center", fontsize=fontsize, color="grey", gid="threshold",
            transform=ax.get_yaxis_transform())


def band(ax, series, column: str, label: str | None = None, color=None,
         lang: str = "en") -> None:
    """Mean line with a 95% band (2.5th-97.5th percentile across replicates) against years,
    and, after a warm start (steps before 0: the year before the switch), a line at the switch."""
    g = series.groupby("step")[column]
    years = g.mean().index / float(STEPS_PER_YEAR)
    if years.min() < 0 and not any(line.get_gid() == "switch" for line in ax.lines):
        ax.axvline(0, color="grey", lw=0.8, ls=":", gid="switch")
        ax.text(0.01, 0.98, F("switch", lang), color="grey", fontsize=7, va="top",
                transform=ax.get_xaxis_transform())
    mean = g.mean().to_numpy()
    line, = ax.plot(years, mean, label=label or column, color=color, lw=1.6)
    if series["replicate"].nunique() > 1:
        ax.fill_between(years, g.quantile(0.025).to_numpy(), g.quantile(0.975).to_numpy(),
                        color=line.get_color(), alpha=0.2, lw=0)


def plot_run(series, out_dir: Path, title: str, lang: str = "en",
             switched: list[str] = ()) -> list[Path]:
    """The three standard figures of a scenario run (in `lang`: figure_lang), and a fourth of
    the `switched` mechanisms' indicators (stats.switched_in) if any; returns their paths."""
    paths = []
    shown = {**PANELS, **({"mechanisms.png": ("run_switched", list(switched))} if switched
                          else {})}
    with language(lang):
        for name, (heading, columns) in shown.items():
            hours = [c for c in columns if INDICATORS[c].unit == "hours"]
            shares = [c for c in columns if c not in hours]
            fig, axes = plt.subplots(1, 1 + bool(hours), figsize=(10 if hours else 7, 4.6),
                                     squeeze=False)
            # a legend entry wrapped to its panel's width (a long meaning ran off the figure)
            inches = 0.85 * fig.get_figwidth() / axes.shape[1]
            legend = lambda c: wrapped(indicator_label(c, lang), inches, 7)  # noqa: E731
            for c in shares:
                band(axes[0, 0], series, c, legend(c), lang=lang)
            axes[0, 0].set_ylabel(F("share_axis", lang))
            if name == "htc.png":
                threshold_line(axes[0, 0], lang, 8)
                axes[0, 0].set_ylim(0, 1)
            for c in hours:
                band(axes[0, 1], series, c, legend(c), color="tab:red", lang=lang)
                axes[0, 1].set_ylabel(F("hours_axis", lang))
            for ax in axes[0]:
                ax.set_xlabel(F("years", lang))
                ax.grid(alpha=0.3)
                ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                          frameon=False)
            path = out_dir / name
            save(fig, path, F("run_title", lang, heading=F(heading, lang), title=title),
                 dpi=110)
            paths.append(path)
    return paths


# --- comparisons ----------------------------------------------------------------------------------
# weekly turnover is a yearly rate sampled weekly (noise in a line plot): hours instead
COMPARE_SERIES = [h if h != "cadre_turnover" else "cadre_hours_per_week" for h in HEADLINE]


def indicator_panel(ax, name: str, xlabel: str, lang: str = "en") -> None:
    """One small panel of a grid of indicators: its name and meaning, a light grid."""
    if figure_lang(lang) == "en":      # the meaning wrapped to the panel's width
        inches = ax.get_position().width * ax.figure.get_figwidth()
        ax.set_title(wrapped(f"{name}\n{meaning_en(name)}", inches * 1.1, 8), fontsize=8)
    else:
        shown, _, unit = i18n.indicator(name, "zh")
        inches = ax.get_position().width * ax.figure.get_figwidth()
        ax.set_title(wrapped(f"{shown}（{unit}）", inches * 1.1, 9), fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def _titles(scenarios: list[str], titles: dict | None, lang: str) -> list[str]:
    """The scenarios as a figure names them: their titles in Chinese, else their names."""
    if figure_lang(lang) == "en" or not titles:
        return list(scenarios)
    return [titles.get(s, s) for s in scenarios]


def plot_series(series: pd.DataFrame, scenarios: list[str], path: Path,
                indicators=COMPARE_SERIES, lang: str = "en", titles: dict | None = None
                ) -> None:
    with language(lang):
        fig, axes, _ = panels(len(indicators), 4, 4.2, 3.2)
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        shown = _titles(scenarios, titles, lang)
        for ax, name in zip(axes, indicators):
            for k, s in enumerate(scenarios):
                band(ax, series[series.scenario == s], name, shown[k],
                     color=colors[k % len(colors)], lang=lang)
            indicator_panel(ax, name, F("years_since", lang), lang)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(scenarios)), fontsize=8,
                   frameon=False)
        save(fig, path, F("series_title", lang), fontsize=11,
             rect=(0, 0.05 + 0.02 * (len(scenarios) // 4), 1, 0.96))


def plot_htc(table: pd.DataFrame, scenarios: list[str], path: Path, lang: str = "en",
             titles: dict | None = None, size: tuple[float, float] | None = None,
             fontsize: float = 8, title: bool = True, ticks: list[str] | None = None) -> None:
    """H, T, C and the index per scenario as bars. Whiskers (the 95% interval, clipped to the
    0-1 scale) only from MIN_REPLICATES runs, as the how-sure rule says; the threshold's label
    sits right of the axes, where no bar covers it; the legend above the bars. `fontsize`
    lets a printed figure (the handout) keep its words readable; `ticks` replaces the
    scenarios' names under the bars."""
    parts = ["htc_H", "htc_T", "htc_C", "htc_index"]
    with language(lang):
        labels = [F(f"htc_{k}", lang) for k in ("H", "T", "C", "index")]
        fig, ax = plt.subplots(figsize=size or (max(7, 1.1 * len(scenarios) + 3), 4.4))
        width = 0.8 / len(parts)
        x = np.arange(len(scenarios))
        for k, (part, label) in enumerate(zip(parts, labels)):
            rows = table[table.indicator == part].set_index("scenario").loc[scenarios]
            err = None
            if whiskers(rows):
                low = rows.ci95_low.fillna(rows["mean"]).clip(0, 1)
                high = rows.ci95_high.fillna(rows["mean"]).clip(0, 1)
                err = np.vstack([(rows["mean"] - low).clip(lower=0),
                                 (high - rows["mean"]).clip(lower=0)])
            ax.bar(x + (k - 1.5) * width, rows["mean"], width, yerr=err, capsize=2, label=label)
        threshold_line(ax, lang, fontsize)
        shown = ticks or _titles(scenarios, titles, lang)
        flat = ticks is not None or len(scenarios) <= 4
        ax.set_xticks(x, shown, rotation=0 if flat else 30, ha="center" if flat else "right",
                      fontsize=fontsize)
        ax.tick_params(axis="y", labelsize=fontsize)
        ax.set_xlim(-0.5, len(scenarios) - 0.5)
        ax.set_ylim(0, 1)
        ax.set_ylabel("0-1", fontsize=fontsize)
        if title:           # above the legend, which sits on the axes' top edge
            ax.set_title(F("htc_title", lang), fontsize=fontsize + 2, pad=2.5 * fontsize + 4)
        ax.legend(fontsize=fontsize, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                  frameon=False, borderaxespad=0.2)
        save(fig, path)


def whiskers(rows: pd.DataFrame) -> bool:
    """Whether a level's 95% interval is drawn: from MIN_REPLICATES independent units (the
    how-sure rule; a table without `units` is an older one, drawn as it was)."""
    units = rows["units"].dropna() if "units" in rows else pd.Series(dtype=float)
    if not len(units):
        units = rows["n"].dropna() if "n" in rows else pd.Series(dtype=float)
    return not len(units) or int(units.min()) >= MIN_REPLICATES


def plot_differences(table: pd.DataFrame, base: str, scenarios: list[str], path: Path,
                     indicators=HEADLINE, lang: str = "en", titles: dict | None = None) -> None:
    alts = [s for s in scenarios if s != base]
    with language(lang):
        shown = _titles(alts, titles, lang)
        fig, axes, cols = panels(len(indicators), 4, 4.2, 0.32 * len(alts) + 2.2)
        y = np.arange(len(alts))[::-1]
        for k, (ax, name) in enumerate(zip(axes, indicators)):
            rows_ = table[table.indicator == name].set_index("scenario").loc[alts]
            for yk, (_, r) in zip(y, rows_.iterrows()):
                sure = how_sure({**r, "indicator": name})   # the one rule: colour and interval
                err = ([[r["diff"] - sure.low], [sure.high - r["diff"]]] if sure.drawn else None)
                ax.errorbar([r["diff"]], [yk], xerr=err, fmt="o", ms=4, color=sure.colour,
                            capsize=2)
            ax.axvline(0, color="black", lw=0.8)
            ax.set_yticks(y, shown if k % cols == 0 else [""] * len(alts), fontsize=7)
            if figure_lang(lang) == "en":
                ax.set_title(f"{name} ({INDICATORS[name].unit})", fontsize=8)
            else:
                zh, _, unit = i18n.indicator(name, "zh")
                ax.set_title(f"{zh}（{unit}）", fontsize=9)
            ax.tick_params(axis="x", labelsize=7)
            ax.grid(alpha=0.3, axis="x")
        save(fig, path, F("diff_title", lang, base=_titles([base], titles, lang)[0]))


# --- sweeps ---------------------------------------------------------------------------------------
def plot_sweep(runs_table: pd.DataFrame, levers: list[str], outputs: list[str],
               folder: Path, lang: str = "en") -> list[Path]:
    """One figure per output: the output against each varied lever (in `lang`)."""
    paths = []
    means = runs_table.groupby("point")[levers + outputs].mean()
    zh = figure_lang(lang) == "zh"
    with language(lang):
        for o in outputs:
            fig, axes, _ = panels(len(levers), 4, 3.6, 3.0)
            for ax, lever in zip(axes, levers):
                ax.scatter(runs_table[lever], runs_table[o], s=6, alpha=0.25, color="tab:grey",
                           label=F("replicates", lang))
                ax.scatter(means[lever], means[o], s=14, color="tab:blue",
                           label=F("point_mean", lang))
                r = describe(lever)
                shown = i18n.lever(r, "zh") if zh else None
                ax.set_xlabel(f"{shown['label']}（{shown['unit_shown']}）" if zh else
                              f"{lever} ({r['unit']})", fontsize=8)
                ax.set_ylabel(i18n.indicator(o, "zh")[0] if zh else o, fontsize=8)
                ax.tick_params(labelsize=7)
                ax.grid(alpha=0.3)
            axes[0].legend(fontsize=7)
            path = folder / f"sweep-{o}.png"
            name, meaning, _ = i18n.indicator(o, "zh") if zh else (o, meaning_en(o), "")
            save(fig, path, f"{name}：{meaning}" if zh else f"{name}: {meaning}",
                 rect=(0, 0, 1, 0.97))
            paths.append(path)
    return paths
