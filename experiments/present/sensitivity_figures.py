"""The figures of a sensitivity analysis: indices against the dummy, a heatmap of ranks, rank
probabilities and convergence. `d` is a SensitivityDesign, `indices` its analysis (Indices)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..inputs.design import DUMMY
from .figures import panels, plt, save


def plot_indices(d, indices, path: Path) -> None:
    main = d.main_index
    result = indices.outputs
    outputs = list(result)
    fig, axes, _ = panels(len(outputs), 3, 5.2, 0.28 * len(d.factors.labels) + 1.6)
    for ax, output in zip(axes, outputs):
        t = result[output].table.sort_values(main)
        y = np.arange(len(t))
        colors = ["tab:grey" if f == DUMMY else ("tab:blue" if a else "tab:orange")
                  for f, a in zip(t.index, t.above_dummy)]
        # a bootstrap percentile interval need not contain the estimate (PAWN): clip at zero
        err = np.clip([t[main] - t[f"{main}_low"], t[f"{main}_high"] - t[main]], 0, None)
        ax.barh(y, t[main], color=colors, xerr=err, capsize=2)
        ax.axvline(t.loc[DUMMY, f"{main}_high"], color="grey", ls="--", lw=1)
        ax.set_yticks(y, t.index, fontsize=7)
        ax.set_title(output, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    save(fig, path, f"{d.method}: {main} with 95% intervals. Blue: clearly above the dummy "
                 "(dashed: its upper bound); orange: not distinguishable from noise", fontsize=9,
         rect=(0, 0, 1, 0.97))


def plot_heatmap(d, indices, path: Path) -> None:
    main = d.main_index
    labels = [l for l in d.factors.labels if l != DUMMY]
    result = indices.outputs
    outputs = list(result)
    m = np.array([[result[o].table.loc[l, main] for o in outputs] for l in labels])
    norm = m / np.where(m.max(axis=0) > 0, m.max(axis=0), 1)
    fig, ax = plt.subplots(figsize=(1.3 * len(outputs) + 3, 0.32 * len(labels) + 1.8))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, l in enumerate(labels):
        for j, o in enumerate(outputs):
            t = result[o].table.loc[l]
            mark = "" if t.above_dummy else "·"
            ax.text(j, i, f"{int(t['rank'])}{mark}", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(outputs)), outputs, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    fig.colorbar(im, ax=ax, label=f"{main} / largest for the output")
    ax.set_title("Which levers move which outputs (numbers: rank; · = not above the dummy)",
                 fontsize=9)
    save(fig, path)


def plot_ranks(indices, path: Path, top: int = 8) -> None:
    result = indices.outputs
    outputs = list(result)
    fig, axes, _ = panels(len(outputs), 3, 5.2, 3.4)
    for ax, output in zip(axes, outputs):
        p = result[output].rank_probs
        order = result[output].table.loc[p.index, "rank"].sort_values().index[:top]
        shown = p.loc[order, p.columns[:top]]
        ax.imshow(shown.to_numpy(), cmap="Greens", vmin=0, vmax=1, aspect="auto")
        for i in range(shown.shape[0]):
            for j in range(shown.shape[1]):
                v = shown.iat[i, j]
                if v >= 0.05:
                    ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6,
                            color="white" if v > 0.6 else "black")
        ax.set_xticks(range(shown.shape[1]), [str(c) for c in shown.columns], fontsize=7)
        ax.set_yticks(range(len(order)), order, fontsize=7)
        ax.set_xlabel("rank", fontsize=8)
        ax.set_title(output, fontsize=9)
    save(fig, path, "Probability of each rank over bootstrap resamples (top levers)",
         rect=(0, 0, 1, 0.96))


def plot_convergence(d, indices, path: Path) -> None:
    main = d.main_index
    result = indices.outputs
    outputs = list(result)
    fig, axes, _ = panels(len(outputs), 3, 4.2, 3.6)
    for ax, output in zip(axes, outputs):
        r = result[output]
        t, c = r.table, r.convergence
        half = pd.Series(c.half)
        ax.scatter(half[t.index], t[main], s=14,
                   c=["tab:grey" if f == DUMMY else "tab:blue" for f in t.index])
        top = max(half.max(), t[main].max()) * 1.05 or 1
        ax.plot([0, top], [0, top], color="grey", lw=0.8)
        ax.set_xlabel(f"{main} at N = {c.n_half}", fontsize=8)
        ax.set_ylabel(f"{main} at 2N = {c.n_full}", fontsize=8)
        verdict = "converged" if c.converged else "not converged"
        ax.set_title(f"{output}: rank correlation {c.spearman:.2f}, {verdict}", fontsize=8)
        ax.tick_params(labelsize=7)
    save(fig, path, "Convergence: indices from half the sample against the whole",
         rect=(0, 0, 1, 0.95))
