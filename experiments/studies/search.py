"""Many-objective robust search over reform packages (pymoo's NSGA-II, NSGA-III beyond three
objectives), every evaluation a batch of runs through juwei's engine.

A package is a value of each lever the design names (the base scenario's other levers stay as
they are). It runs on every unit — a posterior draw of the calibrated constants (--ensemble),
else a replicate seed — times `replicates`, the same draws and seeds for every package (common
random numbers), from the base's settled county (the warm start). Its objectives over the
units are summed up by the design's robustness measure (mean, satisficing or regret) and told
to the algorithm (ask and tell).

Determinism and resumption. The algorithm is seeded (the design's seed), so given the same
objective values it asks for the same packages. Each generation's new packages are one engine
batch in generations/NNN/, stored run by run as they finish; a resume replays the algorithm
from the start, reading the generations already stored instead of simulating them, and goes
on from the first that is not: the same packages, the same values, the same Pareto set, bit
for bit (tests/test_search.py interrupts one).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import AnalysisRefused, Interrupted, Options, Run, replicate_seeds, run_batch
from ..engine.batch import function_name, guard_until_finished, invocation, stopping_on_signals
from ..engine.errors import SIGNAL_STATUS, Stop, same_again
from ..engine.executors import default_workers
from ..engine.show import Brief
from ..engine.reading import read_bytes
from ..engine.store import (MAX_MANIFEST, Store, atomic_write, code_version, now,
                             write_parquet)
from ..inputs.search import SearchDesign
from ..model.indicators import SYNDROME_THRESHOLD
from ..model.params import from_sample
from ..present import i18n
from . import audit
from .common import county_function, county_record, over_ensemble

TARGETS = (0.5, 0.9)             # P(syndrome absent) the report names the cheapest package for
FAILED_F = 1e12                  # a package whose runs failed: dominated, and infeasible
REFERENCE = 1.1                  # the hypervolume's reference point, in normalised objectives
COUNTY_OUTPUTS = ("public_yuan", "admin_hours_per_year", "htc_H", "htc_T", "htc_C")


@dataclass(repr=False)
class Search(Brief):
    """What `juwei.search` returns: the folder `out`, the `design`, the `pareto` set (one row
    per package: levers, objectives, robustness, constraints), every evaluation
    (`evaluations`: one row per package asked for, by generation), the `hypervolume` by
    generation, the generation it `converged` at (None: still improving by more than the
    design's tolerance), the cheapest package reaching each P(syndrome absent) target
    (`targets`: level -> row or None) and the `manifest`."""
    out: Path
    design: SearchDesign
    pareto: pd.DataFrame
    evaluations: pd.DataFrame
    hypervolume: pd.DataFrame
    converged: int | None
    targets: dict
    manifest: dict


class Codec:
    """The decision variables as pymoo sees them: a range lever is itself, a values list an
    index into it; integer levers and indices are rounded (`whole`)."""

    def __init__(self, design: SearchDesign):
        self.names = list(design.levers)
        self.specs = design.levers
        self.county = design.county
        self.lower = np.array([0.0 if s[0] == "values" else s[1] for s in self.specs.values()])
        self.upper = np.array([len(s[1]) - 1.0 if s[0] == "values" else s[2]
                               for s in self.specs.values()])
        self.whole = np.array([s[0] == "values" or design.integer.get(n, False)
                               for n, s in self.specs.items()])

    def position(self, name: str, value) -> float:
        """Where a lever's `value` sits among the decision variable's values: itself, clipped
        to the range, or the index of the nearest listed value."""
        spec = self.specs[name]
        if spec[0] == "values":
            return float(np.argmin(np.abs(np.asarray(spec[1], float) - float(value))))
        return float(np.clip(value, spec[1], spec[2]))

    def values(self, x) -> dict:
        """Lever name -> the value the model reads."""
        out = {}
        for n, v in zip(self.names, x):
            spec = self.specs[n]
            if spec[0] == "values":
                out[n] = spec[1][int(round(v))]
            else:
                out[n] = from_sample(n, float(v)) if self.county else float(v)
        return out


def _repair(whole):
    from pymoo.core.repair import Repair

    class Rounding(Repair):
        """Integer levers and indices of values lists are whole numbers."""

        def _do(self, problem, X, **kwargs):
            X = np.asarray(X, float).copy()
            X[:, whole] = np.round(X[:, whole])
            return X
    return Rounding()


def first_generation(design: SearchDesign, codec: Codec) -> np.ndarray:
    """The first generation of a county search: the base's own package, then each lever alone
    at the end of its range away from the base (the single remedies), then packages drawn
    uniformly (seeded). A random start alone missed the cheap corners: on 2026-12-06 it never
    tried fewer inspections and meetings alone, which ends the syndrome at a saving."""
    base = np.array([codec.position(n, getattr(design.base.params, n)) for n in codec.names])
    far = np.where(np.abs(codec.upper - base) >= np.abs(base - codec.lower), codec.upper,
                   codec.lower)
    starts = [base] + [np.where(np.arange(len(base)) == j, far, base) for j in range(len(base))]
    rng = np.random.default_rng(design.seed)
    fill = rng.uniform(codec.lower, codec.upper, (max(design.population - len(starts), 0),
                                                   len(base)))
    return np.vstack(starts + [fill])[:design.population]


def algorithm_for(design: SearchDesign, codec: Codec):
    """pymoo's algorithm and problem, seeded: NSGA-II up to three objectives, NSGA-III (Das and
    Dennis's reference directions, or Riesz energy ones if too few) beyond."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.core.problem import Problem
    from pymoo.util.ref_dirs import get_reference_directions
    m = len(design.objectives)
    problem = Problem(n_var=len(codec.names), n_obj=m, n_ieq_constr=len(constraints(design)),
                      xl=codec.lower, xu=codec.upper)
    kw = {"pop_size": design.population, "repair": _repair(codec.whole),
          "eliminate_duplicates": True}
    if design.base is not None:
        kw["sampling"] = first_generation(design, codec)
    if m <= 3:
        algorithm = NSGA2(**kw)
    else:
        dirs = get_reference_directions("energy", m, design.population, seed=design.seed)
        algorithm = NSGA3(ref_dirs=dirs, **kw)
    algorithm.setup(problem, termination=("n_gen", design.generations), seed=design.seed,
                    verbose=False)
    return algorithm, problem


def constraints(design: SearchDesign) -> list[str]:
    """The constraints a design sets (each g <= 0 when it holds)."""
    return [c for c in ("budget_yuan", "min_p_absent") if getattr(design, c) is not None]


def outputs_of(design: SearchDesign) -> list[str]:
    """What every run must give: the county's money, hours and H, T, C, and each indicator
    that is an objective."""
    from ..inputs.search import DERIVED
    own = [o.name for o in design.objectives if o.name not in DERIVED]
    return list(dict.fromkeys([*(COUNTY_OUTPUTS if design.county else ()), *own]))


def unit_values(runs: pd.DataFrame, base: pd.DataFrame | None, design: SearchDesign,
                unit: str) -> pd.DataFrame:
    """Per package and unit (a draw, else a seed): each objective's value, its replicates
    averaged; the costs and hours freed against the base on the same unit, and `absent`
    (1 when the syndrome is absent: H, T and C not all above the threshold)."""
    means = runs.groupby(["package", unit])[outputs_of(design)].mean()
    out = pd.DataFrame(index=means.index)
    if design.county:
        b = base.groupby(unit)[list(COUNTY_OUTPUTS)].mean()
        at = means.index.get_level_values(unit)
        out["extra_yuan"] = means.public_yuan.to_numpy() - b.public_yuan.loc[at].to_numpy()
        out["admin_hours_freed"] = (b.admin_hours_per_year.loc[at].to_numpy()
                                    - means.admin_hours_per_year.to_numpy())
        out["absent"] = (means[["htc_H", "htc_T", "htc_C"]].min(axis=1)
                         <= SYNDROME_THRESHOLD).astype(float)
    for o in design.objectives:
        if o.name in means:
            out[o.name] = means[o.name]
    return out


def robust(units: pd.DataFrame, design: SearchDesign) -> pd.DataFrame:
    """Per package: each objective's mean over the units, its robustness measure and the
    value pymoo minimises (`F_<objective>`), and the constraints (`G_<constraint>`).

    mean: the mean over units. satisficing: the share of units in which the objective reaches
    its `satisfice` value. regret: the largest shortfall over units from the best value any
    package in `units` reached in that unit (Savage's minimax regret, the ideal approximated
    by the packages searched so far). P(syndrome absent) is a share of units already: it is
    its own robustness measure."""
    g = units.groupby(level="package")
    out = pd.DataFrame(index=g.size().index)
    if "absent" in units:
        out["p_syndrome_absent"] = g["absent"].mean()
        out["extra_yuan"] = g["extra_yuan"].mean()
    for o in design.objectives:
        if o.name == "p_syndrome_absent":
            out["F_p_syndrome_absent"] = -out["p_syndrome_absent"]
            continue
        v = units[o.name]
        out[o.name] = g[o.name].mean()
        if design.robustness == "mean":
            out[f"F_{o.name}"] = -o.sense * out[o.name]
        elif design.robustness == "satisficing":
            met = (o.sense * (v - o.satisfice) >= 0).astype(float)
            out[f"{o.name}_satisficing"] = met.groupby(level="package").mean()
            out[f"F_{o.name}"] = -out[f"{o.name}_satisficing"]
        else:
            score = o.sense * v
            best = score.groupby(level=-1).max()
            gap = best.loc[score.index.get_level_values(-1)].to_numpy() - score.to_numpy()
            out[f"{o.name}_regret"] = pd.Series(gap, index=v.index).groupby(level="package").max()
            out[f"F_{o.name}"] = out[f"{o.name}_regret"]
    if design.budget_yuan is not None:
        out["G_budget_yuan"] = out["extra_yuan"] - design.budget_yuan
    if design.min_p_absent is not None:
        out["G_min_p_absent"] = design.min_p_absent - out["p_syndrome_absent"]
    g_cols = [c for c in out if c.startswith("G_")]
    out["feasible"] = (out[g_cols] <= 0).all(axis=1) if g_cols else True
    return out


def nondominated(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of F (minimised) no other row dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
    if len(F) == 0:
        return np.array([], int)
    return np.sort(NonDominatedSorting().do(F, only_non_dominated_front=True))


def hypervolumes(evaluations: pd.DataFrame, f_cols: list[str], tolerance: float
                 ) -> tuple[pd.DataFrame, int | None]:
    """The hypervolume of the feasible packages found up to each generation (objectives
    normalised by the range every feasible package spans, reference point 1.1 in each), and
    the first generation before the last within `tolerance` (relative) of the last one's:
    where the search stopped improving. None when it was still improving at its last
    generation, or nothing feasible was found."""
    from pymoo.indicators.hv import HV
    ok = evaluations[evaluations.feasible & ~evaluations.failed]
    gens = sorted(evaluations.generation.unique())
    if ok.empty:
        return pd.DataFrame({"generation": gens, "hypervolume": 0.0, "relative": np.nan}), None
    F = ok[f_cols].to_numpy(float)
    low, high = F.min(axis=0), F.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    hv = HV(ref_point=np.full(len(f_cols), REFERENCE))
    values = []
    for g in gens:
        upto = ok[ok.generation <= g].drop_duplicates("package")
        Fg = (upto[f_cols].to_numpy(float) - low) / span
        values.append(float(hv(Fg[nondominated(Fg)])) if len(Fg) else 0.0)
    last = values[-1]
    rel = [v / last if last > 0 else np.nan for v in values]
    converged = next((int(g) for g, v in zip(gens[:-1], values) if last > 0
                      and last - v <= tolerance * last), None)     # the last: still improving
    return pd.DataFrame({"generation": gens, "hypervolume": values, "relative": rel}), converged


def cheapest(table: pd.DataFrame, level: float) -> dict | None:
    """The cheapest package (extra yuan a year) whose P(syndrome absent) reaches `level`
    among every package searched, or None."""
    if "p_syndrome_absent" not in table:
        return None
    ok = table[(table.p_syndrome_absent >= level) & ~table.failed]
    return None if ok.empty else ok.sort_values(["extra_yuan", "package"]).iloc[0].to_dict()


def targets_of(evaluations: pd.DataFrame) -> dict:
    """The cheapest package reaching each TARGETS level, among every package searched (level
    -> row or None): the report's sentences and the workshop's marks, one rule for both."""
    unique = evaluations.drop_duplicates("package").reset_index(drop=True)
    return {level: cheapest(unique, level) for level in TARGETS}


def units_per_package(design: SearchDesign, ensemble) -> int:
    """The units a package is judged over: assumption samples, else posterior draws, else
    replicate seeds."""
    return design.assumptions or (len(ensemble.draws) if ensemble is not None
                                  else design.replicates)


def _identity(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()
                          ).hexdigest()[:16]


def run(design: SearchDesign, opts: Options, ensemble=None, fn=None, lang: str = "en"
        ) -> Search:
    """Search into opts.out: the base's runs (base/), each generation's new packages
    (generations/NNN/), then evaluations.parquet, pareto.parquet/.csv, hypervolume.csv, the
    figures and report.html. `fn` replaces the county model (a run function of one's own:
    its params are {lever: value}, its summary gives each objective)."""
    if fn is None and not design.county:
        raise AnalysisRefused("a search of one's own model needs its run function (fn=)")
    fn = fn or county_function(design.base.county, design.base.params, summary_only=True)
    codec = Codec(design)
    unit = ("sample" if design.assumptions else "draw" if ensemble is not None
            else "replicate")
    seeds = replicate_seeds(design.seed, design.assumptions or design.replicates)
    base_params = design.base.params if design.base is not None else None
    samples = (audit.sample(audit.assumptions(base_params), design.assumptions, design.spread,
                            design.seed) if design.assumptions else None)
    record = {**design.as_dict(), **(ensemble.record() if ensemble else {}),
              **(county_record(design.base) if design.county else {}),
              "units": ("samples of the assumed constants, each on its own seed"
                        + (" and posterior draw" if ensemble is not None else "")
                        if design.assumptions else "posterior draws x replicate seeds"
                        if ensemble is not None else "replicate seeds (no ensemble: "
                        "robustness over the model's randomness only)"),
              "replicate_seeds": seeds, "algorithm": "NSGA-II" if len(design.objectives) <= 3
              else "NSGA-III", "run_function": function_name(fn)}
    if design.county:
        record["warm_start"] = {"burn_in_years": design.base.params.burn_in_years,
                                "under": design.base.name,
                                "then": "each package's levers switched on"}
    store = Store(opts.out)
    earlier = ((store._old_manifest() or {}).get("wall_seconds") or 0.0) if opts.resume else 0.0
    store.create({"kind": "search", "design": record, "design_hash": _identity(record),
                  "run_function": function_name(fn),
                  "executor": "dask" if opts.scheduler else opts.executor,
                  "workers": opts.workers or default_workers(), "scheduler": opts.scheduler,
                  "started": now(), "status": "running", "code": code_version(fn),
                  **invocation(), "generations_done": 0},
                 opts.resume, opts.allow_code_change, opts.overwrite)
    m = store.manifest
    t0 = time.perf_counter()
    own = set(codec.names) | set(design.base.changes if design.county else ())

    def batch(folder: Path, runs: list[Run], desc: str) -> pd.DataFrame:
        """One engine batch; a folder already complete is read back, not run again."""
        done = folder / "manifest.json"
        if done.exists() and json.loads(read_bytes(done, MAX_MANIFEST)).get("status") == \
                "complete":
            table = pd.read_parquet(folder / "runs.parquet")
            read_back.append(folder)
            return table[table.status == "ok"].reset_index(drop=True)
        sub = dataclasses.replace(opts, out=folder, resume=folder.exists(), overwrite=False,
                                  allow_code_change=opts.allow_code_change and folder.exists())
        _, tables = run_batch(runs, sub, "search-batch", {"search": str(opts.out), "batch": desc},
                              fn=fn, keep=(), desc=desc, outputs=outputs_of(design))
        return tables["runs"]

    read_back: list[Path] = []           # batches stored by an earlier session

    def package_runs(pid: int, values: dict) -> list[Run]:
        params = (dataclasses.replace(design.base.params, **values) if design.county
                  else dict(values))
        if samples is not None:             # the audit's assumption ensemble (audit.plan)
            return [Run({"package": pid, "sample": k, "replicate": k},
                        audit.on_sample(params, samples.iloc[k], k, own, ensemble), seeds[k])
                    for k in range(design.assumptions)]
        runs = [Run({"package": pid, "replicate": r}, params, s) for r, s in enumerate(seeds)]
        return over_ensemble(runs, ensemble, design.replicates, lambda run: own)

    try:
        with stopping_on_signals():
            base = None
            if design.county:
                base = batch(opts.out / "base", package_runs(0, {}), "base scenario")
                if base.empty or base[unit].nunique() < units_per_package(design, ensemble):
                    raise AnalysisRefused("the base scenario's runs failed, so no package can "
                                          "be costed; the errors are in "
                                          f"{opts.out / 'base' / 'manifest.json'}")
            algorithm, problem = algorithm_for(design, codec)
            known: dict[tuple, int] = {}            # package's lever values -> its number
            units = pd.DataFrame()
            failed: set[int] = set()
            rows = []
            for g in range(design.generations):
                pop = algorithm.ask()
                X = pop.get("X")
                packages, new = [], []
                for x in X:
                    values = codec.values(x)
                    key = tuple(values.items())
                    if key not in known:
                        known[key] = len(known) + 1
                        new.append((known[key], values))
                    packages.append(known[key])
                if new:
                    runs = [r for pid, values in new for r in package_runs(pid, values)]
                    table = batch(opts.out / "generations" / f"{g:03d}", runs,
                                  f"generation {g + 1} of {design.generations}")
                    expected = (design.assumptions or
                                design.replicates * (len(ensemble.draws) if ensemble else 1))
                    counts = table.groupby("package").size()
                    failed |= {pid for pid, _ in new if counts.get(pid, 0) < expected}
                    fresh = unit_values(table[~table.package.isin(failed)], base, design, unit)
                    units = pd.concat([units, fresh]) if len(units) else fresh
                scores = robust(units, design)
                F = np.full((len(X), len(design.objectives)), FAILED_F)
                G = np.full((len(X), len(constraints(design))), FAILED_F)
                for i, pid in enumerate(packages):
                    if pid in failed:
                        continue
                    F[i] = scores.loc[pid, [f"F_{o.name}" for o in design.objectives]]
                    G[i] = scores.loc[pid, [f"G_{c}" for c in constraints(design)]]
                _tell(algorithm, problem, pop, F, G)
                for i, (x, pid) in enumerate(zip(X, packages)):
                    rows.append({"generation": g, "individual": i, "package": pid,
                                 **codec.values(x)})
                m["generations_done"] = g + 1
                store.write_manifest()
                stored = i18n.t("terminal.search_read_back", lang) if new and read_back and \
                    read_back[-1].name == f"{g:03d}" else ""
                print(i18n.t("terminal.search_generation", lang, g=g + 1,
                             generations=design.generations, n=len(new), read_back=stored),
                      file=sys.stderr)
    except Interrupted as e:
        m["wall_seconds"] = round(earlier + time.perf_counter() - t0, 3)   # every session's
        store.mark_interrupted(str(e).split(":")[0])
        store.lock.release()
        raise Interrupted(f"{str(e).split(':')[0]}: {m['generations_done']} of "
                          f"{design.generations} generations are stored in {opts.out}; "
                          f"{same_again(opts.out)} continues from there", e.status) from None
    except KeyboardInterrupt as e:            # between batches (Stop: SIGTERM, SIGHUP)
        signum = e.signum if isinstance(e, Stop) else signal.SIGINT
        why = f"interrupted by {signal.Signals(signum).name}"
        m["wall_seconds"] = round(earlier + time.perf_counter() - t0, 3)
        store.mark_interrupted(why)
        store.lock.release()
        raise Interrupted(f"{why}: {m['generations_done']} of {design.generations} generations "
                          f"are stored in {opts.out}; {same_again(opts.out)} continues from "
                          "there", SIGNAL_STATUS[signum]) from None
    except BaseException:
        store.lock.release()
        raise
    guard_until_finished(store)
    final = robust(units, design)          # regret against every package searched
    evaluations = pd.DataFrame(rows)
    evaluations = evaluations.join(final, on="package")
    evaluations["failed"] = evaluations.package.isin(failed)
    if "feasible" in evaluations:
        evaluations["feasible"] = evaluations.feasible.fillna(False).astype(bool) \
            & ~evaluations.failed
    f_cols = [f"F_{o.name}" for o in design.objectives]
    hv, converged = hypervolumes(evaluations, f_cols, design.tolerance)
    unique = evaluations.drop_duplicates("package").reset_index(drop=True)
    ok = unique[unique.feasible].reset_index(drop=True)
    pareto = ok.iloc[nondominated(ok[f_cols].to_numpy(float))].reset_index(drop=True)
    targets = targets_of(evaluations) if design.county else {}
    write_parquet(opts.out / "evaluations.parquet", evaluations)
    write_parquet(opts.out / "units.parquet", units.reset_index())
    write_parquet(opts.out / "pareto.parquet", pareto)
    atomic_write(opts.out / "pareto.csv", lambda tmp: pareto.to_csv(tmp, index=False))
    atomic_write(opts.out / "hypervolume.csv", lambda tmp: hv.to_csv(tmp, index=False))
    from ..present import search_page
    search_page.write(opts.out, design, evaluations, pareto, hv, converged, targets, m, lang)
    session = time.perf_counter() - t0
    store.finish("complete", wall_seconds=round(earlier + session, 3),
                 session_seconds=round(session, 3), converged_generation=converged,
                 pareto_size=len(pareto), evaluated_packages=len(unique),
                 failed_packages=len(failed))
    return Search(opts.out, design, pareto, evaluations, hv, converged, targets, store.manifest)


def _tell(algorithm, problem, pop, F: np.ndarray, G: np.ndarray) -> None:
    """Give the algorithm the asked population's objectives and constraints."""
    from pymoo.core.evaluator import Evaluator
    from pymoo.problems.static import StaticProblem
    kw = {"F": F, **({"G": G} if G.shape[1] else {})}
    Evaluator().eval(StaticProblem(problem, **kw), pop)
    algorithm.tell(infills=pop)
