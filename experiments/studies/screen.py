"""The prior-predictive screen of a calibration design: before a fit, which targets the
calibrated constants can move, and which constants no target moves (`juwei calibrate DESIGN
--screen`).

A target whose figure barely changes over the prior, or whose change is mostly the model's own
noise, cannot tell particles apart: it only adds noise to the distance. A constant that no
target moves is not identified by the design: its posterior is its prior, and a fit that
"calibrates" it says nothing.

The screen draws `draws` particles from the priors (a Latin hypercube over their quantiles, so
a few dozen cover each constant's range), runs each on the calibration's own replicate seeds
(common random numbers, as every particle of the fit), and splits each figure's variance into
the part between particles (the constants) and the part within a particle (the seeds). It uses
rank correlations, so an effect that shows only in interaction with another constant, or is not
monotone, is missed: a constant flagged here is a candidate to fix, to be checked (ODD §9).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import AnalysisRefused, Options, Run, replicate_seeds, run_batch
from ..engine.errors import UserError, given, same_again
from ..engine.seeds import derived_seed
from ..engine.show import Brief
from ..engine.store import atomic_write, write_parquet
from ..inputs.calibration import PAIRED
from ..present.stats import RANK_LEVEL, RANK_MIN_DRAWS, rank_correlation
from . import validate
from .common import county_function, county_record

SCREEN_STREAM = 2          # the stream of the screen's prior draws (1: the predictive checks)
MIN_CONSTANTS_SHARE = 0.5  # a target is noisy when the seeds make more of its variance than this
MIN_RANGE_IN_SCALES = 1.0  # ... flat when its prior-predictive 5-95% range is below this many
                           # of its scales (the size of a gap worth 1 in the distance)


@dataclass(repr=False)
class Screen(Brief):
    """What the screen found: `targets` (one row per fitted or held-out figure: its spread over
    the prior, the seeds' share, whether it is flat or noisy), `constants` (one row per
    calibrated constant: the target it moves most, and whether any fitted target moves it),
    `figures` (every draw x replicate: the constants and the figures) and the folder `out`."""
    targets: pd.DataFrame
    constants: pd.DataFrame
    figures: pd.DataFrame
    out: Path

    @property
    def dropped(self) -> list[str]:
        """Fitted targets the constants cannot move: flat or noisy."""
        t = self.targets
        return list(t[~t.held_out & ~t.movable].figure)

    @property
    def unmoved(self) -> list[str]:
        """Constants that no fitted target moves."""
        return list(self.constants[~self.constants.moved].constant)


def prior_draws(design, n: int, seed: int | None = None) -> pd.DataFrame:
    """n particles from the design's priors: a Latin hypercube over each prior's quantiles
    (seeded from `seed`, by default the screen's stream of the design's seed), as the model
    reads the constants."""
    seed = derived_seed(design.seed, SCREEN_STREAM) if seed is None else seed
    u = stats.qmc.LatinHypercube(d=len(design.priors), seed=np.random.default_rng(seed)).random(n)
    return design.values_at(u)


def runs_of(design, draws: pd.DataFrame, replicates: int) -> list[Run]:
    """Each draw's validation batch (the scenario, and the campaign pair when burden_paradox is
    a target), on the calibration's replicate seeds."""
    from .calibrate import figures_of
    pair = PAIRED in figures_of(design)
    seeds = replicate_seeds(design.seed, replicates)
    out = []
    for d, values in draws.iterrows():
        params = dataclasses.replace(design.base.params, **values.to_dict())
        out += [Run({"draw": int(d), "arm": arm, "replicate": r}, p, s)
                for arm, p in validate._arms(params, pair) for r, s in enumerate(seeds)]
    return out


