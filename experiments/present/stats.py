"""The statistics of juwei's tables: means with t intervals across replicates, paired
differences between scenarios with t intervals, and the one rule that says how sure a change is
(`how_sure`), which the terminal, the report, the handout and the workshop page all read."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..model import BETTER, HEADLINE, INDICATORS, OUTCOMES, SYNDROME_THRESHOLD
from ..model.indicators import MONEY_ITEMS, SWITCHED, definition_levers, switched_on



def mean_ci(values, level: float = 0.95, within: tuple = (None, None)
            ) -> tuple[float, float | None, float | None]:
    """Mean and its t-based confidence interval; no interval from fewer than two values. A
    quantity that can only take values `within` (low, high; None: unbounded), as an sd (0,
    None) or a share (0, 1), keeps its interval there: with few replicates the t interval
    would reach where no value can be."""
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, None, None
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    low, high = within
    return (m, m - half if low is None else max(m - half, low),
            m + half if high is None else min(m + half, high))


def bounds(indicator: str) -> tuple:
    """Where an indicator's values can lie, from its unit: a share or a 0-1 index in (0, 1),
    a ratio less 1 (a gap) above -1, hours, money, counts and spreads above 0; a name that
    is not an indicator unbounded (mean_ci's `within`)."""
    if indicator not in INDICATORS:
        return None, None
    unit = INDICATORS[indicator].unit
    if unit == "0-1" or unit.startswith("share"):
        return 0.0, 1.0
    return (-1.0, None) if unit == "ratio - 1" else (0.0, None)


def switched_in(scenarios) -> list[str]:
    """The indicators of the switched mechanisms (SWITCHED) any of `scenarios` runs with."""
    return [n for n in SWITCHED if any(n in switched_on(s.params) for s in scenarios)]


def shown_indicators(table: pd.DataFrame, on=None) -> list[str]:
    """A comparison's columns: the headline indicators, and the indicator of each switched
    mechanism the comparison ran with: `on` (switched_in), else, for a table read back alone,
    those not 0 somewhere (each is 0 in every run while its mechanism is off)."""
    if on is None:
        on = set(table[table.indicator.isin(list(SWITCHED)) & (table["mean"] != 0)].indicator)
    return [*HEADLINE, *(n for n in SWITCHED if n in on)]


def summary_table(frame, indicators) -> dict[str, dict]:
    """For each indicator: mean, 95% interval of the mean (within its bounds), sd and n across
    replicates."""
    out = {}
    for name in indicators:
        x = frame[name].to_numpy(dtype=float)
        m, lo, hi = mean_ci(x, within=bounds(name))
        out[name] = {"mean": m, "ci95_low": lo, "ci95_high": hi,
                     "sd": float(x.std(ddof=1)) if x.size > 1 else None, "n": int(x.size)}
    return out


def differences(runs: pd.DataFrame, base: str, scenarios: list[str],
                indicators=tuple(INDICATORS)) -> pd.DataFrame:
    """One row per indicator and scenario (the base included, with no difference).

    `runs` holds one row per scenario and replicate; replicate r of every scenario shares a
    seed, so differences are paired. Each row: the scenario's mean with a t interval; its
    paired difference from the base with a t-based 95% interval over the independent units
    (`diff_low`, `diff_high`; exact for normal differences even at 2 units, where a bootstrap
    interval is far too narrow), `diff_sd` (the sd of the units' differences), `units` (how
    many independent units), `diff_p` (paired t-test), the relative difference, Cohen's d
    (difference over the pooled replicate sd) and `flagged` when the interval excludes zero.
    Runs over a posterior ensemble (a `draw` column) are not independent: runs of one draw
    share its constants, so the units are the draws (a t interval over the draws' means).
    How sure a row is, in words and colour, is `how_sure`'s to say, not `flagged`'s.
    """
    rows = []
    wide = {s: runs[runs.scenario == s].sort_values("replicate") for s in scenarios}
    n = len(wide[base])
    units = wide[base]["draw"].to_numpy() if "draw" in wide[base] else np.arange(n)
    _, unit_of = np.unique(units, return_inverse=True)
    sizes = np.bincount(unit_of)

    def unit_means(v):         # each independent unit's mean (a replicate, or a draw)
        return np.bincount(unit_of, weights=v) / sizes
    m = len(sizes)
    for name in indicators:
        b = wide[base][name].to_numpy(float)
        for s in scenarios:
            x = wide[s][name].to_numpy(float)
            mean, lo, hi = mean_ci(unit_means(x), within=bounds(name))
            row = dict(indicator=name, scenario=s, mean=mean, ci95_low=lo, ci95_high=hi,
                       sd=float(x.std(ddof=1)) if n > 1 else None, n=n)
            if s != base:
                d = x - b
                u = unit_means(d)
                diff, dlo, dhi = mean_ci(u)     # the mean over independent units
                pooled = float(np.sqrt((x.var(ddof=1) + b.var(ddof=1)) / 2)) if n > 1 else 0.0
                row.update(diff=diff, diff_low=dlo, diff_high=dhi,
                           diff_sd=float(u.std(ddof=1)) if m > 1 else None, units=m,
                           unit="draw" if "draw" in wide[base] else "replicate",
                           diff_p=paired_p(u),
                           relative=diff / abs(b.mean()) if b.mean() else None,
                           cohens_d=diff / pooled if pooled > 0 else (0.0 if diff == 0 else None),
                           flagged=bool(dlo is not None and (dlo > 0 or dhi < 0)))
            rows.append(row)
    return pd.DataFrame(rows)


PER_YUAN = 10_000             # effects are shown per 10,000 yuan a year of extra public money


def in_wan(yuan: float, signed: bool = False) -> str:
    """An amount of yuan in 10,000 yuan (万元), the unit the workshop speaks in: whole 万元 from
    100 up, one decimal from 1, else two significant digits, so a small amount (2,000 yuan:
    0.2; 150 yuan: 0.015) is never shown as 0.0. Exactly 0 is "0"; NaN is "–"."""
    if yuan is None or math.isnan(yuan):
        return "–"
    x = yuan / PER_YUAN
    sign = "+" if signed else ""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:{sign},.0f}"
    if abs(x) >= 1:
        return f"{x:{sign}.1f}"
    return significant(x, 2, signed)


