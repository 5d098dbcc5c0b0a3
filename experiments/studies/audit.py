"""The assumption audit (issue "Conclusions that are not built in", item 5): which of the
model's assumed constants ([A], grouped by submodel), together with the calibrated ones ([C],
from a posterior when one is given), decide the remedies' effects and their ranking.

Each sample draws every [A] constant from a Latin hypercube over its assumed value ± `spread`
(within its documented range) and, with an ensemble, takes one posterior draw; the base and
every remedy then run on that county, paired on one seed (the warm start of ODD §7.1, one
settled county per sample). Reference samples keep every constant at its value and vary only
the seed (and, with an ensemble, the posterior draw): what noise alone does to the ranking. Outputs: each remedy's effect per sample, the
ranking per sample and its Kendall tau against the reference ranking, P(rank) per remedy, and
for each pair of remedies adjacent in the reference ranking the constants whose values decide
their order (Spearman correlation of the constant with the gap between the pair's ranks,
named as deciding only when it clears a Bonferroni bound over all the constants varied).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import AnalysisRefused, Options, Run, UserError, replicate_seeds, run_batch
from ..engine.errors import given, named, same_again
from ..engine.show import Brief
from ..engine.store import atomic_write, write_parquet
from ..model import INDICATORS, OUTCOMES
from ..model.params import FIELDS, SUBMODELS, Parameters, from_sample, read_by
from ..present import audit_page
from ..present.stats import outcome_ranks
from .common import check_ensemble_county, county_function, county_record, one_county

SAMPLES = 64                 # assumption samples (the ready-made study; a cluster takes more)
NOISE_SAMPLES = 16           # reference samples: every constant at its value, other seeds
SPREAD = 0.5                 # each assumption varies over its value x (1 +- SPREAD)
RANKED_ON = "outcomes"       # the headline ranking: the mean rank over OUTCOMES
TOP_CONSTANTS = 3            # the constants named per adjacent pair
ALPHA = 0.05                 # a constant decides a pair when p < ALPHA / constants (Bonferroni)
SCALE = 0.05                 # the ready-made audit's population scale (2 cores, under an hour)
REMEDIES = ["separation", "power_funding_follow_tasks", "fewer_inspections_meetings",
            "burden_campaigns", "transparency_supervision", "cadre_pay_recruitment",
            "volunteer_rewards", "welfare_volunteer_duty", "unit_sharing",
            "infrastructure_enterprise", "poor_community_aid", "service_stations",
            "publicity_activities", "health_and_safety", "paid_services",
            "cadre_rotation_reserve", "unit_to_society", "facilities_association"]


def assumptions(base: Parameters | None = None) -> list[str]:
    """Every constant tagged [A] in a submodel's group (the structure and levers excluded),
    whose assumed value is not 0 (a range around 0 would be no range), except the bounds of
    uniform draws (`*_min`, `*_max`: ages of cadres at the start and at hiring), which must
    stay ordered and so cannot vary one by one, and the constants no run on `base` reads (a
    mechanism it switches off, a rule it replaces: their `needs`)."""
    base = base or Parameters()
    return [n for n, f in FIELDS.items()
            if f.metadata["tag"] == "A" and f.metadata["group"] in SUBMODELS and f.default
            and not n.endswith(("_min", "_max"))
            and read_by(n, base)]


def bounds(name: str, spread: float) -> tuple[float, float]:
    meta, value = FIELDS[name].metadata, FIELDS[name].default
    lo, hi = sorted((value * (1 - spread), value * (1 + spread)))
    return max(lo, meta["low"]), min(hi, meta["high"])


def sample(names: list[str], n: int, spread: float, seed: int) -> pd.DataFrame:
    """n Latin-hypercube samples (SALib) of the assumptions, one row each."""
    from SALib.sample import latin
    problem = {"num_vars": len(names), "names": names,
               "bounds": [list(bounds(k, spread)) for k in names]}
    X = latin.sample(problem, n, seed=seed)
    return pd.DataFrame({k: [from_sample(k, v) for v in X[:, j]] for j, k in enumerate(names)})


@dataclass(repr=False)
class Audit(Brief):
    """An assumption audit (`juwei.audit`, `juwei audit`): `reference` is each remedy's rank
    when only the seed varies; `ranks` (remedy x rank) the probability of each rank when the
    assumed constants move; `tau` each sample's Kendall tau against the reference (kind
    "assumptions" or "noise"); `pairs` each adjacent pair's flip share and the constants that
    decide it. The folder also holds effects.parquet (each remedy's effect per sample and
    outcome), runs.parquet and report.html."""
    out: Path
    base: str
    remedies: list[str]
    reference: pd.Series          # remedy -> rank in the reference (noise-only) samples
    ranks: pd.DataFrame           # remedy x rank: P(rank) over the assumption samples
    tau: pd.DataFrame             # sample, kind (assumptions | noise), Kendall tau
    pairs: pd.DataFrame           # adjacent pairs: flip share and the deciding constants
    wall_seconds: float


def plan(scenarios, samples: int, spread: float, seed: int, ensemble=None,
         noise: int = NOISE_SAMPLES) -> tuple[list[Run], pd.DataFrame]:
    """Every scenario on every sample (assumption samples, then noise-only reference samples);
    each sample has its own seed, shared by its arms."""
    names = assumptions(scenarios[0].params)
    X = sample(names, samples, spread, seed)
    seeds = replicate_seeds(seed, samples + noise)
    runs = []
    for k in range(samples + noise):
        kind = "assumptions" if k < samples else "noise"
        for s in scenarios:
            params = on_sample(s.params, X.iloc[k] if kind == "assumptions" else {}, k,
                               set(s.changes), ensemble)
            runs.append(Run({"scenario": s.name, "sample": k, "kind": kind,
                             "replicate": k}, params, seeds[k]))
    return runs, X


def on_sample(params, assumed, k: int, own: set, ensemble=None):
    """`params` on sample k: its `assumed` constants (those `own` keep their values), and with
    an ensemble posterior draw k mod the draws (both kinds of unknown: the posterior is not an
    assumption)."""
    params = dataclasses.replace(params, **{c: v for c, v in dict(assumed).items()
                                            if c not in own})
    return params if ensemble is None else ensemble.params(params, k % len(ensemble.draws), own)


def effects(data: pd.DataFrame, base: str, remedies: list[str], name: str) -> pd.DataFrame:
    """sample x remedy: the remedy's paired effect on `name` in each sample."""
    wide = data.pivot(index="sample", columns="scenario", values=name)
    return wide[remedies].sub(wide[base], axis=0)


