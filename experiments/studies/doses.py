"""Dose-response: each remedy's effect over its levers' whole range, and the remedies that cost
money compared at equal cost (issue "Conclusions that are not built in", item 4).

A remedy's dose d (0-1) moves every lever it changes the same share of the way from the base's
value to the end of the lever's documented range in the remedy's direction; its scenario file's
own values sit at `scenario_dose`. Every arm starts from the base's settled county on common
random numbers (the warm start, ODD §7.1), so effects are paired differences from the base.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine import AnalysisRefused, Options, Run, UserError, replicate_seeds, run_batch
from ..engine.errors import in_command, same_again
from ..engine.show import Brief
from ..engine.store import atomic_write, write_parquet
from ..model import BETTER, INDICATORS, OUTCOMES
from ..model.params import FIELDS, from_sample
from ..present import dose_page, i18n
from ..present.stats import differences
from .common import county_function, county_record, one_county

DOSES = 4                    # default dose levels: 1/4, 2/4, 3/4 and the whole range


def lever_path(base, remedy) -> dict[str, tuple[float, float]]:
    """Each lever the remedy changes from the base: (base value, end of the range in the
    remedy's direction)."""
    out = {}
    for name, value in remedy.changes.items():
        start = getattr(base.params, name)
        if name not in FIELDS or FIELDS[name].metadata["group"] not in (
                "autonomy", "incentives", "resources") or value == start:
            continue
        meta = FIELDS[name].metadata
        out[name] = (start, meta["high"] if value > start else meta["low"])
    return out


def at_dose(base, path: dict, dose: float):
    """The base's parameters with the remedy's levers at `dose` of the way along their path."""
    values = {k: from_sample(k, a + dose * (b - a) if dose < 1 else b)     # b exactly at 1
              for k, (a, b) in path.items()}
    return dataclasses.replace(base.params, **values)


def scenario_dose(base, remedy, path: dict) -> float:
    """Where the scenario file's own values sit on the 0-1 dose scale (mean over its levers)."""
    return float(np.mean([(getattr(remedy.params, k) - a) / (b - a)
                          for k, (a, b) in path.items()]))


def label(remedy: str, dose: float) -> str:
    return f"{remedy}@{dose:.2f}"


@dataclass(repr=False)
class DoseResponse(Brief):
    """A dose-response study (`juwei.doses`, `juwei compare --dose-response`): `table` has
    one row per remedy, dose and indicator (the outcomes, htc_index and public_yuan): the
    paired difference from the base with its interval, and `scenario_dose`, where the
    scenario file's own values sit; `equal_cost` the remedies that cost money at one budget
    (`budget_yuan`, the dose that reaches it and each outcome's effect there); `reversals`
    the orderings that change with the dose, in words. The folder holds doses.csv,
    equal-cost.csv, runs.parquet and report.html."""
    out: Path
    base: str
    remedies: list[str]
    table: pd.DataFrame           # remedy, dose, indicator, diff with its interval, ...
    equal_cost: pd.DataFrame      # remedy, budget, effect at that budget per outcome
    reversals: list[str]          # orderings that change with the dose, in words
    wall_seconds: float
    pairs: list = field(default_factory=list, repr=False)   # the same as tuples (any language)


def plan(scenarios, doses: int, replicates: int, seed: int) -> tuple[list[Run], dict]:
    """The base once and every remedy at every dose, on the same replicate seeds."""
    base, remedies = scenarios[0], scenarios[1:]
    seeds = replicate_seeds(seed, replicates)
    levels = [k / doses for k in range(1, doses + 1)]
    arms = {base.name: (None, 0.0, base.params)}
    info = {}
    for r in remedies:
        path = lever_path(base, r)
        if not path:
            raise UserError(f"{'--dose-response' if in_command() else 'doses'}: {r.name} "
                            f"changes no lever of {base.name}, so it "
                            "has no dose to vary")
        own = scenario_dose(base, r, path)
        info[r.name] = {"levers": {k: list(v) for k, v in path.items()}, "scenario_dose": own}
        for d in sorted(set(levels) | {round(own, 4)}):
            arms[label(r.name, d)] = (r.name, d, at_dose(base, path, d))
    runs = [Run({"scenario": name, "remedy": remedy or base.name, "dose": dose,
                 "replicate": k}, params, s)
            for name, (remedy, dose, params) in arms.items() for k, s in enumerate(seeds)]
    return runs, info


def run(scenarios, replicates: int, seed: int, opts: Options, doses: int = DOSES,
        budget: float | None = None, on_outcome=None, lang: str = "en") -> DoseResponse:
    """Run every remedy at every dose against the base (first), then write doses.csv,
    equal-cost.csv, the dose-response figure and report.html (after compare.check)."""
    base = scenarios[0]
    runs, info = plan(scenarios, doses, replicates, seed)
    p = base.params
    design = {"base": base.name, "remedies": info, "doses": doses, "replicates": replicates,
              "seed": seed, "replicate_seeds": replicate_seeds(seed, replicates),
              "years": p.years, "burn_in_years": p.burn_in_years, "scale": p.scale,
              "budget": budget, **county_record(base)}
    store, tables = run_batch(runs, opts, "dose-response", design,
                              fn=county_function(one_county(scenarios), p, summary_only=True), keep=(),
                              desc="dose-response", on_outcome=on_outcome,
                              outputs=list(INDICATORS), finish=False)
    ok = tables["runs"]
    arms = len({r.labels["scenario"] for r in runs})          # the base and every dose
    complete = ok.groupby("replicate").scenario.nunique() == arms
    data = ok[ok.replicate.isin(complete[complete].index)]
    if data.replicate.nunique() < 2:
        store.finish("failed")
        raise AnalysisRefused(f"fewer than 2 replicates finished in every arm; see "
                              f"{opts.out / 'manifest.json'}, then {same_again(opts.out)}")
    labels = [base.name] + [s for s in dict.fromkeys(data.scenario) if s != base.name]
    indicators = list(OUTCOMES) + ["htc_index", "public_yuan"]
    diff = differences(data, base.name, labels, indicators)
    doses_of = data.groupby("scenario")[["remedy", "dose"]].first()
    table = diff[diff.scenario != base.name].join(doses_of, on="scenario")
    table["scenario_dose"] = table.remedy.map(lambda r: info[r]["scenario_dose"])
    table = table[["remedy", "dose", "scenario_dose", "indicator", "mean", "diff", "diff_low",
                   "diff_high", "diff_p", "n"]].sort_values(["remedy", "indicator", "dose"])
    costs = table[table.indicator == "public_yuan"].set_index(["remedy", "dose"])["diff"]
    equal = equal_cost(table, costs, budget)
    pairs = reversed_pairs(table)
    reversals = [dose_page.reversal(x) for x in pairs]
    write_parquet(opts.out / "doses.parquet", table)
    atomic_write(opts.out / "doses.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write(opts.out / "equal-cost.csv", lambda tmp: equal.to_csv(tmp, index=False))
    image = opts.out / "dose-response.png"
    names = {s.name: i18n.scenario_title(s, lang) for s in scenarios} if lang == "zh" else {}
    dose_page.plot(table, image, lang, names)
    html = dose_page.page(base, table, equal, pairs, image, store.manifest, lang, names)
    atomic_write(opts.out / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    store.finish(summary={"reversals": reversals})
    return DoseResponse(opts.out, base.name, [s.name for s in scenarios[1:]], table, equal,
                        reversals, store.manifest["wall_seconds"], pairs)


MIN_YUAN = 10_000            # a remedy whose full dose adds less a year costs no money here


def equal_cost(table: pd.DataFrame, costs: pd.Series, budget: float | None) -> pd.DataFrame:
    """Each remedy that costs money, scaled to the same extra yuan a year (`budget`; default
    the median of their costs at their scenario files' doses: a typical remedy's budget), by
    interpolating its effects and costs between doses; one whose whole range costs less is
    shown at its whole range (`reaches_budget` False). Costs rise with the dose in this
    model's finance."""
    paying = [r for r in costs.index.get_level_values(0).unique()
              if costs[r].max() >= MIN_YUAN]
    if not paying:
        return pd.DataFrame(columns=["remedy", "budget_yuan", "dose"])
    own = table.groupby("remedy").scenario_dose.first()
    target = budget if budget is not None else float(np.median(
        [np.interp(own[r], np.r_[0.0, costs[r].index.to_numpy()], np.r_[0.0, costs[r].to_numpy()])
         for r in paying]))
    rows = []
    for r in paying:
        c = costs[r].sort_index()
        d = np.interp(target, np.r_[0.0, c.to_numpy()], np.r_[0.0, c.index.to_numpy()])
        row = {"remedy": r, "budget_yuan": target, "dose": float(d),
               "reaches_budget": bool(c.max() >= target)}
        for name in list(OUTCOMES) + ["htc_index"]:
            e = table[(table.remedy == r) & (table.indicator == name)].set_index("dose")["diff"]
            e = e.sort_index()
            row[name] = float(np.interp(d, np.r_[0.0, e.index.to_numpy()],
                                        np.r_[0.0, e.to_numpy()]))
        rows.append(row)
    return pd.DataFrame(rows)


def reversed_pairs(table: pd.DataFrame) -> list[tuple]:
    """For each outcome, the pairs of remedies whose order (better for the county first)
    changes between the doses they share: one clearly ahead at some doses and clearly behind
    at others, clearly meaning by more than the sum of the two effects' interval half-widths.
    Each as (outcome, the remedy ahead at the first doses, the other, those doses, the doses
    where it is behind); dose_page.reversal says it in words."""
    out = []
    shared = sorted(set.intersection(*(set(g.dose) for _, g in table.groupby("remedy"))))
    for name in list(OUTCOMES) + ["htc_index"]:
        sign = BETTER[name]
        rows = table[(table.indicator == name) & table.dose.isin(shared)]
        wide = rows.pivot(index="dose", columns="remedy", values="diff") * sign
        half = rows.assign(h=(rows.diff_high - rows.diff_low).astype(float) / 2).pivot(
            index="dose", columns="remedy", values="h").fillna(0.0)
        names = list(wide.columns)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                gap = (wide[a] - wide[b]).to_numpy()
                clear = np.abs(gap) > (half[a] + half[b]).to_numpy()
                ahead = np.where(clear, gap, 0.0)
                if (ahead > 0).any() and (ahead < 0).any():
                    first = [f"{d:.2f}" for d, x in zip(wide.index, ahead) if x > 0]
                    second = [f"{d:.2f}" for d, x in zip(wide.index, ahead) if x < 0]
                    out.append((name, a, b, first, second))
    return out