def significant(x: float, digits: int = 2, signed: bool = False) -> str:
    """A number to `digits` significant digits as the reports and the workshop show it: never
    in scientific notation (0.000012, not 1.2e-05; 12,345, not 1.2e+04), without trailing
    zeros (0.2, as the g format)."""
    sign = "+" if signed else ""
    if x == 0 or not math.isfinite(x):
        return f"{x:{sign}g}"
    places = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    x = round(x, places)                    # 0.0996 rounds to 0.1: its places are fewer
    places = max(0, digits - 1 - math.floor(math.log10(abs(x)))) if x else 0
    text = f"{x:{sign},.{places}f}"
    return text.rstrip("0").rstrip(".") if places else text
MIN_EXTRA_SHARE = 0.005       # ... only when the extra is at least 0.5% of the base's total
COST_EFFECTS = ("htc_index", "trust", "participation_rate")
COST_COLUMNS = (["scenario", *MONEY_ITEMS, "public_yuan", "extra_yuan",
                 "admin_hours_freed_per_year", "admin_hours_freed_per_cadre_week"]
                + [f"per_10k_{k}" for k in COST_EFFECTS])


def cost_table(runs: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """What each scenario costs: one row per scenario, the base (labels[0]) first.

    `runs` holds one row per scenario and replicate, paired as for `differences` (with a
    posterior ensemble, the pooled runs of every draw). Columns: the public money by item and
    its total `public_yuan`, yuan a year, each the mean over the replicates; `extra_yuan`, the
    scenario's total minus the base's; `admin_hours_freed_per_year`, the base's county cadre
    hours a year on administration minus the scenario's, and `admin_hours_freed_per_cadre_week`,
    the same for a serving cadre's week (admin_hours_per_cadre); and `per_10k_<indicator>`, the
    mean paired difference of the indicator (scenario - base) for each 10,000 yuan a year of
    extra money: difference / (extra_yuan / 10,000). The per-10,000 columns are left empty
    (NaN) when the extra money is negative or under 0.5% of the base's total (the base's own
    row included): a remedy that saves money or costs next to nothing has no meaningful "effect
    per yuan", and dividing by a near-zero extra would blow up noise.
    """
    base = labels[0]
    wide = {s: runs[runs.scenario == s].sort_values("replicate").reset_index(drop=True)
            .reindex(columns=["replicate", *MONEY_ITEMS, "public_yuan", "admin_hours_per_year",
                              "admin_hours_per_cadre", *COST_EFFECTS])
            for s in labels}
    b = wide[base]
    total = float(b["public_yuan"].mean())
    rows = []
    for s in labels:
        x = wide[s]
        row = {"scenario": s, **{k: float(x[k].mean()) for k in (*MONEY_ITEMS, "public_yuan")}}
        extra = row["public_yuan"] - total
        row.update(extra_yuan=extra,
                   admin_hours_freed_per_year=float(b["admin_hours_per_year"].mean()
                                                    - x["admin_hours_per_year"].mean()),
                   admin_hours_freed_per_cadre_week=float(b["admin_hours_per_cadre"].mean()
                                                          - x["admin_hours_per_cadre"].mean()))
        priced = extra >= MIN_EXTRA_SHARE * total and extra > 0
        for k in COST_EFFECTS:
            diff = float((x[k].to_numpy(float) - b[k].to_numpy(float)).mean())
            row[f"per_10k_{k}"] = diff / (extra / PER_YUAN) if priced else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=COST_COLUMNS)


