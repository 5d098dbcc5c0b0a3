"""The comparison report: one self-contained HTML page."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..model import HEADLINE, INDICATORS, SYNDROME_THRESHOLD, Syndrome, describe, syndrome
from .html import CSS, fmt, footer, img, interval


def _verdict(table: pd.DataFrame, scenario: str) -> Syndrome:
    return syndrome(table[table.scenario == scenario].set_index("indicator")["mean"])


def comparison(scenarios, base: str, table: pd.DataFrame, images: dict[str, Path],
               manifest: dict, dropped: list, ensemble: dict | None = None) -> str:
    """The comparison report as one HTML page."""
    names = [s.name for s in scenarios]
    alts = [n for n in names if n != base]
    design = manifest["design"]
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>juwei comparison: {html.escape(base)}</title><style>{CSS}</style></head><body>",
           f"<h1>What would change the county? {html.escape(base)} against "
           f"{len(alts)} alternative{'s' if len(alts) != 1 else ''}</h1>",
           f"<p class='muted'>county: {html.escape(str(design.get('county', '')))}"
           + (f" ({html.escape(design['county_file'])})" if design.get("county_file") else "")
           + f" · juwei {html.escape(str(manifest['code'].get('juwei')))} · "
           f"{design['replicates']} replicates per scenario"
           + (f" × {design['ensemble_draws']} posterior draws (each table below pools the "
              "draws; the ensemble section separates them)" if design.get("ensemble_draws")
              else "")
           + f" · population scale {design['scale']} "
           f"· {design['years']} years · root seed {design['seed']} · {manifest.get('finished', '')}"
           "</p>"]

    # headline paragraph
    v = _verdict(table, base)
    idx = table[(table.indicator == "htc_index") & (table.scenario != base)].sort_values("diff")
    best = idx.iloc[0] if len(idx) else None
    out.append("<h2>In short</h2><p>")
    out.append(f"In '{html.escape(base)}' the syndrome \"government hot, cadres tired, "
               f"residents cold\" is <span class='{v.word}'>{v.word}</span>: H {v.H:.2f}, "
               f"T {v.T:.2f}, C {v.C:.2f} (each above {SYNDROME_THRESHOLD:g} means present). ")
    if best is not None:
        still = sum(_verdict(table, a).present for a in alts)
        out.append(f"The largest fall of the hot-tired-cold index comes from "
                   f"<b>{html.escape(best.scenario)}</b> ({best['diff']:+.2f}, 95% interval "
                   f"{interval(best.diff_low, best.diff_high, 2)}). The syndrome remains present "
                   f"in {still} of {len(alts)} alternatives.")
    out.append("</p>")
    if dropped:
        out.append(f"<p class='flag'>Replicates {dropped} failed in at least one scenario and "
                   "were left out of every scenario (comparisons stay paired). See manifest.json "
                   "for the errors.</p>")

    # scenarios
    out.append("<h2>The scenarios</h2><table><tr><th>scenario</th><th>what it is</th>"
               "<th>levers changed from the schema's baseline values</th></tr>")
    for s in scenarios:
        changes = "; ".join(
            f"{k} {describe(k)['baseline']} → {v} <span class='muted'>({describe(k)['zh'] or describe(k)['unit']})</span>"
            for k, v in s.changes.items() if k not in ("scale", "years")) or "none"
        out.append(f"<tr><td><b>{html.escape(s.name)}</b></td><td>{html.escape(s.description)}"
                   f"</td><td>{changes}</td></tr>")
    out.append("</table>")

    # syndrome
    out.append("<h2>The syndrome in each scenario</h2>")
    out.append(f"<figure>{img(images['htc'])}<figcaption>H: how much work the government pushes "
               "onto cadres relative to their standard week. T: the administrative share of cadre "
               "hours and their exhaustion. C: how far residents are from taking part and "
               f"trusting their committee. Above the dashed line ({SYNDROME_THRESHOLD:g}) in all "
               "three means the syndrome is present.</figcaption></figure>")
    out.append("<table><tr><th>scenario</th><th>H</th><th>T</th><th>C</th><th>index</th>"
               "<th>syndrome</th></tr>")
    for n in names:
        v = _verdict(table, n)
        out.append(f"<tr><td>{html.escape(n)}</td>" + "".join(
            f"<td class='num'>{x:.2f}</td>" for x in (v.H, v.T, v.C, v.index))
            + f"<td class='{v.word}'>{v.word} · {v.word_zh}</td></tr>")
    out.append("</table>")

    if ensemble:
        out.append(ensemble_section(ensemble, base, alts, design))

    # differences
    out.append(f"<h2>What changes compared with {html.escape(base)}</h2>")
    out.append(f"<figure>{img(images['differences'])}<figcaption>Each dot is the average change "
               "over paired replicates (same random numbers in both scenarios); whiskers are "
               "bootstrap 95% intervals. Red: the interval excludes zero, so the change is not "
               "just chance.</figcaption></figure>")
    out.append("<table><tr><th>indicator</th><th>scenario</th><th>change</th><th>95% interval</th>"
               "<th>relative</th><th>effect size d</th></tr>")
    for name in HEADLINE:
        for a in alts:
            r = table[(table.indicator == name) & (table.scenario == a)].iloc[0]
            cls = " class='flag'" if r.flagged else ""
            rel = "—" if r.relative is None or pd.isna(r.relative) else f"{r.relative:+.0%}"
            out.append(f"<tr><td>{name}</td><td>{html.escape(a)}</td><td class='num'{cls}>"
                       f"{r['diff']:+.3f}</td><td class='num'>{interval(r.diff_low, r.diff_high)}"
                       f"</td><td class='num'>{rel}</td><td class='num'>{fmt(r.cohens_d, 2)}</td></tr>")
    out.append("</table>")

    # over time
    out.append("<h2>Over time</h2>")
    out.append(f"<figure>{img(images['series'])}<figcaption>Weekly values; the line is the mean "
               "across replicates and the shaded band holds 95% of them.</figcaption></figure>")

    # all indicators
    out.append("<h2>All indicators</h2><p class='muted'>Mean over the last simulated year, with "
               "the 95% confidence interval of the mean across replicates; changes whose bootstrap "
               "interval excludes zero are in red.</p><table><tr><th>indicator</th><th>unit</th>"
               + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>")
    for name, (unit, meaning, zh) in INDICATORS.items():
        cells = []
        for n in names:
            r = table[(table.indicator == name) & (table.scenario == n)].iloc[0]
            cls = " class='num flag'" if n != base and r.flagged else " class='num'"
            cells.append(f"<td{cls}>{fmt(r['mean'])}<br><span class='muted'>"
                         f"{interval(r.ci95_low, r.ci95_high)}</span></td>")
        out.append(f"<tr><td title='{html.escape(meaning)}'>{name} · {zh}<br><span class='muted'>"
                   f"{html.escape(meaning)}</span></td><td>{html.escape(unit)}</td>"
                   + "".join(cells) + "</tr>")
    out.append("</table>")

    # reading and caveats
    out.append("<h2>How to read this</h2><ul>"
               "<li>Every scenario runs the same replicates with the same random numbers (common "
               "random numbers), so differences are paired: replicate 3 of a reform is compared "
               "with replicate 3 of the baseline.</li>"
               + (f"<li>Change intervals are percentile bootstraps over the "
                  f"{design['ensemble_draws']} posterior draws, each draw's {design['replicates']} "
                  "paired replicates kept together (they share the draw's constants). "
                  if design.get("ensemble_draws") else
                  f"<li>Change intervals are percentile bootstraps over replicates "
                  f"({design['replicates']} pairs). ")
               + "Effect size d is the change divided by the "
               "pooled spread across replicates: 0.2 small, 0.5 medium, 0.8 large (Cohen).</li>"
               "<li>Indicator definitions and every rule of the model: docs/ODD.md.</li></ul>")
    out.append(footer(manifest))
    return "\n".join(out)


def ensemble_section(ensemble: dict, base: str, alts: list[str], design: dict) -> str:
    """Effects over the posterior ensemble: how sure, which unknown, which remedy ranks first."""
    e = html.escape
    effects, breaks, ranks = ensemble["effects"], ensemble["syndrome"], ensemble["ranks"]
    k = design["ensemble_draws"]
    out = [f"<h2>Over {k} plausible models (the posterior ensemble)</h2>",
           f"<p>Every scenario ran on the same {k} draws of the calibrated constants "
           f"(<code>{e(design['ensemble'])}</code>) and the same {design['replicates']} seeds, "
           "so each remedy is compared with the baseline within each plausible model. "
           "<b>Range over models</b>: the 5-95% range of the draws' effects. <b>From the "
           "constants</b>: the share of the effect's variance that comes from not knowing the "
           "constants (parametric); the rest is the model's own randomness (stochastic). "
           "<b>P(improves)</b>: the share of models in which the remedy improves the "
           "indicator.</p>"]
    b = breaks.set_index("scenario").p_syndrome_absent
    first = ranks[ranks.indicator == "htc_index"].set_index("scenario")[1]   # rank 1
    out.append("<table><tr><th>scenario</th><th>P(syndrome absent)</th><th>ranks first for "
               "the htc index</th></tr>")
    out.append(f"<tr><td>{e(base)}</td><td class='num'>{b[base]:.0%}</td><td></td></tr>")
    htc = effects[effects.indicator == "htc_index"].set_index("scenario").effect
    for a in sorted(alts, key=lambda a: (-first.get(a, 0), htc.get(a, 0))):
        out.append(f"<tr><td>{e(a)}</td><td class='num'>{b[a]:.0%}</td>"
                   f"<td class='num'>{first.get(a, 0):.0%}</td></tr>")
    out.append("</table>")
    best = max(alts, key=lambda a: first.get(a, 0))
    out.append(f"<p>{e(best)} ranks first for the hot-tired-cold index in "
               f"{first.get(best, 0):.0%} of plausible models.</p>")
    out.append("<table><tr><th>indicator</th><th>scenario</th><th>effect</th><th>range over "
               "models</th><th>from the constants</th><th>P(improves)</th></tr>")
    for _, r in effects.iterrows():
        share = "—" if r.parametric_share is None or pd.isna(r.parametric_share) \
            else f"{r.parametric_share:.0%}"
        out.append(f"<tr><td>{e(r.indicator)}</td><td>{e(r.scenario)}</td><td class='num'>"
                   f"{r.effect:+.3f}</td><td class='num'>{interval(r.draws_low, r.draws_high)}"
                   f"</td><td class='num'>{share}</td><td class='num'>{r.p_improves:.0%}</td>"
                   "</tr>")
    out.append("</table><p class='muted'>Rank probabilities for every headline indicator: "
               "ranks.csv; these tables: ensemble.csv, syndrome.csv.</p>")
    return "\n".join(out)
