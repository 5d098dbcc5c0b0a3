"""A calibration's figures and report: posterior against prior, correlations, epsilon and
acceptance by generation, posterior predictive checks (held-out figures included), and in plain
words which constants the patterns pin down and which they leave free."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.store import atomic_write
from ..inputs.ensemble import quantile
from ..model.params import FIELDS
from .figures import panels, plt, save
from .html import CSS, fmt, footer, img, percent
from .stats import RANK_LEVEL, RANK_MIN_DRAWS, rank_correlation

PINNED = 0.5     # posterior 90% interval at most this share of the prior's: "pinned down"
NARROWED = 0.8   # at most this share: "narrowed"; wider: "left free"
TOP = 8          # constants in the correlation figure
LOW_ESS = 0.25   # an effective sample size below this share of the population is flagged
EMULATOR_INSIDE = 0.8  # new runs inside an emulator's 90% intervals less often: overconfident
EDGE = 0.05      # a prior's outer 5% at either end ...
PILED = 0.25     # ... holding at least this posterior weight (5 times the prior's): piled up
SATURATED = 0.03  # a share (SHARES) whose posterior median is within this of 0 or 1
SHARES = ("admin_share", "admin_high_committees", "participation_rate", "volunteer_rate",
          "volunteer_100_share", "unfunded_share", "high_school_share", "over_45_share",
          "htc_H", "htc_T", "htc_C", "htc_min", "income_committees")


def constants_table(design, posterior: pd.DataFrame) -> pd.DataFrame:
    """Each constant: prior and posterior medians and 90% intervals, the width ratio, the
    verdict (pinned down, narrowed, left free, or at a bound where it piles up), and the prior
    bound the posterior piles up against, if any (at least PILED of its weight in the prior's
    outer EDGE): the fit wants a value the prior does not allow, and the bound, not the data,
    decides it."""
    rows = []
    w = posterior.weight.to_numpy(float)
    for p in design.priors:
        dist = p.scipy()
        plo, phi = float(dist.ppf(0.05)), float(dist.ppf(0.95))
        v = posterior[p.name].to_numpy(float)
        lo, med, hi = (quantile(v, w, q) for q in (0.05, 0.5, 0.95))
        ratio = (hi - lo) / (phi - plo) if phi > plo else 1.0
        u = dist.cdf(v)                     # where each particle sits in the prior
        piled = [end for end, near in (("low", u < EDGE), ("high", u > 1 - EDGE))
                 if w[near].sum() >= PILED * w.sum()]
        # a posterior narrowed against a bound is the bound's doing, not the targets'
        verdict = (f"at the {' and '.join(piled)} bound" if piled else "pinned down"
                   if ratio <= PINNED else "narrowed" if ratio <= NARROWED else "left free")
        unit = FIELDS[p.name].metadata["unit"] if p.name in FIELDS else ""   # a toy's: none
        rows.append({"constant": p.name, "unit": unit,
                     "prior": p.describe(), "prior_median":
                     float(dist.median()), "prior_low": plo, "prior_high": phi,
                     "posterior_median": med, "posterior_low": lo, "posterior_high": hi,
                     "width_ratio": ratio, "verdict": verdict,
                     "piled_at": " and ".join(piled)})
    return pd.DataFrame(rows).sort_values("width_ratio").reset_index(drop=True)


def checks_table(design, posterior: pd.DataFrame, predictive: pd.DataFrame) -> pd.DataFrame:
    """Each target and held-out figure: its interval, the posterior's weighted median and 90%
    interval, the share of fresh-seed predictive draws inside the interval, and whether it
    holds: the fresh draws' median inside the interval, or the posterior's where there are no
    fresh draws (a figure on the calibration's own seeds can hold by their luck alone); None
    where neither exists (a held-out figure the fit does not compute, and no fresh draws)."""
    rows = []
    ok = predictive[predictive["failed"].isna()] if len(predictive) else predictive
    weights = posterior.weight.to_numpy(float)
    for t in design.targets:
        fresh = (ok[t.figure].to_numpy(float) if len(ok) and t.figure in ok
                 else np.array([]))
        # a held-out figure the candidates do not compute (calibrate.figures_of) has no
        # posterior values (NaN): the fresh draws alone judge it, and none fails it
        in_fit = t.figure in posterior
        v = posterior[t.figure].to_numpy(float) if in_fit else None
        q = {k: quantile(v, weights, x) if in_fit else float("nan")
             for k, x in (("median", 0.5), ("q05", 0.05), ("q95", 0.95))}
        inside = float(np.mean((fresh >= t.low) & (fresh <= t.high))) if len(fresh) else None
        fresh_median = float(np.median(fresh)) if len(fresh) else None
        judged = q["median"] if fresh_median is None else fresh_median
        rows.append({"figure": t.figure, "role": "held out" if t.held_out else "target",
                     "low": t.low, "high": t.high, "value": t.value,
                     "sd": t.scale if t.value is not None else None, "weight": t.weight,
                     "holds": None if pd.isna(judged) else bool(t.low <= judged <= t.high),
                     "fresh_median": fresh_median,
                     **q, "predictive_inside": inside,
                     "saturated": in_fit and t.figure in SHARES
                     and min(q["median"], 1 - q["median"]) <= SATURATED,
                     "moves_with": moves_with(ok, t.figure, [p.name for p in design.priors]),
                     "source": t.source})
    return pd.DataFrame(rows)


def moves_with(draws: pd.DataFrame, figure: str, constants: list[str]) -> str:
    """The constants `figure` varies with over the fresh draws, the strongest first: those whose
    Spearman correlation with it is significant (RANK_LEVEL, Bonferroni over the constants).
    Where a figure fails, what the fit left free that would decide it; correlations over
    posterior draws, not effects. "" with fewer than RANK_MIN_DRAWS draws, or draws that do not
    record their constants."""
    have = [k for k in constants if k in draws]
    if len(draws) < RANK_MIN_DRAWS or figure not in draws or not have:
        return ""
    rho = {k: r for k in have if (r := rank_correlation(draws[k], draws[figure])) is not None
           and r.pvalue < RANK_LEVEL / len(have)}
    return ", ".join(f"{k} (rho {r.statistic:+.2f})" for k, r in
                     sorted(rho.items(), key=lambda kr: -abs(kr[1].statistic)))


def plot_marginals(design, posterior, path: Path) -> None:
    fig, axes, _ = panels(len(design.priors), 4, 3.6, 2.7)
    w = posterior.weight.to_numpy(float)
    for ax, p in zip(axes, design.priors):
        dist = p.scipy()
        lo, hi = float(dist.ppf(0.001)), float(dist.ppf(0.999))
        ax.hist(posterior[p.name], bins=20, range=(lo, hi), weights=w, density=True,
                color="tab:blue", alpha=0.6, label="posterior")
        x = np.linspace(lo, hi, 200)
        ax.plot(x, dist.pdf(x), color="black", lw=1.2, label="prior")
        ax.set_title(p.name, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    save(fig, path, "Posterior (bars) against prior (line) of each calibrated constant", dpi=100)


def plot_correlations(table: pd.DataFrame, posterior, path: Path) -> None:
    names = list(table.constant[:TOP])
    w = posterior.weight.to_numpy(float)
    x = posterior[names].to_numpy(float)
    mean = (w[:, None] * x).sum(0) / w.sum()
    cov = ((x - mean).T * w) @ (x - mean) / w.sum()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(np.where(sd > 0, sd, 1), np.where(sd > 0, sd, 1))
    fig, ax = plt.subplots(figsize=(1.0 * len(names) + 3, 0.8 * len(names) + 2))
    off = np.where(np.eye(len(names), dtype=bool), np.nan, corr)    # the diagonal says nothing
    im = ax.imshow(off, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(names)), names, fontsize=9)
    for i in range(len(names)):
        for j in range(len(names)):
            if i != j:        # white on the dark ends of the scale, black elsewhere
                ax.text(j, i, f"{corr[i, j]:+.2f}", ha="center", va="center", fontsize=8,
                        color="white" if abs(corr[i, j]) > 0.6 else "black")
    fig.colorbar(im, ax=ax, shrink=0.8)
    save(fig, path, "Posterior correlations of the most constrained constants")


def threshold(design) -> tuple[str, str]:
    """What a generation's epsilon is, and what its end means: a distance threshold, or the
    likelihood kernel's temperature (inference = "kernel")."""
    if design.inference == "kernel":
        return "temperature", "1: the posterior under the targets' stated errors"
    if design.inference == "emulator":
        return "temperature", "1: every wave's posterior is under the targets' stated errors"
    return "distance threshold (epsilon)", "0: every target inside its interval"


def plot_generations(generations: pd.DataFrame, path: Path, design) -> None:
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.plot(generations.generation, generations.epsilon, "o-")
    a.set_xlabel("generation")
    a.set_ylabel(threshold(design)[0])
    b.plot(generations.generation, generations.acceptance, "o-", color="tab:green")
    b.set_xlabel("generation")
    b.set_ylabel("acceptance rate")
    b.set_ylim(0, 1.05)
    for ax in (a, b):
        ax.grid(alpha=0.3)
        ax.set_xticks(generations.generation)
    save(fig, path, "Epsilon and acceptance by generation")


def plot_checks(design, posterior, predictive, path: Path) -> None:
    targets = design.targets
    fig, axes, _ = panels(len(targets), 4, 3.6, 2.3)
    ok = predictive[predictive["failed"].isna()] if len(predictive) else predictive
    for ax, t in zip(axes, targets):
        values, labels = [], []
        if t.figure in posterior:       # a held-out figure the candidates skip has fresh only
            values.append(posterior[t.figure].to_numpy(float))
            labels.append("posterior")
        if len(ok) and t.figure in ok:
            values.append(ok[t.figure].to_numpy(float))
            labels.append("fresh seeds")
        for y, v in enumerate(values):
            ax.scatter(v, np.full(len(v), y) + np.linspace(-0.15, 0.15, len(v)), s=6,
                       alpha=0.5, color="tab:blue")
            ax.plot(np.percentile(v, [5, 95]), [y, y], color="black", lw=2)
            ax.plot([np.median(v)], [y], "o", color="black")
        ax.set_yticks(range(len(values)), labels)
        ax.set_ylim(-0.6, len(values) - 0.4)
        ax.axvspan(t.low, t.high, color="tab:green", alpha=0.15, lw=0)
        ax.set_title(f"{t.figure}{' (held out)' if t.held_out else ''}", fontsize=9,
                     color="tab:purple" if t.held_out else "black")
        ax.tick_params(labelsize=7)
    save(fig, path, "Posterior predictive checks: each figure against its interval (green)")


def write(out: Path, design, posterior, generations, predictive, manifest,
          emulator_checks: pd.DataFrame | None = None) -> None:
    """Tables, figures and report.html into `out` (`emulator_checks`: an emulator's, by
    wave)."""
    constants = constants_table(design, posterior)
    checks = checks_table(design, posterior, predictive)
    atomic_write(out / "constants.csv", lambda tmp: constants.to_csv(tmp, index=False))
    atomic_write(out / "checks.csv", lambda tmp: checks.to_csv(tmp, index=False))
    images = {"marginals": out / "calibration-marginals.png",
              "correlations": out / "calibration-correlations.png",
              "generations": out / "calibration-generations.png",
              "checks": out / "calibration-checks.png"}
    plot_marginals(design, posterior, images["marginals"])
    plot_correlations(constants, posterior, images["correlations"])
    plot_generations(generations, images["generations"], design)
    plot_checks(design, posterior, predictive, images["checks"])
    page = report(design, constants, checks, generations, images, manifest, emulator_checks,
                  predictive_failures(predictive))
    atomic_write(out / "report.html", lambda tmp: Path(tmp).write_text(page, "utf-8"))


def report(design, constants, checks, generations, images, manifest,
           emulator_checks: pd.DataFrame | None = None, lost: str = "") -> str:
    """The page; `lost` says which predictive draws failed (predictive_failures)."""
    e = html.escape
    d = manifest["design"]
    by = {v: list(constants.constant[constants.verdict == v])
          for v in ("pinned down", "narrowed", "left free")}
    last = generations.iloc[-1] if len(generations) else None
    emulated = design.inference == "emulator"
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>juwei "
           f"calibration: {e(design.name)}</title><style>{CSS}</style></head><body>",
           "<h1>What the patterns say about the model's constants</h1>",
           f"<p class='muted'>design {e(design.path)} · scenario {e(d['scenario'])} · county "
           f"{e(str(d.get('county', '')))} · population {design.population} · "
           f"{len(generations)} {'waves' if emulated else 'generations'} · "
           f"{design.replicates} replicate(s) per particle · "
           f"scale {d['scale']} · {d['years']} years · root seed {design.seed}</p>",
           "<h2>In short</h2><p>"]
    out.append(f"{'The emulated likelihood' if emulated else 'ABC-SMC'} weighed "
               f"{len(design.priors)} constants against "
               f"{len(design.fitted)} targets. The patterns <b>pin down</b> "
               f"{_names(by['pinned down'])} (the posterior's 90% interval is at most "
               f"{PINNED:.0%} of the prior's); they <b>narrow</b> {_names(by['narrowed'])}; and "
               f"they <b>leave free</b> {_names(by['left free'])}: the patterns cannot tell "
               "those values apart, so a conclusion that depends on them needs a measurement "
               "from the field, or the ensemble's intervals (juwei compare --ensemble).")
    if last is not None and emulated:
        out.append(f" {int(generations.candidates.sum())} county runs in {len(generations)} "
                   "waves taught a Gaussian process per target; the posterior is an importance "
                   "sample under the likelihood they emulate.")
        out.append(_emulator_line(emulator_checks))
    elif last is not None:
        out.append(f" The last generation accepted {int(last.accepted)} of "
                   f"{int(last.candidates)} candidates at {threshold(design)[0]} "
                   f"{last.epsilon:.3g} ({threshold(design)[1]}).")
    if last is not None:
        particles = int(last.get("draws", last.accepted))     # an emulator's importance draws
        if last.ess < LOW_ESS * particles:
            out.append(f"</p><p class='flag'>The posterior rests on few particles: its "
                       f"effective sample size is {last.ess:.1f} of {particles}. Read "
                       "the intervals as rough; a larger population (a cluster run) or fewer "
                       "constants would make them firmer.")
    piled = constants[constants.piled_at != ""]
    if len(piled):
        out.append("</p><p class='flag'>The posterior piles up against a prior bound: "
                   + "; ".join(f"<b>{e(r.constant)}</b> at its {r.piled_at} end ({e(r.prior)})"
                               for r in piled.itertuples())
                   + ". There the bound, not the patterns, decides the value: widen the prior "
                   "if the schema's range allows, or say why the bound is real.")
    saturated = checks[checks.saturated]
    if len(saturated):
        out.append("</p><p class='flag'>At the posterior median these shares sit at "
                   "saturation, where the model's response flattens and remedies' effects "
                   "shrink: " + ", ".join(f"<b>{e(r.figure)}</b> {r['median']:.3f}"
                                          for _, r in saturated.iterrows()) + ".")
    held = checks[checks.role == "held out"]
    if len(held):
        text = "; ".join(_held_line(r) for _, r in held.iterrows())
        out.append(f"</p><p>Held-out checks, never part of the fit: {text}.")
    out.append("</p>")
    out.append("<h2>Constants</h2><table><tr><th>constant</th><th>unit</th><th>prior</th>"
               "<th>posterior median</th><th>posterior 90%</th><th>prior 90%</th><th>width "
               "ratio</th><th>verdict</th></tr>")
    for _, r in constants.iterrows():
        out.append(f"<tr><td>{e(r.constant)}</td><td>{e(r.unit)}</td><td>{e(r.prior)}</td>"
                   f"<td class='num'>"
                   f"{fmt(r.posterior_median, 4)}</td><td class='num'>[{fmt(r.posterior_low, 4)}, "
                   f"{fmt(r.posterior_high, 4)}]</td><td class='num'>[{fmt(r.prior_low, 4)}, "
                   f"{fmt(r.prior_high, 4)}]</td><td class='num'>{r.width_ratio:.2f}</td>"
                   f"<td>{e(r.verdict)}</td></tr>")
    out.append("</table>")
    out.append(f"<figure>{img(images['marginals'])}<figcaption>Weighted posterior histograms "
               "against the prior densities.</figcaption></figure>")
    out.append(f"<figure>{img(images['correlations'])}<figcaption>Constants that trade off "
               "against each other show strong correlations: the patterns fix a combination, "
               "not each value.</figcaption></figure>")
    out.append("<h2>Posterior predictive checks</h2><p>Each figure in the last generation "
               "(weighted) and in posterior draws rerun on fresh seeds, against its interval. "
               "Held-out figures were not part of the distance. A figure holds when the "
               "median of the fresh-seed draws lies in its interval (the last generation's "
               "median when there are none: on the calibration's own seeds a figure can hold "
               "by their luck). A measurement's target is its value and sd; its interval, "
               "value &#8723; 2 sd, judges it.</p><table><tr><th>figure</th>"
               "<th>role</th><th>target</th><th>weight</th><th>posterior median [5%, 95%]"
               "</th><th>holds</th><th>fresh draws: median, share inside</th><th>source</th></tr>")
    for _, r in checks.iterrows():
        inside = percent(r.predictive_inside)
        if not pd.isna(r.fresh_median):
            inside = f"{fmt(r.fresh_median)}, {inside}"
        out.append(f"<tr><td>{e(r.figure)}</td><td>{e(r.role)}</td><td class='num'>"
                   f"{e(target_text(r))}</td><td class='num'>{r.weight:g}</td>"
                   f"<td class='num'>{fmt(r['median'])} [{fmt(r.q05)}, {fmt(r.q95)}]</td>"
                   f"<td{' class=flag' if verdict(r) == 'FAILS' else ''}>{verdict(r)}"
                   f"{varies_with(r)}</td><td class='num'>{inside}</td><td>{e(r.source)}</td></tr>")
    out.append("</table>")
    out.append(f"<figure>{img(images['checks'])}</figure>")
    heads = (("wave", "runs", "runs not failed", "share not failed") if emulated else
             ("generation", "candidates", "accepted", "acceptance"))
    out.append(f"<h2>{'Waves' if emulated else 'Generations'}</h2><table><tr><th>{heads[0]}"
               f"</th><th>{threshold(design)[0]}</th><th>{heads[1]}</th><th>{heads[2]}</th>"
               f"<th>{heads[3]}</th><th>effective sample size</th></tr>")
    for _, r in generations.iterrows():
        out.append(f"<tr><td class='num'>{int(r.generation)}</td><td class='num'>"
                   f"{r.epsilon:.4g}</td><td class='num'>{int(r.candidates)}</td>"
                   f"<td class='num'>{int(r.accepted)}</td><td class='num'>"
                   f"{r.acceptance:.2f}</td><td class='num'>{r.ess:.1f}</td></tr>")
    out.append("</table>")
    out.append(f"<figure>{img(images['generations'])}</figure>")
    if emulated and emulator_checks is not None and len(emulator_checks):
        out.append("<h2>The emulator against new runs</h2><p>Each wave's runs, before the "
                   "emulator learns from them: the share inside their 90% predictive interval "
                   "(about 90% when the emulator is honest) and the error in the target's "
                   "scale.</p><table><tr><th>wave</th><th>figure</th><th>runs</th><th>inside "
                   "90%</th><th>error (scales)</th></tr>")
        for _, r in emulator_checks.iterrows():
            flag = "" if r.inside >= EMULATOR_INSIDE else " class=flag"
            out.append(f"<tr><td class='num'>{int(r.wave)}</td><td>{e(r.figure)}</td><td "
                       f"class='num'>{int(r.runs)}</td><td class='num'{flag}>{r.inside:.0%}"
                       f"</td><td class='num'>{r.rmse_in_scales:.2f}</td></tr>")
        out.append("</table>")
    if lost:
        out.append(f"<p class='flag'>{e(lost)}</p>")
    failed = manifest.get("failed_candidates", [])
    if failed:
        what = ("run(s) failed and taught the emulator nothing" if emulated else
                "candidate(s) failed and were rejected (never given a distance)")
        out.append(f"<p class='flag'>{len(failed)} {what}; the first: "
                   f"{e(failed[0]['error'])}. All are in manifest.json.</p>")
    method = ("a likelihood kernel: log density -1/2 x the weighted sum of each target's "
              "squared gap (from a measurement's value in sd, outside a bound in its scale), "
              "accepted stochastically at a temperature that falls to 1 (pyabc's Temperature "
              "and StochasticAcceptor)" if design.inference == "kernel" else
              "distance = weighted sum of each target's gap outside its interval over its "
              "scale; epsilon by the 0.5 quantile of the last generation's distances")
    if emulated:
        out.append("<p class='muted'>Method: waves of runs refocused on the posterior (a fifth "
                   "from the priors), a Gaussian process per target (scikit-learn; Matern 5/2, "
                   "white noise for the seeds), the likelihood kernel's target in closed form "
                   "with each figure's noise averaged alone, importance sampling in four "
                   "adaptive passes; each run on derived_seed(seed, 5, wave + 1, run + 1) and "
                   "the processes fitted in the main process, so the posterior does not depend "
                   "on the executor (studies/emulate.py, ODD §9).</p>")
    else:
        out.append(f"<p class='muted'>Method: ABC-SMC (pyabc), {method}; proposals drawn by "
                   "candidate from SeedSequence(seed, spawn_key=(generation + 1, candidate)) "
                   "and the first accepted by candidate number kept, so the posterior does not "
                   "depend on the executor (ODD §9).</p>")
    out.append(footer(manifest))
    return "".join(out)


