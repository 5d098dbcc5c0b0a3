"""The patterns a baseline must reproduce (spec §7; pattern-oriented modelling, Grimm et al. 2005).

Each pattern is checked in every replicate of a baseline batch (common random numbers; pattern 4
adds the same county with and without campaigns, paired by replicate), on last-year figures. It
holds when it holds in at least 90% of replicates; its main figure is reported with a 95%
interval across replicates.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import AnalysisRefused, Run, execute, replicate_seeds
from ..engine.show import Brief
from ..engine.store import frames
from ..model import STEPS_PER_YEAR, SYNDROME_THRESHOLD, Parameters, syndrome
from ..model.calendar import PER_THOUSAND
from ..model import run as county_run
from .common import county_function
from ..present.stats import mean_ci

HOLDS_SHARE = 0.9        # a pattern holds when it holds in at least this share of replicates
# the indicators whose year-on-year change is the drift figure (ODD §7.1: the baseline settles)
STEADY = ["htc_H", "htc_T", "htc_C", "exhaustion", "admin_share", "participation_rate"]


@dataclass
class Pattern:
    """One pattern over the replicates: the share in which it holds, and its main figure's mean
    with a 95% interval across replicates."""
    number: int
    title: str
    condition: str
    measure: str            # what the main figure is
    values: list[float]     # the main figure in each replicate
    held: list[bool]        # whether the pattern held in each replicate
    others: dict[str, float]  # the other figures, as means across replicates

    @property
    def share(self) -> float:
        return float(np.mean(self.held))

    @property
    def holds(self) -> bool:
        return self.share >= HOLDS_SHARE

    @property
    def figure(self) -> str:
        mean, lo, hi = mean_ci(self.values)
        ci = f" [{lo:.3g}, {hi:.3g}]" if lo is not None else ""
        detail = ", ".join(f"{name} {v:.3g}" for name, v in self.others.items())
        return f"{self.measure} {mean:.3g}{ci}; {detail}"


def paradox_pair(base: Parameters) -> tuple[Parameters, Parameters]:
    """Pattern 4's county: a yearly 30% campaign, no admission filter, no funding; and without."""
    with_campaign = dataclasses.replace(base, reduction_campaigns_per_year=1,
                                        campaign_cut_share=0.3, task_admission=0.0,
                                        funding_follows_tasks=0.0)
    return with_campaign, dataclasses.replace(with_campaign, reduction_campaigns_per_year=0)


def batch(params: Parameters, replicates: int, seed: int, executor: str = "processes",
          workers: int | None = None, progress: bool | None = None, fn=county_run,
          pair: bool = True) -> dict[str, pd.DataFrame]:
    """The baseline and (`pair`) the paradox pair, `replicates` each, on shared replicate seeds
    (`fn`: the run function, of the county to check)."""
    seeds = replicate_seeds(seed, replicates)
    arms = [("baseline", params)]
    if pair:
        arms += list(zip(("campaigns", "no_campaigns"), paradox_pair(params)))
    runs = [Run({"arm": arm, "replicate": r}, p, s) for arm, p in arms
            for r, s in enumerate(seeds)]
    outcomes = execute(runs, fn, executor=executor, workers=workers, progress=progress,
                       desc="validate")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise AnalysisRefused(f"{len(failed)} validation runs failed, so the patterns cannot be "
                              f"checked; first: {failed[0].error}")
    return frames(list(enumerate(outcomes)))


