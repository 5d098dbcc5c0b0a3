"""The docking report: both implementations' distributions of every docked feature overlaid,
the equivalence table of the levels and of the remedies' effects (studies/dock.py)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..engine.store import atomic_write
from ..model import INDICATORS
from .figures import panels, save
from .html import CSS, fmt, footer, img

COLOURS = ("tab:blue", "tab:orange")


def feature_label(feature: str) -> str:
    name = feature.removesuffix("_early")
    return name + (" (first 13 weeks)" if feature.endswith("_early") else " (final year)")


def plot_feature(data: pd.DataFrame, arms, scenarios, feature: str, path: Path) -> None:
    """One panel per scenario: the two arms' replicate values overlaid (step histograms on
    shared bins, and each arm's mean as a line)."""
    fig, axes, _ = panels(len(scenarios), 4, 3.6, 2.8)
    for ax, s in zip(axes, scenarios):
        values = [data[(data.arm == a) & (data.scenario == s)][feature] for a in arms]
        lo = min(v.min() for v in values)
        hi = max(v.max() for v in values)
        bins = 12 if hi > lo else 1
        for v, arm, colour in zip(values, arms, COLOURS):
            ax.hist(v, bins=bins, range=(lo, hi) if hi > lo else None, histtype="step", lw=1.8,
                    color=colour, label=arm)
            ax.axvline(v.mean(), color=colour, ls="--", lw=1)
        ax.set_title(s, fontsize=10)
        ax.set_xlabel(INDICATORS.get(feature.removesuffix("_early"), ("",))[0], fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel("replicates", fontsize=9)
    axes[0].legend(fontsize=8)
    save(fig, path, feature_label(feature), rect=(0, 0, 1, 0.93))


def write(out: Path, data: pd.DataFrame, arms, scenarios, levels: pd.DataFrame,
          effects: pd.DataFrame, manifest: dict) -> None:
    """Figures dock-<feature>.png and report.html into `out`."""
    images = []
    for feature in dict.fromkeys(levels.feature):
        path = out / f"dock-{feature}.png"
        plot_feature(data, arms, scenarios, feature, path)
        images.append((feature, path))
    page = report(arms, scenarios, levels, effects, images, manifest)
    atomic_write(out / "report.html", lambda tmp: Path(tmp).write_text(page, "utf-8"))


def report(arms, scenarios, levels, effects, images, manifest) -> str:
    d = manifest["design"]
    e = html.escape
    ok_levels, ok_effects = int(levels.docks.sum()), int(effects.docks.sum())
    verdict = ok_levels == len(levels) and ok_effects == len(effects)
    perturb = (f" · perturbation: <code>{e(d['perturb'][0])}</code> × {d['perturb'][1]:g} in "
               f"the {e(arms[1])} arm" if d.get("perturb") else "")
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>juwei docking"
           f"</title><style>{CSS}</style></head><body>",
           f"<h1>Docking: {e(arms[0])} against {e(arms[1])}</h1>",
           f"<p class='muted'>{d['replicates']} replicates per arm and scenario, independent "
           f"seeds between arms · scale {d['scale']} · {d['years']} years · root seed "
           f"{d['seed']}{perturb}</p>",
           f"<p><b class='{'absent' if verdict else 'present'}'>"
           f"{'The two dock' if verdict else 'The two do not dock'}</b>: {ok_levels} of "
           f"{len(levels)} levels and {ok_effects} of {len(effects)} remedy effects are "
           f"equivalent within their margins; the KS test finds {int(levels.ks_differs.sum())} "
           "of the levels' distributions different.</p>",
           "<h2>How to read this</h2><ul>"
           f"<li>A level docks when the two arms' means are equivalent by two one-sided Welch "
           f"t-tests at {d['alpha']:g} (TOST) within a margin, the larger of "
           f"{d['margin']:.0%} of the {e(arms[0])} mean and {d['sd_margin']:g} standard "
           f"deviations of the replicates, both arms pooled (for noisy features, where "
           f"{d['replicates']} replicates cannot show a closer equivalence). A "
           "Kolmogorov-Smirnov test compares the whole distributions at "
           f"{d['ks_alpha']:g} / {len(levels)} (Bonferroni): <span class='flag'>KS</span> "
           "marks a difference of shape or spread, or a shift inside the margin that a feature "
           "with little noise makes significant; it is reported, not failed. Each cell: both "
           "means, the margin and what set it, and the two p-values.</li>"
           f"<li>A remedy's effect (it minus {e(scenarios[0])}, paired on the same seeds within "
           f"an arm) docks when the two arms' effects are equivalent within the largest of "
           f"{d['effect_margin']:.0%} of the {e(arms[0])} effect, {d['sd_margin']:g} sds of the "
           f"paired differences (pooled) and {d['floor']:g} in the indicator's unit. "
           "Docking the conclusions matters more than docking the levels.</li>"
           "<li>First-quarter features (the mean of the first 13 weeks) show a rule's speed "
           "before the county settles.</li></ul>",
           "<h2>Levels</h2>", _levels_html(levels, scenarios, arms),
           "<h2>Remedies' effects</h2>", _effects_html(effects, arms),
           "<h2>Distributions</h2>"]
    for feature, path in images:
        out.append(f"<figure>{img(path)}<figcaption>{e(feature_label(feature))}: replicate "
                   f"values of both arms (dashed: means)</figcaption></figure>")
    out.append(footer(manifest))
    return "\n".join(out)


def _levels_html(levels, scenarios, arms) -> str:
    rows = ["<table><tr><th>feature</th>" + "".join(
        f"<th>{html.escape(s)}: {html.escape(arms[0])} / {html.escape(arms[1])}</th>"
        for s in scenarios) + "</tr>"]
    for feature, t in levels.groupby("feature", sort=False):
        cells = []
        for s in scenarios:
            r = t[t.scenario == s].iloc[0]
            mark = ("" if r.docks else " <span class='flag'>differs</span>") + (
                " <span class='flag'>KS</span>" if r.ks_differs else "")
            cells.append(f"<td class='num'>{fmt(r.mean_a)} / {fmt(r.mean_b)} "
                         f"(±{fmt(r.margin)}, {html.escape(r.margin_by)}; p<sub>TOST</sub> "
                         f"{r.p_tost:.3f}, "
                         f"p<sub>KS</sub> {r.p_ks:.3f}){mark}</td>")
        rows.append(f"<tr><td>{html.escape(feature_label(feature))}</td>{''.join(cells)}</tr>")
    return "".join(rows) + "</table>"


def _effects_html(effects, arms) -> str:
    rows = [f"<table><tr><th>remedy</th><th>indicator</th><th>{html.escape(arms[0])}</th>"
            f"<th>{html.escape(arms[1])}</th><th>margin</th><th>p<sub>TOST</sub></th>"
            "<th>signs</th><th></th></tr>"]
    for _, r in effects.iterrows():
        rows.append(f"<tr><td>{html.escape(r.remedy)}</td><td>{html.escape(r.indicator)}</td>"
                    f"<td class='num'>{r.effect_a:+.4f}</td><td class='num'>{r.effect_b:+.4f}"
                    f"</td><td class='num'>±{fmt(r.margin, 4)} ({html.escape(r.margin_by)})"
                    "</td><td class='num'>"
                    f"{r.p_tost:.3f}</td><td>{'agree' if r.same_sign else 'differ'}</td><td>"
                    f"{'docks' if r.docks else '<span class=flag>differs</span>'}</td></tr>")
    return "".join(rows) + "</table>"