def _held_line(r) -> str:
    inside = percent(r.predictive_inside, "")
    inside = (f", fresh-seed draws' median {r.fresh_median:.3g} with {inside} inside"
              if inside else "")
    word = verdict(r)
    word = f"<span class='flag'>{word}</span>" if word == "FAILS" else word
    median = ("not computed by the fit (fresh draws only)" if pd.isna(r["median"])
              else f"posterior median {r['median']:.3g}")
    return (f"{html.escape(r.figure)} {word}: {median} against "
            f"{target_text(r)}{inside}{varies_with(r)}")


def target_text(r, short: bool = False) -> str:
    """A target as a reader should see it: a measurement as its value and sd (the interval
    that judges the checks, value -+ 2 sd, beside it unless `short`), a bound as its
    interval."""
    if pd.isna(r.value):
        return f"[{r.low:.3g}, {r.high:.3g}]"
    return f"{r.value:.3g} ± {r.sd:.2g} sd" + ("" if short else
                                               f" [{r.low:.3g}, {r.high:.3g}]")


def varies_with(r) -> str:
    """After a failing check: the constants its figure varies with ("" otherwise)."""
    return (f"; over the fresh draws it varies with {html.escape(r.moves_with)}, which the "
            "fitted targets leave free" if verdict(r) == "FAILS" and r.moves_with else "")


