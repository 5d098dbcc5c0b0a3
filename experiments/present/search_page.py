"""The search report: the Pareto set, the trade-offs between objectives, the packages in
parallel coordinates, the hypervolume by generation, and one sentence per P(syndrome absent)
target (the cheapest package found that reaches it). Words in Chinese or English (the
catalogues' [search] section), figures in Chinese when a CJK font is there."""

from __future__ import annotations

import html
import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from ..engine.store import atomic_write  # noqa: E402
from . import i18n  # noqa: E402
from .figures import figure_lang, language, panels, save  # noqa: E402
from .html import CSS, fmt, footer, img, percent  # noqa: E402
from .stats import in_wan  # noqa: E402

MAX_PAIRS = 6                  # trade-off panels at most (objective pairs)


def label(name: str, lang: str) -> str:
    """An objective's or lever's name as shown: the catalogue's, an indicator's, a lever's."""
    key = f"search.objective_{name}"
    if i18n.has(key, "en"):
        return i18n.t(key, lang)
    from ..model.indicators import INDICATORS
    if name in INDICATORS:
        return i18n.indicator(name, lang)[0]
    from ..model.params import describe
    try:
        return i18n.lever(describe(name), lang)["label"]
    except Exception:  # noqa: BLE001 - a lever of one's own model: its own name
        return name


def plot_tradeoffs(evaluations: pd.DataFrame, pareto: pd.DataFrame, names: list[str],
                   path: Path, lang: str) -> None:
    """Each pair of objectives (means over units): every package searched in grey, the Pareto
    set in colour."""
    pairs = list(itertools.combinations(names, 2))[:MAX_PAIRS]
    fl = figure_lang(lang)
    with language(lang):
        fig, axes, _ = panels(len(pairs), 3, 4.2, 3.4)
        ok = evaluations[~evaluations.failed].drop_duplicates("package")
        for ax, (a, b) in zip(axes, pairs):
            ax.scatter(ok[a], ok[b], s=12, color="#bbbbbb", label=i18n.t("search.fig_all", fl))
            ax.scatter(pareto[a], pareto[b], s=28, color="#d62728",
                       label=i18n.t("search.fig_pareto", fl))
            ax.set_xlabel(label(a, fl))
            ax.set_ylabel(label(b, fl))
            for axis, name in ((ax.xaxis, a), (ax.yaxis, b)):    # yuan in full, no "1e6"
                if name.endswith("_yuan"):
                    axis.set_major_locator(MaxNLocator(nbins=4))
                    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        axes[0].legend(fontsize=8, frameon=False)
        save(fig, path, i18n.t("search.fig_tradeoffs", fl), fontsize=11)


def plot_parallel(pareto: pd.DataFrame, columns: list[str], path: Path, lang: str) -> None:
    """The Pareto set's packages in parallel coordinates: each lever and objective scaled to
    its range over the set (0 bottom, 1 top), one line per package."""
    fl = figure_lang(lang)
    with language(lang):
        fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(columns)), 4.2))
        values = pareto[columns].astype(float)
        low, high = values.min(), values.max()
        scaled = (values - low) / (high - low).replace(0, 1)
        for k, row in enumerate(scaled.itertuples(index=False)):
            ax.plot(range(len(columns)), row, color=plt.cm.viridis(k / max(len(scaled) - 1, 1)),
                    lw=1.2, alpha=0.8)
        ax.set_xticks(range(len(columns)), [label(c, fl) for c in columns], rotation=30,
                      ha="right", fontsize=8)
        ax.set_yticks([0, 1], [i18n.t("search.fig_low", fl), i18n.t("search.fig_high", fl)])
        save(fig, path, i18n.t("search.fig_parallel", fl), fontsize=11)


def plot_hypervolume(hv: pd.DataFrame, converged, path: Path, lang: str) -> None:
    """Hypervolume by generation, and where it stopped improving."""
    fl = figure_lang(lang)
    with language(lang):
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        ax.plot(hv.generation + 1, hv.hypervolume, "o-")
        if converged is not None:
            ax.axvline(converged + 1, color="grey", ls="--", lw=1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))      # generations are whole
        ax.set_xlabel(i18n.t("search.fig_generation", fl))
        ax.set_ylabel(i18n.t("search.fig_hv", fl))
        save(fig, path, i18n.t("search.fig_hv_title", fl), fontsize=11)


def levers_text(row: dict, design, lang: str) -> str:
    """A package's levers, as 'name value' pairs."""
    return ("、" if lang == "zh" else ", ").join(f"{label(n, lang)} {row[n]:.3g}"
                                                for n in design.levers)


def yearly_money(yuan: float, lang: str) -> str:
    """Extra public money a year said as such, or as a saving when the package spends less
    (the search's cheapest packages often do: "每年新增-20.5万元" read as nonsense)."""
    key = "cost.yearly_saved" if yuan < 0 else "cost.yearly_extra"
    return i18n.t(key, lang, wan=in_wan(abs(yuan)))


