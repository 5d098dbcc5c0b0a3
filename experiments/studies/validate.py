"""The patterns a baseline must reproduce (spec §7; pattern-oriented modelling, Grimm et al. 2005).

Each pattern is checked in every replicate of a baseline batch (common random numbers; pattern 4
adds the same county with and without campaigns, paired by replicate), on last-year figures. It
holds when it holds in at least 90% of replicates; its main figure is reported with a 95%
interval across replicates.

Each pattern carries a label (ODD §1.2): **emergent** (produced by the agents' rules, no constant
sets it), **partly imposed** (a constant, draw or direct penalty sets part of it) or **input**
(a definition or an input restated: it cannot fail, so it validates nothing and is shown only
for completeness), with what it rests on. Each pattern that is not an input has a breaker: a
setting within the schema's ranges under which it must fail (`break_patterns`, `juwei validate
--breakers`, tests/test_patterns.py).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import AnalysisRefused, Options, Run, execute, replicate_seeds, run_batch
from ..engine.errors import same_again
from ..engine.show import Brief
from ..engine.store import atomic_write, frames
from ..model import STEPS_PER_YEAR, SYNDROME_THRESHOLD, Parameters, syndrome
from ..model import finance
from ..model.calendar import PER_THOUSAND
from ..model.indicators import EMPTY_SHELL_SHARE as EMPTY_SHELL
from ..model import run as county_run
from .common import county_function, county_record
from ..present.stats import MIN_REPLICATES, mean_ci

HOLDS_SHARE = 0.9        # a pattern holds when it holds in at least this share of replicates
# the indicators whose year-on-year change is the drift figure (ODD §7.1: the baseline settles)
STEADY = ["htc_H", "htc_T", "htc_C", "exhaustion", "admin_share", "participation_rate"]

PAIRED_PATTERN = 4       # the pattern judged on the campaign pair (paradox_pair)
EMERGENT, PARTLY_IMPOSED, INPUT = "emergent", "partly imposed", "input"
LABELS = (EMERGENT, PARTLY_IMPOSED, INPUT)


@dataclass(frozen=True)
class Definition:
    """One pattern of spec §7: its condition and main figure, its label with what it rests on,
    and (unless it is an input) its breaker: a setting within the schema's documented ranges
    under which it must fail, with a clear margin."""
    title: str
    condition: str
    measure: str            # what the main figure is
    label: str              # one of LABELS
    rests_on: str           # one line: the definition, direct penalty, draw or mechanism
    breaker: dict           # parameter -> value ({} for an input)
    breaks_because: str = ""
    within: tuple = (None, None)   # the values the main figure can take (a share: 0 to 1)


_D = Parameters()   # the schema's values, which the reasons quote
SHARE = (0.0, 1.0)
PATTERNS = [  # spec §7's order; the labels, reasons and breakers are ODD §1.2's table
    Definition("cadres' administrative share", "county >= 0.85 and >= 90% of committees",
               "county admin share", EMERGENT,
               "departments' push against cadres' hours, and teams weighing what they answer for "
               "against residents' need (§7.1, §7.3)",
               dict(task_admission=0.9, funding_follows_tasks=1.0),
               "separation and funding free cadres' hours",
               within=SHARE),
    Definition("residents taking part in a month", "<= 0.15 and 60+ >= 2 x 18-35",
               "participation", PARTLY_IMPOSED,
               "the age skew is the time cost set for each employment status (retired "
               f"{_D.time_cost_retired:g}, employed {_D.time_cost_social:g}-"
               f"{_D.time_cost_unit:g}); the level comes from trust, neighbours and places "
               "(§7.5)",
               dict(participation_bias=2.0), "residents keen to take part",
               within=SHARE),
    Definition("registered volunteers", "0.01-0.06 of residents and < 0.10 reach 100",
               "share of residents", PARTLY_IMPOSED,
               "the share is set by registration and dropout rates on the participants, who "
               "emerge (§7.6)",
               dict(dropout_per_week=0.1), "volunteers drop out within ten weeks",
               within=SHARE),
    Definition("burden paradox (年年减负,越减越重)", "with yearly campaigns not below without",
               "paired diff of last-year admin hours/cadre/week", PARTLY_IMPOSED,
               "each campaign adds a direct rebound of departments' pressure; whether it "
               "outweighs the cut comes from their pressure's dynamics (§7.1)",
               dict(campaign_rebound=0.0), "campaigns without a rebound do lighten the load"),
    Definition("unfunded pushed work", "> 0.5", "share of pushed task hours unfunded", INPUT,
               "a definition: the unfunded share is 1 - funding_follows_tasks "
               f"({_D.funding_follows_tasks:g})", {},
               within=SHARE),
    Definition("uneven development (the county seat vs the rest)",
               "both gaps >= 10% and the service gap persists without aid",
               "service/resident gap", PARTLY_IMPOSED,
               "the places gap is the county file's venues; the service gap follows from "
               "places, units and the county's focus money (§5, §7.9)",
               dict(seat_focus_yuan=0.0, venue_places_new=30.0, unit_sharing=0.0),
               "the county spends alike, new townships get the old ones' rooms and no unit "
               "opens its facilities"),
    Definition("renting committees serve less", "renting < owning",
               "service relative to peers, renting minus owning", INPUT,
               "three direct penalties on renters: the rent, a venue "
               f"{_D.renting_venue_share:.0%} of an owned one's and {_D.rent_logistics_share:.0%} "
               "of service hours lost to logistics (§7.3, §7.9)", {}),
    Definition("weak cadre team without recruitment reform",
               "high school+ < 0.20 and over 45 > 0.55", "high school+", INPUT,
               f"the hiring draw: local candidates are {_D.local_educated_share:.0%} high "
               f"school+ and aged {_D.local_age_min:g}-{_D.local_age_max:g}, after the essay's "
               "team (§5, §7.4)", {},
               within=SHARE),
    Definition("push does not raise participation or trust",
               "neither correlation significantly > 0 (one-sided 2.5% each), size and the seat "
               "held fixed",
               "partial correlation of push and participation across committees", INPUT,
               "imposed by structure: no rule lets push raise participation or trust; it holds "
               "with every spread at zero, so it cannot fail (§1.2)", {}),
    Definition("hot-tired-cold syndrome present", f"H, T and C all > {SYNDROME_THRESHOLD:g}",
               "smallest of H, T, C", EMERGENT,
               "departments' blame pressure after their inspections, cadres' load and "
               "residents' response (§7.1, §4.10)",
               dict(blame_pressure=0.0), "departments that do not escalate",
               within=SHARE),
    Definition("empty-shell committees (空壳社区)",
               f"<= 10% of committees with a venture and own income > {EMPTY_SHELL:.0%}",
               f"share of committees with a venture and own income > {EMPTY_SHELL:.0%} of budget",
               PARTLY_IMPOSED,
               "judged on ventures, the county file's shop rents left out: few start, at an "
               f"assumed drive without policy ({_D.enterprise_base:g}) times cadres' free time "
               "(§7.9)",
               dict(enterprise_support=1.0, task_admission=0.9, funding_follows_tasks=1.0,
                    training_hours_per_year=80),
               "policy, and trained cadres with time to run ventures",
               within=SHARE),
]


# the patterns that count as validation: those that are not inputs
VALIDATING = [k for k, d in enumerate(PATTERNS, 1) if d.label != INPUT]


def validates(number: int) -> bool:
    """Whether pattern `number` counts as validation (it is not an input)."""
    return number in VALIDATING


@dataclass
class Pattern:
    """One pattern over the replicates: the share in which it holds, and its main figure's mean
    with a 95% interval across replicates."""
    number: int
    values: list[float]     # the main figure in each replicate
    held: list[bool]        # whether the pattern held in each replicate
    others: dict[str, float]  # the other figures, as means across replicates

    @property
    def definition(self) -> Definition:
        return PATTERNS[self.number - 1]

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def condition(self) -> str:
        return self.definition.condition

    @property
    def label(self) -> str:
        return self.definition.label

    @property
    def share(self) -> float:
        return float(np.mean(self.held))

    @property
    def holds(self) -> bool:
        return self.share >= HOLDS_SHARE

    @property
    def interval(self) -> tuple[float, float | None, float | None]:
        """The main figure's mean and 95% interval across replicates."""
        return mean_ci(self.values, within=self.definition.within)

    @property
    def figure(self) -> str:
        mean, lo, hi = self.interval        # the interval from MIN_REPLICATES runs (how sure)
        ci = f" [{lo:.3g}, {hi:.3g}]" if lo is not None and len(self.values) >= MIN_REPLICATES \
            else ""
        detail = "".join(f"; {name} {v:.3g}" for name, v in self.others.items())
        return f"{self.definition.measure} {mean:.3g}{ci}{detail}"


