"""The design matrix of a sensitivity analysis and its runs, with their random numbers.

The dummy factor's value picks the random-number stream of a run (a change of any real lever
re-draws part of the model's randomness too), so the dummy's index is what noise alone
produces. Points of one block with the same dummy value share random numbers (most of a Morris
trajectory; a Saltelli row's A and AB_j), so lever effects are measured on common random
numbers.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from ...engine.runner import LazyRuns, Run
from ...engine.seeds import derived_seed, replicate_seeds
from ...inputs.design import DUMMY, SensitivityDesign
from ...model import Parameters
from ...model.params import from_sample
from ..common import on_draw
from ..sweep import recipe, varied


def sample(d: SensitivityDesign) -> np.ndarray:
    """The design matrix, one row per point, columns as d.factors.names (the dummy last)."""
    problem = d.factors.problem()
    if d.method == "morris":
        return morris_sample.sample(problem, d.samples, num_levels=d.levels, seed=d.seed)
    if d.method == "sobol":
        return sobol_sample.sample(problem, d.samples, calc_second_order=False, seed=d.seed)
    unit = qmc.Sobol(d=len(d.factors.names), scramble=True, seed=d.seed).random(d.samples)
    return qmc.scale(unit, *np.array(d.factors.bounds).T)


def county_params(d: SensitivityDesign):
    """Row of the design matrix -> county Parameters (the dummy is never passed on)."""
    def make(row: dict) -> Parameters:
        values = {k: from_sample(k, v) for k, v in row.items() if k != DUMMY}
        return dataclasses.replace(d.base.params, **values)
    return make


def block_size(d: SensitivityDesign) -> int:
    """Rows of the design matrix that belong together: a Morris trajectory, a Saltelli block."""
    return {"morris": len(d.factors.labels) + 1, "sobol": len(d.factors.labels) + 2,
            "pawn": 1}[d.method]


def stream(replicate_seed: int, block: int, dummy: float) -> int:
    """The run's seed: the replicate's, re-drawn for each block and by the dummy's value."""
    return derived_seed(replicate_seed, block, int(dummy * 2**31))


def build_runs(d: SensitivityDesign, X: np.ndarray, make_params, ensemble=None,
               county: bool = False) -> LazyRuns:
    """Each point's replicates; with a posterior `ensemble`, each on every draw (the factors
    keep their sampled values and the base scenario its own settings, as in sweeps), so
    `replicate` numbers the (draw, replicate) pairs. Made as they are needed (LazyRuns: the
    design matrix is kept, not a parameter set a run); `make_params` must give the same
    parameters for the same row every time. `county`: make_params is county_params(d), so
    the design is hashed from its recipe (the matrix, seeds, base parameters), not run by
    run; a function of one's own is hashed through the runs it makes."""
    seeds = replicate_seeds(d.seed, d.replicates)
    size = block_size(d)
    own = set(d.factors.names) | set(d.base.changes if d.base else ())
    draws = len(ensemble.draws) if ensemble is not None else 1

    def make(i: int) -> Run:
        j, k = divmod(i, draws)
        p, r = divmod(j, d.replicates)
        row = dict(zip(d.factors.names, X[p].tolist()))
        run = Run({"point": p, "replicate": r}, make_params(row),
                  stream(seeds[r], p // size, row[DUMMY]))
        return run if ensemble is None else on_draw(run, ensemble, k, d.replicates, own)
    if not county or d.base is None:
        return LazyRuns(len(X) * d.replicates * draws, make)
    points = pd.DataFrame(X, columns=list(d.factors.names))
    identity = recipe(d.base.params, points, d.replicates, seeds, ensemble, own, "sensitivity")
    identity["blocks"] = size
    return LazyRuns(len(X) * d.replicates * draws, make, identity,
                    varied(d.base.params, points, ensemble, own))
