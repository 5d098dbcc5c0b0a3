"""The patterns a baseline must reproduce (spec §7; pattern-oriented modelling, Grimm et al. 2005).

Each check reads a baseline batch (replicates with common random numbers); pattern 4 adds the
same county with and without campaigns. Figures are means across replicates.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import AnalysisRefused, Run, execute, replicate_seeds
from ..engine.store import frames
from ..model import SYNDROME_THRESHOLD, Parameters, syndrome
from ..model import run as county_run


@dataclass
class Pattern:
    number: int
    title: str
    figure: str
    condition: str
    holds: bool


def paradox_pair(base: Parameters) -> tuple[Parameters, Parameters]:
    """Pattern 4's county: a yearly 30% campaign, no admission filter, no funding; and without."""
    with_campaign = dataclasses.replace(base, reduction_campaigns_per_year=1,
                                        campaign_cut_share=0.3, task_admission=0.0,
                                        funding_follows_tasks=0.0)
    return with_campaign, dataclasses.replace(with_campaign, reduction_campaigns_per_year=0)


def batch(params: Parameters, replicates: int, seed: int, executor: str = "processes",
          workers: int | None = None, progress: bool = True) -> dict[str, pd.DataFrame]:
    """The baseline and the paradox pair, `replicates` each, on shared replicate seeds."""
    seeds = replicate_seeds(seed, replicates)
    campaigns, no_campaigns = paradox_pair(params)
    runs = [Run({"arm": arm, "replicate": r}, p, s)
            for arm, p in (("baseline", params), ("campaigns", campaigns),
                           ("no_campaigns", no_campaigns))
            for r, s in enumerate(seeds)]
    outcomes = execute(runs, county_run, executor=executor, workers=workers, progress=progress,
                       desc="validate")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise AnalysisRefused(f"{len(failed)} validation runs failed, so the patterns cannot be "
                              f"checked; first: {failed[0].error}")
    return frames(list(enumerate(outcomes)))


def check(tables: dict[str, pd.DataFrame]) -> list[Pattern]:
    runs, committees, series = tables["runs"], tables["committees"], tables["series"]
    base = runs[runs.arm == "baseline"]
    com = committees[committees.arm == "baseline"]
    per_committee = com.groupby("committee").mean(numeric_only=True)
    m = base.mean(numeric_only=True)
    out = []

    def add(title, figure, condition, holds):
        out.append(Pattern(len(out) + 1, title, figure, condition, bool(holds)))

    share_high = (per_committee.admin_share >= 0.85).mean()
    add("cadres' administrative share",
        f"county {m.admin_share:.3f}; {share_high:.0%} of committees >= 0.85",
        "county >= 0.85 and >= 90% of committees", m.admin_share >= 0.85 and share_high >= 0.9)

    ratio = m.participation_60_plus / max(m.participation_18_35, 1e-12)
    add("residents taking part in a month",
        f"{m.participation_rate:.3f}; 60+ {m.participation_60_plus:.3f} vs 18-35 "
        f"{m.participation_18_35:.3f} (x{ratio:.1f})",
        "<= 0.15 and 60+ >= 2 x 18-35", m.participation_rate <= 0.15 and ratio >= 2)

    add("registered volunteers",
        f"{m.volunteer_rate:.3f} of residents; {m.volunteer_100_share:.3f} reach 100 services",
        "0.01-0.06 of residents and < 0.10 reach 100",
        0.01 <= m.volunteer_rate <= 0.06 and m.volunteer_100_share < 0.10)

    arms = runs.set_index(["arm", "replicate"]).admin_hours_per_cadre
    diff = (arms["campaigns"] - arms["no_campaigns"]).to_numpy()
    add("burden paradox (年年减负,越减越富)",
        f"year-5 admin hours/cadre/week with yearly campaigns {arms['campaigns'].mean():.1f}"
        f" vs without {arms['no_campaigns'].mean():.1f} (paired diff {diff.mean():+.2f})",
        "with campaigns not below without", diff.mean() >= 0)

    add("unfunded pushed work", f"{m.unfunded_share:.3f} of pushed task hours unfunded",
        "> 0.5", m.unfunded_share > 0.5)

    b_series = series[series.arm == "baseline"]
    first = b_series[b_series.step < 52].mean(numeric_only=True)
    gap_s, gap_v = m.jiangkou_gap, m.jiangkou_venue_gap
    persists = (np.sign(gap_s) == np.sign(first.jiangkou_gap)
                and abs(gap_s) >= 0.5 * abs(first.jiangkou_gap))
    add("uneven development (Jiangkou vs the rest)",
        f"service/resident gap {gap_s:+.2f} (year 1 {first.jiangkou_gap:+.2f}); "
        f"places/resident gap {gap_v:+.2f}",
        "both gaps >= 10% and the service gap persists without aid",
        abs(gap_s) >= 0.1 and abs(gap_v) >= 0.1 and persists)

    # within Jiangkou and within the townships, so committee size does not confound
    rel = per_committee.service_per_1000 / per_committee.groupby("jiangkou").service_per_1000 \
        .transform("mean")
    rent = per_committee.renting > 0.5
    add("renting committees serve less",
        f"service per resident relative to peers: renting {rel[rent].mean():.2f}, "
        f"owning {rel[~rent].mean():.2f}",
        "renting < owning", rel[rent].mean() < rel[~rent].mean())

    add("weak cadre team without recruitment reform",
        f"year 5: high school+ {m.high_school_share:.3f}, over 45 {m.over_45_share:.3f}",
        "high school+ < 0.20 and over 45 > 0.55",
        m.high_school_share < 0.2 and m.over_45_share > 0.55)

    corr_p, corr_t = [], []
    for _, g in com.groupby("replicate"):
        corr_p.append(np.corrcoef(g.pushed_per_cadre, g.participation)[0, 1])
        corr_t.append(np.corrcoef(g.pushed_per_cadre, g.trust)[0, 1])
    cp, ct = float(np.mean(corr_p)), float(np.mean(corr_t))
    add("push does not raise participation or trust",
        f"correlation across committees: participation {cp:+.2f}, trust {ct:+.2f}",
        "both <= 0", cp <= 0 and ct <= 0)

    v = syndrome(m)
    add("hot-tired-cold syndrome present",
        f"H {v.H:.2f}, T {v.T:.2f}, C {v.C:.2f} (index {v.index:.2f})",
        f"H, T and C all > {SYNDROME_THRESHOLD:g}", v.present)

    with_income = (per_committee.own_income_share > 0.1).mean()
    add("empty-shell committees (空壳社区)",
        f"{with_income:.1%} of committees with own income > 10% of budget",
        "<= 10%", with_income <= 0.1)
    return out


@dataclass
class Validation:
    scenario: str
    params: Parameters
    replicates: int
    seed: int
    patterns: list[Pattern]
    seconds: float

    @property
    def holds(self) -> int:
        return sum(p.holds for p in self.patterns)


def run(scenario, replicates: int, seed: int, executor: str = "processes",
        workers: int | None = None) -> Validation:
    """Check the patterns on a scenario: its replicates and the paradox pair, then every check."""
    t0 = time.perf_counter()
    patterns = check(batch(scenario.params, replicates, seed, executor, workers))
    return Validation(scenario.name, scenario.params, replicates, seed, patterns,
                      time.perf_counter() - t0)