def paradox_pair(base: Parameters) -> tuple[Parameters, Parameters]:
    """Pattern 4's county: a yearly 30% campaign, no admission filter, no funding; and without."""
    with_campaign = dataclasses.replace(base, reduction_campaigns_per_year=1,
                                        campaign_cut_share=0.3, task_admission=0.0,
                                        funding_follows_tasks=0.0)
    return with_campaign, dataclasses.replace(with_campaign, reduction_campaigns_per_year=0)


# --- the venture census of pattern 11 --------------------------------------------------------
# A run's indicators say how much own income committees have, not where it comes from. The census
# wraps each budget year's `finance.new_year` (where ventures start and fail, ODD §7.9): the
# wrapper calls it unchanged (the runs stay bit for bit) and, inside a Census run only, records
# the committees' ventures before and after. Thread-local, so runs in threads count their own.
_census = threading.local()
_new_year = finance.new_year


def _counted_new_year(m) -> None:
    log = getattr(_census, "log", None)
    before = m.committees.enterprises.copy() if log is not None else None
    _new_year(m)
    if log is not None:
        log.append((before, m.committees.enterprises.copy()))


@dataclass(frozen=True)
class Census:
    """A run function `fn` whose runs also report their ventures (pattern 11): in the summary
    `ventures_started` (over the run's `years` after the switch, a burn-in left out: it may come
    from the settled-county cache; a committee's venture that fails the year another starts
    there counts once) and `ventures_alive` (in the last year), and per committee `ventures`
    (in the last year)."""
    fn: object

    def __call__(self, params: Parameters | None = None, seed: int = 0) -> dict:
        finance.new_year = _counted_new_year
        _census.log = []
        try:
            r = self.fn(params, seed)
            log = _census.log[-(params or Parameters()).years:]
        finally:
            _census.log = None
        started = sum(int(np.maximum(after - before, 0).sum()) for before, after in log)
        alive = log[-1][1] if log else np.zeros(0, int)
        entity, values = r.breakdown
        return dict(series=r.series, time_axis=r.time_axis,
                    summary={**r.summary, "ventures_started": started,
                             "ventures_alive": int(alive.sum())},
                    breakdown=(entity, {**values, "ventures": alive.astype(float)}))

    @property
    def identity(self) -> str:
        """What the run is, for the design's identity (its repr holds a memory address, so a
        resumed validation would never match the design it continues)."""
        from ..engine.batch import function_name
        return f"{__name__}.Census:{function_name(self.fn)}"


