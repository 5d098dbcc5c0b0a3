"""Policy comparisons: scenarios on common random numbers, paired differences from a base
(statistics in present/stats.py), figures and the HTML report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..engine import AnalysisRefused, Options, UserError, replicate_seeds, run_batch
from ..engine.errors import named, same_again
from ..engine.show import Brief
from ..engine.store import atomic_write, write_parquet
from ..model import BETTER, INDICATORS
from ..model.county import essay_county
from ..model.indicators import SWITCHED
from ..present import figures, handout, i18n
from ..present.compare_page import comparison as comparison_page
from ..present.stats import (cost_table, differences, draw_effects, ensemble_effects,
                             outcome_ranking, rank_probabilities, scenario_changes,
                             shown_indicators, switched_in, syndrome_breaks)
from .common import (check_ensemble_county, county_function, county_record, one_county,
                     scenario_runs)
from .run import township_table


@dataclass(repr=False)
class Comparison(Brief):
    """What `juwei.compare` returns: the folder `out`, the `base` and the `scenarios` (the
    base first), `table` (one row per indicator and scenario: mean and 95% interval, and for
    each alternative the paired difference from the base, `diff` with `diff_low` and
    `diff_high`, `cohens_d`, `flagged` when the interval excludes 0), `ranking` (the
    alternatives on the six outcomes), `costs` (public money per scenario), replicates
    `dropped` because they failed somewhere, and with a posterior `ensemble` its tables
    (`effects`, `syndrome`, `ranks`). The folder holds report.html and handout.html."""
    out: Path
    base: str
    scenarios: list[str]       # the base first
    table: pd.DataFrame        # present/stats.differences: one row per indicator and scenario
    dropped: list              # replicates left out because they failed in some scenario
    wall_seconds: float        # the runs and their tables (the settling inside the runs); not
                               # the figures and report written after them
    ensemble: dict | None = None   # effects, syndrome, ranks: over a posterior ensemble
    costs: pd.DataFrame | None = None   # present/stats.cost_table: one row per scenario
    ranking: pd.DataFrame | None = None   # present/stats.outcome_ranking: the alternatives
    changed: dict | None = field(default=None, repr=False)   # scenario -> levers it changes
    titles: dict | None = field(default=None, repr=False)    # scenario -> its title in `lang`
    switched: list | None = field(default=None, repr=False)  # the switched mechanisms' indicators
    # with township_agent: each township government's directing share per scenario (run's
    # township_table, with a scenario column), as townships.csv
    townships: pd.DataFrame | None = field(default=None, repr=False)


def paired(runs: pd.DataFrame, scenarios: list[str]) -> tuple[pd.DataFrame, list]:
    """Successful runs with a replicate in every scenario, and the replicates dropped."""
    have = runs.groupby("replicate")["scenario"].nunique()
    complete = sorted(have[have == len(scenarios)].index)
    dropped = sorted(set(runs.replicate) - set(complete))
    return runs[runs.replicate.isin(complete)], dropped


def check(scenarios, replicates: int) -> None:
    """A comparison needs distinct scenario names and at least 2 replicates for intervals."""
    labels = [s.name for s in scenarios]
    if len(set(labels)) < len(labels):
        raise UserError(f"compare: a scenario is named twice: {' '.join(labels)}")
    if replicates < 2:
        raise UserError(f"{named('--replicates')}: a comparison needs at least 2 replicates "
                        "for intervals")
    one_county(scenarios)



def run(scenarios, replicates: int, seed: int, opts: Options, on_outcome=None,
        ensemble=None, lang: str = "en") -> Comparison:
    """Run the scenarios (first = base) and write tables, figures and report.html to opts.out.
    With a posterior `ensemble`, every scenario runs on each of its draws (paired), and the
    report adds the effects over the ensemble, the syndrome's and the ranks' probabilities."""
    check(scenarios, replicates)
    check_ensemble_county(ensemble, scenarios)
    labels = [s.name for s in scenarios]
    p = scenarios[0].params
    design = {"base": labels[0], "scenarios": [
        {"name": s.name, "file": s.path, "description": s.description, "changes": s.changes}
        for s in scenarios], "replicates": replicates, "seed": seed,
        "replicate_seeds": replicate_seeds(seed, replicates), "years": p.years, "scale": p.scale,
        "burn_in_years": p.burn_in_years,
        **county_record(scenarios[0]), **(ensemble.record() if ensemble else {})}
    governed = [s.name for s in scenarios if s.params.township_agent]   # ODD §7.1a
    keep = ("series", "breakdown") if governed else ("series",)   # breakdown: committees
    store, tables = run_batch(scenario_runs(scenarios, replicates, seed, ensemble), opts, "compare", design,
                              fn=county_function(one_county(scenarios), p), keep=keep, desc="compare",
                              on_outcome=on_outcome, outputs=list(INDICATORS), finish=False)
    ok = tables["runs"]
    data, dropped = paired(ok, labels) if len(ok) else (ok, [])
    if not len(ok) or data.replicate.nunique() < 2:
        store.finish("failed")
        raise AnalysisRefused(f"{len(tables['failed'])} of {store.manifest['total']} runs "
                              "failed and fewer than 2 replicates finished in every scenario; "
                              f"see {opts.out / 'manifest.json'}, then "
                              f"{same_again(opts.out)} redoes them")
    table = differences(data, labels[0], labels)
    write_parquet(opts.out / "comparison.parquet", table)
    atomic_write(opts.out / "comparison.csv", lambda tmp: table.to_csv(tmp, index=False))
    costs = cost_table(data, labels)          # over the pooled runs with an ensemble
    atomic_write(opts.out / "costs.csv", lambda tmp: costs.to_csv(tmp, index=False))
    changed = scenario_changes(scenarios, labels[0])
    ranking = outcome_ranking(table, labels[0], changed, costs)
    atomic_write(opts.out / "ranking.csv", lambda tmp: ranking.to_csv(tmp, index=False))
    series = tables["series"]
    series = series[series.replicate.isin(data.replicate.unique())]
    images = {"series": opts.out / "compare-series.png", "htc": opts.out / "compare-htc.png",
              "differences": opts.out / "compare-differences.png"}
    titles = {s.name: i18n.scenario_title(s, lang) for s in scenarios}
    switched = switched_in(scenarios)
    figures.plot_series(series, labels, images["series"],
                        [*figures.COMPARE_SERIES, *switched], lang=lang, titles=titles)
    figures.plot_htc(table, labels, images["htc"], lang=lang, titles=titles)
    figures.plot_differences(table, labels[0], labels, images["differences"],
                             shown_indicators(table, switched), lang=lang, titles=titles)
    # the handout's figure: Chinese (as the handout), drawn at the size it prints
    images["handout"] = opts.out / "handout-htc.png"
    handout.figure(table, scenarios, labels[0], images["handout"], ranking)
    extra = ensemble_tables(data, labels, opts.out, switched) if ensemble else None
    html = comparison_page(scenarios, labels[0], table, images, store.manifest, dropped, extra,
                           lang=lang, costs=costs, ranking=ranking, changed=changed)
    atomic_write(opts.out / "report.html", lambda tmp: Path(tmp).write_text(html, "utf-8"))
    sheet = handout.page(scenarios, labels[0], table, images["handout"], store.manifest,
                         costs=costs, ranking=ranking, changed=changed)   # one A4 page, zh, en
    atomic_write(opts.out / "handout.html", lambda tmp: Path(tmp).write_text(sheet, "utf-8"))
    townships = None
    if governed and len(tables.get("committees", ())):
        kept = tables["committees"]
        kept = kept[kept.replicate.isin(data.replicate.unique())]
        county = one_county(scenarios) or essay_county()
        townships = pd.concat([township_table(kept[kept.scenario == n], county)
                               .assign(scenario=n) for n in governed], ignore_index=True)
        townships = townships[["scenario", *townships.columns[:-1]]]
        atomic_write(opts.out / "townships.csv", lambda tmp: townships.to_csv(tmp, index=False))
    store.finish()
    return Comparison(opts.out, labels[0], labels, table, dropped, store.manifest["wall_seconds"],
                      extra, costs, ranking, changed, titles, switched, townships)


def ensemble_tables(data: pd.DataFrame, labels: list[str], out: Path,
                    switched=()) -> dict:
    """Effects over the ensemble, the syndrome's absence and the ranks by indicator (those
    with a better way, a switched mechanism's only where it ran), written as ensemble.csv,
    syndrome.csv and ranks.csv."""
    judged = [h for h in BETTER if h not in SWITCHED or h in switched]
    effects = ensemble_effects(data, labels[0], labels, judged)
    breaks = syndrome_breaks(data, labels)
    ranks = pd.concat({h: rank_probabilities(draw_effects(data, labels[0], labels, h), h)
                       for h in judged},
                      names=["indicator", "scenario"]).reset_index()
    for name, frame in (("ensemble", effects), ("syndrome", breaks), ("ranks", ranks)):
        atomic_write(out / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    return {"effects": effects, "syndrome": breaks, "ranks": ranks}
