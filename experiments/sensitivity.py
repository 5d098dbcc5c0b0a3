"""Global sensitivity analysis that understands a stochastic model (SALib underneath).

What SALib leaves to the user, done here:
- replicates per design point on common random numbers; indices on the replicate mean; the
  share of output variance that is replicate noise;
- a dummy factor the model never reads in every analysis. Its value picks the random-number
  stream of the run (a change of any real lever re-draws part of the model's randomness too),
  so the dummy's index is what noise alone produces; an index not clearly above it (lower bound
  <= the dummy's upper bound) is reported as not distinguishable from noise. Points of one
  block with the same dummy value share random numbers (most of a Morris trajectory; a
  Saltelli row's A and AB_j), so lever effects are measured on common random numbers;
- rankings with their uncertainty: bootstrap probability of each lever holding each rank;
- a convergence check: indices and ranking from the first half of the sample (N) against the
  whole (2N), with a verdict and the next sample size to try;
- failed runs never reach SALib (one NaN silently zeroes Sobol indices): the analysis refuses.

Design files (TOML), validated like sweeps:

    description = "..."
    scenario = "baseline"
    method = "morris"          # morris | sobol | pawn
    samples = 20               # morris: trajectories; sobol: base samples; pawn: points
    levels = 4                 # morris grid levels
    replicates = 2
    years = 5
    scale = 0.02
    seed = 20061
    outputs = ["participation_rate", "trust", "admin_share", "exhaustion", "cadre_turnover",
               "htc_index"]
    groups = false             # true: rank the lever groups (autonomy, incentives, resources)
    spread = false             # also analyse each output's sd across replicates
    bootstrap = 500            # resamples for rank probabilities (and PAWN intervals)
    [levers]                   # optional; default: every lever over its documented range
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import pawn as pawn_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats
from scipy.stats import qmc

import model
from model import LEVER_GROUPS, levers
from model.params import FIELDS

from . import scenario as sc
from . import sweep
from .batch import Options, run_batch
from .runner import Run, RunFunction, replicate_seeds
from .scenario import UserError, suggest

METHODS = ("morris", "sobol", "pawn")
DUMMY = "dummy"
CONVERGED_RHO = 0.9          # Spearman correlation of rankings at N and 2N that counts as stable
MAIN_INDEX = {"morris": "mu_star", "sobol": "ST", "pawn": "median"}
KEYS = {"description": str, "scenario": str, "method": str, "samples": int, "levels": int,
        "replicates": int, "years": int, "scale": (int, float), "seed": int, "outputs": list,
        "groups": bool, "spread": bool, "bootstrap": int, "levers": dict}


class AnalysisRefused(Exception):
    """The runs cannot be analysed as they are (failed or missing runs): exit status 1."""


@dataclass
class Factors:
    """The factors of an analysis: levers (or any named inputs) plus the dummy, last."""
    names: list[str]
    bounds: list[tuple[float, float]]
    groups: list[str] | None = None

    @classmethod
    def with_dummy(cls, bounds: dict, groups: dict | None = None) -> "Factors":
        names = list(bounds) + [DUMMY]
        return cls(names, [tuple(map(float, bounds[n])) for n in bounds] + [(0.0, 1.0)],
                   [groups[n] for n in bounds] + [DUMMY] if groups else None)

    def problem(self) -> dict:
        p = {"num_vars": len(self.names), "names": self.names, "bounds": self.bounds}
        if self.groups:
            p["groups"] = self.groups
        return p

    @property
    def labels(self) -> list[str]:
        """What is ranked: the factors, or their groups."""
        return list(dict.fromkeys(self.groups)) if self.groups else self.names


@dataclass
class Design:
    description: str
    method: str
    samples: int
    levels: int
    replicates: int
    seed: int
    outputs: list[str]
    spread: bool
    bootstrap: int
    factors: Factors
    base: sc.Scenario | None = None      # None for a user's own run function
    path: str = ""

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("base")
        d["factors"] = dataclasses.asdict(self.factors)
        if self.base:
            d.update(scenario=self.base.name, scenario_changes=self.base.changes,
                     years=self.base.params.years, scale=self.base.params.scale)
        return d


# --- design files --------------------------------------------------------------------------------
def load(name: str, overrides: dict | None = None) -> Design:
    """Read and validate a sensitivity design; `overrides` (from the command line) win."""
    path = sweep.resolve_design(name)
    data = sweep.read_toml(path)
    sweep.check_keys(path, data, KEYS)
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    method = data.get("method", "morris")
    if method not in METHODS:
        raise UserError(f"{path}: method: expected one of {', '.join(METHODS)}, got "
                        f"{method!r}{suggest(str(method), METHODS)}")
    base, outputs = sweep.base_and_outputs(path, data)
    if data.get("levers"):
        specs = sweep.lever_specs(path, data["levers"], "lhs")
        bounds = {n: (s[1], s[2]) for n, s in specs.items()}
    else:
        bounds = {r["name"]: (r["low"], r["high"]) for r in levers(LEVER_GROUPS)}
    groups = None
    if data.get("groups", False):
        if method == "pawn":
            raise UserError(f"{path}: groups: lever groups work with morris and sobol")
        groups = {n: FIELDS[n].metadata["group"] for n in bounds}
    samples = sweep.positive(path, "samples", data.get("samples", 20), 2)
    if method in ("sobol", "pawn") and samples & (samples - 1):
        raise UserError(f"{path}: samples: {method} needs a power of 2, got {samples} "
                        f"(try {1 << (samples - 1).bit_length()})")
    return Design(
        description=data.get("description", ""), method=method, samples=samples,
        levels=sweep.positive(path, "levels", data.get("levels", 4), 2),
        replicates=sweep.positive(path, "replicates", data.get("replicates", 2)),
        seed=data.get("seed", 20061), outputs=outputs, spread=data.get("spread", False),
        bootstrap=sweep.positive(path, "bootstrap", data.get("bootstrap", 500), 50),
        factors=Factors.with_dummy(bounds, groups), base=base, path=str(path))


# --- sampling and runs -----------------------------------------------------------------------------
def sample(d: Design) -> np.ndarray:
    """The design matrix, one row per point, columns as d.factors.names (the dummy last)."""
    problem = d.factors.problem()
    if d.method == "morris":
        return morris_sample.sample(problem, d.samples, num_levels=d.levels, seed=d.seed)
    if d.method == "sobol":
        return sobol_sample.sample(problem, d.samples, calc_second_order=False, seed=d.seed)
    unit = qmc.Sobol(d=len(d.factors.names), scramble=True, seed=d.seed).random(d.samples)
    return qmc.scale(unit, *np.array(d.factors.bounds).T)


def county_params(d: Design):
    """Row of the design matrix -> county Parameters (the dummy is never passed on)."""
    def make(row: dict) -> model.Parameters:
        values = {k: (int(round(v)) if FIELDS[k].metadata["integer"] else float(v))
                  for k, v in row.items() if k != DUMMY}
        return dataclasses.replace(d.base.params, **values)
    return make


def block_size(d: Design) -> int:
    """Rows of the design matrix that belong together: a Morris trajectory, a Saltelli block."""
    return {"morris": len(d.factors.labels) + 1, "sobol": len(d.factors.labels) + 2,
            "pawn": 1}[d.method]


def stream(replicate_seed: int, block: int, dummy: float) -> int:
    """The run's seed: the replicate's, re-drawn for each block and by the dummy's value."""
    state = np.random.SeedSequence([replicate_seed, block, int(dummy * 2**31)]).generate_state(
        1, np.uint64)
    return int(state[0] >> np.uint64(1))