def _arms(params: Parameters, pair: bool) -> list[tuple[str, Parameters]]:
    return [("baseline", params)] + (list(zip(("campaigns", "no_campaigns"),
                                               paradox_pair(params))) if pair else [])


# --- where the committees' differences come from (issue 23, item 6) --------------------------
# The spreads the model draws at the start rather than produces: departments' inspected share
# and blame, how much each committee is pushed beyond its size, directors' drive, cadres' skill,
# units' dispositions. With them at 0, what spread remains across committees comes from their
# circumstances (size, seat, renting, new, places) and from what the agents do.
EXOGENOUS_SPREADS = ("department_spread", "reach_spread", "leadership_spread", "skill_spread",
                     "unit_disposition_spread", "psm_spread")
SPREAD_INDICATORS = ("admin_share", "exhaustion", "participation", "trust")
NO_SPREADS = "no_spreads"      # the arm with every exogenous spread at 0, on the same seeds


def without_spreads(params: Parameters) -> Parameters:
    """`params` with every exogenous spread at 0 and the same means: skill's spread only adds
    (base + spread x U[0, 1]), so its base rises by half the spread; the others are
    symmetric around their means."""
    return dataclasses.replace(params, **dict.fromkeys(EXOGENOUS_SPREADS, 0.0),
                               skill_base=params.skill_base + params.skill_spread / 2)


