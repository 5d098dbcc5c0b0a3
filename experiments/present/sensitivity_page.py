"""The sensitivity report: plain-words paragraphs per output and one self-contained HTML page.
`d` is a SensitivityDesign; `indices` its analysis (Indices)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..inputs.design import DUMMY
from .html import CSS, footer, img, interval


def paragraphs(d, indices) -> dict[str, str]:
    """A plain-words paragraph per analysed output (`indices`: the analysis, an Indices)."""
    return {output: paragraph(d, output, r) for output, r in indices.outputs.items()}


def paragraph(d, output: str, r) -> str:
    """Which levers matter for an output, and how sure we are (`r`: its OutputIndices)."""
    main = d.main_index
    t = r.table.drop(index=DUMMY).sort_values("rank")
    clear = t[t.above_dummy]
    noise = t[~t.above_dummy]
    kind = "groups" if d.factors.groups else ("levers" if d.base is not None else "inputs")
    parts = []
    if len(clear):
        lead = clear.iloc[0]
        parts.append(f"For {output}, {len(clear)} of {len(t)} {kind} matter beyond noise. "
                     f"{lead.name} ranks first ({main} {lead[main]:.3g}) in "
                     f"{lead.p_rank:.0%} of bootstrap resamples")
        if len(clear) > 1:
            nxt = ", ".join(f"{n} ({p:.0%} at rank {int(k)})" for n, p, k in
                            zip(clear.index[1:4], clear.p_rank[1:4], clear["rank"][1:4]))
            parts[-1] += f"; then {nxt}"
        parts[-1] += "."
    else:
        lead, dummy = t.iloc[0], r.table.loc[DUMMY]
        high = f"{main}_high"
        if high in r.table and lead[main] > dummy[high]:
            # a large index with a wide interval: uneven effects, not the absence of one
            parts.append(f"For {output}, no {kind[:-1]}'s 95% interval clears the dummy's, "
                         f"but {lead.name} has {main} {lead[main]:.3g} against the dummy's "
                         f"{dummy[main]:.3g}: its effect is uneven across the design (interval "
                         f"{lead[f'{main}_low']:.3g} to {lead[high]:.3g}), so more samples "
                         "would tell it from noise.")
        else:
            parts.append(f"For {output}, no {kind[:-1]} is distinguishable from the dummy: "
                         "within these ranges nothing moves it beyond noise.")
    if len(noise) and len(clear):
        parts.append(f"{len(noise)} are not distinguishable from the dummy "
                     f"({', '.join(noise.index[:6])}{'…' if len(noise) > 6 else ''}).")
    if r.noise_share is not None:
        within = ("The spread over posterior draws and replicates" if d.draws else
                  "Replicate noise")
        parts.append(f"{within} is {_share(r.noise_share)} of the run-to-run variance "
                     f"({_share(r.noise_share_of_means)} of the variance of the point "
                     "means analysed).")
    c = r.convergence
    if c.converged:
        parts.append(f"The ranking has converged: rank correlation {c.spearman:.2f} between "
                     f"N = {c.n_half} and 2N = {c.n_full}, same leader.")
    else:
        parts.append(f"The ranking has not converged (rank correlation {c.spearman:.2f} "
                     f"between N = {c.n_half} and 2N = {c.n_full}"
                     f"{'' if c.top_same else ', the leader changed'}): try samples = "
                     f"{c.next_samples}.")
    return " ".join(parts)


def _share(x: float) -> str:
    return "under 1%" if x < 0.01 else f"{x:.0%}"


def sensitivity(d, tables: dict, paragraphs: dict, images: dict[str, Path], manifest: dict) -> str:
    """The sensitivity report as one HTML page, in the comparison report's style."""
    main = d.main_index
    kind = ("lever groups" if d.factors.groups
            else "levers" if d.base is not None else "inputs")    # your own model: its inputs
    lever = kind[:-1].split()[-1] if kind != "inputs" else "input"
    idx, conv = tables["indices"], tables["convergence"].set_index("output")
    design = manifest["design"]
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>juwei sensitivity: {html.escape(d.method)}</title><style>{CSS}</style>"
           "</head><body>",
           f"<h1>Which {kind} matter? Global sensitivity analysis ({html.escape(d.method)})</h1>",
           f"<p class='muted'>{html.escape(d.description)}<br>base scenario "
           f"{html.escape(design.get('scenario', '—'))} · {design['points']} design points × "
           f"{d.replicates} replicates{f' × {d.draws} posterior draws' if d.draws else ''} · "
           f"scale {design.get('scale')} · {design.get('years')} "
           f"years · seed {d.seed} · {manifest.get('finished', '')}</p>",
           ]
    if d.difference is not None:
        out.append(f"<p><b>Every output is the paired effect of {html.escape(d.difference.name)}"
                   "</b> (it minus the base scenario, on the same seed): the factors ranked "
                   "first are the unknowns that move the remedy's effect most, what to measure "
                   "next in the field.</p>")
    if d.varies_constants:
        out.append(f"<p class='muted'>The calibrated constants vary over their posterior "
                   f"5-95% ranges ({html.escape(d.ensemble)}), independently: an approximation "
                   "of the posterior, which may correlate them.</p>")
    out.append("<h2>In plain words</h2>")
    for output, text in paragraphs.items():
        out.append(f"<p>{html.escape(text)}</p>")
    out.append(f"<h2>Indices</h2><figure>{img(images['indices'])}<figcaption>"
               f"Each bar is the {main} index of a {kind[:-1]} on the replicate mean of the "
               "output, with its 95% interval. The dummy is a factor the model never reads: its "
               "upper bound (dashed) is the level of noise. Orange bars do not clear it."
               "</figcaption></figure>")
    out.append(f"<figure>{img(images['heatmap'])}<figcaption>All outputs at once: shade is the "
               "index relative to the largest for that output; numbers are ranks.</figcaption>"
               "</figure>")
    out.append(f"<h2>How sure is the ranking?</h2><figure>{img(images['ranks'])}<figcaption>"
               f"Share of {d.bootstrap} bootstrap resamples in which each {kind[:-1]} holds each "
               "rank.</figcaption></figure>")
    out.append(f"<figure>{img(images['convergence'])}<figcaption>Indices from the first half "
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
                   f"{interval(getattr(r, main + '_low'), getattr(r, main + '_high'), 4)}</td>"
                   f"<td>{'—' if r.factor == DUMMY else ('yes' if r.above_dummy else 'no')}</td>"
                   "</tr>")
    out.append("</table>")
    method_text = {
        "morris": "Morris elementary effects (Morris 1991; μ* after Campolongo et al. 2007): the "
                  f"mean absolute change of the output per step of a {lever} across random "
                  "trajectories; σ measures interactions and non-linearity.",
        "sobol": "Sobol indices (Saltelli et al. 2010 estimators): S1 is the share of output "
                 f"variance a {lever} explains alone, ST with all its interactions.",
        "pawn": "PAWN (Pianosi & Wagener 2015): the median Kolmogorov-Smirnov distance between "
                f"the output's distribution with a {lever} fixed and its unconditional "
                "distribution; intervals by bootstrap.",
    }[d.method]
    out.append("<h2>How to read this</h2><ul>"
               f"<li>{html.escape(method_text)}</li>"
               f"<li>Every design point runs {d.replicates} replicate(s) with the same random "
               "numbers as every other point; indices are computed on the replicate mean.</li>"
               + (f"<li>Every design point also runs on the same {d.draws} posterior draws of the "
                  f"calibration in {html.escape(d.ensemble)}: its constants are not factors, and "
                  "each point's output is the mean over draws and replicates, so the ranking is "
                  "the levers' on the calibrated model with what the patterns leave open "
                  "averaged out (the noise share then includes the spread between draws).</li>"
                  if d.draws else "")
               + ("<li>The calibrated constants range over their posterior 5-95% ranges; any "
                  "levers the design names over the ranges it gives. "
                  if d.varies_constants else
                  "<li>Ranges are each lever's documented range (juwei levers) unless the design "
                  "names others. " if d.base is not None else
                  "<li>Ranges are those given in factors=. ")
               + "Rankings hold for these ranges only. Whole-number parameters are rounded for "
               "the model; indices use the sampled values.</li></ul>")
    out.append(footer(manifest))
    return "\n".join(out)