def changed_levers(base_changes: dict, changes: dict) -> set[str]:
    """The parameters a scenario sets otherwise than the base (each given as its changes from
    the schema's defaults, Scenario.changes or a manifest's)."""
    return {k for k in set(base_changes) | set(changes)
            if base_changes.get(k) != changes.get(k)} - {"scale", "years"}


def scenario_changes(scenarios, base: str) -> dict[str, set]:
    """Each scenario's (a Scenario's) levers set otherwise than the base's."""
    b = next(s for s in scenarios if s.name == base).changes
    return {s.name: changed_levers(b, s.changes) for s in scenarios}


def definition_marks(indicators, changed: dict[str, set]) -> dict[tuple[str, str], tuple]:
    """(scenario, indicator) -> the levers the scenario changes that enter the indicator's
    definition (ODD §4.10), for the cells that get a "by definition" note (†)."""
    return {(s, name): levers for s, keys in changed.items() for name in indicators
            if (levers := definition_levers(name, keys))}


def outcome_ranks(diff: pd.DataFrame) -> pd.DataFrame:
    """The headline rule on a table of effects (one row per alternative, one column per
    outcome): each outcome ranks the alternatives by their effect in the direction better for
    the county (BETTER; rank 1 the largest improvement, ties share the mean rank), and
    `mean_rank` is the mean over the outcomes, each weighted equally."""
    ranks = (-diff * pd.Series({o: BETTER[o] for o in diff.columns})).rank(method="average")
    return ranks.assign(mean_rank=ranks.mean(axis=1))


