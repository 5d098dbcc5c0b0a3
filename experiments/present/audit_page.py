"""The assumption audit's report: how stable the ranking of remedies is when the assumed
constants move, against what noise alone does, and which constants decide each adjacent pair."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..model import OUTCOMES  # noqa: E402
from .figures import save  # noqa: E402
from .html import CSS, footer, img  # noqa: E402


def figures(tau: pd.DataFrame, p_rank: pd.DataFrame, out: Path) -> dict[str, Path]:
    """Kendall tau by kind of sample, and P(rank) per remedy as a heatmap."""
    paths = {"tau": out / "audit-tau.png", "ranks": out / "audit-ranks.png"}
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bins = np.linspace(-1, 1, 41)
    for kind, colour in (("noise", "tab:grey"), ("assumptions", "tab:red")):
        ax.hist(tau[tau.kind == kind].tau, bins=bins, alpha=0.6, color=colour,
                label=f"{kind} ({(tau.kind == kind).sum()} samples)")
    ax.set_xlabel("Kendall tau of the sample's ranking against the reference ranking")
    ax.set_ylabel("samples")
    ax.legend(frameon=False)
    save(fig, paths["tau"], "How far the ranking moves: assumed constants against noise alone")
    fig, ax = plt.subplots(figsize=(max(7.0, 3.5 + 0.45 * p_rank.shape[1]),
                                    max(3.5, 1.2 + 0.4 * len(p_rank))))
    im = ax.imshow(p_rank.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(p_rank.shape[1]), [str(c) for c in p_rank.columns], fontsize=8)
    ax.set_yticks(range(len(p_rank)), p_rank.index, fontsize=8)
    ax.set_xlabel("rank (1 = best on the outcomes)")
    fig.colorbar(im, ax=ax, label="P(rank) over the assumption samples")
    save(fig, paths["ranks"], "Each remedy's rank over the assumption samples")
    return paths


def page(base: str, reference: pd.Series, p_rank: pd.DataFrame, tau: pd.DataFrame,
         pairs: pd.DataFrame, images: dict, manifest: dict) -> str:
    d = manifest["design"]
    med = tau.groupby("kind").tau.median()
    low = tau[tau.kind == "assumptions"].tau.min()
    rows = []
    for r in pairs.to_dict("records"):
        named = []
        for j in range(1, 4):
            c = r.get(f"constant_{j}")
            if isinstance(c, str) and r.get(f"clear_{j}") is True:
                named.append(f"<code>{html.escape(c)}</code> ({html.escape(r[f'submodel_{j}'])}"
                             f", ρ {r[f'rho_{j}']:+.2f}, p {r[f'p_{j}']:.2g})")
        rows.append(f"<tr><td>{html.escape(r['ahead'])}</td><td>{html.escape(r['behind'])}"
                    f"</td><td class=num>{r['flipped_share']:.0%}</td><td>"
                    + ("; ".join(named) or "none stands out of noise") + "</td></tr>")
    ranks = "".join(
        f"<tr><td class=num>{int(reference[r])}</td><td>{html.escape(r)}</td>"
        f"<td class=num>{p_rank.loc[r, int(reference[r])]:.0%}</td>"
        f"<td class=num>{p_rank.loc[r, 1]:.0%}</td></tr>"
        for r in reference.sort_values().index)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Assumption audit</title>"
            f"<style>{CSS}</style></head><body><h1>Assumption audit: the remedies against "
            f"{html.escape(base)}</h1>"
            f"<p>{d['samples']} samples vary all {len(d['assumptions'])} assumed constants "
            f"([A], every submodel) together, each over its value ± {d['spread']:.0%} within "
            f"its documented range (Latin hypercube), each sample on its own seed"
            + (" and a posterior draw of the calibrated constants" if d.get("ensemble") else
               "; the calibrated constants ([C]) keep their values")
            + f"; {d['noise_samples']} reference samples keep every constant and vary only the "
            "seed. The ranking orders the remedies by their mean rank over the outcomes "
            f"{', '.join(OUTCOMES)} (equal weights; no lever enters their definitions), at "
            f"scale {d['scale']}, year {d['years']} after a {d['burn_in_years']}-year burn-in."
            "</p><h2>How stable the ranking is</h2>"
            f"<p>Kendall τ against the reference ranking: median {med.get('assumptions', np.nan):.2f} "
            f"(minimum {low:.2f}) when the assumptions move, against {med.get('noise', np.nan):.2f} "
            "from noise alone. The gap between the two is what the assumptions decide.</p>"
            f"<figure>{img(images['tau'])}</figure>"
            "<h2>Each remedy's rank</h2><table><tr><th>reference rank</th><th>remedy</th>"
            "<th>P(that rank)</th><th>P(first)</th></tr>" + ranks + "</table>"
            f"<figure>{img(images['ranks'])}</figure>"
            "<h2>What decides each adjacent pair</h2><p>For each pair next to each other in "
            "the reference ranking: how often the assumption samples put them the other way "
            "round, and the constants whose values correlate most with the gap between them "
            "(Spearman ρ > 0: a higher value keeps the first ahead), named only when its p "
            "clears a Bonferroni bound (0.05 over the number of constants varied): with "
            f"{len(d['assumptions'])} constants varied at once, weaker correlations are what "
            "noise alone gives. pairs.csv keeps the three strongest either way.</p><table><tr><th>ahead</th><th>behind</th><th>order flipped</th>"
            "<th>deciding constants</th></tr>" + "".join(rows) + "</table>"
            + footer(manifest, "en"))
