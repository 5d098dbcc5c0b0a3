"""What the county studies share: scenario x replicate runs and the dry-run estimate."""

from __future__ import annotations

from ..engine import Run, estimate, replicate_seeds
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