def outcome_ranking(table: pd.DataFrame, base: str, changed: dict[str, set],
                    costs: pd.DataFrame | None = None, outcomes=OUTCOMES) -> pd.DataFrame:
    """The headline ranking of the alternatives on the outcomes (ODD §4.10, README).

    Each outcome ranks the alternatives by their mean paired change from `base` (a
    `differences` table) in the direction better for the county (BETTER): rank 1 is the largest
    improvement, ties share the mean rank. The alternatives are ordered by their mean rank over
    the outcomes, each outcome weighted equally (ties keep the table's order). One row per
    alternative: `position`, `rank_<outcome>`, `mean_rank`, `extra_yuan` (from a `cost_table`,
    else NaN) and `by_definition`, the outcomes a lever the alternative changes (`changed`:
    scenario -> levers) enters by definition, as "outcome: lever, ..." joined by "; ".
    """
    alts = [s for s in dict.fromkeys(table.scenario) if s != base]
    rows = table[table.scenario != base]
    diff = rows.pivot(index="scenario", columns="indicator", values="diff").loc[
        alts, list(outcomes)].astype(float)
    ranks = outcome_ranks(diff)
    out = ranks.drop(columns="mean_rank").add_prefix("rank_")
    out.insert(len(outcomes), "mean_rank", ranks.mean_rank)
    extra = (costs.set_index("scenario").extra_yuan if costs is not None and len(costs)
             else pd.Series(dtype=float))
    out["extra_yuan"] = extra.reindex(alts).to_numpy(float)
    marks = definition_marks(outcomes, {s: changed.get(s, set()) for s in alts})
    out["by_definition"] = ["; ".join(f"{o}: {', '.join(marks[(s, o)])}" for o in outcomes
                                      if (s, o) in marks) for s in alts]
    out = out.sort_values("mean_rank", kind="stable")
    out.insert(0, "position", range(1, len(out) + 1))
    out.columns.name = None
    return out.rename_axis("scenario").reset_index()


def ensemble_effects(runs: pd.DataFrame, base: str, scenarios: list[str],
                     indicators=tuple(BETTER)) -> pd.DataFrame:
    """Each alternative's paired effect over a posterior ensemble: one row per indicator and
    alternative.

    `runs` holds one row per scenario, posterior draw and replicate (columns `draw` and
    `seed_replicate`); every scenario ran the same draws, and every draw the same replicate
    seeds, so d[draw, replicate] is a paired difference and the table of them is crossed.
    Reported: the mean effect; the 5-95% range of the draws' effects (mean over replicates:
    what the unknown constants leave open); the shares of the differences' variance from the
    draws (parametric) and from the seeds and their interaction (stochastic), from a two-way
    analysis of variance without replication (random effects; draws with every replicate
    only); and the probability, over draws, that the remedy improves the indicator (BETTER
    gives the way).
    """
    key = ["draw", "seed_replicate"]
    wide = {s: runs[runs.scenario == s].set_index(key).sort_index() for s in scenarios}
    rows = []
    for name in indicators:
        b = wide[base][name]
        for s in scenarios:
            if s == base:
                continue
            d = (wide[s][name] - b).dropna()
            effects = d.groupby(level="draw").mean()
            parametric, stochastic = variance_shares(d.unstack("seed_replicate"))
            rows.append(dict(
                indicator=name, scenario=s, effect=float(d.mean()),
                draws_low=float(effects.quantile(0.05)), draws_high=float(effects.quantile(0.95)),
                parametric_share=parametric, stochastic_share=stochastic,
                p_improves=float((np.sign(effects) == BETTER.get(name, -1)).mean()),
                draws=int(len(effects))))
    return pd.DataFrame(rows)


def variance_shares(table: pd.DataFrame) -> tuple[float | None, float | None]:
    """Shares of variance from the rows (draws) and from the rest (columns: seeds shared by
    every draw, and the residual) of a draws x seeds table, by the expected mean squares of a
    two-way random-effects model without replication; None without two complete draws and two
    seeds."""
    x = table.dropna().to_numpy(float)
    k, r = x.shape if x.ndim == 2 else (0, 0)
    if k < 2 or r < 2:
        return None, None
    grand = x.mean()
    ms_draw = r * ((x.mean(axis=1) - grand) ** 2).sum() / (k - 1)
    ms_seed = k * ((x.mean(axis=0) - grand) ** 2).sum() / (r - 1)
    resid = x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + grand
    ms_resid = (resid ** 2).sum() / ((k - 1) * (r - 1))
    draw = max((ms_draw - ms_resid) / r, 0.0)
    seed = max((ms_seed - ms_resid) / k, 0.0)
    total = draw + seed + ms_resid
    return (draw / total, (seed + ms_resid) / total) if total > 0 else (None, None)