def replicate_figures(run, com: pd.DataFrame, years: pd.DataFrame, paradox: float
                      ) -> dict[str, float]:
    """Every figure the patterns and the calibration read, in one replicate
    (inputs/calibration.FIGURES): `run` its last-year summary, `com` its committees, `years`
    its yearly means (year 0 first), `paradox` the campaign pair's paired difference."""
    peers = com.groupby("seat").service_per_1000.transform("mean")
    rel = com.service_per_1000 / peers     # relative to committees of the same side of the seat
    rent = com.renting > 0.5
    renting, owning = float(rel[rent].mean()), float(rel[~rent].mean())
    v = syndrome(run)
    last, before = years.iloc[-1], years.iloc[-2] if len(years) > 1 else years.iloc[-1]
    return {
        "admin_share": run.admin_share,
        "admin_high_committees": float((com.admin_share >= 0.85).mean()),
        "participation_rate": run.participation_rate,
        "participation_age_ratio": run.participation_60_plus / max(run.participation_18_35,
                                                                    1e-12),
        "volunteer_rate": run.volunteer_rate,
        "volunteer_100_share": run.volunteer_100_share,
        "burden_paradox": paradox,
        "unfunded_share": run.unfunded_share,
        "seat_gap": run.seat_gap,
        "seat_venue_gap": run.seat_venue_gap,
        "seat_gap_year_1": years.iloc[0].seat_gap,
        "renting": renting,
        "owning": owning,
        "renting_minus_owning": renting - owning,
        "high_school_share": run.high_school_share,
        "over_45_share": run.over_45_share,
        "push_participation_correlation": _partial_correlation(com, "pushed_per_cadre",
                                                               "participation"),
        "push_trust_correlation": _partial_correlation(com, "pushed_per_cadre", "trust"),
        "significant_correlation": _significantly_positive(len(com), level=0.025),
        "htc_H": v.H, "htc_T": v.T, "htc_C": v.C,
        "htc_min": min(v.H, v.T, v.C),
        "income_committees": float((com.own_income_share > 0.1).mean()),
        "cadre_turnover": run.cadre_turnover,
        "volunteer_hours_per_year": (run.volunteer_hours_per_1000 / PER_THOUSAND
                                     * STEPS_PER_YEAR / max(run.volunteer_rate, 1e-12)),
        "drift_per_year": max(abs(last[k] - before[k]) for k in STEADY),
    }


def _replicate(f: dict[str, float]) -> list[tuple]:
    """Every pattern in one replicate's figures: (held, main figure, other figures) in spec
    §7's order."""
    out = []
    out.append((f["admin_share"] >= 0.85 and f["admin_high_committees"] >= 0.9,
                f["admin_share"], {"committees >= 0.85": f["admin_high_committees"]}))
    ratio = f["participation_age_ratio"]
    out.append((f["participation_rate"] <= 0.15 and ratio >= 2, f["participation_rate"],
                {"60+ / 18-35": ratio}))
    out.append((0.01 <= f["volunteer_rate"] <= 0.06 and f["volunteer_100_share"] < 0.10,
                f["volunteer_rate"], {"reaching 100 services": f["volunteer_100_share"]}))
    out.append((f["burden_paradox"] >= 0, f["burden_paradox"], {}))
    out.append((f["unfunded_share"] > 0.5, f["unfunded_share"], {}))
    gap_s, gap_v, gap_1 = f["seat_gap"], f["seat_venue_gap"], f["seat_gap_year_1"]
    # a year-1 gap of 10% or more must not fade by half or turn; a gap that opens later counts
    persists = abs(gap_1) < 0.1 or (np.sign(gap_s) == np.sign(gap_1)
                                    and abs(gap_s) >= 0.5 * abs(gap_1))
    out.append((abs(gap_s) >= 0.1 and abs(gap_v) >= 0.1 and persists, gap_s,
                {"year-1 service gap": gap_1, "places gap": gap_v}))
    # within the county seat and within the rest, so committee size does not confound
    out.append((f["renting"] < f["owning"], f["renting_minus_owning"],
                {"renting": f["renting"], "owning": f["owning"]}))
    out.append((f["high_school_share"] < 0.2 and f["over_45_share"] > 0.55,
                f["high_school_share"], {"over 45": f["over_45_share"]}))
    cp, ct = f["push_participation_correlation"], f["push_trust_correlation"]
    raises = f["significant_correlation"]        # two tests: Bonferroni
    out.append((cp <= raises and ct <= raises, cp, {"trust": ct, "significant above": raises}))
    out.append((f["htc_min"] > SYNDROME_THRESHOLD, f["htc_min"],
                {"H": f["htc_H"], "T": f["htc_T"], "C": f["htc_C"]}))
    out.append((f["income_committees"] <= 0.1, f["income_committees"], {}))
    return out


def _partial_correlation(com: pd.DataFrame, x: str, y: str) -> float:
    """Correlation of x and y across committees with committee size (log residents) and the
    county seat/rest split held fixed: the correlation of their regression residuals."""
    controls = np.column_stack([np.ones(len(com)), np.log(com.residents.to_numpy(float)),
                                com.seat.to_numpy(float)])

    def residual(v):
        v = com[v].to_numpy(float)
        return v - controls @ np.linalg.lstsq(controls, v, rcond=None)[0]
    return float(np.corrcoef(residual(x), residual(y))[0, 1])