def heterogeneity(committees: pd.DataFrame) -> pd.DataFrame:
    """For each of SPREAD_INDICATORS, its sd across committees (last-year means; population sd)
    in each replicate of the baseline and of NO_SPREADS: the means over replicates with 95%
    intervals (None from one replicate; never below 0), `remains`, the share of the baseline's sd left with
    the spreads at 0, and each arm's mean over committees (a spread that moved the level
    would move a bounded indicator's sd with it)."""
    by = committees.groupby(["arm", "replicate"])[list(SPREAD_INDICATORS)]
    sd, level = by.std(ddof=0), by.mean()
    rows = []
    for name in SPREAD_INDICATORS:
        (base, b_lo, b_hi), (zero, z_lo, z_hi) = (mean_ci(sd.loc[arm, name], within=(0.0, None))
                                                  for arm in ("baseline", NO_SPREADS))
        rows.append({"indicator": name, "sd": base, "sd_low": b_lo, "sd_high": b_hi,
                     "sd_without_spreads": zero, "sd_without_spreads_low": z_lo,
                     "sd_without_spreads_high": z_hi,
                     "remains": zero / base if base > 0 else float("nan"),
                     "mean": float(level.loc["baseline", name].mean()),
                     "mean_without_spreads": float(level.loc[NO_SPREADS, name].mean())})
    return pd.DataFrame(rows)


# --- what bounds residents' taking part (issue 23, item 5) ------------------------------------
BOUNDS = ("bound_wish", "bound_rooms", "bound_organisers")
# committee kinds, each a column of the breakdown that is 1 for it (and its complement)
KINDS = (("all", None, None), ("seat", "seat", 1.0), ("township", "seat", 0.0),
         ("new", "new", 1.0), ("old", "new", 0.0), ("renting", "renting", 1.0),
         ("owning", "renting", 0.0))


def constraints(committees: pd.DataFrame) -> pd.DataFrame:
    """For each kind of committee, the share of its committee-weeks in the last year (the
    baseline's, all replicates) in which each of BOUNDS held participation down: the wish
    (every applicant found a place), the rooms, or the organisers' time; and how many
    committees are of the kind, the mean over replicates (which committees are new or rent
    their offices is drawn with each replicate's county, so it can be fractional)."""
    base = committees[committees.arm == "baseline"]
    replicates = max(base.replicate.nunique(), 1)
    rows = []
    for kind, column, value in KINDS:
        of = base if column is None else base[base[column].round() == value]
        rows.append({"kind": kind, "committees": len(of) / replicates,
                     **{b: float(of[b].mean()) if len(of) else float("nan") for b in BOUNDS}})
    return pd.DataFrame(rows)


def arm_count(pair: bool) -> int:
    """Runs a validation batch makes per replicate: the scenario, and the campaign pair."""
    return len(_arms(Parameters(), pair))


def _execute(runs: list[Run], fn, executor: str, workers: int | None, progress: bool | None
             ) -> dict[str, pd.DataFrame]:
    outcomes = execute(runs, Census(fn), executor=executor, workers=workers, progress=progress,
                       desc="validate")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise AnalysisRefused(f"{len(failed)} validation runs failed, so the patterns cannot be "
                              f"checked; first: {failed[0].error}")
    return frames(list(enumerate(outcomes)))


def batch(params: Parameters, replicates: int, seed: int, executor: str = "processes",
          workers: int | None = None, progress: bool | None = None, fn=county_run,
          pair: bool = True, spreads: bool = False) -> dict[str, pd.DataFrame]:
    """The baseline and (`pair`) the paradox pair and (`spreads`) the NO_SPREADS arm,
    `replicates` each, on shared replicate seeds (`fn`: the run function, of the county to
    check)."""
    seeds = replicate_seeds(seed, replicates)
    arms = _arms(params, pair) + ([(NO_SPREADS, without_spreads(params))] if spreads else [])
    runs = [Run({"arm": arm, "replicate": r}, p, s) for arm, p in arms
            for r, s in enumerate(seeds)]
    return _execute(runs, fn, executor, workers, progress)


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
        "income_committees": float(((com.ventures > 0)
                                    & (com.own_income_share > EMPTY_SHELL)).mean()),
        "income_committees_with_rents": float((com.own_income_share > EMPTY_SHELL).mean()),
        "ventures_started": run.ventures_started,
        "ventures_alive": run.ventures_alive,
        "cadre_turnover": run.cadre_turnover,
        "volunteer_hours_per_year": (run.volunteer_hours_per_1000 / PER_THOUSAND
                                     * STEPS_PER_YEAR / max(run.volunteer_rate, 1e-12)),
        "tasks_per_committee_year": run.tasks_per_committee_year,
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
    out.append((f["income_committees"] <= 0.1, f["income_committees"],
                {"ventures started": f["ventures_started"],
                 "running in the last year": f["ventures_alive"],
                 "shop rents counted": f["income_committees_with_rents"]}))
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
    for k in range(len(PATTERNS)):
        rows = [rep[k] for rep in per_rep]
        others = {name: float(np.mean([r[2][name] for r in rows])) for name in rows[0][2]}
        out.append(Pattern(k + 1, [float(r[1]) for r in rows], [bool(r[0]) for r in rows],
                           others))
    return out


