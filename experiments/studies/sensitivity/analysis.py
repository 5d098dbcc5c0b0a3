"""Sensitivity indices of a stochastic model, from its runs (SALib underneath).

What SALib leaves to the user, done here:
- indices on the replicate mean of each design point, and the share of output variance that
  is replicate noise;
- the dummy factor (inputs/design.py): an index not clearly above the dummy's (lower bound <=
  the dummy's upper bound) is reported as not distinguishable from noise;
- rankings with their uncertainty: bootstrap probability of each factor holding each rank;
- a convergence check: indices and ranking from the first half of the sample (N) against the
  whole (2N), with a verdict and the next sample size to try;
- failed runs never reach SALib (one NaN silently zeroes Sobol indices): the analysis refuses.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import pawn as pawn_analyze
from SALib.analyze import sobol as sobol_analyze
from scipy import stats

from ...engine.errors import AnalysisRefused
from ...inputs.design import DUMMY, Factors, SensitivityDesign
from .sampling import block_size

CONVERGED_RHO = 0.9          # Spearman correlation of rankings at N and 2N that counts as stable


@dataclass
class Convergence:
    """Indices from the first half of the sample (N) against the whole (2N)."""
    n_half: int
    n_full: int
    spearman: float
    top_same: bool
    converged: bool
    next_samples: int | None
    half: dict               # label -> main index at N


@dataclass
class OutputIndices:
    """One output's analysis: `table` (index = labels; the indices with 95% bounds,
    above_dummy, rank, p_rank), `rank_probs` (levers x ranks), noise and convergence."""
    table: pd.DataFrame
    rank_probs: pd.DataFrame
    noise_share: float | None
    noise_share_of_means: float | None
    convergence: Convergence


@dataclass
class Indices:
    """Every output's analysis, in the design's order."""
    method: str
    outputs: dict[str, OutputIndices]

    def to_frame(self) -> pd.DataFrame:
        """One row per output and factor: the indices, rank and whether it clears the dummy."""
        return self.tables()["indices"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tidy tables: indices, rank probabilities, convergence and noise."""
        idx, probs, conv = [], [], []
        for output, r in self.outputs.items():
            t = r.table.rename_axis("factor").reset_index()
            t.insert(0, "output", output)
            idx.append(t)
            p = r.rank_probs.rename_axis("factor").reset_index().melt(
                id_vars="factor", var_name="rank", value_name="probability")
            p.insert(0, "output", output)
            probs.append(p)
            c = {k: v for k, v in dataclasses.asdict(r.convergence).items() if k != "half"}
            conv.append({"output": output, "method": self.method, **c,
                         "noise_share": r.noise_share,
                         "noise_share_of_means": r.noise_share_of_means})
        return {"indices": pd.concat(idx, ignore_index=True),
                "rank_probabilities": pd.concat(probs, ignore_index=True),
                "convergence": pd.DataFrame(conv)}


def outcome_matrix(runs: pd.DataFrame, output: str, points: int, replicates: int) -> np.ndarray:
    """Points x replicates; refuses failed or missing runs instead of passing NaN to SALib."""
    failed = runs[runs.status != "ok"]
    if len(failed) or len(runs) != points * replicates:
        named = ", ".join(f"run {r.run} (point {r.point}, replicate {r.replicate}: {r.error})"
                          for r in failed.head(3).itertuples())
        raise AnalysisRefused(
            f"{len(failed)} failed and {points * replicates - len(runs)} missing runs; a single "
            f"NaN would silently corrupt the indices, so the analysis stops. {named}. Rerun the "
            "same command with --resume --out DIR to redo them")
    ok = runs.sort_values(["point", "replicate"])
    return ok[output].to_numpy(float).reshape(points, replicates)


def analyse(d: SensitivityDesign, X: np.ndarray, runs: pd.DataFrame) -> Indices:
    """Indices, rank probabilities, convergence and noise for every output."""
    results = {}
    for output in d.outputs:
        Y = outcome_matrix(runs, output, len(X), d.runs_per_point)
        targets = [(output, Y.mean(axis=1), Y)]
        if d.spread and d.runs_per_point > 1:
            targets.append((f"{output}_sd", Y.std(axis=1, ddof=1), None))
        for name, y, reps in targets:
            results[name] = analyse_output(d, X, y, reps)
    return Indices(d.method, results)


def noise_shares(Y: np.ndarray | None) -> dict:
    """Replicate noise: its share of run-to-run variance, and of the variance of point means."""
    if Y is None or Y.shape[1] < 2:
        return {"noise_share": None, "noise_share_of_means": None}
    within = Y.var(axis=1, ddof=1).mean()
    total = Y.var(ddof=1)
    means = Y.mean(axis=1).var(ddof=1)
    return {"noise_share": float(within / total) if total > 0 else 0.0,
            "noise_share_of_means": float(within / Y.shape[1] / means) if means > 0 else 0.0}


