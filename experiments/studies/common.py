"""What the county studies share: scenario x replicate runs, the dry-run estimate, and the
refusal when every run failed."""

from __future__ import annotations

from ..engine import AnalysisRefused, Run, estimate, replicate_seeds
from ..engine.store import short
from ..model import one_year, run


def scenario_runs(scenarios, replicates: int, seed: int) -> list[Run]:
    """Every scenario x replicate; replicate r has the same seed in every scenario (CRN)."""
    seeds = replicate_seeds(seed, replicates)
    return [Run({"scenario": s.name, "replicate": r}, s.params, sd)
            for s in scenarios for r, sd in enumerate(seeds)]


def dry_run(runs: list[Run], workers: int | None, total: int | None = None) -> str:
    """How many runs (`total`, or len(runs)), and about how long, from one timed year of the
    first."""
    return estimate(runs, run, workers, shorten=one_year, total=total)


def refuse_if_all_failed(store, tables: dict, what: str, missing: str) -> None:
    """Mark the experiment failed and stop with one line when no run succeeded."""
    if len(tables["runs"]):
        return
    first = tables["failed"].error.iloc[0]
    store.finish("failed")
    raise AnalysisRefused(f"all {len(tables['failed'])} {what} failed, so there {missing}; the "
                          f"first: {short(first, 200)} (all errors in "
                          f"{store.folder / 'manifest.json'})")
