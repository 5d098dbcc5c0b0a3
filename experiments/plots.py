"""PNG figures of runs: weekly series with bands across replicates."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from model import INDICATORS, SYNDROME_THRESHOLD  # noqa: E402

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
    """Mean line with a 95% band (2.5th-97.5th percentile across replicates) against years."""
    g = series.groupby("step")[column]
    years = g.mean().index / 52.0
    mean = g.mean().to_numpy()
    line, = ax.plot(years, mean, label=label or column, color=color, lw=1.6)
    if series["replicate"].nunique() > 1:
        ax.fill_between(years, g.quantile(0.025).to_numpy(), g.quantile(0.975).to_numpy(),
                        color=line.get_color(), alpha=0.2, lw=0)


def plot_run(series, out_dir: Path, title: str) -> list[Path]:
    """The three standard figures of a scenario run; returns their paths."""
    paths = []
    for name, (heading, columns) in PANELS.items():
        hours = [c for c in columns if INDICATORS[c][0] == "hours"]
        shares = [c for c in columns if c not in hours]
        fig, axes = plt.subplots(1, 1 + bool(hours), figsize=(10 if hours else 7, 4.6),
                                 squeeze=False)
        for c in shares:
            band(axes[0, 0], series, c, f"{c}: {INDICATORS[c][1]}")
        axes[0, 0].set_ylabel("share or index (0-1)")
        if name == "htc.png":
            axes[0, 0].axhline(SYNDROME_THRESHOLD, color="grey", ls="--", lw=1)
            axes[0, 0].text(0.02, SYNDROME_THRESHOLD + 0.01, "syndrome threshold", color="grey",
                            transform=axes[0, 0].get_yaxis_transform(), fontsize=8)
            axes[0, 0].set_ylim(0, 1)
        for c in hours:
            band(axes[0, 1], series, c, f"{c}: {INDICATORS[c][1]}", color="tab:red")
            axes[0, 1].set_ylabel("hours per week")
        for ax in axes[0]:
            ax.set_xlabel("years")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
        path = out_dir / name
        save(fig, path, f"{heading} — {title} (mean, 95% band across replicates)", dpi=110)
        paths.append(path)
    return paths
