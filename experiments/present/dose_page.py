"""The dose-response report: each remedy's effect over its levers' range (one panel per outcome),
the remedies that cost money at equal cost, and the orderings that change with the dose."""

from __future__ import annotations

import functools
import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..model import INDICATORS, OUTCOMES  # noqa: E402
from . import i18n  # noqa: E402
from .figures import figure_lang, indicator_panel, language, panels, save  # noqa: E402
from .html import CSS, fmt, footer, img  # noqa: E402
from .stats import MIN_REPLICATES  # noqa: E402

SHOWN = list(OUTCOMES) + ["htc_index", "public_yuan"]


def reversal(pair: tuple, lang: str = "en", names: dict | None = None) -> str:
    """One ordering that changes with the dose in words: (indicator, the remedy better at the
    first doses, the other, those doses, the doses where it is worse)."""
    indicator, better, worse, first, second = pair
    sep = "、" if lang == "zh" else ", "
    names = names or {}
    shown = i18n.indicator(indicator, lang)[0] if lang == "zh" else indicator
    return i18n.t("doses.reversal", lang, indicator=shown, better=names.get(better, better),
                  worse=names.get(worse, worse), first=sep.join(first), second=sep.join(second))


def plot(table: pd.DataFrame, path: Path, lang: str = "en", names: dict | None = None) -> None:
    """Effect against dose per outcome, a line per remedy with its 95% interval (drawn from
    MIN_REPLICATES runs, the how-sure rule), and a ring at the dose of the remedy's scenario
    file."""
    fl = figure_lang(lang)
    names = names if fl == lang else {}
    sure = bool(len(table)) and int(table.n.min()) >= MIN_REPLICATES
    with language(lang):
        fig, axes, _ = panels(len(SHOWN), 4, 4.2, 3.2)
        colors = list(plt.cm.tab20.colors)       # 20 distinct: the essay's remedies are 18
        for ax, name in zip(axes, SHOWN):
            rows = table[table.indicator == name]
            for k, (remedy, g) in enumerate(rows.groupby("remedy", sort=False)):
                g = g.sort_values("dose")
                c = colors[k % len(colors)]
                x = [0.0, *g.dose]
                ax.plot(x, [0.0, *g["diff"]], color=c, lw=1.4,
                        label=(names or {}).get(remedy, remedy))
                if sure:
                    ax.fill_between(g.dose, g.diff_low.astype(float),
                                    g.diff_high.astype(float), color=c, alpha=0.15, lw=0)
                own = g[(g.dose - g.scenario_dose).abs() < 1e-3]
                ax.plot(own.dose, own["diff"], "o", mfc="none", color=c, ms=6)
            ax.axhline(0, color="grey", lw=0.8)
            indicator_panel(ax, name, i18n.t("doses.fig_dose", fl), lang)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8,
                   frameon=False)
        save(fig, path, i18n.t("doses.fig_title", fl), fontsize=10,
             rect=(0, 0.03 + 0.035 * -(-len(labels) // 4), 1, 0.95))


def page(base, table: pd.DataFrame, equal: pd.DataFrame, pairs: list[tuple], image: Path,
         manifest: dict, lang: str = "en", names: dict | None = None) -> str:
    """One self-contained page in `lang` (`names`: the remedies' titles in it; `pairs`: the
    orderings that change with the dose, doses.reversed_pairs)."""
    from ..inputs import scenario as sc
    e = functools.partial(html.escape, quote=False)           # text, not attributes
    T = lambda key, **kw: e(i18n.t(f"doses.{key}", lang, **kw))  # noqa: E731
    names = names or {}
    doses = []
    for remedy in dict.fromkeys(table.remedy):
        try:
            dose = sc.load(remedy).dose or i18n.t("doses.no_source", lang)
        except Exception:  # noqa: BLE001 - a remedy outside the shipped scenarios
            dose = i18n.t("doses.no_source", lang)
        own = float(table[table.remedy == remedy].scenario_dose.iloc[0])
        doses.append(f"<tr><td>{e(names.get(remedy, remedy))}</td><td class=num>{own:.2f}</td>"
                     f"<td>{e(dose)}</td></tr>")
    wide = table[table.indicator.isin(SHOWN)].pivot_table(
        index=["remedy", "dose"], columns="indicator", values="diff", sort=False)[SHOWN]
    rows = "".join(
        f"<tr><td>{e(names.get(r, r))}</td><td class=num>{d:.2f}</td>"
        + "".join(f"<td class=num>{fmt(v, 0 if k == 'public_yuan' else 3)}</td>"
                  for k, v in row.items()) + "</tr>"
        for (r, d), row in wide.iterrows())

    def shown(k):
        return e(i18n.indicator(k, lang)[0]) if lang == "zh" and k in INDICATORS else e(k)
    head = "".join(f"<th>{shown(k)}</th>" for k in SHOWN)
    if len(equal):
        effects = [c for c in equal.columns if c in SHOWN]
        eq = (f"<table><tr><th>{T('th_remedy')}</th><th>{T('th_extra')}</th>"
              f"<th>{T('th_dose')}</th>" + "".join(f"<th>{shown(c)}</th>" for c in effects)
              + "</tr>" + "".join(
                  f"<tr><td>{e(names.get(r['remedy'], r['remedy']))}</td>"
                  f"<td class=num>{fmt(r['budget_yuan'], 0)}</td><td class=num>"
                  + (f"{r['dose']:.2f}" if r["reaches_budget"] else T("whole")) + "</td>"
                  + "".join(f"<td class=num>{fmt(r[c])}</td>" for c in effects) + "</tr>"
                  for r in equal.to_dict("records")) + "</table>")
    else:
        eq = f"<p>{T('no_money')}</p>"
    few = int(table.n.min()) if len(table) else 0
    rev = ("<ul>" + "".join(f"<li>{e(reversal(x, lang, names))}</li>" for x in pairs)
           + "</ul>" if pairs else f"<p>{T('no_reversals')}</p>")
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
            f"{T('title', base=names.get(base.name, base.name))}</title><style>{CSS}</style>"
            f"</head><body><h1>{T('h1', base=names.get(base.name, base.name))}</h1>"
            f"<p>{T('intro')}</p>"
            + (f"<p class=muted>{T('too_few', n=few, min=MIN_REPLICATES)}</p>"
               if few < MIN_REPLICATES else "")
            + f"<h2>{T('doses_h')}</h2><table><tr><th>{T('th_remedy')}</th>"
            f"<th>{T('th_own')}</th><th>{T('th_source')}</th></tr>{''.join(doses)}</table>"
            f"<figure>{img(image)}<figcaption>{T('caption')}</figcaption></figure>"
            f"<h2>{T('reversals_h')}</h2><p class=muted>{T('reversals_note')}</p>" + rev
            + f"<h2>{T('equal_h')}</h2><p>{T('equal_note')}</p>" + eq
            + f"<h2>{T('every_h')}</h2><table><tr><th>{T('th_remedy')}</th>"
            f"<th>{T('th_dose')}</th>{head}</tr>{rows}</table>" + footer(manifest, lang))
