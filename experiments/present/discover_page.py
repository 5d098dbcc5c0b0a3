"""Scenario discovery's words, figures and report (studies/discover.py finds the regions):
one plain sentence per region, the peeling trajectory (coverage against density), the box's
bounds on each constant's range, the CART check, and the constants to measure next."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..model.params import FIELDS  # noqa: E402
from . import i18n  # noqa: E402
from .figures import figure_lang, language, save  # noqa: E402
from .html import CSS, footer, img, percent  # noqa: E402


def constant(name: str, lang: str) -> tuple[str, str]:
    """A constant's name and unit in `lang` (the schema's, when it is the model's)."""
    if name not in FIELDS:
        return name, ""
    row = i18n.lever({"name": name, **FIELDS[name].metadata}, lang)
    return row["label"], row["unit_shown"]


def number(x: float) -> str:
    return f"{x:.3g}"


def condition(name: str, low: float, high: float, span: tuple, lang: str) -> str:
    """One bound in words: above, below or between, with the constant's unit."""
    label, unit = constant(name, lang)
    unit = f" {unit}" if unit else ""
    tol = 1e-9 * max(1.0, abs(span[1] - span[0]))
    if high >= span[1] - tol:
        key, fields = "above", {"low": number(low)}
    elif low <= span[0] + tol:
        key, fields = "below", {"high": number(high)}
    else:
        key, fields = "between", {"low": number(low), "high": number(high)}
    return i18n.t(f"discover.{key}", lang, name=label, unit=unit, **fields)


def title(remedy: str, lang: str) -> str:
    """A remedy's title in `lang` when it is a shipped scenario, else its name."""
    try:
        from ..inputs.scenario import load
        return i18n.scenario_title(load(remedy), lang)
    except Exception:  # noqa: BLE001 - a variant or another model's scenario: its name
        return remedy


def sentences(f, base: str, lang: str = "en") -> list[str]:
    """One plain sentence per region of a Found; or one saying why there is none."""
    name = title(f.scenario, lang)
    what = i18n.t(f"discover.fails_{f.fail}", lang, base=title(base, lang))
    if not f.regions:
        return [i18n.t(f"discover.why_{f.why}", lang, scenario=name, what=what,
                       failures=f.failures, units=f.units)]
    joiner = "，且" if lang == "zh" else " and "
    return [i18n.t("discover.sentence", lang, scenario=name, verb=i18n.t(f"discover.verb_{f.fail}", lang),
                   where=joiner.join(condition(c, lo, hi, f.ranges[c], lang)
                                     for c, (lo, hi) in g.bounds.items()),
                   density=percent(g.density), coverage=percent(g.coverage))
            for g in f.regions]


def figures(found: dict, out: Path, lang: str = "en") -> dict:
    """Per remedy with a region: trajectory-<remedy>.png (each peeling step's coverage
    against density, the chosen box ringed) and box-<remedy>.png (each bounding constant's
    range, the box's part of it shaded)."""
    fl = figure_lang(lang)
    paths = {}
    with language(lang):
        for r, f in found.items():
            if not f.regions:
                continue
            t = f.trajectory
            fig, ax = plt.subplots(figsize=(6.4, 4.2))
            for b, steps in t.groupby("box"):
                sc = ax.scatter(steps.coverage, steps.density, c=steps.restricted, cmap="viridis",
                                s=18, marker="os^"[(b - 1) % 3])
                chosen = steps[steps.chosen]
                ax.scatter(chosen.coverage, chosen.density, s=160, facecolors="none",
                           edgecolors="tab:red", linewidths=2)
            fig.colorbar(sc, ax=ax, label=i18n.t("discover.fig_restricted", fl))
            ax.set_xlabel(i18n.t("discover.coverage", fl))
            ax.set_ylabel(i18n.t("discover.density", fl))
            ax.set_xlim(0, 1.02)
            ax.set_ylim(0, 1.02)
            paths[("trajectory", r)] = out / f"trajectory-{r}.png"
            save(fig, paths[("trajectory", r)],
                 i18n.t("discover.fig_trajectory", fl, scenario=title(r, fl)))
            rows = [(g.box, c, lo, hi) for g in f.regions for c, (lo, hi) in g.bounds.items()]
            fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.5 * len(rows)))
            for y, (b, c, lo, hi) in enumerate(rows):
                a, z = f.ranges[c]
                span = (z - a) or 1.0
                ax.barh(y, 1, left=0, color="#eee", edgecolor="#999")
                ax.barh(y, (hi - lo) / span, left=(lo - a) / span, color="tab:red", alpha=0.6)
                ax.text(1.01, y, f"{number(lo)} – {number(hi)}", va="center", fontsize=8)
            ax.set_yticks(range(len(rows)), [f"{b}: {constant(c, fl)[0]}" for b, c, *_ in rows],
                          fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, 1.25)
            ax.set_xlabel(i18n.t("discover.fig_range", fl))
            paths[("box", r)] = out / f"box-{r}.png"
            save(fig, paths[("box", r)], i18n.t("discover.fig_box", fl, scenario=title(r, fl)))
    return paths


