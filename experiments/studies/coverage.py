"""Simulation-based calibration of a calibration design (`juwei calibrate DESIGN --check`): does
the inference recover constants whose true values are known, and are its intervals honest?

It draws `truths` values of the constants from the priors, simulates each truth's figures on
fresh seeds (never the calibration's), adds each target's measurement error (a normal of its
sd, or of a bound's scale), calibrates to those figures as measurements with that error by the
likelihood kernel, and asks
where each truth falls in its posterior (Talts et al. 2018). Over many truths the truth's rank
in its posterior is uniform, and a nominal 90% interval holds the truth 90% of the time, when
the inference is calibrated; an interval filter, or a noise left out of the likelihood, shows
as too few truths covered. Each truth's calibration is an ordinary, resumable one, in
truths/<k>/ of the folder.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import Options
from ..engine.errors import UserError, given
from ..engine.seeds import derived_seed
from ..engine.show import Brief
from ..engine.store import Store, atomic_write, code_version, now
from ..inputs.calibration import measured
from ..inputs.ensemble import quantile
from . import calibrate, fit

CHECK_STREAM = 3           # the stream of the truths and their seeds (1 predictive, 2 screen)
FIT_STREAM = 4             # the stream of each truth's fit (its candidates' seeds)
MIN_TRUTHS = 2
LEVELS = (0.5, 0.9)        # the central posterior intervals whose coverage is reported


@dataclass(repr=False)
class Coverage(Brief):
    """What the check found: `ranks` (one row per truth x constant: the truth, its rank in
    the posterior as a share of the posterior's weight below it, and whether each central
    interval of LEVELS holds it), `coverage` (per constant and over all: the share of truths
    inside each interval) and the folder `out`."""
    ranks: pd.DataFrame
    coverage: pd.DataFrame
    out: Path


def truths_of(design, n: int) -> pd.DataFrame:
    """n independent draws from the priors (seeded from the design's seed)."""
    rng = np.random.default_rng(derived_seed(design.seed, CHECK_STREAM))
    return pd.DataFrame({p.name: [p.value(x) for x in p.scipy().rvs(n, random_state=rng)]
                         for p in design.priors})


def with_errors(design, figures: dict, seed: int) -> dict:
    """The simulated figures as a source would report them: each fitted target's with its
    error (a normal of its scale over the square root of its weight, the kernel's) added, so
    the truth's data come from the same generative model the kernel assumes (model, then
    measurement)."""
    rng = np.random.default_rng(derived_seed(seed, 1))
    return {**figures, **{t.figure: figures[t.figure]
                          + t.scale / math.sqrt(t.weight) * rng.standard_normal()
                          for t in design.fitted if t.weight > 0}}


def observed_design(design, figures: dict, k: int):
    """The design calibrated to truth k's figures: each target a measurement at the simulated
    figure with the target's error, by the kernel (or the design's emulator); no predictive
    checks (the truth is known).
    Each truth's fit has its own seed, so the fits are independent draws of the inference, not
    the same candidates' random numbers over and over."""
    targets = [measured(t.figure, figures[t.figure], t.scale, t.weight, f"truth {k}")
               for t in design.fitted]
    return dataclasses.replace(design, path=f"{design.path}#truth-{k}", targets=targets,
                               inference="emulator" if design.inference == "emulator"
                               else "kernel", predictive=0,
                               seed=derived_seed(design.seed, FIT_STREAM, k + 1))


def rank_rows(design, truth: pd.Series, posterior: pd.DataFrame, k: int) -> list[dict]:
    """Where truth k falls in its posterior, constant by constant."""
    w = posterior.weight.to_numpy(float)
    rows = []
    for p in design.priors:
        v = posterior[p.name].to_numpy(float)
        row = {"truth_index": k, "constant": p.name, "truth": float(truth[p.name]),
               "rank": float(w[v < truth[p.name]].sum() / w.sum())}
        for level in LEVELS:
            lo, hi = (quantile(v, w, q) for q in ((1 - level) / 2, (1 + level) / 2))
            row[f"in_{level:.0%}"] = bool(lo <= truth[p.name] <= hi)
        rows.append(row)
    return rows


def coverage_table(ranks: pd.DataFrame) -> pd.DataFrame:
    """Per constant and over all: the share of truths inside each central interval."""
    cols = [f"in_{level:.0%}" for level in LEVELS]
    per = ranks.groupby("constant")[cols].mean()
    per.loc["all"] = ranks[cols].mean()
    per["truths"] = ranks.groupby("constant").size().reindex(per.index).fillna(
        ranks.truth_index.nunique()).astype(int)
    return per.reset_index()


def run(design, opts: Options, truths: int = 20, model=None) -> Coverage:
    """Check `design` on `truths` known truths into opts.out: truths/<k>/ (each a calibration,
    resumable), ranks.csv and coverage.csv. `model(values) -> {figure: number}` replaces the
    county model, as in calibrate.run (then the truths' figures come from it on its own
    randomness)."""
    if truths < MIN_TRUTHS:
        raise UserError(f"{given('--truths', truths)}: the check needs at least {MIN_TRUTHS}")
    store = Store(opts.out)
    store.create({"kind": "calibrate-check", "design": design.as_dict(),
                  "design_hash": f"{design.digest()}-{truths}", "run_function":
                  "juwei.studies.coverage", "started": now(), "status": "running",
                  "code": code_version(), "truths": truths}, opts.resume,
                 opts.allow_code_change, opts.overwrite)
    values = truths_of(design, truths)
    rows = []
    try:
        for k, truth in values.iterrows():
            seed = derived_seed(design.seed, CHECK_STREAM, k + 1)     # never a fit's seed
            with calibrate.seeded_globals(seed):
                figures = (model or calibrate.county_model(design, seed, candidates=True))(
                    truth.to_dict())
            figures = with_errors(design, figures, seed)
            folder = opts.out / "truths" / str(k)
            sub = dataclasses.replace(opts, out=folder, resume=folder.exists(), overwrite=False)
            print(f"truth {k + 1} of {truths}: "
                  + ", ".join(f"{n} = {v:.4g}" for n, v in truth.items()), file=sys.stderr)
            c = fit.run(observed_design(design, figures, k), sub, model=model,
                              report=False)
            rows += rank_rows(design, truth, c.posterior, k)
    except BaseException as e:
        store.mark_interrupted(f"{type(e).__name__}: {e}"[:300] + "; the truths finished are "
                               "kept, and a --resume goes on from the next")
        store.lock.release()
        raise
    ranks = pd.DataFrame(rows)
    coverage = coverage_table(ranks)
    atomic_write(opts.out / "ranks.csv", lambda tmp: ranks.to_csv(tmp, index=False))
    atomic_write(opts.out / "coverage.csv", lambda tmp: coverage.to_csv(tmp, index=False))
    store.finish("complete", summary=coverage.set_index("constant").to_dict("index"))
    return Coverage(ranks, coverage, opts.out)