def target_sentence(level: float, row, design, lang: str) -> str:
    """The cheapest package found with P(syndrome absent) >= level, or that none was found."""
    if row is None:
        return i18n.t("search.target_none", lang, level=percent(level))
    return i18n.t("search.target", lang, level=percent(level), p=percent(row["p_syndrome_absent"]),
                  money=yearly_money(row["extra_yuan"], lang), levers=levers_text(row, design, lang))


def write(out: Path, design, evaluations: pd.DataFrame, pareto: pd.DataFrame,
          hv: pd.DataFrame, converged, targets: dict, manifest: dict, lang: str = "en") -> None:
    """The figures (search-tradeoffs.png, search-parallel.png, search-hypervolume.png) and
    report.html."""
    names = [o.name for o in design.objectives]
    figures = []
    if len(pareto):
        plot_tradeoffs(evaluations, pareto, names, out / "search-tradeoffs.png", lang)
        plot_parallel(pareto, [*design.levers, *names], out / "search-parallel.png", lang)
        figures += [("search-tradeoffs.png", "cap_tradeoffs"),
                    ("search-parallel.png", "cap_parallel")]
    plot_hypervolume(hv, converged, out / "search-hypervolume.png", lang)
    figures.append(("search-hypervolume.png", "cap_hv"))
    t = lambda key, **kw: i18n.t(f"search.{key}", lang, **kw)   # noqa: E731
    ensemble = manifest["design"].get("ensemble")
    units = (t("units_assumptions", samples=design.assumptions, spread=percent(design.spread),
               draws=t("units_assumptions_draws") if ensemble else "")
             if design.assumptions else
             t("units_draws", draws=manifest["design"].get("ensemble_draws"),
               replicates=design.replicates) if ensemble
             else t("units_seeds", replicates=design.replicates))
    measure = t(f"robustness_{design.robustness}")
    constraints = []
    if design.budget_yuan is not None:
        constraints.append(t("budget", wan=in_wan(design.budget_yuan)))
    if design.min_p_absent is not None:
        constraints.append(t("min_p", p=percent(design.min_p_absent)))
    conv = (t("converged", generation=converged + 1, tolerance=percent(design.tolerance))
            if converged is not None else t("not_converged"))
    extra = [c for c in pareto.columns if c.endswith(f"_{design.robustness}")]
    shown = [*design.levers, *names, *extra]
    shown += [c for c in ("p_syndrome_absent", "extra_yuan") if c in pareto and c not in shown]
    head = "".join(f"<th>{html.escape(label(c, lang))}</th>" for c in shown)
    whole = {n for n, integer in design.integer.items() if integer}    # a count: 26, not 26.000
    body = "".join("<tr>" + "".join(
        f"<td class=num>{fmt(r[c], 0 if c in whole or abs(r[c]) >= 100 else 3)}</td>"
        for c in shown) + "</tr>" for r in pareto.to_dict("records"))
    sentences = "".join(f"<li>{html.escape(target_sentence(level, row, design, lang))}</li>"
                        for level, row in targets.items())
    warm = manifest["design"].get("warm_start")
    under = warm and (i18n.scenario_title(design.base, lang) if warm["under"] == design.base.name
                      else warm["under"])         # the base by its title, as elsewhere
    page = (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
            f"{html.escape(t('title', name=design.name))}</title><style>{CSS}</style></head>"
            f"<body><h1>{html.escape(t('title', name=design.name))}</h1>"
            "<p>" + html.escape(t("intro", n=len(design.levers), m=len(names),
                                    population=design.population,
                                    generations=design.generations,
                                    algorithm=manifest["design"]["algorithm"],
                                    draws=t("intro_draws") if ensemble else "")) + "</p>"
            f"<p>{html.escape(t('robustness', measure=measure, units=units))}</p>"
            + (f"<p>{html.escape(t('warm', years=warm['burn_in_years'], base=under))}</p>"
               if warm else "")
            + (f"<p>{html.escape(t('constraints', what='; '.join(constraints)))}</p>"
               if constraints else "")
            + (f"<h2>{html.escape(t('targets_h'))}</h2><ul>{sentences}</ul>" if targets else "")
            + f"<h2>{html.escape(t('pareto_h', n=len(pareto)))}</h2>"
            + (f"<table><tr>{head}</tr>{body}</table>" if len(pareto)
               else f"<p>{html.escape(t('no_pareto'))}</p>")
            + f"<h2>{html.escape(t('convergence_h'))}</h2><p>{html.escape(conv)}</p>"
            + "".join(f"<figure>{img(out / f)}<figcaption>{html.escape(t(c))}</figcaption>"
                      "</figure>" for f, c in figures)
            + footer(manifest, lang))
    atomic_write(out / "report.html", lambda tmp: Path(tmp).write_text(page, "utf-8"))
