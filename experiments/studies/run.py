"""One scenario's replicates: runs, tables, summary with intervals, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..engine import Options, replicate_seeds, run_batch
from ..engine.store import atomic_write
from ..engine.show import Brief
from ..inputs.scenario import Scenario
from ..model import INDICATORS, summary_window
from ..model.county import essay_county
from ..present import i18n
from ..present.figures import plot_run
from ..present.stats import summary_table, switched_in
from .common import county_function, county_record, refuse_if_all_failed, scenario_runs


@dataclass(repr=False)
class ScenarioRun(Brief):
    """What `juwei.run` returns: the `scenario`, its results folder `out`, the `summary`
    (indicator -> mean, ci95_low, ci95_high, sd, n over the successful replicates, each the
    mean of the `window`), how many replicates succeeded and failed, the wall time and the
    figures written. `juwei.load(out)` gives the runs and series as tables."""
    scenario: Scenario
    out: Path
    summary: dict              # indicator -> mean, ci95_low, ci95_high, sd, n (last-year means)
    window: str                # which weeks the summary covers
    replicates_ok: int
    failed: int
    wall_seconds: float
    figures: list[Path] = field(default_factory=list)
    townships: pd.DataFrame | None = None   # with township_agent: each one's directing share


def run(s: Scenario, replicates: int, seed: int, opts: Options,
        plots: bool = True, lang: str = "en") -> ScenarioRun:
    """Run the scenario's replicates into opts.out (tables, manifest with the summary, PNGs in
    `lang`)."""
    design = {"scenario": s.name, "scenario_file": s.path, "description": s.description,
              **county_record(s),
              "changes_from_baseline": s.changes, "parameters": s.params.__dict__,
              "replicates": replicates, "root_seed": seed,
              "replicate_seeds": replicate_seeds(seed, replicates)}
    store, tables = run_batch(scenario_runs([s], replicates, seed), opts, "run", design,
                              fn=county_function(s.county), desc=s.name, outputs=list(INDICATORS), finish=False)
    refuse_if_all_failed(store, tables, "replicates", "is no summary")
    ok = tables["runs"]
    summary = summary_table(ok, INDICATORS)
    title = s.name if lang == "en" else i18n.scenario_title(s, lang)
    figures = (plot_run(tables["series"], opts.out, title, lang, switched_in([s]))
               if plots and "series" in tables else [])
    window = summary_window(s.params.years, s.params.burn_in_years)
    townships = None
    if s.params.township_agent and len(tables.get("committees", ())):
        townships = township_table(tables["committees"], s.county or essay_county())
        atomic_write(opts.out / "townships.csv", lambda tmp: townships.to_csv(tmp, index=False))
    store.finish(summary=summary, summary_window=window)
    return ScenarioRun(s, opts.out, summary, window, len(ok), store.manifest["failed"],
                       store.manifest["wall_seconds"], figures, townships)


def township_table(committees: pd.DataFrame, county) -> pd.DataFrame:
    """Each township government (ODD §7.1a): the committees it serves and its directing share
    in the last year, the mean over the replicates with their lowest and highest."""
    names, served_by = county.townships()
    share = committees.groupby(["township", "replicate"]).township_directing.mean()
    by = share.groupby(level="township")
    at = range(len(names))
    return pd.DataFrame({"township": names,
                         "committees": [int((served_by == i).sum()) for i in at],
                         "directing": by.mean().reindex(at).to_numpy(),
                         "lowest": by.min().reindex(at).to_numpy(),
                         "highest": by.max().reindex(at).to_numpy()})