def page(study, found: dict, manifest: dict, images: dict, lang: str = "en") -> str:
    """report.html: what was asked, then per remedy its sentences, regions, figures and the
    CART check, then the constants to measure next."""
    t = lambda key, **k: i18n.t(f"discover.{key}", lang, **k)   # noqa: E731
    e = html.escape
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>"
             f"{e(t('page_title'))}</title><style>{CSS}</style></head><body>"
             f"<h1>{e(t('h1', base=title(study.base, lang)))}</h1>",
             f"<p>{e(t('intro', study=str(study.folder), kind=str(study.manifest.get('kind')), units=max((f.units for f in found.values()), default=0), unknowns=len(study.unknowns), what=t('fails_' + manifest['fail'], base=title(study.base, lang)), margin=percent(manifest['margin'])))}</p>",
             f"<p>{e(t('read'))}</p>"]
    for r, f in found.items():
        parts.append(f"<h2>{e(title(r, lang))}</h2><p>{e(t('counts', failures=f.failures, units=f.units))}</p><ul>"
                     + "".join(f"<li><b>{e(s)}</b></li>" for s in sentences(f, study.base, lang))
                     + "</ul>")
        if f.why in ("", "scattered", "mostly") and len(f.screened) < len(f.ranges):
            parts.append("<p class=muted>" + e(t("screened", constants=", ".join(f.screened)
                                                 or "—")) + "</p>")
        if f.fail == "harm":
            parts.append("<p class=muted>" + e(t("harmed")) + " " + e(", ".join(
                f"{i18n.indicator(o, lang)[0]} {n}" for o, n in f.harmed.items())) + "</p>")
        elif f.harmed.get("base_without_syndrome"):
            parts.append("<p class=muted>" + e(t("left_out", n=f.harmed["base_without_syndrome"],
                                                 base=title(study.base, lang))) + "</p>")
        if not f.regions:
            continue
        rows = "".join(
            f"<tr><td class=num>{g.box}</td><td>{e(constant(c, lang)[0])} <code>{e(c)}</code>"
            f"</td><td class=num>{number(lo)}</td><td class=num>{number(hi)}</td>"
            f"<td class=num>{number(f.ranges[c][0])} – {number(f.ranges[c][1])}</td>"
            f"<td class=num>{g.qp[c]:.2g}</td><td class=num>{percent(g.coverage)}</td>"
            f"<td class=num>{percent(g.density)}</td><td class=num>{percent(g.mass)}</td></tr>"
            for g in f.regions for c, (lo, hi) in g.bounds.items())
        parts.append(f"<table><tr>{''.join(f'<th>{e(t(k))}</th>' for k in ('box', 'constant', 'low', 'high', 'range', 'qp', 'coverage', 'density', 'mass'))}</tr>{rows}</table>")
        parts.append(f"<figure>{img(images[('trajectory', r)])}<figcaption>"
                     f"{e(t('cap_trajectory'))}</figcaption></figure>"
                     f"<figure>{img(images[('box', r)])}<figcaption>{e(t('cap_box'))}"
                     "</figcaption></figure>")
        agree = percent(f.agreement)
        parts.append(f"<p>{e(t('cart', agreement=agree, constants=', '.join(f.cart_constants) or '—'))}</p>"
                     f"<pre class=muted>{e(f.cart_rules)}</pre>")
    said = t("measure", constants=", ".join(manifest["measure"]) or "—",
             ensemble=manifest.get("ensemble") or "DIR")
    parts.append(f"<h2>{e(t('measure_h'))}</h2><p>{e(said)}</p>")
    return "".join(parts) + footer(manifest, lang)


def terminal(d, lang: str = "en") -> str:
    """What `juwei discover` prints: each remedy's sentences, what to measure, where."""
    lines = [""]
    for r, said in d.sentences.items():
        lines += [f"  {s}" for s in said]
    if d.measure:
        lines.append("\n" + i18n.t("discover.measure", lang, constants=", ".join(d.measure),
                                   ensemble=d.ensemble or "DIR"))
    lines.append(i18n.t("discover.files", lang, out=str(d.out)))
    return "\n".join(lines)