def target_table(design, figures: pd.DataFrame) -> pd.DataFrame:
    """Per target: the prior-predictive 5-95% range of its particle means, the seeds' share of
    its variance (one-way random effects: within-particle variance over total), the share of
    particles inside its interval, and whether it is flat or noisy."""
    rows = []
    for t in design.targets:
        by = figures.groupby("draw")[t.figure]
        means, within = by.mean(), by.var(ddof=1).mean()
        k = by.size().mean()
        between = max(float(means.var(ddof=1)) - within / k, 0.0)
        total = between + within
        seeds_share = within / total if total > 0 else float("nan")
        lo, hi = np.quantile(means, [0.05, 0.95])
        flat = bool(hi - lo < MIN_RANGE_IN_SCALES * t.scale)
        noisy = bool(not total > 0 or seeds_share > MIN_CONSTANTS_SHARE)
        rows.append({"figure": t.figure, "held_out": t.held_out, "low": t.low, "high": t.high,
                     "scale": t.scale, "prior_5": lo, "prior_95": hi,
                     "range_in_scales": (hi - lo) / t.scale, "seed_sd": float(np.sqrt(within)),
                     "seeds_share": seeds_share,
                     "inside_share": float(((means >= t.low) & (means <= t.high)).mean()),
                     "flat": flat, "noisy": noisy, "movable": not (flat or noisy),
                     "source": t.source})
    return pd.DataFrame(rows)


def constant_table(design, figures: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Per constant: its Spearman correlation with each movable fitted target's particle
    means; the strongest, and whether any is significant (Bonferroni over those targets)."""
    means = figures.groupby("draw").mean(numeric_only=True)
    fitted = list(targets[~targets.held_out & targets.movable].figure)
    rows = []
    for p in design.priors:
        rho = {f: r for f in fitted
               if (r := rank_correlation(means[p.name], means[f])) is not None}
        best = max(rho, key=lambda f: abs(rho[f].statistic), default=None)
        moved = [f for f, r in rho.items() if r.pvalue < RANK_LEVEL / max(len(fitted), 1)]
        rows.append({"constant": p.name, "prior": p.describe(),
                     "strongest_target": best or "",
                     "rho": float(rho[best].statistic) if best else float("nan"),
                     "moved_by": ", ".join(moved), "moved": bool(moved)})
    return pd.DataFrame(rows)


def run(design, opts: Options, draws: int = 64, replicates: int = 2) -> Screen:
    """Screen `design` into opts.out (resumable like any batch): screen_targets.csv,
    screen_constants.csv and screen_figures.parquet."""
    if replicates < 2:
        raise UserError(f"{given('--replicates', replicates)}: the screen needs at least 2 a "
                        "draw, to tell the seeds' noise from the constants' effect")
    if draws < RANK_MIN_DRAWS:
        raise UserError(f"{given('--draws', draws)}: the screen needs at least {RANK_MIN_DRAWS} "
                        "draws for its rank correlations")
    particles = prior_draws(design, draws)
    runs = runs_of(design, particles, replicates)
    fn = validate.Census(county_function(design.base.county, design.base.params))
    record = {**design.as_dict(), **county_record(design.base), "draws": draws,
              "screen_replicates": replicates}
    store, tables = run_batch(runs, opts, "calibrate-screen", record, fn=fn, desc="screen",
                              finish=False)
    if len(tables["failed"]):
        store.finish("failed")
        raise AnalysisRefused(f"{len(tables['failed'])} screen runs failed; first: "
                              f"{tables['failed'].error.iloc[0]} (all in "
                              f"{opts.out / 'manifest.json'}; {same_again(opts.out)} redoes them)")
    rows = []
    for d, values in particles.iterrows():
        of = {name: t[t.draw == d] for name, t in tables.items() if "draw" in t}
        f = validate.figures(of)
        rows.append(f.assign(draw=d, replicate=f.index, **values.to_dict()))
    figures = pd.concat(rows, ignore_index=True)
    targets = target_table(design, figures)
    constants = constant_table(design, figures, targets)
    write_parquet(opts.out / "screen_figures.parquet", figures)
    atomic_write(opts.out / "screen_targets.csv", lambda tmp: targets.to_csv(tmp, index=False))
    atomic_write(opts.out / "screen_constants.csv",
                 lambda tmp: constants.to_csv(tmp, index=False))
    s = Screen(targets, constants, figures, opts.out)
    store.finish(summary={"dropped": s.dropped, "unmoved": s.unmoved})
    return s