def setting(values: dict) -> str:
    """A breaker's parameter values, as `--set` would take them."""
    return ", ".join(f"{k}={v:g}" for k, v in values.items())


def break_patterns(params: Parameters, replicates: int, seed: int, executor: str = "processes",
                   workers: int | None = None, progress: bool | None = None, fn=county_run,
                   numbers: list[int] | None = None) -> list[Pattern]:
    """Each pattern that is not an input (or those `numbers`) checked under its breaker: the
    parameters with the breaker's values, on the same replicate seeds as the baseline (the
    paradox pair for pattern 4 only). Each must fail."""
    numbers = numbers or VALIDATING
    seeds = replicate_seeds(seed, replicates)
    runs = [Run({"breaker": k, "arm": arm, "replicate": r}, p, s) for k in numbers
            for arm, p in _arms(dataclasses.replace(params, **PATTERNS[k - 1].breaker),
                                k == PAIRED_PATTERN)
            for r, s in enumerate(seeds)]
    tables = _execute(runs, fn, executor, workers, progress)
    return [check({name: t[t.breaker == k] for name, t in tables.items()})[k - 1]
            for k in numbers]


def run_count(replicates: int, breakers: bool = False) -> int:
    """How many runs `run` makes: the baseline, the campaign pair and NO_SPREADS, and
    (`breakers`) each breaker's baseline, with the pair for pattern 4's."""
    return replicates * (len(_arms(Parameters(), True)) + 1 + breakers
                         * sum(arm_count(k == PAIRED_PATTERN) for k in VALIDATING))


@dataclass(repr=False)
class Validation(Brief):
    """A check of the patterns of spec §7 (`juwei.validate`, `juwei validate`): `patterns`,
    one `Pattern` each (how often it held over the replicates, its figures), `broken` the
    same under each pattern's breaker (with breakers), `ok` when every pattern that is not an
    input holds and every breaker breaks its pattern, `verdict` in words; `table()` all of
    it as a DataFrame (patterns.csv in the folder `out`, when the runs were stored)."""
    scenario: str
    params: Parameters
    replicates: int
    seed: int
    patterns: list[Pattern]
    seconds: float
    broken: list[Pattern] | None = None     # the patterns under their breakers, if checked
    out: Path | None = None                 # the results folder, if the runs were stored
    spread: pd.DataFrame | None = None      # heterogeneity(): differences across committees
    bounds: pd.DataFrame | None = None      # constraints(): what bounds taking part, by kind

    @property
    def counted(self) -> list[Pattern]:
        """The patterns that count as validation: those that are not inputs."""
        return [p for p in self.patterns if validates(p.number)]

    @property
    def holding(self) -> int:
        return sum(p.holds for p in self.counted)

    @property
    def unbroken(self) -> list[Pattern]:
        """Patterns that still hold under their breaker (none, if the breakers were checked)."""
        return [p for p in self.broken or () if p.holds]

    @property
    def ok(self) -> bool:
        return self.holding == len(self.counted) and not self.unbroken

    @property
    def verdict(self) -> str:
        inputs = len(self.patterns) - len(self.counted)
        return (f"{self.holding} of {len(self.counted)} emergent or partly imposed patterns "
                f"hold; {inputs} are inputs, shown for completeness")

    def table(self) -> pd.DataFrame:
        """One row per pattern: label, what it rests on, how often it held, its main figure
        with its interval, its breaker and (if checked) how often it held there."""
        under = {p.number: p for p in self.broken or ()}
        rows = []
        for p in self.patterns:
            d, (mean, lo, hi) = p.definition, p.interval
            b = under.get(p.number)
            rows.append({"pattern": p.number, "title": d.title, "label": d.label,
                         "rests_on": d.rests_on, "condition": d.condition,
                         "held_share": p.share, "holds": p.holds, "measure": d.measure,
                         "mean": mean, "ci_low": lo, "ci_high": hi, "figures": p.figure,
                         "breaker": setting(d.breaker), "breaks_because": d.breaks_because,
                         "held_share_under_breaker": b.share if b else None,
                         "breaks": (not b.holds) if b else None})
        return pd.DataFrame(rows)


