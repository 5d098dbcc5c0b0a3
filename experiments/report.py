"""Self-contained HTML reports: images embedded, no external assets, readable on a projector."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from model import INDICATORS, SYNDROME_THRESHOLD, describe

from .compare import HEADLINE

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 max-width:1150px;margin:2em auto;padding:0 1em;font-size:18px;line-height:1.5;color:#222}
h1{font-size:1.7em;margin-bottom:.2em} h2{font-size:1.35em;margin-top:1.6em;border-bottom:2px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em} td,th{border:1px solid #ccc;padding:.25em .5em}
th{background:#f3f3f3;text-align:left} td.num{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#b00;font-weight:600} .muted{color:#666;font-size:.85em} figure{margin:1em 0}
img{max-width:100%;border:1px solid #eee} figcaption{font-size:.85em;color:#444}
.present{color:#b00;font-weight:600} .absent{color:#070;font-weight:600}
code{background:#f5f5f5;padding:0 .2em}
"""

CAVEATS = [
    "The model is calibrated to qualitative patterns from the essay and national figures, not "
    "fitted to data from one county; read differences as directions and rough sizes, not "
    "forecasts.",
    "Many numbers are plausible assumptions (marked [A] in docs/ODD.md); the sensitivity "
    "analysis shows which of them matter.",
    "Residents do not age, move, or change households over the horizon; only the shift from "
    "work-unit people to society people changes their employment.",
    "Departments and the county government follow fixed rules: they do not learn or adapt the "
    "levers during a run; politics, leadership and personalities are absent.",
    "NGOs, property companies and owners' committees are not modelled; stationed staff are hours, "
    "not people.",
    "Money is a simple yearly budget in yuan of the mid-2000s; no prices, debt or inflation.",
    "Intervals describe the model's own randomness across replicates, not uncertainty about its "
    "assumptions.",
]


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return "—"
    return f"{x:,.{digits}f}"


def _interval(lo, hi, digits=3) -> str:
    return "—" if lo is None or pd.isna(lo) else f"[{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def _footer(manifest: dict) -> str:
    """Caveats and how to reproduce the page, closing the document."""
    code = manifest["code"]
    packages = " · ".join(f"{p} {code['packages'].get(p)}" for p in ("mesa", "numpy", "SALib"))
    return ("<h2>What the model does not capture</h2><ul>"
            + "".join(f"<li>{html.escape(c)}</li>" for c in CAVEATS) + "</ul>"
            "<h2>Reproduce</h2><p class='muted'><code>"
            + html.escape(" ".join(manifest["command"])) + "</code><br>git commit "
            f"{html.escape(str(code.get('git_commit', 'unknown')))}"
            f"{' (with local changes)' if code.get('git_dirty') else ''} · Python "
            f"{code['python']} · {packages} · design hash {manifest['design_hash']}</p>"
            "</body></html>")


def _verdict(rows: pd.DataFrame, scenario: str) -> tuple[bool, dict]:
    means = rows[rows.scenario == scenario].set_index("indicator")["mean"]
    parts = {k: float(means[k]) for k in ("htc_H", "htc_T", "htc_C", "htc_index")}
    return all(parts[k] > SYNDROME_THRESHOLD for k in ("htc_H", "htc_T", "htc_C")), parts