def ranking(per_outcome: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """sample x remedy: each sample's headline ranking (present/stats.outcome_ranks: the mean
    rank over the outcomes), as positions 1 (best) to n."""
    samples = next(iter(per_outcome.values())).index
    mean = pd.DataFrame({k: outcome_ranks(pd.DataFrame({o: e.loc[k] for o, e in
                                                        per_outcome.items()})).mean_rank
                         for k in samples}).T
    return mean.rank(axis=1, method="first")


def run(scenarios, samples: int, seed: int, opts: Options, spread: float = SPREAD,
        ensemble=None, noise: int = NOISE_SAMPLES, on_outcome=None) -> Audit:
    """Run the audit of the remedies (scenarios[1:]) against the base (scenarios[0])."""
    if len(scenarios) < 3:
        raise UserError("audit: name a base and at least two remedies to rank")
    if samples < 8 or noise < 4:
        raise UserError(f"audit: at least 8 assumption samples ({named('--samples')}) and 4 "
                        f"noise samples ({named('--noise-samples')})")
    if not 0 < spread < 1:
        raise UserError(f"{given('--spread', spread)}: expected a share between 0 and 1")
    one_county(scenarios)
    check_ensemble_county(ensemble, scenarios)
    base, remedies = scenarios[0].name, [s.name for s in scenarios[1:]]
    runs, X = plan(scenarios, samples, spread, seed, ensemble, noise)
    p = scenarios[0].params
    design = {"base": base, "remedies": remedies, "samples": samples, "noise_samples": noise,
              "spread": spread, "seed": seed, "assumptions": list(X.columns),
              "years": p.years, "burn_in_years": p.burn_in_years, "scale": p.scale,
              "ranked_on": list(OUTCOMES), **county_record(scenarios[0]),
              **(ensemble.record() if ensemble else {})}
    store, tables = run_batch(runs, opts, "audit", design,
                              fn=county_function(one_county(scenarios), p, summary_only=True), keep=(),
                              desc="assumption audit", on_outcome=on_outcome,
                              outputs=list(INDICATORS), finish=False)
    ok = tables["runs"]
    whole = ok.groupby("sample").scenario.nunique() == len(scenarios)
    data = ok[ok["sample"].isin(whole[whole].index)]
    if data[data.kind == "noise"]["sample"].nunique() < 4 or \
            data[data.kind == "assumptions"]["sample"].nunique() < 8:
        store.finish("failed")
        raise AnalysisRefused(f"too few samples finished in every arm; see "
                              f"{opts.out / 'manifest.json'}, then {same_again(opts.out)}")
    per = {k: effects(data, base, remedies, k) for k in OUTCOMES}
    rank = ranking(per)
    kinds = data.groupby("sample").kind.first()
    noise_ids = kinds[kinds == "noise"].index
    reference = ranking({k: e.loc[noise_ids].mean().to_frame().T for k, e in per.items()}
                        ).iloc[0].astype(int)
    tau = pd.DataFrame([{"sample": k, "kind": kinds[k],
                         "tau": stats.kendalltau(rank.loc[k], reference[rank.columns]).statistic}
                        for k in rank.index])
    assumed = rank.loc[kinds[kinds == "assumptions"].index]
    p_rank = pd.DataFrame({r: [float((assumed[r] == k).mean()) for k in range(1, len(remedies) + 1)]
                           for r in remedies}, index=range(1, len(remedies) + 1)).T
    p_rank = p_rank.loc[reference.sort_values().index]
    pairs = deciding(per, reference, X, kinds, rank)
    for name, frame in (("tau", tau), ("ranks", p_rank.reset_index(names="remedy")),
                        ("pairs", pairs)):
        atomic_write(opts.out / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    long = pd.concat({k: e.stack() for k, e in per.items()}, names=["indicator", "sample",
                                                                    "remedy"])
    write_parquet(opts.out / "effects.parquet", long.rename("effect").reset_index())
    images = audit_page.figures(tau, p_rank, opts.out)
    html = audit_page.page(base, reference, p_rank, tau, pairs, images, store.manifest)
    atomic_write(opts.out / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    store.finish(summary={"median_tau": float(tau[tau.kind == "assumptions"].tau.median()),
                          "noise_median_tau": float(tau[tau.kind == "noise"].tau.median())})
    return Audit(opts.out, base, remedies, reference, p_rank, tau, pairs,
                 store.manifest["wall_seconds"])


def deciding(per: dict[str, pd.DataFrame], reference: pd.Series, X: pd.DataFrame,
             kinds: pd.Series, rank: pd.DataFrame) -> pd.DataFrame:
    """For each pair adjacent in the reference ranking: how often the assumption samples put
    them the other way round, and the constants most correlated (Spearman) with their
    difference in mean outcome rank; each constant with its submodel."""
    order = list(reference.sort_values().index)
    ids = kinds[kinds == "assumptions"].index
    rows = []
    for a, b in zip(order, order[1:]):
        gap = (rank.loc[ids, b] - rank.loc[ids, a]).to_numpy(float)   # > 0: a still ahead
        found = []
        for c in X.columns:
            x = X.loc[ids, c].to_numpy(float)
            if np.ptp(x) == 0 or np.ptp(gap) == 0:
                continue
            rho, p = stats.spearmanr(x, gap)
            found.append((abs(rho), c, rho, p))
        found.sort(reverse=True)
        row = {"ahead": a, "behind": b, "flipped_share": float((gap < 0).mean())}
        for j, (_, c, rho, p) in enumerate(found[:TOP_CONSTANTS], 1):
            row.update({f"constant_{j}": c, f"submodel_{j}": FIELDS[c].metadata["group"],
                        f"rho_{j}": float(rho), f"p_{j}": float(p),
                        f"clear_{j}": bool(p < ALPHA / len(X.columns))})
        rows.append(row)
    return pd.DataFrame(rows)