def predictive_failures(predictive: pd.DataFrame) -> str:
    """A sentence on the predictive draws that failed ("" when none did): the checks then rest
    on fewer fresh draws, or on none."""
    if not len(predictive) or predictive["failed"].isna().all():
        return ""
    bad = predictive[predictive["failed"].notna()]
    return (f"{len(bad)} of {len(predictive)} predictive draws failed, so the checks rest on "
            f"the others; the first error: {bad['failed'].iloc[0]} (predictive.parquet)")


def verdict(r) -> str:
    """A check's word: holds, FAILS, or not computed (no posterior values and no fresh draws)."""
    return "not computed" if r.holds is None or pd.isna(r.holds) else (
        "holds" if r.holds else "FAILS")


def _emulator_line(checks: pd.DataFrame | None) -> str:
    """The last wave's check of the emulator, in a sentence (flagged when a figure's new runs
    fall inside their 90% interval less than EMULATOR_INSIDE of the time)."""
    if checks is None or not len(checks):
        return ""
    last = checks[checks.wave == checks.wave.max()]
    poor = last[last.inside < EMULATOR_INSIDE]
    text = (f" Wave {int(last.wave.iloc[0])}'s runs fell inside the emulator's 90% intervals: "
            + ", ".join(f"{html.escape(r.figure)} {r.inside:.0%}" for r in last.itertuples())
            + " of the time.")
    if len(poor):
        text += ("</p><p class='flag'>The emulator is overconfident for "
                 + _names(poor.figure) + ": the posterior there is narrower than the runs "
                 "support; more waves, or more runs a wave, would help.")
    return text


def _names(names) -> str:
    return ", ".join(f"<b>{html.escape(n)}</b>" for n in names) or "none"