def comparison(scenarios, base: str, table: pd.DataFrame, images: dict[str, Path],
               manifest: dict, dropped: list) -> str:
    """The comparison report as one HTML page."""
    names = [s.name for s in scenarios]
    alts = [n for n in names if n != base]
    design = manifest["design"]
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>juwei comparison: {html.escape(base)}</title><style>{CSS}</style></head><body>",
           f"<h1>What would change the county? {html.escape(base)} against "
           f"{len(alts)} alternative{'s' if len(alts) != 1 else ''}</h1>",
           f"<p class='muted'>juwei {html.escape(str(manifest['code'].get('juwei')))} · "
           f"{design['replicates']} replicates per scenario · population scale {design['scale']} "
           f"· {design['years']} years · root seed {design['seed']} · {manifest.get('finished', '')}"
           "</p>"]

    # headline paragraph
    present, parts = _verdict(table, base)
    idx = table[(table.indicator == "htc_index") & (table.scenario != base)].sort_values("diff")
    best = idx.iloc[0] if len(idx) else None
    out.append("<h2>In short</h2><p>")
    out.append(f"In '{html.escape(base)}' the syndrome \"government hot, cadres tired, "
               f"residents cold\" is <span class='{'present' if present else 'absent'}'>"
               f"{'present' if present else 'absent'}</span>: H {parts['htc_H']:.2f}, "
               f"T {parts['htc_T']:.2f}, C {parts['htc_C']:.2f} (each above 0.6 means present). ")
    if best is not None:
        still = sum(_verdict(table, a)[0] for a in alts)
        out.append(f"The largest fall of the hot-tired-cold index comes from "
                   f"<b>{html.escape(best.scenario)}</b> ({best['diff']:+.2f}, 95% interval "
                   f"{_interval(best.diff_low, best.diff_high, 2)}). The syndrome remains present "
                   f"in {still} of {len(alts)} alternatives.")
    out.append("</p>")
    if dropped:
        out.append(f"<p class='flag'>Replicates {dropped} failed in at least one scenario and "
                   "were left out of every scenario (comparisons stay paired). See manifest.json "
                   "for the errors.</p>")

    # scenarios
    out.append("<h2>The scenarios</h2><table><tr><th>scenario</th><th>what it is</th>"
               "<th>levers changed from the essay's county</th></tr>")
    for s in scenarios:
        changes = "; ".join(
            f"{k} {describe(k)['baseline']} → {v} <span class='muted'>({describe(k)['zh'] or describe(k)['unit']})</span>"
            for k, v in s.changes.items() if k not in ("scale", "years")) or "none"
        out.append(f"<tr><td><b>{html.escape(s.name)}</b></td><td>{html.escape(s.description)}"
                   f"</td><td>{changes}</td></tr>")
    out.append("</table>")

    # syndrome
    out.append("<h2>The syndrome in each scenario</h2>")
    out.append(f"<figure>{_img(images['htc'])}<figcaption>H: how much work the government pushes "
               "onto cadres relative to their standard week. T: the administrative share of cadre "
               "hours and their exhaustion. C: how far residents are from taking part and "
               "trusting their committee. Above the dashed line (0.6) in all three means the "
               "syndrome is present.</figcaption></figure>")
    out.append("<table><tr><th>scenario</th><th>H</th><th>T</th><th>C</th><th>index</th>"
               "<th>syndrome</th></tr>")
    for n in names:
        p, v = _verdict(table, n)
        out.append(f"<tr><td>{html.escape(n)}</td>" + "".join(
            f"<td class='num'>{v[k]:.2f}</td>" for k in ("htc_H", "htc_T", "htc_C", "htc_index"))
            + f"<td class='{'present' if p else 'absent'}'>{'present' if p else 'absent'}</td></tr>")
    out.append("</table>")

    # differences
    out.append(f"<h2>What changes compared with {html.escape(base)}</h2>")
    out.append(f"<figure>{_img(images['differences'])}<figcaption>Each dot is the average change "
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
                       f"{r['diff']:+.3f}</td><td class='num'>{_interval(r.diff_low, r.diff_high)}"
                       f"</td><td class='num'>{rel}</td><td class='num'>{_fmt(r.cohens_d, 2)}</td></tr>")
    out.append("</table>")

    # over time
    out.append("<h2>Over time</h2>")
    out.append(f"<figure>{_img(images['series'])}<figcaption>Weekly values; the line is the mean "
               "across replicates and the shaded band holds 95% of them.</figcaption></figure>")

    # all indicators
    out.append("<h2>All indicators</h2><p class='muted'>Mean over the last simulated year, with "
               "the 95% confidence interval of the mean across replicates; changes whose bootstrap "
               "interval excludes zero are in red.</p><table><tr><th>indicator</th><th>unit</th>"
               + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>")
    for name, (unit, meaning) in INDICATORS.items():
        cells = []
        for n in names:
            r = table[(table.indicator == name) & (table.scenario == n)].iloc[0]
            cls = " class='num flag'" if n != base and r.flagged else " class='num'"
            cells.append(f"<td{cls}>{_fmt(r['mean'])}<br><span class='muted'>"
                         f"{_interval(r.ci95_low, r.ci95_high)}</span></td>")
        out.append(f"<tr><td title='{html.escape(meaning)}'>{name}<br><span class='muted'>"
                   f"{html.escape(meaning)}</span></td><td>{html.escape(unit)}</td>"
                   + "".join(cells) + "</tr>")
    out.append("</table>")

    # reading and caveats
    out.append("<h2>How to read this</h2><ul>"
               "<li>Every scenario runs the same replicates with the same random numbers (common "
               "random numbers), so differences are paired: replicate 3 of a reform is compared "
               "with replicate 3 of the baseline.</li>"
               f"<li>Change intervals are percentile bootstraps over replicates "
               f"({design['replicates']} pairs). Effect size d is the change divided by the "
               "pooled spread across replicates: 0.2 small, 0.5 medium, 0.8 large (Cohen).</li>"
               "<li>Indicator definitions and every rule of the model: docs/ODD.md.</li></ul>")
    out.append(_footer(manifest))
    return "\n".join(out)


def sensitivity(d, tables: dict, paragraphs: dict, images: dict[str, Path], manifest: dict) -> str:
    """The sensitivity report as one HTML page, in the comparison report's style."""
    from .sensitivity import DUMMY, MAIN_INDEX
    main = MAIN_INDEX[d.method]
    kind = "lever groups" if d.factors.groups else "levers"
    idx, conv = tables["indices"], tables["convergence"].set_index("output")
    design = manifest["design"]
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>juwei sensitivity: {html.escape(d.method)}</title><style>{CSS}</style>"
           "</head><body>",
           f"<h1>Which {kind} matter? Global sensitivity analysis ({html.escape(d.method)})</h1>",
           f"<p class='muted'>{html.escape(d.description)}<br>base scenario "
           f"{html.escape(design.get('scenario', '—'))} · {design['points']} design points × "
           f"{d.replicates} replicates · scale {design.get('scale')} · {design.get('years')} "
           f"years · seed {d.seed} · {manifest.get('finished', '')}</p>",
           "<h2>In plain words</h2>"]
    for output, text in paragraphs.items():
        out.append(f"<p>{html.escape(text)}</p>")
    out.append(f"<h2>Indices</h2><figure>{_img(images['indices'])}<figcaption>"
               f"Each bar is the {main} index of a {kind[:-1]} on the replicate mean of the "
               "output, with its 95% interval. The dummy is a factor the model never reads: its "
               "upper bound (dashed) is the level of noise. Orange bars do not clear it."
               "</figcaption></figure>")
    out.append(f"<figure>{_img(images['heatmap'])}<figcaption>All outputs at once: shade is the "
               "index relative to the largest for that output; numbers are ranks.</figcaption>"
               "</figure>")
    out.append(f"<h2>How sure is the ranking?</h2><figure>{_img(images['ranks'])}<figcaption>"
               f"Share of {d.bootstrap} bootstrap resamples in which each {kind[:-1]} holds each "
               "rank.</figcaption></figure>")
    out.append(f"<figure>{_img(images['convergence'])}<figcaption>Indices from the first half "
               "of the sample (N) against the whole (2N). Points on the diagonal and a rank "
               f"correlation of at least 0.9 with the same leader: converged.</figcaption></figure>")
    out.append("<table><tr><th>output</th><th>rank correlation N vs 2N</th><th>same leader</th>"
               "<th>verdict</th><th>replicate noise (share of run variance)</th></tr>")
    for o, c in conv.iterrows():
        verdict = ("converged" if c.converged else f"not converged: try samples = "
                   f"{int(c.next_samples)}")
        noise = ("—" if pd.isna(c.noise_share) else
                 "under 1%" if c.noise_share < 0.01 else f"{c.noise_share:.0%}")
        out.append(f"<tr><td>{html.escape(o)}</td><td class='num'>{c.spearman:.2f}</td>"
                   f"<td>{'yes' if c.top_same else 'no'}</td><td>{verdict}</td>"
                   f"<td class='num'>{noise}</td></tr>")
    out.append("</table>")
    out.append(f"<h2>The numbers</h2><table><tr><th>output</th><th>{kind[:-1]}</th><th>rank</th>"
               f"<th>P(rank)</th><th>{main}</th><th>95% interval</th><th>above the dummy</th></tr>")
    for r in idx.itertuples():
        rank = "—" if r.factor == DUMMY else int(r.rank)
        p = "—" if r.factor == DUMMY else f"{r.p_rank:.0%}"
        cls = "" if r.above_dummy or r.factor == DUMMY else " class='muted'"
        out.append(f"<tr{cls}><td>{html.escape(r.output)}</td><td>{html.escape(r.factor)}</td>"
                   f"<td class='num'>{rank}</td><td class='num'>{p}</td><td class='num'>"
                   f"{getattr(r, main):.4g}</td><td class='num'>"
                   f"{_interval(getattr(r, main + '_low'), getattr(r, main + '_high'), 4)}</td>"
                   f"<td>{'—' if r.factor == DUMMY else ('yes' if r.above_dummy else 'no')}</td>"
                   "</tr>")
    out.append("</table>")
    method_text = {
        "morris": "Morris elementary effects (Morris 1991; μ* after Campolongo et al. 2007): the "
                  "mean absolute change of the output per step of a lever across random "
                  "trajectories; σ measures interactions and non-linearity.",
        "sobol": "Sobol indices (Saltelli et al. 2010 estimators): S1 is the share of output "
                 "variance a lever explains alone, ST with all its interactions.",
        "pawn": "PAWN (Pianosi & Wagener 2015): the median Kolmogorov-Smirnov distance between "
                "the output's distribution with a lever fixed and its unconditional "
                "distribution; intervals by bootstrap.",
    }[d.method]
    out.append("<h2>How to read this</h2><ul>"
               f"<li>{html.escape(method_text)}</li>"
               "<li>Every design point runs several replicates with the same random numbers as "
               "every other point; indices are computed on the replicate mean.</li>"
               "<li>Ranges are each lever's documented range (juwei levers) unless the design "
               "names others; rankings hold for these ranges only. Whole-number levers are "
               "rounded for the model; indices use the sampled values.</li></ul>")
    out.append(_footer(manifest))
    return "\n".join(out)