def syndrome_breaks(runs: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    """Per scenario, the share of posterior draws in which the syndrome is absent (a draw's
    H, T and C averaged over its replicates, not all above the threshold)."""
    rows = []
    for s in scenarios:
        m = runs[runs.scenario == s].groupby("draw")[["htc_H", "htc_T", "htc_C"]].mean()
        absent = m.min(axis=1) <= SYNDROME_THRESHOLD
        rows.append({"scenario": s, "p_syndrome_absent": float(absent.mean()),
                     "draws": int(len(m))})
    return pd.DataFrame(rows)


def rank_probabilities(effects_by_draw: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """How often each alternative takes each rank for `indicator` across posterior draws
    (rank 1 = the largest improvement). `effects_by_draw`: one row per draw, one column per
    alternative, each cell that draw's mean paired effect."""
    better = BETTER.get(indicator, -1)
    ranks = (-better * effects_by_draw).rank(axis=1, method="min")
    n = len(effects_by_draw.columns)
    return pd.DataFrame({s: [float((ranks[s] == k).mean()) for k in range(1, n + 1)]
                         for s in effects_by_draw.columns},
                        index=pd.RangeIndex(1, n + 1, name="rank")).T


def draw_effects(runs: pd.DataFrame, base: str, scenarios: list[str], indicator: str
                 ) -> pd.DataFrame:
    """One row per draw, one column per alternative: the draw's mean paired effect."""
    key = ["draw", "seed_replicate"]
    b = runs[runs.scenario == base].set_index(key)[indicator]
    return pd.DataFrame({s: (runs[runs.scenario == s].set_index(key)[indicator] - b)
                         .groupby(level="draw").mean() for s in scenarios if s != base})


def equivalence(a, b, margin: float) -> float:
    """p-value of the two one-sided Welch t-tests (TOST; Schuirmann 1987) that mean(a) - mean(b)
    lies within ±margin: below alpha, the two means are equivalent within the margin. 1.0
    when either sample has fewer than two values."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        return 1.0
    d = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0 if abs(d) <= margin else 1.0
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    below = stats.t.sf((d + margin) / se, df)        # H0: d <= -margin
    above = stats.t.cdf((d - margin) / se, df)       # H0: d >= +margin
    return float(max(below, above))


# the indicators a workshop reads first: the syndrome, residents (C), cadres (T)
WORKSHOP_INDICATORS = ("htc_index", "participation_rate", "trust", "admin_share", "exhaustion")


def paired_p(unit_differences: np.ndarray) -> float | None:
    """Two-sided p of a one-sample t-test that the mean paired difference is 0, over the
    independent units (replicates, or posterior draws); None with fewer than 2 units. Exact
    for normal differences even at 2 units, unlike a bootstrap interval at so few."""
    d = np.asarray(unit_differences, float)
    if d.size < 2:
        return None
    sd = d.std(ddof=1)
    if sd == 0:                              # every unit the same: no noise to weigh against
        return 1.0 if d.mean() == 0 else 0.0
    t = d.mean() / (sd / np.sqrt(d.size))
    return float(2 * stats.t.sf(abs(t), d.size - 1))


# --- how sure: the one rule -------------------------------------------------------------------
# At 4 replicates the 95% t interval of a paired change is ±1.59 sd of the replicates' paired
# differences; at 3 it is ±2.48 sd and at 2 ±8.98 sd (t with 1 degree of freedom is 12.7). The
# README's main effects (separation, power and funding, fewer inspections on unmet need, trust,
# exhaustion, turnover) measure 6-11 such sd at scale 0.1 and about half that at 0.02, so below
# 4 replicates the rule cannot tell them apart from noise: the words say so instead.
MIN_REPLICATES = 4
SURE_KEYS = ("better", "worse", "higher", "lower", "unclear", "too_few", "unknown")
# one colour meaning everywhere: green better for the county, red worse, grey anything else
# (unclear, too few runs, or an indicator with no better way); sureness is in words, not colour
GOOD, BAD, GREY = "#1b7f2a", "#c62828", "#777777"
COLOUR = {"better": GOOD, "worse": BAD}


@dataclass(frozen=True)
class Sure:
    """How sure a paired change is: `key` (one of SURE_KEYS; words: the catalogues' [sure]),
    the interval to draw (None when too few runs or unknown) and `needed`, about how many
    replicates the rule would need to tell this change apart from noise (None when it already
    does, or when there is no estimate)."""
    key: str
    low: float | None = None
    high: float | None = None
    needed: int | None = None
    unit: str = "replicate"      # what `needed` counts: replicates, or an ensemble's draws

    @property
    def way(self) -> int:
        """+1 better for the county, -1 worse, 0 neither (unclear, too few, no better way)."""
        return {"better": 1, "worse": -1}.get(self.key, 0)

    @property
    def colour(self) -> str:
        return COLOUR.get(self.key, GREY)

    @property
    def drawn(self) -> bool:
        """Whether an interval is shown."""
        return self.low is not None


def needed_replicates(sd, effect, most: int = 10_000) -> int | None:
    """About how many replicates the rule needs to tell a paired change of size `effect` with
    this sd of the paired differences: the smallest n (at least MIN_REPLICATES) whose 95% t
    interval's half-width, t(n-1) sd / sqrt(n), is at most half the effect, i.e.
    n >= (2 t sd / |effect|)^2, so that a change as large as this one would clear zero with
    room to spare. None when the effect is 0 or unknown, or more than `most` would be needed."""
    if sd is None or effect is None or pd.isna(sd) or pd.isna(effect) or effect == 0:
        return None
    # t > 1.96, so n is at least (2 x 1.96 sd / |effect|)^2: search upwards from there
    start = max(MIN_REPLICATES, math.floor((2 * 1.96 * sd / abs(effect)) ** 2))
    if start > most:
        return None
    n = np.arange(start, min(start + 400, most) + 1)
    fits = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n) <= abs(effect) / 2
    return int(n[fits.argmax()]) if fits.any() else None


def how_sure(row) -> Sure:
    """The one rule for how sure a `differences` row's change is (`row`: a mapping, dict or
    pandas Series, with indicator, diff, diff_low, diff_high, diff_sd and units).

    Below MIN_REPLICATES independent units: "too few runs to tell", no interval, and the
    replicates needed. Else, from the t-based 95% interval: when it excludes 0, "better" or
    "worse" for the county by the indicator's way (BETTER), or "higher" / "lower" for an
    indicator with no better way; when it holds 0, "unclear" (which is not "no effect"), with
    the replicates needed. "unknown" for a table from before juwei kept `units` and `diff_sd`.
    """
    units, sd, diff = row.get("units"), row.get("diff_sd"), row.get("diff")
    if "diff_sd" not in row or units is None or pd.isna(units) or diff is None or pd.isna(diff):
        return Sure("unknown")
    unit = row.get("unit") if row.get("unit") in ("draw", "replicate") else "replicate"
    if int(units) < MIN_REPLICATES:
        return Sure("too_few", needed=needed_replicates(sd, diff) or MIN_REPLICATES, unit=unit)
    lo, hi = float(row["diff_low"]), float(row["diff_high"])
    if lo <= 0 <= hi:
        return Sure("unclear", lo, hi, needed_replicates(sd, diff), unit)
    better = BETTER.get(row.get("indicator"), 0) * (1 if diff > 0 else -1)
    key = {1: "better", -1: "worse"}.get(better, "higher" if diff > 0 else "lower")
    return Sure(key, lo, hi)


RANK_LEVEL = 0.05      # a rank correlation counts when significant at this level, Bonferroni
                       # over every correlation tried
RANK_MIN_DRAWS = 8     # fewer cannot make a rank correlation significant after Bonferroni


def rank_correlation(x, y):
    """Spearman's rho of two series and its p-value; None when either does not vary (scipy
    would warn and give NaN)."""
    if pd.Series(x).nunique() < 2 or pd.Series(y).nunique() < 2:
        return None
    return stats.spearmanr(x, y)