def _significantly_positive(committees: int, controls: int = 2, level: float = 0.05) -> float:
    """The smallest partial correlation across `committees` that is significantly positive
    (one-sided t test at `level`, with `controls` variables held fixed): "push does not raise
    participation" is rejected only by evidence that it does, not by a small positive draw."""
    df = committees - 2 - controls
    t = stats.t.ppf(1.0 - level, df)
    return float(t / np.sqrt(df + t * t))


PATTERNS = [  # title, condition, main figure (spec §7)
    ("cadres' administrative share", "county >= 0.85 and >= 90% of committees",
     "county admin share"),
    ("residents taking part in a month", "<= 0.15 and 60+ >= 2 x 18-35", "participation"),
    ("registered volunteers", "0.01-0.06 of residents and < 0.10 reach 100",
     "share of residents"),
    ("burden paradox (年年减负,越减越重)", "with yearly campaigns not below without",
     "paired diff of last-year admin hours/cadre/week"),
    ("unfunded pushed work", "> 0.5", "share of pushed task hours unfunded"),
    ("uneven development (the county seat vs the rest)",
     "both gaps >= 10% and the service gap persists without aid", "service/resident gap"),
    ("renting committees serve less", "renting < owning",
     "service relative to peers, renting minus owning"),
    ("weak cadre team without recruitment reform", "high school+ < 0.20 and over 45 > 0.55",
     "high school+"),
    ("push does not raise participation or trust",
     "neither correlation significantly > 0 (one-sided 2.5% each), size and the seat held fixed",
     "partial correlation of push and participation across committees"),
    ("hot-tired-cold syndrome present", f"H, T and C all > {SYNDROME_THRESHOLD:g}",
     "smallest of H, T, C"),
    ("empty-shell committees (空壳社区)", "<= 10% of committees with own income > 10%",
     "share of committees with own income > 10% of budget"),
]


def figures(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every figure (FIGURES) in each baseline replicate of a validation batch's tables: one
    row per replicate, indexed by replicate (burden_paradox NaN without the campaign pair)."""
    runs, committees, series = tables["runs"], tables["committees"], tables["series"]
    base = runs[runs.arm == "baseline"].set_index("replicate")
    arms = runs.set_index(["arm", "replicate"]).admin_hours_per_cadre
    ours = series[(series.arm == "baseline") & (series.step >= 0)]     # from the switch
    yearly = ours.assign(y=ours.step // STEPS_PER_YEAR).groupby(["replicate", "y"]).mean(
        numeric_only=True)
    com = committees[committees.arm == "baseline"]
    paired = "campaigns" in set(runs.arm)
    return pd.DataFrame.from_dict(
        {r: replicate_figures(base.loc[r], com[com.replicate == r], yearly.loc[r],
                              arms["campaigns", r] - arms["no_campaigns", r] if paired
                              else float("nan"))
         for r in sorted(base.index)}, orient="index")




def check(tables: dict[str, pd.DataFrame]) -> list[Pattern]:
    """Each pattern in each baseline replicate, then over replicates (last-year figures)."""
    per_rep = [_replicate(row) for row in figures(tables).to_dict("records")]
    out = []
    for k, (title, condition, measure) in enumerate(PATTERNS):
        rows = [rep[k] for rep in per_rep]
        others = {name: float(np.mean([r[2][name] for r in rows])) for name in rows[0][2]}
        out.append(Pattern(k + 1, title, condition, measure, [float(r[1]) for r in rows],
                           [bool(r[0]) for r in rows], others))
    return out


@dataclass(repr=False)
class Validation(Brief):
    scenario: str
    params: Parameters
    replicates: int
    seed: int
    patterns: list[Pattern]
    seconds: float

    @property
    def holding(self) -> int:
        return sum(p.holds for p in self.patterns)


def run(scenario, replicates: int, seed: int, executor: str = "processes",
        workers: int | None = None) -> Validation:
    """Check the patterns on a scenario: its replicates and the paradox pair, then every check."""
    t0 = time.perf_counter()
    patterns = check(batch(scenario.params, replicates, seed, executor, workers,
                           fn=county_function(scenario.county, scenario.params)))
    return Validation(scenario.name, scenario.params, replicates, seed, patterns,
                      time.perf_counter() - t0)
