"""The dose-response report: each remedy's effect over its levers' range (one panel per outcome),
the remedies that cost money at equal cost, and the orderings that change with the dose."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..model import OUTCOMES  # noqa: E402
from .figures import indicator_panel, panels, save  # noqa: E402
from .html import CSS, fmt, footer, img  # noqa: E402

SHOWN = list(OUTCOMES) + ["htc_index", "public_yuan"]


def plot(table: pd.DataFrame, path: Path) -> None:
    """Effect against dose per outcome, a line per remedy with its 95% interval, and a ring at
    the dose of the remedy's scenario file."""
    fig, axes, _ = panels(len(SHOWN), 4, 4.2, 3.2)
    colors = list(plt.cm.tab20.colors)       # 20 distinct: the essay's remedies are 18
    for ax, name in zip(axes, SHOWN):
        rows = table[table.indicator == name]
        for k, (remedy, g) in enumerate(rows.groupby("remedy", sort=False)):
            g = g.sort_values("dose")
            c = colors[k % len(colors)]
            x = [0.0, *g.dose]
            ax.plot(x, [0.0, *g["diff"]], color=c, lw=1.4, label=remedy)
            ax.fill_between(g.dose, g.diff_low.astype(float), g.diff_high.astype(float),
                            color=c, alpha=0.15, lw=0)
            own = g[(g.dose - g.scenario_dose).abs() < 1e-3]
            ax.plot(own.dose, own["diff"], "o", mfc="none", color=c, ms=6)
        ax.axhline(0, color="grey", lw=0.8)
        indicator_panel(ax, name, "dose (share of the lever's range from the base)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8,
               frameon=False)
    save(fig, path, "Effect against dose (paired difference from the base, 95% interval; "
         "ring: the scenario file's dose)", fontsize=10,
         rect=(0, 0.03 + 0.035 * -(-len(labels) // 4), 1, 0.95))


def page(base, table: pd.DataFrame, equal: pd.DataFrame, reversals: list[str], image: Path,
         manifest: dict, lang: str = "en") -> str:
    """One self-contained page (English: a researcher's report)."""
    from ..inputs import scenario as sc
    doses = []
    for remedy in dict.fromkeys(table.remedy):
        try:
            dose = sc.load(remedy).dose or "no dose source given"
        except Exception:  # noqa: BLE001 - a remedy outside the shipped scenarios
            dose = "no dose source given"
        own = float(table[table.remedy == remedy].scenario_dose.iloc[0])
        doses.append(f"<tr><td>{html.escape(remedy)}</td><td class=num>{own:.2f}</td>"
                     f"<td>{html.escape(dose)}</td></tr>")
    wide = table[table.indicator.isin(SHOWN)].pivot_table(
        index=["remedy", "dose"], columns="indicator", values="diff", sort=False)[SHOWN]
    rows = "".join(
        f"<tr><td>{html.escape(r)}</td><td class=num>{d:.2f}</td>"
        + "".join(f"<td class=num>{fmt(v, 0 if k == 'public_yuan' else 3)}</td>"
                  for k, v in row.items()) + "</tr>"
        for (r, d), row in wide.iterrows())
    head = "".join(f"<th>{html.escape(k)}</th>" for k in SHOWN)
    if len(equal):
        effects = [c for c in equal.columns if c in SHOWN]
        eq = ("<table><tr><th>remedy</th><th>extra yuan a year</th><th>dose</th>"
              + "".join(f"<th>{html.escape(c)}</th>" for c in effects) + "</tr>"
              + "".join(f"<tr><td>{html.escape(r['remedy'])}</td>"
                        f"<td class=num>{fmt(r['budget_yuan'], 0)}</td><td class=num>"
                        + (f"{r['dose']:.2f}" if r["reaches_budget"] else
                           "1.00 (its whole range costs less)") + "</td>"
                        + "".join(f"<td class=num>{fmt(r[c])}</td>" for c in effects) + "</tr>"
                        for r in equal.to_dict("records")) + "</table>")
    else:
        eq = "<p>No remedy here costs public money in the model.</p>"
    rev = ("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in reversals) + "</ul>"
           if reversals else "<p>No ordering of these remedies changes with the dose beyond "
           "the effects' intervals.</p>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Dose-response: "
            f"{html.escape(base.name)}</title><style>{CSS}</style></head><body>"
            f"<h1>Dose-response against {html.escape(base.name)}</h1>"
            "<p>Each remedy's levers move together from the base's values (dose 0) to the end "
            "of their documented range (dose 1); the effect is the paired difference from the "
            "base in the horizon's last year, after the warm start (ODD §7.1). A ranking of "
            "remedies at their scenario files' doses rests on those doses: the table of doses "
            "says where each comes from ([E] the essay, [P] a policy document, [A] an "
            "assumption).</p>"
            "<h2>Where each scenario's dose comes from</h2><table><tr><th>remedy</th>"
            f"<th>its dose (0-1)</th><th>source</th></tr>{''.join(doses)}</table>"
            f"<figure>{img(image)}<figcaption>Effect against dose.</figcaption></figure>"
            "<h2>Orderings that change with the dose</h2>"
            "<p class=muted>A pair is listed when one remedy does clearly better at some doses "
            "and clearly worse at others (the difference of their effects larger than the sum "
            "of their intervals' half-widths).</p>" + rev +
            "<h2>At equal cost</h2><p>Each remedy that costs money, scaled to the same extra "
            "public money a year (interpolated between doses; by default the median of their "
            "costs at their scenario files' doses; one whose whole range costs less is shown at "
            "its whole range).</p>" + eq +
            f"<h2>Effects at every dose</h2><table><tr><th>remedy</th><th>dose</th>{head}</tr>"
            f"{rows}</table>" + footer(manifest, "en"))