def build_runs(d: Design, X: np.ndarray, make_params) -> list[Run]:
    seeds = replicate_seeds(d.seed, d.replicates)
    size = block_size(d)
    runs = []
    for p, x in enumerate(X):
        row = dict(zip(d.factors.names, x.tolist()))
        params = make_params(row)
        runs += [Run({"point": p, "replicate": r}, params, stream(s, p // size, row[DUMMY]))
                 for r, s in enumerate(seeds)]
    return runs


def run(d: Design, opts: Options, fn: RunFunction = model.run, make_params=None):
    """Sample, run (stored, resumable, any executor), analyse. Returns (store, tables, result)."""
    X = sample(d)
    runs = build_runs(d, X, make_params or county_params(d))
    store, tables = run_batch(runs, opts, "sensitivity", {**d.as_dict(), "points": len(X)},
                              fn=fn, keep=(), desc=f"{d.method} analysis")
    return store, tables, analyse(d, X, tables["runs"])


# --- analysis ------------------------------------------------------------------------------------
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


def analyse(d: Design, X: np.ndarray, runs: pd.DataFrame) -> dict:
    """Indices, rank probabilities, convergence and noise for every output."""
    results = {}
    for output in d.outputs:
        Y = outcome_matrix(runs, output, len(X), d.replicates)
        targets = [(output, Y.mean(axis=1), Y)]
        if d.spread and d.replicates > 1:
            targets.append((f"{output}_sd", Y.std(axis=1, ddof=1), None))
        for name, y, reps in targets:
            results[name] = analyse_output(d, X, y, reps)
    return results


def noise_shares(Y: np.ndarray | None) -> dict:
    """Replicate noise: its share of run-to-run variance, and of the variance of point means."""
    if Y is None or Y.shape[1] < 2:
        return {"noise_share": None, "noise_share_of_means": None}
    within = Y.var(axis=1, ddof=1).mean()
    total = Y.var(ddof=1)
    means = Y.mean(axis=1).var(ddof=1)
    return {"noise_share": float(within / total) if total > 0 else 0.0,
            "noise_share_of_means": float(within / Y.shape[1] / means) if means > 0 else 0.0}


def analyse_output(d: Design, X: np.ndarray, y: np.ndarray, Y: np.ndarray | None) -> dict:
    labels = d.factors.labels
    indices, boot = _indices(d, X, y, n=None)
    half, _ = _indices(d, X, y, n=_half(d, X))
    main = MAIN_INDEX[d.method]
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
    return {
        "table": table, "rank_probs": rank_probs, **noise_shares(Y),
        "convergence": {"n_half": n_full // 2, "n_full": n_full, "spearman": rho,
                        "top_same": bool(top_same), "converged": converged,
                        "next_samples": None if converged else n_full * (2 if rho >= 0.7 else 4),
                        "half": dict(zip(labels, map(float, half[main])))},
    }


def _half(d: Design, X: np.ndarray) -> int:
    """Rows making up the first half of the sample (whole trajectories or blocks)."""
    return block_size(d) * (d.samples // 2)


def _indices(d: Design, X: np.ndarray, y: np.ndarray, n: int | None) -> tuple[dict, np.ndarray]:
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


# --- tables, figures ------------------------------------------------------------------------------
def tables(d: Design, result: dict) -> dict[str, pd.DataFrame]:
    """Tidy tables: indices, rank probabilities, convergence and noise, one block per output."""
    idx, probs, conv = [], [], []
    for output, r in result.items():
        t = r["table"].rename_axis("factor").reset_index()
        t.insert(0, "output", output)
        idx.append(t)
        p = r["rank_probs"].rename_axis("factor").reset_index().melt(
            id_vars="factor", var_name="rank", value_name="probability")
        p.insert(0, "output", output)
        probs.append(p)
        c = {k: v for k, v in r["convergence"].items() if k != "half"}
        conv.append({"output": output, "method": d.method, **c,
                     "noise_share": r["noise_share"],
                     "noise_share_of_means": r["noise_share_of_means"]})
    return {"indices": pd.concat(idx, ignore_index=True),
            "rank_probabilities": pd.concat(probs, ignore_index=True),
            "convergence": pd.DataFrame(conv)}


def plot_indices(d: Design, result: dict, path: Path) -> None:
    from .plots import panels, save
    main = MAIN_INDEX[d.method]
    outputs = list(result)
    fig, axes, _ = panels(len(outputs), 3, 5.2, 0.28 * len(d.factors.labels) + 1.6)
    for ax, output in zip(axes, outputs):
        t = result[output]["table"].sort_values(main)
        y = np.arange(len(t))
        colors = ["tab:grey" if f == DUMMY else ("tab:blue" if a else "tab:orange")
                  for f, a in zip(t.index, t.above_dummy)]
        ax.barh(y, t[main], color=colors,
                xerr=[t[main] - t[f"{main}_low"], t[f"{main}_high"] - t[main]], capsize=2)
        ax.axvline(t.loc[DUMMY, f"{main}_high"], color="grey", ls="--", lw=1)
        ax.set_yticks(y, t.index, fontsize=7)
        ax.set_title(output, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    save(fig, path, f"{d.method}: {main} with 95% intervals. Blue: clearly above the dummy "
                 "(dashed: its upper bound); orange: not distinguishable from noise", fontsize=9,
         rect=(0, 0, 1, 0.97))


def plot_heatmap(d: Design, result: dict, path: Path) -> None:
    from .plots import plt, save
    main = MAIN_INDEX[d.method]
    labels = [l for l in d.factors.labels if l != DUMMY]
    outputs = list(result)
    m = np.array([[result[o]["table"].loc[l, main] for o in outputs] for l in labels])
    norm = m / np.where(m.max(axis=0) > 0, m.max(axis=0), 1)
    fig, ax = plt.subplots(figsize=(1.3 * len(outputs) + 3, 0.32 * len(labels) + 1.8))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, l in enumerate(labels):
        for j, o in enumerate(outputs):
            t = result[o]["table"].loc[l]
            mark = "" if t.above_dummy else "·"
            ax.text(j, i, f"{int(t['rank'])}{mark}", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(outputs)), outputs, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    fig.colorbar(im, ax=ax, label=f"{main} / largest for the output")
    ax.set_title("Which levers move which outputs (numbers: rank; · = not above the dummy)",
                 fontsize=9)
    save(fig, path)


def plot_ranks(result: dict, path: Path, top: int = 8) -> None:
    from .plots import panels, save
    outputs = list(result)
    fig, axes, _ = panels(len(outputs), 3, 5.2, 3.4)
    for ax, output in zip(axes, outputs):
        p = result[output]["rank_probs"]
        order = result[output]["table"].loc[p.index, "rank"].sort_values().index[:top]
        shown = p.loc[order, p.columns[:top]]
        ax.imshow(shown.to_numpy(), cmap="Greens", vmin=0, vmax=1, aspect="auto")
        for i in range(shown.shape[0]):
            for j in range(shown.shape[1]):
                v = shown.iat[i, j]
                if v >= 0.05:
                    ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6,
                            color="white" if v > 0.6 else "black")
        ax.set_xticks(range(shown.shape[1]), [str(c) for c in shown.columns], fontsize=7)
        ax.set_yticks(range(len(order)), order, fontsize=7)
        ax.set_xlabel("rank", fontsize=8)
        ax.set_title(output, fontsize=9)
    save(fig, path, "Probability of each rank over bootstrap resamples (top levers)",
         rect=(0, 0, 1, 0.96))


def plot_convergence(d: Design, result: dict, path: Path) -> None:
    from .plots import panels, save
    main = MAIN_INDEX[d.method]
    outputs = list(result)
    fig, axes, _ = panels(len(outputs), 3, 4.2, 3.6)
    for ax, output in zip(axes, outputs):
        r = result[output]
        t, c = r["table"], r["convergence"]
        half = pd.Series(c["half"])
        ax.scatter(half[t.index], t[main], s=14,
                   c=["tab:grey" if f == DUMMY else "tab:blue" for f in t.index])
        top = max(half.max(), t[main].max()) * 1.05 or 1
        ax.plot([0, top], [0, top], color="grey", lw=0.8)
        ax.set_xlabel(f"{main} at N = {c['n_half']}", fontsize=8)
        ax.set_ylabel(f"{main} at 2N = {c['n_full']}", fontsize=8)
        verdict = "converged" if c["converged"] else "not converged"
        ax.set_title(f"{output}: rank correlation {c['spearman']:.2f}, {verdict}", fontsize=8)
        ax.tick_params(labelsize=7)
    save(fig, path, "Convergence: indices from half the sample against the whole",
         rect=(0, 0, 1, 0.95))


def summary_sentence(d: Design, output: str, r: dict) -> str:
    """A plain-words paragraph: which levers matter for an output, and how sure we are."""
    main = MAIN_INDEX[d.method]
    t = r["table"].drop(index=DUMMY).sort_values("rank")
    clear = t[t.above_dummy]
    noise = t[~t.above_dummy]
    kind = "groups" if d.factors.groups else "levers"
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
        parts.append(f"For {output}, no {kind[:-1]} is distinguishable from the dummy: within "
                     "these ranges nothing moves it beyond noise.")
    if len(noise) and len(clear):
        parts.append(f"{len(noise)} are not distinguishable from the dummy "
                     f"({', '.join(noise.index[:6])}{'…' if len(noise) > 6 else ''}).")
    if r["noise_share"] is not None:
        parts.append(f"Replicate noise is {_share(r['noise_share'])} of the run-to-run variance "
                     f"({_share(r['noise_share_of_means'])} of the variance of the replicate "
                     "means analysed).")
    c = r["convergence"]
    if c["converged"]:
        parts.append(f"The ranking has converged: rank correlation {c['spearman']:.2f} between "
                     f"N = {c['n_half']} and 2N = {c['n_full']}, same leader.")
    else:
        parts.append(f"The ranking has not converged (rank correlation {c['spearman']:.2f} "
                     f"between N = {c['n_half']} and 2N = {c['n_full']}"
                     f"{'' if c['top_same'] else ', the leader changed'}): try samples = "
                     f"{c['next_samples']}.")
    return " ".join(parts)


def _share(x: float) -> str:
    return "under 1%" if x < 0.01 else f"{x:.0%}"
