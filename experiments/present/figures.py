"""Every PNG juwei writes: a scenario's runs, a comparison, a sweep (sensitivity figures are in
sensitivity_figures.py). Figures stay in English: a machine without CJK fonts draws boxes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..model import (HEADLINE, INDICATORS, STEPS_PER_YEAR, SYNDROME_THRESHOLD,  # noqa: E402
                     describe)
from .stats import how_sure  # noqa: E402

PANELS = {
    "participation.png": ("Residents: participation and trust",
                          ["participation_rate", "participation_60_plus", "participation_18_35",
                           "trust", "awareness"]),
    "workload.png": ("Cadres: workload", ["admin_share", "exhaustion", "cadre_hours_per_week"]),
    "htc.png": ("Government hot, cadres tired, residents cold",
                ["htc_H", "htc_T", "htc_C", "htc_index"]),
}


def panels(n: int, max_cols: int, width: float, height: float):
    """A grid for n panels of width x height inches; unused cells hidden. -> fig, axes, cols."""
    cols = min(max_cols, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, list(axes.flat)[:n], cols


def save(fig, path: Path, title: str | None = None, fontsize: float = 10,
         rect=(0, 0, 1, 1), dpi: int = 100) -> None:
    """Title, lay out, write and close a figure (every PNG juwei writes goes through here)."""
    if title:
        fig.suptitle(title, fontsize=fontsize)
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def band(ax, series, column: str, label: str | None = None, color=None) -> None:
    """Mean line with a 95% band (2.5th-97.5th percentile across replicates) against years,
    and, after a warm start (steps before 0: the year before the switch), a line at the switch."""
    g = series.groupby("step")[column]
    years = g.mean().index / float(STEPS_PER_YEAR)
    if years.min() < 0 and not any(line.get_gid() == "switch" for line in ax.lines):
        ax.axvline(0, color="grey", lw=0.8, ls=":", gid="switch")
        ax.text(0.01, 0.98, "switch", color="grey", fontsize=7, va="top",
                transform=ax.get_xaxis_transform())
    mean = g.mean().to_numpy()
    line, = ax.plot(years, mean, label=label or column, color=color, lw=1.6)
    if series["replicate"].nunique() > 1:
        ax.fill_between(years, g.quantile(0.025).to_numpy(), g.quantile(0.975).to_numpy(),
                        color=line.get_color(), alpha=0.2, lw=0)


def plot_run(series, out_dir: Path, title: str) -> list[Path]:
    """The three standard figures of a scenario run; returns their paths."""
    paths = []
    for name, (heading, columns) in PANELS.items():
        hours = [c for c in columns if INDICATORS[c].unit == "hours"]
        shares = [c for c in columns if c not in hours]
        fig, axes = plt.subplots(1, 1 + bool(hours), figsize=(10 if hours else 7, 4.6),
                                 squeeze=False)
        for c in shares:
            band(axes[0, 0], series, c, f"{c}: {INDICATORS[c].meaning}")
        axes[0, 0].set_ylabel("share or index (0-1)")
        if name == "htc.png":
            axes[0, 0].axhline(SYNDROME_THRESHOLD, color="grey", ls="--", lw=1)
            axes[0, 0].text(0.02, SYNDROME_THRESHOLD + 0.01, "syndrome threshold", color="grey",
                            transform=axes[0, 0].get_yaxis_transform(), fontsize=8)
            axes[0, 0].set_ylim(0, 1)
        for c in hours:
            band(axes[0, 1], series, c, f"{c}: {INDICATORS[c].meaning}", color="tab:red")
            axes[0, 1].set_ylabel("hours per week")
        for ax in axes[0]:
            ax.set_xlabel("years")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
        path = out_dir / name
        save(fig, path, f"{heading} — {title} (mean, 95% band across replicates)", dpi=110)
        paths.append(path)
    return paths


# --- comparisons ----------------------------------------------------------------------------------
# weekly turnover is a yearly rate sampled weekly (noise in a line plot): hours instead
COMPARE_SERIES = [h if h != "cadre_turnover" else "cadre_hours_per_week" for h in HEADLINE]


def indicator_panel(ax, name: str, xlabel: str) -> None:
    """One small panel of a grid of indicators: its name and meaning, a light grid."""
    ax.set_title(f"{name}\n{INDICATORS[name].meaning}", fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def plot_series(series: pd.DataFrame, scenarios: list[str], path: Path,
                indicators=COMPARE_SERIES) -> None:
    fig, axes, _ = panels(len(indicators), 4, 4.2, 3.2)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes, indicators):
        for k, s in enumerate(scenarios):
            band(ax, series[series.scenario == s], name, s, color=colors[k % len(colors)])
        indicator_panel(ax, name, "years since the switch")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(scenarios)), fontsize=8,
               frameon=False)
    save(fig, path, "Indicators over time (mean and 95% band across replicates)", fontsize=11,
         rect=(0, 0.05 + 0.02 * (len(scenarios) // 4), 1, 0.96))


def plot_htc(table: pd.DataFrame, scenarios: list[str], path: Path) -> None:
    parts = ["htc_H", "htc_T", "htc_C", "htc_index"]
    labels = ["H: government hot", "T: cadres tired", "C: residents cold", "index"]
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(scenarios) + 3), 4.4))
    width = 0.8 / len(parts)
    x = np.arange(len(scenarios))
    for k, (part, label) in enumerate(zip(parts, labels)):
        rows = table[table.indicator == part].set_index("scenario").loc[scenarios]
        err = np.vstack([rows["mean"] - rows.ci95_low.fillna(rows["mean"]),
                         rows.ci95_high.fillna(rows["mean"]) - rows["mean"]])
        ax.bar(x + (k - 1.5) * width, rows["mean"], width, yerr=err, capsize=2, label=label)
    ax.axhline(SYNDROME_THRESHOLD, color="grey", ls="--", lw=1)
    ax.text(len(scenarios) - 0.5, SYNDROME_THRESHOLD + 0.01, f"syndrome threshold {SYNDROME_THRESHOLD:g}",
            ha="right", fontsize=8, color="grey")
    ax.set_xticks(x, scenarios, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("0-1")
    ax.set_title("Hot-tired-cold components by scenario (bars: mean; whiskers: 95% interval)",
                 fontsize=10)
    ax.legend(fontsize=8, ncol=4, loc="upper right")
    save(fig, path)


def plot_differences(table: pd.DataFrame, base: str, scenarios: list[str], path: Path,
                     indicators=HEADLINE) -> None:
    alts = [s for s in scenarios if s != base]
    fig, axes, cols = panels(len(indicators), 4, 4.2, 0.32 * len(alts) + 2.2)
    y = np.arange(len(alts))[::-1]
    for k, (ax, name) in enumerate(zip(axes, indicators)):
        rows_ = table[table.indicator == name].set_index("scenario").loc[alts]
        for yk, (_, r) in zip(y, rows_.iterrows()):
            sure = how_sure({**r, "indicator": name})       # the one rule: colour and interval
            err = ([[r["diff"] - sure.low], [sure.high - r["diff"]]] if sure.drawn else None)
            ax.errorbar([r["diff"]], [yk], xerr=err, fmt="o", ms=4, color=sure.colour,
                        capsize=2)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, alts if k % cols == 0 else [""] * len(alts), fontsize=7)
        ax.set_title(f"{name} ({INDICATORS[name].unit})", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(alpha=0.3, axis="x")
    save(fig, path, f"Difference from '{base}' with t-based 95% intervals (green: better for "
                 "the county, red: worse, grey: unclear; no interval: too few runs)")


# --- sweeps ---------------------------------------------------------------------------------------
def plot_sweep(runs_table: pd.DataFrame, levers: list[str], outputs: list[str],
               folder: Path) -> list[Path]:
    """One figure per output: the output against each varied lever."""
    paths = []
    means = runs_table.groupby("point")[levers + outputs].mean()
    for o in outputs:
        fig, axes, _ = panels(len(levers), 4, 3.6, 3.0)
        for ax, lever in zip(axes, levers):
            ax.scatter(runs_table[lever], runs_table[o], s=6, alpha=0.25, color="tab:grey",
                       label="replicates")
            ax.scatter(means[lever], means[o], s=14, color="tab:blue", label="point mean")
            ax.set_xlabel(f"{lever} ({describe(lever)['unit']})", fontsize=8)
            ax.set_ylabel(o, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7)
        path = folder / f"sweep-{o}.png"
        save(fig, path, f"{o}: {INDICATORS[o].meaning}", rect=(0, 0, 1, 0.97))
        paths.append(path)
    return paths