def analyse_output(d: SensitivityDesign, X: np.ndarray, y: np.ndarray,
                   Y: np.ndarray | None) -> OutputIndices:
    labels = d.factors.labels
    indices, boot = _indices(d, X, y, n=None)
    with warnings.catch_warnings():     # a half of 2 Morris trajectories has no sigma: unused
        warnings.simplefilter("ignore", RuntimeWarning)
        half, _ = _indices(d, X, y, n=_half(d, X))
    main = d.main_index
    table = pd.DataFrame(indices, index=labels)
    lo, hi = table[f"{main}_low"], table[f"{main}_high"]
    table["above_dummy"] = lo > hi[DUMMY]
    table.loc[DUMMY, "above_dummy"] = False
    levers_ = [l for l in labels if l != DUMMY]
    order = table.loc[levers_, main].rank(ascending=False, method="first").astype(int)
    table["rank"] = order
    # bootstrap ranks among the levers (the dummy is reported, not ranked)
    b = pd.DataFrame(boot, columns=labels)[levers_]
    ranks = b.rank(axis=1, ascending=False, method="first").astype(int).to_numpy()
    probs = np.stack([(ranks == k).mean(axis=0) for k in range(1, len(levers_) + 1)], axis=1)
    rank_probs = pd.DataFrame(probs, index=levers_, columns=range(1, len(levers_) + 1))
    table["p_rank"] = [rank_probs.loc[l, order[l]] if l in order else None for l in labels]
    at_half = pd.Series(half[main], index=labels)[levers_]
    rho = (float(stats.spearmanr(at_half, table.loc[levers_, main]).statistic)
           if len(levers_) > 1 else 1.0)
    top_same = at_half.idxmax() == table.loc[levers_, main].idxmax()
    converged = bool(rho >= CONVERGED_RHO and top_same)
    n_full = d.samples
    return OutputIndices(
        table, rank_probs, **noise_shares(Y), convergence=Convergence(
            n_full // 2, n_full, rho, bool(top_same), converged,
            None if converged else n_full * (2 if rho >= 0.7 else 4),
            dict(zip(labels, map(float, half[main])))))


def _half(d: SensitivityDesign, X: np.ndarray) -> int:
    """Rows making up the first half of the sample (whole trajectories or blocks)."""
    return block_size(d) * (d.samples // 2)


def _indices(d: SensitivityDesign, X: np.ndarray, y: np.ndarray,
             n: int | None) -> tuple[dict, np.ndarray]:
    """Indices with 95% intervals for the first n rows (all if None), and bootstrap draws of the
    main index (resamples x labels)."""
    X, y = (X, y) if n is None else (X[:n], y[:n])
    problem = d.factors.problem()
    rng = np.random.default_rng(d.seed)
    B = d.bootstrap if n is None else 50
    k = len(d.factors.labels)
    if d.method == "morris":
        si = morris_analyze.analyze(problem, X, y, num_levels=d.levels, num_resamples=1000,
                                    conf_level=0.95, seed=d.seed)
        ee = _elementary_effects(X, y, k, d.levels, d.factors)     # labels x trajectories
        t = ee.shape[1]
        draws = np.abs(ee[:, rng.integers(0, t, (B, t))]).mean(axis=2).T
        mu_star = np.asarray(si["mu_star"], float)
        conf = np.asarray(si["mu_star_conf"], float)
        return ({"mu_star": mu_star, "mu_star_low": mu_star - conf, "mu_star_high": mu_star + conf,
                 "mu": np.asarray(si["mu"], float), "sigma": np.asarray(si["sigma"], float)},
                draws)
    if d.method == "sobol":
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=1000,
                                   conf_level=0.95, seed=d.seed)
        N = len(y) // (k + 2)
        A, B_, AB, _ = sobol_analyze.separate_output_values(y, k, N, False)
        draws = np.empty((B, k))
        for b in range(B):
            r = rng.integers(0, N, N)
            draws[b] = [sobol_analyze.total_order(A[r], AB[r, j], B_[r]) for j in range(k)]
        out = {}
        for key in ("S1", "ST"):
            v, c = np.asarray(si[key], float), np.asarray(si[f"{key}_conf"], float)
            out.update({key: v, f"{key}_low": v - c, f"{key}_high": v + c})
        return out, draws
    si = pawn_analyze.analyze(problem, X, y, S=10, seed=d.seed)
    draws = np.empty((B, k))
    for b in range(B):
        r = rng.integers(0, len(y), len(y))
        draws[b] = pawn_analyze.analyze(problem, X[r], y[r], S=10, seed=d.seed)["median"]
    med = np.asarray(si["median"], float)
    return ({"median": med, "median_low": np.percentile(draws, 2.5, axis=0),
             "median_high": np.percentile(draws, 97.5, axis=0),
             "minimum": np.asarray(si["minimum"], float),
             "maximum": np.asarray(si["maximum"], float)}, draws)


def _elementary_effects(X, y, k: int, levels: int, factors: Factors) -> np.ndarray:
    """Elementary effects per label (factor or group) and trajectory, as SALib computes μ*."""
    delta = levels / (2.0 * (levels - 1))
    lo, hi = np.array(factors.bounds).T
    unit = (X - lo) / (hi - lo)
    t = len(y) // (k + 1)
    groups = np.array(factors.groups) if factors.groups else np.array(factors.names)
    labels = factors.labels
    ee = np.empty((k, t))
    for j in range(t):
        rows = slice(j * (k + 1), (j + 1) * (k + 1))
        u, v = unit[rows], y[rows]
        for s in range(k):
            moved = np.flatnonzero(np.abs(u[s + 1] - u[s]) > 1e-12)
            label = labels.index(groups[moved[0]])
            ee[label, j] = (v[s + 1] - v[s]) / delta
    return ee