def run(scenario, replicates: int, seed: int, executor: str = "processes",
        workers: int | None = None, breakers: bool = False, opts: Options | None = None
        ) -> Validation:
    """Check the patterns on a scenario: its replicates and the paradox pair, then every check;
    with `breakers`, also each pattern's breaker on the same seeds. With `opts` (then
    `executor` and `workers` are its own), every run is stored in `opts.out` as an experiment
    (resumable; runs.parquet, series and committees) and the table of patterns beside it,
    patterns.csv, the committees' spread with and without the drawn spreads
    (heterogeneity(), `Validation.spread`), heterogeneity.csv, and what bounds taking part by
    kind of committee (constraints(), `Validation.bounds`), constraints.csv; without, nothing
    is written."""
    t0 = time.perf_counter()
    fn = county_function(scenario.county, scenario.params)
    if opts is None:
        tables = batch(scenario.params, replicates, seed, executor, workers, fn=fn,
                       spreads=True)
        broken = (break_patterns(scenario.params, replicates, seed, executor, workers, fn=fn)
                  if breakers else None)
        return Validation(scenario.name, scenario.params, replicates, seed, check(tables),
                          time.perf_counter() - t0, broken,
                          spread=heterogeneity(tables["committees"]),
                          bounds=constraints(tables["committees"]))
    seeds = replicate_seeds(seed, replicates)
    arms = [(0, arm, p) for arm, p in _arms(scenario.params, True)
            + [(NO_SPREADS, without_spreads(scenario.params))]]
    if breakers:
        arms += [(k, arm, p) for k in VALIDATING for arm, p in _arms(
            dataclasses.replace(scenario.params, **PATTERNS[k - 1].breaker),
            k == PAIRED_PATTERN)]
    runs = [Run({"breaker": k, "arm": arm, "replicate": r}, p, sd) for k, arm, p in arms
            for r, sd in enumerate(seeds)]
    design = {"scenario": scenario.name, "changes": scenario.changes,
              "replicates": replicates, "seed": seed,
              "breakers": breakers, "years": scenario.params.years,
              "burn_in_years": scenario.params.burn_in_years, "scale": scenario.params.scale,
              **county_record(scenario)}
    store, tables = run_batch(runs, opts, "validate", design, fn=Census(fn), desc="validate",
                              finish=False)
    if len(tables["failed"]):
        store.finish("failed")
        raise AnalysisRefused(f"{len(tables['failed'])} validation runs failed, so the patterns "
                              f"cannot be checked; first: {tables['failed'].error.iloc[0]} "
                              f"(all in {opts.out / 'manifest.json'}; {same_again(opts.out)} "
                              "redoes them)")

    def of(k):
        return {name: t[t.breaker == k] for name, t in tables.items() if "breaker" in t}
    patterns = check(of(0))
    broken = [check(of(k))[k - 1] for k in VALIDATING] if breakers else None
    v = Validation(scenario.name, scenario.params, replicates, seed, patterns,
                   time.perf_counter() - t0, broken, opts.out,
                   heterogeneity(of(0)["committees"]), constraints(of(0)["committees"]))
    table = v.table()
    atomic_write(opts.out / "patterns.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write(opts.out / "heterogeneity.csv", lambda tmp: v.spread.to_csv(tmp, index=False))
    atomic_write(opts.out / "constraints.csv", lambda tmp: v.bounds.to_csv(tmp, index=False))
    store.finish(summary={"verdict": v.verdict, "ok": v.ok})
    return v
